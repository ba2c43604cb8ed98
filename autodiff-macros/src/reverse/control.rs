//! The reverse of control flow: a body's statements backwards, an `if` as a `match` on the
//! record of the arm that ran, a loop as its iterations backwards.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Cx, Raw, rules};
use crate::analysis::Scope;
use crate::ssa::{Adaptor, BinOp, Body, If, Let, Loop, Op, Operand, Range, Stmt};

/// Appends the contributions of every statement of `body` whose cotangent is needed, last
/// statement first.
pub(super) fn body(cx: &mut Cx, body: &Body, needed: &[bool]) {
    for stmt in body.stmts.iter().rev() {
        match stmt {
            Stmt::Let(stmt) => {
                if needed[stmt.var.0] && !cx.fused.contains(&stmt.var) {
                    rules::rule(cx, stmt);
                }
            }
            Stmt::If(branch) => if_rule(cx, branch, needed),
            Stmt::Loop(looped) => loop_rule(cx, looped, needed),
        }
    }
}

/// The arm that ran, from the record: each merged cotangent goes to the value that arm gave.
fn if_rule(cx: &mut Cx, branch: &If, needed: &[bool]) {
    let merges: Vec<_> = branch
        .merges
        .iter()
        .filter(|phi| needed[phi.var.0])
        .collect();
    if merges.is_empty() {
        return;
    }
    cx.primal(&Operand::Var(branch.record));
    let mut arms = Vec::new();
    for then in [true, false] {
        let saved = cx.enter();
        for phi in &merges {
            let bar = cx.bar(phi.var);
            let value = if then { &phi.then } else { &phi.else_ };
            cx.add(value, quote!(#bar));
        }
        body(cx, if then { &branch.then } else { &branch.else_ }, needed);
        arms.push(cx.leave(saved));
    }
    let else_ = arms.pop().expect("two arms");
    let then = arms.pop().expect("two arms");
    cx.raw.push(Raw::If {
        record: branch.record,
        ensure: merges.iter().map(|phi| phi.var).collect(),
        then,
        else_,
    });
}

/// The iterations backwards. The cotangent of each carried variable's `after` carries it: an
/// iteration starts by adding it into `next`'s and ends by setting it to `inside`'s.
fn loop_rule(cx: &mut Cx, looped: &Loop, needed: &[bool]) {
    let carried: Vec<_> = looped
        .carried
        .iter()
        .filter(|c| cx.function.var(c.inside).active && (needed[c.after.0] || needed[c.inside.0]))
        .collect();
    if carried.is_empty() {
        return;
    }
    // Elements read alike in every iteration (`xc[i]` inside `for j` of ADBench's GMM): their
    // cotangents add up over the iterations in a local, declared before the loop, and their
    // rules (`bar_xc[i] += ..`, a load and a store) run once, after it. Only element reads: a
    // scalar's cotangent is a local anyway, and summing `-k`'s too cost the Euler stepper's
    // checkpointed gradient 9 % (`cargo bench --bench control_flow`). The same for a
    // checkpointed loop, so that its gradient is the plain loop's to the bit.
    let invariants: Vec<&Let> = looped
        .body
        .stmts
        .iter()
        .filter(|_| looped.range.is_some())
        .filter_map(|s| match s {
            Stmt::Let(l)
                if needed[l.var.0]
                    && cx.function.var(l.var).active
                    && !cx.types.of(l.var).array
                    && !cx.fused.contains(&l.var)
                    && matches!(l.op, Op::Index { .. })
                    && crate::lower::invariant(&l.op, looped.records, &cx.scopes, &[]) =>
            {
                Some(l)
            }
            _ => None,
        })
        .collect();
    for l in &invariants {
        cx.bar(l.var);
        cx.fused.insert(l.var);
        cx.summed.insert(l.var);
    }
    let saved = cx.enter_loop();
    for c in &carried {
        let bar = cx.bar(c.after);
        cx.add(&c.next, quote!(#bar));
    }
    body(cx, &looped.body, needed);
    for c in &carried {
        let mut targets = Vec::new();
        for raw in &cx.raw {
            raw.targets(&mut targets);
        }
        let value = targets.contains(&c.inside).then(|| {
            let bar = cx.bar(c.inside);
            quote!(#bar)
        });
        cx.bar(c.after);
        cx.raw.push(Raw::Assign {
            target: c.after,
            value,
        });
    }
    let mut body_raw = cx.leave(saved);
    // Where each iteration's reverse starts: the running counters' values, from their values at
    // the iteration's end, and the kept values computed again.
    let scope = Scope::Loop(looped.records);
    let mut first = Vec::new();
    let runs: Vec<_> = cx
        .runs
        .iter()
        .filter(|r| r.records() == looped.records)
        .cloned()
        .collect();
    for run in &runs {
        let name = cx.function.var(run.inside()).name.clone();
        first.push(Raw::Let {
            name: name.clone(),
            value: run.start(),
            mutable: false,
        });
        first.push(Raw::Set {
            name: run.end.clone(),
            op: quote!(=),
            value: quote!(#name),
        });
    }
    for again in cx.again.iter().filter(|a| a.scope == scope) {
        first.push(Raw::Let {
            name: cx.function.var(again.kept).name.clone(),
            value: again.value.clone(),
            mutable: false,
        });
    }
    body_raw.splice(0..0, first);
    if let Some(checkpoint) = &looped.checkpoint {
        // The reverse runs each iteration's body again from its carried values: what the body
        // reads from outside the loop is kept, the body's own values are not. With `every` and
        // `snapshots` it runs whole segments of the loop again: the range and the condition too.
        let mut uses = Vec::new();
        looped.body.collect_uses_into(&mut uses);
        if checkpoint.segments() {
            if let Some(range) = &looped.range {
                uses.push((None, range.operands()));
            }
            if let Some(cond) = &looped.cond {
                cond.body.collect_uses_into(&mut uses);
                uses.push((None, vec![&cond.value]));
            }
        }
        for (_, operands) in uses {
            for operand in operands {
                if let Operand::Var(v) = operand
                    && !crate::analysis::defined_within(&cx.scopes, *v, looped.records)
                {
                    if checkpoint.segments() {
                        // Read as it is: the rerun names it.
                        let at = if cx.depth == 0 {
                            cx.raw.len()
                        } else {
                            cx.compound_at
                        };
                        cx.reads.insert(*v);
                        cx.last_read.insert(*v, at);
                    } else {
                        cx.primal(operand);
                    }
                }
            }
        }
    }
    // What the body's reverse read that the body defines: kept in the records, except the
    // index where the reversed range gives it again. A loop whose range does not say how many
    // iterations ran keeps a record for each, if empty.
    let recomputed = looped.recomputes_index().then_some(looped.index).flatten();
    // A checkpointed body run again reads its index even where no adjoint does (`x[i] - w`
    // under `wrt(w)`).
    let rerun_reads_index = looped.checkpoint.is_some()
        && recomputed.is_some_and(|i| {
            let mut uses = Vec::new();
            looped.body.collect_uses_into(&mut uses);
            uses.iter().any(|(_, operands)| {
                operands
                    .iter()
                    .any(|o| matches!(o, Operand::Var(v) if *v == i))
            })
        });
    let index_read = recomputed.is_some_and(|i| cx.reads.contains(&i)) || rerun_reads_index;
    let scope = Scope::Loop(looped.records);
    let keeps_records = !looped.recomputes_index()
        || looped.checkpoint.is_some()
        || cx.reads.iter().chain(cx.dims.keys()).any(|v| {
            cx.scopes.get(v) == Some(&scope) && Some(*v) != recomputed && !flat_records(cx, *v)
        });
    if keeps_records {
        cx.primal(&Operand::Var(looped.records));
    }
    let index = match &looped.range {
        Some(range)
            if looped.recomputes_index()
                && (index_read || !keeps_records || looped.flat_records()) =>
        {
            // Iterations whose reverses touch nothing another's does (but sums) run in the
            // forward's order: the rows of a triangle then stream forward through memory.
            let range = if !keeps_records && looped.checkpoint.is_none() && independent(cx, looped)
            {
                forward_range(range, |o| cx.primal(o))
            } else {
                reversed(cx, range)
            };
            Some((recomputed.filter(|_| index_read), range))
        }
        _ => None,
    };
    for run in &runs {
        let end = cx.end_of(run);
        cx.raw.extend(end);
    }
    cx.raw.push(Raw::Loop {
        record: looped.records,
        keeps: keeps_records,
        index,
        ensure: carried
            .iter()
            .map(|c| c.after)
            .chain(invariants.iter().map(|l| l.var))
            .collect(),
        body: body_raw,
    });
    // The rules run once after the loop, if it ran an iteration (`for _ in (a..b).take(1)`):
    // a loop that ran none read nothing (`x[k]` may be out of bounds) and its `0 · ∞` must not
    // make a NaN.
    if !invariants.is_empty()
        && let Some(range) = &looped.range
    {
        let range = forward_range(range, |o| cx.primal(o));
        let saved = cx.enter();
        for l in invariants.iter().rev() {
            cx.fused.remove(&l.var);
            super::rules::rule(cx, l);
        }
        let body = cx.leave(saved);
        cx.raw.push(Raw::Loop {
            // No record: the guard keeps nothing (no loop has this variable for its record).
            record: invariants[0].var,
            keeps: false,
            index: Some((None, quote!((#range).take(1)))),
            ensure: Vec::new(),
            body,
        });
    }
    for c in &carried {
        let bar = cx.bar(c.after);
        cx.add(&c.before, quote!(#bar));
    }
}

/// Whether the reverses of the loop's iterations can run in any order (Tapenade's II-LOOP), and
/// gain by running forwards: each touches the cotangents of the values carried from one
/// iteration to the next only where no other iteration does, and adds into every other
/// cotangent (`bar_icf[k] += ..`; additions commute, up to rounding).
/// The loop keeps no records (so its reverse reads no value of an iteration but those computed
/// again from the index or kept outside the loop), its body is straight-line, each other
/// differentiated array is read at one element of its own per iteration (at the index or at a
/// counter of the loop) or at one element the same in all, and each differentiated carried
/// value is
///
/// * a sum, `s = s + e` (or `e + s`, `s - e`), `s` read by nothing else and the new `s` by no
///   statement of the body: its cotangent is the same in every iteration; or
/// * an array read and stored at the loop's index only (`qxc[j] += ..`): iteration `j` touches
///   element `j` of its cotangent, which no other iteration does.
///
/// The reverse of ADBench GMM's triangle, `for j in i + 1..d { qxc[j] += icf[lparams] * xc[i];
/// lparams += 1; }`, runs `j` upwards: each row of `icf` and its cotangent is read forward, as
/// the hardware prefetches best (1.18 -> 1.01 x the hand-written gradient at d = 64, K = 10).
fn independent(cx: &Cx, looped: &Loop) -> bool {
    let Some(index) = looped.index else {
        return false;
    };
    // A running counter is carried backwards (a body with an inner loop is not straight-line
    // anyway).
    if cx.runs.iter().any(|r| r.records() == looped.records) {
        return false;
    }
    let mut lets = Vec::new();
    for stmt in &looped.body.stmts {
        match stmt {
            Stmt::Let(l) => lets.push(l),
            _ => return false,
        }
    }
    let is = |o: &Operand, v: crate::ssa::VarId| matches!(o, Operand::Var(w) if *w == v);
    // The elements of the other differentiated arrays the body reads: one per iteration and
    // array (at the index, or at a counter of this loop), or the same in every iteration. Where
    // two iterations add into one element (`bar_x[i + 1]`, then `bar_x[i]` of the next), running
    // them forwards makes each wait for the other's store (Rosenbrock: 1.07 -> 1.31 x hand).
    let mut read_at: Vec<(crate::ssa::VarId, &Operand)> = Vec::new();
    for l in &lets {
        let Op::Index {
            base: Operand::Var(base),
            index: at,
        } = &l.op
        else {
            continue;
        };
        if !cx.function.var(*base).active
            || looped.carried.iter().any(|c| c.inside == *base)
            || match at {
                Operand::Const(_) => true,
                Operand::Var(v) => !crate::analysis::defined_within(&cx.scopes, *v, looped.records),
            }
        {
            continue;
        }
        let per_iteration = is(at, index)
            || matches!(at, Operand::Var(v)
                if cx.counters.get(v).is_some_and(|c| std::ptr::eq(c.looped, looped)));
        match read_at.iter().find(|(b, _)| b == base) {
            _ if !per_iteration => return false,
            Some((_, other)) if !other.same_as(at) => return false,
            Some(_) => {}
            None => read_at.push((*base, at)),
        }
    }
    looped.carried.iter().all(|c| {
        if !cx.function.var(c.inside).active {
            return true;
        }
        let Operand::Var(next) = c.next else {
            return false;
        };
        if cx.types.of(c.inside).array {
            // The versions of the array in the body: each stored into once, at the index, and
            // otherwise only read at the index.
            let mut versions = vec![c.inside];
            for l in &lets {
                let in_versions = |o: &Operand| versions.iter().any(|v| is(o, *v));
                match &l.op {
                    Op::Store {
                        base,
                        index: at,
                        value,
                    } if in_versions(base) && is(at, index) && !in_versions(value) => {
                        if !is(base, *versions.last().expect("the inside version")) {
                            return false;
                        }
                        versions.push(l.var);
                    }
                    Op::Index { base, index: at } if in_versions(base) && is(at, index) => {}
                    op if op.operands().into_iter().any(in_versions) => return false,
                    _ => {}
                }
            }
            versions.last() == Some(&next)
        } else {
            let uses = |v: crate::ssa::VarId| {
                lets.iter()
                    .flat_map(|l| l.op.operands())
                    .filter(|o| is(o, v))
                    .count()
            };
            let sum = lets.iter().any(|l| {
                l.var == next
                    && match &l.op {
                        Op::Binary(BinOp::Add, a, b) => is(a, c.inside) || is(b, c.inside),
                        Op::Binary(BinOp::Sub, a, _) => is(a, c.inside),
                        _ => false,
                    }
            });
            sum && uses(c.inside) == 1 && uses(next) == 0
        }
    })
}

/// Whether `var` is the records of a nested loop kept in one `Vec` for the whole call (with the
/// function's residuals, not an enclosing iteration's record).
fn flat_records(cx: &Cx, var: crate::ssa::VarId) -> bool {
    cx.function
        .body
        .compounds()
        .into_iter()
        .any(|s| matches!(s, Stmt::Loop(looped) if looped.records == var && looped.flat_records()))
}

/// The range run backwards: `(a..b).rev()`, and `(a..b).rev()` reversed is `(a..b)`.
fn reversed(cx: &mut Cx, range: &Range) -> TokenStream {
    if let Some(Adaptor::Rev) = range.adaptors.last() {
        let mut without = range.clone();
        without.adaptors.pop();
        let tokens = forward_range(&without, |o| cx.primal(o));
        return if without.adaptors.is_empty() {
            quote!((#tokens))
        } else {
            tokens
        };
    }
    let tokens = forward_range(range, |o| cx.primal(o));
    if range.adaptors.is_empty() {
        quote!((#tokens).rev())
    } else {
        quote!(#tokens.rev())
    }
}

/// The range as the forward sweep writes it, each operand through `operand`.
pub fn forward_range(
    range: &Range,
    mut operand: impl FnMut(&Operand) -> TokenStream,
) -> TokenStream {
    let (start, end) = (operand(&range.start), operand(&range.end));
    let mut tokens = if range.inclusive {
        quote!(#start..=#end)
    } else {
        quote!(#start..#end)
    };
    if !range.adaptors.is_empty() {
        tokens = quote!((#tokens));
    }
    for adaptor in &range.adaptors {
        tokens = match adaptor {
            Adaptor::Rev => quote!(#tokens.rev()),
            Adaptor::StepBy(step) => {
                let step = operand(step);
                quote!(#tokens.step_by(#step))
            }
        };
    }
    tokens
}
