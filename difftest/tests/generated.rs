//! Randomized differential testing of straight-line programs: every gradient of every generated
//! `#[grad]` function (see `src/generator.rs`), at each of its test points, against forward-mode
//! dual numbers and central differences (the checks are `harness/mod.rs`).
//!
//! A failure prints the seed, the function's index and its source (with the functions it calls),
//! and the command that rebuilds that function alone.

#![allow(
    unused,
    non_snake_case,
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    reason = "generated code: any construct the generator writes is fair game"
)]

mod harness;

use autodiff_runtime::{grad, scalar};
use harness::*;

include!(concat!(env!("OUT_DIR"), "/generated.rs"));

#[test]
fn generated_gradients_match_dual_numbers_and_central_differences() {
    check_all("difftest", SEED, CASES, |i| {
        format!("DIFFTEST_SEED={SEED:#x} DIFFTEST_ONLY={i} cargo test -p difftest --test generated")
    });
}
