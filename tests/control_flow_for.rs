//! The control-flow spec's test of `for` loops (`API.md`, "Control flow"; issue 11): over
//! `a..b`, `a..=b`, `(a..b).rev()` and `(a..b).step_by(k)`, with literal, `const` and run-time
//! trip counts and zero-trip loops; over the elements of slices and arrays (`x.iter()`,
//! `&x`, `for &v in x`, `.enumerate()`, `.zip(..)`); nested loops including triangular ranges;
//! loops carrying scalars, fixed-size arrays and ndarray arrays; loops calling `#[grad]`
//! functions; a loop with a branch inside; and the worked examples of issue 11 (Rosenbrock over a
//! slice, Huber), a Horner polynomial and an explicit-Euler time stepper.
//!
//! The gradient is that of the iterations that ran: trip counts have no derivative. Gradients
//! are checked against closed forms (derivation in the comment above each function) or, for
//! recurrences, against a forward-mode tangent propagated by hand in the test, with `EXACTISH`
//! or `LOOSE` (for long accumulations); some are also, or only, checked against central
//! differences of the original function (`check_f64`, relative 1e-7).

#![allow(
    clippy::ptr_arg,
    clippy::needless_range_loop,
    clippy::assign_op_pattern,
    clippy::let_and_return,
    reason = "the #[grad] functions spell out the constructs under test"
)]

mod common;

use autodiff_runtime::check::{self, Checker, Stencil};
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, Array2, array};
use autodiff_runtime::nn;
use common::{EXACTISH, F64_TOL, Tol, assert_close, assert_grad_close, check_f32, check_f64};

/// For closed forms summed over many terms in a different order than the gradient sums them.
const LOOSE: Tol = Tol {
    rel: EXACTISH.rel * 100.0,
    abs: EXACTISH.abs * 100.0,
};

/// Central differences (fourth order) with the step 10⁻⁵·max(1, |x|), for time steppers whose
/// step `dt` is a few hundredths: the default step of `common::fd_grad`, 10⁻³, is a large
/// fraction of `dt`, and its truncation error over tens of steps exceeds the tolerance.
fn fd_grad_fine(f: impl Fn(&[f64]) -> f64, x: &[f64]) -> Vec<f64> {
    Checker::default()
        .step(1e-5)
        .stencil(Stencil::FourthOrder)
        .differences(|p: &Vec<f64>| f(p), &x.to_vec())
}

// ---------------------------------------------------------------------------------------------
// Issue 11's examples: Rosenbrock over a slice, Huber.
// ---------------------------------------------------------------------------------------------

// f = Σ_{i<n−1} (1 − xᵢ)² + 100(xᵢ₊₁ − xᵢ²)².
#[grad]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += (1.0 - x[i]).powi(2) + 100.0 * (x[i + 1] - x[i] * x[i]).powi(2);
    }
    s
}

/// ∂f/∂xᵢ = −2(1 − xᵢ) − 400xᵢ(xᵢ₊₁ − xᵢ²) [i < n − 1] + 200(xᵢ − xᵢ₋₁²) [i > 0].
fn rosenbrock_gradient(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    (0..n)
        .map(|i| {
            let mut g = 0.0;
            if i + 1 < n {
                g += -2.0 * (1.0 - x[i]) - 400.0 * x[i] * (x[i + 1] - x[i] * x[i]);
            }
            if i > 0 {
                g += 200.0 * (x[i] - x[i - 1] * x[i - 1]);
            }
            g
        })
        .collect()
}

#[test]
fn rosenbrock_over_a_slice() {
    let points: [&[f64]; 4] = [
        &[1.2, -0.5],
        &[0.3, 0.9, -1.1, 0.5],
        &[-0.7, 0.2, 1.4, 0.8, -0.3, 0.6, 1.1],
        &[1.0, 1.0, 1.0, 1.0, 1.0],
    ];
    for x in points {
        let (v, d) = rosenbrock_grad(x);
        let d: Vec<f64> = d;
        assert_eq!(v, rosenbrock(x));
        assert_eq!(d.len(), x.len());
        assert_grad_close("rosenbrock", x, &d, &rosenbrock_gradient(x), EXACTISH);
        check_f64("rosenbrock", rosenbrock, x, &d);
    }
}

#[grad]
fn rosenbrock_f32(x: &[f32]) -> f32 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += (1.0 - x[i]).powi(2) + 100.0 * (x[i + 1] - x[i] * x[i]).powi(2);
    }
    s
}

#[test]
fn rosenbrock_in_f32() {
    for x in [&[0.5_f32, -0.25, 0.75][..], &[1.25, 0.5, -0.5, 0.25, 1.0]] {
        let (v, d) = rosenbrock_f32_grad(x);
        assert_eq!(v, rosenbrock_f32(x));
        check_f32("rosenbrock_f32", rosenbrock_f32, x, &d);
    }
}

// f = Σ huber(rᵢ), huber(v) = v²/2 for |v| ≤ δ, δ(|v| − δ/2) otherwise.
//   ∂rᵢ = rᵢ for |rᵢ| ≤ δ, δ·sign(rᵢ) otherwise; ∂δ = Σ_{|rᵢ| > δ} (|rᵢ| − δ).
#[grad]
fn huber(r: &[f64], delta: f64) -> f64 {
    let mut total = 0.0;
    for &v in r {
        total += if v.abs() <= delta {
            0.5 * v * v
        } else {
            delta * (v.abs() - 0.5 * delta)
        };
    }
    total
}

#[test]
fn huber_loss_over_residuals() {
    let r = [0.3, -2.0, 1.4, -0.1, 0.75, 3.2];
    for delta in [1.0, 0.5, 2.5] {
        let (v, dr, dd) = huber_grad(&r, delta);
        assert_eq!(v, huber(&r, delta));
        let er: Vec<f64> = r
            .iter()
            .map(|&v| {
                if v.abs() <= delta {
                    v
                } else {
                    delta * v.signum()
                }
            })
            .collect();
        let ed: f64 = r
            .iter()
            .filter(|v| v.abs() > delta)
            .map(|v| v.abs() - delta)
            .sum();
        assert_grad_close("∂r", delta, &dr, &er, EXACTISH);
        assert_close("∂δ", dd, ed, EXACTISH);
        check_f64(
            "huber",
            |q| huber(&q[..6], q[6]),
            &[&r[..], &[delta]].concat(),
            &[&dr[..], &[dd]].concat(),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Range forms: `a..b`, `a..=b`, `.rev()`, `.step_by(k)`, empty ranges.
// ---------------------------------------------------------------------------------------------

// f = Σ_{lo ≤ i < hi} i·sin xᵢ: ∂xᵢ = i cos xᵢ inside the range, 0 outside.
#[grad]
fn range_exclusive(x: &[f64], lo: usize, hi: usize) -> f64 {
    let mut s = 0.0;
    for i in lo..hi {
        s += i as f64 * x[i].sin();
    }
    s
}

// f = a·Σ_{lo ≤ i ≤ hi} xᵢ²: ∂xᵢ = 2a xᵢ inside, 0 outside; ∂a = Σ xᵢ² inside.
#[grad]
fn range_inclusive(x: &[f64], a: f64, lo: usize, hi: usize) -> f64 {
    let mut s = 0.0;
    for i in lo..=hi {
        s += a * x[i] * x[i];
    }
    s
}

#[test]
fn exclusive_and_inclusive_ranges_including_empty_ones() {
    for x in [[0.4, -1.2, 0.9, 2.1, -0.3], [-0.8, 0.5, 1.7, -0.6, 1.1]] {
        // (lo, hi): ordinary, the whole slice, one element, empty (lo = hi), empty (lo > hi).
        for (lo, hi) in [(1, 4), (0, 5), (2, 3), (2, 2), (4, 2)] {
            let (v, d) = range_exclusive_grad(&x, lo, hi);
            assert_eq!(v, range_exclusive(&x, lo, hi));
            let e: Vec<f64> = (0..5)
                .map(|i| {
                    if (lo..hi).contains(&i) {
                        i as f64 * x[i].cos()
                    } else {
                        0.0
                    }
                })
                .collect();
            assert_grad_close(&format!("{lo}..{hi}"), x, &d, &e, EXACTISH);
        }
        let a = 1.7;
        for (lo, hi) in [(1, 3), (0, 4), (2, 2), (3, 1)] {
            let (v, dx, da) = range_inclusive_grad(&x, a, lo, hi);
            assert_eq!(v, range_inclusive(&x, a, lo, hi));
            let inside = |i: usize| (lo..=hi).contains(&i);
            let ex: Vec<f64> = (0..5)
                .map(|i| if inside(i) { 2.0 * a * x[i] } else { 0.0 })
                .collect();
            let ea: f64 = (0..5).filter(|&i| inside(i)).map(|i| x[i] * x[i]).sum();
            assert_grad_close(&format!("{lo}..={hi}"), x, &dx, &ex, EXACTISH);
            assert_close(&format!("∂a over {lo}..={hi}"), da, ea, EXACTISH);
        }
    }
}

// Horner from the top coefficient down with `(0..n).rev()`: p = Σ cᵢ tⁱ.
//   ∂cᵢ = tⁱ, ∂t = Σ i cᵢ tⁱ⁻¹. (A forward loop would give Σ cᵢ t^{n−1−i}.)
#[grad]
fn horner_rev(c: &[f64], t: f64) -> f64 {
    let mut p = 0.0;
    for i in (0..c.len()).rev() {
        p = p * t + c[i];
    }
    p
}

// Horner with the coefficients highest first: p = Σ cᵢ t^{n−1−i}.
//   ∂cᵢ = t^{n−1−i}, ∂t = Σ (n−1−i) cᵢ t^{n−2−i}.
#[grad]
fn horner(c: &[f64], t: f64) -> f64 {
    let mut p = 0.0;
    for i in 0..c.len() {
        p = p * t + c[i];
    }
    p
}

#[test]
fn horner_polynomial_forward_and_reversed() {
    let c = [0.5, -1.5, 2.0, 0.25, -0.75];
    let n = c.len();
    for t in [0.7, -1.3, 2.2] {
        let (v, dc, dt) = horner_rev_grad(&c, t);
        assert_eq!(v, horner_rev(&c, t));
        let ec: Vec<f64> = (0..n).map(|i| t.powi(i as i32)).collect();
        let et: f64 = (1..n).map(|i| i as f64 * c[i] * t.powi(i as i32 - 1)).sum();
        assert_grad_close("rev ∂c", t, &dc, &ec, EXACTISH);
        assert_close("rev ∂t", dt, et, EXACTISH);

        let (v, dc, dt) = horner_grad(&c, t);
        assert_eq!(v, horner(&c, t));
        let ec: Vec<f64> = (0..n).map(|i| t.powi((n - 1 - i) as i32)).collect();
        let et: f64 = (0..n - 1)
            .map(|i| (n - 1 - i) as f64 * c[i] * t.powi((n - 2 - i) as i32))
            .sum();
        assert_grad_close("∂c", t, &dc, &ec, EXACTISH);
        assert_close("∂t", dt, et, EXACTISH);
    }
}

// f = Σ_{i ∈ (1..n).step_by(k)} xᵢ·xᵢ₋₁: each visited i adds xᵢ₋₁ to ∂xᵢ and xᵢ to ∂xᵢ₋₁.
#[grad]
fn step_by_pairs(x: &[f64], k: usize) -> f64 {
    let mut s = 0.0;
    for i in (1..x.len()).step_by(k) {
        s += x[i] * x[i - 1];
    }
    s
}

#[test]
fn step_by_visits_every_kth_index() {
    for x in [
        [0.4, -1.2, 0.9, 2.1, -0.3, 1.5, 0.8],
        [1.1, 0.3, -0.7, 0.6, -1.4, 0.2, 0.9],
    ] {
        for k in [1, 2, 3, 10] {
            let (v, d) = step_by_pairs_grad(&x, k);
            assert_eq!(v, step_by_pairs(&x, k));
            let mut e = vec![0.0; x.len()];
            let mut i = 1;
            while i < x.len() {
                e[i] += x[i - 1];
                e[i - 1] += x[i];
                i += k;
            }
            assert_grad_close(&format!("step_by({k})"), x, &d, &e, EXACTISH);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Trip counts: literal, `const`, run time, zero.
// ---------------------------------------------------------------------------------------------

// p ← p·x + 1 five times from 1: p = Σ_{k=0}^{5} xᵏ, p' = Σ_{k=1}^{5} k x^{k−1}.
#[grad]
fn literal_trip_count(x: f64) -> f64 {
    let mut p = 1.0;
    for _ in 0..5 {
        p = p * x + 1.0;
    }
    p
}

const N: usize = 6;

// f = Σ_{i<N} xᵢ x_{(i+1) mod N}: ∂xᵢ = x_{i+1} + x_{i−1}, cyclically.
#[grad]
fn const_trip_count(x: [f64; N]) -> f64 {
    let mut s = 0.0;
    for i in 0..N {
        s += x[i] * x[(i + 1) % N];
    }
    s
}

// xⁿ by n multiplications: f' = n xⁿ⁻¹; n = 0 gives f = 1, f' = 0.
#[grad]
fn runtime_trip_count(x: f64, n: usize) -> f64 {
    let mut p = 1.0;
    for _ in 0..n {
        p *= x;
    }
    p
}

// s = a²·Π_{i<n} xᵢ: ∂a = 2aP, ∂xⱼ = a²P/xⱼ for j < n, 0 beyond; n = 0 gives a², (2a, 0).
#[grad]
fn zero_trip(x: &[f64], a: f64, n: usize) -> f64 {
    let mut s = a * a;
    for i in 0..n {
        s = s * x[i];
    }
    s
}

#[test]
fn literal_const_runtime_and_zero_trip_counts() {
    for x in [0.7, -1.3, 1.9] {
        let (v, d) = literal_trip_count_grad(x);
        assert_eq!(v, literal_trip_count(x));
        let e: f64 = (1..=5).map(|k| k as f64 * x.powi(k - 1)).sum();
        assert_close("literal", d, e, EXACTISH);
    }

    for x in [
        [0.4, -1.2, 0.9, 2.1, -0.3, 1.5],
        [1.3, 0.2, -0.8, -1.5, 0.6, 0.1],
    ] {
        let (v, d) = const_trip_count_grad(x);
        let d: [f64; N] = d;
        assert_eq!(v, const_trip_count(x));
        let e: Vec<f64> = (0..N)
            .map(|i| x[(i + 1) % N] + x[(i + N - 1) % N])
            .collect();
        assert_grad_close("const", x, &d, &e, EXACTISH);
    }

    for (x, n) in [(1.3, 0), (1.3, 1), (-0.8, 5), (1.1, 12)] {
        let (v, d) = runtime_trip_count_grad(x, n);
        assert_eq!(v, runtime_trip_count(x, n));
        let e = if n == 0 {
            0.0
        } else {
            n as f64 * x.powi(n as i32 - 1)
        };
        assert_close(&format!("x^{n}"), d, e, EXACTISH);
    }

    for (x, a) in [([0.5, -2.0, 1.5, 0.8], 1.2), ([-1.1, 0.7, 2.2, -0.4], -0.6)] {
        for n in [0, 1, 3, 4] {
            let (v, dx, da) = zero_trip_grad(&x, a, n);
            assert_eq!(v, zero_trip(&x, a, n));
            let p: f64 = x[..n].iter().product();
            let ex: Vec<f64> = (0..4)
                .map(|j| if j < n { a * a * p / x[j] } else { 0.0 })
                .collect();
            assert_grad_close(&format!("∂x, n = {n}"), x, &dx, &ex, EXACTISH);
            assert_close(&format!("∂a, n = {n}"), da, 2.0 * a * p, EXACTISH);
        }
    }
}

// s = Σ_{k<n} xᵏ, with s starting as a constant and p = xᵏ becoming active only after the
// first iteration: s' = Σ_{k<n} k x^{k−1}.
#[grad]
fn becomes_active_later(x: f64, n: usize) -> f64 {
    let mut s = 0.0;
    let mut p = 1.0;
    for _ in 0..n {
        s = s + p;
        p = p * x;
    }
    s
}

#[test]
fn carried_variable_becoming_active_in_a_later_iteration() {
    for (x, n) in [(0.8, 1), (0.8, 2), (-1.4, 6)] {
        let (v, d) = becomes_active_later_grad(x, n);
        assert_eq!(v, becomes_active_later(x, n));
        let e: f64 = (1..n).map(|k| k as f64 * x.powi(k as i32 - 1)).sum();
        assert_close(&format!("n = {n}"), d, e, EXACTISH);
    }
}

// ---------------------------------------------------------------------------------------------
// Recurrences and time stepping.
// ---------------------------------------------------------------------------------------------

// s ← sin(s)·xᵢ + xᵢ² from s₀ (the scalar recurrence of issue 11's benchmark).
#[grad]
fn sine_recurrence(x: &[f64], s0: f64) -> f64 {
    let mut s = s0;
    for i in 0..x.len() {
        s = s.sin() * x[i] + x[i] * x[i];
    }
    s
}

/// The tangent of `sine_recurrence` in direction (dx, ds₀), by forward mode written out:
/// ds ← cos(s)·xᵢ·ds + (sin s + 2xᵢ)·dxᵢ.
fn sine_recurrence_tangent(x: &[f64], s0: f64, dx: &[f64], ds0: f64) -> f64 {
    let (mut s, mut ds) = (s0, ds0);
    for i in 0..x.len() {
        ds = s.cos() * x[i] * ds + (s.sin() + 2.0 * x[i]) * dx[i];
        s = s.sin() * x[i] + x[i] * x[i];
    }
    ds
}

#[test]
fn scalar_recurrence_against_forward_mode() {
    let points: [(&[f64], f64); 3] = [
        (&[0.5, -0.3, 0.8, 1.1], 0.2),
        (&[1.5, 0.4, -0.9, 0.6, 0.3, -1.2, 0.7, 0.05], -0.6),
        (&[0.9], 1.3),
    ];
    for (x, s0) in points {
        let (v, dx, ds0) = sine_recurrence_grad(x, s0);
        assert_eq!(v, sine_recurrence(x, s0));
        let n = x.len();
        let ex: Vec<f64> = (0..n)
            .map(|j| {
                let mut e = vec![0.0; n];
                e[j] = 1.0;
                sine_recurrence_tangent(x, s0, &e, 0.0)
            })
            .collect();
        assert_grad_close("∂x", x, &dx, &ex, EXACTISH);
        let es0 = sine_recurrence_tangent(x, s0, &vec![0.0; n], 1.0);
        assert_close("∂s₀", ds0, es0, EXACTISH);
    }
}

const STEPS: usize = 40;

// A damped oscillator y'' = −ky − cy' by explicit Euler over STEPS steps, the state a carried
// `[f64; 2]` rebuilt each step; f = y₀² + y₁²/2 at the end.
#[grad]
fn euler_oscillator(y0: [f64; 2], k: f64, c: f64, dt: f64) -> f64 {
    let mut y = y0;
    for _ in 0..STEPS {
        let acc = -k * y[0] - c * y[1];
        y = [y[0] + dt * y[1], y[1] + dt * acc];
    }
    y[0] * y[0] + 0.5 * y[1] * y[1]
}

/// The tangent of `euler_oscillator` in direction (dy0, dk, dc, ddt), by forward mode.
fn euler_oscillator_tangent(
    (y0, k, c, dt): ([f64; 2], f64, f64, f64),
    (dy0, dk, dc, ddt): ([f64; 2], f64, f64, f64),
) -> f64 {
    let (mut y, mut dy) = (y0, dy0);
    for _ in 0..STEPS {
        let acc = -k * y[0] - c * y[1];
        let dacc = -dk * y[0] - k * dy[0] - dc * y[1] - c * dy[1];
        dy = [
            dy[0] + ddt * y[1] + dt * dy[1],
            dy[1] + ddt * acc + dt * dacc,
        ];
        y = [y[0] + dt * y[1], y[1] + dt * acc];
    }
    2.0 * y[0] * dy[0] + y[1] * dy[1]
}

#[test]
fn explicit_euler_with_a_carried_array_state() {
    for (y0, k, c, dt) in [
        ([1.0, 0.0], 4.0, 0.3, 0.05),
        ([-0.5, 1.2], 1.5, 0.8, 0.1),
        ([0.3, -0.7], 9.0, 0.1, 0.02),
    ] {
        let (v, dy0, dk, dc, ddt) = euler_oscillator_grad(y0, k, c, dt);
        let dy0: [f64; 2] = dy0;
        assert_eq!(v, euler_oscillator(y0, k, c, dt));
        let p = (y0, k, c, dt);
        let e = [
            euler_oscillator_tangent(p, ([1.0, 0.0], 0.0, 0.0, 0.0)),
            euler_oscillator_tangent(p, ([0.0, 1.0], 0.0, 0.0, 0.0)),
            euler_oscillator_tangent(p, ([0.0, 0.0], 1.0, 0.0, 0.0)),
            euler_oscillator_tangent(p, ([0.0, 0.0], 0.0, 1.0, 0.0)),
            euler_oscillator_tangent(p, ([0.0, 0.0], 0.0, 0.0, 1.0)),
        ];
        let grad = [dy0[0], dy0[1], dk, dc, ddt];
        assert_grad_close("euler", p, &grad, &e, LOOSE);
        let reference = fd_grad_fine(
            |q| euler_oscillator([q[0], q[1]], q[2], q[3], q[4]),
            &[y0[0], y0[1], k, c, dt],
        );
        assert_grad_close("euler", p, &grad, &reference, F64_TOL);
    }
}

// Lotka–Volterra by explicit Euler over a run-time number of steps, the final state the output:
// its VJP is checked row by row against central differences.
#[grad]
fn lotka_volterra(y0: [f64; 2], p: [f64; 4], dt: f64, steps: usize) -> [f64; 2] {
    let mut y = y0;
    for _ in 0..steps {
        let dy0 = p[0] * y[0] - p[1] * y[0] * y[1];
        let dy1 = p[2] * y[0] * y[1] - p[3] * y[1];
        y = [y[0] + dt * dy0, y[1] + dt * dy1];
    }
    y
}

#[test]
fn explicit_euler_with_an_array_output() {
    let (y0, p, dt) = ([1.2, 0.8], [1.1, 0.4, 0.3, 0.9], 0.05);
    let flat = [y0[0], y0[1], p[0], p[1], p[2], p[3], dt];
    let plain = |q: &[f64], steps: usize| {
        lotka_volterra([q[0], q[1]], [q[2], q[3], q[4], q[5]], q[6], steps)
    };
    for steps in [1, 25, 100] {
        for (k, bar) in [[1.0, 0.0], [0.0, 1.0], [0.6, -1.7]]
            .into_iter()
            .enumerate()
        {
            let (out, dy0, dp, ddt) = lotka_volterra_vjp(y0, p, dt, steps, bar);
            let (dy0, dp): ([f64; 2], [f64; 4]) = (dy0, dp);
            assert_eq!(out, lotka_volterra(y0, p, dt, steps));
            let reference = fd_grad_fine(
                |q| {
                    let y = plain(q, steps);
                    bar[0] * y[0] + bar[1] * y[1]
                },
                &flat,
            );
            assert_grad_close(
                &format!("{steps} steps, cotangent {k}"),
                bar,
                &[&dy0[..], &dp[..], &[ddt]].concat(),
                &reference,
                F64_TOL,
            );
        }
    }
    // No steps: the identity, so the VJP passes the cotangent through and p, dt get exactly 0.
    let (out, dy0, dp, ddt) = lotka_volterra_vjp(y0, p, dt, 0, [0.6, -1.7]);
    assert_eq!(out, y0);
    assert_grad_close("0 steps ∂y₀", y0, &dy0, &[0.6, -1.7], EXACTISH);
    assert_eq!((dp, ddt), ([0.0; 4], 0.0));
}

// ---------------------------------------------------------------------------------------------
// Loops calling `#[grad]` functions.
// ---------------------------------------------------------------------------------------------

/// (a − b)².
#[grad]
fn sq_dist(a: f64, b: f64) -> f64 {
    (a - b) * (a - b)
}

// f = Σ (xᵢ − c)²: ∂xᵢ = 2(xᵢ − c), ∂c = −2Σ(xᵢ − c).
#[grad]
fn sum_of_calls(x: &[f64], c: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += sq_dist(x[i], c);
    }
    s
}

/// One step of the midpoint method for y'' = −ky: y ← A·y with
/// A = [[1 − k dt²/2, dt], [−k dt, 1 − k dt²/2]].
#[grad]
fn midpoint_step(y: [f64; 2], k: f64, dt: f64) -> [f64; 2] {
    let mid = [y[0] + 0.5 * dt * y[1], y[1] - 0.5 * dt * k * y[0]];
    [y[0] + dt * mid[1], y[1] - dt * k * mid[0]]
}

// n midpoint steps through the callee, the state carried: f = (Aⁿy₀)₀, so ∂y₀ = row 0 of Aⁿ.
#[grad]
fn integrate_by_calls(y0: [f64; 2], k: f64, dt: f64, n: usize) -> f64 {
    let mut y = y0;
    for _ in 0..n {
        y = midpoint_step(y, k, dt);
    }
    y[0]
}

#[test]
fn loop_body_calls_grad_functions() {
    for (x, c) in [
        (&[0.5, -1.0, 2.0][..], 0.3),
        (&[1.5, 0.2, -0.4, 0.9, 3.0], -1.1),
    ] {
        let (v, dx, dc) = sum_of_calls_grad(x, c);
        assert_eq!(v, sum_of_calls(x, c));
        let ex: Vec<f64> = x.iter().map(|&xi| 2.0 * (xi - c)).collect();
        let ec: f64 = x.iter().map(|&xi| -2.0 * (xi - c)).sum();
        assert_grad_close("∂x", x, &dx, &ex, EXACTISH);
        assert_close("∂c", dc, ec, EXACTISH);
    }

    for (y0, k, dt, n) in [([1.0, 0.5], 4.0, 0.1, 30), ([-0.3, 1.2], 1.0, 0.05, 7)] {
        let (v, dy0, dk, ddt) = integrate_by_calls_grad(y0, k, dt, n);
        let dy0: [f64; 2] = dy0;
        assert_eq!(v, integrate_by_calls(y0, k, dt, n));
        let d = 1.0 - 0.5 * k * dt * dt;
        let a = [[d, dt], [-k * dt, d]];
        let mut row = [1.0, 0.0];
        for _ in 0..n {
            row = [
                row[0] * a[0][0] + row[1] * a[1][0],
                row[0] * a[0][1] + row[1] * a[1][1],
            ];
        }
        assert_grad_close("∂y₀", (k, dt, n), &dy0, &row, LOOSE);
        let reference = fd_grad_fine(
            |q| integrate_by_calls([q[0], q[1]], q[2], q[3], n),
            &[y0[0], y0[1], k, dt],
        );
        assert_grad_close(
            "integrate_by_calls",
            (k, dt, n),
            &[dy0[0], dy0[1], dk, ddt],
            &reference,
            F64_TOL,
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Nested loops.
// ---------------------------------------------------------------------------------------------

// Prefix sums squared: rᵢ = Σ_{j≤i} xⱼ (inner `0..=i`), f = Σ rᵢ².
//   ∂xⱼ = Σ_{i≥j} 2rᵢ.
#[grad]
fn prefix_sums_squared(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let mut r = 0.0;
        for j in 0..=i {
            r += x[j];
        }
        s += r * r;
    }
    s
}

// Triangular (inner `0..i`): f = w·Σ_{j<i} xᵢxⱼ.
//   ∂xₖ = w(Σ_{j<k} xⱼ + Σ_{i>k} xᵢ), ∂w = Σ_{j<i} xᵢxⱼ.
#[grad]
fn strictly_lower_products(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        for j in 0..i {
            s += x[i] * x[j] * w;
        }
    }
    s
}

// A matrix-vector product by nested loops over a row-major m×n slice: rᵢ = Σⱼ aᵢⱼxⱼ,
// f = Σᵢ tanh rᵢ. With gᵢ = 1 − tanh² rᵢ: ∂aᵢⱼ = gᵢxⱼ, ∂xⱼ = Σᵢ gᵢaᵢⱼ.
#[grad]
fn nested_matvec(a: &[f64], x: &[f64], m: usize) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in 0..m {
        let mut r = 0.0;
        for j in 0..n {
            r += a[i * n + j] * x[j];
        }
        s += r.tanh();
    }
    s
}

// An order-dependent nest: outer `(0..n).step_by(2)`, inner `(0..=i).rev()`, one carried s.
#[grad]
fn nested_rev_and_step_by(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in (0..x.len()).step_by(2) {
        for j in (0..=i).rev() {
            s = s * 0.5 + x[j] * x[i];
        }
    }
    s
}

#[test]
fn nested_loops_with_triangular_ranges() {
    for x in [&[0.5, -1.0, 2.0][..], &[1.5, 0.2, -0.4, 0.9, -2.0]] {
        let n = x.len();
        let (v, d) = prefix_sums_squared_grad(x);
        assert_eq!(v, prefix_sums_squared(x));
        let r: Vec<f64> = (0..n).map(|i| x[..=i].iter().sum()).collect();
        let e: Vec<f64> = (0..n).map(|j| (j..n).map(|i| 2.0 * r[i]).sum()).collect();
        assert_grad_close("prefix sums", x, &d, &e, EXACTISH);

        let w = 0.7;
        let (v, dx, dw) = strictly_lower_products_grad(x, w);
        assert_eq!(v, strictly_lower_products(x, w));
        let ex: Vec<f64> = (0..n)
            .map(|k| w * (x[..k].iter().sum::<f64>() + x[k + 1..].iter().sum::<f64>()))
            .collect();
        let ew: f64 = (0..n)
            .map(|i| (0..i).map(|j| x[i] * x[j]).sum::<f64>())
            .sum();
        assert_grad_close("triangular ∂x", x, &dx, &ex, EXACTISH);
        assert_close("triangular ∂w", dw, ew, EXACTISH);
    }
}

#[test]
fn nested_loops_over_a_flattened_matrix() {
    let (m, n) = (3, 4);
    let a = [
        0.2, -0.5, 0.1, 0.7, -0.3, 0.4, 0.9, -0.2, 0.6, 0.05, -0.8, 0.3,
    ];
    for x in [[0.5, -1.0, 0.3, 1.2], [-0.7, 0.2, 0.9, -0.4]] {
        let (v, da, dx) = nested_matvec_grad(&a, &x, m);
        assert_eq!(v, nested_matvec(&a, &x, m));
        let g: Vec<f64> = (0..m)
            .map(|i| {
                let r: f64 = (0..n).map(|j| a[i * n + j] * x[j]).sum();
                1.0 - r.tanh() * r.tanh()
            })
            .collect();
        let ea: Vec<f64> = (0..m * n).map(|k| g[k / n] * x[k % n]).collect();
        let ex: Vec<f64> = (0..n)
            .map(|j| (0..m).map(|i| g[i] * a[i * n + j]).sum())
            .collect();
        assert_grad_close("∂a", x, &da, &ea, EXACTISH);
        assert_grad_close("∂x", x, &dx, &ex, EXACTISH);
    }
}

#[test]
fn nested_reversed_and_strided_loops() {
    for x in [&[0.5, -1.0, 2.0, 0.3, -0.6][..], &[1.1, 0.4, -0.9, 0.7]] {
        let (v, d) = nested_rev_and_step_by_grad(x);
        assert_eq!(v, nested_rev_and_step_by(x));
        check_f64("nested_rev_and_step_by", nested_rev_and_step_by, x, &d);
    }
}

// ---------------------------------------------------------------------------------------------
// Loops over elements: `iter()`, `for &v in x`, `for v in &x`, `enumerate`, `zip`.
// ---------------------------------------------------------------------------------------------

// f = a Σ xᵢ²: ∂xᵢ = 2a xᵢ, ∂a = Σ xᵢ².
#[grad]
fn iter_elements(x: &[f64], a: f64) -> f64 {
    let mut s = 0.0;
    for v in x.iter() {
        s += a * v * v;
    }
    s
}

// s ← s/2 + sin v over the elements in order, from 0: s = Σ 2^{−(n−1−i)} sin xᵢ, so
// ∂xᵢ = 2^{−(n−1−i)} cos xᵢ (the weights tell a reversed iteration apart).
#[grad]
fn pattern_elements(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x {
        s = s * 0.5 + v.sin();
    }
    s
}

// f = Σ e^{xᵢy} over a by-value array borrowed by the loop: ∂xᵢ = y e^{xᵢy}, ∂y = Σ xᵢe^{xᵢy}.
#[grad]
fn borrowed_array_elements(x: [f64; 4], y: f64) -> f64 {
    let mut s = 0.0;
    for v in &x {
        s += (v * y).exp();
    }
    s
}

// f = Σ (i + 1)·xᵢ²: ∂xᵢ = 2(i + 1)xᵢ.
#[grad]
fn enumerate_elements(x: &Vec<f64>) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        s += (i as f64 + 1.0) * v * v;
    }
    s
}

// f = Σ_{i < min(len)} (xᵢyᵢ + xᵢ²yᵢ): ∂xᵢ = yᵢ + 2xᵢyᵢ, ∂yᵢ = xᵢ + xᵢ², and 0 past the
// shorter one's end (zip stops there).
#[grad]
fn zip_elements(x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for (a, b) in x.iter().zip(y.iter()) {
        s += a * b + a * a * b;
    }
    s
}

// Iteration over a local array made from the parameters: f = Σ over [xy, x + y, x²] of v².
//   = x²y² + (x + y)² + x⁴: ∂x = 2xy² + 2(x + y) + 4x³, ∂y = 2x²y + 2(x + y).
#[grad]
fn local_array_elements(x: f64, y: f64) -> f64 {
    let w = [x * y, x + y, x * x];
    let mut s = 0.0;
    for v in w.iter() {
        s += v * v;
    }
    s
}

#[test]
fn loops_over_elements() {
    for x in [[0.4, -1.2, 0.9, 2.1], [-0.7, 0.3, 1.6, -1.0]] {
        let a = 0.6;
        let (v, dx, da) = iter_elements_grad(&x, a);
        assert_eq!(v, iter_elements(&x, a));
        let ex: Vec<f64> = x.iter().map(|&xi| 2.0 * a * xi).collect();
        assert_grad_close("iter ∂x", x, &dx, &ex, EXACTISH);
        assert_close("iter ∂a", da, x.iter().map(|v| v * v).sum(), EXACTISH);

        let (v, d) = pattern_elements_grad(&x);
        assert_eq!(v, pattern_elements(&x));
        let e: Vec<f64> = (0..4)
            .map(|i| 0.5_f64.powi(3 - i as i32) * x[i].cos())
            .collect();
        assert_grad_close("for &v in x", x, &d, &e, EXACTISH);

        let y = -0.8;
        let (v, dx, dy) = borrowed_array_elements_grad(x, y);
        let dx: [f64; 4] = dx;
        assert_eq!(v, borrowed_array_elements(x, y));
        let ex: Vec<f64> = x.iter().map(|&xi| y * (xi * y).exp()).collect();
        assert_grad_close("for v in &x", x, &dx, &ex, EXACTISH);
        assert_close(
            "for v in &x ∂y",
            dy,
            x.iter().map(|&xi| xi * (xi * y).exp()).sum(),
            EXACTISH,
        );

        let xv = x.to_vec();
        let (v, d) = enumerate_elements_grad(&xv);
        assert_eq!(v, enumerate_elements(&xv));
        let e: Vec<f64> = (0..4).map(|i| 2.0 * (i as f64 + 1.0) * x[i]).collect();
        assert_grad_close("enumerate", x, &d, &e, EXACTISH);

        let ys = [1.5, -0.3, 0.7];
        let (v, dx, dy) = zip_elements_grad(&x, &ys);
        assert_eq!(v, zip_elements(&x, &ys));
        let ex = [
            ys[0] + 2.0 * x[0] * ys[0],
            ys[1] + 2.0 * x[1] * ys[1],
            ys[2] + 2.0 * x[2] * ys[2],
            0.0,
        ];
        let ey: Vec<f64> = (0..3).map(|i| x[i] + x[i] * x[i]).collect();
        assert_grad_close("zip ∂x", x, &dx, &ex, EXACTISH);
        assert_grad_close("zip ∂y", ys, &dy, &ey, EXACTISH);

        for (x, y) in [(0.7, -1.1), (1.3, 0.4)] {
            let (v, dx, dy) = local_array_elements_grad(x, y);
            assert_eq!(v, local_array_elements(x, y));
            let ex = 2.0 * x * y * y + 2.0 * (x + y) + 4.0 * x * x * x;
            let ey = 2.0 * x * x * y + 2.0 * (x + y);
            assert_close("local ∂x", dx, ex, EXACTISH);
            assert_close("local ∂y", dy, ey, EXACTISH);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Branches inside loops.
// ---------------------------------------------------------------------------------------------

// f = Σ_{xᵢ>0} xᵢ² − a Σ_{xᵢ≤0} xᵢ: ∂xᵢ = 2xᵢ or −a; ∂a = −Σ_{xᵢ≤0} xᵢ.
#[grad]
fn loop_with_branch(x: &[f64], a: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        if x[i] > 0.0 {
            s += x[i] * x[i];
        } else {
            s -= a * x[i];
        }
    }
    s
}

// A branch on the carried value: s ← s·a + xᵢ, softened above 2 (s ← 2 + (s − 2)/10).
// Checked against central differences at points whose path keeps away from s = 2.
#[grad]
fn loop_with_branch_on_carried_value(x: &[f64], a: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s = s * a + x[i];
        if s > 2.0 {
            s = 2.0 + (s - 2.0) * 0.1;
        }
    }
    s * s
}

#[test]
fn branches_inside_loops() {
    let x = [0.4, -1.2, 0.9, -2.1, 1.5];
    for a in [0.6, -1.3] {
        let (v, dx, da) = loop_with_branch_grad(&x, a);
        assert_eq!(v, loop_with_branch(&x, a));
        let ex: Vec<f64> = x
            .iter()
            .map(|&v| if v > 0.0 { 2.0 * v } else { -a })
            .collect();
        let ea: f64 = x.iter().filter(|&&v| v <= 0.0).map(|&v| -v).sum();
        assert_grad_close("∂x", a, &dx, &ex, EXACTISH);
        assert_close("∂a", da, ea, EXACTISH);
    }
    for (x, a) in [
        (&[1.5, 1.0, -0.5, 2.5, 0.3][..], 0.9),
        (&[0.5, -0.4, 0.8, 0.2][..], 1.2),
    ] {
        let (v, dx, da) = loop_with_branch_on_carried_value_grad(x, a);
        assert_eq!(v, loop_with_branch_on_carried_value(x, a));
        check_f64(
            "loop_with_branch_on_carried_value",
            |q| loop_with_branch_on_carried_value(&q[..x.len()], q[x.len()]),
            &[x, &[a]].concat(),
            &[&dx[..], &[da]].concat(),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Loops carrying ndarray values.
// ---------------------------------------------------------------------------------------------

// A small recurrent network: h₁ = tanh(u·x₀ + b), hₜ₊₁ = tanh(W·hₜ + u·xₜ + b); the loss sums
// v·hₜ over the steps and adds Σh² at the end. Checked against central differences.
#[grad(wrt(w, u, b, xs))]
fn rnn(w: &Array2<f64>, u: &Array1<f64>, b: &Array1<f64>, xs: &[f64], v: &Array1<f64>) -> f64 {
    let mut h = nn::tanh(&(u * xs[0] + b));
    let mut loss = (&h * v).sum();
    for t in 1..xs.len() {
        h = nn::tanh(&(w.dot(&h) + u * xs[t] + b));
        loss += (&h * v).sum();
    }
    loss + (&h * &h).sum()
}

#[test]
fn loop_carrying_an_ndarray_state() {
    let w = array![[0.5, -0.3, 0.1], [0.2, 0.4, -0.6], [-0.1, 0.3, 0.2]];
    let u = array![0.7, -0.2, 0.4];
    let b = array![0.05, -0.1, 0.2];
    let v = array![1.0, -0.5, 0.25];
    for xs in [vec![0.3, -0.8, 1.2, 0.5, -0.1], vec![0.9], vec![-0.4, 0.6]] {
        let (value, dw, du, db, dxs) = rnn_grad(&w, &u, &b, &xs, &v);
        let dxs: Vec<f64> = dxs;
        assert_eq!(value, rnn(&w, &u, &b, &xs, &v));
        assert_eq!(dxs.len(), xs.len());
        check::gradient(
            |(w, u, b, xs): &(Array2<f64>, Array1<f64>, Array1<f64>, Vec<f64>)| {
                rnn(w, u, b, xs, &v)
            },
            &(w.clone(), u.clone(), b.clone(), xs.clone()),
            &(dw, du, db, dxs),
        )
        .assert_ok();
    }
}

// ---------------------------------------------------------------------------------------------
// Ranges the reverse sweep cannot run backwards exactly (`StepBy` over `a..=b`, or over
// 64-bit integers): their loops keep the index in the records.
// ---------------------------------------------------------------------------------------------

#[grad]
fn inclusive_step(x: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    for i in (0..=n).step_by(2) {
        s += x[i] * x[i];
    }
    s
}

#[grad]
fn wide_index_step(x: &[f64], n: i64) -> f64 {
    let mut s = 0.0;
    for i in (0..n).rev().step_by(2) {
        s += x[i as usize].sin();
    }
    s
}

#[test]
fn step_by_over_ranges_without_an_exact_length() {
    let x = [1.0, 2.0, 3.0, 4.0, 5.0];
    assert_eq!(inclusive_step_grad(&x, 4).1, vec![2.0, 0.0, 6.0, 0.0, 10.0]);
    let g = wide_index_step_grad(&x, 5).1;
    let expected: Vec<f64> = (0..5)
        .map(|i| if i % 2 == 0 { x[i].cos() } else { 0.0 })
        .collect();
    assert_eq!(g, expected);
}
