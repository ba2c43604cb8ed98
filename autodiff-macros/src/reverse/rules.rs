//! The adjoint rules: one method of the walk per operation, each adding its vector-Jacobian
//! product into the cotangents of its active operands.
//!
//! A row of the primitive table, and `+ - * /` with an array result (a row of
//! `primitives::OPERATORS`), gets its rule from its row alone ([`pullback_rule`]: the runtime
//! pullback(s) it names, called on what it says they read); nothing here knows a primitive by
//! name. Float arithmetic, indexing, tuples, array literals and calls of `#[grad]` functions
//! are written here.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};

use super::{Cx, Part, Raw};
use crate::analysis::{borrows_a_local, keeps_owned};
use crate::primitives::{self, Arg, Primitive, Pullback, Read, Reads};
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
    } else if borrows_a_local(cx.function, args, borrowed)
        // Residuals that may borrow cannot go in a record (it has no lifetime): the call in an
        // arm or a loop runs again here, from its arguments.
        || cx.scopes.get(&residuals) != Some(&crate::analysis::Scope::Function)
    {
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
    // A row of the table: its rule is built from the row, whatever the result is.
    match &stmt.op {
        Op::Method {
            prim,
            receiver,
            args,
            ..
        } => {
            let operands: Vec<&Operand> = std::iter::once(receiver).chain(args).collect();
            return primitive(cx, stmt, prim, &operands);
        }
        Op::Call { prim, args, .. } => {
            let operands: Vec<&Operand> = args.iter().collect();
            return primitive(cx, stmt, prim, &operands);
        }
        Op::Store { base, index, value } => return store_rule(cx, stmt, base, index, value),
        Op::Map {
            receiver,
            captures,
            derivative,
            ..
        } => return map_rule(cx, stmt, receiver, captures, *derivative),
        Op::Push { base, value } => {
            // The last element's cotangent goes to `value`; the rest is `base`'s.
            let bar = cx.bar(stmt.var);
            let call = pullback_call(
                stmt.span,
                "array",
                "push_pullback",
                Vec::new(),
                quote!(#bar),
            );
            return bind_and_add(cx, &[base, value], call, stmt.span);
        }
        Op::Concat {
            axis, items, stack, ..
        } => {
            // Each array's part of the cotangent, cut out along the axis.
            let bar = cx.bar(stmt.var);
            let axis = cx.primal(axis);
            let runtime = crate::naming::runtime(stmt.span);
            let axis = quote!(#runtime::ndarray::Axis(#axis));
            let dims: Vec<TokenStream> = if *stack {
                Vec::new()
            } else {
                items.iter().map(|item| cx.dim(item)).collect()
            };
            for (i, item) in items.iter().enumerate() {
                if !cx.function.is_active(item) {
                    continue;
                }
                let call = if *stack {
                    pullback_call(
                        stmt.span,
                        "array",
                        "stack_pullback",
                        vec![axis.clone(), quote!(#i)],
                        quote!(&#bar),
                    )
                } else {
                    pullback_call(
                        stmt.span,
                        "array",
                        "concatenate_pullback",
                        vec![axis.clone(), quote!(&[#(&#dims),*]), quote!(#i)],
                        quote!(&#bar),
                    )
                };
                cx.add(item, call);
            }
            return;
        }
        Op::FromElem { value, .. } => {
            // Every element is `value`: its cotangent is the sum.
            let bar = cx.bar(stmt.var);
            return cx.add(value, quote_spanned!(stmt.span=> #bar.sum()));
        }
        Op::Slice { base, elems } => {
            // The cotangent scattered into zeros of the input's shape.
            let bar = cx.bar(stmt.var);
            let dim = cx.dim(base);
            let info = crate::emit::slice_info(elems, stmt.span, |o| cx.primal(o));
            let call = pullback_call(
                stmt.span,
                "array",
                "slice_pullback",
                vec![quote!(&#dim), info],
                quote!(#bar),
            );
            return cx.add(base, call);
        }
        Op::Copy(a, _) => {
            let bar = cx.bar(stmt.var);
            return cx.add(a, quote!(#bar));
        }
        Op::Filled { .. } | Op::Zeros { .. } | Op::NewVec { .. } => {
            unreachable!("`analysis::validate` rejects an array filled with a differentiated value")
        }
        _ => {}
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
        Op::Index { base, index } => {
            if let Operand::Var(target) = base {
                let part = cx.element(stmt.var, base, index);
                cx.bar(*target);
                cx.raw.push(Raw::Add {
                    target: *target,
                    index: Some(part),
                    value: quote!(#bar),
                });
            }
        }
        // A field of a differentiated tuple (a tuple parameter's elements, `p.0`): its
        // cotangent goes to that field of the tuple's.
        Op::Field(base, i) => {
            if let Operand::Var(target) = base {
                cx.bar(*target);
                cx.raw.push(Raw::Add {
                    target: *target,
                    index: Some(Part::Field(*i)),
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
        Op::NdArray { .. } => unreachable!("`array!` gives an ndarray array"),
        Op::Cast(..) => unreachable!("a cast of an active value is rejected while lowering"),
        Op::Compare(..) | Op::Not(_) | Op::Or(..) | Op::MinLen(..) | Op::Matches(..) => {
            unreachable!("a `bool` or a length is never active")
        }
        Op::GradCall { .. }
        | Op::Method { .. }
        | Op::Call { .. }
        | Op::Map { .. }
        | Op::Slice { .. }
        | Op::FromElem { .. }
        | Op::Concat { .. }
        | Op::Push { .. }
        | Op::NewVec { .. }
        | Op::Store { .. }
        | Op::Copy(..)
        | Op::Filled { .. }
        | Op::Zeros { .. } => {
            unreachable!("calls, rows of the table and array writes have their rules in `rule`")
        }
    }
}

/// `y = x.mapv(|v| ..)`: the cotangent times the closure's derivatives, which the forward half
/// kept (per element, one by each differentiated input: the element, each differentiated float
/// the closure captures), in one [`zip_pass`] that writes the element's cotangent over `bar_y`
/// and sums the captured floats' cotangents. The closure's forward does not run again.
fn map_rule(
    cx: &mut Cx,
    stmt: &Let,
    receiver: &Operand,
    captures: &[crate::ssa::Capture],
    derivative: VarId,
) {
    let located = Span::mixed_site().located_at(stmt.span);
    let inputs = cx.function.map_inputs(receiver, captures);
    // The element's derivatives, one by each differentiated input, in order.
    let parts: Vec<Ident> = (0..inputs.iter().filter(|(_, active)| *active).count())
        .map(|i| Ident::new(&format!("derivative{i}"), located))
        .collect();
    let floats: Vec<&Operand> = inputs
        .iter()
        .skip(1)
        .filter(|(_, active)| *active)
        .map(|(input, _)| *input)
        .collect();
    let receiver_active = inputs[0].1;
    let producers = vec![cx.argument(&Operand::Var(derivative))];
    let params = vec![quote!(&[#(#parts),*])];
    // Each input's part of the element's cotangent, `cotangent · derivative`; for a receiver
    // not differentiated, the cotangent itself, written back unchanged.
    let call = |cotangent: TokenStream| {
        let products = parts.iter().map(|part| quote!(#cotangent * #part));
        let mut values: Vec<TokenStream> = products.collect();
        if !receiver_active {
            values.insert(0, cotangent.clone());
        }
        match values.as_slice() {
            [single] => single.clone(),
            many => quote!((#(#many),*)),
        }
    };
    zip_pass(cx, stmt, receiver, (producers, params), &[], call, &floats);
}

/// The one pass over the elements both [`map_rule`] and [`elementwise_rule`] end in:
/// `call(cotangent)` per element (over `producers`, each bound to its closure parameter in
/// `params`) gives, after what `prefix` binds, the element's cotangent of `array`, written over
/// the output cotangent (whose buffer it reuses), and one part per float of `scalars`, summed
/// over the elements where that float is active. The cotangents then go to `array` and the
/// active `scalars`.
fn zip_pass(
    cx: &mut Cx,
    stmt: &Let,
    array: &Operand,
    (producers, params): (Vec<TokenStream>, Vec<TokenStream>),
    prefix: &[TokenStream],
    call: impl FnOnce(TokenStream) -> TokenStream,
    scalars: &[&Operand],
) {
    let span = stmt.span;
    let located = Span::mixed_site().located_at(span);
    let bar = cx.bar(stmt.var);
    let cotangent = Ident::new("cotangent", located);
    let element_bar = Ident::new("element_bar", located);
    let mut pattern: Vec<TokenStream> = prefix.to_vec();
    pattern.push(quote!(#element_bar));
    let mut declared = Vec::new();
    let mut sums = Vec::new();
    let mut outputs = vec![quote!(#bar)];
    let mut active = vec![array];
    for (i, scalar) in scalars.iter().enumerate() {
        if !cx.function.is_active(scalar) {
            pattern.push(quote!(_));
            continue;
        }
        let sum = Ident::new(&format!("sum{i}"), located);
        let part = Ident::new(&format!("part{i}"), located);
        let private = crate::naming::private(span);
        let (zero, concrete) = match scalar {
            Operand::Var(v) => {
                let ty = cx.types.of(*v);
                let concrete = ty.written.as_ref().is_some_and(|written| {
                    let written = written.to_string();
                    let written = written.trim_start_matches('&').trim();
                    written == "f64" || written == "f32"
                });
                (ty.zero.clone(), concrete)
            }
            Operand::Const(_) => (None, false),
        };
        let zero = zero.unwrap_or_else(|| quote!(<_ as #private::Zero>::zero()));
        declared.push(quote!(let mut #sum = #zero;));
        // A float type parameter: `num_traits::Float` gives it `+` but not `+=`.
        sums.push(if concrete {
            quote!(#sum += #part;)
        } else {
            quote!(#sum = #sum + #part;)
        });
        pattern.push(quote!(#part));
        outputs.push(quote!(#sum));
        active.push(scalar);
    }
    let call = call(quote!(*#cotangent));
    let bind = match pattern.as_slice() {
        [single] => quote!(let #single = #call;),
        many => quote!(let (#(#many),*) = #call;),
    };
    let output = match outputs.as_slice() {
        [single] => single.clone(),
        many => quote!((#(#many),*)),
    };
    let runtime = crate::naming::runtime(span);
    let value = quote_spanned!(span=> {
        let mut #bar = #bar;
        #(#declared)*
        #runtime::ndarray::Zip::from(&mut #bar)#(.and(#producers))*.for_each(
            |#cotangent, #(#params),*| {
                #bind
                *#cotangent = #element_bar;
                #(#sums)*
            },
        );
        #output
    });
    distribute(cx, &active, value, span);
}

/// `y_2 = y_1` with `y_2[i] = e`: the element's cotangent goes to `e` and is then zero; the rest
/// of the array's cotangent is `y_1`'s, moved.
fn store_rule(cx: &mut Cx, stmt: &Let, base: &Operand, index: &Operand, value: &Operand) {
    let bar = cx.bar(stmt.var);
    if let Some((term, negated)) = element_update(cx, base, index, value) {
        // `a[i] += e` (or `-=`): the element's cotangent stays where it is and goes to `e`
        // too, where the general rule would take it out, zero it, and add it back.
        if cx.function.is_active(term) {
            let element = cx
                .element(stmt.var, &Operand::Var(stmt.var), index)
                .of(&quote!(#bar));
            cx.add(term, if negated { quote!(-#element) } else { element });
        }
        cx.add(base, quote!(#bar));
        return;
    }
    let index = cx.primal(index);
    if cx.function.is_active(value) {
        cx.add(value, quote!(#bar[#index]));
    }
    cx.raw.push(Raw::Zero {
        target: stmt.var,
        index,
    });
    cx.add(base, quote!(#bar));
}

/// The stored `value` of `base[index] := value` as `base[index] ± term`, where the element read
/// and the sum are used by nothing else: marks both as reversed here (their rules are skipped)
/// and gives `term`, and whether it is subtracted.
fn element_update<'f>(
    cx: &mut Cx<'f>,
    base: &Operand,
    index: &Operand,
    value: &Operand,
) -> Option<(&'f Operand, bool)> {
    let (Operand::Var(base), Operand::Var(sum)) = (base, value) else {
        return None;
    };
    let same = |a: &Operand| a.same_as(index);
    let is_element = |operand: &Operand| match operand {
        Operand::Var(read) if cx.uses.get(read) == Some(&1) => matches!(
            cx.defs.get(read),
            Some(Op::Index { base: Operand::Var(b), index }) if b == base && same(index)
        ),
        _ => false,
    };
    if cx.uses.get(sum) != Some(&1) || cx.types.of(*sum).array {
        return None;
    }
    let (read, term, negated) = match cx.defs.get(sum)? {
        Op::Binary(BinOp::Add, a, b) if is_element(a) => (a, b, false),
        Op::Binary(BinOp::Add, a, b) if is_element(b) => (b, a, false),
        Op::Binary(BinOp::Sub, a, b) if is_element(a) => (a, b, true),
        _ => return None,
    };
    let Operand::Var(read) = read else {
        return None;
    };
    cx.fused.insert(*sum);
    cx.fused.insert(*read);
    Some((term, negated))
}

/// `::autodiff_runtime::__private::<module>::<function>(args.., bar)`.
fn pullback_call(
    span: Span,
    module: &str,
    function: &str,
    args: Vec<TokenStream>,
    bar: TokenStream,
) -> TokenStream {
    let located = Span::mixed_site().located_at(span);
    let private = crate::naming::private(span);
    let module = Ident::new(module, located);
    let function = Ident::new(function, located);
    quote_spanned!(span=> #private::#module::#function(#(#args,)* #bar))
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

/// The rule of a row of the table, whose operands are `operands` (receiver first).
fn primitive(cx: &mut Cx, stmt: &Let, prim: &Primitive, operands: &[&Operand]) {
    let inputs: Vec<(&Operand, Arg)> = operands.iter().copied().zip(prim.inputs()).collect();
    if prim.syntax == primitives::Syntax::FloatMethod && cx.is_array(operands[0]) {
        return elementwise_rule(cx, stmt, prim, &inputs);
    }
    if beside_rule(cx, stmt, prim, &inputs) {
        return;
    }
    let module = prim.syntax.module();
    pullback_rule(cx, stmt, module, prim.name, &prim.pullback, &inputs);
}

/// The rule of a row with a value the forward computed beside the result (`s_1_cos` beside
/// `t2 = s_1.sin()`, [`Function::beside`](crate::ssa::Function::beside)), where the sweep would
/// otherwise keep an input the pullback reads: `<name>_pullback_from_<beside>(value, bar)`,
/// which reads that value alone. False, writing nothing, where there is no such value or the
/// sweep has the inputs anyway (a parameter, `x[i]`): the row's own pullback then keeps nothing.
fn beside_rule(cx: &mut Cx, stmt: &Let, prim: &Primitive, inputs: &[(&Operand, Arg)]) -> bool {
    let (Some(beside), Some(value), Pullback::One(reads)) = (
        prim.beside,
        cx.function.beside.get(&stmt.var),
        &prim.pullback,
    ) else {
        return false;
    };
    let kept = inputs
        .iter()
        .zip(reads.inputs)
        .any(|((operand, _), read)| *read == Read::Value && !cx.at_hand(operand));
    if !kept {
        return false;
    }
    let bar = cx.bar(stmt.var);
    let value = cx.primal(&Operand::Var(value.var));
    let function = format!("{}_pullback_from_{beside}", prim.name);
    let call = pullback_call(
        stmt.span,
        prim.syntax.module(),
        &function,
        vec![value],
        quote!(#bar),
    );
    let floats: Vec<&Operand> = inputs
        .iter()
        .filter(|(_, kind)| *kind == Arg::Float)
        .map(|(operand, _)| *operand)
        .collect();
    distribute(cx, &floats, call, stmt.span);
    true
}

/// The rule of a float method applied to each element of an array (`x.exp()`, `x.powf(p)`):
/// the float method's own pullback, called per element in one pass that writes each element's
/// cotangent over the output cotangent's (whose buffer it reuses), and sums the cotangent of a
/// float argument (`p`) over the elements.
fn elementwise_rule(cx: &mut Cx, stmt: &Let, prim: &Primitive, inputs: &[(&Operand, Arg)]) {
    let Pullback::One(reads) = &prim.pullback else {
        unreachable!("a float method's pullback is one function")
    };
    let located = Span::mixed_site().located_at(stmt.span);
    let result = Operand::Var(stmt.var);
    // What the pullback reads: arrays go through the `Zip` (bound per element), floats and
    // integers are passed as they are.
    let mut producers = Vec::new();
    let mut params = Vec::new();
    let mut args = Vec::new();
    let mut element = |cx: &mut Cx, operand: &Operand, kind: Arg| {
        if cx.is_array(operand) {
            let name = Ident::new(&format!("element{}", producers.len()), located);
            producers.push(cx.argument(operand));
            params.push(quote!(&#name));
            args.push(quote!(#name));
        } else if kind == Arg::Float || kind == Arg::Int {
            args.push(cx.argument(operand));
        }
    };
    for ((operand, kind), read) in inputs.iter().zip(reads.inputs) {
        if *read == Read::Value {
            element(cx, operand, *kind);
        }
    }
    if reads.output {
        element(cx, &result, Arg::Float);
    }
    // The cotangents the pullback returns: the receiver's (written over `bar`), then each float
    // argument's, summed where it is active.
    let floats: Vec<&Operand> = inputs
        .iter()
        .skip(1)
        .filter(|(_, kind)| *kind == Arg::Float)
        .map(|(operand, _)| *operand)
        .collect();
    let function = format!("{}_pullback", prim.name);
    zip_pass(
        cx,
        stmt,
        inputs[0].0,
        (producers, params),
        &[],
        |cotangent| pullback_call(stmt.span, "scalar", &function, args, cotangent),
        &floats,
    );
}

/// The rule of an operation from its row's [`Pullback`]: the runtime `module`'s pullback(s) of
/// `name`, called on what the row reads (the convention in `primitives.rs`), adding into the
/// cotangents of the active float inputs.
fn pullback_rule(
    cx: &mut Cx,
    stmt: &Let,
    module: &str,
    name: &str,
    pullback: &Pullback,
    inputs: &[(&Operand, Arg)],
) {
    let bar = cx.bar(stmt.var);
    let span = stmt.span;
    let result = Operand::Var(stmt.var);
    let floats = inputs
        .iter()
        .enumerate()
        .filter(|(_, (_, kind))| *kind == Arg::Float)
        .map(|(i, (operand, _))| (i, *operand));
    match pullback {
        Pullback::Constant => unreachable!("a constant result is inactive"),
        Pullback::One(reads) => {
            let args = kept(cx, inputs, reads, &result);
            let function = format!("{name}_pullback");
            let call = pullback_call(span, module, &function, args, quote!(#bar));
            let floats: Vec<&Operand> = floats.map(|(_, operand)| operand).collect();
            distribute(cx, &floats, call, span);
        }
        Pullback::PerInput(roles) => {
            // Fewest axes first (a float has none), a later input first among equal ones: the
            // last takes `bar` by value, and has the result's shape where there is one.
            let mut active: Vec<(usize, &Operand, &(&str, Reads))> = floats
                .zip(roles.iter())
                .filter(|((_, operand), _)| cx.function.is_active(operand))
                .map(|((i, operand), role)| (i, operand, role))
                .collect();
            let axes = |operand: &Operand| match operand {
                Operand::Var(v) => cx.types.of(*v).ndarray.map(|r| r.unwrap_or(usize::MAX)),
                Operand::Const(_) => None,
            };
            active.sort_by_key(|(i, operand, _)| (axes(operand), std::cmp::Reverse(*i)));
            let count = active.len();
            for (n, (_, operand, (role, reads))) in active.into_iter().enumerate() {
                // Read per contribution, so an owned operand is dropped after its last use.
                let args = kept(cx, inputs, reads, &result);
                let bar = if n + 1 == count {
                    quote!(#bar)
                } else {
                    quote!(&#bar)
                };
                let function = format!("{name}_pullback_{role}");
                let call = pullback_call(span, module, &function, args, bar);
                cx.add(operand, call);
            }
        }
    }
}

/// The arguments of a pullback before the cotangent: what `reads` says of each input, then the
/// output if it reads it.
fn kept(
    cx: &mut Cx,
    inputs: &[(&Operand, Arg)],
    reads: &Reads,
    result: &Operand,
) -> Vec<TokenStream> {
    let mut args = Vec::new();
    for ((operand, kind), read) in inputs.iter().zip(reads.inputs) {
        match read {
            Read::Nothing => {}
            Read::Shape if cx.is_array(operand) => {
                let dim = cx.dim(operand);
                args.push(quote!(&#dim));
            }
            // A float broadcast over an array: its cotangent is the sum.
            Read::Shape => args.push(quote!(&())),
            Read::Value => args.push(match kind {
                Arg::Labels => {
                    let labels = cx.primal(operand);
                    quote!(&#labels[..])
                }
                Arg::Axis => {
                    let axis = cx.primal(operand);
                    let runtime = crate::naming::runtime(Span::call_site());
                    quote!(#runtime::ndarray::Axis(#axis))
                }
                Arg::Float | Arg::Int => cx.argument(operand),
            }),
        }
    }
    if reads.output {
        args.push(cx.argument(result));
    }
    args
}

/// Rules for statements whose result is an array. The cotangent `bar` arrives owned: every use
/// but the last borrows it, the last moves it, so elementwise rules reuse its buffer.
fn array_rule(cx: &mut Cx, stmt: &Let) {
    let bar = cx.bar(stmt.var);
    let span = stmt.span;
    match &stmt.op {
        Op::Use(a) | Op::Deref(a) => cx.add(a, quote!(#bar)),
        Op::Neg(a) => cx.add(a, quote_spanned!(span=> -#bar)),
        Op::Binary(op, a, b) => {
            let name = match op {
                BinOp::Add => "add",
                BinOp::Sub => "sub",
                BinOp::Mul => "mul",
                BinOp::Div => "div",
                BinOp::Rem => unreachable!("`analysis::validate` rejects `%` of active values"),
            };
            let operator = primitives::operator(name);
            let inputs = [(a, Arg::Float), (b, Arg::Float)];
            pullback_rule(cx, stmt, "array", name, &operator.pullback, &inputs);
        }
        Op::Index {
            base: Operand::Var(target),
            index,
        } => {
            // An array element of a list: its cotangent accumulates into the list's, in place.
            let index = cx.primal(index);
            cx.bar(*target);
            cx.raw.push(Raw::Add {
                target: *target,
                index: Some(Part::Index(index)),
                value: quote!(#bar),
            });
        }
        Op::NdArray { items, shape } => {
            for (flat, item) in items.iter().enumerate() {
                // The element's index, row-major.
                let mut rest = flat;
                let mut index: Vec<proc_macro2::Literal> = shape
                    .iter()
                    .rev()
                    .map(|&len| {
                        let i = rest % len;
                        rest /= len;
                        proc_macro2::Literal::usize_unsuffixed(i)
                    })
                    .collect();
                index.reverse();
                let element = if let [i] = index.as_slice() {
                    quote!(#bar[#i])
                } else {
                    quote!(#bar[[#(#index),*]])
                };
                cx.add(item, element);
            }
        }
        Op::Index { .. }
        | Op::Array(_)
        | Op::Tuple(_)
        | Op::Field(..)
        | Op::Cast(..)
        | Op::Compare(..)
        | Op::Not(_)
        | Op::MinLen(..)
        | Op::Or(..)
        | Op::Matches(..) => {
            unreachable!("`analysis::validate` rejects these where they give an ndarray array")
        }
        Op::GradCall { .. }
        | Op::Method { .. }
        | Op::Call { .. }
        | Op::Map { .. }
        | Op::Slice { .. }
        | Op::FromElem { .. }
        | Op::Concat { .. }
        | Op::Push { .. }
        | Op::NewVec { .. }
        | Op::Store { .. }
        | Op::Copy(..)
        | Op::Filled { .. }
        | Op::Zeros { .. } => {
            unreachable!("calls, rows of the table and array writes have their rules in `rule`")
        }
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
