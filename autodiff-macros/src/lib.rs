//! The `#[grad]` attribute: reverse-mode automatic differentiation by source transformation.
//!
//! Use it through `autodiff-runtime`, which re-exports it and holds the pullbacks the generated
//! code calls. The expansion is a pipeline, one module a phase:
//!
//! 1. [`input`]: parse the attribute and the function, and validate: classify the parameters
//!    as active or constant, reject what cannot be differentiated;
//! 2. [`lower`]: lower the body to SSA ([`ssa`], a tree of bodies), one primitive per
//!    statement, with type slots ([`types`]) and names ([`naming`]);
//! 3. [`analysis`]: activity, and the queries and liveness the later phases read;
//! 4. [`reverse`]: the adjoint rules, giving the reverse sweep;
//! 5. [`emit`]: the forward half, the residuals struct, the reverse half, `f_vjp` and `f_grad`,
//!    and the descriptor callers use ([`descriptor`]).
//!
//! [`expand_grad`] reads as that pipeline; where `wrt` narrows the function, the same pipeline
//! runs once more for the hidden halves callers use ([`full_variant`]).
//!
//! Errors from every phase are collected ([`errors`]) and reported together; the original
//! function and stub companions are still emitted so that call sites do not add errors of
//! their own.

mod analysis;
mod checkpoint;
mod custom_vjp;
mod descriptor;
mod emit;
mod errors;
mod generics;
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

/// The primitive table as data, for `autodiff-runtime` to give its documentation, its tests
/// and difftest the list of primitives from the table instead of copies. Not for users.
///
/// `__primitive_table!()` is `&[("sin", "float method"), ..]`, every row that has a pullback;
/// `__primitive_table!(float_method)` (or `array_method`, `nn_function`, `scalar_function`) is
/// a string literal naming that kind's primitives for a doc attribute: `` " `sin`, `cos`, .."``.
#[doc(hidden)]
#[proc_macro]
pub fn __primitive_table(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    primitives::expand_table(input.into()).into()
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
            Ok(syn::Item::Fn(mut function)) if function.sig.receiver().is_none() => {
                checkpoint::strip(&mut function);
                let descriptor =
                    descriptor::uncallable(&function, "#[grad] reported an error for it");
                quote!(#function #descriptor)
            }
            Ok(item) => quote!(#item),
            Err(_) => TokenStream::new(),
        };
        return quote!(#item #errors);
    };
    // As written, less the `#[checkpoint]`s on its loops, which rustc would not accept.
    let mut original = input.item.clone();
    checkpoint::strip(&mut original);
    if original.sig.receiver().is_some() {
        // A method: companions could not live where it does (an `impl` cannot hold the
        // residuals struct), so report the error alone.
        let errors = errors.to_compile_errors();
        return quote!(#original #errors);
    }
    // `wrt` narrows the gradient `f_grad` returns; callers still differentiate through every
    // float argument, with halves the same pipeline writes again for every float parameter.
    let full = if errors.is_empty() && input.narrowed() && descriptor::callable(&input) {
        full_variant(&input)
    } else {
        None
    };
    input.writes_descriptor = full.is_none();
    let companions = if errors.is_empty() {
        let (function, tokens) = companions(&input, &mut errors);
        // The closures' bodies `mapv` applies, each a function `#[grad]` differentiates.
        let closures = function
            .closures
            .into_iter()
            .map(|item| expand_grad(TokenStream::new(), item));
        quote!(#tokens #(#closures)*)
    } else {
        TokenStream::new()
    };
    let companions = if errors.is_empty() {
        quote!(#companions #full)
    } else {
        emit::stubs(&input, &mut Names::new(quote!(#original)))
    };
    let errors = errors.to_compile_errors();
    quote! {
        #original
        #companions
        #errors
    }
}

/// One variant of the companions: lower → analyse → reverse → emit. Also the lowered function,
/// for what the caller decides from it.
fn companions(input: &input::Input, errors: &mut Errors) -> (ssa::Function, TokenStream) {
    let item = &input.item;
    let mut names = Names::new(quote!(#item));
    let lower::Lowered {
        mut function,
        mut types,
    } = lower::lower(input, &mut names, errors);
    analysis::activity(&mut function);
    lower::type_active_calls(&function, &mut types);
    lower::type_loop_indices(&function, &mut types);
    lower::type_map_derivatives(&function, &mut types);
    lower::add_beside(&mut function, &mut types, &mut names);
    lower::carry_invariants(&mut function, &mut types, &mut names);
    let table = analysis::resolve_types(&function, &mut types);
    analysis::validate(&function, &table, errors);
    if !errors.is_empty() {
        // The caller writes stubs instead.
        return (function, TokenStream::new());
    }
    let reverse = reverse::reverse(input, &function, &table, &mut names);
    analysis::check_kept(&function, &reverse.reads, &table, errors);
    let tokens = emit::emit(input, &function, &reverse, &table, &mut names);
    (function, tokens)
}

/// The hidden halves differentiating every float parameter, which callers use where `wrt`
/// narrows the function. None where they cannot be written (a parameter left out is used in a
/// way that has no derivative, such as `n as i32`) or might not compile (the body calls other
/// `#[grad]` functions, whose descriptors may have no cotangent for what becomes active):
/// callers then use the public halves, and get a type error if they pass an active value to a
/// parameter left out.
fn full_variant(input: &input::Input) -> Option<TokenStream> {
    let full = input.full();
    let mut errors = Errors::default();
    let (function, tokens) = companions(&full, &mut errors);
    let calls = function
        .body
        .lets()
        .any(|s| matches!(s.op, ssa::Op::GradCall { .. }));
    (errors.is_empty() && !calls).then_some(tokens)
}
