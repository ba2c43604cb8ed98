//! `#[checkpoint]` on a loop of a `#[grad]` body: the attribute, read and removed.
//!
//! In: the attributes of the body's loops (and any `#[checkpoint]` elsewhere, an error). Out:
//! the [`Checkpoint`] each loop asks for, and the function with the attributes removed (rustc
//! accepts no unknown attribute on a statement), as the original item is emitted.

use quote::ToTokens;
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
    /// `#[checkpoint(every = k)]`: the carried variables every `k` iterations; the reverse
    /// sweep runs each segment again, recording, then reverses it.
    Every(u64),
    /// `#[checkpoint(snapshots = s)]` on a `for` loop: at most `s` snapshots of the carried
    /// variables on the binomial (revolve) schedule.
    Snapshots(u64),
}

impl Checkpoint {
    /// Whether the reverse sweep runs iterations again from snapshots, recording them into a
    /// buffer of the loop's ordinary records (`every`, `snapshots`).
    pub fn segments(&self) -> bool {
        matches!(self, Checkpoint::Every(_) | Checkpoint::Snapshots(_))
    }
}

fn is_checkpoint(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("checkpoint")
}

const FORMS: &str =
    "write `#[checkpoint]`, `#[checkpoint(every = k)]` or `#[checkpoint(snapshots = s)]`";

/// The checkpoint a loop's attributes ask for, or an error under the attribute. `is_for`: the
/// loop is a `for` loop (`snapshots` needs its trip count when it starts).
pub fn of_loop(attrs: &[syn::Attribute], is_for: bool, errors: &mut Errors) -> Option<Checkpoint> {
    let mut found = attrs.iter().filter(|a| is_checkpoint(a));
    let attr = found.next()?;
    if let Some(second) = found.next() {
        errors.spanned(second, "one `#[checkpoint]` per loop; keep one of them");
        return None;
    }
    let list = match &attr.meta {
        syn::Meta::Path(_) => return Some(Checkpoint::EachIteration),
        syn::Meta::List(list) => list,
        syn::Meta::NameValue(nv) => {
            errors.spanned(nv, FORMS);
            return None;
        }
    };
    let mut found: Option<(Checkpoint, proc_macro2::Span)> = None;
    let mut failed = false;
    let parsed = list.parse_nested_meta(|meta| {
        let name = if meta.path.is_ident("every") {
            "every"
        } else if meta.path.is_ident("snapshots") {
            "snapshots"
        } else {
            let text = meta.path.to_token_stream().to_string();
            errors.spanned(
                &meta.path,
                format!("unknown argument `{text}` to `#[checkpoint]`; {FORMS}"),
            );
            failed = true;
            // Skip its value, if it has one.
            if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            return Ok(());
        };
        let example = if name == "every" {
            "every = 100"
        } else {
            "snapshots = 16"
        };
        let unit = if name == "every" {
            "iterations"
        } else {
            "snapshots"
        };
        if !meta.input.peek(syn::Token![=]) {
            errors.spanned(
                &meta.path,
                format!("`{name}` takes a number of {unit}: `#[checkpoint({example})]`"),
            );
            failed = true;
            return Ok(());
        }
        let value: syn::Expr = meta.value()?.parse()?;
        let number = match &value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(int),
                ..
            }) => int.base10_parse::<u64>().ok(),
            _ => None,
        };
        let Some(number) = number else {
            errors.spanned(
                &value,
                format!(
                    "`{name}` takes an integer literal, the number of {unit}: \
                     `#[checkpoint({example})]`"
                ),
            );
            failed = true;
            return Ok(());
        };
        if number == 0 {
            let message = if name == "every" {
                "`every = 0` keeps no snapshot: write `every = k` with k at least 1, which \
                 keeps the loop-carried variables every k iterations"
            } else {
                "`snapshots = 0` keeps no snapshot to start the reverse sweep from: write at \
                 least `snapshots = 1`"
            };
            errors.spanned(&value, message);
            failed = true;
            return Ok(());
        }
        let checkpoint = if name == "every" {
            Checkpoint::Every(number)
        } else {
            Checkpoint::Snapshots(number)
        };
        let span = meta.path.span();
        if let Some((first, _)) = &found {
            let first = match first {
                Checkpoint::Every(_) => "every",
                _ => "snapshots",
            };
            errors.spanned(
                &meta.path,
                format!(
                    "`#[checkpoint]` takes one of `every = k` and `snapshots = s`; \
                     `{first}` is already given"
                ),
            );
            failed = true;
            return Ok(());
        }
        found = Some((checkpoint, span));
        Ok(())
    });
    if let Err(error) = parsed {
        errors.push(syn::Error::new(error.span(), format!("{error}: {FORMS}")));
        return None;
    }
    if failed {
        return None;
    }
    match found {
        None => {
            errors.spanned(&list.tokens, FORMS);
            None
        }
        Some((Checkpoint::Snapshots(_), span)) if !is_for => {
            errors.push(syn::Error::new(
                span,
                "`snapshots = s` needs the loop's trip count when it starts, which a `while` or \
                 `loop` does not give: write `every = k` (a snapshot every k iterations), or \
                 write the loop as a `for` over a range",
            ));
            None
        }
        Some((checkpoint, _)) => Some(checkpoint),
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
