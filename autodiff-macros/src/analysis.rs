//! Analyses of the lowered function, apart from the transformations that use them.
//!
//! In: a lowered [`Function`] and its types. Out: facts the reverse pass and the emitter read:
//! which variables depend on a differentiated parameter (activity), which are ndarray arrays,
//! which a callee may borrow, and which the forward sweep must compute (liveness). Each is a function over the body's statements, written so that a
//! fixpoint per loop drops in when bodies nest.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::Ident;

use crate::ssa::{Function, Op, Operand, Stmt, VarId};
use crate::types::Types;

/// Whether `operand` is an ndarray array.
pub fn is_ndarray(function: &Function, types: &mut Types, operand: &Operand) -> bool {
    match operand {
        Operand::Var(v) => types.as_ndarray(function.var(*v).ty).is_some(),
        Operand::Const(_) => false,
    }
}

/// Whether the variable is a parameter written as a reference (so it is used without `&`).
pub fn is_borrowed(function: &Function, var: VarId) -> bool {
    function
        .params
        .iter()
        .any(|p| p.var == var && p.by_reference)
}

/// Whether a call passes a borrow of a local of the forward half (`&b` with `b` an array made
/// there, or a by-value array parameter) that the callee's residuals may keep: then the caller
/// cannot store those residuals, which would outlive the local.
pub fn borrows_a_local(
    function: &Function,
    types: &mut Types,
    args: &[Operand],
    borrowed: &[bool],
) -> bool {
    args.iter()
        .zip(borrowed)
        .any(|(arg, &by_ref)| by_ref && may_be_borrowed(function, types, arg))
}

/// Whether a callee's residuals may keep a borrow of this argument: it is not plain data
/// (floats, integers, fixed-size arrays, references to them), which callees keep copies of.
pub fn may_be_borrowed(function: &Function, types: &mut Types, arg: &Operand) -> bool {
    match arg {
        Operand::Var(v) => !types.is_plain(function.var(*v).ty),
        Operand::Const(_) => false,
    }
}

/// Whether the result of `op` depends on a differentiated parameter, given its operands'
/// activity: the lowering asks as it binds each variable (its errors about differentiated
/// indices, exponents and casts need it there), and [`activity`] over the whole body.
pub fn is_active(function: &Function, op: &Op) -> bool {
    match op {
        Op::Method { prim, .. } if prim.is_constant() => false,
        Op::Cast(..) => false,
        op => op.operands().iter().any(|o| function.is_active(o)),
    }
}

/// Every variable's activity, from the parameters' over the body. In straight-line code one
/// pass in order is exact; a loop will iterate its body to a fixpoint over its carried
/// variables.
pub fn activity(function: &mut Function) {
    for param in &function.params {
        function.vars[param.var.0].active = param.active;
    }
    for at in 0..function.body.stmts.len() {
        match &function.body.stmts[at] {
            Stmt::Let(stmt) => {
                let active = is_active(function, &stmt.op);
                function.vars[stmt.var.0].active = active;
            }
        }
    }
}

/// For each variable, whether the forward sweep computes it: the output, what the reverse sweep
/// reads (`reads`, and the arrays whose shapes it reads, `dims`), and what those depend on.
pub fn forward_liveness(
    function: &Function,
    reads: &BTreeSet<VarId>,
    dims: &BTreeMap<VarId, Ident>,
) -> Vec<bool> {
    let mut live = vec![false; function.vars.len()];
    if let Operand::Var(v) = &function.body.output {
        live[v.0] = true;
    }
    for v in reads.iter().chain(dims.keys()) {
        live[v.0] = true;
    }
    for stmt in function.body.lets().rev() {
        if live[stmt.var.0] {
            for operand in stmt.op.operands() {
                if let Operand::Var(v) = operand {
                    live[v.0] = true;
                }
            }
        }
    }
    live
}

/// Whether `var` is read by the forward sweep (a live statement, the output) or kept for the
/// reverse sweep.
pub fn used_in_forward(
    function: &Function,
    live: &[bool],
    reads: &BTreeSet<VarId>,
    dims: &BTreeMap<VarId, Ident>,
    var: VarId,
) -> bool {
    let mentions = |o: &Operand| matches!(o, Operand::Var(v) if *v == var);
    function
        .body
        .lets()
        .any(|s| live[s.var.0] && s.op.operands().into_iter().any(mentions))
        || reads.contains(&var)
        || dims.contains_key(&var)
        || mentions(&function.body.output)
}

/// Whether the forward sweep reads `var` after the statement binding `after`, or the residuals
/// or the output keep it.
pub fn needed_after(
    function: &Function,
    live: &[bool],
    reads: &BTreeSet<VarId>,
    dims: &BTreeMap<VarId, Ident>,
    var: VarId,
    after: VarId,
) -> bool {
    let mentions = |o: &Operand| matches!(o, Operand::Var(v) if *v == var);
    reads.contains(&var)
        || dims.contains_key(&var)
        || mentions(&function.body.output)
        || function
            .body
            .lets()
            .skip_while(|s| s.var != after)
            .skip(1)
            .any(|s| live[s.var.0] && s.op.operands().into_iter().any(mentions))
}
