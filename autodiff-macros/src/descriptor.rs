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

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::input::{Input, Shape, gradient_type};
use crate::types::zero_of_written;

/// Whether a caller can differentiate through this function.
pub fn callable(input: &Input) -> bool {
    input.item.sig.generics.params.is_empty()
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
    let bwd = format_ident!("{}_bwd", name);
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
    let body = if bodies {
        quote! {
            let #returned = #bwd(residuals, bar_out);
            (#(#cotangents,)*)
        }
    } else {
        quote!(::core::unreachable!(
            "#[grad] reported an error for this function"
        ))
    };
    let attrs = input.item.attrs.iter().filter(|a| a.path().is_ident("cfg"));
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #(#attrs)*
        #vis enum #name {}

        #[allow(unused_variables)]
        impl ::autodiff_runtime::__private::Differentiable for #name {
            type Output = #out;
            type BarOut = #out;
            type Residuals<'r> = #residuals_ty;
            type Cotangents = (#(#cotangent_types,)*);
            #[inline]
            fn backward(residuals: Self::Residuals<'_>, bar_out: Self::BarOut) -> Self::Cotangents {
                #body
            }
        }
    }
}
