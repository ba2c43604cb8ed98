//! Randomized differential testing of control flow: every gradient of every generated `#[grad]`
//! function with branches, loops, `match`, `break`, `continue` and `return` (see
//! `src/control.rs`), at each of its test points, against forward-mode dual numbers run through
//! a twin taking the same path, and against central differences (the checks are
//! `harness/mod.rs`).
//!
//! A failure prints the seed, the function's index and its source (with the functions it calls),
//! and the command that rebuilds that function alone.

#![allow(
    unused,
    unreachable_patterns,
    overlapping_range_endpoints,
    unused_comparisons,
    non_snake_case,
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    reason = "generated code: any construct the generator writes is fair game"
)]

mod harness;

use autodiff_runtime::{grad, scalar};
use harness::*;

include!(concat!(env!("OUT_DIR"), "/control_flow.rs"));

#[test]
fn control_flow_gradients_match_dual_numbers_and_central_differences() {
    if SKIPPED > 0 {
        println!("control flow: {SKIPPED} functions left out (DIFFTEST_CF_SKIP)");
    }
    check_all("control flow", SEED, CASES, |i| {
        format!(
            "DIFFTEST_CF_SEED={SEED:#x} DIFFTEST_CF_ONLY={i} cargo test -p difftest --test control_flow"
        )
    });
}
