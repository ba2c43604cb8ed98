//! The companions with unreachable bodies, for a function whose body could not be
//! differentiated: call sites still type-check, so the user sees the macro's error alone.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::residuals::ResidualGenerics;
use super::signature::{Signature, unreachable_body};
use crate::input::Input;
use crate::naming::Names;

/// The companions with unreachable bodies, for when the body could not be differentiated.
pub fn stubs(input: &Input, names: &mut Names) -> TokenStream {
    let sig = Signature::new(input);
    let vis = &input.item.vis;
    let out = &input.output;
    let Signature {
        fwd,
        bwd,
        residuals,
        gradients,
        ..
    } = &sig;
    let rg = ResidualGenerics::new(input, &[], &[], &[], false, names);
    let (impl_generics, ty_generics, where_clause) = rg.generics.split_for_impl();
    let marker = rg.marker.as_ref().map(|(name, ty)| quote!(#name: #ty,));
    let param_names: Vec<Ident> = input.params.iter().map(|p| p.ident.clone()).collect();
    let params = input.params.iter().map(|p| {
        let ty = &p.ty;
        quote!(_: #ty)
    });
    let body = unreachable_body();
    let bar_out_ty = sig.bar_out_type();
    let vjp_and_grad = sig.vjp_and_grad(&param_names, false);
    let attrs = &sig.attrs;
    let descriptor = crate::descriptor::descriptor(input, fwd, bwd, residuals, 0, false);
    quote! {
        #descriptor
        #(#attrs)*
        #vis struct #residuals #impl_generics #where_clause { #marker }
        #(#attrs)*
        #vis fn #fwd #impl_generics (#(#params),*) -> (#out, #residuals #ty_generics) #where_clause { #body }
        #(#attrs)*
        #vis fn #bwd #impl_generics (_: #residuals #ty_generics, _: #bar_out_ty) -> #gradients #where_clause { #body }
        #vjp_and_grad
    }
}
