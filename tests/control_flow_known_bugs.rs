//! Control flow `#[grad]` accepts without an error and differentiates wrongly: found while
//! extending the never-panic corpus and the fuzzer with control flow (issue 11). The expansions
//! parse and compile, so neither oracle sees them; each case here states the function's value
//! and derivative at a point, worked by hand, and checks `f_grad` against them.
//!
//! Each fails while its bug is there, so they are kept out of the default run:
//! `cargo test --test control_flow_known_bugs -- --ignored` runs them. When one is fixed, drop
//! its `#[ignore]` (or move the case beside the tests of its construct).
//!
//! Three bugs:
//!
//! 1. A `let` inside an arm or a loop body leaks out of it: the arm's or body's binding of a
//!    name an outer variable also has is merged into the outer variable after the `if`/`match`
//!    (`branch` merges every name whose binding differs at the end of an arm), and a loop
//!    carries a name its body assigns even where the body first rebinds it with a `let`
//!    (`assigned_names` does not see the `let`), so the value after the loop is the inner one.
//!    The same for a `for mut k` pattern shadowing an outer `k`.
//! 2. A `break`/`continue` inside the value of an assignment (`s = if c { continue } else { e };`,
//!    `s = s * match i { 0 => continue, _ => y };`, `s = loop { continue 'outer; };`) still runs
//!    the assignment, with the placeholder `Default::default()` (0.0) for the value: jumps are
//!    checked between statements only.
//! 3. A `return` inside a `while` condition, or inside the right operand of `&&`/`||` in a
//!    condition, is lost: the function goes on as if it had not returned (the condition is
//!    lowered in a scope whose bindings, the return flag among them, are dropped).
//!
//! And valid programs whose expansion does not compile, in `tests/known_bugs/*.rs` (each says
//! why), run by [`cases_that_do_not_compile`].

#![allow(
    unused_variables,
    unused_assignments,
    unused_mut,
    unreachable_code,
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

// ---------------------------------------------------------------------------------------------
// 1. A `let` inside an arm or a loop body leaks out of it.
// ---------------------------------------------------------------------------------------------

// The `let x` is the arm's own: f = x, f' = 1. Gives (2, 0).
#[grad]
fn let_in_if_arm(x: f64) -> f64 {
    if x > 0.0 {
        let x = 2.0;
    }
    x
}

#[test]
#[ignore = "bug: a `let` in an `if` arm leaks out of it"]
fn a_let_in_an_if_arm_stays_in_it() {
    check(
        "let_in_if_arm",
        let_in_if_arm_grad(X),
        let_in_if_arm(X),
        1.0,
    );
}

// f = x, f' = 1. Gives (2, 0).
#[grad]
fn let_in_match_arm(x: f64) -> f64 {
    let n = 1;
    match n {
        1 => {
            let x = 2.0;
        }
        _ => {}
    }
    x
}

#[test]
#[ignore = "bug: a `let` in a `match` arm leaks out of it"]
fn a_let_in_a_match_arm_stays_in_it() {
    check(
        "let_in_match_arm",
        let_in_match_arm_grad(X),
        let_in_match_arm(X),
        1.0,
    );
}

// The body's `s` shadows the outer one: f = x, f' = 1. Gives (1, 0).
#[grad]
fn shadowed_in_for_body(x: f64) -> f64 {
    let mut s = x;
    for _ in 0..1 {
        let mut s = 0.0;
        s += 1.0;
    }
    s
}

#[test]
#[ignore = "bug: a `let` shadowing a variable in a `for` body leaks out of the loop"]
fn a_shadow_in_a_for_body_stays_in_it() {
    check(
        "shadowed_in_for_body",
        shadowed_in_for_body_grad(X),
        shadowed_in_for_body(X),
        1.0,
    );
}

// f = x, f' = 1. Gives (1, 0).
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
#[ignore = "bug: a `let` shadowing a variable in a `while` body leaks out of the loop"]
fn a_shadow_in_a_while_body_stays_in_it() {
    check(
        "shadowed_in_while_body",
        shadowed_in_while_body_grad(X),
        shadowed_in_while_body(X),
        1.0,
    );
}

// The outer `s` is multiplied by x twice, the shadow is dropped: f = x³, f' = 3x². Gives the
// shadow's value.
#[grad]
fn shadowed_after_assignment(x: f64) -> f64 {
    let mut s = x;
    for _ in 0..2 {
        s = s * x;
        let s = s + 100.0;
    }
    s
}

#[test]
#[ignore = "bug: a `let` after an assignment in a loop body leaks out of the loop"]
fn a_shadow_after_an_assignment_stays_in_the_body() {
    check(
        "shadowed_after_assignment",
        shadowed_after_assignment_grad(X),
        shadowed_after_assignment(X),
        3.0 * X * X,
    );
}

// `for mut k` shadows the outer `k = 5`: f = 5x, f' = 5. Gives (1.5, 1): k = 1 after the loop.
#[grad]
fn loop_pattern_shadows(x: f64) -> f64 {
    let mut k = 5;
    for mut k in 0..1 {
        k += 1;
    }
    x * k as f64
}

#[test]
#[ignore = "bug: a `for mut k` pattern assigned in the body overwrites an outer `k`"]
fn a_loop_pattern_shadows_an_outer_variable() {
    check(
        "loop_pattern_shadows",
        loop_pattern_shadows_grad(X),
        loop_pattern_shadows(X),
        5.0,
    );
}

// ---------------------------------------------------------------------------------------------
// 2. A jump inside the value of an assignment still runs the assignment.
// ---------------------------------------------------------------------------------------------

// The one iteration continues before assigning: f = x, f' = 1. Gives (0, 0).
#[grad]
fn continue_in_assigned_if(x: f64) -> f64 {
    let mut s = x;
    for i in 0..1 {
        s = if i == 0 { continue } else { s };
    }
    s
}

#[test]
#[ignore = "bug: `s = if c { continue } else { e };` assigns 0.0 to s"]
fn continue_in_an_assigned_if_skips_the_assignment() {
    check(
        "continue_in_assigned_if",
        continue_in_assigned_if_grad(X),
        continue_in_assigned_if(X),
        1.0,
    );
}

// Iteration 0 continues, iteration 1 multiplies by x: f = x², f' = 2x. Gives (0, 0).
#[grad]
fn continue_in_match_operand(x: f64) -> f64 {
    let mut s = x;
    for i in 0..2 {
        s = s * match i {
            0 => continue,
            _ => x,
        };
    }
    s
}

#[test]
#[ignore = "bug: `s = s * match i { 0 => continue, _ => y };` assigns s * 0.0"]
fn continue_in_a_match_operand_skips_the_assignment() {
    check(
        "continue_in_match_operand",
        continue_in_match_operand_grad(X),
        continue_in_match_operand(X),
        2.0 * X,
    );
}

// x > 0, so the loop breaks before assigning: f = x, f' = 1. Gives (0, 0).
#[grad]
fn break_in_assigned_if(x: f64) -> f64 {
    let mut s = x;
    loop {
        s = if s > 0.0 { break } else { 1.0 };
    }
    s
}

#[test]
#[ignore = "bug: `s = if c { break } else { e };` assigns 0.0 to s"]
fn break_in_an_assigned_if_skips_the_assignment() {
    check(
        "break_in_assigned_if",
        break_in_assigned_if_grad(X),
        break_in_assigned_if(X),
        1.0,
    );
}

// x > 0, so the inner loop continues the outer before `s` is assigned: f = x, f' = 1.
// Gives (0, 0).
#[grad]
fn continue_outer_from_assigned_loop(x: f64) -> f64 {
    let mut s = x;
    'outer: for _ in 0..1 {
        s = loop {
            if s > 0.0 {
                continue 'outer;
            }
            break 1.0;
        };
    }
    s
}

#[test]
#[ignore = "bug: `s = loop { continue 'outer; };` assigns 0.0 to s"]
fn continue_outer_from_an_assigned_loop_skips_the_assignment() {
    check(
        "continue_outer_from_assigned_loop",
        continue_outer_from_assigned_loop_grad(X),
        continue_outer_from_assigned_loop(X),
        1.0,
    );
}

// ---------------------------------------------------------------------------------------------
// 3. A `return` inside a condition is lost.
// ---------------------------------------------------------------------------------------------

// x > 0: returns 2x, f' = 2. Gives (x, 1).
#[grad]
fn return_in_while_condition(x: f64) -> f64 {
    while if x > 0.0 { return 2.0 * x } else { false } {}
    x
}

#[test]
#[ignore = "bug: a `return` in a `while` condition is lost"]
fn a_return_in_a_while_condition_returns() {
    check(
        "return_in_while_condition",
        return_in_while_condition_grad(X),
        return_in_while_condition(X),
        2.0,
    );
}

// x > 0: returns 2x, f' = 2. Gives (x, 1).
#[grad]
fn return_in_and_operand(x: f64) -> f64 {
    if true && if x > 0.0 { return 2.0 * x } else { true } {
        x
    } else {
        x
    }
}

#[test]
#[ignore = "bug: a `return` in the right operand of `&&` in a condition is lost"]
fn a_return_in_an_and_operand_returns() {
    check(
        "return_in_and_operand",
        return_in_and_operand_grad(X),
        return_in_and_operand(X),
        2.0,
    );
}

// ---------------------------------------------------------------------------------------------
// Valid programs whose expansion does not compile.
// ---------------------------------------------------------------------------------------------

/// Each of `tests/known_bugs/*.rs` should compile and run; none does yet. A fixed case moves to
/// `tests/ui/pass/`.
#[test]
#[ignore = "bug: each case fails to compile while its bug is there"]
fn cases_that_do_not_compile() {
    trybuild::TestCases::new().pass("tests/known_bugs/*.rs");
}
