//! The forward half: the function's statements again, the output, and the residuals.
//!
//! In: the lowered function, its liveness and the [`Layout`] of its residuals. Out: `f_fwd`,
//! computing every statement the output or the reverse sweep needs, in order, and returning the
//! value with the residuals.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};

use super::Signature;
use super::residuals::Layout;
use crate::analysis::TypeTable;
use crate::analysis::{is_borrowed, is_ndarray, keeps_owned, read_in_forward};
use crate::generics::is_view;
use crate::input::Input;
use crate::naming::Names;
use crate::primitives::Arg;
use crate::reverse::Reverse;
use crate::ssa::{BinOp, Function, Op, Operand};

/// `f_fwd`.
pub(super) fn item(
    input: &Input,
    function: &Function,
    reverse: &Reverse,
    types: &TypeTable,
    names: &mut Names,
    sig: &Signature,
    layout: &Layout,
) -> TokenStream {
    let attrs = &sig.attrs;
    let vis = &input.item.vis;
    let out = &input.output;
    let Signature {
        fwd,
        bwd,
        residuals: residuals_ty,
        ..
    } = sig;
    let (impl_generics, ty_generics, where_clause) = layout.generics.generics.split_for_impl();
    let param_var = |i: usize| function.params[i].var;
    let param_names: Vec<Ident> = (0..input.params.len())
        .map(|i| function.var(param_var(i)).name.clone())
        .collect();
    let views: Vec<crate::ssa::VarId> = (0..input.params.len())
        .filter(|&i| is_view(&input.params[i].ty))
        .map(param_var)
        .collect();
    let forward: Vec<TokenStream> = function
        .body
        .lets()
        .filter(|stmt| reverse.live[stmt.var.0])
        .map(|stmt| {
            let name = &function.var(stmt.var).name;
            if let Op::GradCall {
                path,
                alias,
                float,
                args,
                borrowed,
                residuals,
            } = &stmt.op
            {
                let owned = keeps_owned(types, args);
                let descriptor = crate::descriptor::for_call(alias, float, owned);
                return grad_call(
                    function,
                    path,
                    &descriptor,
                    args,
                    borrowed,
                    name,
                    *residuals,
                    reverse,
                    &views,
                    owned,
                    stmt.span,
                );
            }
            let mut value = forward_expr(function, types, &stmt.op, stmt.span);
            // `let b = a;` of an owned array moves it: a copy where `a` is still needed.
            if let Op::Use(source @ Operand::Var(a)) = &stmt.op
                && is_ndarray(types, source)
                && !is_borrowed(function, *a)
                && read_in_forward(
                    function,
                    &reverse.live,
                    &reverse.reads,
                    &reverse.dims,
                    *a,
                    Some(stmt.var),
                )
            {
                value = quote_spanned!(stmt.span=> #value.clone());
            }
            // A literal's type where inference knows it (`m = -1.5` after `let mut m = c.ln()`
            // of a constant `c: f64`): rustc could not call a method on `{float}`.
            let annotation = match (&stmt.annotation, &stmt.op) {
                (Some(ty), _) => Some(quote!(#ty)),
                (None, Op::Use(Operand::Const(tokens))) if is_float_literal(tokens) => {
                    types.of(stmt.var).determined.clone()
                }
                _ => None,
            };
            match annotation {
                Some(ty) => quote_spanned!(stmt.span=> let #name: #ty = #value;),
                None => quote_spanned!(stmt.span=> let #name = #value;),
            }
        })
        .collect();
    let output = operand(function, &function.body.output);
    // An array output the residuals also keep is returned as a copy; one whose shape they
    // keep moves out after the shape is read.
    let output_array = match function.body.output {
        Operand::Var(v)
            if is_ndarray(types, &function.body.output) && !is_borrowed(function, v) =>
        {
            Some(v)
        }
        _ => None,
    };
    let returned_value = match output_array {
        Some(v) if reverse.reads.contains(&v) => quote!(#output.clone()),
        _ => output.clone(),
    };
    let (field_inits, marker_init) = layout.inits();
    let residuals_value = quote!(#residuals_ty { #(#field_inits,)* #marker_init });
    let forward_tail = match output_array {
        Some(v) if !reverse.reads.contains(&v) && reverse.dims.contains_key(&v) => {
            let kept = names.fresh("residuals", Span::call_site());
            quote! {
                let #kept = #residuals_value;
                (#returned_value, #kept)
            }
        }
        _ => quote!((#returned_value, #residuals_value)),
    };
    let used_in_forward = |var| {
        read_in_forward(
            function,
            &reverse.live,
            &reverse.reads,
            &reverse.dims,
            var,
            None,
        )
    };
    let fwd_params: Vec<TokenStream> = input
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let ty = layout.generics.param_types.get(&i).unwrap_or(&p.ty);
            if used_in_forward(param_var(i)) {
                let name = &param_names[i];
                quote!(#name: #ty)
            } else {
                quote!(_: #ty)
            }
        })
        .collect();
    let fwd_doc = format!(
        " The forward half of {}: its value, and the residuals [`{bwd}`] needs to compute the \
         gradient later. Generated by `#[grad]`.",
        sig.docs_name()
    );
    let uses_original = uses_original(input);
    quote! {
        #[doc = #fwd_doc]
        #(#attrs)*
        #[inline(always)]
        #vis fn #fwd #impl_generics (#(#fwd_params),*) -> (#out, #residuals_ty #ty_generics) #where_clause {
            #uses_original
            #(#forward)*
            #forward_tail
        }
    }
}

/// `let _ = f;` in the forward half: a user who calls only the companions (`f_grad`) has used
/// `f`, and gets no `dead_code` warning for it; one who calls neither still gets one, for `f`
/// (the companions' own warnings are silenced, as for every item a macro writes). Left out where
/// a parameter has the function's name, which would shadow it.
fn uses_original(input: &Input) -> TokenStream {
    let sig = &input.item.sig;
    // An `impl Trait` parameter's type cannot be named in `f::<..>`.
    if crate::generics::takes_impl_trait(input) || input.params.iter().any(|p| p.ident == sig.ident)
    {
        return TokenStream::new();
    }
    let name = &sig.ident;
    let args: Vec<&Ident> = sig
        .generics
        .params
        .iter()
        .filter_map(|p| match p {
            syn::GenericParam::Type(t) => Some(&t.ident),
            syn::GenericParam::Const(c) => Some(&c.ident),
            syn::GenericParam::Lifetime(_) => None,
        })
        .collect();
    if args.is_empty() {
        quote!(let _ = #name;)
    } else {
        quote!(let _ = #name::<#(#args),*>;)
    }
}

pub(super) fn operand(function: &Function, operand: &Operand) -> TokenStream {
    match operand {
        Operand::Var(v) => {
            let name = &function.var(*v).name;
            quote!(#name)
        }
        Operand::Const(tokens) => tokens.clone(),
    }
}

/// Whether the tokens are a float literal, negated or not (`2.0`, `-1.5`).
fn is_float_literal(tokens: &TokenStream) -> bool {
    let float =
        |e: &syn::Expr| matches!(e, syn::Expr::Lit(l) if matches!(l.lit, syn::Lit::Float(_)));
    match syn::parse2::<syn::Expr>(tokens.clone()) {
        Ok(syn::Expr::Unary(unary)) => float(&unary.expr),
        Ok(e) => float(&e),
        Err(_) => false,
    }
}

/// The forward statement of a call to a `#[grad]` function: its forward half when the reverse
/// sweep needs its residuals, the function itself otherwise.
#[allow(clippy::too_many_arguments)]
fn grad_call(
    function: &Function,
    path: &syn::Path,
    descriptor: &TokenStream,
    args: &[Operand],
    borrowed: &[bool],
    name: &Ident,
    residuals: crate::ssa::VarId,
    reverse: &Reverse,
    views: &[crate::ssa::VarId],
    owned: bool,
    span: Span,
) -> TokenStream {
    let arg_operands = args;
    let args: Vec<TokenStream> = args
        .iter()
        .zip(borrowed)
        .map(|(a, &by_ref)| {
            let a = operand(function, a);
            if by_ref { quote!(&#a) } else { a }
        })
        .collect();
    if !reverse.reads.contains(&residuals) {
        return quote_spanned!(span=> let #name = #path(#(#args),*););
    }
    // A view parameter, reborrowed for the lifetime the residuals borrow for (views are
    // invariant in theirs).
    let args = args
        .into_iter()
        .zip(arg_operands)
        .map(|(tokens, a)| match a {
            Operand::Var(v) if views.contains(v) => quote!(#tokens.reborrow()),
            _ => tokens,
        });
    let residuals = &function.var(residuals).name;
    // Arguments of plain data only, which may be locals: residuals that borrow nothing.
    if owned {
        // At the callee's name, as an error about a callee without a descriptor is reported
        // for `forward`.
        let at = crate::descriptor::callee_span(descriptor, span);
        let call = quote_spanned!(at=> #descriptor::forward_owned((#(#args,)*)));
        quote_spanned!(span=> let (#name, #residuals) = #call;)
    } else {
        quote_spanned!(span=>
            let (#name, #residuals) =
                #descriptor::forward((#(#args,)*));
        )
    }
}

/// An operand as an argument: arrays by reference (unless already a reference parameter).
fn argument(function: &Function, types: &TypeTable, x: &Operand) -> TokenStream {
    let value = operand(function, x);
    match x {
        Operand::Var(v) if is_ndarray(types, x) && !is_borrowed(function, *v) => {
            quote!(&#value)
        }
        _ => value,
    }
}

/// The forward expression of one operation. Arrays are borrowed, so every SSA value can be used
/// any number of times.
fn forward_expr(function: &Function, types: &TypeTable, op: &Op, span: Span) -> TokenStream {
    let o = |x: &Operand| operand(function, x);
    match op {
        Op::Use(a) => o(a),
        Op::Deref(a) => {
            let a = o(a);
            quote_spanned!(span=> *#a)
        }
        Op::Neg(a) => {
            let a = argument(function, types, a);
            quote_spanned!(span=> -#a)
        }
        Op::Binary(op, a, b) => {
            // Array with array: through the runtime, which names both shapes on a mismatch.
            let arrays = is_ndarray(types, a) && is_ndarray(types, b);
            let (a, b) = (argument(function, types, a), argument(function, types, b));
            if arrays {
                let name = match op {
                    BinOp::Add => "add",
                    BinOp::Sub => "sub",
                    BinOp::Mul => "mul",
                    BinOp::Div => "div",
                };
                let name = Ident::new(name, Span::mixed_site().located_at(span));
                let private = crate::naming::private(span);
                return quote_spanned!(span=> #private::array::#name(#a, #b));
            }
            let op = match op {
                BinOp::Add => quote_spanned!(span=> +),
                BinOp::Sub => quote_spanned!(span=> -),
                BinOp::Mul => quote_spanned!(span=> *),
                BinOp::Div => quote_spanned!(span=> /),
            };
            quote_spanned!(span=> #a #op #b)
        }
        Op::Method {
            prim,
            receiver,
            args,
        } => {
            let receiver = match receiver {
                Operand::Const(tokens) => quote!((#tokens)),
                var => o(var),
            };
            let name = Ident::new(prim.name, span);
            let args: Vec<TokenStream> = args
                .iter()
                .zip(prim.args)
                .map(|(a, kind)| match kind {
                    Arg::Axis => {
                        let axis = o(a);
                        let runtime = crate::naming::runtime(Span::call_site());
                        quote!(#runtime::ndarray::Axis(#axis))
                    }
                    _ => argument(function, types, a),
                })
                .collect();
            if prim.view {
                // Owned, so it can be kept for the reverse sweep.
                return quote_spanned!(span=> #receiver.t().to_owned());
            }
            quote_spanned!(span=> #receiver.#name(#(#args),*))
        }
        Op::Call { prim, path, args } => {
            let name = Ident::new(prim.name, span);
            let args = args.iter().zip(prim.args).map(|(a, kind)| match kind {
                Arg::Labels => {
                    let labels = o(a);
                    quote!(&#labels[..])
                }
                _ => argument(function, types, a),
            });
            // The user's path, checked at compile time to name the runtime's function (whose
            // pullback the reverse sweep uses) and not a function of their own.
            let module = Ident::new(prim.syntax.module(), span);
            let (private, runtime) = (crate::naming::private(span), crate::naming::runtime(span));
            quote_spanned!(span=> #private::runtime_fn(#path, #runtime::#module::#name)(#(#args),*))
        }
        Op::Index { base, index } => {
            let (base, index) = (o(base), o(index));
            quote_spanned!(span=> #base[#index])
        }
        Op::GradCall { .. } => unreachable!("calls are emitted by `grad_call`"),
        Op::Array(items) => {
            let items = items.iter().map(o);
            quote_spanned!(span=> [#(#items),*])
        }
        Op::Tuple(items) => {
            let items = items.iter().map(o);
            quote_spanned!(span=> (#(#items,)*))
        }
        Op::Cast(a, ty) => {
            let a = o(a);
            quote_spanned!(span=> #a as #ty)
        }
    }
}
