//! Lowering of a function body to SSA (`ssa.rs`).
//!
//! In: the validated [`Input`]. Out: a [`Function`] with one primitive operation per statement,
//! each variable's activity and type slot, or an error under every construct outside the
//! straight-line subset, saying what to write instead.

use std::collections::{HashMap, HashSet};

use proc_macro2::Span;
use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::{Expr, Lit, Local, Pat, Stmt as SynStmt, Type, UnOp};

use crate::errors::Errors;
use crate::input::Input;
use crate::naming::Names;
use crate::primitives::{self, Arg, Output, Syntax};
use crate::ssa::{BinOp, Body, Function, Let, Op, Operand, Param, Stmt, Var, VarId};
use crate::types::{Slot, Types};

mod beside;
mod closures;
mod control;
mod invariants;
mod jumps;

pub use beside::add_beside;
pub use closures::type_map_derivatives;
pub use invariants::{carry_invariants, invariant};

pub struct Lowered {
    pub function: Function,
    pub types: Types,
}

/// After activity: a call taken for a constant while lowering (none of its arguments was
/// differentiated yet) that a loop made active gets its callee's output type, as an active
/// call does (`let w = g(acc, k);` in a loop carrying `acc`).
pub fn type_active_calls(function: &Function, types: &mut Types) {
    for stmt in function.body.lets() {
        if let Op::GradCall { alias, float, .. } = &stmt.op
            && function.var(stmt.var).active
        {
            let slot = function.var(stmt.var).ty;
            if types.is_unseen_constant(slot) {
                let kept = crate::descriptor::kept(alias, float);
                let output: Type = syn::parse_quote!(#kept::Output);
                let written = types.written(&output);
                types.unify(slot, written);
            }
        }
    }
}

/// A loop index whose type nothing wrote (`for j in (0..=N3).step_by(2)`, `N3` a `const` the
/// macro cannot see) is a `usize`, not the `i32` an integer literal defaults to: the records that
/// keep it then agree with the loop rustc infers.
pub fn type_loop_indices(function: &Function, types: &mut Types) {
    for stmt in function.body.compounds() {
        let Stmt::Loop(looped) = stmt else { continue };
        // The index and the range's bounds have one type: where nothing wrote it (`let mut k =
        // 0; while k < N4 { k += 1; for _ in 0..k { .. } }`), a `usize` for all of them, as
        // rustc infers from `N4: usize`, where the records would otherwise say `i32`.
        let mut slots: Vec<Slot> = looped
            .index
            .map(|i| function.var(i).ty)
            .into_iter()
            .collect();
        if let Some(range) = &looped.range {
            for bound in [&range.start, &range.end] {
                if let Operand::Var(v) = bound {
                    slots.push(function.var(*v).ty);
                }
            }
        }
        if !slots.is_empty() && slots.iter().all(|&slot| types.determined(slot).is_none()) {
            let usize_ty: Type = syn::parse_quote!(usize);
            let written = types.written(&usize_ty);
            for slot in slots {
                types.unify(slot, written);
            }
        }
    }
}

pub fn lower(input: &Input, names: &mut Names, errors: &mut Errors) -> Lowered {
    let mut cx = Lowerer {
        function: Function {
            vars: Vec::new(),
            params: Vec::new(),
            body: Body {
                stmts: Vec::new(),
                output: Operand::Const(quote!(0.0)),
            },
            callees: Default::default(),
            closures: Vec::new(),
            invariants: Default::default(),
            hoisted: Default::default(),
            beside: Default::default(),
        },
        types: Types::default(),
        env: HashMap::new(),
        bound: HashSet::new(),
        poisoned: HashSet::new(),
        names,
        errors,
        float: input.float_type(),
        type_params: crate::input::float_type_params(&input.item.sig),
        caller: input.item.sig.ident.clone(),
        generics: input.item.sig.generics.clone(),
        closure_bindings: HashMap::new(),
        fields: HashMap::new(),
        unnamed_elements: HashSet::new(),
        stmts: Vec::new(),
        compounds: 0,
        loops: Vec::new(),
        returns: None,
        blocks: Vec::new(),
    };
    for param in &input.params {
        let slot = cx.types.written(&param.ty);
        let name = cx
            .names
            .variable(&param.ident.to_string(), param.ident.span(), true);
        cx.bound.insert(param.ident.to_string());
        let var = cx.new_var(name, param.active, slot);
        cx.env.insert(param.ident.to_string(), var);
        cx.function.params.push(Param {
            var,
            active: param.active,
            by_reference: matches!(*param.ty, Type::Reference(_)),
        });
    }
    // A tuple parameter's elements, read once at the start (`let p_0 = p.0;`), which `p.0` and
    // `let (a, b) = p;` then name: an array element is indexed where it lives, and each
    // element's cotangent adds up on its own, into the tuple's at the end.
    for (i, param) in input.params.iter().enumerate() {
        if param.shape == crate::input::Shape::Tuple {
            let var = cx.function.params[i].var;
            cx.split_tuple(var, &param.ident.to_string(), param.ident.span());
        }
    }
    crate::checkpoint::misplaced(&input.item.block, cx.errors);
    let output = cx.body(&input.item.block.stmts, input.item.block.span());
    cx.function.body.stmts = std::mem::take(&mut cx.stmts);
    // A fallible method (`x.mean()`) or `concatenate` the user did not unwrap.
    for stmt in cx.function.body.lets() {
        if let Op::Concat { unwrap: None, .. } = &stmt.op {
            cx.errors.push(syn::Error::new(
                stmt.span,
                "ndarray's `concatenate` and `stack` return a `Result`; write `.unwrap()` or \
                 `.expect(\"..\")` right after it",
            ));
        }
        if let Op::Method {
            prim, unwrap: None, ..
        } = &stmt.op
            && prim.fallible
        {
            cx.errors.push(syn::Error::new(
                stmt.span,
                format!(
                    "ndarray's `{}` returns an `Option` or a `Result`; write `.unwrap()` or \
                     `.expect(\"..\")` right after it",
                    prim.name
                ),
            ));
        }
    }
    if let Some(output) = output {
        let declared = cx.types.written(&input.output);
        let slot = cx.slot_of(&output);
        cx.types.unify(declared, slot);
        cx.function.body.output = output;
    }
    Lowered {
        function: cx.function,
        types: cx.types,
    }
}

struct Lowerer<'a> {
    function: Function,
    types: Types,
    /// The variable each user name currently denotes.
    env: HashMap<String, VarId>,
    /// User names bound at least once (a second binding gets a numbered name).
    bound: HashSet<String>,
    /// User names whose binding failed with an error, and not bound again since.
    poisoned: HashSet<String>,
    names: &'a mut Names,
    errors: &'a mut Errors,
    /// The float type callees' descriptors are asked for where no argument tells
    /// ([`Input::float_type`]).
    float: Type,
    /// The function's type parameters that are float types ([`crate::input::float_type_params`]).
    type_params: Vec<syn::Ident>,
    /// The function's name, which the aliases of its callees start with.
    caller: syn::Ident,
    /// The function's generics, which the functions made of its closures take too.
    generics: syn::Generics,
    /// Closures bound by `let` (`let sigmoid = |z| ..;`), which `mapv` may apply by name.
    closure_bindings: HashMap<String, syn::ExprClosure>,
    /// The elements of tuple-valued variables, where they are variables already: a tuple
    /// parameter's ([`Lowerer::split_tuple`]), a tuple expression's items, and those of a
    /// rebinding of either. `p.0` and `let (a, b) = p;` read them instead of the tuple.
    fields: HashMap<VarId, Vec<Operand>>,
    /// The elements [`Lowerer::split_tuple`] made that still have the name it gave them
    /// (`p_0`): the first `let` that binds one to a name of the user's names it so.
    unnamed_elements: HashSet<VarId>,
    /// The statements of the body being lowered (the function's, or an arm's or a loop's).
    stmts: Vec<Stmt>,
    /// How many `if`s and loops have been lowered, which numbers their records.
    compounds: usize,
    /// The loops around the statement being lowered, innermost last.
    loops: Vec<jumps::LoopFrame>,
    /// Where the body returns early: its flag and value.
    returns: Option<jumps::ReturnFrame>,
    /// For each block being lowered (an arm, a loop body), the bindings its `let`s shadowed.
    blocks: Vec<HashMap<String, Option<VarId>>>,
}

/// The name the result of an expression should get: a user variable's or a temporary.
#[derive(Clone)]
struct Hint {
    user: String,
    span: Span,
}

const WHAT_A_BODY_HOLDS: &str = "a #[grad] function body is numeric code: `let` bindings, \
                             arithmetic, float and array methods, indexing, `if`, `match` and \
                             loops";

impl Lowerer<'_> {
    /// Binds each element of the tuple `var` (of a tuple type the macro can read) to a
    /// variable of its own, `<name>_0`, `<name>_1`, …, nested tuples too, and records them as
    /// its [`fields`](Lowerer::fields).
    fn split_tuple(&mut self, var: VarId, name: &str, span: Span) {
        let slot = self.function.var(var).ty;
        let Some(Type::Tuple(tuple)) = self
            .types
            .resolve(slot)
            .and_then(|ty| syn::parse2::<Type>(ty).ok())
            .map(|ty| crate::types::strip_reference(&ty).clone())
        else {
            return;
        };
        let items: Vec<VarId> = (0..tuple.elems.len())
            .map(|i| {
                let hint = Hint {
                    user: format!("{name}_{i}"),
                    span,
                };
                self.push(Op::Field(Operand::Var(var), i), Some(hint), None, span)
            })
            .collect();
        self.fields
            .insert(var, items.iter().copied().map(Operand::Var).collect());
        self.unnamed_elements.extend(items.iter().copied());
        // Nested tuples after: the reverse sweep then gathers each tuple's cotangent from its
        // fields' in a row (`let bar_p = (bar_p_0, bar_p_1);`).
        for (i, (item, elem)) in items.into_iter().zip(&tuple.elems).enumerate() {
            if matches!(elem, Type::Tuple(_)) {
                self.split_tuple(item, &format!("{name}_{i}"), span);
            }
        }
    }

    /// `base.i`: the element's variable where the tuple's elements are known
    /// ([`fields`](Lowerer::fields)), bound to the user's name if there is one; a field read
    /// otherwise.
    fn field(
        &mut self,
        base: Operand,
        i: usize,
        hint: Option<Hint>,
        annotation: Option<Box<Type>>,
        span: Span,
    ) -> Option<Operand> {
        if let Operand::Var(var) = &base
            && let Some(items) = self.fields.get(var)
        {
            let Some(item) = items.get(i).cloned() else {
                // rustc reports the missing field in the function as written.
                return None;
            };
            return Some(match (hint, &item) {
                // `let (k, v) = p;`, the first naming `p.0`: the element read at the start
                // takes the user's name (`let k = p.0;`), with no copy.
                (Some(hint), Operand::Var(element)) if self.unnamed_elements.remove(element) => {
                    let first = self.bound.insert(hint.user.clone());
                    let name = self.names.variable(&hint.user, hint.span, first);
                    self.function.vars[element.0].name = name;
                    if let Some(ty) = &annotation {
                        let written = self.types.written(ty);
                        let slot = self.function.var(*element).ty;
                        self.types.unify(slot, written);
                    }
                    item
                }
                (Some(hint), _) => {
                    Operand::Var(self.push(Op::Use(item), Some(hint), annotation, span))
                }
                (None, _) => item,
            });
        }
        Some(Operand::Var(self.push(
            Op::Field(base, i),
            hint,
            annotation,
            span,
        )))
    }

    fn new_var(&mut self, name: proc_macro2::Ident, active: bool, ty: Slot) -> VarId {
        self.function.vars.push(Var {
            name,
            active,
            ty,
            borrowed: false,
        });
        VarId(self.function.vars.len() - 1)
    }

    /// Before a `let` binds `name`: inside an arm or a loop body, the binding it shadows is
    /// saved, to be seen again when the block ends ([`Lowerer::end_block`]).
    fn declare(&mut self, name: &str) {
        let outer = self.env.get(name).copied();
        if let Some(block) = self.blocks.last_mut() {
            block.entry(name.to_owned()).or_insert(outer);
        }
    }

    /// Starts a block (an arm, a loop body) whose `let`s end with it.
    fn begin_block(&mut self) {
        self.blocks.push(HashMap::new());
    }

    /// Ends a block: each name a `let` in it shadowed denotes again what it did before that
    /// `let` (assignments to it before the shadowing stay); names the block introduced are gone.
    fn end_block(&mut self) {
        for (name, outer) in self.blocks.pop().unwrap_or_default() {
            match outer {
                Some(var) => self.env.insert(name, var),
                None => self.env.remove(&name),
            };
        }
    }

    /// After an error in the value of `let name = ..`: later uses of `name` report nothing
    /// more (the error said what was wrong).
    fn poison(&mut self, name: &syn::Ident) {
        // A `let` that failed still shadows: the binding it hid comes back when its block ends.
        self.declare(&name.to_string());
        self.env.remove(&name.to_string());
        self.poisoned.insert(name.to_string());
    }

    fn slot_of(&mut self, operand: &Operand) -> Slot {
        match operand {
            Operand::Var(v) => self.function.var(*v).ty,
            Operand::Const(tokens) => self.types.constant(tokens),
        }
    }

    /// Lowers the statements; returns the output operand.
    fn body(&mut self, stmts: &[SynStmt], block_span: Span) -> Option<Operand> {
        let Some((last, init)) = stmts.split_last() else {
            self.errors.push(syn::Error::new(
                block_span,
                "a #[grad] function must end with an expression giving its result",
            ));
            return None;
        };
        if jumps::returns_early(stmts) {
            // Every `return` and the tail set the returned value, which the body gives.
            let returned = "\u{1}returned".to_owned();
            let value = "\u{1}returned_value".to_owned();
            self.assign_key(
                &returned,
                "returned",
                Operand::Const(quote!(false)),
                block_span,
            );
            self.assign_key(&value, "returned_value", jumps::placeholder(), block_span);
            self.returns = Some(jumps::ReturnFrame {
                returned,
                value: value.clone(),
            });
            let mut tail = |cx: &mut Self| {
                let result = match last {
                    SynStmt::Expr(Expr::Return(ret), _) => cx.tail_return(ret),
                    SynStmt::Expr(expr, None) => cx.expr(expr, None),
                    other => {
                        cx.statement(other);
                        None
                    }
                };
                if let Some(result) = result {
                    cx.assign_key(&value, "returned_value", result, block_span);
                }
                None
            };
            self.sequence(init, Some(&mut tail), false);
            return self.env.get(&value).copied().map(Operand::Var);
        }
        for stmt in init {
            self.statement(stmt);
        }
        match last {
            SynStmt::Expr(Expr::Return(ret), _) => self.tail_return(ret),
            SynStmt::Expr(expr, None) => self.expr(expr, None),
            other => {
                self.statement(other);
                self.errors.spanned(
                    other,
                    "a #[grad] function must end with an expression giving its result; \
                     remove the `;` or add the result after this statement",
                );
                None
            }
        }
    }

    fn tail_return(&mut self, ret: &syn::ExprReturn) -> Option<Operand> {
        match &ret.expr {
            Some(expr) => self.expr(expr, None),
            None => {
                self.errors
                    .spanned(ret, "`return` needs a value in a #[grad] function");
                None
            }
        }
    }

    fn statement(&mut self, stmt: &SynStmt) {
        match stmt {
            SynStmt::Local(local) => self.local(local),
            // An empty statement (a stray `;`), which syn keeps as empty verbatim tokens.
            SynStmt::Expr(Expr::Verbatim(tokens), Some(_)) if tokens.is_empty() => {}
            SynStmt::Expr(expr, _) => self.expr_statement(expr),
            SynStmt::Item(item) => self.errors.spanned(
                item,
                "items inside a #[grad] function are not supported; move this item outside \
                 the function",
            ),
            SynStmt::Macro(mac) => self.errors.spanned(
                &mac.mac,
                "macros are not supported in the body of a #[grad] function, because their \
                 expansion cannot be differentiated; write the computation out",
            ),
        }
    }

    fn local(&mut self, local: &Local) {
        let Some(init) = &local.init else {
            self.errors.spanned(
                local,
                "a `let` in a #[grad] function needs a value: write `let name = value;`",
            );
            return;
        };
        if let Some((_, diverge)) = &init.diverge {
            self.errors.spanned(
                diverge,
                "`let ... else` is not supported in a #[grad] function",
            );
            return;
        }
        let (pat, annotation) = match &local.pat {
            Pat::Type(typed) => (&*typed.pat, Some(typed.ty.clone())),
            pat => (pat, None),
        };
        self.bind(pat, &init.expr, annotation);
    }

    /// `let (a, b) = expr` where `expr` is not a tuple expression: a tuple (a tuple parameter,
    /// a variable bound to a tuple) or a value with no derivative (`x.dim()`), its fields bound
    /// one by one.
    fn bind_fields(&mut self, tuple: &syn::PatTuple, expr: &Expr) {
        let Some(value) = self.expr(expr, None) else {
            self.poison_pattern(tuple);
            return;
        };
        self.destructure(tuple, value, expr);
    }

    /// After an error in the value of `let (a, b) = ..`: every name the pattern binds.
    fn poison_pattern(&mut self, tuple: &syn::PatTuple) {
        for pat in &tuple.elems {
            match pat {
                Pat::Ident(ident) => self.poison(&ident.ident),
                Pat::Tuple(inner) => self.poison_pattern(inner),
                _ => {}
            }
        }
    }

    /// Binds the names of the tuple pattern to the fields of `value` (the value of `expr`).
    fn destructure(&mut self, tuple: &syn::PatTuple, value: Operand, expr: &Expr) {
        let known = matches!(&value, Operand::Var(v) if self.fields.contains_key(v));
        if !known && self.function.is_active(&value) && !self.is_tuple(&value) {
            self.errors.spanned(
                expr,
                "a tuple pattern in a #[grad] function must be bound to a tuple expression \
                 where the values are differentiated: `let (a, b) = (x.cos(), x.sin());`",
            );
            self.poison_pattern(tuple);
            return;
        }
        // ndarray's `dim()` is a tuple of `usize`s.
        let dim = !known
            && self.stmts.iter().rev().any(|stmt| {
                matches!(stmt, Stmt::Let(Let { var, op: Op::Method { prim, .. }, .. })
                if matches!(value, Operand::Var(v) if v == *var) && prim.name == "dim")
            });
        let usize_ty: Type = syn::parse_quote!(usize);
        let annotation = dim.then(|| Box::new(usize_ty));
        for (i, pat) in tuple.elems.iter().enumerate() {
            match pat {
                Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => {
                    let hint = Hint {
                        user: ident.ident.to_string(),
                        span: ident.ident.span(),
                    };
                    match self.field(
                        value.clone(),
                        i,
                        Some(hint),
                        annotation.clone(),
                        ident.span(),
                    ) {
                        Some(Operand::Var(var)) => {
                            self.declare(&ident.ident.to_string());
                            self.env.insert(ident.ident.to_string(), var);
                        }
                        _ => self.poison(&ident.ident),
                    }
                }
                Pat::Wild(_) => {}
                // A nested tuple: `let ((a, b), c) = p;`.
                Pat::Tuple(inner) => match self.field(value.clone(), i, None, None, inner.span()) {
                    Some(item) => self.destructure(inner, item, expr),
                    None => self.poison_pattern(inner),
                },
                other => self.errors.spanned(
                    other,
                    "only names, `_` and tuples of those are supported inside a tuple pattern \
                     of a #[grad] function",
                ),
            }
        }
    }

    /// Whether the variable is a tuple of floats and fixed-size float arrays (or a reference to
    /// one), which has a gradient.
    fn is_float_tuple(&mut self, var: VarId) -> bool {
        let slot = self.function.var(var).ty;
        self.types
            .resolve(slot)
            .and_then(|ty| syn::parse2::<Type>(ty).ok())
            .is_some_and(|ty| {
                crate::input::classify(&ty, &self.type_params) == crate::input::Shape::Tuple
            })
    }

    /// Whether the operand's type is known to be a tuple (or a reference to one).
    fn is_tuple(&mut self, operand: &Operand) -> bool {
        let slot = self.slot_of(operand);
        self.types
            .resolve(slot)
            .and_then(|ty| syn::parse2::<Type>(ty).ok())
            .is_some_and(|ty| matches!(crate::types::strip_reference(&ty), Type::Tuple(_)))
    }

    /// `let pat = expr`, with `pat` a name, `_`, or a tuple of those matched by a tuple expression.
    fn bind(&mut self, pat: &Pat, expr: &Expr, annotation: Option<Box<Type>>) {
        match pat {
            Pat::Ident(ident)
                if ident.by_ref.is_none()
                    && ident.subpat.is_none()
                    && matches!(strip(expr), Expr::Closure(_)) =>
            {
                // A closure: kept as written for `mapv` to apply by name.
                let Expr::Closure(closure) = strip(expr) else {
                    unreachable!("matched above")
                };
                let name = ident.ident.to_string();
                self.declare(&name);
                self.env.remove(&name);
                self.closure_bindings.insert(name, closure.clone());
            }
            Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => {
                let hint = Hint {
                    user: ident.ident.to_string(),
                    span: ident.ident.span(),
                };
                match self.expr_named(expr, hint, annotation) {
                    Some(Operand::Var(var)) => {
                        self.declare(&ident.ident.to_string());
                        self.env.insert(ident.ident.to_string(), var);
                    }
                    _ => self.poison(&ident.ident),
                }
            }
            Pat::Wild(_) => {
                self.expr(expr, None);
            }
            Pat::Tuple(tuple) if !matches!(strip(expr), Expr::Tuple(_)) => {
                self.bind_fields(tuple, expr);
            }
            Pat::Tuple(tuple) => {
                let Expr::Tuple(values) = strip(expr) else {
                    self.errors.spanned(
                        expr,
                        "a tuple pattern in a #[grad] function must be bound to a tuple \
                         expression: `let (a, b) = (x.cos(), x.sin());`",
                    );
                    return;
                };
                if values.elems.len() != tuple.elems.len() {
                    self.errors.spanned(
                        expr,
                        "the tuple has a different number of elements than the pattern",
                    );
                    return;
                }
                let types: Vec<Option<Box<Type>>> = match annotation.as_deref() {
                    Some(Type::Tuple(t)) if t.elems.len() == tuple.elems.len() => {
                        t.elems.iter().map(|t| Some(Box::new(t.clone()))).collect()
                    }
                    Some(other) => {
                        self.errors
                            .spanned(other, "expected a tuple type for a tuple pattern");
                        return;
                    }
                    None => vec![None; tuple.elems.len()],
                };
                // Evaluate every element before binding any name, so `(a, b) = (b, a)` swaps.
                let mut pending = Vec::new();
                for ((pat, value), ty) in tuple.elems.iter().zip(&values.elems).zip(types) {
                    match pat {
                        Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => {
                            let hint = Hint { user: ident.ident.to_string(), span: ident.ident.span() };
                            if let Some(Operand::Var(var)) = self.expr_named(value, hint, ty) {
                                pending.push((ident.ident.to_string(), var));
                            }
                        }
                        Pat::Wild(_) => {
                            self.expr(value, None);
                        }
                        other => self.errors.spanned(
                            other,
                            "only names and `_` are supported inside a tuple pattern of a #[grad] function",
                        ),
                    }
                }
                for (name, var) in pending {
                    self.declare(&name);
                    self.env.insert(name, var);
                }
            }
            other => self.errors.spanned(
                other,
                "this pattern is not supported in a #[grad] function; bind a name \
                 (`let a = ..`) or a tuple of names (`let (a, b) = (.., ..)`)",
            ),
        }
    }

    /// An expression statement: an assignment to a `let mut` variable, or an error.
    pub(super) fn expr_statement(&mut self, expr: &Expr) {
        match expr {
            Expr::MethodCall(call) if call.method == "push" && call.args.len() == 1 => {
                self.push_statement(call);
            }
            // `h.mapv_inplace(f)`: `h = h.mapv(f)`.
            Expr::MethodCall(call) if call.method == "mapv_inplace" && call.args.len() == 1 => {
                let Some(name) = self.assignee(&call.receiver) else {
                    return;
                };
                let base = Operand::Var(self.env[&name]);
                let hint = Hint {
                    user: name.clone(),
                    span: call.receiver.span(),
                };
                if let Some(Operand::Var(var)) =
                    self.mapv(base, &call.args[0], Some(hint), None, call.span())
                {
                    self.env.insert(name, var);
                }
            }
            Expr::Assign(assign) if matches!(strip(&assign.left), Expr::Index(_)) => {
                let Expr::Index(left) = strip(&assign.left) else {
                    unreachable!("matched above")
                };
                self.store(left, None, &assign.right, assign.span());
            }
            Expr::Binary(binary)
                if compound(&binary.op).is_some()
                    && matches!(strip(&binary.left), Expr::Index(_)) =>
            {
                let Expr::Index(left) = strip(&binary.left) else {
                    unreachable!("matched above")
                };
                self.store(left, compound(&binary.op), &binary.right, binary.span());
            }
            Expr::Assign(assign) => {
                let Some(name) = self.assignee(&assign.left) else {
                    return;
                };
                let hint = Hint {
                    user: name.clone(),
                    span: assign.left.span(),
                };
                if let Some(Operand::Var(var)) = self.expr_named(&assign.right, hint, None) {
                    // An assignment keeps the variable's type: `m = -1.5` is a float of the
                    // type `m` had.
                    let before = self.function.var(self.env[&name]).ty;
                    self.types.unify(before, self.function.var(var).ty);
                    self.env.insert(name, var);
                }
            }
            Expr::Binary(binary) if compound(&binary.op).is_some() => {
                let op = compound(&binary.op).expect("checked above");
                let Some(name) = self.assignee(&binary.left) else {
                    return;
                };
                let Some(rhs) = self.expr(&binary.right, None) else {
                    return;
                };
                let current = Operand::Var(self.env[&name]);
                let hint = Hint {
                    user: name.clone(),
                    span: binary.left.span(),
                };
                let var = self.push(
                    Op::Binary(op, current, rhs),
                    Some(hint),
                    None,
                    binary.span(),
                );
                self.env.insert(name, var);
            }
            Expr::If(if_expr) => {
                self.if_expr(if_expr, false, None);
            }
            Expr::Match(match_expr) => {
                self.match_expr(match_expr, false, None);
            }
            Expr::ForLoop(for_loop) => self.for_loop(for_loop),
            Expr::While(while_loop) => self.while_loop(while_loop),
            Expr::Loop(loop_expr) => {
                self.loop_expr(loop_expr);
            }
            Expr::Break(_) | Expr::Continue(_) => self.jump(expr),
            Expr::Return(_) => self.jump(expr),
            other => {
                // Lowering reports anything unsupported inside; a supported expression here has
                // no effect, which rustc also warns about in the original function.
                self.expr(other, None);
            }
        }
    }

    /// `y[i] = value`, or `y[i] op= value` (`op`): a new version of the local array `y`.
    fn store(&mut self, left: &syn::ExprIndex, op: Option<BinOp>, right: &Expr, span: Span) {
        let name = match strip(&left.expr) {
            Expr::Path(path) => path.path.get_ident().map(|i| i.to_string()),
            _ => None,
        };
        let Some(name) = name.filter(|n| self.env.contains_key(n)) else {
            self.errors.spanned(
                &left.expr,
                "#[grad] writes elements of local arrays only, indexed once (`y[i] = ..`, \
                 `m[[i, j]] = ..`)",
            );
            return;
        };
        let base = self.env[&name];
        if self
            .function
            .params
            .iter()
            .any(|p| p.var == base && p.by_reference)
        {
            self.errors.spanned(
                &left.expr,
                format!(
                    "`{name}` is a reference parameter, which a #[grad] function does not write \
                     through; copy it first (`let mut {name} = {name}.to_vec();`) and write the copy"
                ),
            );
            return;
        }
        let Some(index) = self.expr(&left.index, None) else {
            return;
        };
        if self.function.is_active(&index) {
            self.errors.spanned(
                &left.index,
                "an index must be an integer: a literal or an integer parameter",
            );
            return;
        }
        let Some(rhs) = self.expr(right, None) else {
            return;
        };
        let value = match op {
            None => rhs,
            Some(op) => {
                let old = Operand::Var(self.push(
                    Op::Index {
                        base: Operand::Var(base),
                        index: index.clone(),
                    },
                    None,
                    None,
                    span,
                ));
                Operand::Var(self.push(Op::Binary(op, old, rhs), None, None, span))
            }
        };
        let hint = Hint {
            user: name.clone(),
            span: left.expr.span(),
        };
        let var = self.push(
            Op::Store {
                base: Operand::Var(base),
                index,
                value,
            },
            Some(hint),
            None,
            span,
        );
        self.env.insert(name, var);
    }

    /// `v.push(e)` on a local `Vec`: a new version of `v`, one longer.
    fn push_statement(&mut self, call: &syn::ExprMethodCall) {
        let Some(name) = self.assignee(&call.receiver) else {
            return;
        };
        let base = self.env[&name];
        let slot = self.function.var(base).ty;
        if self.types.as_ndarray(slot).is_some() || self.types.is_slice(slot) {
            self.errors.spanned(
                &call.method,
                "`push` in a #[grad] function adds to a local `Vec` (`let mut v = Vec::new();`)",
            );
            return;
        }
        let Some(value) = self.expr(&call.args[0], None) else {
            return;
        };
        let hint = Hint {
            user: name.clone(),
            span: call.receiver.span(),
        };
        let var = self.push(
            Op::Push {
                base: Operand::Var(base),
                value,
            },
            Some(hint),
            None,
            call.span(),
        );
        self.env.insert(name, var);
    }

    /// The user name on the left of `name = ..` / `name += ..`.
    fn assignee(&mut self, left: &Expr) -> Option<String> {
        if let Expr::Path(path) = strip(left)
            && let Some(ident) = path.path.get_ident()
        {
            let name = ident.to_string();
            if self.env.contains_key(&name) {
                return Some(name);
            }
        }
        let message = match strip(left) {
            Expr::Index(_) => {
                "assigning to an element is not supported in a #[grad] function; \
                               build the array with a literal `[a, b, ..]` instead"
            }
            Expr::Field(_) => {
                "assigning to a field is not supported in a #[grad] function; assign the whole \
                 tuple (`q = (1.0, q.1);`)"
            }
            _ => "#[grad] supports assigning only to a local `let mut` variable",
        };
        self.errors.spanned(left, message);
        None
    }

    /// Lowers `expr` so that its result is bound to a variable named after `hint`.
    fn expr_named(
        &mut self,
        expr: &Expr,
        hint: Hint,
        annotation: Option<Box<Type>>,
    ) -> Option<Operand> {
        let span = expr.span();
        match strip(expr) {
            // A plain name or constant still gets a binding of its own, so the user's name
            // appears in the generated code.
            e @ (Expr::Path(_) | Expr::Lit(_)) => {
                let operand = self.expr(e, None)?;
                Some(Operand::Var(self.push(
                    Op::Use(operand),
                    Some(hint),
                    annotation,
                    span,
                )))
            }
            e => {
                let operand = self.expr_with(e, Some(hint.clone()), annotation.clone())?;
                match operand {
                    Operand::Var(_) => Some(operand),
                    Operand::Const(_) => Some(Operand::Var(self.push(
                        Op::Use(operand),
                        Some(hint),
                        annotation,
                        span,
                    ))),
                }
            }
        }
    }

    fn expr(&mut self, expr: &Expr, hint: Option<Hint>) -> Option<Operand> {
        self.expr_with(expr, hint, None)
    }

    /// Lowers an expression to an operand, pushing one statement per operation. The outermost
    /// operation's variable is named after `hint`.
    fn expr_with(
        &mut self,
        expr: &Expr,
        hint: Option<Hint>,
        annotation: Option<Box<Type>>,
    ) -> Option<Operand> {
        let span = expr.span();
        match expr {
            Expr::Paren(e) => self.expr_with(&e.expr, hint, annotation),
            Expr::Group(e) => self.expr_with(&e.expr, hint, annotation),
            Expr::Lit(lit) => match &lit.lit {
                Lit::Float(_) | Lit::Int(_) | Lit::Bool(_) => {
                    Some(Operand::Const(lit.to_token_stream()))
                }
                other => {
                    self.errors.spanned(
                        other,
                        "only numeric literals are supported in a #[grad] function",
                    );
                    None
                }
            },
            Expr::Path(path) => {
                if let Some(ident) = path.path.get_ident() {
                    if let Some(var) = self.env.get(&ident.to_string()) {
                        return Some(Operand::Var(*var));
                    }
                    if self.poisoned.contains(&ident.to_string()) {
                        return None;
                    }
                }
                // A const, a static or a path such as `std::f64::consts::PI`.
                Some(Operand::Const(path.to_token_stream()))
            }
            Expr::Unary(unary) => match unary.op {
                UnOp::Neg(_) => {
                    let operand = self.expr(&unary.expr, None)?;
                    if let Operand::Const(tokens) = &operand {
                        return Some(Operand::Const(negate(tokens)));
                    }
                    Some(Operand::Var(self.push(
                        Op::Neg(operand),
                        hint,
                        annotation,
                        span,
                    )))
                }
                UnOp::Deref(_) => {
                    let operand = self.expr(&unary.expr, None)?;
                    // Only parameters are references here: `&x` in the body lowers to `x`
                    // itself, so `*` of anything else is the value.
                    let is_reference_param = matches!(&operand, Operand::Var(v)
                        if self.function.params.iter().any(|p| p.var == *v && p.by_reference));
                    if !is_reference_param {
                        return match hint {
                            Some(_) => Some(Operand::Var(self.push(
                                Op::Use(operand),
                                hint,
                                annotation,
                                span,
                            ))),
                            None => Some(operand),
                        };
                    }
                    Some(Operand::Var(self.push(
                        Op::Deref(operand),
                        hint,
                        annotation,
                        span,
                    )))
                }
                UnOp::Not(_) => self.condition(expr),
                _ => {
                    self.errors.spanned(
                        unary.op,
                        format!(
                            "`{}` is not supported in a #[grad] function; {WHAT_A_BODY_HOLDS}",
                            unary.op.to_token_stream()
                        ),
                    );
                    None
                }
            },
            Expr::Reference(reference) if reference.mutability.is_none() => {
                self.expr_with(&reference.expr, hint, annotation)
            }
            Expr::If(if_expr) => self.if_expr(if_expr, true, hint),
            Expr::Match(match_expr) => self.match_expr(match_expr, true, hint),
            Expr::Loop(loop_expr) => {
                let value = self.loop_expr(loop_expr)?;
                match hint {
                    Some(hint) => Some(Operand::Var(self.push(
                        Op::Use(value),
                        Some(hint),
                        annotation,
                        span,
                    ))),
                    None => Some(value),
                }
            }
            Expr::Binary(binary) if is_comparison(&binary.op) => self.condition(expr),
            Expr::Binary(binary) => {
                let Some(op) = arithmetic(&binary.op) else {
                    let message = if compound(&binary.op).is_some() {
                        "a compound assignment must be a statement of its own: `s += x;`".to_owned()
                    } else {
                        format!(
                            "the operator `{}` is not supported in a #[grad] function; use `+`, \
                             `-`, `*`, `/` and the float methods",
                            binary.op.to_token_stream()
                        )
                    };
                    self.errors.spanned(binary.op, message);
                    return None;
                };
                let lhs = self.expr(&binary.left, None);
                let rhs = self.expr(&binary.right, None);
                let (lhs, rhs) = (lhs?, rhs?);
                Some(Operand::Var(self.push(
                    Op::Binary(op, lhs, rhs),
                    hint,
                    annotation,
                    span,
                )))
            }
            Expr::MethodCall(call) => {
                if let Some(sum) = self.iterator_sum(call, hint.clone(), annotation.clone(), span) {
                    return sum;
                }
                if let Some(turbofish) = &call.turbofish {
                    self.errors.spanned(
                        turbofish,
                        "turbofish arguments are not supported on methods in a #[grad] function",
                    );
                    return None;
                }
                let receiver = self.expr(&call.receiver, None);
                let args: Vec<&Expr> = call.args.iter().collect();
                self.method(&call.method, receiver, &args, hint, annotation, span)
            }
            Expr::Call(call)
                if matches!(strip(&call.func), Expr::Path(p) if p.path.get_ident()
                    .is_some_and(|i| self.closure_bindings.contains_key(&i.to_string()))) =>
            {
                self.call_closure(call)
            }
            Expr::Call(call) => {
                // `f64::sin(x)` is the method `x.sin()`.
                if let Expr::Path(path) = strip(&call.func) {
                    let segments: Vec<String> = path
                        .path
                        .segments
                        .iter()
                        .map(|s| s.ident.to_string())
                        .collect();
                    if let [ty, _method] = segments.as_slice()
                        && (ty == "f32" || ty == "f64")
                        && !call.args.is_empty()
                    {
                        let ident = &path.path.segments[1].ident;
                        let ty = &path.path.segments[0].ident;
                        // `f64::powf(2.0, x)`, `f64::sin(2.0 * 3.0)`: the receiver keeps the
                        // type the path gives it, which `x.sin()` syntax would lose.
                        let receiver = self.expr(&call.args[0], None).map(|r| with_suffix(r, ty));
                        if let Some(Operand::Var(v)) = &receiver {
                            self.annotate(*v, ty);
                        }
                        let args: Vec<&Expr> = call.args.iter().skip(1).collect();
                        return self.method(ident, receiver, &args, hint, annotation, span);
                    }
                    let module = path.path.segments.iter().rev().nth(1);
                    if let Some(syntax) =
                        module.and_then(|m| Syntax::of_function_module(&m.ident.to_string()))
                    {
                        let args: Vec<&Expr> = call.args.iter().collect();
                        return self
                            .function_call(&path.path, syntax, &args, hint, annotation, span);
                    }
                    let args: Vec<&Expr> = call.args.iter().collect();
                    return self.grad_call(&path.path, &args, hint, annotation, span);
                } else if let Expr::Closure(_) = strip(&call.func) {
                    self.errors
                        .spanned(&call.func, unsupported(strip(&call.func)));
                } else {
                    self.errors
                        .spanned(&call.func, "calls are not supported in a #[grad] function");
                }
                None
            }
            Expr::Index(index) => {
                let base = self.expr(&index.expr, None);
                let position = self.expr(&index.index, None);
                let (base, position) = (base?, position?);
                if self.function.is_active(&position) {
                    self.errors.spanned(
                        &index.index,
                        "an index must be an integer: a literal or an integer parameter",
                    );
                    return None;
                }
                if hint.is_none()
                    && annotation.is_none()
                    && let Some(known) = self.element_known(&base, &position)
                {
                    return Some(known);
                }
                let var = self.push(
                    Op::Index {
                        base,
                        index: position,
                    },
                    hint,
                    annotation,
                    span,
                );
                // An ndarray element of a list parameter is borrowed where it lives.
                let slot = self.function.var(var).ty;
                if self.types.as_ndarray(slot).is_some() {
                    self.function.vars[var.0].borrowed = true;
                }
                Some(Operand::Var(var))
            }
            Expr::Field(field) if matches!(field.member, syn::Member::Unnamed(_)) => {
                let syn::Member::Unnamed(index) = &field.member else {
                    unreachable!("matched above")
                };
                let base = self.expr(&field.base, None)?;
                self.field(base, index.index as usize, hint, annotation, span)
            }
            Expr::Tuple(tuple) if !tuple.elems.is_empty() => {
                let items: Vec<Option<Operand>> =
                    tuple.elems.iter().map(|e| self.expr(e, None)).collect();
                let items: Option<Vec<Operand>> = items.into_iter().collect();
                Some(Operand::Var(self.push(
                    Op::Tuple(items?),
                    hint,
                    annotation,
                    span,
                )))
            }
            Expr::Array(array) => {
                let items: Vec<Option<Operand>> =
                    array.elems.iter().map(|e| self.expr(e, None)).collect();
                let items: Option<Vec<Operand>> = items.into_iter().collect();
                Some(Operand::Var(self.push(
                    Op::Array(items?),
                    hint,
                    annotation,
                    span,
                )))
            }
            Expr::Repeat(repeat) => {
                // `[0.0; N]`: the length as written, a literal or a constant.
                let value = self.expr(&repeat.expr, None)?;
                let len = Operand::Const(repeat.len.to_token_stream());
                Some(Operand::Var(self.push(
                    Op::Filled {
                        value,
                        len,
                        vec: false,
                    },
                    hint,
                    annotation,
                    span,
                )))
            }
            Expr::Macro(mac) if mac.mac.path.is_ident("array") => {
                let tokens = &mac.mac.tokens;
                let nested = syn::parse2::<Expr>(quote!([#tokens])).ok();
                let mut leaves = Vec::new();
                let shape = nested
                    .as_ref()
                    .and_then(|nested| ndarray_literal(nested, &mut leaves));
                let Some(shape) = shape.filter(|s| (1..=3).contains(&s.len())) else {
                    self.errors.spanned(
                        &mac.mac,
                        "`array!` in a #[grad] function takes one to three levels of \
                         `[..]`-nested elements of the same length, as `array![[a, b], [c, d]]`",
                    );
                    return None;
                };
                let items: Vec<Option<Operand>> =
                    leaves.into_iter().map(|e| self.expr(e, None)).collect();
                let items: Option<Vec<Operand>> = items.into_iter().collect();
                Some(Operand::Var(self.push(
                    Op::NdArray {
                        items: items?,
                        shape,
                    },
                    hint,
                    annotation,
                    span,
                )))
            }
            Expr::Macro(mac)
                if mac.mac.path.is_ident("concatenate") || mac.mac.path.is_ident("stack") =>
            {
                let parser = syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated;
                let args = syn::parse::Parser::parse2(parser, mac.mac.tokens.clone());
                let Some((axis, items)) = args.as_ref().ok().and_then(|a| {
                    let all: Vec<&Expr> = a.iter().collect();
                    all.split_first()
                        .map(|(axis, items)| (*axis, items.to_vec()))
                }) else {
                    self.errors.spanned(
                        &mac.mac,
                        "write `concatenate![Axis(k), a, b, ..]` (or `stack!`)",
                    );
                    return None;
                };
                let stack = mac.mac.path.is_ident("stack");
                let var = self.concat(axis, &items, stack, hint, annotation, span)?;
                // The macros panic where the function errs: no `unwrap` follows.
                if let Some(Stmt::Let(Let {
                    op: Op::Concat { unwrap, .. },
                    ..
                })) = self.stmts.last_mut()
                {
                    *unwrap = Some(quote!(.unwrap()));
                }
                Some(var)
            }
            Expr::Macro(mac) if mac.mac.path.is_ident("vec") => {
                let tokens = &mac.mac.tokens;
                let Ok(Expr::Repeat(repeat)) = syn::parse2::<Expr>(quote!([#tokens])) else {
                    self.errors.spanned(
                        &mac.mac,
                        "`vec!` in a #[grad] function makes a local array as `vec![value; len]`; \
                         for a list of values write an array literal `[a, b, ..]`",
                    );
                    return None;
                };
                let value = self.expr(&repeat.expr, None);
                let len = self.expr(&repeat.len, None);
                let (value, len) = (value?, len?);
                Some(Operand::Var(self.push(
                    Op::Filled {
                        value,
                        len,
                        vec: true,
                    },
                    hint,
                    annotation,
                    span,
                )))
            }
            Expr::Cast(cast) => {
                let operand = self.expr(&cast.expr, None)?;
                if self.function.is_active(&operand) {
                    self.errors.spanned(
                        cast,
                        "casting a differentiated value is not supported; write the function \
                         in one float type",
                    );
                    return None;
                }
                Some(Operand::Var(self.push(
                    Op::Cast(operand, cast.ty.clone()),
                    hint,
                    annotation,
                    span,
                )))
            }
            other => {
                self.errors.spanned(other, unsupported(other));
                None
            }
        }
    }

    fn method(
        &mut self,
        ident: &syn::Ident,
        receiver: Option<Operand>,
        args: &[&Expr],
        hint: Option<Hint>,
        annotation: Option<Box<Type>>,
        span: Span,
    ) -> Option<Operand> {
        let receiver = receiver?;
        let name = ident.to_string();
        if ["unwrap", "expect"].contains(&name.as_str()) {
            return self.unwrap(ident, receiver, args);
        }
        if name == "view" && args.is_empty() {
            // Owned, as every array the forward half may keep for the reverse sweep.
            let to_owned = syn::Ident::new("to_owned", ident.span());
            return Some(Operand::Var(self.push(
                Op::Copy(receiver, to_owned),
                hint,
                annotation,
                span,
            )));
        }
        if ["clone", "to_vec", "to_owned"].contains(&name.as_str()) && args.is_empty() {
            return Some(Operand::Var(self.push(
                Op::Copy(receiver, ident.clone()),
                hint,
                annotation,
                span,
            )));
        }
        let slot = self.slot_of(&receiver);
        if name == "slice" && self.types.as_ndarray(slot).is_some() {
            return self.slice(ident, receiver, args, hint, annotation, span);
        }
        if ["mapv", "map", "mapv_into"].contains(&name.as_str())
            && self.types.as_ndarray(slot).is_some()
        {
            let [f] = args else {
                self.errors
                    .spanned(ident, "`mapv` takes one argument, the function to apply");
                return None;
            };
            return self.mapv(receiver, f, hint, annotation, span);
        }
        let syntax = if self.types.as_ndarray(slot).is_some() {
            Syntax::ArrayMethod
        } else {
            Syntax::FloatMethod
        };
        // `len` of any array is a constant; ndarray's elementwise float methods (`x.exp()`)
        // are the float methods' rows, applied to each element.
        let prim = primitives::lookup(&name, syntax).or_else(|| {
            primitives::lookup(&name, Syntax::FloatMethod)
                .filter(|p| p.is_constant() || (syntax == Syntax::ArrayMethod && p.elementwise))
        });
        let Some(prim) = prim else {
            let opaque_array = self.types.is_opaque(slot)
                && primitives::lookup(&name, Syntax::ArrayMethod).is_some();
            let float_only = syntax == Syntax::ArrayMethod
                && primitives::lookup(&name, Syntax::FloatMethod).is_some();
            let message = match syntax {
                _ if float_only => format!(
                    "ndarray has no elementwise `{name}`; apply the float method to each \
                     element with `mapv`: `x.mapv(|v| v.{name}(..))`, or `x.mapv(f64::{name})` \
                     where it takes no argument"
                ),
                _ if opaque_array => format!(
                    "#[grad] cannot see the type of this value, which comes from a call to a \
                     #[grad] function; to call `{name}` on an array it returns, write the type \
                     on the call's `let`: `let y: Array2<f64> = g(..);`"
                ),
                _ => primitives::unknown(&name, syntax),
            };
            self.errors.spanned(ident, message);
            return None;
        };
        let args = self.arguments(prim, ident, args)?;
        Some(Operand::Var(self.push(
            Op::Method {
                prim,
                receiver,
                args,
                unwrap: None,
            },
            hint,
            annotation,
            span,
        )))
    }

    /// `x.slice(s![..])`: its elements' integers lowered, so they read the variables the
    /// forward half names.
    fn slice(
        &mut self,
        ident: &syn::Ident,
        receiver: Operand,
        args: &[&Expr],
        hint: Option<Hint>,
        annotation: Option<Box<Type>>,
        span: Span,
    ) -> Option<Operand> {
        use crate::ssa::SliceElem;
        let usage = "`slice` in a #[grad] function takes `s![..]` of ranges (`a..b`, `a..`, \
                     `..`, `a..=b`, each with an optional `;step`), indices and `NewAxis`, \
                     as `x.slice(s![1.., ..;2])`";
        let mac = match args {
            [Expr::Macro(mac)] if mac.mac.path.is_ident("s") => &mac.mac,
            _ => {
                self.errors.spanned(ident, usage);
                return None;
            }
        };
        let mut elems = Vec::new();
        let parser = syn::punctuated::Punctuated::<TokenGroup, syn::Token![,]>::parse_terminated;
        let Ok(groups) = syn::parse::Parser::parse2(parser, mac.tokens.clone()) else {
            self.errors.spanned(mac, usage);
            return None;
        };
        for group in groups {
            let (range, step) = match &group.step {
                Some(step) => (&group.range, Some(step)),
                None => (&group.range, None),
            };
            let step = match step {
                Some(step) => Some(self.expr(step, None)?),
                None => None,
            };
            let elem = match strip(range) {
                Expr::Range(r) => {
                    let start = match &r.start {
                        Some(e) => Some(self.expr(e, None)?),
                        None => None,
                    };
                    let end = match &r.end {
                        Some(e) => Some(self.expr(e, None)?),
                        None => None,
                    };
                    SliceElem::Range {
                        start,
                        end,
                        inclusive: matches!(r.limits, syn::RangeLimits::Closed(_)),
                        step,
                    }
                }
                Expr::Path(p) if p.path.is_ident("NewAxis") => SliceElem::NewAxis,
                index if step.is_none() => SliceElem::Index(self.expr(index, None)?),
                other => {
                    self.errors.spanned(other, usage);
                    return None;
                }
            };
            for operand in elem.operands() {
                if self.function.is_active(operand) {
                    self.errors.spanned(
                        mac,
                        "the bounds of a slice are integers, not differentiated values",
                    );
                    return None;
                }
            }
            elems.push(elem);
        }
        Some(Operand::Var(self.push(
            Op::Slice {
                base: receiver,
                elems,
            },
            hint,
            annotation,
            span,
        )))
    }

    /// `g(a, b)` of a closure bound by `let g = |x, y| ..;`: its body, in a block of its own
    /// where its parameters are bound to the arguments.
    fn call_closure(&mut self, call: &syn::ExprCall) -> Option<Operand> {
        let Expr::Path(path) = strip(&call.func) else {
            unreachable!("matched by the caller")
        };
        let name = path
            .path
            .get_ident()
            .expect("matched by the caller")
            .to_string();
        let closure = self.closure_bindings[&name].clone();
        if closure.inputs.len() != call.args.len() {
            self.errors.spanned(
                call,
                format!(
                    "`{name}` takes {} arguments, given {}",
                    closure.inputs.len(),
                    call.args.len()
                ),
            );
            return None;
        }
        // The arguments first, in the caller's scope.
        let args: Vec<Option<Operand>> = call.args.iter().map(|a| self.expr(a, None)).collect();
        let args: Option<Vec<Operand>> = args.into_iter().collect();
        let args = args?;
        self.begin_block();
        for (pat, arg) in closure.inputs.iter().zip(args) {
            let pat = match pat {
                Pat::Type(typed) => &*typed.pat,
                pat => pat,
            };
            let pat = match pat {
                Pat::Reference(reference) => &*reference.pat,
                pat => pat,
            };
            let Pat::Ident(ident) = pat else {
                self.errors.spanned(
                    pat,
                    "a closure called in a #[grad] function takes names as its parameters",
                );
                self.end_block();
                return None;
            };
            let var = match arg {
                Operand::Var(var) => var,
                constant => self.push(Op::Use(constant), None, None, ident.span()),
            };
            self.declare(&ident.ident.to_string());
            self.env.insert(ident.ident.to_string(), var);
        }
        let value = match strip(&closure.body) {
            Expr::Block(block) if block.label.is_none() => {
                self.block(&block.block.stmts, true, block.span())
            }
            body => self.expr(body, None),
        };
        self.end_block();
        value
    }

    /// `concatenate(Axis(k), &[a.view(), ..])` and `stack`: the arrays (each maybe `.view()`
    /// of one) joined along an axis.
    fn concat(
        &mut self,
        axis: &Expr,
        items: &[&Expr],
        stack: bool,
        hint: Option<Hint>,
        annotation: Option<Box<Type>>,
        span: Span,
    ) -> Option<Operand> {
        let what = if stack { "stack" } else { "concatenate" };
        let axis = match strip(axis) {
            Expr::Call(call)
                if matches!(strip(&call.func), Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Axis"))
                    && call.args.len() == 1 =>
            {
                self.expr(&call.args[0], None)?
            }
            other => {
                self.errors
                    .spanned(other, format!("`{what}` takes the axis as `Axis(k)` here"));
                return None;
            }
        };
        if items.is_empty() {
            self.errors.push(syn::Error::new(
                span,
                format!("`{what}` needs an array to join"),
            ));
            return None;
        }
        let mut operands = Vec::new();
        for item in items {
            // `a.view()` joins `a`.
            let item = match strip(item) {
                Expr::MethodCall(call) if call.method == "view" && call.args.is_empty() => {
                    &*call.receiver
                }
                item => item,
            };
            operands.push(self.expr(item, None)?);
        }
        Some(Operand::Var(self.push(
            Op::Concat {
                axis,
                items: operands,
                stack,
                unwrap: None,
            },
            hint,
            annotation,
            span,
        )))
    }

    /// `.unwrap()` or `.expect(..)` after a method ndarray makes fallible (`x.mean()`): kept
    /// with the method's statement, which must be the one just lowered.
    fn unwrap(&mut self, ident: &syn::Ident, receiver: Operand, args: &[&Expr]) -> Option<Operand> {
        let target = match (&receiver, self.stmts.last_mut()) {
            (
                Operand::Var(v),
                Some(Stmt::Let(Let {
                    var,
                    op:
                        Op::Method {
                            prim,
                            unwrap: unwrap @ None,
                            ..
                        },
                    ..
                })),
            ) if var == v && prim.fallible => Some(unwrap),
            (
                Operand::Var(v),
                Some(Stmt::Let(Let {
                    var,
                    op:
                        Op::Concat {
                            unwrap: unwrap @ None,
                            ..
                        },
                    ..
                })),
            ) if var == v => Some(unwrap),
            _ => None,
        };
        let Some(unwrap) = target else {
            let fallible: Vec<String> = primitives::PRIMITIVES
                .iter()
                .filter(|p| p.fallible)
                .map(|p| format!("`{}`", p.name))
                .chain(["`concatenate`".to_owned(), "`stack`".to_owned()])
                .collect();
            self.errors.spanned(
                ident,
                format!(
                    "`{ident}` in a #[grad] function goes right after an ndarray method that \
                     can fail ({}), as `x.mean().unwrap()`",
                    fallible.join(", ")
                ),
            );
            return None;
        };
        *unwrap = Some(quote!(.#ident(#(#args),*)));
        Some(receiver)
    }

    /// A call to another `#[grad]` function (one with a `Differentiable` descriptor), reached
    /// through the alias [`Callees`](crate::ssa::Callees) gives it; a callee without a
    /// descriptor is reported at the call, by the fallback behind that alias.
    fn grad_call(
        &mut self,
        path: &syn::Path,
        args: &[&Expr],
        hint: Option<Hint>,
        annotation: Option<Box<Type>>,
        span: Span,
    ) -> Option<Operand> {
        let last = path.segments.last().expect("a path has a segment");
        let name = path.to_token_stream().to_string().replace(' ', "");
        if (last.ident == "concatenate" || last.ident == "stack")
            && let [axis, list] = args
            && let Expr::Reference(list) = strip(list)
            && let Expr::Array(list) = strip(&list.expr)
        {
            let items: Vec<&Expr> = list.elems.iter().collect();
            return self.concat(axis, &items, last.ident == "stack", hint, annotation, span);
        }
        if let Some(owner) = path.segments.iter().rev().nth(1)
            && owner.ident == "Vec"
            && (last.ident == "new" && args.is_empty()
                || last.ident == "with_capacity" && args.len() == 1)
        {
            let capacity = match args.first() {
                Some(n) => Some(self.expr(n, None)?),
                None => None,
            };
            return Some(Operand::Var(self.push(
                Op::NewVec { capacity },
                hint,
                annotation,
                span,
            )));
        }
        if let Some(owner) = path.segments.iter().rev().nth(1)
            && is_array_type_name(&owner.ident)
            && last.ident == "from_elem"
            && let [shape, value] = args
        {
            let shape = self.expr(shape, None);
            let value = self.expr(value, None);
            let (shape, value) = (shape?, value?);
            return Some(Operand::Var(self.push(
                Op::FromElem {
                    constructor: path.clone(),
                    shape,
                    value,
                },
                hint,
                annotation,
                span,
            )));
        }
        if let Some(owner) = path.segments.iter().rev().nth(1)
            && is_array_type_name(&owner.ident)
            && (last.ident == "zeros" || last.ident == "ones")
            && let [shape] = args
        {
            let shape = self.expr(shape, None)?;
            return Some(Operand::Var(self.push(
                Op::Zeros {
                    constructor: path.clone(),
                    shape,
                },
                hint,
                annotation,
                span,
            )));
        }
        if let Some(owner) = path.segments.iter().rev().nth(1)
            && is_array_type_name(&owner.ident)
            && is_constructor_name(&last.ident)
        {
            let constructor = format!("{}::{}", owner.ident, last.ident);
            self.errors.spanned(
                path,
                format!(
                    "`{constructor}` makes a local array #[grad] does not support; make it \
                     with `zeros`, `ones` or `from_elem` and write its elements (`a[[i, j]] = \
                     ..`), or pass it as a parameter (left out of `wrt(..)` if it is a \
                     constant)"
                ),
            );
            return None;
        }
        if path
            .get_ident()
            .is_some_and(|i| self.env.contains_key(&i.to_string()))
        {
            self.errors.spanned(
                path,
                format!(
                    "`{name}` is a variable; #[grad] can only differentiate calls to functions \
                     marked #[grad] or #[custom_vjp], called by name"
                ),
            );
            return None;
        }
        if last
            .ident
            .to_string()
            .starts_with(|c: char| c.is_uppercase())
        {
            self.errors.spanned(
                path,
                format!(
                    "constructing `{name}(..)` is not supported in a #[grad] function; only floats \
                     and arrays of them flow through it"
                ),
            );
            return None;
        }
        if path.segments.first().is_some_and(|s| s.ident == "Self") {
            self.errors.spanned(
                path,
                format!(
                    "calling `{name}` through `Self` is not supported in a #[grad] function; \
                     call a free function marked #[grad] or #[custom_vjp] by its name or path"
                ),
            );
            return None;
        }
        if !matches!(last.arguments, syn::PathArguments::None) {
            self.errors.spanned(
                &last.arguments,
                format!(
                    "calling a generic function with explicit type arguments is not supported in \
                     a #[grad] function; call `{}` without `::<..>`",
                    last.ident
                ),
            );
            return None;
        }
        let borrowed: Vec<bool> = args
            .iter()
            .map(|a| matches!(strip(a), Expr::Reference(_)))
            .collect();
        let lowered: Vec<Option<Operand>> = args.iter().map(|a| self.expr(a, None)).collect();
        let args: Vec<Operand> = lowered.into_iter().collect::<Option<_>>()?;
        let base = hint
            .as_ref()
            .map_or_else(|| last.ident.to_string(), |h| h.user.clone());
        let residuals_name = self.names.fresh(&format!("{base}_residuals"), span);
        // The float type of the first argument that has a known one (a caller may mix `f32`
        // and `f64`), else the function's own.
        let float = args
            .iter()
            .find_map(|a| {
                let slot = self.slot_of(a);
                self.types.float_of(slot, &self.type_params)
            })
            .unwrap_or_else(|| self.float.clone());
        let alias = self.function.callees.alias(&self.caller, path);
        let kept = crate::descriptor::kept(&alias, &float);
        let residuals_ty: Type = syn::parse_quote!(#kept::Residuals<'static>);
        let residuals_slot = self.types.written(&residuals_ty);
        let residuals = self.new_var(residuals_name, false, residuals_slot);
        let op = Op::GradCall {
            path: path.clone(),
            alias,
            float: Box::new(float),
            args,
            borrowed,
            residuals,
        };
        Some(Operand::Var(self.push(op, hint, annotation, span)))
    }

    /// `nn::name(args)` or `scalar::name(args)`: a function of the runtime module `syntax`
    /// names, from the table.
    fn function_call(
        &mut self,
        path: &syn::Path,
        syntax: Syntax,
        args: &[&Expr],
        hint: Option<Hint>,
        annotation: Option<Box<Type>>,
        span: Span,
    ) -> Option<Operand> {
        let ident = &path.segments.last().expect("a path has a segment").ident;
        let Some(prim) = primitives::lookup(&ident.to_string(), syntax) else {
            self.errors
                .spanned(ident, primitives::unknown(&ident.to_string(), syntax));
            return None;
        };
        let operands = self.arguments(prim, ident, args)?;
        for (operand, expr) in operands.iter().zip(args) {
            let slot = self.slot_of(operand);
            if syntax == Syntax::ScalarFunction {
                if self.types.as_ndarray(slot).is_some() {
                    self.errors.spanned(
                        expr,
                        format!(
                            "`scalar::{ident}` takes a float, not an ndarray array; for arrays, \
                             use the functions of `autodiff_runtime::nn`"
                        ),
                    );
                    return None;
                }
                // A callee's output of unknown type is a float here, as for float methods.
                continue;
            }
            // A callee's output of unknown type here is an array it returns, unannotated.
            if self.types.is_opaque(slot) {
                self.errors.spanned(
                    expr,
                    "#[grad] cannot see the type of this value, which comes from a call to a \
                     #[grad] function; to pass an array it returns to an `nn` function, write \
                     the type on the call's `let`: `let y: Array2<f64> = g(..);`",
                );
                return None;
            }
        }
        let args = operands;
        let path = path.to_token_stream();
        Some(Operand::Var(self.push(
            Op::Call { prim, path, args },
            hint,
            annotation,
            span,
        )))
    }

    /// `Axis(k)`, with `k` an integer constant or variable: the operand is `k` (emission writes
    /// the `Axis`).
    fn axis(&mut self, expr: &Expr) -> Option<Operand> {
        if let Expr::Call(call) = strip(expr)
            && let Expr::Path(path) = strip(&call.func)
            && path.path.segments.last().is_some_and(|s| s.ident == "Axis")
            && call.args.len() == 1
        {
            let index = self.expr(&call.args[0], None)?;
            if !self.function.is_active(&index) {
                return Some(index);
            }
        }
        self.errors.spanned(
            expr,
            "the axis must be written `Axis(k)`, with `k` an integer",
        );
        None
    }

    /// Lowers the arguments of a primitive, checking their number and kinds.
    fn arguments(
        &mut self,
        prim: &'static primitives::Primitive,
        ident: &syn::Ident,
        args: &[&Expr],
    ) -> Option<Vec<Operand>> {
        let name = prim.name;
        if args.len() != prim.args.len() {
            self.errors.spanned(
                ident,
                format!(
                    "`{name}` takes {} argument(s), found {}",
                    prim.args.len(),
                    args.len()
                ),
            );
            return None;
        }
        let mut lowered = Vec::new();
        for (expr, kind) in args.iter().zip(prim.args) {
            let operand = match kind {
                Arg::Axis => self.axis(expr),
                _ => self.expr(expr, None),
            };
            lowered.push(operand);
        }
        let lowered: Vec<Operand> = lowered.into_iter().collect::<Option<_>>()?;
        for ((operand, kind), expr) in lowered.iter().zip(prim.args).zip(args) {
            if matches!(kind, Arg::Int | Arg::Labels | Arg::Axis)
                && self.function.is_active(operand)
            {
                self.errors.spanned(
                    expr,
                    format!(
                        "this argument of `{name}` must be an integer, not a differentiated value"
                    ),
                );
                return None;
            }
            // Labels are `usize`s and an axis a `usize`, also where they are written as
            // unsuffixed literals (`&[1, 0]`) that the residuals keep.
            let usize_ty: Type = syn::parse_quote!(usize);
            let usize_slot = self.types.written(&usize_ty);
            let slot = self.slot_of(operand);
            match kind {
                Arg::Labels => self.types.unify_element(slot, usize_slot),
                Arg::Axis => self.types.unify(slot, usize_slot),
                Arg::Float | Arg::Int => {}
            }
        }
        Some(lowered)
    }

    /// Appends `let var = op;` and returns the new variable.
    /// Writes the type `ty` (`f32` or `f64`) on the `let` of an inactive temporary whose type
    /// Rust could not infer alone (`2.0 * 3.0`).
    fn annotate(&mut self, var: VarId, ty: &syn::Ident) {
        if self.function.is_active(&Operand::Var(var)) {
            return;
        }
        let Some(Stmt::Let(stmt)) = self
            .stmts
            .iter_mut()
            .find(|s| matches!(s, Stmt::Let(l) if l.var == var))
        else {
            return;
        };
        if stmt.annotation.is_none() {
            let ty: Type = syn::parse_quote!(#ty);
            let written = self.types.written(&ty);
            self.types.unify(self.function.vars[var.0].ty, written);
            stmt.annotation = Some(Box::new(ty));
        }
    }

    /// An element the body at hand already has: the value it just stored there (`xc[i] = e;`
    /// then `xc[i]` is `e`), or the same element read before (`q[i] * q[i]` reads it once).
    /// A variable names one version of an array, which nothing changes, so the element is the
    /// same wherever the body reads it. Not for ndarray elements (borrowed, not copied).
    fn element_known(&mut self, base: &Operand, position: &Operand) -> Option<Operand> {
        let Operand::Var(b) = base else { return None };
        let slot = self.function.var(*b).ty;
        if self.types.as_ndarray(slot).is_some() {
            return None;
        }
        let same = |a: &Operand| a.same_as(position);
        // A parameter's element the reverse sweep reads again from the parameter, keeping
        // nothing, and each read's cotangent goes straight into the parameter's: read once, the
        // contributions would add up in a temporary first, which costs more where the sweep
        // updates neighbouring elements (Rosenbrock's `bar_x[i]`, `bar_x[i + 1]`: LLVM pairs
        // the two stores, and the next iteration's load overlaps them half).
        let param = self.function.params.iter().any(|p| p.var == *b);
        // Only the last statements: the search stays linear in the body's length.
        const RECENT: usize = 64;
        let found = self.stmts.iter().rev().take(RECENT).find_map(|stmt| {
            let Stmt::Let(l) = stmt else { return None };
            match &l.op {
                Op::Store { index, value, .. } if l.var == *b && same(index) => Some(value.clone()),
                Op::Index {
                    base: Operand::Var(other),
                    index,
                } if other == b && same(index) && !param => Some(Operand::Var(l.var)),
                _ => None,
            }
        });
        // A variable only: a literal stored (`w[1] = 0.5`) has no type of its own to call a
        // method on (`(0.5).exp()` is ambiguous), and an array (stored or read) moves.
        match found {
            Some(Operand::Var(v)) if self.is_copied_scalar(v) => Some(Operand::Var(v)),
            _ => None,
        }
    }

    /// Whether `var` is a value a read copies: not an array of any kind, not a borrow.
    fn is_copied_scalar(&mut self, var: VarId) -> bool {
        let slot = self.function.var(var).ty;
        !self.function.var(var).borrowed && !self.types.is_array(slot)
    }

    fn push(
        &mut self,
        op: Op,
        hint: Option<Hint>,
        annotation: Option<Box<Type>>,
        span: Span,
    ) -> VarId {
        let name = match &hint {
            Some(hint) => {
                let first = self.bound.insert(hint.user.clone());
                self.names.variable(&hint.user, hint.span, first)
            }
            None => self.names.temp(span),
        };
        let active = crate::analysis::is_active(&self.function, &op);
        let slot = match &op {
            // A call none of whose arguments is differentiated is a constant: any function
            // will do, `#[grad]` or not, and its type is whatever the body makes of it (a
            // plain function's descriptor, the fallback, has none to give).
            // Taken for plain data, as a `const` is: where it is an array passed on to a callee
            // that takes one, the call fails to compile asking for its type.
            Op::GradCall { .. } if !active => self.types.unseen_constant(),
            op => self.result_type(op),
        };
        if let Some(ty) = &annotation {
            let written = self.types.written(ty);
            self.types.unify(slot, written);
        }
        let var = self.new_var(name, active, slot);
        // A tuple's elements, known where it is a tuple expression or a rebinding of a tuple
        // whose elements are known (`let q = p;`, `*p` of `p: &(f64, f64)`).
        let items = match &op {
            Op::Tuple(items) => Some(items.clone()),
            Op::Use(Operand::Var(v)) | Op::Deref(Operand::Var(v)) => self.fields.get(v).cloned(),
            _ => None,
        };
        if let Some(items) = items {
            self.fields.insert(var, items);
        }
        self.stmts.push(Stmt::Let(Let {
            var,
            op,
            annotation,
            span,
        }));
        var
    }

    /// The element type of an ndarray array's slot (a fresh unknown where it is not one).
    fn element_of_ndarray(&mut self, slot: Slot) -> Slot {
        match self.types.as_ndarray(slot) {
            Some((elem, _)) => elem,
            None => {
                let elem = self.types.unknown();
                self.types.unify_element(slot, elem);
                elem
            }
        }
    }

    /// The type of a primitive's result from its first argument's (`rest`: the others').
    fn primitive_type(&mut self, prim: &primitives::Primitive, first: Slot, rest: &[Slot]) -> Slot {
        let array = self.types.as_ndarray(first);
        match prim.output {
            Output::Usize => {
                let usize_ty: Type = syn::parse_quote!(usize);
                self.types.written(&usize_ty)
            }
            Output::SameAsFirst => {
                if prim.syntax == Syntax::FloatMethod {
                    // On an array (`x.powf(p)`), the float arguments are of its element type.
                    let float = array.map_or(first, |(elem, _)| elem);
                    self.types.is_a_float(float);
                    for (slot, kind) in rest.iter().zip(prim.args) {
                        if *kind == Arg::Float {
                            self.types.unify(float, *slot);
                        }
                    }
                }
                match array {
                    // A view or a borrowed array gives an owned array.
                    Some((elem, rank)) => self.types.ndarray(elem, rank),
                    None => first,
                }
            }
            Output::Constant => self.types.unseen_constant(),
            // The number of axes comes from the shape operand (`result_type`).
            Output::Reshaped => match array {
                Some((elem, _)) => self.types.ndarray(elem, None),
                None => self.types.unknown(),
            },
            Output::OneAxisMore => match array {
                Some((elem, rank)) => self.types.ndarray(elem, rank.map(|r| r + 1)),
                None => self.types.unknown(),
            },
            Output::Element => match array {
                Some((elem, _)) => elem,
                None => self.types.unknown(),
            },
            Output::OneAxisFewer => match array {
                Some((elem, rank)) => self.types.ndarray(elem, rank.map(|r| r.saturating_sub(1))),
                None => self.types.unknown(),
            },
            Output::MatrixProduct => {
                let rhs = rest.first().and_then(|r| self.types.as_ndarray(*r));
                match (array, rhs) {
                    (Some((elem, Some(1))), Some((_, Some(1)))) => elem,
                    (Some((elem, Some(ra))), Some((_, Some(rb)))) => {
                        self.types.ndarray(elem, Some(ra + rb - 2))
                    }
                    (Some((elem, _)), _) => self.types.ndarray(elem, None),
                    _ => self.types.unknown(),
                }
            }
        }
    }

    /// The type slot of an operation's result, unifying what the operation constrains.
    fn result_type(&mut self, op: &Op) -> Slot {
        match op {
            Op::Use(a) => self.slot_of(a),
            // `-&a` and `-view` are owned arrays, `-r` of `r: &f64` a float.
            Op::Neg(a) => {
                let slot = self.slot_of(a);
                match self.types.as_ndarray(slot) {
                    Some((elem, rank)) => self.types.ndarray(elem, rank),
                    None => self.types.dereferenced(slot),
                }
            }
            Op::Deref(a) => {
                let slot = self.slot_of(a);
                self.types.dereferenced(slot)
            }
            Op::Binary(_, a, b) => {
                let (a, b) = (self.slot_of(a), self.slot_of(b));
                match (self.types.as_ndarray(a), self.types.as_ndarray(b)) {
                    (None, None) => {
                        self.types.unify(a, b);
                        a
                    }
                    // Broadcasting: the result has the larger number of axes.
                    (Some((ea, ra)), Some((eb, rb))) => {
                        self.types.unify(ea, eb);
                        let rank = match (ra, rb) {
                            (Some(ra), Some(rb)) => Some(ra.max(rb)),
                            _ => None,
                        };
                        self.types.ndarray(ea, rank)
                    }
                    (Some((elem, rank)), None) => {
                        self.types.unify(elem, b);
                        self.types.ndarray(elem, rank)
                    }
                    (None, Some((elem, rank))) => {
                        self.types.unify(elem, a);
                        self.types.ndarray(elem, rank)
                    }
                }
            }
            Op::Method {
                prim,
                receiver,
                args,
                ..
            } if prim.output == Output::Reshaped => {
                // As many axes as the shape tuple has elements; one for an integer.
                let rank = match args.first() {
                    Some(Operand::Var(shape)) => self
                        .stmts
                        .iter()
                        .rev()
                        .find_map(|stmt| match stmt {
                            Stmt::Let(Let {
                                var,
                                op: Op::Tuple(items),
                                ..
                            }) if var == shape => Some(items.len()),
                            _ => None,
                        })
                        .unwrap_or(1),
                    _ => 1,
                };
                let slot = self.slot_of(receiver);
                let elem = self.element_of_ndarray(slot);
                self.types.ndarray(elem, Some(rank))
            }
            Op::Method {
                prim,
                receiver,
                args,
                ..
            } => {
                let first = self.slot_of(receiver);
                let rest: Vec<Slot> = args.iter().map(|a| self.slot_of(a)).collect();
                self.primitive_type(prim, first, &rest)
            }
            Op::GradCall { alias, float, .. } => {
                let kept = crate::descriptor::kept(alias, float);
                let output: Type = syn::parse_quote!(#kept::Output);
                self.types.written(&output)
            }
            Op::Call { prim, args, .. } => {
                let slots: Vec<Slot> = args.iter().map(|a| self.slot_of(a)).collect();
                let (first, rest) = slots.split_first().expect("nn functions take an argument");
                self.primitive_type(prim, *first, rest)
            }
            // `x.shape()[k]`: a `usize`.
            Op::Index {
                base: Operand::Var(base),
                ..
            } if self.stmts.iter().any(|stmt| {
                matches!(stmt, Stmt::Let(Let { var, op: Op::Method { prim, .. }, .. })
                    if var == base && prim.name == "shape")
            }) =>
            {
                let usize_ty: Type = syn::parse_quote!(usize);
                self.types.written(&usize_ty)
            }
            Op::Index { base, index } => {
                let base = self.slot_of(base);
                // `v[i]` is indexed by a `usize`, `m[[i, j]]` of an ndarray array by an array
                // of them.
                let index = self.slot_of(index);
                let usize_ty: Type = syn::parse_quote!(usize);
                let usize_slot = self.types.written(&usize_ty);
                if self.types.as_ndarray(base).is_some() && self.types.is_array(index) {
                    self.types.unify_element(index, usize_slot);
                } else {
                    self.types.unify(index, usize_slot);
                }
                let elem = self.types.unknown();
                self.types.unify_element(base, elem);
                elem
            }
            Op::Array(items) => {
                let elem = self.types.unknown();
                for item in items {
                    let slot = self.slot_of(item);
                    self.types.unify(elem, slot);
                }
                self.types.array(elem, items.len())
            }
            Op::Slice { base, elems } => {
                let slot = self.slot_of(base);
                let elem = self.element_of_ndarray(slot);
                let rank = elems
                    .iter()
                    .filter(|e| !matches!(e, crate::ssa::SliceElem::Index(_)))
                    .count();
                self.types.ndarray(elem, Some(rank))
            }
            // A field of a tuple the macro knows the type of (a tuple parameter's), or of a
            // constant (`x.dim()`): an integer rustc knows the type of.
            Op::Field(base, i) => {
                let slot = self.slot_of(base);
                self.types.field(slot, *i)
            }
            Op::Concat { items, stack, .. } => {
                let first = self.slot_of(&items[0]);
                let (elem, rank) = self
                    .types
                    .as_ndarray(first)
                    .unwrap_or_else(|| (self.types.unknown(), None));
                for item in &items[1..] {
                    let slot = self.slot_of(item);
                    self.types.unify_element(slot, elem);
                }
                let rank = if *stack { rank.map(|r| r + 1) } else { rank };
                self.types.ndarray(elem, rank)
            }
            Op::Map { receiver, .. } => {
                let slot = self.slot_of(receiver);
                let float = self.types.written(&self.float.clone());
                let rank = self.types.as_ndarray(slot).and_then(|(_, rank)| rank);
                self.types.ndarray(float, rank)
            }
            Op::NdArray { items, shape } => {
                let elem = self.types.unknown();
                for item in items {
                    let slot = self.slot_of(item);
                    self.types.unify(elem, slot);
                }
                self.types.is_a_float(elem);
                self.types.ndarray(elem, Some(shape.len()))
            }
            Op::Cast(_, ty) => self.types.written(ty),
            Op::Compare(..) | Op::Not(_) | Op::Or(..) | Op::Matches(..) => {
                let bool_ty: Type = syn::parse_quote!(bool);
                self.types.written(&bool_ty)
            }
            Op::MinLen(..) => {
                let usize_ty: Type = syn::parse_quote!(usize);
                self.types.written(&usize_ty)
            }
            Op::Filled { value, len, vec } => {
                let elem = self.slot_of(value);
                if *vec {
                    self.types.vec(elem)
                } else {
                    let Operand::Const(len) = len else {
                        unreachable!("a fixed length is written as a constant")
                    };
                    self.types.repeat(elem, len.clone())
                }
            }
            Op::Zeros { constructor, .. } => {
                let elem = self.types.unknown();
                self.types.ndarray(elem, constructor_rank(constructor))
            }
            Op::NewVec { .. } => {
                let elem = self.types.unknown();
                self.types.vec(elem)
            }
            Op::Push { base, value } => {
                let (base, value) = (self.slot_of(base), self.slot_of(value));
                self.types.unify_element(base, value);
                base
            }
            Op::FromElem {
                constructor, value, ..
            } => {
                let elem = self.slot_of(value);
                self.types.ndarray(elem, constructor_rank(constructor))
            }
            Op::Copy(a, _) => {
                let slot = self.slot_of(a);
                match self.types.as_ndarray(slot) {
                    Some((elem, rank)) => self.types.ndarray(elem, rank),
                    None => {
                        let inner = self.types.dereferenced(slot);
                        if self.types.is_slice(inner) {
                            let elem = self.types.unknown();
                            self.types.unify_element(inner, elem);
                            self.types.vec(elem)
                        } else {
                            inner
                        }
                    }
                }
            }
            Op::Store { base, index, value } => {
                let base = self.slot_of(base);
                let value = self.slot_of(value);
                self.types.unify_element(base, value);
                if self.types.as_ndarray(base).is_none() {
                    let index = self.slot_of(index);
                    let usize_ty: Type = syn::parse_quote!(usize);
                    let usize_slot = self.types.written(&usize_ty);
                    self.types.unify(index, usize_slot);
                }
                base
            }
            Op::Tuple(items) => {
                let items = items.iter().map(|item| self.slot_of(item)).collect();
                self.types.tuple(items)
            }
        }
    }
}

/// A literal constant with the float type `ty` as suffix (`2.0` → `2.0_f64`); other operands
/// unchanged.
fn with_suffix(operand: Operand, ty: &syn::Ident) -> Operand {
    let Operand::Const(tokens) = &operand else {
        return operand;
    };
    let (negative, literal) = match syn::parse2::<Expr>(tokens.clone()) {
        Ok(Expr::Lit(lit)) => (false, lit.lit),
        Ok(Expr::Unary(syn::ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        })) => match *expr {
            Expr::Lit(lit) => (true, lit.lit),
            _ => return operand,
        },
        _ => return operand,
    };
    let digits = match &literal {
        Lit::Float(f) if f.suffix().is_empty() => f.base10_digits().to_owned(),
        Lit::Int(i) if i.suffix().is_empty() => i.base10_digits().to_owned(),
        _ => return operand,
    };
    let float = if digits.contains(['.', 'e', 'E']) {
        digits
    } else {
        format!("{digits}.0")
    };
    let suffixed = syn::parse_str::<syn::LitFloat>(&format!("{float}_{ty}"))
        .map(|l| quote!(#l))
        .unwrap_or_else(|_| tokens.clone());
    Operand::Const(if negative {
        quote!(-#suffixed)
    } else {
        suffixed
    })
}

/// `-c` of a constant, folding `-(-c)` to `c` so no double negation is emitted.
fn negate(tokens: &proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let mut trees = tokens.clone().into_iter();
    match trees.next() {
        Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '-' => trees.collect(),
        _ => quote!(-#tokens),
    }
}

/// `Array1`, `Array2`, `ArrayD`, `Array`, `ArrayBase`, `Vec`: a type whose associated functions
/// (`zeros`, `from_elem`, `new`) make a local array.
fn is_array_type_name(ident: &syn::Ident) -> bool {
    let name = ident.to_string();
    name == "Vec"
        || name == "ArrayBase"
        || name
            .strip_prefix("Array")
            .is_some_and(|rest| rest.is_empty() || rest == "D" || rest.parse::<u8>().is_ok())
}

/// `zeros`, `from_elem`, `new`, …: an associated function that makes an array.
/// The number of axes `Array2::zeros` makes (none known for `Array::zeros`).
fn constructor_rank(constructor: &syn::Path) -> Option<usize> {
    let owner = constructor.segments.iter().rev().nth(1)?;
    owner
        .ident
        .to_string()
        .strip_prefix("Array")?
        .parse::<usize>()
        .ok()
}

fn is_constructor_name(ident: &syn::Ident) -> bool {
    let name = ident.to_string();
    [
        "zeros",
        "ones",
        "from_elem",
        "from_vec",
        "from_shape_vec",
        "from_shape_fn",
        "from_iter",
        "eye",
        "linspace",
        "range",
        "logspace",
        "geomspace",
        "default",
        "new",
        "with_capacity",
        "from",
        "uninit",
    ]
    .contains(&name.as_str())
}

fn strip(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(e) => strip(&e.expr),
        Expr::Group(e) => strip(&e.expr),
        e => e,
    }
}

fn arithmetic(op: &syn::BinOp) -> Option<BinOp> {
    Some(match op {
        syn::BinOp::Add(_) => BinOp::Add,
        syn::BinOp::Sub(_) => BinOp::Sub,
        syn::BinOp::Mul(_) => BinOp::Mul,
        syn::BinOp::Div(_) => BinOp::Div,
        syn::BinOp::Rem(_) => BinOp::Rem,
        _ => return None,
    })
}

fn compound(op: &syn::BinOp) -> Option<BinOp> {
    Some(match op {
        syn::BinOp::AddAssign(_) => BinOp::Add,
        syn::BinOp::SubAssign(_) => BinOp::Sub,
        syn::BinOp::MulAssign(_) => BinOp::Mul,
        syn::BinOp::DivAssign(_) => BinOp::Div,
        syn::BinOp::RemAssign(_) => BinOp::Rem,
        _ => return None,
    })
}

fn is_comparison(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        Eq(_) | Lt(_) | Le(_) | Ne(_) | Ge(_) | Gt(_) | And(_) | Or(_)
    )
}

/// The message for an expression kind outside the straight-line subset.
fn unsupported(expr: &Expr) -> String {
    match expr {
        Expr::Match(_) => "`match` is not supported in a #[grad] function; for a simple choice \
                           use `max`, `min`, `abs` or `signum`, or match outside the function"
            .into(),
        Expr::ForLoop(_) => "a `for` loop is a statement of its own in a #[grad] function; \
                             accumulate into a `let mut` variable and use that"
            .into(),
        Expr::While(_) | Expr::Loop(_) => "`while` and `loop` are not supported in a #[grad] \
            function yet; write a `for` loop over a range of integers"
            .into(),
        Expr::Closure(_) => "a closure in a #[grad] function is bound by `let` and called by \
                             name (`let g = |v: f64| v * v; g(x)`) or given to `mapv`; write it \
                             so, or as `let` statements"
            .into(),
        Expr::Macro(_) => "macros are not supported in the body of a #[grad] function, because \
                           their expansion cannot be differentiated; write the computation out"
            .into(),
        Expr::Block(_) | Expr::Unsafe(_) => "blocks are not supported in a #[grad] function; \
                                             write their statements at the top level of the body"
            .into(),
        Expr::Field(_) => "access to a named field is not supported in a #[grad] function; \
                           pass the field as a parameter (tuple fields, `p.0`, are supported)"
            .into(),
        Expr::Tuple(_) => "a tuple is only supported on the right of a tuple `let`: \
                           `let (a, b) = (.., ..);`"
            .into(),
        Expr::Return(_) => {
            "`return` is only supported as the last statement of a #[grad] function".into()
        }
        Expr::Assign(_) => "an assignment must be a statement of its own: `s = x;`".into(),
        Expr::Reference(_) => {
            "`&mut` is not supported in a #[grad] function: it must not mutate through references"
                .into()
        }
        _ => format!("this expression is not supported in a #[grad] function; {WHAT_A_BODY_HOLDS}"),
    }
}

/// The shape of the nested array literal in `array![..]`, its leaves pushed in row-major order;
/// `None` where the rows differ in length or nesting.
fn ndarray_literal<'e>(expr: &'e Expr, leaves: &mut Vec<&'e Expr>) -> Option<Vec<usize>> {
    let Expr::Array(array) = expr else {
        leaves.push(expr);
        return Some(Vec::new());
    };
    let mut inner: Option<Vec<usize>> = None;
    for elem in &array.elems {
        let shape = ndarray_literal(elem, leaves)?;
        if inner.as_ref().is_some_and(|s| *s != shape) {
            return None;
        }
        inner = Some(shape);
    }
    let mut shape = vec![array.elems.len()];
    shape.extend(inner.unwrap_or_default());
    (shape[0] > 0).then_some(shape)
}

/// One element of `s![..]` as written: a range, an index or `NewAxis`, and its `;step`.
struct TokenGroup {
    range: Expr,
    step: Option<Expr>,
}

impl syn::parse::Parse for TokenGroup {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let range = input.parse()?;
        let step = if input.peek(syn::Token![;]) {
            input.parse::<syn::Token![;]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        Ok(TokenGroup { range, step })
    }
}
