//! Regression tests for the macro bugs the differential testers found, kept out of the default run
//! until they are fixed (`cargo test -p difftest --test known_bugs -- --ignored` runs them; each
//! fails while its bug is there). When one is fixed, drop its `#[ignore]`, and in the generator
//! that found it stop steering around it (`known_bug` in `src/control.rs`, `Config::known_bugs`
//! in `src/generator.rs`).
//!
//! Each case is the smallest function showing the bug, reduced by hand from a generated one,
//! with its gradient worked out in the comment above it.

#![allow(
    unused_variables,
    unused_assignments,
    clippy::let_and_return,
    clippy::single_match,
    clippy::assign_op_pattern,
    reason = "the functions spell out the shadowing under test"
)]

use autodiff_runtime::grad;

// ---- Cases that do not compile ------------------------------------------------------------------

/// `return (e, [..])` before the end of a function returning `(f64, [f64; N])`: E0282, "type
/// annotations needed", at the `return`. The reverse sweep starts the cotangent of the returned
/// value at `::core::unreachable!()` and adds into it with `+=`, which a tuple has no
/// implementation of (a float or an array output works). Found by the control-flow generator
/// (seed 0x5eed20260c0f, functions 106 and 247, among others).
#[test]
#[ignore = "bug: an early `return` of a tuple output does not compile (E0282)"]
fn early_return_of_a_tuple() {
    trybuild::TestCases::new().pass("tests/known_bugs/early_return_of_a_tuple.rs");
}

/// A caller's `&[f64]` parameter passed on to a `#[grad]` callee's `&[f64]` parameter inside an
/// `if` arm or a loop body: E0308 at the call, "expected `(f64, Vec<f64>)`, found
/// `FirstTimesResiduals<'_>`": the caller's residuals expect the callee's arguments kept (its
/// `Kept::Owned` form), the call gives the callee's residuals. The same call outside control flow
/// compiles, as does passing a literal `&[x, 1.0]` or a `&[f64; N]` parameter. Found by the
/// control-flow generator (seed 0x5eed20260c0f, function 163).
#[test]
#[ignore = "bug: a slice parameter passed on to a slice-taking callee in a branch or loop does not compile (E0308)"]
fn slice_passed_on_in_a_branch_or_loop() {
    trybuild::TestCases::new().pass("tests/known_bugs/slice_passed_on_in_a_branch.rs");
}

/// `for _ in (a..=b).step_by(k)` around a body that keeps nothing per iteration (`s += x`):
/// E0277 at the attribute, "the trait bound `RangeInclusive<usize>: ExactSizeIterator` is not
/// satisfied". With no records to walk back, the reverse sweep runs the range itself backwards,
/// `.rev()` of the `StepBy<RangeInclusive<usize>>`, which is not a `DoubleEndedIterator` (a body
/// keeping records, `s = s * x`, compiles, as do `(a..b).step_by(k)` and `(a..=b).rev()`). Found
/// by the control-flow generator's long run (seed 1, functions 145 and 635; seed 2, 1464; seed 3,
/// 1002, 1100 and 1331; seed 4, 686, 1231 and 1639).
#[test]
#[ignore = "bug: `for _ in (a..=b).step_by(k)` with a body keeping no records does not compile (E0277)"]
fn inclusive_range_step_by() {
    trybuild::TestCases::new().pass("tests/known_bugs/inclusive_range_step_by.rs");
}

// ---- A `let` in a block that shadows an outer name leaks out of the block ----------------------
//
// After an `if` or `match` arm, a loop body or the block of an `if` expression, the name a `let`
// inside shadowed is still bound to the inner variable, as if the block had assigned the outer
// one: the function's value and gradient through the macro are wrong (the original function is
// right). Found by the control-flow generator (seed 0x5eed20260c0f: functions 57, 75, 92, 106,
// 181, 192, 208, 239, 247, 302 and more; one in twenty of the first 320).

// f = x: (1, 1) at x = 1. The macro gives (2, 2), the value of the arm's `x`.
#[grad]
fn shadow_in_if_arm(x: f64) -> f64 {
    if x > 0.0 {
        let x = 2.0 * x;
    }
    x
}

#[test]
#[ignore = "bug: a `let` in an `if` arm shadowing an outer name leaks out of the arm"]
fn a_let_in_an_if_arm_stays_in_the_arm() {
    assert_eq!(shadow_in_if_arm_grad(1.0), (1.0, 1.0));
}

// f = x: (−1, 1) at x = −1. The macro gives (−2, 2).
#[grad]
fn shadow_in_else_arm(x: f64) -> f64 {
    if x > 0.0 {
    } else {
        let x = 2.0 * x;
    }
    x
}

#[test]
#[ignore = "bug: a `let` in an `else` arm shadowing an outer name leaks out of the arm"]
fn a_let_in_an_else_arm_stays_in_the_arm() {
    assert_eq!(shadow_in_else_arm_grad(-1.0), (-1.0, 1.0));
}

// f = x: (1, 1) at x = 1, n = 0. The macro gives (3, 3).
#[grad]
fn shadow_in_match_arm(x: f64, n: usize) -> f64 {
    match n {
        0 => {
            let x = 3.0 * x;
        }
        _ => {}
    }
    x
}

#[test]
#[ignore = "bug: a `let` in a `match` arm shadowing an outer name leaks out of the arm"]
fn a_let_in_a_match_arm_stays_in_the_arm() {
    assert_eq!(shadow_in_match_arm_grad(1.0, 0), (1.0, 1.0));
}

// y = 2x (x > 0), f = x + y = 3x: (3, 3) at x = 1. The macro gives (4, 4): the `x` after the
// `if` expression is the arm's 2x.
#[grad]
fn shadow_in_if_expression(x: f64) -> f64 {
    let y = if x > 0.0 {
        let x = 2.0 * x;
        x
    } else {
        x
    };
    x + y
}

#[test]
#[ignore = "bug: a `let` in the block of an `if` expression shadowing an outer name leaks out"]
fn a_let_in_an_if_expression_stays_in_its_block() {
    assert_eq!(shadow_in_if_expression_grad(1.0), (3.0, 3.0));
}

// The loop body's `x` is its own: f = x, (1, 1, 0) at (x, y) = (1, 5). The macro gives
// (16, 0, 3): the body's `let mut x = 3y; x += 1` taken for the outer `x`.
#[grad]
fn shadow_in_loop_body(x: f64, y: f64) -> f64 {
    for _ in 0..1 {
        let mut x = 3.0 * y;
        x += 1.0;
    }
    x
}

#[test]
#[ignore = "bug: a `let mut` in a loop body shadowing an outer name leaks out of the loop"]
fn a_let_in_a_loop_body_stays_in_the_body() {
    assert_eq!(shadow_in_loop_body_grad(1.0, 5.0), (1.0, 1.0, 0.0));
}

// a doubles twice: f = 4y, (4, 4) at y = 1. The macro gives (3, 3): the shadowing `a = 3y` after
// the assignment is carried into the next iteration and out of the loop.
#[grad]
fn shadow_after_carried_assignment(y: f64) -> f64 {
    let mut a = y;
    for _ in 0..2 {
        a = a * 2.0;
        let a = 3.0 * y;
    }
    a
}

#[test]
#[ignore = "bug: a `let` shadowing a loop-carried variable in the body is carried instead"]
fn a_let_shadowing_a_carried_variable_is_not_carried() {
    assert_eq!(shadow_after_carried_assignment_grad(1.0), (4.0, 4.0));
}
