//! Code emission: the companion items of a `#[grad]` function.
//!
//! In: the [`Input`], its SSA [`Function`] and the [`Reverse`] sweep. Out: the tokens of
//! `<f>_fwd`, the `<F>Residuals` struct, `<f>_bwd`, `<f>_vjp` and (for a scalar output)
//! `<f>_grad`, with the visibility and generics of `f`. [`stubs`] emits the same signatures with
//! unreachable bodies when an earlier phase failed, so call sites do not pile up errors.
//!
//! One module a job: [`residuals`] plans the residuals struct (its fields, in the order the
//! struct literal evaluates them, and its generics), [`forward`] writes `f_fwd`, [`backward`]
//! `f_bwd`, [`signature`] what every companion shares and `f_vjp`/`f_grad`, [`fallback`] the
//! stubs; the descriptor is `crate::descriptor`'s.

mod backward;
mod fallback;
mod forward;
mod residuals;
mod signature;

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::analysis::TypeTable;
use crate::input::{Input, Variant};
use crate::naming::Names;
use crate::reverse::Reverse;
use crate::ssa::Function;

pub use fallback::stubs;
use residuals::Layout;
use signature::Signature;

/// Every companion of one variant: the residuals struct, the halves, `f_vjp` and `f_grad` (for
/// the public variant), the descriptor and the callees' imports.
pub fn emit(
    input: &Input,
    function: &Function,
    reverse: &Reverse,
    types: &TypeTable,
    names: &mut Names,
) -> TokenStream {
    let sig = Signature::new(input);
    let layout = Layout::plan(input, function, reverse, types, names, &sig);
    let fwd_item = forward::item(input, function, reverse, types, names, &sig, &layout);
    let bwd_item = backward::item(input, function, reverse, types, names, &sig, &layout);
    let Signature {
        fwd,
        bwd,
        residuals: residuals_ty,
        ..
    } = &sig;
    let rg = &layout.generics;
    let residual_struct = &layout.item;
    let param_names: Vec<Ident> = function
        .params
        .iter()
        .map(|p| function.var(p.var).name.clone())
        .collect();
    let residual_lifetimes = rg.generics.lifetimes().count();
    let descriptor = if input.writes_descriptor {
        crate::descriptor::descriptor(input, fwd, bwd, residuals_ty, residual_lifetimes, true)
    } else {
        TokenStream::new()
    };
    let callees = crate::descriptor::callee_items(&function.callees, &input.item);
    match input.variant {
        Variant::Public => {
            let vjp_and_grad = sig.vjp_and_grad(&param_names, true);
            quote! {
                #residual_struct
                #fwd_item
                #bwd_item
                #vjp_and_grad
                #descriptor
                #callees
            }
        }
        // Only callers use these, through the descriptor.
        Variant::Full => quote! {
            #[doc(hidden)]
            #residual_struct
            #[doc(hidden)]
            #fwd_item
            #[doc(hidden)]
            #bwd_item
            #descriptor
            #callees
        },
    }
}

/// `s![..]` of lowered slice elements, each integer written by `operand`.
pub fn slice_info(
    elems: &[crate::ssa::SliceElem],
    span: proc_macro2::Span,
    mut operand: impl FnMut(&crate::ssa::Operand) -> TokenStream,
) -> TokenStream {
    use crate::ssa::SliceElem;
    let runtime = crate::naming::runtime(span);
    let elems: Vec<TokenStream> = elems
        .iter()
        .map(|elem| match elem {
            SliceElem::Index(i) => operand(i),
            SliceElem::NewAxis => quote!(#runtime::ndarray::NewAxis),
            SliceElem::Range {
                start,
                end,
                inclusive,
                step,
            } => {
                let start = start.as_ref().map(&mut operand);
                let end = end.as_ref().map(&mut operand);
                let dots = if *inclusive { quote!(..=) } else { quote!(..) };
                let step = step.as_ref().map(&mut operand).map(|s| quote!(;#s));
                quote!(#start #dots #end #step)
            }
        })
        .collect();
    quote::quote_spanned!(span=> #runtime::ndarray::s![#(#elems),*])
}
