//! The descriptor that lets other `#[grad]` functions call this one.
//!
//! In: the [`Input`] and the names of the residuals struct and the halves. Out: an uninhabited
//! `enum` named like the function (types and functions live in different namespaces, so
//! `path::f` names both) implementing the runtime's `Differentiable`: the output type, the
//! residuals type at one lifetime, and a `backward` that returns a cotangent for every parameter
//! (`()` for constants), so a caller needs to know nothing of this function's `wrt`: where `wrt`
//! narrows the function, the descriptor wraps the hidden halves that differentiate every float
//! parameter ([`Variant::Full`](crate::input::Variant::Full)).
//!
//! Only for functions that are not generic, or generic over their float type alone, whose output
//! is a float, a fixed-size array or an ndarray array; calls to other functions are reported
//! where they are made.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};

use crate::input::{Input, Shape, float_type_param, gradient_type};
use crate::types::{PRIMITIVE_TYPES, copied_reference};

/// `<path as Differentiable<F>>`: the descriptor of the function `path` names, asked for by a
/// caller computing in the float type `F` ([`Input::float_type`]).
pub fn of(path: &syn::Path, float: &syn::Type) -> TokenStream {
    quote!(<#path as ::autodiff_runtime::__private::Differentiable<#float>>)
}

/// Whether a caller can differentiate through this function.
pub fn callable(input: &Input) -> bool {
    // `impl Trait` parameters are generics too.
    let impl_trait = input.params.iter().any(|p| {
        let ty = &p.ty;
        quote!(#ty)
            .into_iter()
            .any(|t| matches!(t, proc_macro2::TokenTree::Ident(i) if i == "impl"))
    });
    let generics = &input.item.sig.generics;
    !impl_trait
        && (generics.params.is_empty() || float_type_param(generics).is_some())
        && matches!(
            input.output_shape,
            Shape::Scalar | Shape::FixedArray | Shape::NdArray(_)
        )
}

/// The descriptor and its `Differentiable` impl around the halves `fwd` and `bwd`;
/// `residual_lifetimes` is how many lifetime parameters the residuals struct has.
pub fn descriptor(
    input: &Input,
    fwd: &syn::Ident,
    bwd: &syn::Ident,
    residuals: &syn::Ident,
    residual_lifetimes: usize,
    bodies: bool,
) -> TokenStream {
    let name = &input.item.sig.ident;
    // A function may be named like a primitive type; an `enum f64` would shadow the type in the
    // whole module.
    if !callable(input) || PRIMITIVE_TYPES.iter().any(|ty| name == ty) {
        return TokenStream::new();
    }
    let vis = &input.item.vis;
    let item = &input.item;
    let mut names = crate::naming::Names::new(quote!(#item));
    let args = names.fresh("args", Span::call_site());
    let residuals_name = names.fresh("residuals", Span::call_site());
    let bar_out = names.fresh("bar_out", Span::call_site());
    let params: Vec<syn::Ident> = input
        .params
        .iter()
        .map(|p| names.variable(&p.ident.to_string(), Span::call_site(), true))
        .collect();
    let lifetime = syn::Lifetime::new("'r", Span::call_site());
    let arg_types: Vec<syn::Type> = input
        .params
        .iter()
        .map(|p| crate::emit::with_lifetimes(&p.ty, &mut |_| lifetime.clone()))
        .collect();
    let out = &input.output;
    // The float type callers ask for: the function's type parameter (bounded `'static`, which
    // float types are, so that `Args<'r>` may hold `&'r T`), or any (`F`) where the function is
    // not generic.
    let generics = &crate::emit::companion_generics(&input.item.sig.generics);
    let (float, impl_generics, where_clause) = match generics.type_params().next() {
        Some(param) => {
            let (impl_generics, _, where_clause) = generics.split_for_impl();
            let float = &param.ident;
            (
                quote!(#float),
                quote!(#impl_generics),
                quote!(#where_clause),
            )
        }
        None => {
            let float = names.fresh("F", Span::call_site());
            (quote!(#float), quote!(<#float>), quote!())
        }
    };
    let lifetimes = (0..residual_lifetimes).map(|_| quote!('r));
    let type_params = generics.type_params().map(|p| &p.ident);
    let residual_generics: Vec<TokenStream> =
        lifetimes.chain(type_params.map(|t| quote!(#t))).collect();
    let residuals_ty = if residual_generics.is_empty() {
        quote!(#residuals)
    } else {
        quote!(#residuals<#(#residual_generics),*>)
    };
    let mut cotangent_types = Vec::new();
    let mut cotangents = Vec::new();
    let mut active = Vec::new();
    for (i, param) in input.params.iter().enumerate() {
        if param.active {
            let bar = format_ident!("bar_{}", i);
            cotangent_types.push(gradient_type(&param.ty));
            cotangents.push(quote!(#bar));
            active.push(bar);
            continue;
        }
        // A constant has no cotangent. A float parameter is inactive here only where `wrt`
        // narrows the function and no full variant could be written: its marker makes a caller
        // that passes an active value there fail to compile, naming the reason.
        let none = match param.shape {
            Shape::Constant => quote!(()),
            _ => quote!(::autodiff_runtime::__private::NoDerivative),
        };
        cotangent_types.push(none.clone());
        cotangents.push(none);
    }
    let returned = match active.as_slice() {
        [single] => quote!(#single),
        many => quote!((#(#many),*)),
    };
    let unreachable = quote!(::core::unreachable!(
        "#[grad] reported an error for this function"
    ));
    // With `checkpoint`, callers keep only the arguments (plain data behind a reference as a
    // copy, so the residuals borrow as little as they would without) and the forward sweep runs
    // again.
    let (residuals_ty, forward, recompute) = if input.checkpoint {
        let kept = input
            .params
            .iter()
            .zip(&arg_types)
            .zip(&params)
            .map(|((p, ty), name)| match copied_reference(&p.ty) {
                Some(pointee) => (quote!(#pointee), quote!(*#name), quote!(&#name)),
                None => (quote!(#ty), quote!(#name), quote!(#name)),
            });
        let (kept_types, (kept, passed)): (Vec<_>, (Vec<_>, Vec<_>)) =
            kept.map(|(ty, keep, pass)| (ty, (keep, pass))).unzip();
        (
            quote!((#(#kept_types,)*)),
            quote! {
                let (#(#params,)*) = #args;
                (#name(#(#params),*), (#(#kept,)*))
            },
            quote! {
                let (#(#params,)*) = #residuals_name;
                let (_, #residuals_name) = #fwd(#(#passed),*);
            },
        )
    } else {
        (
            residuals_ty,
            quote! {
                let (#(#params,)*) = #args;
                #fwd(#(#params),*)
            },
            quote!(),
        )
    };
    // `f_bwd` takes an array output's cotangent by reference; callers hand theirs over owned.
    let bar_out_arg = match input.output_shape {
        Shape::NdArray(_) => quote!(&#bar_out),
        _ => quote!(#bar_out),
    };
    let (forward, body) = if bodies {
        (
            forward,
            quote! {
                #recompute
                let #returned = #bwd(#residuals_name, #bar_out_arg);
                (#(#cotangents,)*)
            },
        )
    } else {
        (unreachable.clone(), unreachable)
    };
    let attrs = input
        .item
        .attrs
        .iter()
        .filter(|a| matches!(a.style, syn::AttrStyle::Outer) && a.path().is_ident("cfg"));
    quote! {
        #[doc(hidden)]
        // Only callers name it; a function nobody calls must not warn about it.
        #[allow(non_camel_case_types, dead_code)]
        #(#attrs)*
        #vis enum #name {}

        #[allow(unused_variables)]
        impl #impl_generics ::autodiff_runtime::__private::Differentiable<#float> for #name #where_clause {
            type Output = #out;
            type BarOut = #out;
            type Args<'r> = (#(#arg_types,)*);
            type Residuals<'r> = #residuals_ty;
            type Cotangents = (#(#cotangent_types,)*);
            #[inline(always)]
            fn forward(#args: Self::Args<'_>) -> (Self::Output, Self::Residuals<'_>) {
                #forward
            }
            #[inline(always)]
            fn backward(#residuals_name: Self::Residuals<'_>, #bar_out: Self::BarOut) -> Self::Cotangents {
                #body
            }
        }
    }
}
