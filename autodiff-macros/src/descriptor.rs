//! The descriptor that lets other `#[grad]` functions call this one.
//!
//! In: the [`Input`] and the names of the residuals struct and the halves. Out: an uninhabited
//! `enum` named like the function (types and functions live in different namespaces, so
//! `path::f` names both) implementing the runtime's `Differentiable`: the output type, the
//! residuals type at one lifetime, and a `backward` that returns a cotangent for every parameter
//! (`()` for constants), so a caller needs to know nothing of this function's `wrt`.
//!
//! Only for functions without generics whose output is a float or a fixed-size array; calls to
//! other functions are reported where they are made.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};

use crate::input::{Input, Shape, gradient_type};
use crate::types::zero_of_written;

/// Whether a caller can differentiate through this function.
pub fn callable(input: &Input) -> bool {
    // `impl Trait` parameters are generics too.
    let impl_trait = input.params.iter().any(|p| {
        let ty = &p.ty;
        quote!(#ty)
            .into_iter()
            .any(|t| matches!(t, proc_macro2::TokenTree::Ident(i) if i == "impl"))
    });
    !impl_trait
        && input.item.sig.generics.params.is_empty()
        && matches!(input.output_shape, Shape::Scalar | Shape::FixedArray)
}

/// The descriptor and its `Differentiable` impl; `residual_lifetimes` is how many lifetime
/// parameters the residuals struct has.
pub fn descriptor(
    input: &Input,
    residuals: &syn::Ident,
    residual_lifetimes: usize,
    bodies: bool,
) -> TokenStream {
    if !callable(input) {
        return TokenStream::new();
    }
    let name = &input.item.sig.ident;
    let vis = &input.item.vis;
    let fwd = format_ident!("{}_fwd", name);
    let bwd = format_ident!("{}_bwd", name);
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
    let lifetimes = (0..residual_lifetimes).map(|_| quote!('r));
    let residuals_ty = if residual_lifetimes == 0 {
        quote!(#residuals)
    } else {
        quote!(#residuals<#(#lifetimes),*>)
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
        // A float parameter `wrt` left out has a zero cotangent, where its size is static.
        match (&param.shape, zero_of_written(&param.ty)) {
            (Shape::Scalar | Shape::FixedArray, Some(zero)) => {
                cotangent_types.push(gradient_type(&param.ty));
                cotangents.push(zero);
            }
            _ => {
                cotangent_types.push(quote!(()));
                cotangents.push(quote!(()));
            }
        }
    }
    let returned = match active.as_slice() {
        [single] => quote!(#single),
        many => quote!((#(#many),*)),
    };
    let unreachable = quote!(::core::unreachable!(
        "#[grad] reported an error for this function"
    ));
    // With `checkpoint`, callers keep only the arguments and the forward sweep runs again.
    let (residuals_ty, forward, recompute) = if input.checkpoint {
        (
            quote!(Self::Args<'r>),
            quote! {
                let (#(#params,)*) = #args;
                (#name(#(#params),*), (#(#params,)*))
            },
            quote! {
                let (#(#params,)*) = #residuals_name;
                let (_, #residuals_name) = #fwd(#(#params),*);
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
    let (forward, body) = if bodies {
        (
            forward,
            quote! {
                #recompute
                let #returned = #bwd(#residuals_name, #bar_out);
                (#(#cotangents,)*)
            },
        )
    } else {
        (unreachable.clone(), unreachable)
    };
    let attrs = input.item.attrs.iter().filter(|a| a.path().is_ident("cfg"));
    quote! {
        #[doc(hidden)]
        // Only callers name it; a function nobody calls must not warn about it.
        #[allow(non_camel_case_types, dead_code)]
        #(#attrs)*
        #vis enum #name {}

        #[allow(unused_variables)]
        impl ::autodiff_runtime::__private::Differentiable for #name {
            type Output = #out;
            type BarOut = #out;
            type Args<'r> = (#(#arg_types,)*);
            type Residuals<'r> = #residuals_ty;
            type Cotangents = (#(#cotangent_types,)*);
            #[inline]
            fn forward(#args: Self::Args<'_>) -> (Self::Output, Self::Residuals<'_>) {
                #forward
            }
            #[inline]
            fn backward(#residuals_name: Self::Residuals<'_>, #bar_out: Self::BarOut) -> Self::Cotangents {
                #body
            }
        }
    }
}
