//! Lowering of control flow: `if` (statement and expression), `for` over integer ranges,
//! comparisons and `&&`, `||`, `!`.
//!
//! Each arm and loop body is lowered into a [`Body`] of its own, from a copy of the
//! environment. Where the arms leave a user name bound to different variables, the `if` merges
//! them into a fresh variable ([`Phi`]); a loop carries the names its body assigns
//! ([`Carried`]), found before the body is lowered so that it reads them through `inside`.

use std::collections::HashMap;

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, Pat, Stmt as SynStmt};

use super::{Hint, Lowerer, jumps, strip};
use crate::primitives;
use crate::ssa::{Adaptor, Body, Carried, CmpOp, If, Loop, Op, Operand, Phi, Range, Stmt, VarId};

impl Lowerer<'_> {
    /// Runs `lower` on a body of its own, from the current environment; returns the body,
    /// the environment at its end (restoring the current one) and what `lower` returned.
    fn scoped<T>(&mut self, lower: impl FnOnce(&mut Self) -> T) -> (Body, Env, T) {
        let outer_stmts = std::mem::take(&mut self.stmts);
        let outer_env = self.env.clone();
        self.begin_block();
        let result = lower(self);
        self.end_block();
        let body = Body {
            stmts: std::mem::replace(&mut self.stmts, outer_stmts),
            output: Operand::Const(quote::quote!(())),
        };
        let env = std::mem::replace(&mut self.env, outer_env);
        (body, env, result)
    }

    /// The statements of a block; with `value`, the operand of its tail expression.
    pub(super) fn block(&mut self, stmts: &[SynStmt], value: bool, span: Span) -> Option<Operand> {
        match stmts.split_last() {
            Some((SynStmt::Expr(last, None), init)) if value && !jumps::is_jump(last) => {
                self.sequence(init, Some(&mut |cx| cx.expr(last, None)), true)
            }
            // A block that jumps gives no value: a placeholder never read.
            Some((SynStmt::Expr(last, _), _)) if value && jumps::is_jump(last) => {
                self.sequence(stmts, None, true)
            }
            _ => {
                self.sequence(stmts, None, false);
                if value {
                    self.errors.push(syn::Error::new(
                        span,
                        "this block must end with an expression giving its value (no `;` after \
                         it)",
                    ));
                }
                None
            }
        }
    }

    fn next_compound(&mut self) -> usize {
        self.compounds += 1;
        self.compounds - 1
    }

    /// A variable for the record of an `if` or a loop (`if0`, `loop1`).
    fn record_var(&mut self, base: &str, span: Span) -> VarId {
        let name = self.names.fresh(base, span);
        let slot = self.types.unknown();
        self.new_var(name, false, slot)
    }

    /// `if cond { .. } else { .. }`; with `value`, the operand it gives.
    pub(super) fn if_expr(
        &mut self,
        expr: &syn::ExprIf,
        value: bool,
        hint: Option<Hint>,
    ) -> Option<Operand> {
        if value && expr.else_branch.is_none() {
            self.errors.spanned(
                expr,
                "an `if` that gives a value needs an `else` giving one of the same type",
            );
            return None;
        }
        let cond = self.condition(&expr.cond)?;
        let then =
            |cx: &mut Self| cx.block(&expr.then_branch.stmts, value, expr.then_branch.span());
        let else_ = |cx: &mut Self| match &expr.else_branch {
            Some((_, else_expr)) => match strip(else_expr) {
                Expr::Block(block) => cx.block(&block.block.stmts, value, block.span()),
                // `else if`: the nested `if` alone in the `else` arm.
                Expr::If(nested) => cx.if_expr(nested, value, None),
                other => {
                    cx.errors
                        .spanned(other, "expected a block or `if` after `else`");
                    None
                }
            },
            None => None,
        };
        self.branch(cond, expr.span(), value, hint, then, else_)
    }

    /// `match scrutinee { .. }` on an integer, a `bool` or a field-less enum: a chain of `if`s
    /// testing each arm's pattern in turn (`matches!`), the last arm the final `else`.
    pub(super) fn match_expr(
        &mut self,
        expr: &syn::ExprMatch,
        value: bool,
        hint: Option<Hint>,
    ) -> Option<Operand> {
        let scrutinee = self.expr(&expr.expr, None)?;
        if self.function.is_active(&scrutinee) {
            self.errors.spanned(
                &expr.expr,
                "a `match` on a differentiated value has no derivative to follow; compare it \
                 with `if` instead, or match on an integer, a `bool` or an enum",
            );
            return None;
        }
        for (i, arm) in expr.arms.iter().enumerate() {
            let last = i + 1 == expr.arms.len();
            if let Some((_, guard)) = &arm.guard {
                self.errors.spanned(
                    guard,
                    "match guards are not supported in a #[grad] function; write an `if` \
                     inside the arm",
                );
                return None;
            }
            let allowed = binds_nothing(&arm.pat) || (last && binding(&arm.pat).is_some());
            if !allowed {
                self.errors.spanned(
                    &arm.pat,
                    "a `match` in a #[grad] function takes literal, range, `|`, path and `_` \
                     patterns; bind the value before the `match` instead",
                );
                return None;
            }
        }
        if expr.arms.is_empty() {
            self.errors
                .spanned(expr, "a `match` needs at least one arm");
            return None;
        }
        self.match_arms(&scrutinee, &expr.arms, value, hint, expr.span())
    }

    fn match_arms(
        &mut self,
        scrutinee: &Operand,
        arms: &[syn::Arm],
        value: bool,
        hint: Option<Hint>,
        span: Span,
    ) -> Option<Operand> {
        let (first, rest) = arms.split_first().expect("at least one arm");
        let arm_body = |cx: &mut Self, arm: &syn::Arm| match strip(&arm.body) {
            Expr::Block(block) if block.label.is_none() => {
                cx.block(&block.block.stmts, value, block.span())
            }
            body if jumps::is_jump(body) => {
                cx.jump(body);
                value.then(jumps::placeholder)
            }
            body if value => cx.expr(body, None),
            body => {
                cx.expr_statement(body);
                None
            }
        };
        if rest.is_empty() {
            // Rust checked the match exhaustive: the last arm runs if no other did. Its binding
            // ends with it, as in an `if` arm.
            self.begin_block();
            if let Some(ident) = binding(&first.pat) {
                let hint = Hint {
                    user: ident.to_string(),
                    span: ident.span(),
                };
                let var = self.push(Op::Use(scrutinee.clone()), Some(hint), None, ident.span());
                self.declare(&ident.to_string());
                self.env.insert(ident.to_string(), var);
            }
            let value = arm_body(self, first);
            self.end_block();
            return value;
        }
        let pat = &first.pat;
        let cond = Operand::Var(self.push(
            Op::Matches(scrutinee.clone(), Box::new(pat.clone())),
            None,
            None,
            pat.span(),
        ));
        self.branch(
            cond,
            span,
            value,
            hint,
            |cx| arm_body(cx, first),
            |cx| cx.match_arms(scrutinee, rest, value, None, span),
        )
    }

    /// `if cond { then } else { else_ }`, each arm lowered by its function in a body of its own,
    /// with the user names the arms rebind merged after it; with `value`, the operand it gives.
    pub(super) fn branch(
        &mut self,
        cond: Operand,
        span: Span,
        value: bool,
        hint: Option<Hint>,
        then: impl FnOnce(&mut Self) -> Option<Operand>,
        else_: impl FnOnce(&mut Self) -> Option<Operand>,
    ) -> Option<Operand> {
        // Numbered before the arms, so records read in the order of the source.
        let id = self.next_compound();
        let record = self.record_var(&format!("if{id}"), span);
        let (then, then_env, then_value) = self.scoped(then);
        let (else_, else_env, else_value) = self.scoped(else_);
        let mut merges = Vec::new();
        // The names either arm rebinds, in a deterministic order.
        let mut names: Vec<&String> = self
            .env
            .keys()
            .filter(|n| {
                then_env.get(*n) != self.env.get(*n) || else_env.get(*n) != self.env.get(*n)
            })
            .collect();
        names.sort();
        let names: Vec<String> = names.into_iter().cloned().collect();
        for name in names {
            let (Some(&a), Some(&b)) = (then_env.get(&name), else_env.get(&name)) else {
                // An arm failed to bind it after an error.
                self.env.remove(&name);
                continue;
            };
            let phi = self.phi(
                jumps::base_name(&name),
                Operand::Var(a),
                Operand::Var(b),
                span,
            );
            self.env.insert(name, phi.var);
            merges.push(phi);
        }
        let mut output = None;
        if value {
            let (a, b) = (then_value?, else_value?);
            let user = hint.map(|h| h.user).unwrap_or_default();
            let phi = self.phi(&user, a, b, span);
            output = Some(Operand::Var(phi.var));
            merges.push(phi);
        }
        self.stmts.push(Stmt::If(If {
            id,
            cond,
            then,
            else_,
            merges,
            record,
            span,
        }));
        output
    }

    /// A fresh variable merging `then` and `else_`, named after the user name `user` (a
    /// temporary where empty).
    fn phi(&mut self, user: &str, then: Operand, else_: Operand, span: Span) -> Phi {
        let name = if user.is_empty() {
            self.names.temp(span)
        } else {
            let first = self.bound.insert(user.to_owned());
            self.names.variable(user, span, first)
        };
        let (a, b) = (self.slot_of(&then), self.slot_of(&else_));
        self.types.unify(a, b);
        let active = self.function.is_active(&then) || self.function.is_active(&else_);
        let var = self.new_var(name, active, a);
        Phi { var, then, else_ }
    }

    /// A condition: an operand giving a `bool`. `a && b` and `a || b` are `if`s, so that `b` is
    /// evaluated only where Rust would.
    pub(super) fn condition(&mut self, expr: &Expr) -> Option<Operand> {
        if let Some((jump, _)) = jumps::jumps_in(&[SynStmt::Expr(expr.clone(), None)]).first() {
            let what = match jump {
                jumps::Jump::Return => "`return`",
                jumps::Jump::Break { .. } => "`break`",
                jumps::Jump::Continue { .. } => "`continue`",
            };
            self.errors.spanned(
                expr,
                format!(
                    "a {what} inside a condition is not supported in a #[grad] function; \
                     compute the condition in a `let` before it"
                ),
            );
            return None;
        }
        match strip(expr) {
            Expr::Binary(binary) => {
                let span = binary.span();
                let cmp = match binary.op {
                    syn::BinOp::Eq(_) => Some(CmpOp::Eq),
                    syn::BinOp::Ne(_) => Some(CmpOp::Ne),
                    syn::BinOp::Lt(_) => Some(CmpOp::Lt),
                    syn::BinOp::Le(_) => Some(CmpOp::Le),
                    syn::BinOp::Gt(_) => Some(CmpOp::Gt),
                    syn::BinOp::Ge(_) => Some(CmpOp::Ge),
                    _ => None,
                };
                if let Some(cmp) = cmp {
                    let a = self.expr(&binary.left, None);
                    let b = self.expr(&binary.right, None);
                    let (a, b) = (a?, b?);
                    let (sa, sb) = (self.slot_of(&a), self.slot_of(&b));
                    self.types.unify(sa, sb);
                    return Some(Operand::Var(self.push(
                        Op::Compare(cmp, a, b),
                        None,
                        None,
                        span,
                    )));
                }
                let and = match binary.op {
                    syn::BinOp::And(_) => true,
                    syn::BinOp::Or(_) => false,
                    _ => {
                        self.errors.spanned(
                            expr,
                            "a condition must be a comparison, `&&`, `||`, `!` or a `bool`",
                        );
                        return None;
                    }
                };
                // `a && b` is `if a { b } else { false }`; `a || b` is `if a { true } else { b }`.
                let a = self.condition(&binary.left)?;
                let outer_stmts = std::mem::take(&mut self.stmts);
                let b = self.condition(&binary.right);
                let rhs = std::mem::replace(&mut self.stmts, outer_stmts);
                let b = b?;
                let constant = Operand::Const(if and {
                    quote::quote!(false)
                } else {
                    quote::quote!(true)
                });
                let empty = Body {
                    stmts: Vec::new(),
                    output: Operand::Const(quote::quote!(())),
                };
                let rhs = Body {
                    stmts: rhs,
                    output: Operand::Const(quote::quote!(())),
                };
                let (then, else_, phi) = if and {
                    (rhs, empty, self.phi("", b, constant, span))
                } else {
                    (empty, rhs, self.phi("", constant, b, span))
                };
                let var = phi.var;
                let id = self.next_compound();
                let record = self.record_var(&format!("if{id}"), span);
                self.stmts.push(Stmt::If(If {
                    id,
                    cond: a,
                    then,
                    else_,
                    merges: vec![phi],
                    record,
                    span,
                }));
                Some(Operand::Var(var))
            }
            Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Not(_)) => {
                let a = self.condition(&unary.expr)?;
                Some(Operand::Var(self.push(
                    Op::Not(a),
                    None,
                    None,
                    unary.span(),
                )))
            }
            other => {
                let operand = self.expr(other, None)?;
                if self.function.is_active(&operand) {
                    self.errors.spanned(other, "a condition must be a `bool`");
                    return None;
                }
                Some(operand)
            }
        }
    }

    /// `for pat in range { .. }`.
    pub(super) fn for_loop(&mut self, expr: &syn::ExprForLoop) {
        let Some(Iteration { range, item }) = self.iteration(&expr.expr) else {
            return;
        };
        // The index: the name the pattern gives it, a fresh one where the loop runs over
        // elements, or none for `for _ in a..b`.
        let index_name = match (&item, index_pattern(&expr.pat, &item)) {
            (_, Some(ident)) => Some(ident.clone()),
            (Item::Index, None) => None,
            (_, None) => Some(syn::Ident::new("index", expr.pat.span())),
        };
        let shape = Shape::For {
            range,
            item,
            pat: &expr.pat,
            index_name,
        };
        self.lower_loop(
            shape,
            &expr.attrs,
            expr.label.as_ref(),
            &expr.body.stmts,
            expr.span(),
        );
    }

    /// `while cond { .. }`.
    pub(super) fn while_loop(&mut self, expr: &syn::ExprWhile) {
        let assigned = assigned_names(&[SynStmt::Expr((*expr.cond).clone(), None)], &self.env);
        if let Expr::Let(_) = strip(&expr.cond) {
            self.errors.spanned(
                &expr.cond,
                "`while let` is not supported in a #[grad] function; write `loop` with a \
                 `match` or an `if` that `break`s",
            );
            return;
        }
        if !assigned.is_empty() {
            self.errors.spanned(
                &expr.cond,
                format!(
                    "a `while` condition in a #[grad] function may not assign `{}`; assign it \
                     in the loop's body",
                    assigned[0]
                ),
            );
            return;
        }
        let shape = Shape::While { cond: &expr.cond };
        self.lower_loop(
            shape,
            &expr.attrs,
            expr.label.as_ref(),
            &expr.body.stmts,
            expr.span(),
        );
    }

    /// `loop { .. }`; the value of its `break value`, if it gives one.
    pub(super) fn loop_expr(&mut self, expr: &syn::ExprLoop) -> Option<Operand> {
        self.lower_loop(
            Shape::Loop,
            &expr.attrs,
            expr.label.as_ref(),
            &expr.body.stmts,
            expr.span(),
        )
    }

    /// A loop of any shape: carried variables (what the body assigns, and the flags its jumps
    /// set), the body with its jumps made structured, and the flags that end it early.
    fn lower_loop(
        &mut self,
        shape: Shape<'_>,
        attrs: &[syn::Attribute],
        label: Option<&syn::Label>,
        stmts: &[SynStmt],
        span: Span,
    ) -> Option<Operand> {
        let checkpoint =
            crate::checkpoint::of_loop(attrs, matches!(shape, Shape::For { .. }), self.errors);
        let id = self.next_compound();
        let records = self.record_var(&format!("loop{id}"), span);
        let nested = !self.loops.is_empty();
        let label = label.map(|l| l.name.ident.to_string());
        let jumps = jumps::jumps_in(stmts);
        let own = |want: fn(&jumps::Jump) -> bool| {
            jumps
                .iter()
                .any(|(j, inner)| want(j) && jumps::targets_this(j, inner, label.as_deref()))
        };
        let breaks = own(|j| matches!(j, jumps::Jump::Break { .. }));
        let breaks_with_value = own(|j| matches!(j, jumps::Jump::Break { value: true, .. }));
        let continues = own(|j| matches!(j, jumps::Jump::Continue { .. }));
        // A `loop` ends by a `break` of its own, a `return`, or a labelled jump to an enclosing
        // loop.
        let leaves = jumps.iter().any(|(j, inner)| {
            jumps::escapes(j, inner) && !jumps::targets_this(j, inner, label.as_deref())
        });
        if matches!(shape, Shape::Loop) && !breaks && !leaves {
            self.errors.push(syn::Error::new(
                span,
                "a `loop` in a #[grad] function needs a `break`",
            ));
            return None;
        }
        let frame = jumps::LoopFrame {
            label: label.clone(),
            broke: format!("\u{1}broke{id}"),
            continued: format!("\u{1}continued{id}"),
            value: breaks_with_value.then(|| format!("\u{1}value{id}")),
        };
        // Flags (and values) set inside: its own `break`'s, and those of jumps out of it.
        let mut flag_keys: Vec<String> = Vec::new();
        if breaks {
            self.assign_key(
                &frame.broke,
                "broke",
                Operand::Const(quote::quote!(false)),
                span,
            );
            flag_keys.push(frame.broke.clone());
        }
        if let Some(key) = &frame.value {
            self.assign_key(key, "value", jumps::placeholder(), span);
        }
        let outer_flags = {
            // Jumps in the body to enclosing loops, and returns.
            let escaping: Vec<_> = jumps
                .iter()
                .filter(|(j, inner)| {
                    !jumps::targets_this(j, inner, label.as_deref()) && jumps::escapes(j, inner)
                })
                .cloned()
                .collect();
            let mut keys = Vec::new();
            for (jump, _) in &escaping {
                let found = match jump {
                    jumps::Jump::Return => self
                        .returns
                        .as_ref()
                        .map(|r| vec![(r.returned.clone(), true), (r.value.clone(), false)]),
                    jumps::Jump::Break {
                        label: Some(l),
                        value,
                        ..
                    } => self
                        .loops
                        .iter()
                        .rev()
                        .find(|f| f.label.as_ref() == Some(l))
                        .map(|f| {
                            let mut keys = vec![(f.broke.clone(), true)];
                            if *value && let Some(v) = &f.value {
                                keys.push((v.clone(), false));
                            }
                            keys
                        }),
                    jumps::Jump::Continue { label: Some(l), .. } => self
                        .loops
                        .iter()
                        .rev()
                        .find(|f| f.label.as_ref() == Some(l))
                        .map(|f| vec![(f.continued.clone(), true)]),
                    _ => None,
                };
                for key in found.into_iter().flatten() {
                    if !keys.contains(&key) {
                        keys.push(key);
                    }
                }
            }
            keys
        };
        let mut carried_names = assigned_names(stmts, &self.env);
        for key in flag_keys.iter().chain(frame.value.iter()) {
            carried_names.push(key.clone());
        }
        for (key, is_flag) in &outer_flags {
            if self.env.contains_key(key) && !carried_names.contains(key) {
                carried_names.push(key.clone());
                if *is_flag {
                    flag_keys.push(key.clone());
                }
            }
        }
        let outer_stmts = std::mem::take(&mut self.stmts);
        let outer_env = self.env.clone();
        let mut carried = Vec::new();
        for name in &carried_names {
            let before = self.env[name];
            let base = jumps::base_name(name).to_owned();
            let first = self.bound.insert(base.clone());
            let ident = self
                .names
                .variable(&base, self.function.var(before).name.span(), first);
            let slot = self.function.var(before).ty;
            let active = self.function.var(before).active;
            let inside = self.new_var(ident, active, slot);
            self.env.insert(name.clone(), inside);
            carried.push((name.clone(), before, inside));
        }
        let exits: Vec<VarId> = carried
            .iter()
            .filter(|(name, ..)| flag_keys.contains(name))
            .map(|(_, _, inside)| *inside)
            .collect();
        // The body's `let`s (and the loop pattern's names) end with it.
        self.begin_block();
        // The shape's own part: the index and the pattern, or the condition.
        let mut index = None;
        let mut range_out = None;
        let mut cond_out = None;
        match shape {
            Shape::For {
                range,
                item,
                pat,
                index_name,
            } => {
                index = index_name.map(|ident| {
                    let first = self.bound.insert(ident.to_string());
                    let name = self.names.variable(&ident.to_string(), ident.span(), first);
                    let slot = self.slot_of(&range.start);
                    let end = self.slot_of(&range.end);
                    self.types.unify(slot, end);
                    let var = self.new_var(name, false, slot);
                    self.declare(&ident.to_string());
                    self.env.insert(ident.to_string(), var);
                    var
                });
                if !self.bind_item(pat, &item, index) {
                    self.blocks.pop();
                    self.stmts = outer_stmts;
                    self.env = outer_env;
                    return None;
                }
                range_out = Some(range);
            }
            Shape::While { cond } => {
                let (body, _, value) = self.scoped(|cx| cx.condition(cond));
                let Some(value) = value else {
                    self.blocks.pop();
                    self.stmts = outer_stmts;
                    self.env = outer_env;
                    return None;
                };
                cond_out = Some(crate::ssa::Cond { body, value });
            }
            Shape::Loop => {}
        }
        if continues {
            self.assign_key(
                &frame.continued,
                "continued",
                Operand::Const(quote::quote!(false)),
                span,
            );
        }
        self.loops.push(frame);
        self.sequence(stmts, None, false);
        self.loops.pop();
        self.end_block();
        let body = Body {
            stmts: std::mem::replace(&mut self.stmts, outer_stmts),
            output: Operand::Const(quote::quote!(())),
        };
        let inner_env = std::mem::replace(&mut self.env, outer_env);
        let mut carried_vars = Vec::new();
        for (name, before, inside) in carried {
            let Some(&next) = inner_env.get(&name) else {
                self.env.remove(&name);
                continue;
            };
            let next_slot = self.function.var(next).ty;
            self.types.unify(self.function.var(inside).ty, next_slot);
            let base = jumps::base_name(&name).to_owned();
            let first = self.bound.insert(base.clone());
            let ident = self
                .names
                .variable(&base, self.function.var(before).name.span(), first);
            let slot = self.function.var(inside).ty;
            let active = self.function.var(inside).active || self.function.var(next).active;
            let after = self.new_var(ident, active, slot);
            self.env.insert(name, after);
            carried_vars.push(Carried {
                before: Operand::Var(before),
                inside,
                next: Operand::Var(next),
                after,
            });
        }
        let value = breaks_with_value
            .then(|| self.env.get(&format!("\u{1}value{id}")).copied())
            .flatten()
            .map(Operand::Var);
        self.stmts.push(Stmt::Loop(Loop {
            id,
            index,
            range: range_out,
            cond: cond_out,
            body,
            carried: carried_vars,
            exits,
            nested,
            checkpoint,
            records,
            span,
        }));
        value
    }

    /// What a `for` loop runs over: a range of integers, or the elements of arrays, slices and
    /// `Vec`s (`x`, `&x`, `x.iter()`), enumerated or zipped, as an index range and what each
    /// index gives.
    fn iteration(&mut self, expr: &Expr) -> Option<Iteration> {
        const OVER: &str = "a `for` loop in a #[grad] function runs over a range of integers \
                            (`a..b`, `a..=b`, `.rev()`, `.step_by(k)`) or the elements of float \
                            arrays, slices and `Vec`s (`x.iter()`, `&x`, with `.enumerate()` and \
                            `.zip(..)`)";
        match strip(expr) {
            Expr::Range(_) => Some(Iteration {
                range: self.range(expr)?,
                item: Item::Index,
            }),
            Expr::MethodCall(call) => {
                let method = call.method.to_string();
                match (method.as_str(), call.args.len()) {
                    ("iter" | "into_iter" | "copied" | "cloned", 0) => {
                        self.iteration(&call.receiver)
                    }
                    ("rev", 0) => {
                        let mut inner = self.iteration(&call.receiver)?;
                        inner.range.adaptors.push(Adaptor::Rev);
                        Some(inner)
                    }
                    ("step_by", 1) => {
                        let mut inner = self.iteration(&call.receiver)?;
                        let step = self.expr(&call.args[0], None)?;
                        self.unify_usize(&step);
                        inner.range.adaptors.push(Adaptor::StepBy(step));
                        Some(inner)
                    }
                    ("enumerate", 0) => {
                        let inner = self.iteration(&call.receiver)?;
                        if matches!(inner.item, Item::Index) || !inner.range.adaptors.is_empty() {
                            self.errors.spanned(
                                &call.method,
                                "`enumerate` is supported directly on the elements of an array \
                                 or slice (`x.iter().enumerate()`, then `.rev()` if needed)",
                            );
                            return None;
                        }
                        Some(Iteration {
                            range: inner.range,
                            item: Item::Pair(Box::new(Item::Index), Box::new(inner.item)),
                        })
                    }
                    ("zip", 1) => {
                        let a = self.iteration(&call.receiver)?;
                        let b = self.iteration(&call.args[0])?;
                        if matches!(a.item, Item::Index)
                            || matches!(b.item, Item::Index)
                            || !a.range.adaptors.is_empty()
                            || !b.range.adaptors.is_empty()
                        {
                            self.errors.spanned(
                                &call.method,
                                "`zip` is supported between the elements of two arrays or \
                                 slices (`x.iter().zip(y.iter())`, then `.rev()` if needed)",
                            );
                            return None;
                        }
                        let span = call.span();
                        let end = Operand::Var(self.push(
                            Op::MinLen(a.range.end, b.range.end),
                            None,
                            None,
                            span,
                        ));
                        Some(Iteration {
                            range: Range {
                                start: a.range.start,
                                end,
                                inclusive: false,
                                adaptors: Vec::new(),
                            },
                            item: Item::Pair(Box::new(a.item), Box::new(b.item)),
                        })
                    }
                    _ => {
                        self.errors.spanned(
                            &call.method,
                            format!("`{method}` is not supported here: {OVER}"),
                        );
                        None
                    }
                }
            }
            Expr::Reference(reference) if reference.mutability.is_none() => {
                self.iteration(&reference.expr)
            }
            // An array by name, or an array in a tuple (`p.1`).
            Expr::Path(_) | Expr::Field(_) => {
                let span = expr.span();
                let array = self.expr(expr, None)?;
                let slot = self.slot_of(&array);
                // A one-axis ndarray array is read element by element as a slice is.
                if let Some((_, rank)) = self.types.as_ndarray(slot)
                    && rank != Some(1)
                {
                    self.errors.spanned(
                        expr,
                        "iterating over an ndarray array of more than one axis is not supported \
                         in a #[grad] function; loop over its indices (`for i in 0..m.nrows()`) \
                         and read `m[[i, j]]`, or use `mapv` and the array methods",
                    );
                    return None;
                }
                let len = primitives::lookup("len", primitives::Syntax::FloatMethod)
                    .expect("`len` is in the table");
                let end = Operand::Var(self.push(
                    Op::Method {
                        prim: len,
                        receiver: array.clone(),
                        args: Vec::new(),
                        unwrap: None,
                    },
                    None,
                    None,
                    span,
                ));
                Some(Iteration {
                    range: Range {
                        start: Operand::Const(quote::quote!(0)),
                        end,
                        inclusive: false,
                        adaptors: Vec::new(),
                    },
                    item: Item::Element(array),
                })
            }
            other => {
                self.errors.spanned(other, OVER);
                None
            }
        }
    }

    /// Binds the loop pattern to what each index gives: the index itself, or elements read at
    /// it (`let v = x[i];` at the start of the body). False after an error.
    fn bind_item(&mut self, pat: &Pat, item: &Item, index: Option<VarId>) -> bool {
        const PATTERN: &str = "this pattern does not match what the loop gives: write a name, \
                               `_`, `&name`, or a tuple of those for `enumerate` and `zip`";
        match (pat, item) {
            (Pat::Wild(_), _) => true,
            (Pat::Ident(_), Item::Index) => true,
            (Pat::Reference(reference), Item::Element(_)) if reference.mutability.is_none() => {
                self.bind_item(&reference.pat, item, index)
            }
            (Pat::Ident(ident), Item::Element(array))
                if ident.by_ref.is_none() && ident.subpat.is_none() =>
            {
                let Some(index) = index else {
                    return false;
                };
                let hint = Hint {
                    user: ident.ident.to_string(),
                    span: ident.ident.span(),
                };
                let var = self.push(
                    Op::Index {
                        base: array.clone(),
                        index: Operand::Var(index),
                    },
                    Some(hint),
                    None,
                    ident.span(),
                );
                self.declare(&ident.ident.to_string());
                self.env.insert(ident.ident.to_string(), var);
                true
            }
            (Pat::Tuple(tuple), Item::Pair(a, b)) if tuple.elems.len() == 2 => {
                self.bind_item(&tuple.elems[0], a, index)
                    && self.bind_item(&tuple.elems[1], b, index)
            }
            (Pat::Paren(paren), _) => self.bind_item(&paren.pat, item, index),
            (other, _) => {
                self.errors.spanned(other, PATTERN);
                false
            }
        }
    }

    /// `step_by` takes a `usize`.
    fn unify_usize(&mut self, operand: &Operand) {
        let slot = self.slot_of(operand);
        let usize_ty: syn::Type = syn::parse_quote!(usize);
        let usize_slot = self.types.written(&usize_ty);
        self.types.unify(slot, usize_slot);
    }

    /// `a..b`, `a..=b`, with `.rev()` and `.step_by(k)` after it.
    fn range(&mut self, expr: &Expr) -> Option<Range> {
        const RANGES: &str = "a `for` loop in a #[grad] function runs over a range of integers: \
                              `a..b`, `a..=b`, `(a..b).rev()` or `(a..b).step_by(k)`";
        match strip(expr) {
            Expr::Range(range) => {
                let (Some(start), Some(end)) = (&range.start, &range.end) else {
                    self.errors.spanned(range, RANGES);
                    return None;
                };
                let start = self.expr(start, None);
                let end = self.expr(end, None);
                let (start, end) = (start?, end?);
                for operand in [&start, &end] {
                    if self.function.is_active(operand) {
                        self.errors
                            .spanned(range, "the bounds of a range must be integers");
                        return None;
                    }
                }
                Some(Range {
                    start,
                    end,
                    inclusive: matches!(range.limits, syn::RangeLimits::Closed(_)),
                    adaptors: Vec::new(),
                })
            }
            Expr::MethodCall(call) if call.method == "rev" && call.args.is_empty() => {
                let mut range = self.range(&call.receiver)?;
                range.adaptors.push(Adaptor::Rev);
                Some(range)
            }
            Expr::MethodCall(call) if call.method == "step_by" && call.args.len() == 1 => {
                let mut range = self.range(&call.receiver)?;
                let step = self.expr(&call.args[0], None)?;
                self.unify_usize(&step);
                range.adaptors.push(Adaptor::StepBy(step));
                Some(range)
            }
            other => {
                self.errors.spanned(other, RANGES);
                None
            }
        }
    }
}

/// The environment: the variable each user name denotes.
pub(super) type Env = HashMap<String, VarId>;

/// Whether a pattern binds no name (literals, ranges, paths, `|`, `_`).
fn binds_nothing(pat: &Pat) -> bool {
    match pat {
        Pat::Lit(_) | Pat::Range(_) | Pat::Path(_) | Pat::Wild(_) => true,
        Pat::Or(or) => or.cases.iter().all(binds_nothing),
        Pat::Paren(paren) => binds_nothing(&paren.pat),
        // A bare name that resolves to a constant or a unit variant is a path to rustc; a
        // binding would be the last arm, which `match_arms` never tests.
        Pat::Ident(ident) => {
            ident.subpat.is_none()
                && ident.by_ref.is_none()
                && ident.mutability.is_none()
                && ident.ident.to_string().starts_with(char::is_uppercase)
        }
        _ => false,
    }
}

/// The name a catch-all pattern binds (`n => ..`).
fn binding(pat: &Pat) -> Option<&syn::Ident> {
    match pat {
        Pat::Ident(ident)
            if ident.subpat.is_none() && ident.by_ref.is_none() && !binds_nothing(pat) =>
        {
            Some(&ident.ident)
        }
        _ => None,
    }
}

/// What kind of loop [`Lowerer::lower_loop`] lowers.
enum Shape<'a> {
    For {
        range: Range,
        item: Item,
        pat: &'a Pat,
        index_name: Option<syn::Ident>,
    },
    While {
        cond: &'a Expr,
    },
    Loop,
}

/// A loop over a range of indices, each giving `item`.
struct Iteration {
    range: Range,
    item: Item,
}

/// What one index of a loop gives.
enum Item {
    /// The index itself (a range of integers, or `enumerate`'s count).
    Index,
    /// The element of an array or slice at the index.
    Element(Operand),
    /// `enumerate` and `zip`.
    Pair(Box<Item>, Box<Item>),
}

/// The name the pattern gives the index, if it names it (`i` of `for i in 0..n` or of
/// `for (i, v) in x.iter().enumerate()`).
fn index_pattern<'p>(pat: &'p Pat, item: &Item) -> Option<&'p syn::Ident> {
    match (pat, item) {
        (Pat::Ident(ident), Item::Index) => Some(&ident.ident),
        (Pat::Tuple(tuple), Item::Pair(a, b)) if tuple.elems.len() == 2 => {
            index_pattern(&tuple.elems[0], a).or_else(|| index_pattern(&tuple.elems[1], b))
        }
        (Pat::Paren(paren), _) => index_pattern(&paren.pat, item),
        _ => None,
    }
}

/// The names of `env` that `stmts` assign (`x = ..`, `x += ..`), at any depth, in the order
/// they first appear. A name a `let` inside rebinds first is the body's own, not carried.
fn assigned_names(stmts: &[SynStmt], env: &HashMap<String, VarId>) -> Vec<String> {
    use syn::visit::Visit;
    struct Finder<'a> {
        env: &'a HashMap<String, VarId>,
        found: Vec<String>,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
            self.assignee(&assign.left);
            syn::visit::visit_expr_assign(self, assign);
        }
        fn visit_expr_binary(&mut self, binary: &'ast syn::ExprBinary) {
            if super::compound(&binary.op).is_some() {
                self.assignee(&binary.left);
            }
            syn::visit::visit_expr_binary(self, binary);
        }
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            // `v.push(e)` and `h.mapv_inplace(f)` assign (a new version of) the receiver.
            if call.method == "push" || call.method == "mapv_inplace" {
                self.assignee(&call.receiver);
            }
            syn::visit::visit_expr_method_call(self, call);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    impl Finder<'_> {
        fn assignee(&mut self, left: &Expr) {
            // `y[i] = ..` assigns (a new version of) `y`.
            let mut left = strip(left);
            while let Expr::Index(index) = left {
                left = strip(&index.expr);
            }
            if let Expr::Path(path) = left
                && let Some(ident) = path.path.get_ident()
            {
                let name = ident.to_string();
                if self.env.contains_key(&name) && !self.found.contains(&name) {
                    self.found.push(name);
                }
            }
        }
    }
    let mut finder = Finder {
        env,
        found: Vec::new(),
    };
    for stmt in stmts {
        finder.visit_stmt(stmt);
    }
    finder.found
}
