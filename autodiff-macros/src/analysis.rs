//! Analyses of the lowered function, apart from the transformations that use them.
//!
//! In: a lowered [`Function`] and its types. Out: facts the reverse pass and the emitter read:
//! which variables depend on a differentiated parameter (activity), which are ndarray arrays,
//! which a callee may borrow, and which the forward sweep must compute (liveness). Each is a function over the body's statements, written so that a
//! fixpoint per loop drops in when bodies nest.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use proc_macro2::Ident;

use proc_macro2::TokenStream;

use crate::errors::Errors;
use crate::ssa::{Body, Function, Op, Operand, Stmt, VarId};
use crate::types::Types;

/// A variable's type as the reverse pass and the emitter read it, resolved once after lowering
/// ([`resolve_types`]), so that neither has to infer anything.
#[derive(Debug, Default)]
pub struct VarType {
    /// The written type, where inference determined it (`f64` for a lone float literal).
    pub written: Option<TokenStream>,
    /// The type, where something other than a literal's default determined it.
    pub determined: Option<TokenStream>,
    /// A zero of the type, where one can be written without a value to copy the length from.
    pub zero: Option<TokenStream>,
    /// For an array: a zero of its element type, where one can be written.
    pub element_zero: Option<TokenStream>,
    /// For an ndarray array: its number of axes, where known.
    pub ndarray: Option<Option<usize>>,
    /// For a fixed-size array: its length.
    pub fixed_len: Option<TokenStream>,
    /// An array of any kind, or a type only rustc knows (a callee's output): its cotangent
    /// accumulates with `Accumulate`, not `+=`.
    pub array: bool,
    /// Plain data (floats, integers, fixed-size arrays, references to them), which callees keep
    /// copies of.
    pub plain: bool,
    /// A type only rustc knows: a callee's output.
    pub opaque: bool,
}

/// Every variable's [`VarType`].
#[derive(Debug)]
pub struct TypeTable(Vec<VarType>);

impl TypeTable {
    pub fn of(&self, var: VarId) -> &VarType {
        &self.0[var.0]
    }
}

/// Resolves the type of every variable once, after lowering.
pub fn resolve_types(function: &Function, types: &mut Types) -> TypeTable {
    TypeTable(
        function
            .vars
            .iter()
            .map(|var| {
                let slot = var.ty;
                VarType {
                    written: types.resolve(slot),
                    determined: types.determined(slot),
                    zero: types.zero(slot),
                    element_zero: types.element_zero(slot),
                    ndarray: types.as_ndarray(slot).map(|(_, rank)| rank),
                    fixed_len: types.fixed_array_len(slot),
                    array: types.is_array(slot),
                    plain: types.is_plain(slot),
                    opaque: types.is_opaque(slot),
                }
            })
            .collect(),
    )
}

/// Where a variable is defined: the function's body, an arm of an `if` or a loop's body (each
/// named by its record variable). A value the reverse sweep reads is kept in the residuals
/// struct, the arm's record or the iteration's record accordingly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    Function,
    Then(VarId),
    Else(VarId),
    Loop(VarId),
}

/// Every variable's [`Scope`] (parameters: the function's).
pub fn scopes(function: &Function) -> HashMap<VarId, Scope> {
    fn walk(body: &Body, scope: Scope, out: &mut HashMap<VarId, Scope>) {
        for stmt in &body.stmts {
            match stmt {
                Stmt::Let(l) => {
                    out.insert(l.var, scope);
                    match &l.op {
                        Op::GradCall { residuals, .. } => {
                            out.insert(*residuals, scope);
                        }
                        Op::Map { derivative, .. } => {
                            out.insert(*derivative, scope);
                        }
                        _ => {}
                    }
                }
                Stmt::If(branch) => {
                    out.insert(branch.record, scope);
                    for phi in &branch.merges {
                        out.insert(phi.var, scope);
                    }
                    walk(&branch.then, Scope::Then(branch.record), out);
                    walk(&branch.else_, Scope::Else(branch.record), out);
                }
                Stmt::Loop(looped) => {
                    out.insert(looped.records, scope);
                    let inner = Scope::Loop(looped.records);
                    for c in &looped.carried {
                        out.insert(c.after, scope);
                        out.insert(c.inside, inner);
                    }
                    if let Some(index) = looped.index {
                        out.insert(index, inner);
                    }
                    if let Some(cond) = &looped.cond {
                        walk(&cond.body, inner, out);
                    }
                    walk(&looped.body, inner, out);
                }
            }
        }
    }
    let mut out: HashMap<VarId, Scope> = function
        .params
        .iter()
        .map(|p| (p.var, Scope::Function))
        .collect();
    walk(&function.body, Scope::Function, &mut out);
    out
}

/// Which variables' cotangents the reverse sweep needs: the output's, if it is differentiated,
/// then those of the active operands of statements whose cotangent is needed. Over a loop, to a
/// fixpoint: a carried variable needed at the start of an iteration is needed at the end of the
/// one before.
pub fn adjoint_needed(function: &Function) -> Vec<bool> {
    let mut needed = vec![false; function.vars.len()];
    if let Operand::Var(v) = &function.body.output
        && function.var(*v).active
    {
        needed[v.0] = true;
    }
    let need = |needed: &mut Vec<bool>, operand: &Operand| -> bool {
        match operand {
            Operand::Var(v) if function.var(*v).active && !needed[v.0] => {
                needed[v.0] = true;
                true
            }
            _ => false,
        }
    };
    fn walk(
        body: &Body,
        needed: &mut Vec<bool>,
        need: &dyn Fn(&mut Vec<bool>, &Operand) -> bool,
    ) -> bool {
        let mut changed = false;
        for stmt in body.stmts.iter().rev() {
            match stmt {
                Stmt::Let(stmt) => {
                    if needed[stmt.var.0] {
                        for operand in stmt.op.operands() {
                            changed |= need(needed, operand);
                        }
                    }
                }
                Stmt::If(branch) => {
                    for phi in &branch.merges {
                        if needed[phi.var.0] {
                            changed |= need(needed, &phi.then);
                            changed |= need(needed, &phi.else_);
                        }
                    }
                    changed |= walk(&branch.then, needed, need);
                    changed |= walk(&branch.else_, needed, need);
                }
                Stmt::Loop(looped) => {
                    for c in &looped.carried {
                        if needed[c.after.0] || needed[c.inside.0] {
                            changed |= need(needed, &c.next);
                            changed |= need(needed, &c.before);
                        }
                    }
                    if let Some(cond) = &looped.cond {
                        changed |= walk(&cond.body, needed, need);
                    }
                    changed |= walk(&looped.body, needed, need);
                }
            }
        }
        changed
    }
    while walk(&function.body, &mut needed, &need) {}
    needed
}

/// What the reverse pass would have to reject, reported before it runs: a statement whose
/// adjoint is needed and has no rule, a cotangent that must start as a zero of a type inference
/// left unknown.
pub fn validate(function: &Function, table: &TypeTable, errors: &mut Errors) {
    let needed = adjoint_needed(function);
    for stmt in function.body.lets() {
        // What activity over loops found active only now.
        let message = match &stmt.op {
            Op::Binary(crate::ssa::BinOp::Rem, ..) if function.var(stmt.var).active => {
                Some("`%` of a differentiated value has no derivative here; use it on integers")
            }
            Op::Cast(a, _) if function.is_active(a) => Some(
                "casting a differentiated value is not supported; write the function in one \
                 float type",
            ),
            Op::Index { index, .. } if function.is_active(index) => {
                Some("an index must be an integer: a literal or an integer parameter")
            }
            Op::Filled { value, .. } if function.is_active(value) => Some(
                "an array filled with a differentiated value is not supported; fill it with a \
                 constant (`[0.0; N]`) and write its elements",
            ),
            _ => None,
        };
        if let Some(message) = message {
            errors.push(syn::Error::new(stmt.span, message));
            continue;
        }
        if !needed[stmt.var.0] {
            continue;
        }
        if table.of(stmt.var).ndarray.is_some()
            && matches!(stmt.op, Op::Array(_) | Op::Tuple(_) | Op::Cast(..))
        {
            errors.push(syn::Error::new(
                stmt.span,
                "this expression does not give an ndarray array; build arrays from array \
                 parameters with arithmetic, `dot`, `t` and the `nn` functions",
            ));
            continue;
        }
        // Indexing declares its base's cotangent as a zero array.
        if let Op::Index {
            base: Operand::Var(base),
            ..
        } = &stmt.op
            && !function.params.iter().any(|p| p.var == *base)
            && table.of(*base).zero.is_none()
            && !table.of(*base).array
        {
            // The name as written (`w`), not its version's (`w_1`).
            let ident = &function.var(*base).name;
            let name = ident
                .span()
                .source_text()
                .unwrap_or_else(|| ident.to_string());
            errors.spanned(
                ident,
                format!(
                    "cannot infer the type of `{name}`, whose elements get cotangents; add a type \
                     annotation to its `let` (`let mut {name}: [f64; N] = ..`)"
                ),
            );
        }
    }
}

/// The values the residuals keep (`reads`) need a written type: reports each whose type
/// inference left unknown. Parameters and callees' residuals have theirs.
pub fn check_kept(
    function: &Function,
    reads: &BTreeSet<VarId>,
    table: &TypeTable,
    errors: &mut Errors,
) {
    for &var in reads {
        let param = function.params.iter().any(|p| p.var == var);
        let residuals = function
            .body
            .lets()
            .any(|s| matches!(&s.op, Op::GradCall { residuals, .. } if *residuals == var))
            || function.body.compounds().into_iter().any(|s| match s {
                Stmt::If(branch) => branch.record == var,
                Stmt::Loop(looped) => looped.records == var,
                Stmt::Let(_) => false,
            });
        if !param && !residuals && table.of(var).written.is_none() {
            let name = &function.var(var).name;
            errors.spanned(
                name,
                format!(
                    "cannot infer the type of `{name}`, which the gradient needs to keep; add a \
                     type annotation to its `let`"
                ),
            );
        }
    }
}

/// Whether `operand` is an ndarray array.
pub fn is_ndarray(table: &TypeTable, operand: &Operand) -> bool {
    match operand {
        Operand::Var(v) => table.of(*v).ndarray.is_some(),
        Operand::Const(_) => false,
    }
}

/// Whether the variable is a parameter written as a reference (so it is used without `&`).
pub fn is_borrowed(function: &Function, var: VarId) -> bool {
    function.var(var).borrowed
        || function
            .params
            .iter()
            .any(|p| p.var == var && p.by_reference)
}

/// Whether a call that cannot keep owned residuals (some argument is not plain data) passes a
/// borrow of a local of the forward half (`&b`, `b` made there or a by-value parameter): the
/// callee's residuals may keep it (an array, or a fixed-size array the callee takes as a
/// slice), so the caller cannot store them past the forward half.
pub fn borrows_a_local(function: &Function, args: &[Operand], borrowed: &[bool]) -> bool {
    args.iter().zip(borrowed).any(|(arg, &by_ref)| {
        by_ref && matches!(arg, Operand::Var(v) if !is_borrowed(function, *v))
    })
}

/// Whether a call passes only plain data, so that the caller keeps what borrows nothing
/// (`Ownable`): the callee's residuals themselves, or copies of the arguments.
pub fn keeps_owned(table: &TypeTable, args: &[Operand]) -> bool {
    !args.iter().any(|a| may_be_borrowed(table, a))
}

/// Whether a callee's residuals may keep a borrow of this argument: it is not plain data
/// (floats, integers, fixed-size arrays, references to them), which callees keep copies of.
pub fn may_be_borrowed(table: &TypeTable, arg: &Operand) -> bool {
    match arg {
        Operand::Var(v) => !table.of(*v).plain,
        Operand::Const(_) => false,
    }
}

/// Whether the result of `op` depends on a differentiated parameter, given its operands'
/// activity: the lowering asks as it binds each variable (its errors about differentiated
/// indices, exponents and casts need it there), and [`activity`] over the whole body.
pub fn is_active(function: &Function, op: &Op) -> bool {
    op_is_active(op, |o| function.is_active(o))
}

/// Every variable's activity, from the parameters' over the body. In straight-line code one
/// pass in order is exact; over a loop, passes repeat to a fixpoint, since a carried variable
/// may become active only in a later iteration.
pub fn activity(function: &mut Function) {
    let mut active = vec![false; function.vars.len()];
    for param in &function.params {
        active[param.var.0] = param.active;
    }
    fn of(active: &[bool], operand: &Operand) -> bool {
        matches!(operand, Operand::Var(v) if active[v.0])
    }
    fn set(active: &mut [bool], var: VarId, value: bool) -> bool {
        let changed = value && !active[var.0];
        active[var.0] |= value;
        changed
    }
    fn walk(body: &Body, active: &mut Vec<bool>) -> bool {
        let mut changed = false;
        for stmt in &body.stmts {
            match stmt {
                Stmt::Let(stmt) => {
                    let value = op_is_active(&stmt.op, |o| of(active, o));
                    changed |= set(active, stmt.var, value);
                }
                Stmt::If(branch) => {
                    changed |= walk(&branch.then, active);
                    changed |= walk(&branch.else_, active);
                    for phi in &branch.merges {
                        let value = of(active, &phi.then) || of(active, &phi.else_);
                        changed |= set(active, phi.var, value);
                    }
                }
                Stmt::Loop(looped) => {
                    for c in &looped.carried {
                        let value = of(active, &c.before) || of(active, &c.next);
                        changed |= set(active, c.inside, value);
                    }
                    if let Some(cond) = &looped.cond {
                        changed |= walk(&cond.body, active);
                    }
                    changed |= walk(&looped.body, active);
                    for c in &looped.carried {
                        let value = of(active, &c.before) || of(active, &c.next);
                        changed |= set(active, c.inside, value);
                        changed |= set(active, c.after, value);
                    }
                }
            }
        }
        changed
    }
    while walk(&function.body, &mut active) {}
    for (var, active) in function.vars.iter_mut().zip(active) {
        var.active = active;
    }
}

/// [`is_active`], with the operands' activity from `operand_active`.
fn op_is_active(op: &Op, operand_active: impl Fn(&Operand) -> bool) -> bool {
    match op {
        Op::Method { prim, .. } if prim.is_constant() => false,
        Op::Zeros { .. } | Op::NewVec { .. } => false,
        Op::FromElem { value, .. } => operand_active(value),
        Op::Concat { items, .. } => items.iter().any(operand_active),
        Op::Filled { value, .. } => operand_active(value),
        Op::Store { base, value, .. } => operand_active(base) || operand_active(value),
        Op::Cast(..)
        | Op::Compare(..)
        | Op::Not(_)
        | Op::Or(..)
        | Op::MinLen(..)
        | Op::Matches(..) => false,
        op => op.operands().into_iter().any(operand_active),
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
    fn mark(live: &mut [bool], operand: &Operand) -> bool {
        match operand {
            Operand::Var(v) if !live[v.0] => {
                live[v.0] = true;
                true
            }
            _ => false,
        }
    }
    /// One pass backwards; whether anything became live, and whether anything in the body is.
    fn walk(body: &Body, live: &mut Vec<bool>) -> (bool, bool) {
        let mut changed = false;
        let mut any = false;
        for stmt in body.stmts.iter().rev() {
            match stmt {
                Stmt::Let(stmt) => {
                    // A map's derivatives are made by the statement making its value.
                    if let Op::Map { derivative, .. } = &stmt.op
                        && live[derivative.0]
                    {
                        live[stmt.var.0] = true;
                    }
                    if live[stmt.var.0] {
                        any = true;
                        for operand in stmt.op.operands() {
                            changed |= mark(live, operand);
                        }
                    }
                }
                Stmt::If(branch) => {
                    let mut used = live[branch.record.0];
                    for phi in &branch.merges {
                        if live[phi.var.0] {
                            used = true;
                            changed |= mark(live, &phi.then);
                            changed |= mark(live, &phi.else_);
                        }
                    }
                    let (c, then) = walk(&branch.then, live);
                    changed |= c;
                    let (c, else_) = walk(&branch.else_, live);
                    changed |= c;
                    if used || then || else_ {
                        any = true;
                        changed |= mark(live, &branch.cond);
                    }
                }
                Stmt::Loop(looped) => {
                    let mut used = live[looped.records.0];
                    for c in &looped.carried {
                        if live[c.after.0] {
                            changed |= mark(live, &Operand::Var(c.inside));
                        }
                        if live[c.inside.0] {
                            used = true;
                            changed |= mark(live, &c.before);
                            changed |= mark(live, &c.next);
                        }
                    }
                    let (c, inner) = walk(&looped.body, live);
                    changed |= c;
                    if used || inner {
                        any = true;
                        // What decides how many iterations run.
                        for operand in looped.range.iter().flat_map(|r| r.operands()) {
                            changed |= mark(live, operand);
                        }
                        for &flag in &looped.exits {
                            changed |= mark(live, &Operand::Var(flag));
                        }
                        if let Some(cond) = &looped.cond {
                            changed |= mark(live, &cond.value);
                        }
                    }
                    if let Some(cond) = &looped.cond {
                        let (c, _) = walk(&cond.body, live);
                        changed |= c;
                    }
                }
            }
        }
        (changed, any)
    }
    while walk(&function.body, &mut live).0 {}
    live
}

/// Whether the forward sweep reads `var` (in a live statement after the one binding `after`, or
/// anywhere with `None`, or as the output), or the residuals keep it (`reads`, `dims`).
pub fn read_in_forward(
    function: &Function,
    live: &[bool],
    reads: &BTreeSet<VarId>,
    dims: &BTreeMap<VarId, Ident>,
    var: VarId,
    after: Option<VarId>,
) -> bool {
    let mentions = |o: &Operand| matches!(o, Operand::Var(v) if *v == var);
    // A local's shape is read where it is made; a parameter's when the residuals are built.
    let param = function.params.iter().any(|p| p.var == var);
    if reads.contains(&var) || (param && dims.contains_key(&var)) || mentions(&function.body.output)
    {
        return true;
    }
    let reads_var = |uses: Vec<(Option<VarId>, Vec<&Operand>)>| {
        uses.into_iter().any(|(defines, operands)| {
            defines.is_none_or(|d| live[d.0]) && operands.into_iter().any(mentions)
        })
    };
    let Some(after) = after else {
        return reads_var(function.body.uses().collect());
    };
    // The uses that can run after the statement binding `after`: the rest of its body, the
    // value its arm gives an `if`'s merges, a loop body's next iterations (for a value made
    // before the loop), and so on outwards. Not the other arm of an `if`.
    let scopes = scopes(function);
    let Some(path) = path_to(&function.body, after) else {
        return reads_var(function.body.uses().collect());
    };

    for (body, at, kind) in path.iter().rev() {
        let mut uses = Vec::new();
        for stmt in &body.stmts[at + 1..] {
            stmt.collect_uses(&mut uses);
        }
        match kind {
            Enclosing::Then(branch) => {
                uses.extend(
                    branch
                        .merges
                        .iter()
                        .map(|phi| (Some(phi.var), vec![&phi.then])),
                );
            }
            Enclosing::Else(branch) => {
                uses.extend(
                    branch
                        .merges
                        .iter()
                        .map(|phi| (Some(phi.var), vec![&phi.else_])),
                );
            }
            Enclosing::Loop(looped) => {
                uses.push((None, looped.carried.iter().map(|c| &c.next).collect()));
                // A value made before the loop is read again by the next iteration.
                if !defined_within(&scopes, var, looped.records) {
                    for stmt in &body.stmts[..=*at] {
                        stmt.collect_uses(&mut uses);
                    }
                }
            }
            Enclosing::Function => {}
        }
        if reads_var(uses) {
            return true;
        }
    }
    false
}

/// Whether `var` is defined inside the `if` or loop whose record is `record`, at any depth.
pub fn defined_within(scopes: &HashMap<VarId, Scope>, var: VarId, record: VarId) -> bool {
    let mut scope = scopes.get(&var).copied();
    while let Some(Scope::Then(r) | Scope::Else(r) | Scope::Loop(r)) = scope {
        if r == record {
            return true;
        }
        scope = scopes.get(&r).copied();
    }
    false
}

/// What a body on the way to a statement is.
enum Enclosing<'a> {
    Function,
    Then(&'a crate::ssa::If),
    Else(&'a crate::ssa::If),
    Loop(&'a crate::ssa::Loop),
}

/// The bodies from the function's down to the statement binding `var`, each with the index of
/// the statement on the way and what the body belongs to.
fn path_to(body: &Body, var: VarId) -> Option<Vec<(&Body, usize, Enclosing<'_>)>> {
    fn walk<'a>(
        body: &'a Body,
        kind: Enclosing<'a>,
        var: VarId,
        path: &mut Vec<(&'a Body, usize, Enclosing<'a>)>,
    ) -> bool {
        for (at, stmt) in body.stmts.iter().enumerate() {
            let found = match stmt {
                Stmt::Let(l) => l.var == var,
                Stmt::If(branch) => {
                    path.push((body, at, clone_kind(&kind)));
                    if walk(&branch.then, Enclosing::Then(branch), var, path)
                        || walk(&branch.else_, Enclosing::Else(branch), var, path)
                    {
                        return true;
                    }
                    path.pop();
                    branch.merges.iter().any(|phi| phi.var == var)
                }
                Stmt::Loop(looped) => {
                    path.push((body, at, clone_kind(&kind)));
                    if walk(&looped.body, Enclosing::Loop(looped), var, path) {
                        return true;
                    }
                    path.pop();
                    looped.carried.iter().any(|c| c.after == var)
                }
            };
            if found {
                path.push((body, at, kind));
                return true;
            }
        }
        false
    }
    fn clone_kind<'a>(kind: &Enclosing<'a>) -> Enclosing<'a> {
        match kind {
            Enclosing::Function => Enclosing::Function,
            Enclosing::Then(b) => Enclosing::Then(b),
            Enclosing::Else(b) => Enclosing::Else(b),
            Enclosing::Loop(l) => Enclosing::Loop(l),
        }
    }
    let mut path = Vec::new();
    walk(body, Enclosing::Function, var, &mut path).then_some(path)
}
