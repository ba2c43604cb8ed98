//! `#[custom_vjp(pullback = p)]`: a function whose pullback the user writes.
//!
//! In: the attribute's `pullback` path and the function. Out: the function unchanged, its
//! forward half `f_fwd` (the value, keeping the inputs and the output), `f_bwd` (calling the
//! user's pullback as `p(inputs.., output, bar_output)`, an ndarray output and its cotangent by
//! reference), the residuals struct, and the same
//! descriptor `#[grad]` functions have, so any `#[grad]` function can call it. The pullback is
//! used exactly as given, also when it is not the derivative (a straight-through estimator).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::parse::Parser;

use crate::errors::Errors;
use crate::input::{self, Args, Shape};
use crate::types::copied_reference;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let mut pullback: Option<syn::Path> = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("pullback") {
            pullback = Some(meta.value()?.parse()?);
            Ok(())
        } else {
            Err(meta.error(
                "unknown argument to #[custom_vjp]; write `#[custom_vjp(pullback = my_pullback)]`",
            ))
        }
    });
    if let Err(error) = parser.parse2(args) {
        errors.push(error);
    }
    let Some(input) = input::analyze(
        item.clone(),
        &Args {
            wrt: None,
            checkpoint: false,
        },
        &mut errors,
    ) else {
        let errors = errors.to_compile_errors();
        let item = match syn::parse2::<syn::Item>(item) {
            Ok(syn::Item::Fn(function)) if function.sig.receiver().is_none() => {
                let descriptor = crate::descriptor::uncallable(
                    &function,
                    "#[custom_vjp] reported an error for it",
                );
                quote!(#function #descriptor)
            }
            Ok(item) => quote!(#item),
            Err(_) => TokenStream::new(),
        };
        return quote!(#item #errors);
    };
    let original = &input.item;
    let Some(pullback) = pullback else {
        errors.push(syn::Error::new(
            Span::call_site(),
            "#[custom_vjp] needs the pullback: `#[custom_vjp(pullback = my_pullback)]`, where \
             `my_pullback(inputs.., output, bar_output)` returns the inputs' cotangents",
        ));
        let errors = errors.to_compile_errors();
        let descriptor =
            crate::descriptor::uncallable(original, "#[custom_vjp] reported an error for it");
        return quote!(#original #descriptor #errors);
    };
    if !crate::descriptor::callable(&input) || !original.sig.generics.params.is_empty() {
        errors.spanned(
            &original.sig,
            "#[custom_vjp] supports functions without generics that return a float, a \
             fixed-size array of floats or an owned ndarray array",
        );
    }
    for param in &input.params {
        if param.shape == Shape::Tuple {
            errors.spanned(
                &param.ty,
                "#[custom_vjp] does not take tuple parameters; pass the tuple's elements as \
                 parameters of their own",
            );
            continue;
        }
        let copyable = matches!(
            param.shape,
            Shape::Scalar | Shape::FixedArray | Shape::Constant
        ) || matches!(*param.ty, syn::Type::Reference(_));
        if !copyable {
            errors.spanned(
                &param.ty,
                "#[custom_vjp] takes floats, fixed-size arrays and references; pass this \
                 parameter by reference",
            );
        }
    }
    if !errors.is_empty() {
        let errors = errors.to_compile_errors();
        let descriptor =
            crate::descriptor::uncallable(original, "#[custom_vjp] reported an error for it");
        return quote!(#original #descriptor #errors);
    }

    let name = &original.sig.ident;
    let vis = &original.vis;
    let fwd = format_ident!("{}_fwd", name);
    let bwd = format_ident!("{}_bwd", name);
    let residuals = syn::Ident::new(
        &format!(
            "{}Residuals",
            crate::naming::upper_camel(&syn::ext::IdentExt::unraw(name).to_string())
        ),
        name.span(),
    );
    let mut names = crate::naming::Names::new(quote!(#original));
    let output = names.fresh("output", Span::call_site());
    let bar_output = names.fresh("bar_output", Span::call_site());
    let residuals_arg = names.fresh("residuals", Span::call_site());
    let params: Vec<&syn::Ident> = input.params.iter().map(|p| &p.ident).collect();
    // Plain data behind a reference (`&[f64; 3]`) is kept as a copy; every other elided
    // reference borrows for the residuals' lifetime.
    let lifetime = syn::Lifetime::new("'r", Span::call_site());
    let mut uses_lifetime = false;
    let copied: Vec<Option<&syn::Type>> = input
        .params
        .iter()
        .map(|p| copied_reference(&p.ty))
        .collect();
    // Each parameter's type in the forward half, its field's type, and the field's value.
    let mut param_types = Vec::new();
    let mut kept_types = Vec::new();
    let mut kept = Vec::new();
    for ((p, name), copied) in input.params.iter().zip(&params).zip(&copied) {
        let ty = &p.ty;
        if let Some(pointee) = copied {
            param_types.push(quote!(#ty));
            kept_types.push(quote!(#pointee));
            kept.push(quote!(#name: *#name));
            continue;
        }
        let mut ty = (**ty).clone();
        if let syn::Type::Reference(r) = &mut ty {
            if r.lifetime.is_none() {
                r.lifetime = Some(lifetime.clone());
            }
            uses_lifetime = true;
        }
        param_types.push(quote!(#ty));
        kept_types.push(quote!(#ty));
        kept.push(quote!(#name));
    }
    let reborrowed = params
        .iter()
        .zip(&copied)
        .filter(|(_, copied)| copied.is_some())
        .map(|(name, _)| name);
    let generics = if uses_lifetime {
        quote!(<#lifetime>)
    } else {
        quote!()
    };
    let out = &input.output;
    let active: Vec<_> = input.params.iter().filter(|p| p.active).collect();
    let gradient_types: Vec<TokenStream> =
        active.iter().map(|p| input::gradient_type(&p.ty)).collect();
    let gradients = match gradient_types.as_slice() {
        [single] => single.clone(),
        many => quote!((#(#many),*)),
    };
    let doc_struct = format!(" What [`{bwd}`] needs: the inputs and the output of [`{name}`].");
    let doc_fwd = format!(
        " The value of [`{name}`], and what [`{bwd}`] needs. Generated by `#[custom_vjp]`."
    );
    let doc_bwd = format!(
        " The cotangents of [`{name}`]'s float parameters, from its pullback. Generated by `#[custom_vjp]`."
    );
    // An ndarray output and its cotangent reach the pullback by reference, as `f_bwd` of a
    // `#[grad]` function takes the cotangent; the residuals keep a copy of the output for it.
    let (bar_output_ty, output_arg, returned) = match input.output_shape {
        Shape::NdArray(_) => (
            quote!(&#out),
            quote!(&#output),
            quote!(::core::clone::Clone::clone(&#output)),
        ),
        _ => (quote!(#out), quote!(#output), quote!(#output)),
    };
    let descriptor = crate::descriptor::descriptor(
        &input,
        &fwd,
        &bwd,
        &residuals,
        usize::from(uses_lifetime),
        true,
    );
    quote! {
        #original

        #[doc = #doc_struct]
        #vis struct #residuals #generics {
            #(#params: #kept_types,)*
            #output: #out,
        }

        #[doc = #doc_fwd]
        #[inline]
        #vis fn #fwd #generics (#(#params: #param_types),*) -> (#out, #residuals #generics) {
            let #output = #name(#(#params),*);
            (#returned, #residuals { #(#kept,)* #output })
        }

        #[doc = #doc_bwd]
        #[inline]
        #vis fn #bwd #generics (#residuals_arg: #residuals #generics, #bar_output: #bar_output_ty) -> #gradients {
            let #residuals { #(#params,)* #output } = #residuals_arg;
            #(let #reborrowed = &#reborrowed;)*
            #pullback(#(#params,)* #output_arg, #bar_output)
        }

        #descriptor
    }
}
