//! The adjoint rules: from the SSA forward sweep to the reverse sweep.
//!
//! In: a lowered [`Function`]. Out: a [`Reverse`]: the reverse sweep as a list of [`Adjoint`]
//! statements in execution order, the primal variables it reads (they become the residuals), and
//! which forward statements are needed at all.
//!
//! The sweep visits the statements backwards and, for each one whose result is active and reaches
//! the output, adds its vector-Jacobian product into the cotangent of each active operand. The
//! first contribution to a cotangent *declares* it (`let mut bar_a = ..;`), so nothing is
//! initialised to zero and then added to; later ones add with `+=`. A contribution to one
//! element of an array (from indexing) declares a zero array first. Statements whose result does
//! not reach the output, or does not depend on a differentiated parameter, get no adjoint.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::analysis::{borrows_a_local, is_borrowed, is_ndarray, may_be_borrowed};
use crate::errors::Errors;
use crate::input::{Input, Shape};
use crate::naming::Names;
use crate::primitives::{Arg, Primitive, Syntax};
use crate::ssa::{BinOp, Function, Let, Op, Operand, VarId};
use crate::types::{Types, zero_of_written};

/// One statement of the reverse sweep.
pub enum Adjoint {
    /// `drop(v);`: an array the rest of the sweep no longer reads.
    Drop(Ident),
    /// `let [mut] bar_v = value;`: the first contribution to `bar_v`.
    Declare {
        target: VarId,
        mutable: bool,
        value: TokenStream,
    },
    /// `bar_v += value;`, `bar_v[index] += value;`, or the array form of `+=`.
    Add {
        target: VarId,
        index: Option<TokenStream>,
        value: TokenStream,
        how: Accumulation,
    },
    /// `let (t1, _) = pullback(..);`, for pullbacks with several cotangents.
    Bind {
        names: Vec<Option<Ident>>,
        value: TokenStream,
    },
    /// `let b_recip = b.recip();`: a value contributions share, computed before the sweep.
    Let { name: Ident, value: TokenStream },
}

pub struct Reverse {
    pub stmts: Vec<Adjoint>,
    /// Primal variables the reverse sweep reads, in definition order: the residuals.
    pub reads: BTreeSet<VarId>,
    /// Arrays whose shape (`raw_dim()`) the reverse sweep reads, with the residual's name.
    pub dims: BTreeMap<VarId, Ident>,
    /// For each variable, whether the forward sweep computes it: the output or the reverse
    /// sweep needs it.
    pub live: Vec<bool>,
    /// The name of each variable's cotangent.
    pub bars: HashMap<VarId, Ident>,
    /// The output cotangent is the parameter of `f_bwd` and the first contribution to this
    /// variable, when the output is an active variable.
    pub seeded: Option<VarId>,
    /// The name of `f_bwd`'s output-cotangent parameter when it arrives by reference (arrays).
    pub bar_out: Option<Ident>,
    /// Whether the seeded cotangent receives further contributions (so the parameter is `mut`).
    pub seed_mutable: bool,
}

/// How a contribution is added into a declared cotangent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accumulation {
    /// `bar += value` (floats of a concrete type).
    AddAssign,
    /// `bar = bar + value`: a generic float type, which `num_traits::Float` gives `+` but not
    /// `+=`.
    Plus,
    /// `Accumulate::accumulate(&mut bar, value)`: arrays, element-wise.
    Array,
    /// `bar[i] = value`: the first contribution to an element of a cotangent that was declared
    /// zero, where `0.0 + value` would cost an addition (IEEE keeps LLVM from removing it, for
    /// `-0.0`) and the zero a store.
    Set,
}

/// A contribution before declarations are decided.
enum Raw {
    Add {
        target: VarId,
        index: Option<TokenStream>,
        value: TokenStream,
    },
    Bind {
        names: Vec<Option<Ident>>,
        value: TokenStream,
    },
    Drop(Ident),
}

struct Cx<'a> {
    function: &'a Function,
    types: &'a mut Types,
    names: &'a mut Names,
    reads: BTreeSet<VarId>,
    /// For each read variable, the index in `raw` of the last contribution reading it.
    last_read: HashMap<VarId, usize>,
    dims: BTreeMap<VarId, Ident>,
    bars: HashMap<VarId, Ident>,
    raw: Vec<Raw>,
    /// `let b_recip = b.recip();` for each divisor, written before the sweep.
    recips: Vec<(VarId, Ident, TokenStream)>,
}

impl Cx<'_> {
    /// `1 / b` for the variable `b`, computed once, where the reverse sweep starts: it depends
    /// on nothing the sweep computes, so its latency overlaps the sweep, where `bar / b` would
    /// put a division's on the sweep's critical path.
    fn recip(&mut self, b: VarId) -> Ident {
        if let Some((_, name, _)) = self.recips.iter().find(|(v, ..)| *v == b) {
            return name.clone();
        }
        let value = self.primal(&Operand::Var(b));
        let primal = self.function.var(b).name.clone();
        let name = self.names.fresh(&format!("{primal}_recip"), primal.span());
        self.recips.push((b, name.clone(), quote!(#value.recip())));
        name
    }

    /// The primal value of an operand in the reverse sweep, recording the read.
    fn primal(&mut self, operand: &Operand) -> TokenStream {
        match operand {
            Operand::Var(v) => {
                self.reads.insert(*v);
                self.last_read.insert(*v, self.raw.len());
                let name = &self.function.var(*v).name;
                // A float behind a reference parameter (`x: &f64`) is passed by value.
                let slot = self.function.var(*v).ty;
                if is_borrowed(self.function, *v) && !self.types.is_array(slot) {
                    return quote!((*#name));
                }
                quote!(#name)
            }
            Operand::Const(tokens) => tokens.clone(),
        }
    }

    /// The operand as a primitive's argument: arrays by reference, floats by value.
    fn argument(&mut self, operand: &Operand) -> TokenStream {
        let value = self.primal(operand);
        match operand {
            Operand::Var(v) if self.is_array(operand) && !is_borrowed(self.function, *v) => {
                quote!(&#value)
            }
            _ => value,
        }
    }

    fn is_array(&mut self, operand: &Operand) -> bool {
        is_ndarray(self.function, self.types, operand)
    }

    /// The shape of an array operand, kept as a residual of its own instead of the array.
    fn dim(&mut self, operand: &Operand) -> TokenStream {
        let Operand::Var(v) = operand else {
            return quote!(::core::unreachable!());
        };
        if let Some(name) = self.dims.get(v) {
            return quote!(#name);
        }
        let primal = self.function.var(*v).name.clone();
        let name = self.names.fresh(&format!("{primal}_dim"), primal.span());
        self.dims.insert(*v, name.clone());
        quote!(#name)
    }

    fn bar(&mut self, var: VarId) -> Ident {
        if let Some(name) = self.bars.get(&var) {
            return name.clone();
        }
        let primal = &self.function.var(var).name;
        let name = self.names.cotangent(primal);
        self.bars.insert(var, name.clone());
        name
    }

    /// Adds `value` into the cotangent of `operand`, if it is active.
    fn add(&mut self, operand: &Operand, value: TokenStream) {
        if let Operand::Var(target) = operand
            && self.function.var(*target).active
        {
            self.bar(*target);
            self.raw.push(Raw::Add {
                target: *target,
                index: None,
                value,
            });
        }
    }
}

pub fn reverse(
    input: &Input,
    function: &Function,
    types: &mut Types,
    names: &mut Names,
    errors: &mut Errors,
) -> Reverse {
    let mut cx = Cx {
        function,
        types,
        names,
        reads: BTreeSet::new(),
        last_read: HashMap::new(),
        dims: BTreeMap::new(),
        bars: HashMap::new(),
        raw: Vec::new(),
        recips: Vec::new(),
    };

    // Which cotangents the sweep needs: the output's, then those of active operands of
    // statements that need one.
    let mut needs_bar = vec![false; function.vars.len()];
    let mut bar_out = None;
    let seeded = match &function.body.output {
        // An array's cotangent arrives borrowed: its first use copies it, once.
        Operand::Var(v)
            if function.var(*v).active && matches!(input.output_shape, Shape::NdArray(_)) =>
        {
            needs_bar[v.0] = true;
            let name = cx.names.fresh("bar_out", Span::call_site());
            cx.add(&Operand::Var(*v), quote!(#name.to_owned()));
            bar_out = Some(name);
            None
        }
        Operand::Var(v) if function.var(*v).active => {
            needs_bar[v.0] = true;
            cx.bar(*v);
            Some(*v)
        }
        _ => None,
    };
    for stmt in function.body.lets().rev() {
        if !needs_bar[stmt.var.0] {
            continue;
        }
        for operand in stmt.op.operands() {
            if let Operand::Var(v) = operand
                && function.var(*v).active
            {
                needs_bar[v.0] = true;
            }
        }
        if let Some(message) = unsupported_array_result(&mut cx, stmt) {
            errors.push(syn::Error::new(stmt.span, message));
            continue;
        }
        rule(&mut cx, stmt);
    }

    // Owned arrays are dropped right after the last contribution that reads them.
    let mut drops: BTreeMap<usize, Vec<Ident>> = BTreeMap::new();
    let mut last_read: Vec<(VarId, usize)> = cx.last_read.iter().map(|(v, at)| (*v, *at)).collect();
    last_read.sort();
    for (var, at) in last_read {
        let operand = Operand::Var(var);
        if cx.is_array(&operand) && !is_borrowed(function, var) {
            drops
                .entry(at)
                .or_default()
                .push(function.var(var).name.clone());
        }
    }
    let raw = std::mem::take(&mut cx.raw);
    for (at, raw_stmt) in raw.into_iter().enumerate() {
        cx.raw.push(raw_stmt);
        for name in drops.remove(&at).unwrap_or_default() {
            cx.raw.push(Raw::Drop(name));
        }
    }

    // Decide declarations: the first contribution to a cotangent declares it.
    let mut remaining: HashMap<VarId, usize> = HashMap::new();
    for raw in &cx.raw {
        if let Raw::Add { target, .. } = raw {
            *remaining.entry(*target).or_default() += 1;
        }
    }
    let seed_mutable = seeded.is_some_and(|v| remaining.contains_key(&v));
    let mut declared: BTreeSet<VarId> = seeded.into_iter().collect();
    // For cotangents declared zero by an indexed contribution: the literal indices written so
    // far, while every contribution has had a literal index (`None` after any other).
    let mut written: HashMap<VarId, Option<BTreeSet<usize>>> = HashMap::new();
    let mut stmts: Vec<Adjoint> = std::mem::take(&mut cx.recips)
        .into_iter()
        .map(|(_, name, value)| Adjoint::Let { name, value })
        .collect();
    for raw in std::mem::take(&mut cx.raw) {
        match raw {
            Raw::Bind { names, value } => stmts.push(Adjoint::Bind { names, value }),
            Raw::Drop(name) => stmts.push(Adjoint::Drop(name)),
            Raw::Add {
                target,
                index,
                value,
            } => {
                let left = remaining.get_mut(&target).expect("counted above");
                *left -= 1;
                let mut how = if is_array(input, function, cx.types, target) && index.is_none() {
                    Accumulation::Array
                } else if is_generic_float(input, function, cx.types, target) {
                    Accumulation::Plus
                } else {
                    Accumulation::AddAssign
                };
                if declared.insert(target) {
                    if index.is_none() {
                        stmts.push(Adjoint::Declare {
                            target,
                            mutable: *left > 0,
                            value,
                        });
                        continue;
                    }
                    let zero = zero(&mut cx, input, target, errors);
                    stmts.push(Adjoint::Declare {
                        target,
                        mutable: true,
                        value: zero,
                    });
                    written.insert(target, Some(BTreeSet::new()));
                }
                if let Some(tracked) = written.get_mut(&target) {
                    let literal = index
                        .as_ref()
                        .and_then(|i| syn::parse2::<syn::LitInt>(i.clone()).ok())
                        .and_then(|i| i.base10_parse::<usize>().ok());
                    match (tracked.as_mut(), literal) {
                        (Some(indices), Some(i)) => {
                            if indices.insert(i) {
                                how = Accumulation::Set;
                            }
                        }
                        // An index only known at run time may be any element.
                        _ => *tracked = None,
                    }
                }
                stmts.push(Adjoint::Add {
                    target,
                    index,
                    value,
                    how,
                });
            }
        }
    }
    // Active parameters that received nothing have a zero gradient.
    for param in &function.params {
        if param.active && !declared.contains(&param.var) {
            cx.bar(param.var);
            let zero = zero(&mut cx, input, param.var, errors);
            stmts.push(Adjoint::Declare {
                target: param.var,
                mutable: false,
                value: zero,
            });
        }
    }

    let live = crate::analysis::forward_liveness(function, &cx.reads, &cx.dims);

    Reverse {
        stmts,
        reads: cx.reads,
        dims: cx.dims,
        live,
        bars: cx.bars,
        seeded,
        bar_out,
        seed_mutable,
    }
}

/// Why an active statement whose result is an ndarray array (by its written type: the return
/// type or a `let` annotation) has no adjoint rule, if it has none.
fn unsupported_array_result(cx: &mut Cx, stmt: &Let) -> Option<&'static str> {
    if !cx.is_array(&Operand::Var(stmt.var)) {
        return None;
    }
    match &stmt.op {
        Op::Index { .. } | Op::Array(_) | Op::Tuple(_) | Op::Cast(..) => Some(
            "this expression does not give an ndarray array; build arrays from array parameters \
             with arithmetic, `dot`, `t` and the `nn` functions",
        ),
        _ => None,
    }
}

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
    let backward = if borrows_a_local(cx.function, cx.types, args, borrowed) {
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
    } else if args
        .iter()
        .any(|a| may_be_borrowed(cx.function, cx.types, a))
    {
        let residuals = cx.primal(&Operand::Var(residuals));
        quote_spanned!(span=> #descriptor::backward(#residuals, #bar))
    } else {
        let residuals = cx.primal(&Operand::Var(residuals));
        // At the callee's name, as `forward_owned` in the forward half.
        let at = crate::descriptor::callee_span(descriptor, span);
        quote_spanned!(at=> #descriptor::backward_owned(#residuals, #bar))
    };
    // `backward` returns a tuple, one cotangent per parameter. The cotangent for a fixed-size
    // array is the callee's `Vec` where it took the array as a slice.
    let names: Vec<Option<Ident>> = args
        .iter()
        .map(|o| cx.function.is_active(o).then(|| cx.names.temp(span)))
        .collect();
    cx.raw.push(Raw::Bind {
        names: names.clone(),
        value: backward,
    });
    for (operand, name) in args.iter().zip(names) {
        let Some(name) = name else { continue };
        let len = match operand {
            Operand::Var(v) => cx.types.fixed_array_len(cx.function.var(*v).ty),
            Operand::Const(_) => None,
        };
        let value = match len {
            Some(len) => {
                // A literal or a const parameter as it is; anything else in braces.
                let simple = len.clone().into_iter().count() == 1
                    && !matches!(
                        len.clone().into_iter().next(),
                        Some(proc_macro2::TokenTree::Group(_))
                    );
                let len = if simple { len } else { quote!({ #len }) };
                quote_spanned!(span=> ::autodiff_runtime::__private::array_cotangent::<_, _, #len>(#name))
            }
            None => quote!(#name),
        };
        cx.add(operand, value);
    }
}

/// Appends the contributions of one statement, whose result's cotangent is needed.
fn rule(cx: &mut Cx, stmt: &Let) {
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
        let descriptor = crate::descriptor::of(alias, float);
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
    let module = Ident::new(module, located);
    let pullback = format_ident!("{}_pullback", name, span = located);
    quote_spanned!(span=> ::autodiff_runtime::__private::#module::#pullback(#(#inputs,)* #output, #bar))
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
            cx.add(operand, quote!(#name));
        }
    }
}

/// Rules for array primitives (`nn` functions, `sum`, `dot`, …) through their runtime pullback
/// `(inputs.., output, bar) -> input cotangents`.
fn array_primitive(cx: &mut Cx, stmt: &Let, prim: &Primitive, args: &[&Operand], bar: Ident) {
    let span = stmt.span;
    let result = Operand::Var(stmt.var);
    let result_is_array = cx.is_array(&result);
    let kinds: Vec<Arg> = match prim.syntax {
        Syntax::NnFunction => prim.args.to_vec(),
        _ => std::iter::once(Arg::Float)
            .chain(prim.args.iter().copied())
            .collect(),
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
                        quote_spanned!(span=> ::autodiff_runtime::__private::array::#pullback(#l, #r, &#bar)),
                    );
                }
            }
            if result_is_array {
                cx.raw.push(Raw::Drop(bar));
            }
        }
        (Syntax::ArrayMethod, "t") => cx.add(
            args[0],
            quote_spanned!(span=> ::autodiff_runtime::__private::array::t_pullback(#bar)),
        ),
        (Syntax::ArrayMethod, "sum") => {
            let dim = cx.dim(args[0]);
            cx.add(args[0], quote_spanned!(span=> ::autodiff_runtime::__private::array::sum_pullback(&#dim, #bar)));
        }
        (Syntax::ArrayMethod, "sum_axis") => {
            let dim = cx.dim(args[0]);
            let axis = cx.primal(args[1]);
            let axis = quote!(::autodiff_runtime::ndarray::Axis(#axis));
            cx.add(args[0], quote_spanned!(span=> ::autodiff_runtime::__private::array::sum_axis_pullback(#bar, #axis, &#dim)));
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
                module_of(prim),
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

fn module_of(prim: &Primitive) -> &'static str {
    match prim.syntax {
        Syntax::FloatMethod => "scalar",
        Syntax::ArrayMethod => "array",
        Syntax::NnFunction => "nn",
    }
}

/// Rules for statements whose result is an array. The cotangent `bar` arrives owned: every use
/// but the last borrows it, the last moves it, so elementwise rules reuse its buffer.
fn array_rule(cx: &mut Cx, stmt: &Let) {
    let bar = cx.bar(stmt.var);
    let span = stmt.span;
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
                Operand::Var(v) => cx
                    .types
                    .as_ndarray(cx.function.var(*v).ty)
                    .map(|(_, r)| r.unwrap_or(usize::MAX)),
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
                };
                let value = if cx.is_array(target) {
                    let dim = cx.dim(target);
                    if plain && !last {
                        quote_spanned!(span=> ::autodiff_runtime::__private::array::unbroadcast_ref(#contribution, &#dim))
                    } else {
                        quote_spanned!(span=> ::autodiff_runtime::__private::array::unbroadcast(#contribution, &#dim))
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
        Op::Index { .. } | Op::Array(_) | Op::Tuple(_) | Op::Cast(..) => {
            unreachable!("indexing, array literals and casts do not produce ndarray arrays")
        }
        Op::GradCall { .. } => unreachable!("calls have one rule, in `rule`"),
    }
}

fn param_of<'a>(
    input: &'a Input,
    function: &Function,
    var: VarId,
) -> Option<&'a crate::input::Param> {
    function
        .params
        .iter()
        .position(|p| p.var == var)
        .map(|i| &input.params[i])
}

fn is_array(input: &Input, function: &Function, types: &mut Types, var: VarId) -> bool {
    match param_of(input, function, var) {
        Some(param) => matches!(
            param.shape,
            Shape::FixedArray | Shape::DynArray | Shape::NdArray(_)
        ),
        None => types.is_array(function.var(var).ty),
    }
}

/// Whether the variable's floats are of a generic type parameter (`T`, `[T; 3]`, `&[T]`).
fn is_generic_float(input: &Input, function: &Function, types: &mut Types, var: VarId) -> bool {
    let written = match param_of(input, function, var) {
        Some(param) => {
            let ty = &param.ty;
            Some(quote!(#ty))
        }
        None => types.resolve(function.var(var).ty),
    };
    let Some(Ok(ty)) = written.map(syn::parse2::<syn::Type>) else {
        return false;
    };
    let ty = crate::types::strip_reference(&ty);
    let scalar = crate::input::element_type(ty).unwrap_or(ty);
    let generics = crate::input::float_type_params(&input.item.sig);
    matches!(scalar, syn::Type::Path(p) if p.path.get_ident().is_some_and(|i| generics.contains(i)))
}

/// A zero cotangent for `var`: from its type where the size is static, from its value otherwise.
fn zero(cx: &mut Cx, input: &Input, var: VarId, errors: &mut Errors) -> TokenStream {
    let function = cx.function;
    if let Some(param) = param_of(input, function, var) {
        if matches!(param.shape, Shape::DynArray | Shape::NdArray(_)) {
            let value = cx.primal(&Operand::Var(var));
            let value = if is_borrowed(function, var) {
                value
            } else {
                quote!(&#value)
            };
            return quote!(::autodiff_runtime::__private::zeros_like(#value));
        }
        if let Some(zero) = zero_of_written(&param.ty) {
            return zero;
        }
    } else if let Some(zero) = cx.types.zero(function.var(var).ty) {
        return zero;
    } else if cx.types.is_array(function.var(var).ty) {
        // A local bound to a slice or an array whose size is known at run time only.
        let value = cx.primal(&Operand::Var(var));
        return quote!(::autodiff_runtime::__private::zeros_like(&#value));
    }
    let name = &function.var(var).name;
    errors.spanned(
        name,
        format!("cannot infer the type of `{name}`; add a type annotation"),
    );
    quote!(::core::unreachable!())
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
