//! The control-flow spec's peer-bug tests: the twelve cases of `CONTROL_FLOW.md` §5, each a
//! control-flow program that broke another AD tool (named above each function), with the
//! analytic answer stated there. #6 is written in the `loop` form the spec allows (and the
//! equivalent `while`); #12, whose original used `split_at_mut` (not supported), is an
//! `if`/`else` with `continue` in a loop over the two halves of a local buffer, checked against
//! central differences.

#![allow(
    clippy::assign_op_pattern,
    clippy::let_and_return,
    clippy::needless_range_loop,
    clippy::nonminimal_bool,
    clippy::needless_return,
    clippy::never_loop,
    reason = "the #[grad] functions spell out the programs that broke other tools"
)]

mod common;

use autodiff_runtime::grad;
use common::{EXACTISH, assert_close, assert_grad_close, check_f64};

// ---------------------------------------------------------------------------------------------
// #1 google/tangent#66: logsumexp with a running max gave all-zero gradients.
// ---------------------------------------------------------------------------------------------

// m = max aᵢ by `if a[i] > m { m = a[i] }`, s = Σ e^{aᵢ − m}, f = ln s + m = ln Σ e^{aᵢ}.
//   ∂f/∂a = softmax(a) (the two paths through m cancel).
#[grad]
fn logsumexp_running_max(a: &[f64]) -> f64 {
    let mut m = f64::NEG_INFINITY;
    for i in 0..a.len() {
        if a[i] > m {
            m = a[i];
        }
    }
    let mut s = 0.0;
    for i in 0..a.len() {
        s += (a[i] - m).exp();
    }
    s.ln() + m
}

#[test]
fn peer_1_logsumexp_with_running_max_is_softmax() {
    // The max first, in the middle, last.
    for a in [
        [2.0, -1.0, 0.5, 1.2],
        [0.3, -0.4, 3.1, 1.0],
        [-1.5, 0.2, 0.9, 1.7],
    ] {
        let (v, d) = logsumexp_running_max_grad(&a);
        assert_eq!(v, logsumexp_running_max(&a));
        let total: f64 = a.iter().map(|v| v.exp()).sum();
        assert_close("value", v, total.ln(), EXACTISH);
        let softmax: Vec<f64> = a.iter().map(|v| v.exp() / total).collect();
        assert!(
            d.iter().any(|&g| g != 0.0),
            "all-zero gradient (tangent#66)"
        );
        assert_grad_close("softmax", a, &d, &softmax, EXACTISH);
    }
}

// ---------------------------------------------------------------------------------------------
// #2 google/tangent#69: an array write and a conditional update in a loop.
// ---------------------------------------------------------------------------------------------

// sᵢ = 1, then s₂ += d₂; f = Σsᵢ = 4 + d₂. ∂f/∂d = e₂.
#[grad]
fn array_write_and_conditional_update(d: &[f64; 4]) -> f64 {
    let mut s = [0.0; 4];
    for i in 0..4 {
        s[i] = 1.0;
        if i == 2 {
            s[i] += d[i];
        }
    }
    let mut total = 0.0;
    for i in 0..4 {
        total += s[i];
    }
    total
}

#[test]
fn peer_2_array_write_and_conditional_update_gives_e2() {
    for d in [[0.5, -1.2, 0.9, 2.0], [3.0, 0.1, -0.7, 1.1]] {
        let (v, g) = array_write_and_conditional_update_grad(&d);
        assert_eq!(v, 4.0 + d[2]);
        assert_eq!([g[0], g[1], g[3]], [0.0; 3]);
        assert_close("∂d₂", g[2], 1.0, EXACTISH);
    }
}

// ---------------------------------------------------------------------------------------------
// #3 google/tangent#31: a triangular nested loop.
// ---------------------------------------------------------------------------------------------

// s = Σ_{i<n} Σ_{i≤j<n} x[i·n + j]: ∂x[i·n + j] = 1 on and above the diagonal (j ≥ i), else 0.
#[grad]
fn triangular_nested_loop(x: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        for j in i..n {
            s += x[i * n + j];
        }
    }
    s
}

#[test]
fn peer_3_triangular_nested_loop_gives_the_upper_triangle() {
    for n in [1, 3, 4] {
        let x: Vec<f64> = (0..n * n).map(|k| 0.1 * k as f64 - 0.5).collect();
        let (v, d) = triangular_nested_loop_grad(&x, n);
        assert_eq!(v, triangular_nested_loop(&x, n));
        let e: Vec<f64> = (0..n * n)
            .map(|k| if k % n >= k / n { 1.0 } else { 0.0 })
            .collect();
        assert_grad_close(&format!("n = {n}"), n, &d, &e, EXACTISH);
    }
}

// ---------------------------------------------------------------------------------------------
// #4 vgvassilev/clad#851: `break` with the loop index used in the body.
// ---------------------------------------------------------------------------------------------

// i = 1: r += 1·u, then break: r = u, ∂r/∂u = 1.
#[grad]
fn break_with_index(u: f64) -> f64 {
    let mut r = 0.0;
    for i in 1..3 {
        r += i as f64 * u;
        if i == 1 {
            break;
        }
    }
    r
}

#[test]
fn peer_4_break_with_the_loop_index_gives_1() {
    for u in [0.7, -2.5] {
        let (v, d) = break_with_index_grad(u);
        assert_eq!(v, break_with_index(u));
        assert_close("∂r/∂u", d, 1.0, EXACTISH);
    }
}

// ---------------------------------------------------------------------------------------------
// #5 clad#710: `continue`.
// ---------------------------------------------------------------------------------------------

// The odd i of 0..4 add i·u²: r = u² + 3u² = 4u², ∂r/∂u = 8u.
#[grad]
fn continue_even(u: f64) -> f64 {
    let mut r = 0.0;
    for i in 0..4 {
        if i % 2 == 0 {
            continue;
        }
        r += i as f64 * u * u;
    }
    r
}

#[test]
fn peer_5_continue_gives_8u() {
    for u in [0.7, -2.5, 1.3] {
        let (v, d) = continue_even_grad(u);
        assert_eq!(v, continue_even(u));
        assert_close("∂r/∂u", d, 8.0 * u, EXACTISH);
    }
}

// ---------------------------------------------------------------------------------------------
// #6 clad#746: active work in the loop condition (clad gave 0).
// ---------------------------------------------------------------------------------------------

// clad's `while { r = a * b; c < 1 } { c += 1 }` as a `loop` that does the condition's work,
// then tests it, leaving with the last r: r = ab, so ∂r/∂a = b, ∂r/∂b = a (never a silent 0).
#[grad]
fn work_in_loop_condition(a: f64, b: f64) -> f64 {
    let mut c = 0;
    let r = loop {
        let r = a * b;
        if !(c < 1) {
            break r;
        }
        c += 1;
    };
    r
}

// The same as a `while`, the condition's work done before the loop and at the end of the body.
#[grad]
fn work_in_loop_condition_while(a: f64, b: f64) -> f64 {
    let mut c = 0;
    let mut r = a * b;
    while c < 1 {
        c += 1;
        r = a * b;
    }
    r
}

#[test]
fn peer_6_active_work_in_the_loop_condition_gives_b() {
    for (a, b) in [(0.7, -2.5), (1.5, 0.4)] {
        for (name, grad) in [
            (
                "loop",
                work_in_loop_condition_grad as fn(f64, f64) -> (f64, f64, f64),
            ),
            ("while", work_in_loop_condition_while_grad),
        ] {
            let (v, da, db) = grad(a, b);
            assert_eq!(v, a * b, "{name}");
            assert_close(&format!("{name} ∂r/∂a"), da, b, EXACTISH);
            assert_close(&format!("{name} ∂r/∂b"), db, a, EXACTISH);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// #7 clad#1865: a divisor accumulated in a loop.
// ---------------------------------------------------------------------------------------------

// s = Σ_{i<n} 1/(i + 1 + a²): ∂s/∂a = −Σ 2a/(i + 1 + a²)².
#[grad]
fn divisor_in_loop(a: f64, n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        s += 1.0 / (i as f64 + 1.0 + a * a);
    }
    s
}

#[test]
fn peer_7_divisor_accumulated_in_a_loop() {
    for (a, n) in [(0.7, 5), (-1.8, 12), (0.3, 1)] {
        let (v, d) = divisor_in_loop_grad(a, n);
        assert_eq!(v, divisor_in_loop(a, n));
        let e: f64 = (0..n)
            .map(|i| {
                let q = i as f64 + 1.0 + a * a;
                -2.0 * a / (q * q)
            })
            .sum();
        assert_close(&format!("n = {n}"), d, e, EXACTISH);
    }
}

// ---------------------------------------------------------------------------------------------
// #8 clad#474: a loop variable initialised from a parameter.
// ---------------------------------------------------------------------------------------------

// t runs from lo by h while t < hi; s = Σₖ tₖ²h with tₖ = lo + kh (k < K, the trip count).
//   ∂lo = Σ 2tₖh, ∂hi = 0, ∂h = Σ (tₖ² + 2tₖkh) (tₖ reached by repeated addition: ∂tₖ/∂h = k).
#[grad]
fn loop_variable_from_parameter(lo: f64, hi: f64, h: f64) -> f64 {
    let mut s = 0.0;
    let mut t = lo;
    while t < hi {
        s += t * t * h;
        t += h;
    }
    s
}

#[test]
fn peer_8_loop_variable_initialised_from_a_parameter() {
    // (hi − lo)/h = 9.5, 4.5 and 14.5: half a step from a trip-count jump either way.
    for (lo, hi, h) in [(0.1, 1.05, 0.1), (-0.5, 0.4, 0.2), (0.0, 2.9, 0.2)] {
        let (v, dlo, dhi, dh) = loop_variable_from_parameter_grad(lo, hi, h);
        assert_eq!(v, loop_variable_from_parameter(lo, hi, h));
        let mut ts = Vec::new();
        let mut t = lo;
        while t < hi {
            ts.push(t);
            t += h;
        }
        let elo: f64 = ts.iter().map(|t| 2.0 * t * h).sum();
        let eh: f64 = ts
            .iter()
            .enumerate()
            .map(|(k, t)| t * t + 2.0 * t * k as f64 * h)
            .sum();
        assert_close("∂lo", dlo, elo, EXACTISH);
        assert_eq!(dhi, 0.0);
        assert_close("∂h", dh, eh, EXACTISH);
        check_f64(
            "loop_variable_from_parameter",
            |q| loop_variable_from_parameter(q[0], q[1], q[2]),
            &[lo, hi, h],
            &[dlo, dhi, dh],
        );
    }
}

// ---------------------------------------------------------------------------------------------
// #9 EnzymeAD/Enzyme PR #1430: `break 'outer` out of nested loops.
// ---------------------------------------------------------------------------------------------

// Adds x[k]² over k = i·n + j in row-major order and leaves both loops at k = stop:
//   ∂x[k] = 2x[k] for k < stop, 0 from stop on.
#[grad]
fn break_outer_nested(x: &[f64], n: usize, stop: usize) -> f64 {
    let mut s = 0.0;
    'outer: for i in 0..n {
        for j in 0..n {
            if i * n + j == stop {
                break 'outer;
            }
            s += x[i * n + j] * x[i * n + j];
        }
    }
    s
}

#[test]
fn peer_9_break_outer_leaves_both_loops() {
    let x: Vec<f64> = (0..9).map(|k| 0.3 * k as f64 - 1.1).collect();
    for stop in [0, 2, 5, 9] {
        let (v, d) = break_outer_nested_grad(&x, 3, stop);
        assert_eq!(v, break_outer_nested(&x, 3, stop));
        let e: Vec<f64> = (0..9)
            .map(|k| if k < stop { 2.0 * x[k] } else { 0.0 })
            .collect();
        assert_grad_close(&format!("stop at {stop}"), stop, &d, &e, EXACTISH);
    }
}

// ---------------------------------------------------------------------------------------------
// #10 FluxML/Zygote.jl#265: early `return` inside a loop, with code after the loop.
// ---------------------------------------------------------------------------------------------

// y = x, then y ← yx each iteration (y = x^{i+2}), returning y at i = 2; after the loop, sin y.
//   n ≥ 3: f = x⁴, f' = 4x³.   n < 3: f = sin(x^{n+1}), f' = (n + 1)xⁿ cos(x^{n+1}).
#[grad]
fn early_return_in_loop(x: f64, n: usize) -> f64 {
    let mut y = x;
    for i in 0..n {
        y = y * x;
        if i == 2 {
            return y;
        }
    }
    y.sin()
}

#[test]
fn peer_10_early_return_inside_a_loop() {
    for x in [0.8, -1.3] {
        for n in [0, 1, 2, 3, 6] {
            let (v, d) = early_return_in_loop_grad(x, n);
            assert_eq!(v, early_return_in_loop(x, n));
            let e = if n >= 3 {
                4.0 * x * x * x
            } else {
                let p = x.powi(n as i32 + 1);
                (n as f64 + 1.0) * x.powi(n as i32) * p.cos()
            };
            assert_close(&format!("x = {x}, n = {n}"), d, e, EXACTISH);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// #11 jax-ml/jax#347: the untaken branch's NaN.
// ---------------------------------------------------------------------------------------------

// √x for x > 0, else 0: at −1 the gradient is 0, not NaN.
#[grad]
fn sqrt_if_positive(x: f64) -> f64 {
    if x > 0.0 { x.sqrt() } else { 0.0 }
}

// The same inside a loop over a slice with negative entries: ∂xᵢ = 1/(2√xᵢ) or 0.
#[grad]
fn sum_sqrt_of_positives(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x {
        if v > 0.0 {
            s += v.sqrt();
        }
    }
    s
}

#[test]
fn peer_11_the_untaken_branch_gives_no_nan() {
    let (v, d) = sqrt_if_positive_grad(-1.0);
    assert_eq!(v, 0.0);
    assert!(!d.is_nan(), "NaN from the untaken √x (jax#347)");
    assert_eq!(d, 0.0);
    let (_, d) = sqrt_if_positive_grad(4.0);
    assert_close("at 4", d, 0.25, EXACTISH);

    let x = [4.0, -1.0, 0.25, -9.0];
    let (v, d) = sum_sqrt_of_positives_grad(&x);
    assert_eq!(v, 2.5);
    assert!(d.iter().all(|g| !g.is_nan()), "NaN in {d:?}");
    assert_grad_close("loop", x, &d, &[0.25, 0.0, 1.0, 0.0], EXACTISH);
}

// ---------------------------------------------------------------------------------------------
// #12 rust-lang/rust#160806: `if`/`else` + `continue` (+ `split_at_mut`) in a loop aborted
// rustc's Enzyme. Here the two halves of a local buffer stand for what `split_at_mut` gave.
// ---------------------------------------------------------------------------------------------

// For i in the first half: a negative xᵢ writes −a·xᵢ to buf[i] and continues; otherwise buf[i]
// = sin xᵢ, and the second half gets buf[mid + i] = buf[i]·x[mid + i]. f = Σ buf².
#[grad]
fn branch_continue_halves(x: &[f64], a: f64) -> f64 {
    let n = x.len();
    let mid = n / 2;
    let mut buf = vec![0.0; n];
    for i in 0..mid {
        if x[i] < 0.0 {
            buf[i] = -x[i] * a;
            continue;
        } else {
            buf[i] = x[i].sin();
        }
        buf[mid + i] = buf[i] * x[mid + i];
    }
    let mut s = 0.0;
    for i in 0..n {
        s += buf[i] * buf[i];
    }
    s
}

#[test]
fn peer_12_if_else_and_continue_in_a_loop_over_two_halves() {
    for (x, a) in [
        (&[0.5, -1.2, 0.9, -0.4, 2.0, -0.3, 1.1, 0.7][..], 0.8),
        (&[-0.6, 1.3, 0.2, 0.8, -1.5][..], -1.4),
        (&[1.0, 0.5][..], 2.0),
    ] {
        let (v, dx, da) = branch_continue_halves_grad(x, a);
        assert_eq!(v, branch_continue_halves(x, a));
        check_f64(
            "branch_continue_halves",
            |q| branch_continue_halves(&q[..x.len()], q[x.len()]),
            &[x, &[a]].concat(),
            &[&dx[..], &[da]].concat(),
        );
    }
}
