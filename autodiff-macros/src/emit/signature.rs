//! The signatures every companion shares, and `f_vjp` and `f_grad`, which need nothing else.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::Type;
use syn::ext::IdentExt as _;

use crate::generics::companion_generics;
use crate::input::{Input, Shape, Variant, gradient_type};
use crate::naming::Names;

/// The names and signature pieces every companion shares.
pub(super) struct Signature<'a> {
    pub input: &'a Input,
    pub fwd: Ident,
    pub bwd: Ident,
    pub vjp: Ident,
    pub grad: Ident,
    pub residuals: Ident,
    /// `(f64, f64)`, or the single gradient type with one active parameter.
    pub gradients: TokenStream,
    pub active: Vec<usize>,
    /// The original's lint and `cfg` attributes, repeated on every companion.
    pub attrs: Vec<syn::Attribute>,
}

impl<'a> Signature<'a> {
    pub fn new(input: &'a Input) -> Self {
        let name = &input.item.sig.ident;
        let active: Vec<usize> = (0..input.params.len())
            .filter(|&i| input.params[i].active)
            .collect();
        let types: Vec<TokenStream> = active
            .iter()
            .map(|&i| gradient_type(&input.params[i].ty))
            .collect();
        let gradients = match types.as_slice() {
            [single] => single.clone(),
            many => quote!((#(#many),*)),
        };
        // `FResidualsFull` ends unlike any public residuals struct (`…Residuals`), so it
        // cannot be another function's.
        let (suffix, residuals) = match input.variant {
            Variant::Public => ("", "Residuals"),
            Variant::Full => ("_full", "ResidualsFull"),
        };
        Signature {
            input,
            fwd: format_ident!("{}_fwd{}", name, suffix),
            bwd: format_ident!("{}_bwd{}", name, suffix),
            vjp: format_ident!("{}_vjp", name),
            grad: format_ident!("{}_grad", name),
            residuals: Ident::new(
                &format!(
                    "{}{residuals}",
                    crate::naming::upper_camel(&name.unraw().to_string())
                ),
                name.span(),
            ),
            gradients,
            active,
            attrs: input
                .item
                .attrs
                .iter()
                // Outer ones only: an inner attribute of the body (`#![allow(..)]`) cannot
                // stand before an item.
                .filter(|a| {
                    matches!(a.style, syn::AttrStyle::Outer)
                        && [
                            "allow", "expect", "warn", "deny", "forbid", "cfg", "cfg_attr",
                        ]
                        .iter()
                        .any(|name| a.path().is_ident(name))
                })
                .cloned()
                .collect(),
        }
    }

    /// The output cotangent's type: by value for floats and fixed-size arrays, by reference
    /// for ndarray arrays.
    pub fn bar_out_type(&self) -> TokenStream {
        let out = &self.input.output;
        match self.input.output_shape {
            Shape::NdArray(_) => quote!(&#out),
            _ => quote!(#out),
        }
    }

    pub fn name(&self) -> &Ident {
        &self.input.item.sig.ident
    }

    pub fn docs_name(&self) -> String {
        format!("[`{}`]", self.name())
    }

    /// `f_vjp` and `f_grad`, which only need the signature.
    /// Their locals live in functions of their own, so they are named apart from `f_bwd`'s.
    pub fn vjp_and_grad(&self, param_names: &[Ident], bodies: bool) -> TokenStream {
        let item = &self.input.item;
        let names = &mut Names::new(quote!(#item));
        let Signature {
            input,
            fwd,
            bwd,
            vjp,
            grad,
            ..
        } = self;
        let vis = &input.item.vis;
        let generics = companion_generics(&input.item.sig);
        let (impl_generics, _, where_clause) = generics.split_for_impl();
        let out = &input.output;
        let gradients = &self.gradients;
        // Stubs name nothing, so a failed expansion adds no unused-variable warnings.
        let params: Vec<TokenStream> = input
            .params
            .iter()
            .zip(param_names)
            .map(|(p, name)| {
                let ty = &p.ty;
                if bodies {
                    quote!(#name: #ty)
                } else {
                    quote!(_: #ty)
                }
            })
            .collect();
        let bar_out = names.fresh("bar_out", Span::call_site());
        let bar_out_ty = self.bar_out_type();
        let bar_out_pattern = if bodies { quote!(#bar_out) } else { quote!(_) };
        let attrs = &self.attrs;
        // `f_vjp` takes one argument more than `f`.
        let many_arguments =
            (input.params.len() + 1 > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
        let value = names.fresh("value", Span::call_site());
        let residuals = names.fresh("residuals", Span::call_site());
        let grad_names: Vec<Ident> = self
            .active
            .iter()
            .map(|&i| names.cotangent(&param_names[i]))
            .collect();
        let returned = if grad_names.len() == 1 {
            quote!(#(#grad_names)*)
        } else {
            quote!((#(#grad_names),*))
        };
        let vjp_body = if bodies {
            quote! {
                let (#value, #residuals) = #fwd(#(#param_names),*);
                let #returned = #bwd(#residuals, #bar_out);
                (#value, #(#grad_names),*)
            }
        } else {
            unreachable_body()
        };
        let doc_vjp = format!(
            " The value of {} and its vector-Jacobian product with the output cotangent `{bar_out}`: \
             the cotangents of the parameters it differentiates, in parameter order. Generated by \
             `#[grad]`.",
            self.docs_name()
        );
        let flat_gradients = flatten_tuple(gradients, grad_names.len());
        let mut tokens = quote! {
            #[doc = #doc_vjp]
            #(#attrs)*
            #many_arguments
            #[inline]
            #vis fn #vjp #impl_generics (#(#params,)* #bar_out_pattern: #bar_out_ty) -> (#out, #(#flat_gradients),*) #where_clause {
                #vjp_body
            }
        };
        if input.output_shape == Shape::Scalar {
            let one = match &*input.output {
                Type::Path(p) if p.path.is_ident("f32") || p.path.is_ident("f64") => quote!(1.0),
                ty => {
                    let private = crate::naming::private(Span::call_site());
                    quote!(<#ty as #private::One>::one())
                }
            };
            let doc_grad = format!(
                " The value of {} and its gradient: the partial derivatives with respect to the \
                 parameters it differentiates, in parameter order. Generated by `#[grad]`.",
                self.docs_name()
            );
            let grad_body = if bodies {
                quote!(#vjp(#(#param_names,)* #one))
            } else {
                unreachable_body()
            };
            tokens.extend(quote! {
                #[doc = #doc_grad]
                #(#attrs)*
                #[inline]
                #vis fn #grad #impl_generics (#(#params),*) -> (#out, #(#flat_gradients),*) #where_clause {
                    #grad_body
                }
            });
        }
        tokens
    }
}

/// The element types of the gradient tuple, as `f_vjp` returns them flattened after the value.
fn flatten_tuple(gradients: &TokenStream, count: usize) -> Vec<TokenStream> {
    if count == 1 {
        return vec![gradients.clone()];
    }
    match syn::parse2::<Type>(gradients.clone()) {
        Ok(Type::Tuple(tuple)) => tuple.elems.iter().map(|t| quote!(#t)).collect(),
        _ => vec![gradients.clone()],
    }
}

pub(super) fn unreachable_body() -> TokenStream {
    quote!(::core::unreachable!(
        "#[grad] reported an error for this function"
    ))
}
