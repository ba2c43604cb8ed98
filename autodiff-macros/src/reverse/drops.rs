//! Drop insertion: an owned array the reverse sweep reads is dropped right after the last
//! contribution that reads it, so the sweep holds no more memory than it needs.

use std::collections::BTreeMap;

use proc_macro2::Ident;

use super::{Cx, Raw};
use crate::analysis::is_borrowed;
use crate::ssa::{Operand, VarId};

/// Inserts `drop(v)` after the last contribution reading each owned array `v`.
pub(super) fn insert(cx: &mut Cx) {
    let function = cx.function;
    // Owned arrays are dropped right after the last contribution that reads them.
    let mut drops: BTreeMap<usize, Vec<Ident>> = BTreeMap::new();
    let mut last_read: Vec<(VarId, usize)> = cx.last_read.iter().map(|(v, at)| (*v, *at)).collect();
    last_read.sort();
    for (var, at) in last_read {
        let operand = Operand::Var(var);
        // A value of an `if`'s arm or a loop's iteration lives in its record, dropped with it.
        let in_function = cx.scopes.get(&var) == Some(&crate::analysis::Scope::Function);
        if in_function && cx.is_array(&operand) && !is_borrowed(function, var) {
            drops
                .entry(at)
                .or_default()
                .push(function.var(var).name.clone());
        }
    }
    let raw = std::mem::take(&mut cx.raw);
    for (at, raw_stmt) in raw.into_iter().enumerate() {
        cx.raw.push(raw_stmt);
        for name in drops.remove(&at).unwrap_or_default() {
            cx.raw.push(Raw::Drop(name));
        }
    }
}
