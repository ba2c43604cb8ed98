//! Analyses of the lowered function, apart from the transformations that use them.
//!
//! In: a lowered [`Function`] and its types. Out: facts the reverse pass and the emitter read:
//! which variables depend on a differentiated parameter (activity), which are ndarray arrays,
//! which a callee may borrow, and which the forward sweep must compute (liveness). Each is a function over the body's statements, written so that a
//! fixpoint per loop drops in when bodies nest.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::Ident;

use proc_macro2::TokenStream;

use crate::errors::Errors;
use crate::ssa::{Function, Op, Operand, Stmt, VarId};
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

/// Which variables' cotangents the reverse sweep needs: the output's, if it is differentiated,
/// then those of the active operands of statements whose cotangent is needed.
pub fn adjoint_needed(function: &Function) -> Vec<bool> {
    let mut needed = vec![false; function.vars.len()];
    if let Operand::Var(v) = &function.body.output
        && function.var(*v).active
    {
        needed[v.0] = true;
    }
    for stmt in function.body.lets().rev() {
        if !needed[stmt.var.0] {
            continue;
        }
        for operand in stmt.op.operands() {
            if let Operand::Var(v) = operand
                && function.var(*v).active
            {
                needed[v.0] = true;
            }
        }
    }
    needed
}

/// What the reverse pass would have to reject, reported before it runs: a statement whose
/// adjoint is needed and has no rule, a cotangent that must start as a zero of a type inference
/// left unknown.
pub fn validate(function: &Function, table: &TypeTable, errors: &mut Errors) {
    let needed = adjoint_needed(function);
    for stmt in function.body.lets() {
        if !needed[stmt.var.0] {
            continue;
        }
        if table.of(stmt.var).ndarray.is_some()
            && matches!(
                stmt.op,
                Op::Index { .. } | Op::Array(_) | Op::Tuple(_) | Op::Cast(..)
            )
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
            let name = &function.var(*base).name;
            errors.spanned(
                name,
                format!("cannot infer the type of `{name}`; add a type annotation"),
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
            .any(|s| matches!(&s.op, Op::GradCall { residuals, .. } if *residuals == var));
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
    function
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
    let mut lets = function.body.lets();
    if let Some(after) = after {
        lets.by_ref().find(|s| s.var == after);
    }
    reads.contains(&var)
        || dims.contains_key(&var)
        || mentions(&function.body.output)
        || lets.any(|s| live[s.var.0] && s.op.operands().into_iter().any(mentions))
}
