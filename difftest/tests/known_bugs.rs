//! Regression tests for the macro bugs the differential testers found, each marked `#[ignore]`
//! while its bug is there (`cargo test -p difftest --test known_bugs -- --ignored` runs those).
//! Every case below is fixed and runs by default (`step_by` over `a..=b`, the labelled jump out
//! of a `let r = loop`); the cases of a `let` in a block shadowing an outer name, and the two that
//! did not compile (an early `return` of a tuple, a slice passed on in a branch), are fixed too
//! and live in the root package's `tests/control_flow_regressions.rs`. A bug found later gets its case here,
//! `#[ignore]`d, and the generator steers around it behind `Config::known_bugs` until it is
//! fixed.
//!
//! Each case is the smallest function showing the bug, reduced by hand from a generated one,
//! with its gradient worked out in the comment above it.

#![allow(
    unused_variables,
    unused_assignments,
    clippy::let_and_return,
    clippy::single_match,
    clippy::assign_op_pattern,
    clippy::never_loop,
    reason = "the functions spell out the constructs under test"
)]

use autodiff_runtime::grad;

// ---- `for _ in (a..=b).step_by(k)` around a body that keeps no records (fixed) ------------------
//
// Was: E0277 at the attribute, "the trait bound `RangeInclusive<usize>: ExactSizeIterator` is not
// satisfied": with no records to walk back, the reverse sweep ran the range itself backwards,
// `.rev()` of the `StepBy<RangeInclusive<usize>>`, which is not a `DoubleEndedIterator` (a body
// keeping records, `s = s * x`, compiled, as did `(a..b).step_by(k)` and `(a..=b).rev()`). Found
// by the control-flow generator's long run (seed 1, functions 145 and 635; seed 2, 1464; seed 3,
// 1002, 1100 and 1331; seed 4, 686, 1231 and 1639), on a branch from before the fix (loops over
// `step_by` keep their index in the records).

// n = 4: three iterations (0, 2, 4), s = 3x: (4.5, 3) at x = 1.5.
#[grad]
fn every_other(x: f64, n: usize) -> f64 {
    let mut s = 0.0;
    for _ in (0..=n).step_by(2) {
        s += x;
    }
    s
}

#[test]
fn an_inclusive_range_with_step_by_around_a_body_without_records() {
    assert_eq!(every_other_grad(1.5, 4), (4.5, 3.0));
}

// ---- An assignment before `break 'outer` out of a `let r = loop { .. }` stays (fixed) ----------
//
// Was: in a loop giving a value, an assignment to an outer variable followed by a labelled `break`
// out to an enclosing loop (past the value loop's own `break value`) was undone: after the loops the
// variable has its value from before the assignment, and the gradient is that of the undone path.
// (A statement `loop`, or a `for`, in place of the value loop keeps the assignment.) Found by the
// control-flow generator with its steering lifted on main (seed 0x5eed20260c0f, function 2: a
// `break 'l0 value` from a `for` over `zip` inside `let r8 = loop`), reduced by hand.

// a = 2x, then `break 'outer`: (2, 2) at x = 1. The macro gave (1, 1): the jump undid every
// assignment the `let` statement made, not just the binding of `_r`.
#[grad]
fn assign_then_break_out_of_a_value_loop(x: f64) -> f64 {
    let mut a = x;
    'outer: loop {
        let _r = loop {
            a = a * 2.0;
            if x > 0.0 {
                break 'outer;
            }
            break 2.0;
        };
        break;
    }
    a
}

#[test]
fn an_assignment_before_breaking_out_of_a_value_loop_stays() {
    assert_eq!(assign_then_break_out_of_a_value_loop_grad(1.0), (2.0, 2.0));
}

// ---- ndarray forms the macro rejected (fixed) ----------------------------------------------------
//
// The ndarray generator found four forms that did not compile under `#[grad]`: a value from an
// element read, or a slice's `mean()`, captured by a `mapv` closure (no type inferred); a slice
// read by `dot`'s pullback (no element type); `x.row(x.shape()[0] - 1)` and `s![x.shape()[0] - 1,
// ..]` (`i32` for `usize`). They are fixed; their cases are the root package's
// `tests/ndarray_idioms.rs` (`tester_findings`). A fifth, `t.dot(&t)` of a slice bound by
// `let`, is ambiguous to rustc itself (E0034 without `#[grad]`), not a macro bug.
