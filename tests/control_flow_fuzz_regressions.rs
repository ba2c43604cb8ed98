//! Regressions from the never-panic corpus and fuzzer work on control flow (issue 11): inputs that
//! expanded without an error and compiled (or did not) but differentiated wrongly, reduced by
//! hand. Most of what that work found is in `control_flow_regressions.rs`; these are the cases it
//! does not cover: a `let` shadowing in a `while` body, a `for mut k` pattern shadowing an outer
//! `k` and assigned in the body, and `step_by`'s argument where the reverse sweep runs the range
//! again (the body indexes by the loop's index: there the step is kept, and was kept as `i32`).
//! The last case, a `match` whose only arm binds the scrutinee to a name an outer variable has
//! and assigns it, leaked the binding past the `match` (the lone arm had no block of its own).
//! Two more were rejected and are accepted now: a `loop` left only by a jump to an enclosing
//! loop, and empty statements (stray `;`s).

#![allow(
    unused_variables,
    unused_assignments,
    unused_mut,
    redundant_semicolons,
    clippy::all,
    reason = "the #[grad] functions spell out the constructs under test"
)]

use autodiff_runtime::grad;

/// `f_grad(x)` against the value `f(x)` and the derivative `d`, worked by hand.
fn check(name: &str, grad: (f64, f64), value: f64, d: f64) {
    assert!(
        grad.0 == value && (grad.1 - d).abs() <= 1e-12 * d.abs().max(1.0),
        "{name}: f_grad gives (value {}, derivative {}), expected ({value}, {d})",
        grad.0,
        grad.1
    );
}

const X: f64 = 1.5;

// The body's `s` shadows the outer one: f = x, f' = 1. Was (1, 0): the shadow leaked out.
#[grad]
fn shadowed_in_while_body(x: f64) -> f64 {
    let mut s = x;
    let mut k = 0;
    while k < 1 {
        k += 1;
        let mut s = 0.0;
        s += 1.0;
    }
    s
}

#[test]
fn a_shadow_in_a_while_body_stays_in_it() {
    check(
        "shadowed_in_while_body",
        shadowed_in_while_body_grad(X),
        shadowed_in_while_body(X),
        1.0,
    );
}

// `for mut k` shadows the outer `k = 5`: f = 5x, f' = 5. Was (1.5, 1): k = 1 after the loop.
#[grad]
fn loop_pattern_shadows(x: f64) -> f64 {
    let mut k = 5;
    for mut k in 0..1 {
        k += 1;
    }
    x * k as f64
}

#[test]
fn a_loop_pattern_shadows_an_outer_variable() {
    check(
        "loop_pattern_shadows",
        loop_pattern_shadows_grad(X),
        loop_pattern_shadows(X),
        5.0,
    );
}

// i = 0, 2, 4: s = (v0·x + v2)·x + v4 = 2x³ + x, f' = 6x² + 1. The reverse sweep runs
// `(0..5).step_by(n)` again to index `v`, so `n` is kept: it was kept as `i32` (E0308).
#[grad]
fn step_by_in_the_reverse_sweep(x: f64) -> f64 {
    let v = [x, 2.0 * x, x * x, 1.0, x];
    let mut s = 0.0;
    let n = 2;
    for i in (0..5).step_by(n) {
        s = s * x + v[i];
    }
    s
}

#[test]
fn step_by_an_unsuffixed_integer_kept_for_the_reverse_sweep() {
    check(
        "step_by_in_the_reverse_sweep",
        step_by_in_the_reverse_sweep_grad(X),
        step_by_in_the_reverse_sweep(X),
        6.0 * X * X + 1.0,
    );
}

// The arm's `n` shadows the outer one: f = 2x, f' = 2. Gave (4.5, 3) at x = 1.5: `n` was 3 after
// the `match`.
#[grad]
fn single_binding_arm_shadows(x: f64) -> f64 {
    let n = 2;
    match n {
        mut n => {
            n += 1;
        }
    }
    x * n as f64
}

#[test]
fn a_lone_binding_arm_stays_in_the_match() {
    check(
        "single_binding_arm_shadows",
        single_binding_arm_shadows_grad(X),
        single_binding_arm_shadows(X),
        2.0,
    );
}

// The inner `loop` ends only by `continue 'outer`: a doubles each outer iteration, f = 4x,
// f' = 4. Was rejected ("a `loop` needs a `break`").
#[grad]
fn loop_left_by_an_outer_continue(x: f64) -> f64 {
    let mut a = x;
    'outer: for _ in 0..2 {
        loop {
            a = a * 2.0;
            continue 'outer;
        }
    }
    a
}

#[test]
fn a_loop_left_only_by_a_jump_to_an_outer_loop() {
    check(
        "loop_left_by_an_outer_continue",
        loop_left_by_an_outer_continue_grad(X),
        loop_left_by_an_outer_continue(X),
        4.0,
    );
}

// Stray `;`s are empty statements: f = x², f' = 2x. Was rejected ("this expression is not
// supported").
#[grad]
#[rustfmt::skip]
fn empty_statements(x: f64) -> f64 {
    ;
    let y = x * x;;
    y
}

#[test]
fn empty_statements_are_nothing() {
    check(
        "empty_statements",
        empty_statements_grad(X),
        empty_statements(X),
        2.0 * X,
    );
}
