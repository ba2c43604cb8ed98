//! Values a loop computes alike in every iteration, carried out of it for the reverse sweep.
//!
//! In: the lowered function, after activity and types. Out: the same function where each
//! loop-invariant scalar `let` of a loop body (every operand defined outside the loop: `xc[i]`
//! inside `for j in ..` of ADBench's GMM) is also carried out of the loop, so that the reverse
//! sweep, when it needs the value, reads it once per run of the loop (kept with the enclosing
//! body) instead of once per iteration (kept in the loop's records):
//!
//! ```text
//! for j in a..b { let t = xc[i]; .. }        let mut t_seen = 0.0;
//!                                      →     for j in a..b { let t = xc[i]; ..; t_seen = t; }
//!                                            let t_kept = t_seen;
//! ```
//!
//! The statement stays where it is (an index read hoisted out of a loop that runs no iteration
//! could panic); only its value leaves the loop. [`Function::invariants`] maps `t` to `t_kept`,
//! which the reverse sweep reads in its place (`reverse::Cx::primal`). Where the reverse sweep
//! does not read `t`, `t_kept` is dead and the forward sweep does not write the carry.
//!
//! A differentiated element of a local array read in the body itself (not in a branch or an
//! inner loop) of a `for` loop that runs every iteration to its end, with an index from outside
//! the loop, is also taken once before the loop, if it runs an iteration
//! ([`Function::hoisted`]; the forward sweep writes `for _ in (a..b).take(1) { t_seen = xc[i]; }`
//! and `let t = t_seen;` in the body): rustc cannot tell that a store in the loop (`qxc[j] = ..`)
//! leaves `xc[i]` alone, and reads it again in every iteration, which kept the loop from being
//! vectorized (ADBench's GMM, `BENCHMARKS.md`).

use std::collections::HashMap;

use crate::analysis::{Scope, defined_within, scopes};
use crate::naming::Names;
use crate::ssa::{Carried, Function, Op, Operand, Stmt, Var, VarId};
use crate::types::Types;

/// Carries each loop-invariant scalar `let` of every loop body out of its loop (see the
/// module's documentation), recording the pairs in [`Function::invariants`].
pub fn carry_invariants(function: &mut Function, types: &mut Types, names: &mut Names) {
    let scopes = scopes(function);
    let mut body = std::mem::take(&mut function.body.stmts);
    walk(&mut body, function, types, names, &scopes);
    function.body.stmts = body;
}

fn walk(
    stmts: &mut [Stmt],
    function: &mut Function,
    types: &mut Types,
    names: &mut Names,
    scopes: &HashMap<VarId, Scope>,
) {
    for stmt in stmts {
        match stmt {
            Stmt::Let(_) => {}
            Stmt::If(branch) => {
                walk(&mut branch.then.stmts, function, types, names, scopes);
                walk(&mut branch.else_.stmts, function, types, names, scopes);
            }
            Stmt::Loop(looped) => {
                walk(&mut looped.body.stmts, function, types, names, scopes);
                // A checkpointed loop's carried values are its snapshots: not widened.
                if looped.checkpoint.is_some() {
                    continue;
                }
                // In order, so that a value of invariants is one too (`x[i].exp()`: `x[i]`, then
                // its `exp`).
                let mut candidates: Vec<VarId> = Vec::new();
                // Element reads that can be taken before the loop: in the body itself of a `for`
                // loop that runs each iteration to its end, of a local array (a borrowed
                // parameter is one rustc knows no store changes), differentiated (a float, of
                // which `t_seen` starts as a zero), indexed by values from outside.
                let mut hoistable: Vec<VarId> = Vec::new();
                let runs_through = looped.range.is_some() && looped.exits.is_empty();
                for s in &looped.body.stmts {
                    if let Stmt::Let(l) = s
                        && invariant(&l.op, looped.records, scopes, &candidates)
                    {
                        candidates.push(l.var);
                        if runs_through
                            && function.var(l.var).active
                            && matches!(&l.op, Op::Index { base: Operand::Var(b), .. }
                                if !function.params.iter().any(|p| p.var == *b))
                            && invariant(&l.op, looped.records, scopes, &[])
                        {
                            hoistable.push(l.var);
                        }
                    }
                }
                for var in candidates {
                    let slot = function.var(var).ty;
                    if types.is_array(slot) {
                        continue;
                    }
                    let Some(zero) = types.zero(slot) else {
                        continue;
                    };
                    let primal = function.var(var).name.clone();
                    let span = primal.span();
                    let mut new_var = |suffix: &str| {
                        let name = names.fresh(&format!("{primal}_{suffix}"), span);
                        function.vars.push(Var {
                            name,
                            active: false,
                            ty: slot,
                            borrowed: false,
                        });
                        VarId(function.vars.len() - 1)
                    };
                    let inside = new_var("seen");
                    let after = new_var("kept");
                    looped.carried.push(Carried {
                        before: Operand::Const(zero),
                        inside,
                        next: Operand::Var(var),
                        after,
                    });
                    function.invariants.insert(var, after);
                    if hoistable.contains(&var) {
                        function.hoisted.insert(var);
                    }
                }
            }
        }
    }
}

/// Whether `op` gives the same value in every iteration of the loop whose record is `record`:
/// a pure operation on operands defined outside it or found the same in every iteration
/// (`invariants`, defined before it in the loop's body).
pub fn invariant(
    op: &Op,
    record: VarId,
    scopes: &HashMap<VarId, Scope>,
    invariants: &[VarId],
) -> bool {
    let pure = matches!(
        op,
        Op::Index { .. } | Op::Binary(..) | Op::Neg(_) | Op::Method { .. } | Op::Cast(..)
    );
    pure && op.operands().into_iter().all(|operand| match operand {
        Operand::Var(v) => !defined_within(scopes, *v, record) || invariants.contains(v),
        Operand::Const(_) => true,
    })
}
