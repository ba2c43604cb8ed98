//! The `#[grad]` attribute: reverse-mode automatic differentiation by source transformation.
//!
//! Use it through `autodiff-runtime`, which re-exports it and holds the pullbacks the generated
//! code calls. The expansion is a pipeline, one module a phase:
//!
//! 1. [`input`]: parse the attribute and the function, classify the parameters as active or
//!    constant, reject what cannot be differentiated;
//! 2. [`lower`]: lower the body to SSA ([`ssa`]), one primitive per statement, with type slots
//!    ([`types`]) and names ([`naming`]);
//! 3. [`reverse`]: the adjoint rules, giving the reverse sweep;
//! 4. [`emit`]: the forward half, the residuals struct, the reverse half, `f_vjp` and `f_grad`.
//!
//! Errors from every phase are collected ([`errors`]) and reported together; the original
//! function and stub companions are still emitted so that call sites do not add errors of
//! their own.

mod custom_vjp;
mod descriptor;
mod emit;
mod errors;
mod input;
mod lower;
mod naming;
mod primitives;
mod reverse;
mod ssa;
mod types;

#[cfg(test)]
mod tests;

use proc_macro2::TokenStream;
use quote::quote;

use errors::Errors;
use naming::Names;

/// Differentiates a function: emits `<f>_grad`, `<f>_vjp`, `<f>_fwd`, `<f>_bwd` and the
/// `<F>Residuals` struct beside it. See the `autodiff-runtime` crate for documentation.
#[proc_macro_attribute]
pub fn grad(
    args: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    expand_grad(args.into(), item.into()).into()
}

/// Gives a function a pullback of your own, so `#[grad]` functions can call it. See the
/// `autodiff-runtime` crate for documentation.
#[proc_macro_attribute]
pub fn custom_vjp(
    args: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    custom_vjp::expand(args.into(), item.into()).into()
}

/// The whole expansion on `proc_macro2` types, so it can be tested without a compiler.
pub(crate) fn expand_grad(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = input::parse_args(args, &mut errors);
    let Some(mut input) = input::analyze(item.clone(), &args, &mut errors) else {
        // Not a function: keep the item as written if it is one (rustc only ever gives us
        // items), with the errors.
        let errors = errors.to_compile_errors();
        let item = match syn::parse2::<syn::Item>(item) {
            // Callers still find a descriptor, whose error at the call points here (not for
            // a method: an `impl` cannot hold it).
            Ok(syn::Item::Fn(function)) if function.sig.receiver().is_none() => {
                let descriptor =
                    descriptor::uncallable(&function, "#[grad] reported an error for it");
                quote!(#function #descriptor)
            }
            Ok(item) => quote!(#item),
            Err(_) => TokenStream::new(),
        };
        return quote!(#item #errors);
    };
    let original = input.item.clone();
    if original.sig.receiver().is_some() {
        // A method: companions could not live where it does (an `impl` cannot hold the
        // residuals struct), so report the error alone.
        let errors = errors.to_compile_errors();
        return quote!(#original #errors);
    }
    // `wrt` narrows the gradient `f_grad` returns; callers still differentiate through every
    // float argument, with halves of their own. Where those cannot be written (a parameter left
    // out is used in a way that has no derivative, such as `n as i32`) or might not compile
    // (the body calls other `#[grad]` functions, whose descriptors may have no cotangent for
    // what becomes active), callers use the public halves, and get a type error if they pass
    // an active value to a parameter left out.
    let mut full = TokenStream::new();
    if errors.is_empty() && input.narrowed() && descriptor::callable(&input) {
        let full_input = input.full();
        let mut full_errors = Errors::default();
        let mut names = Names::new(quote!(#original));
        let lowered = lower::lower(&full_input, &mut names, &mut full_errors);
        let calls = lowered
            .function
            .stmts
            .iter()
            .any(|s| matches!(s.op, ssa::Op::GradCall { .. }));
        if !calls && full_errors.is_empty() {
            let tokens = finish(&full_input, lowered, &mut names, &mut full_errors);
            if full_errors.is_empty() {
                full = tokens;
                input.writes_descriptor = false;
            }
        }
    }
    let mut companions = if errors.is_empty() {
        differentiate(&input, &mut Names::new(quote!(#original)), &mut errors)
    } else {
        TokenStream::new()
    };
    companions.extend(full);
    if !errors.is_empty() {
        companions = emit::stubs(&input, &mut Names::new(quote!(#original)));
    }
    let errors = errors.to_compile_errors();
    quote! {
        #original
        #companions
        #errors
    }
}

/// Lowers, reverses and emits one variant of the companions.
fn differentiate(input: &input::Input, names: &mut Names, errors: &mut Errors) -> TokenStream {
    let lowered = lower::lower(input, names, errors);
    finish(input, lowered, names, errors)
}

/// Reverses and emits a lowered body.
fn finish(
    input: &input::Input,
    lowered: lower::Lowered,
    names: &mut Names,
    errors: &mut Errors,
) -> TokenStream {
    let mut types = lowered.types;
    let reverse = reverse::reverse(input, &lowered.function, &mut types, names, errors);
    emit::emit(
        input,
        &lowered.function,
        &reverse,
        &mut types,
        names,
        errors,
    )
}
