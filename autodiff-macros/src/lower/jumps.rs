//! `break`, `continue` and `return` inside bodies, made structured.
//!
//! A jump sets a flag (`broke`, `continued`, `returned`: inactive `bool` variables, with
//! `break value` and `return value` also setting a value variable); the statements after one
//! that may jump run under `if !(flags) { .. }`, and a loop ends after an iteration that set a
//! flag of its own or of something enclosing it. The reverse sweep then sees only `if`s and
//! loops whose records say what ran, and never a jump.

use proc_macro2::Span;
use quote::quote;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, Stmt as SynStmt};

use super::{Hint, Lowerer, strip};
use crate::ssa::{Op, Operand, VarId};

/// What runs after a sequence of statements (a block's tail expression), giving its value.
pub(super) type Tail<'t, 'a> = &'t mut dyn FnMut(&mut Lowerer<'a>) -> Option<Operand>;

/// An enclosing loop, as jumps inside it see it.
pub(super) struct LoopFrame {
    pub label: Option<String>,
    /// Environment keys of its flags and of the value `break value` gives.
    pub broke: String,
    pub continued: String,
    pub value: Option<String>,
}

/// The function's early-return flag and value.
pub(super) struct ReturnFrame {
    pub returned: String,
    pub value: String,
}

/// A jump found in a body, before it is lowered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Jump {
    /// `break` / `continue` to the loop `label` names (the innermost where `None`), from inside
    /// `depth` loops of the body scanned; `value`: `break value`.
    Break {
        label: Option<String>,
        depth: usize,
        value: bool,
    },
    Continue {
        label: Option<String>,
        depth: usize,
    },
    Return,
}

/// Every jump in `stmts` (not inside closures or items), with the labels of the loops inside
/// them that it passes through.
pub(super) fn jumps_in(stmts: &[SynStmt]) -> Vec<(Jump, Vec<String>)> {
    struct Finder {
        depth: usize,
        labels: Vec<Option<String>>,
        found: Vec<(Jump, Vec<String>)>,
    }
    impl Finder {
        fn inner_labels(&self) -> Vec<String> {
            self.labels.iter().flatten().cloned().collect()
        }
        fn looped(&mut self, label: Option<&syn::Label>, visit: impl FnOnce(&mut Self)) {
            self.depth += 1;
            self.labels.push(label.map(|l| l.name.ident.to_string()));
            visit(self);
            self.labels.pop();
            self.depth -= 1;
        }
    }
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_break(&mut self, e: &'ast syn::ExprBreak) {
            let jump = Jump::Break {
                label: e.label.as_ref().map(|l| l.ident.to_string()),
                depth: self.depth,
                value: e.expr.is_some(),
            };
            let inner = self.inner_labels();
            self.found.push((jump, inner));
            syn::visit::visit_expr_break(self, e);
        }
        fn visit_expr_continue(&mut self, e: &'ast syn::ExprContinue) {
            let jump = Jump::Continue {
                label: e.label.as_ref().map(|l| l.ident.to_string()),
                depth: self.depth,
            };
            let inner = self.inner_labels();
            self.found.push((jump, inner));
        }
        fn visit_expr_return(&mut self, e: &'ast syn::ExprReturn) {
            self.found.push((Jump::Return, Vec::new()));
            syn::visit::visit_expr_return(self, e);
        }
        fn visit_expr_for_loop(&mut self, e: &'ast syn::ExprForLoop) {
            self.visit_expr(&e.expr);
            self.looped(e.label.as_ref(), |f| f.visit_block(&e.body));
        }
        fn visit_expr_while(&mut self, e: &'ast syn::ExprWhile) {
            self.looped(e.label.as_ref(), |f| {
                f.visit_expr(&e.cond);
                f.visit_block(&e.body);
            });
        }
        fn visit_expr_loop(&mut self, e: &'ast syn::ExprLoop) {
            self.looped(e.label.as_ref(), |f| f.visit_block(&e.body));
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder {
        depth: 0,
        labels: Vec::new(),
        found: Vec::new(),
    };
    for stmt in stmts {
        finder.visit_stmt(stmt);
    }
    finder.found
}

/// Whether a jump found inside a loop's body targets that loop (labelled `label`).
pub(super) fn targets_this(jump: &Jump, inner: &[String], label: Option<&str>) -> bool {
    match jump {
        Jump::Break {
            label: None, depth, ..
        }
        | Jump::Continue { label: None, depth } => *depth == 0,
        Jump::Break { label: Some(l), .. } | Jump::Continue { label: Some(l), .. } => {
            !inner.contains(l) && Some(l.as_str()) == label
        }
        Jump::Return => false,
    }
}

/// Whether a jump found in a statement leaves it (is not to a loop inside it).
pub(super) fn escapes(jump: &Jump, inner: &[String]) -> bool {
    match jump {
        Jump::Break {
            label: None, depth, ..
        }
        | Jump::Continue { label: None, depth } => *depth == 0,
        Jump::Break { label: Some(l), .. } | Jump::Continue { label: Some(l), .. } => {
            !inner.contains(l)
        }
        Jump::Return => true,
    }
}

impl<'a> Lowerer<'a> {
    /// Binds the environment key `key` to `value` in a fresh variable named after `base`.
    pub(super) fn assign_key(&mut self, key: &str, base: &str, value: Operand, span: Span) {
        let hint = Hint {
            user: base.to_owned(),
            span,
        };
        let var = self.push(Op::Use(value), Some(hint), None, span);
        self.env.insert(key.to_owned(), var);
    }

    /// The frame a `break` / `continue` with `label` goes to.
    fn frame(&mut self, label: Option<&syn::Lifetime>, at: &dyn quote::ToTokens) -> Option<usize> {
        let found = match label {
            Some(l) => {
                let name = l.ident.to_string();
                self.loops
                    .iter()
                    .rposition(|f| f.label.as_deref() == Some(name.as_str()))
            }
            None => self.loops.len().checked_sub(1),
        };
        if found.is_none() {
            self.errors.spanned(
                at,
                "this jump has no enclosing loop in the #[grad] function",
            );
        }
        found
    }

    /// `break`, `continue` or `return` as a statement: sets its flag (and value).
    pub(super) fn jump(&mut self, expr: &Expr) {
        let span = expr.span();
        match expr {
            Expr::Break(e) => {
                let Some(at) = self.frame(e.label.as_ref(), e) else {
                    return;
                };
                if let Some(value) = &e.expr {
                    let Some(key) = self.loops[at].value.clone() else {
                        self.errors.spanned(
                            value,
                            "only `loop` gives a value with `break`; assign a `let mut` \
                             variable before the `break` instead",
                        );
                        return;
                    };
                    let Some(value) = self.expr(value, None) else {
                        return;
                    };
                    self.assign_key(&key, "value", value, span);
                }
                let key = self.loops[at].broke.clone();
                self.assign_key(&key, "broke", Operand::Const(quote!(true)), span);
            }
            Expr::Continue(e) => {
                let Some(at) = self.frame(e.label.as_ref(), e) else {
                    return;
                };
                let key = self.loops[at].continued.clone();
                self.assign_key(&key, "continued", Operand::Const(quote!(true)), span);
            }
            Expr::Return(e) => {
                let Some(frame) = &self.returns else {
                    self.errors
                        .spanned(e, "`return` needs a value in a #[grad] function");
                    return;
                };
                let (flag, key) = (frame.returned.clone(), frame.value.clone());
                let Some(value) = &e.expr else {
                    self.errors
                        .spanned(e, "`return` needs a value in a #[grad] function");
                    return;
                };
                let Some(value) = self.expr(value, None) else {
                    return;
                };
                self.assign_key(&key, "returned_value", value, span);
                self.assign_key(&flag, "returned", Operand::Const(quote!(true)), span);
            }
            _ => {}
        }
    }

    /// The environment keys of the flags a jump that escapes a statement sets.
    fn flags_of(&self, jumps: &[(Jump, Vec<String>)]) -> Vec<String> {
        let mut keys = Vec::new();
        for (jump, inner) in jumps {
            if !escapes(jump, inner) {
                continue;
            }
            let key = match jump {
                Jump::Return => self.returns.as_ref().map(|r| r.returned.clone()),
                Jump::Break { label, .. } | Jump::Continue { label, .. } => {
                    let frame = match label {
                        Some(l) => self
                            .loops
                            .iter()
                            .rev()
                            .find(|f| f.label.as_ref() == Some(l)),
                        None => self.loops.last(),
                    };
                    frame.map(|f| match jump {
                        Jump::Continue { .. } => f.continued.clone(),
                        _ => f.broke.clone(),
                    })
                }
            };
            if let Some(key) = key
                && !keys.contains(&key)
            {
                keys.push(key);
            }
        }
        keys
    }

    /// Lowers `stmts` in order; after a statement that may jump out, the rest (and `tail`) run
    /// under `if !(flags)`. Returns `tail`'s value, where `tail` gives one.
    pub(super) fn sequence(
        &mut self,
        stmts: &[SynStmt],
        tail: Option<Tail<'_, 'a>>,
        value: bool,
    ) -> Option<Operand> {
        for (i, stmt) in stmts.iter().enumerate() {
            if let SynStmt::Expr(e @ (Expr::Break(_) | Expr::Continue(_) | Expr::Return(_)), _) =
                stmt
            {
                // What follows a jump never runs.
                self.jump(e);
                return value.then(placeholder);
            }
            let before = self.env.clone();
            self.statement(stmt);
            let jumps = jumps_in(std::slice::from_ref(stmt));
            let flags = self.flags_of(&jumps);
            // An assignment (or `let`) whose value jumped never happened; an `if` or a loop
            // that jumped kept what it assigned before the jump (its arms say so).
            let assigns = matches!(
                stmt,
                SynStmt::Local(_) | SynStmt::Expr(Expr::Assign(_) | Expr::Binary(_), _)
            );
            if assigns && !flags.is_empty() {
                self.undo_where_jumped(&before, &targets(stmt), &flags, stmt.span());
            }
            let rest = &stmts[i + 1..];
            if flags.is_empty() || (rest.is_empty() && tail.is_none() && !value) {
                continue;
            }
            let cond = self.any_flag(&flags, stmt.span())?;
            return self.branch(
                cond,
                stmt.span(),
                value,
                None,
                |_| value.then(placeholder),
                |cx| cx.sequence(rest, tail, value),
            );
        }
        tail.and_then(|tail| tail(self))
    }

    /// After a statement whose value jumped (`s = if c { continue } else { e };`): the names it
    /// binds or assigns (`targets`) keep their values from before it where a flag it may set is
    /// set, as Rust never finishes the assignment there. What its value assigned before the jump
    /// (`let r = loop { a = 2.0 * a; break 'outer; };`) stays.
    fn undo_where_jumped(
        &mut self,
        before: &super::control::Env,
        targets: &[String],
        flags: &[String],
        span: Span,
    ) {
        let mut changed: Vec<(String, VarId)> = before
            .iter()
            .filter(|(name, var)| {
                targets.contains(name) && self.env.get(*name).is_some_and(|now| now != *var)
            })
            .map(|(name, var)| (name.clone(), *var))
            .collect();
        if changed.is_empty() {
            return;
        }
        changed.sort();
        let Some(cond) = self.any_flag(flags, span) else {
            return;
        };
        self.branch(
            cond,
            span,
            false,
            None,
            |cx| {
                for (name, var) in changed {
                    cx.env.insert(name, var);
                }
                None
            },
            |_| None,
        );
    }

    /// `f1 || f2 || ..` of the current values of the flags.
    fn any_flag(&mut self, keys: &[String], span: Span) -> Option<Operand> {
        let flags: Vec<_> = keys
            .iter()
            .filter_map(|k| self.env.get(k).copied())
            .collect();
        let (first, rest) = flags.split_first()?;
        let mut any = Operand::Var(*first);
        for flag in rest {
            any = Operand::Var(self.push(Op::Or(any, Operand::Var(*flag)), None, None, span));
        }
        Some(any)
    }
}

/// The names a `let` binds or an assignment (`=`, `+=`, ..) writes: `y` for `y[i] = ..`, each
/// name of a tuple pattern or a tuple of places.
fn targets(stmt: &SynStmt) -> Vec<String> {
    use syn::visit::Visit;
    struct Names(Vec<String>);
    impl<'ast> Visit<'ast> for Names {
        fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
            self.0.push(pat.ident.to_string());
            syn::visit::visit_pat_ident(self, pat);
        }
    }
    fn places(left: &Expr, names: &mut Vec<String>) {
        match left {
            Expr::Paren(inner) => places(&inner.expr, names),
            Expr::Tuple(tuple) => tuple.elems.iter().for_each(|e| places(e, names)),
            Expr::Index(index) => places(&index.expr, names),
            Expr::Path(path) => names.extend(path.path.get_ident().map(|i| i.to_string())),
            _ => {}
        }
    }
    let mut names = Vec::new();
    match stmt {
        SynStmt::Local(local) => {
            let mut visitor = Names(Vec::new());
            visitor.visit_pat(&local.pat);
            names = visitor.0;
        }
        SynStmt::Expr(Expr::Assign(assign), _) => places(&assign.left, &mut names),
        SynStmt::Expr(Expr::Binary(binary), _) => places(&binary.left, &mut names),
        SynStmt::Expr(Expr::MethodCall(call), _)
            if call.method == "push" || call.method == "mapv_inplace" =>
        {
            places(&call.receiver, &mut names)
        }
        _ => {}
    }
    names
}

/// The name a variable bound to the environment key `key` is named after: the user's name, or
/// for a flag (`"\u{1}broke3"`) its kind (`broke`).
pub(super) fn base_name(key: &str) -> &str {
    match key.strip_prefix('\u{1}') {
        Some(flag) => flag.trim_end_matches(|c: char| c.is_ascii_digit()),
        None => key,
    }
}

/// A value for an arm that never gives one (it jumped): never read, of the type the other arm
/// gives.
pub(super) fn placeholder() -> Operand {
    Operand::Const(quote!(::core::default::Default::default()))
}

/// Whether `stmts` return early (a `return` anywhere but as the body's last statement).
pub(super) fn returns_early(stmts: &[SynStmt]) -> bool {
    let (init, last) = match stmts.split_last() {
        Some((last, init)) => (init, Some(last)),
        None => (stmts, None),
    };
    let tail_jumps = match last {
        Some(SynStmt::Expr(Expr::Return(ret), _)) => ret
            .expr
            .as_ref()
            .map(|e| jumps_in(&[SynStmt::Expr((**e).clone(), None)]))
            .unwrap_or_default(),
        Some(other) => jumps_in(std::slice::from_ref(other)),
        None => Vec::new(),
    };
    jumps_in(init)
        .into_iter()
        .chain(tail_jumps)
        .any(|(j, _)| j == Jump::Return)
}

/// Whether the expression is a `break`, `continue` or `return`.
pub(super) fn is_jump(expr: &Expr) -> bool {
    matches!(
        strip(expr),
        Expr::Break(_) | Expr::Continue(_) | Expr::Return(_)
    )
}
