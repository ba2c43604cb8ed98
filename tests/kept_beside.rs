//! `sin` and `cos` of a value the reverse sweep would otherwise keep (issue 11, "Performance"):
//! the forward sweep computes the other one beside it (`cos s` beside `sin s`, one `sincos`) and
//! the records keep that instead of the input, so the reverse sweep calls no `cos` (the table's
//! `beside(..)`, `autodiff-macros/src/primitives.rs`). Where the sweep has the input anyway (a
//! parameter, `x[i]`), or the input is a constant, nothing changes.
//!
//! Gradients are checked against central differences of the original function (`check_f64`,
//! relative 1e-7) and, for the recurrences, against a reverse loop written out here from the
//! derivative worked by hand (`EXACTISH`: the same operations, a few ulps apart). Where the
//! records show what is kept, the test reads them: their size, and that the field kept beside
//! `sin s` holds `cos s` to the bit.

#![allow(
    clippy::ptr_arg,
    clippy::needless_range_loop,
    reason = "the #[grad] functions are written as users write them"
)]

mod common;

use autodiff_runtime::check::{self, Checker, Stencil};
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::Array1;
use common::{EXACTISH, F64_TOL, assert_grad_close, check_f32_by_f64, check_f64};

/// `n` points in [lo, lo + 1).
fn points_from(lo: f64, n: usize, seed: u64) -> Vec<f64> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            lo + (state % 10_000) as f64 / 10_000.0
        })
        .collect()
}

/// Points in [1.5, 2.5], as the benchmark's (in [−1, 1] the gradient of a long recurrence
/// underflows).
fn points(n: usize, seed: u64) -> Vec<f64> {
    points_from(1.5, n, seed)
}

/// Points in [0.2, 1.2], where the recurrences below change slowly enough for central
/// differences of the default step to resolve them.
fn small_points(n: usize, seed: u64) -> Vec<f64> {
    points_from(0.2, n, seed)
}

// ---------------------------------------------------------------------------------------------
// `s ← sin(s)·xᵢ + xᵢ²`: the records keep `(sin s, cos s)`, not `s`.
// ---------------------------------------------------------------------------------------------

#[grad]
fn recurrence(x: &[f64], s0: f64) -> f64 {
    let mut s = s0;
    for i in 0..x.len() {
        s = s.sin() * x[i] + x[i] * x[i];
    }
    s
}

#[grad]
fn recurrence_iter(x: &[f64], s0: f64) -> f64 {
    let mut s = s0;
    for &xi in x {
        s = s.sin() * xi + xi * xi;
    }
    s
}

/// The gradient of the recurrence by hand: `∂s' / ∂s = xᵢ cos s`, `∂s' / ∂xᵢ = sin s + 2xᵢ`.
fn recurrence_reference(x: &[f64], s0: f64) -> Vec<f64> {
    let mut carried = Vec::with_capacity(x.len());
    let mut s = s0;
    for &xi in x {
        carried.push(s);
        s = s.sin() * xi + xi * xi;
    }
    let mut gradient = vec![0.0; x.len() + 1];
    let mut bar_s = 1.0;
    for i in (0..x.len()).rev() {
        let s = carried[i];
        gradient[i] = bar_s * (s.sin() + 2.0 * x[i]);
        bar_s *= x[i] * s.cos();
    }
    gradient[x.len()] = bar_s;
    gradient
}

#[test]
fn sin_in_a_loop_keeps_cos_and_differentiates() {
    for (n, seed) in [(1, 1), (2, 2), (7, 3), (40, 4)] {
        let x = points(n, seed);
        let s0 = 0.3 + 0.1 * seed as f64;
        let reference = recurrence_reference(&x, s0);
        let f = |p: &[f64]| recurrence(&p[..n], p[n]);
        for (name, (value, bar_x, bar_s0)) in [
            ("recurrence", recurrence_grad(&x, s0)),
            ("recurrence_iter", recurrence_iter_grad(&x, s0)),
        ] {
            assert_eq!(value, recurrence(&x, s0), "{name}");
            let gradient: Vec<f64> = bar_x.into_iter().chain([bar_s0]).collect();
            assert_grad_close(name, (n, seed), &gradient, &reference, EXACTISH);
        }
        // Central differences, where they resolve the recurrence.
        let x = small_points(n, seed);
        let both: Vec<f64> = x.iter().copied().chain([s0]).collect();
        let (_, bar_x, bar_s0) = recurrence_grad(&x, s0);
        let gradient: Vec<f64> = bar_x.into_iter().chain([bar_s0]).collect();
        check_f64("recurrence", f, &both, &gradient);
    }
}

#[test]
fn the_records_of_the_recurrence_keep_sin_and_cos_of_the_carried_value() {
    // Two floats an iteration, as the hand-written adjoint keeps: not `s` and `sin s` as well.
    assert_eq!(std::mem::size_of::<RecurrenceLoop0>(), 16);
    assert_eq!(std::mem::size_of::<RecurrenceIterLoop0>(), 16);
    let x = points(5, 9);
    let (_, residuals) = recurrence_fwd(&x, 0.4);
    let mut s = 0.4_f64;
    for (i, record) in residuals.loop0.iter().enumerate() {
        assert_eq!(
            record.t2.to_bits(),
            s.sin().to_bits(),
            "sin s, iteration {i}"
        );
        assert_eq!(
            record.s_1_cos.to_bits(),
            s.cos().to_bits(),
            "cos s, iteration {i}"
        );
        s = s.sin() * x[i] + x[i] * x[i];
    }
}

// ---------------------------------------------------------------------------------------------
// `cos` keeps `sin`; both in an `if` inside a `while` loop.
// ---------------------------------------------------------------------------------------------

/// `s ← cos(s)·xᵢ − xᵢ`: `∂s' / ∂s = −xᵢ sin s`, `∂s' / ∂xᵢ = cos s − 1`.
#[grad]
fn cos_recurrence(x: &[f64], s0: f64) -> f64 {
    let mut s = s0;
    for i in 0..x.len() {
        s = s.cos() * x[i] - x[i];
    }
    s
}

#[test]
fn cos_in_a_loop_keeps_sin_and_differentiates() {
    assert_eq!(std::mem::size_of::<CosRecurrenceLoop0>(), 16);
    let x = points(12, 5);
    // The records keep `sin s` beside `cos s`, not `s`.
    let (_, residuals) = cos_recurrence_fwd(&x, 0.7);
    let mut s = 0.7_f64;
    for (i, record) in residuals.loop0.iter().enumerate() {
        assert_eq!(
            record.s_1_sin.to_bits(),
            s.sin().to_bits(),
            "sin s, iteration {i}"
        );
        s = s.cos() * x[i] - x[i];
    }
    let (value, bar_x, bar_s0) = cos_recurrence_grad(&x, 0.7);
    assert_eq!(value, cos_recurrence(&x, 0.7));
    // The reference by hand.
    let mut carried = Vec::new();
    let mut s = 0.7_f64;
    for &xi in &x {
        carried.push(s);
        s = s.cos() * xi - xi;
    }
    let mut reference = vec![0.0; x.len() + 1];
    let mut bar_s = 1.0;
    for i in (0..x.len()).rev() {
        reference[i] = bar_s * (carried[i].cos() - 1.0);
        bar_s *= -x[i] * carried[i].sin();
    }
    reference[x.len()] = bar_s;
    let gradient: Vec<f64> = bar_x.into_iter().chain([bar_s0]).collect();
    assert_grad_close("cos_recurrence", &x, &gradient, &reference, EXACTISH);
}

/// `sin` and `cos` of values computed in the arms of an `if` in a `while` loop.
#[grad]
fn arms(x: &[f64], a: f64) -> f64 {
    let mut s = a;
    let mut i = 0;
    while i < x.len() {
        if x[i] > 0.7 {
            s = (s * x[i]).sin() + s;
        } else {
            s = (s + x[i]).cos() * s;
        }
        i += 1;
    }
    s
}

#[test]
fn sin_and_cos_in_the_arms_of_an_if_in_a_while_loop() {
    for seed in [11, 12, 13] {
        let x = small_points(9, seed);
        let (value, bar_x, bar_a) = arms_grad(&x, 0.6);
        assert_eq!(value, arms(&x, 0.6));
        let gradient: Vec<f64> = bar_x.into_iter().chain([bar_a]).collect();
        let both: Vec<f64> = x.iter().copied().chain([0.6]).collect();
        // The nine steps compound the curvature: the default step of 10⁻³ leaves a truncation
        // error of a few 10⁻⁷; 10⁻⁴ resolves it (to 10⁻¹¹ here).
        let reference = Checker::default()
            .step(1e-4)
            .stencil(Stencil::FourthOrder)
            .differences(|p: &Vec<f64>| arms(&p[..9], p[9]), &both);
        assert_grad_close("arms", &both, &gradient, &reference, F64_TOL);
    }
}

/// `let (c, s) = (t.cos(), t.sin())` of a value computed in the loop: each is the other's value
/// beside, so the record keeps `y`, `c` and `s`, and the reverse sweep calls neither.
#[grad]
fn rotate(x: &[f64], k: f64) -> f64 {
    let mut y = 0.0;
    for i in 0..x.len() {
        let t = x[i] * y + k;
        let (c, s) = (t.cos(), t.sin());
        y = c * x[i] - s;
    }
    y
}

#[test]
fn sin_and_cos_written_together() {
    assert_eq!(std::mem::size_of::<RotateLoop0>(), 24);
    let x = small_points(8, 21);
    let (value, bar_x, bar_k) = rotate_grad(&x, 0.25);
    assert_eq!(value, rotate(&x, 0.25));
    let gradient: Vec<f64> = bar_x.into_iter().chain([bar_k]).collect();
    let both: Vec<f64> = x.iter().copied().chain([0.25]).collect();
    check_f64("rotate", |p| rotate(&p[..8], p[8]), &both, &gradient);
}

// ---------------------------------------------------------------------------------------------
// What keeps its input: a constant's `sin`, a parameter element's, arrays.
// ---------------------------------------------------------------------------------------------

/// `k` is not differentiated, so `k.sin()` is a constant factor: `∂/∂xᵢ = sin(k)ⁿ⁻¹⁻ⁱ`.
#[grad(wrt(x))]
fn damped(x: &[f64], k: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s = s * k.sin() + x[i];
    }
    s
}

#[test]
fn a_constant_sin_in_a_loop() {
    let x = points(6, 31);
    let k = 0.9_f64;
    let (value, bar_x) = damped_grad(&x, k);
    assert_eq!(value, damped(&x, k));
    let n = x.len();
    let reference: Vec<f64> = (0..n).map(|i| k.sin().powi((n - 1 - i) as i32)).collect();
    assert_grad_close("damped", &x, &bar_x, &reference, EXACTISH);
}

/// `Σ xᵢ sin xᵢ`: `sin` of a parameter's element, which the reverse sweep reads again from `x`
/// (no record): `∂/∂xᵢ = sin xᵢ + xᵢ cos xᵢ`.
#[grad]
fn sum_x_sin_x(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i].sin() * x[i];
    }
    s
}

#[test]
fn sin_of_a_parameter_element_in_a_loop() {
    let x = points(7, 41);
    let (value, bar_x) = sum_x_sin_x_grad(&x);
    assert_eq!(value, sum_x_sin_x(&x));
    let reference: Vec<f64> = x.iter().map(|&v| v.sin() + v * v.cos()).collect();
    assert_grad_close("sum_x_sin_x", &x, &bar_x, &reference, EXACTISH);
}

/// Generic over the float type (`num_traits::Float`'s `sin` and `cos`).
#[grad]
fn generic_recurrence<T: autodiff_runtime::Float>(x: &[T], s0: T) -> T {
    let mut s = s0;
    for i in 0..x.len() {
        s = s.sin() * x[i] + x[i].cos() * s.cos();
    }
    s
}

#[test]
fn sin_and_cos_in_a_generic_loop() {
    let x = small_points(6, 51);
    let both: Vec<f64> = x.iter().copied().chain([0.2]).collect();
    let f = |p: &[f64]| generic_recurrence(&p[..6], p[6]);
    let (value, bar_x, bar_s0) = generic_recurrence_grad(&x, 0.2);
    assert_eq!(value, generic_recurrence(&x, 0.2));
    let gradient: Vec<f64> = bar_x.into_iter().chain([bar_s0]).collect();
    check_f64("generic_recurrence::<f64>", f, &both, &gradient);

    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let (value, bar_x, bar_s0) = generic_recurrence_grad(&x32, 0.2_f32);
    assert_eq!(value, generic_recurrence(&x32, 0.2_f32));
    let gradient: Vec<f32> = bar_x.into_iter().chain([bar_s0]).collect();
    let at: Vec<f32> = x32.iter().copied().chain([0.2]).collect();
    check_f32_by_f64("generic_recurrence::<f32>", f, &at, &gradient);
}

/// ndarray's elementwise `sin` and `cos` of a computed array: a pass of their own, whose
/// pullbacks read the input array (kept), as before.
#[grad]
fn array_sin_cos(x: &Array1<f64>, a: f64) -> f64 {
    let y = x * a + 0.5;
    (y.sin() * y.cos() + y.cos()).sum()
}

#[test]
fn array_sin_and_cos_of_a_computed_array() {
    let x = Array1::from(points(5, 61));
    let (value, bar_x, bar_a) = array_sin_cos_grad(&x, 0.8);
    assert_eq!(value, array_sin_cos(&x, 0.8));
    check::gradient(
        |(x, a): &(Array1<f64>, f64)| array_sin_cos(x, *a),
        &(x.clone(), 0.8),
        &(bar_x, bar_a),
    )
    .assert_ok();
}
