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

use std::collections::{BTreeSet, HashMap};

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::errors::Errors;
use crate::input::{Input, Shape};
use crate::naming::Names;
use crate::primitives::{Arg, Kind};
use crate::ssa::{BinOp, Function, Op, Operand, Stmt, VarId};
use crate::types::{Types, zero_of_written};

/// One statement of the reverse sweep.
pub enum Adjoint {
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
        array: bool,
    },
    /// `let (t1, _) = pullback(..);`, for pullbacks with several cotangents.
    Bind {
        names: Vec<Option<Ident>>,
        value: TokenStream,
    },
}

pub struct Reverse {
    pub stmts: Vec<Adjoint>,
    /// Primal variables the reverse sweep reads, in definition order: the residuals.
    pub reads: BTreeSet<VarId>,
    /// Forward statements whose result is needed (by the output or the reverse sweep).
    pub live: Vec<bool>,
    /// The name of each variable's cotangent.
    pub bars: HashMap<VarId, Ident>,
    /// The output cotangent is the parameter of `f_bwd` and the first contribution to this
    /// variable, when the output is an active variable.
    pub seeded: Option<VarId>,
    /// Whether the seeded cotangent receives further contributions (so the parameter is `mut`).
    pub seed_mutable: bool,
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
}

struct Cx<'a> {
    function: &'a Function,
    names: &'a mut Names,
    reads: BTreeSet<VarId>,
    bars: HashMap<VarId, Ident>,
    raw: Vec<Raw>,
}

impl Cx<'_> {
    /// The primal value of an operand in the reverse sweep, recording the read.
    fn primal(&mut self, operand: &Operand) -> TokenStream {
        match operand {
            Operand::Var(v) => {
                self.reads.insert(*v);
                let name = &self.function.var(*v).name;
                quote!(#name)
            }
            Operand::Const(tokens) => tokens.clone(),
        }
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
        if let Operand::Var(target) = operand {
            if self.function.var(*target).active {
                self.bar(*target);
                self.raw.push(Raw::Add {
                    target: *target,
                    index: None,
                    value,
                });
            }
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
        names,
        reads: BTreeSet::new(),
        bars: HashMap::new(),
        raw: Vec::new(),
    };

    // Which cotangents the sweep needs: the output's, then those of active operands of
    // statements that need one.
    let mut needs_bar = vec![false; function.vars.len()];
    let seeded = match &function.output {
        Operand::Var(v) if function.var(*v).active => {
            needs_bar[v.0] = true;
            cx.bar(*v);
            Some(*v)
        }
        _ => None,
    };
    for stmt in function.stmts.iter().rev() {
        if !needs_bar[stmt.var.0] {
            continue;
        }
        for operand in stmt.op.operands() {
            if let Operand::Var(v) = operand {
                if function.var(*v).active {
                    needs_bar[v.0] = true;
                }
            }
        }
        rule(&mut cx, stmt);
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
    let mut stmts = Vec::new();
    for raw in std::mem::take(&mut cx.raw) {
        match raw {
            Raw::Bind { names, value } => stmts.push(Adjoint::Bind { names, value }),
            Raw::Add {
                target,
                index,
                value,
            } => {
                let left = remaining.get_mut(&target).expect("counted above");
                *left -= 1;
                let array = is_array(input, function, types, target);
                if declared.insert(target) {
                    if index.is_none() {
                        stmts.push(Adjoint::Declare {
                            target,
                            mutable: *left > 0,
                            value,
                        });
                        continue;
                    }
                    let zero = zero(&mut cx, input, types, target, errors);
                    stmts.push(Adjoint::Declare {
                        target,
                        mutable: true,
                        value: zero,
                    });
                }
                stmts.push(Adjoint::Add {
                    target,
                    index,
                    value,
                    array,
                });
            }
        }
    }
    // Active parameters that received nothing have a zero gradient.
    for param in &function.params {
        if param.active && !declared.contains(&param.var) {
            cx.bar(param.var);
            let zero = zero(&mut cx, input, types, param.var, errors);
            stmts.push(Adjoint::Declare {
                target: param.var,
                mutable: false,
                value: zero,
            });
        }
    }

    // Forward liveness: what the output and the reverse sweep read, and what those depend on.
    let mut live_var = vec![false; function.vars.len()];
    if let Operand::Var(v) = &function.output {
        live_var[v.0] = true;
    }
    for v in &cx.reads {
        live_var[v.0] = true;
    }
    let mut live = vec![false; function.stmts.len()];
    for (i, stmt) in function.stmts.iter().enumerate().rev() {
        if live_var[stmt.var.0] {
            live[i] = true;
            for operand in stmt.op.operands() {
                if let Operand::Var(v) = operand {
                    live_var[v.0] = true;
                }
            }
        }
    }

    Reverse {
        stmts,
        reads: cx.reads,
        live,
        bars: cx.bars,
        seeded,
        seed_mutable,
    }
}

/// Appends the contributions of one statement, whose result's cotangent is needed.
fn rule(cx: &mut Cx, stmt: &Stmt) {
    let result = stmt.var;
    let bar = cx.bar(result);
    let span = stmt.span;
    match &stmt.op {
        Op::Use(a) => cx.add(a, quote!(#bar)),
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
                    let b_value = cx.primal(b);
                    if active_a {
                        cx.add(a, quote_spanned!(span=> #bar / #b_value));
                    }
                    if active_b {
                        // d(a/b)/db = -(a/b)/b: reuse the result instead of recomputing a/b².
                        let r = cx.primal(&Operand::Var(result));
                        cx.add(b, quote_spanned!(span=> -(#bar * #r / #b_value)));
                    }
                }
            }
        }
        Op::Method {
            method,
            receiver,
            args,
        } => {
            debug_assert_eq!(
                method.kind,
                Kind::Differentiable,
                "constant methods are inactive"
            );
            let pullback = format_ident!(
                "{}_pullback",
                method.name,
                span = Span::mixed_site().located_at(span)
            );
            let mut inputs = vec![cx.primal(receiver)];
            inputs.extend(args.iter().map(|a| cx.primal(a)));
            let output = cx.primal(&Operand::Var(result));
            let call = quote_spanned!(span=>
                ::autodiff_runtime::__private::scalar::#pullback(#(#inputs,)* #output, #bar)
            );
            let floats: Vec<&Operand> = std::iter::once(receiver)
                .chain(
                    args.iter()
                        .zip(method.args)
                        .filter(|(_, k)| **k == Arg::Float)
                        .map(|(a, _)| a),
                )
                .collect();
            if floats.len() == 1 {
                cx.add(receiver, call);
            } else {
                let names: Vec<Option<Ident>> = floats
                    .iter()
                    .map(|o| cx.function.is_active(o).then(|| cx.names.temp(span)))
                    .collect();
                cx.raw.push(Raw::Bind {
                    names: names.clone(),
                    value: call,
                });
                for (operand, name) in floats.into_iter().zip(names) {
                    if let Some(name) = name {
                        cx.add(operand, quote!(#name));
                    }
                }
            }
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
        Op::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let i = proc_macro2::Literal::usize_unsuffixed(i);
                cx.add(item, quote!(#bar[#i]));
            }
        }
        Op::Cast(..) => unreachable!("a cast of an active value is rejected while lowering"),
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
        Some(param) => matches!(param.shape, Shape::FixedArray | Shape::DynArray),
        None => types.is_array(function.var(var).ty),
    }
}

/// A zero cotangent for `var`: from its type where the size is static, from its value otherwise.
fn zero(
    cx: &mut Cx,
    input: &Input,
    types: &mut Types,
    var: VarId,
    errors: &mut Errors,
) -> TokenStream {
    let function = cx.function;
    if let Some(param) = param_of(input, function, var) {
        if param.shape == Shape::DynArray {
            let value = cx.primal(&Operand::Var(var));
            return quote!(::autodiff_runtime::__private::zeros_like(&#value));
        }
        if let Some(zero) = zero_of_written(&param.ty) {
            return zero;
        }
    } else if let Some(zero) = types.zero(function.var(var).ty) {
        return zero;
    }
    let name = &function.var(var).name;
    errors.spanned(
        name,
        format!("cannot infer the type of `{name}`; add a type annotation"),
    );
    quote!(::core::unreachable!())
}
