//! The adjoint rules: one method of the walk per operation, each adding its vector-Jacobian
//! product into the cotangents of its active operands.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::{Cx, Raw};
use crate::analysis::{borrows_a_local, keeps_owned};
use crate::primitives::{Arg, Primitive, Syntax};
use crate::ssa::{BinOp, Let, Op, Operand, VarId};

/// The adjoint of a call to a `#[grad]` function: its `backward` on the residuals the forward
/// half kept, or, where those would borrow a local of the forward half, on residuals made again
/// here from the kept arguments (one more forward of the callee).
fn grad_call_rule(
    cx: &mut Cx,
    span: Span,
    descriptor: &TokenStream,
    args: &[Operand],
    borrowed: &[bool],
    residuals: VarId,
    bar: &Ident,
) {
    let private = crate::naming::private(span);
    let backward = if keeps_owned(cx.types, args) {
        // Plain data only: what the caller kept borrows nothing.
        let residuals = cx.primal(&Operand::Var(residuals));
        // At the callee's name, as `forward_owned` in the forward half.
        let at = crate::descriptor::callee_span(descriptor, span);
        quote_spanned!(at=> #descriptor::backward_owned(#residuals, #bar))
    } else if borrows_a_local(cx.function, args, borrowed) {
        let name = cx.function.var(residuals).name.clone();
        let args: Vec<TokenStream> = args
            .iter()
            .zip(borrowed)
            .map(|(arg, &by_ref)| {
                let value = cx.primal(arg);
                if by_ref { quote!(&#value) } else { value }
            })
            .collect();
        quote_spanned!(span=> {
            let (_, #name) = #descriptor::forward((#(#args,)*));
            #descriptor::backward(#name, #bar)
        })
    } else {
        let residuals = cx.primal(&Operand::Var(residuals));
        quote_spanned!(span=> #descriptor::backward(#residuals, #bar))
    };
    // `backward` returns a tuple, one cotangent per parameter. The cotangent for a fixed-size
    // array is the callee's `Vec` where it took the array as a slice.
    let args: Vec<&Operand> = args.iter().collect();
    bind_and_add_with(cx, &args, backward, span, |cx, operand, name| {
        let Operand::Var(v) = operand else {
            return quote!(#name);
        };
        let ty = cx.types.of(*v);
        if let Some(len) = &ty.fixed_len {
            // A literal or a const parameter as it is; anything else in braces.
            let simple = len.clone().into_iter().count() == 1
                && !matches!(
                    len.clone().into_iter().next(),
                    Some(proc_macro2::TokenTree::Group(_))
                );
            let len = if simple {
                len.clone()
            } else {
                quote!({ #len })
            };
            quote_spanned!(span=> #private::array_cotangent::<_, _, #len>(#name))
        } else if ty.opaque
            && let Some(written) = &ty.written
        {
            // A callee's output, maybe a fixed-size array: the cotangent as its type.
            quote_spanned!(span=> #private::cotangent_as::<#written, _>(#name))
        } else {
            quote!(#name)
        }
    });
}

/// Appends the contributions of one statement, whose result's cotangent is needed.
pub(super) fn rule(cx: &mut Cx, stmt: &Let) {
    // A call's rule is the same whatever the callee returns.
    if let Op::GradCall {
        alias,
        float,
        args,
        borrowed,
        residuals,
        ..
    } = &stmt.op
    {
        let bar = cx.bar(stmt.var);
        let descriptor = crate::descriptor::for_call(alias, float, keeps_owned(cx.types, args));
        return grad_call_rule(cx, stmt.span, &descriptor, args, borrowed, *residuals, &bar);
    }
    let result = Operand::Var(stmt.var);
    if cx.is_array(&result) {
        return array_rule(cx, stmt);
    }
    let bar = cx.bar(stmt.var);
    let span = stmt.span;
    match &stmt.op {
        Op::Use(a) | Op::Deref(a) => cx.add(a, quote!(#bar)),
        Op::Neg(a) => cx.add(a, quote_spanned!(span=> -#bar)),
        Op::Binary(op, a, b) => {
            let (active_a, active_b) = (cx.function.is_active(a), cx.function.is_active(b));
            match op {
                BinOp::Add => {
                    cx.add(a, quote!(#bar));
                    cx.add(b, quote!(#bar));
                }
                BinOp::Sub => {
                    cx.add(a, quote!(#bar));
                    cx.add(b, quote_spanned!(span=> -#bar));
                }
                BinOp::Mul => {
                    if active_a {
                        let b_value = cx.primal(b);
                        cx.add(a, quote_spanned!(span=> #bar * #b_value));
                    }
                    if active_b {
                        let a_value = cx.primal(a);
                        cx.add(b, quote_spanned!(span=> #bar * #a_value));
                    }
                }
                BinOp::Div => {
                    // d(a/b)/da = 1/b and d(a/b)/db = -(a/b)/b, the result standing in for a/b.
                    if !active_a && is_one(a) {
                        // 1/b: -(1/b)/b = -r·r, no division at all.
                        let r = cx.primal(&result);
                        cx.add(b, quote_spanned!(span=> -(#bar * #r * #r)));
                    } else if let Operand::Var(divisor) = b {
                        // `bar * (1/b)`, with 1/b computed before the sweep ([`Cx::recip`]);
                        // LLVM computes the product once for both contributions.
                        let recip = cx.recip(*divisor);
                        if active_a {
                            cx.add(a, quote_spanned!(span=> #bar * #recip));
                        }
                        if active_b {
                            let r = cx.primal(&result);
                            cx.add(b, quote_spanned!(span=> -(#bar * #recip * #r)));
                        }
                    } else {
                        // A constant divisor: only `a` is active.
                        let b_value = cx.primal(b);
                        cx.add(a, quote_spanned!(span=> #bar / #b_value));
                    }
                }
                BinOp::Rem => unreachable!("`analysis::validate` rejects `%` of active values"),
            }
        }
        Op::Method {
            prim,
            receiver,
            args,
        } if prim.syntax == Syntax::FloatMethod => {
            let floats: Vec<&Operand> = std::iter::once(receiver)
                .chain(
                    args.iter()
                        .zip(prim.args)
                        .filter(|(_, k)| **k == Arg::Float)
                        .map(|(a, _)| a),
                )
                .collect();
            let mut inputs = vec![cx.primal(receiver)];
            inputs.extend(args.iter().map(|a| cx.primal(a)));
            let output = cx.primal(&result);
            let call = pullback_call(cx, "scalar", prim.name, inputs, output, quote!(#bar), span);
            distribute(cx, &floats, call, span);
        }
        // A float from arrays: `sum`, `dot` of vectors, and the `nn` losses.
        Op::Method {
            prim,
            receiver,
            args,
        } => {
            let array_args: Vec<&Operand> = std::iter::once(receiver).chain(args).collect();
            array_primitive(cx, stmt, prim, &array_args, bar);
        }
        Op::Call { prim, args, .. } => {
            let args: Vec<&Operand> = args.iter().collect();
            array_primitive(cx, stmt, prim, &args, bar);
        }
        Op::Index { base, index } => {
            if let Operand::Var(target) = base {
                let index = cx.primal(index);
                cx.bar(*target);
                cx.raw.push(Raw::Add {
                    target: *target,
                    index: Some(index),
                    value: quote!(#bar),
                });
            }
        }
        Op::Tuple(items) => {
            for (i, item) in items.iter().enumerate() {
                let i = syn::Index::from(i);
                cx.add(item, quote!(#bar.#i));
            }
        }
        Op::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let i = proc_macro2::Literal::usize_unsuffixed(i);
                cx.add(item, quote!(#bar[#i]));
            }
        }
        Op::Cast(..) => unreachable!("a cast of an active value is rejected while lowering"),
        Op::Compare(..) | Op::Not(_) | Op::Or(..) | Op::MinLen(..) | Op::Matches(..) => {
            unreachable!("a `bool` or a length is never active")
        }
        Op::GradCall { .. } => unreachable!("calls have one rule, in `rule`"),
    }
}

/// `::autodiff_runtime::__private::<module>::<name>_pullback(inputs.., output, bar)`.
fn pullback_call(
    cx: &mut Cx,
    module: &str,
    name: &str,
    inputs: Vec<TokenStream>,
    output: TokenStream,
    bar: TokenStream,
    span: Span,
) -> TokenStream {
    let _ = cx;
    let located = Span::mixed_site().located_at(span);
    let private = crate::naming::private(span);
    let module = Ident::new(module, located);
    let pullback = format_ident!("{}_pullback", name, span = located);
    quote_spanned!(span=> #private::#module::#pullback(#(#inputs,)* #output, #bar))
}

/// Adds a pullback's result into the cotangents of `floats`: directly for one, through a tuple
/// binding for several (with `_` for inactive ones).
fn distribute(cx: &mut Cx, floats: &[&Operand], call: TokenStream, span: Span) {
    if let [single] = floats {
        cx.add(single, call);
        return;
    }
    bind_and_add(cx, floats, call, span);
}

/// Binds the tuple `value` to a temporary per active operand (`_` for the others) and adds each
/// into its operand's cotangent.
fn bind_and_add(cx: &mut Cx, operands: &[&Operand], value: TokenStream, span: Span) {
    bind_and_add_with(cx, operands, value, span, |_, _, name| quote!(#name));
}

/// [`bind_and_add`], adding `contribution(cx, operand, name)` for each bound name.
fn bind_and_add_with(
    cx: &mut Cx,
    operands: &[&Operand],
    value: TokenStream,
    span: Span,
    contribution: impl Fn(&Cx, &Operand, &Ident) -> TokenStream,
) {
    let names: Vec<Option<Ident>> = operands
        .iter()
        .map(|o| cx.function.is_active(o).then(|| cx.names.temp(span)))
        .collect();
    cx.raw.push(Raw::Bind {
        names: names.clone(),
        value,
    });
    for (operand, name) in operands.iter().zip(names) {
        if let Some(name) = name {
            let value = contribution(cx, operand, &name);
            cx.add(operand, value);
        }
    }
}

/// Rules for array primitives (`nn` functions, `sum`, `dot`, …) through their runtime pullback
/// `(inputs.., output, bar) -> input cotangents`.
fn array_primitive(cx: &mut Cx, stmt: &Let, prim: &Primitive, args: &[&Operand], bar: Ident) {
    let span = stmt.span;
    let (private, runtime) = (crate::naming::private(span), crate::naming::runtime(span));
    let result = Operand::Var(stmt.var);
    let result_is_array = cx.is_array(&result);
    let kinds: Vec<Arg> = if prim.syntax.is_function() {
        prim.args.to_vec()
    } else {
        std::iter::once(Arg::Float)
            .chain(prim.args.iter().copied())
            .collect()
    };
    match (prim.syntax, prim.name) {
        (Syntax::ArrayMethod, "dot") => {
            let (lhs, rhs) = (args[0], args[1]);
            for (operand, side) in [(lhs, "lhs"), (rhs, "rhs")] {
                if cx.function.is_active(operand) {
                    // Read per contribution, so an owned operand is dropped after its last use.
                    let (l, r) = (cx.argument(lhs), cx.argument(rhs));
                    let pullback = format_ident!(
                        "dot_pullback_{}",
                        side,
                        span = Span::mixed_site().located_at(span)
                    );
                    cx.add(
                        operand,
                        quote_spanned!(span=> #private::array::#pullback(#l, #r, &#bar)),
                    );
                }
            }
            if result_is_array {
                cx.raw.push(Raw::Drop(bar));
            }
        }
        (Syntax::ArrayMethod, "t") => cx.add(
            args[0],
            quote_spanned!(span=> #private::array::t_pullback(#bar)),
        ),
        (Syntax::ArrayMethod, "sum") => {
            let dim = cx.dim(args[0]);
            cx.add(
                args[0],
                quote_spanned!(span=> #private::array::sum_pullback(&#dim, #bar)),
            );
        }
        (Syntax::ArrayMethod, "sum_axis") => {
            let dim = cx.dim(args[0]);
            let axis = cx.primal(args[1]);
            let axis = quote!(#runtime::ndarray::Axis(#axis));
            cx.add(
                args[0],
                quote_spanned!(span=> #private::array::sum_axis_pullback(#bar, #axis, &#dim)),
            );
        }
        _ => {
            let mut inputs = Vec::new();
            let mut floats = Vec::new();
            for (operand, kind) in args.iter().zip(&kinds) {
                inputs.push(match kind {
                    Arg::Labels => {
                        let labels = cx.primal(operand);
                        quote!(&#labels[..])
                    }
                    _ => cx.argument(operand),
                });
                if *kind == Arg::Float {
                    floats.push(*operand);
                }
            }
            let output = cx.argument(&result);
            let call = pullback_call(
                cx,
                prim.syntax.module(),
                prim.name,
                inputs,
                output,
                quote!(#bar),
                span,
            );
            distribute(cx, &floats, call, span);
        }
    }
}

/// Rules for statements whose result is an array. The cotangent `bar` arrives owned: every use
/// but the last borrows it, the last moves it, so elementwise rules reuse its buffer.
fn array_rule(cx: &mut Cx, stmt: &Let) {
    let bar = cx.bar(stmt.var);
    let span = stmt.span;
    let private = crate::naming::private(span);
    let result = Operand::Var(stmt.var);
    match &stmt.op {
        Op::Use(a) | Op::Deref(a) => cx.add(a, quote!(#bar)),
        Op::Neg(a) => cx.add(a, quote_spanned!(span=> -#bar)),
        Op::Binary(op, a, b) => {
            // The operand with the most axes has the result's shape and takes the cotangent by
            // move, last; operands broadcast from fewer axes reduce a borrow of it first.
            let mut targets: Vec<&Operand> = [a, b]
                .into_iter()
                .filter(|o| cx.function.is_active(o))
                .collect();
            let axes = |cx: &mut Cx, o: &Operand| match o {
                Operand::Var(v) => cx.types.of(*v).ndarray.map(|r| r.unwrap_or(usize::MAX)),
                Operand::Const(_) => None,
            };
            let mut keyed: Vec<(Option<usize>, usize, &Operand)> = targets
                .iter()
                .enumerate()
                .map(|(i, o)| (axes(cx, o), usize::from(i == 0), *o))
                .collect();
            keyed.sort_by_key(|(axes, first, _)| (*axes, *first));
            targets = keyed.into_iter().map(|(_, _, o)| o).collect();
            for (i, target) in targets.iter().enumerate() {
                let last = i + 1 == targets.len();
                let bar_use = if last { quote!(#bar) } else { quote!(&#bar) };
                let is_b = std::ptr::eq(*target, b);
                let other = if is_b { a } else { b };
                // The contribution at the result's shape, and whether it is `bar` itself.
                let (contribution, plain) = match op {
                    BinOp::Add => (bar_use.clone(), true),
                    BinOp::Sub if !is_b => (bar_use.clone(), true),
                    BinOp::Sub => (quote_spanned!(span=> -#bar_use), false),
                    BinOp::Mul => {
                        let other = cx.argument(other);
                        (quote_spanned!(span=> #bar_use * #other), false)
                    }
                    BinOp::Div if !is_b => {
                        let other = cx.argument(other);
                        (quote_spanned!(span=> #bar_use / #other), false)
                    }
                    BinOp::Div => {
                        let r = cx.argument(&result);
                        let b_value = cx.argument(b);
                        (quote_spanned!(span=> -(#bar_use * #r / #b_value)), false)
                    }
                    BinOp::Rem => {
                        unreachable!("`analysis::validate` rejects `%` of active values")
                    }
                };
                let value = if cx.is_array(target) {
                    let dim = cx.dim(target);
                    if plain && !last {
                        quote_spanned!(span=> #private::array::unbroadcast_ref(#contribution, &#dim))
                    } else {
                        quote_spanned!(span=> #private::array::unbroadcast(#contribution, &#dim))
                    }
                } else {
                    // A float operand broadcast over the whole array.
                    quote_spanned!(span=> (#contribution).sum())
                };
                cx.add(target, value);
            }
        }
        Op::Method {
            prim,
            receiver,
            args,
        } => {
            let all: Vec<&Operand> = std::iter::once(receiver).chain(args).collect();
            array_primitive(cx, stmt, prim, &all, bar);
        }
        Op::Call { prim, args, .. } => {
            let all: Vec<&Operand> = args.iter().collect();
            array_primitive(cx, stmt, prim, &all, bar);
        }
        Op::Index { .. }
        | Op::Array(_)
        | Op::Tuple(_)
        | Op::Cast(..)
        | Op::Compare(..)
        | Op::Not(_)
        | Op::MinLen(..)
        | Op::Or(..)
        | Op::Matches(..) => {
            unreachable!("`analysis::validate` rejects these where they give an ndarray array")
        }
        Op::GradCall { .. } => unreachable!("calls have one rule, in `rule`"),
    }
}

/// Whether an operand is the float literal one (`1.0`, `1.0_f64`, `1f32`).
fn is_one(operand: &Operand) -> bool {
    match operand {
        Operand::Const(tokens) => {
            syn::parse2::<syn::LitFloat>(tokens.clone())
                .ok()
                .and_then(|lit| lit.base10_parse::<f64>().ok())
                == Some(1.0)
        }
        Operand::Var(_) => false,
    }
}
