//! Regressions found by difftest's control-flow generator (reduced by hand): a `let` in a block
//! shadowing an outer name stays in the block; a slice passed on to a callee in an arm or a loop;
//! an early return of a tuple; a jump inside the value of an assignment; `step_by`'s argument.

#![allow(
    unused_variables,
    unused_assignments,
    clippy::assign_op_pattern,
    clippy::let_and_return,
    clippy::single_match,
    clippy::all,
    reason = "the functions spell out the shadowing under test"
)]

use autodiff_runtime::grad;

// ---- A `let` in a block that shadows an outer name stays in the block ---------------------------
//
// Was: after an `if` or `match` arm, a loop body or the block of an `if` expression, the name a `let`
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
fn a_let_shadowing_a_carried_variable_is_not_carried() {
    assert_eq!(shadow_after_carried_assignment_grad(1.0), (4.0, 4.0));
}

#[grad]
fn first_times(x: f64, s: &[f64]) -> f64 {
    x * s[0]
}

#[grad]
fn in_a_branch(x: f64, s: &[f64]) -> f64 {
    if x > 0.0 { first_times(x, s) } else { x }
}

#[grad]
fn in_a_loop(x: f64, s: &[f64]) -> f64 {
    let mut a = 0.0;
    for _ in 0..2 {
        a += first_times(x, s);
    }
    a
}

#[test]
fn slice_in_branch() {
    // x > 0: f = x·s₀, ∂x = s₀, ∂s = [x, 0].
    assert_eq!(
        in_a_branch_grad(1.5, &[2.0, 3.0]),
        (3.0, 2.0, vec![1.5, 0.0])
    );
    // f = 2x·s₀: ∂x = 2s₀, ∂s = [2x, 0].
    assert_eq!(in_a_loop_grad(1.5, &[2.0, 3.0]), (6.0, 4.0, vec![3.0, 0.0]));
}

// ---- An early `return` of a tuple output ------------------------------------------------------
//
// Was E0282: the merged returned value's cotangent, a tuple, started at `unreachable!()` and was
// added into with `+=`. Tuples now have a zero and accumulate element-wise.

#[grad]
fn early_tuple(x: f64) -> (f64, [f64; 1]) {
    if x > 0.0 {
        return (x, [x * x]);
    }
    (2.0 * x, [x])
}

#[test]
fn early_tuple_return() {
    // x = 1.5 returns early: (x, [x²]), so ∂ = 1·1 + 2x·1 = 4.
    let ((v, a), dx) = early_tuple_vjp(1.5, (1.0, [1.0]));
    assert_eq!((v, a), (1.5, [2.25]));
    assert_eq!(dx, 4.0);
    // x = −1 goes on: (2x, [x]), ∂ = 2 + 1 = 3.
    let (_, dx) = early_tuple_vjp(-1.0, (1.0, [1.0]));
    assert_eq!(dx, 3.0);
}

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
// A jump inside the value of an assignment skips the assignment (was: it still ran, with a
// placeholder value). Found by the fuzzer and corpus work.
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
fn continue_outer_from_an_assigned_loop_skips_the_assignment() {
    check(
        "continue_outer_from_assigned_loop",
        continue_outer_from_assigned_loop_grad(X),
        continue_outer_from_assigned_loop(X),
        1.0,
    );
}

// ---- `step_by`'s argument is a `usize` (was: an unsuffixed integer kept as `i32`, E0308) ----

#[grad]
fn step_by_an_unsuffixed_integer(x: f64) -> f64 {
    let mut s = x;
    let n = 2;
    for _ in (0..5).step_by(n) {
        s = s * x;
    }
    s
}

#[test]
fn step_by_takes_a_usize() {
    // Three iterations (0, 2, 4): f = x⁴, f' = 4x³.
    let (value, d) = step_by_an_unsuffixed_integer_grad(1.5);
    assert_eq!(value, step_by_an_unsuffixed_integer(1.5));
    assert_eq!(d, 4.0 * 1.5 * 1.5 * 1.5);
}

// A `vec!` made in a loop body (or an `if` arm) whose loop keeps no other record: the zero of
// its cotangent reads its length from the iteration's record, which was not kept (`cannot find
// value v_3_dim`). Found writing ADBench's GMM. s = Σ_i Σ_j x_j·x_i = (x0 + x1)·Σ_i x_i.
#[grad]
fn local_vec_in_a_loop_without_records(x: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        let mut v = vec![0.0; 2];
        for j in 0..2 {
            v[j] = x[j] * x[i];
        }
        for j in 0..2 {
            s += v[j];
        }
    }
    if x[0] > 0.0 {
        let mut w = vec![0.0; 2];
        for j in 0..2 {
            w[j] = x[j] * 2.0;
        }
        for j in 0..2 {
            s += w[j];
        }
    }
    s
}

#[test]
fn a_local_vec_in_a_loop_that_keeps_nothing_else() {
    let x = [0.5, 1.5, -1.0];
    let (value, bar) = local_vec_in_a_loop_without_records_grad(&x, 3);
    // s = (x0 + x1)(x0 + x1 + x2) + 2(x0 + x1).
    let (a, t) = (x[0] + x[1], x[0] + x[1] + x[2]);
    assert_eq!(value, local_vec_in_a_loop_without_records(&x, 3));
    assert!((value - (a * t + 2.0 * a)).abs() < 1e-12);
    let expect = [t + a + 2.0, t + a + 2.0, a];
    for i in 0..3 {
        assert!((bar[i] - expect[i]).abs() < 1e-12, "{bar:?} vs {expect:?}");
    }
}

// A call whose only differentiated argument is carried by the loop around it: taken for a
// constant while lowering (activity over the loop is found later), it kept no type, and
// indexing its fixed-size output asked for an annotation (`cannot infer the type of w`). Found
// by the 10,000-program control-flow run (seed 2, function 1251). f = (1 + x)(1 + 2x).
#[grad]
fn pair_scaled(v: f64, k: usize) -> [f64; 1] {
    [v * k as f64]
}

#[grad]
fn call_on_a_carried_value(x: f64) -> f64 {
    let mut acc: f64 = 1.0;
    for k in 1..3 {
        let w = pair_scaled(acc, k);
        acc += w[0] * x;
    }
    acc
}

#[test]
fn a_call_made_active_by_its_loop() {
    let x = 0.75;
    let (value, dx) = call_on_a_carried_value_grad(x);
    assert_eq!(value, call_on_a_carried_value(x));
    assert!((value - (1.0 + x) * (1.0 + 2.0 * x)).abs() < 1e-12);
    assert!((dx - (3.0 + 4.0 * x)).abs() < 1e-12, "{dx}");
}

// Found by the 10,000-program control-flow run (seed 5): a float method on the value of a
// `match` of float literals (`f64::hypot(match k % 4 { .. => -2.0, _ => -1.47 }, 0.5)`) was
// ambiguous to rustc once lowered to a `let` (E0689), and a loop over `(0..=N).step_by(2)` with
// `N` a `const` kept its index as `i32` (E0308). f = x · Σ_k 1/hypot(v_k, 0.5).
const N3: usize = 3;

#[grad]
fn float_literal_match_and_const_range(x: f64) -> f64 {
    let mut s = 0.0;
    for k in (0..=N3).step_by(2) {
        s += x / f64::hypot(
            match k % 4 {
                2 | 1 => -2.0,
                _ => -1.47,
            },
            0.5,
        );
    }
    s
}

#[test]
fn a_method_on_a_match_of_literals_and_a_stepped_const_range() {
    let x = 0.75;
    let d: f64 = [0, 2]
        .iter()
        .map(|&k| 1.0 / f64::hypot(if k % 4 == 2 { -2.0 } else { -1.47 }, 0.5))
        .sum();
    let (value, dx) = float_literal_match_and_const_range_grad(x);
    assert_eq!(value, float_literal_match_and_const_range(x));
    assert!(
        (value - x * d).abs() < 1e-12 && (dx - d).abs() < 1e-12,
        "{value} {dx} {d}"
    );
}

// A differentiated parameter read at a loop-carried counter (`icf[k]`, ADBench's GMM): the
// reverse sweep reads the element again by the counter its own rule keeps. The gradient is
// the same as before: f = Σ_{i<j} (w[k_ij]·x_i)², checked against the closed form.
#[grad]
fn counter_indexed(w: &[f64], x: &[f64]) -> f64 {
    let mut k = 0;
    let mut s = 0.0;
    for i in 0..x.len() {
        for _j in i + 1..x.len() {
            let t = w[k] * x[i];
            s += t * t;
            k += 1;
        }
    }
    s
}

#[test]
fn a_parameter_read_at_a_carried_counter() {
    let (w, x) = ([0.5, -1.0, 2.0], [1.5, -0.5, 0.25]);
    let (value, bar_w, bar_x) = counter_indexed_grad(&w, &x);
    assert_eq!(value, counter_indexed(&w, &x));
    // Pairs (i, k): (0, 0), (0, 1), (1, 2).
    let expect_w = [
        2.0 * w[0] * x[0] * x[0],
        2.0 * w[1] * x[0] * x[0],
        2.0 * w[2] * x[1] * x[1],
    ];
    let expect_x = [
        2.0 * x[0] * (w[0] * w[0] + w[1] * w[1]),
        2.0 * x[1] * w[2] * w[2],
        0.0,
    ];
    for i in 0..3 {
        assert!((bar_w[i] - expect_w[i]).abs() < 1e-12, "{bar_w:?}");
        assert!((bar_x[i] - expect_x[i]).abs() < 1e-12, "{bar_x:?}");
    }
}
