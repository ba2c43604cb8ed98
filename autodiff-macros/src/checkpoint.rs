//! `#[checkpoint]` on a loop of a `#[grad]` body: the attribute, read and removed.
//!
//! In: the attributes of the body's loops (and any `#[checkpoint]` elsewhere, an error). Out:
//! the [`Checkpoint`] each loop asks for, and the function with the attributes removed (rustc
//! accepts no unknown attribute on a statement), as the original item is emitted.

use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

use crate::errors::Errors;

/// What a `#[checkpoint(..)]` on a loop keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Checkpoint {
    /// `#[checkpoint]`: the carried variables at every iteration; each iteration's body runs
    /// again in the reverse sweep.
    EachIteration,
}

fn is_checkpoint(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("checkpoint")
}

/// The checkpoint a loop's attributes ask for, or an error under the attribute.
pub fn of_loop(attrs: &[syn::Attribute], errors: &mut Errors) -> Option<Checkpoint> {
    let attr = attrs.iter().find(|a| is_checkpoint(a))?;
    match &attr.meta {
        syn::Meta::Path(_) => Some(Checkpoint::EachIteration),
        syn::Meta::List(list) => {
            let text = list.tokens.to_string();
            let message = if text.starts_with("every") || text.starts_with("snapshots") {
                format!(
                    "`#[checkpoint({text})]` is not supported yet; write `#[checkpoint]`, which \
                     keeps the loop-carried variables at every iteration and runs each \
                     iteration again in the reverse sweep"
                )
            } else {
                format!(
                    "unknown argument `{text}` to `#[checkpoint]`; write `#[checkpoint]`, \
                     `#[checkpoint(every = k)]` or `#[checkpoint(snapshots = s)]`"
                )
            };
            errors.spanned(&list.tokens, message);
            None
        }
        syn::Meta::NameValue(nv) => {
            errors.spanned(
                nv,
                "write `#[checkpoint]`, `#[checkpoint(every = k)]` or \
                 `#[checkpoint(snapshots = s)]`",
            );
            None
        }
    }
}

/// Reports every `#[checkpoint]` that is not on a `for`, `while` or `loop`.
pub fn misplaced(block: &syn::Block, errors: &mut Errors) {
    struct Finder<'e> {
        errors: &'e mut Errors,
    }
    impl Finder<'_> {
        fn report(&mut self, attrs: &[syn::Attribute]) {
            for attr in attrs.iter().filter(|a| is_checkpoint(a)) {
                self.errors.spanned(
                    attr,
                    "`#[checkpoint]` goes on a `for`, `while` or `loop` statement",
                );
            }
        }
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_expr(&mut self, expr: &'ast syn::Expr) {
            match expr {
                syn::Expr::ForLoop(_) | syn::Expr::While(_) | syn::Expr::Loop(_) => {}
                other => {
                    if let Some(attrs) = expr_attrs(other) {
                        self.report(attrs);
                    }
                }
            }
            syn::visit::visit_expr(self, expr);
        }
        fn visit_local(&mut self, local: &'ast syn::Local) {
            self.report(&local.attrs);
            syn::visit::visit_local(self, local);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    Finder { errors }.visit_block(block);
}

fn expr_attrs(expr: &syn::Expr) -> Option<&Vec<syn::Attribute>> {
    use syn::Expr::*;
    Some(match expr {
        If(e) => &e.attrs,
        Match(e) => &e.attrs,
        Block(e) => &e.attrs,
        Assign(e) => &e.attrs,
        Binary(e) => &e.attrs,
        Call(e) => &e.attrs,
        MethodCall(e) => &e.attrs,
        _ => return None,
    })
}

/// The function without `#[checkpoint]` attributes, as it is emitted.
pub fn strip(item: &mut syn::ItemFn) {
    struct Stripper;
    impl VisitMut for Stripper {
        fn visit_expr_for_loop_mut(&mut self, e: &mut syn::ExprForLoop) {
            e.attrs.retain(|a| !is_checkpoint(a));
            syn::visit_mut::visit_expr_for_loop_mut(self, e);
        }
        fn visit_expr_while_mut(&mut self, e: &mut syn::ExprWhile) {
            e.attrs.retain(|a| !is_checkpoint(a));
            syn::visit_mut::visit_expr_while_mut(self, e);
        }
        fn visit_expr_loop_mut(&mut self, e: &mut syn::ExprLoop) {
            e.attrs.retain(|a| !is_checkpoint(a));
            syn::visit_mut::visit_expr_loop_mut(self, e);
        }
        // Misplaced ones too: the macro reports them, rustc need not.
        fn visit_local_mut(&mut self, local: &mut syn::Local) {
            local.attrs.retain(|a| !is_checkpoint(a));
            syn::visit_mut::visit_local_mut(self, local);
        }
        fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
            use syn::Expr::*;
            let attrs = match expr {
                If(e) => Some(&mut e.attrs),
                Match(e) => Some(&mut e.attrs),
                Block(e) => Some(&mut e.attrs),
                Assign(e) => Some(&mut e.attrs),
                Binary(e) => Some(&mut e.attrs),
                Call(e) => Some(&mut e.attrs),
                MethodCall(e) => Some(&mut e.attrs),
                _ => None,
            };
            if let Some(attrs) = attrs {
                attrs.retain(|a| !is_checkpoint(a));
            }
            syn::visit_mut::visit_expr_mut(self, expr);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let _ = item.span();
    Stripper.visit_block_mut(&mut item.block);
}
