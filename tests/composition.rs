//! `#[grad]` functions calling `#[grad]` and `#[custom_vjp]` functions (issue 4): chains,
//! diamonds, calls inside callees, callees by path, callees whose `wrt` is narrower than the
//! caller's use, integer parameters, user pullbacks (an analytic one and a deliberately wrong
//! straight-through estimator), array outputs indexed by the caller, and the split halves of a
//! caller.
//!
//! Every gradient is checked against central differences of the *original* functions
//! (`autodiff_runtime::check`) or against a closed form worked out in the comment above the test.

use autodiff_runtime::check::{self, Checker};
use autodiff_runtime::{custom_vjp, grad};

/// Rounding-level agreement for closed forms evaluated in f64: within 1e-12, absolutely or
/// relatively.
#[track_caller]
fn assert_near(what: &str, a: f64, b: f64) {
    assert!(
        approx::relative_eq!(a, b, epsilon = 1e-12, max_relative = 1e-12),
        "{what}: {a:e} vs {b:e} (difference {:e})",
        (a - b).abs()
    );
}

const POINTS: [(f64, f64); 4] = [(0.7, -1.3), (1.9, 0.4), (-0.35, 2.2), (0.05, 0.6)];

// ---------------------------------------------------------------------------------------------
// A chain: f calls g calls h
// ---------------------------------------------------------------------------------------------

/// h(x) = x·sin x.
#[grad]
fn chain_h(x: f64) -> f64 {
    x * x.sin()
}

/// g(x, y) = h(x·y) + y².
#[grad]
fn chain_g(x: f64, y: f64) -> f64 {
    let t = x * y;
    chain_h(t) + y * y
}

/// f(x, y) = exp(g(x, y) / 4) · x.
#[grad]
fn chain_f(x: f64, y: f64) -> f64 {
    let g = chain_g(x, y);
    (g / 4.0).exp() * x
}

#[test]
fn chain_of_three_matches_central_differences() {
    for (x, y) in POINTS {
        let (value, dx, dy) = chain_f_grad(x, y);
        assert_eq!(value, chain_f(x, y));
        check::gradient(|&(x, y): &(f64, f64)| chain_f(x, y), &(x, y), &(dx, dy)).assert_ok();
    }
}

#[test]
fn chain_middle_link_closed_form() {
    // ∂g/∂x = y·h'(xy), ∂g/∂y = x·h'(xy) + 2y with h'(t) = sin t + t cos t.
    for (x, y) in POINTS {
        let t = x * y;
        let dh = t.sin() + t * t.cos();
        let (value, dx, dy) = chain_g_grad(x, y);
        assert_eq!(value, chain_g(x, y));
        assert_near("∂g/∂x", dx, y * dh);
        assert_near("∂g/∂y", dy, x * dh + 2.0 * y);
    }
}

// ---------------------------------------------------------------------------------------------
// Diamonds
// ---------------------------------------------------------------------------------------------

/// sq(x) = x².
#[grad]
fn sq(x: f64) -> f64 {
    x * x
}

/// A callee used several times, with different arguments: each call keeps its own residuals.
/// d(x, y) = sq(x) + sq(y)·sq(x + y); ∂x = 2x + 2y²(x + y), ∂y = 2y(x + y)² + 2y²(x + y).
#[grad]
fn diamond_callee_twice(x: f64, y: f64) -> f64 {
    let a = sq(x);
    let b = sq(y);
    let c = sq(x + y);
    a + b * c
}

#[test]
fn diamond_callee_used_twice() {
    for (x, y) in POINTS {
        let (value, dx, dy) = diamond_callee_twice_grad(x, y);
        assert_eq!(value, diamond_callee_twice(x, y));
        let s = x + y;
        assert_near("∂x", dx, 2.0 * x + 2.0 * y * y * s);
        assert_near("∂y", dy, 2.0 * y * s * s + 2.0 * y * y * s);
        check::gradient(
            |&(x, y): &(f64, f64)| diamond_callee_twice(x, y),
            &(x, y),
            &(dx, dy),
        )
        .assert_ok();
    }
}

/// The same argument to two calls of the same callee, and one variable passed twice to one call.
/// e(x) = sq(x)·sq(x) + mul(x, x) = x⁴ + x²; e' = 4x³ + 2x.
#[grad]
fn diamond_same_argument(x: f64) -> f64 {
    let a = sq(x);
    let b = sq(x);
    a * b + mul(x, x)
}

/// mul(a, b) = a·b.
#[grad]
fn mul(a: f64, b: f64) -> f64 {
    a * b
}

#[test]
fn diamond_same_argument_twice() {
    for (x, _) in POINTS {
        let (value, dx) = diamond_same_argument_grad(x);
        assert_eq!(value, diamond_same_argument(x));
        assert_near("e'", dx, 4.0 * x * x * x + 2.0 * x);
    }
}

/// A callee whose result is used several times (fan-out after the call).
/// r(x, y) = a² + sin a + a·y with a = g(x, y) = chain_g.
#[grad]
fn diamond_result_twice(x: f64, y: f64) -> f64 {
    let a = chain_g(x, y);
    a * a + a.sin() + a * y
}

#[test]
fn diamond_result_used_twice() {
    for (x, y) in POINTS {
        let (value, dx, dy) = diamond_result_twice_grad(x, y);
        assert_eq!(value, diamond_result_twice(x, y));
        // Closed form from g's own gradient: ∂r = (2a + cos a + y)·∂g, plus a in ∂y.
        let (a, gx, gy) = chain_g_grad(x, y);
        let outer = 2.0 * a + a.cos() + y;
        assert_near("∂x", dx, outer * gx);
        assert_near("∂y", dy, outer * gy + a);
        check::gradient(
            |&(x, y): &(f64, f64)| diamond_result_twice(x, y),
            &(x, y),
            &(dx, dy),
        )
        .assert_ok();
    }
}

// ---------------------------------------------------------------------------------------------
// Calls inside callees, and calls as arguments of calls
// ---------------------------------------------------------------------------------------------

/// Calls two callees, one of which calls another.
#[grad]
fn inner_two(x: f64, y: f64) -> f64 {
    chain_g(y, x) * sq(x - y)
}

/// Nested calls in argument position: sq(inner_two(sq(x), y)) + mul(chain_h(y), x).
#[grad]
fn nested_arguments(x: f64, y: f64) -> f64 {
    sq(inner_two(sq(x), y)) + mul(chain_h(y), x)
}

#[test]
fn calls_inside_callees_and_arguments() {
    for (x, y) in POINTS {
        let (value, dx, dy) = nested_arguments_grad(x, y);
        assert_eq!(value, nested_arguments(x, y));
        Checker::default()
            .names(["x", "y"])
            .check(
                |&(x, y): &(f64, f64)| nested_arguments(x, y),
                &(x, y),
                &(dx, dy),
            )
            .assert_ok();
    }
}

/// A call with a constant argument and with expressions as arguments.
/// k(x) = mul(3, sin x) + mul(x·2, x + 1) = 3 sin x + 2x² + 2x; k' = 3 cos x + 4x + 2.
#[grad]
fn constant_and_expression_arguments(x: f64) -> f64 {
    mul(3.0, x.sin()) + mul(x * 2.0, x + 1.0)
}

#[test]
fn constant_and_expression_arguments_closed_form() {
    for (x, _) in POINTS {
        let (value, dx) = constant_and_expression_arguments_grad(x);
        assert_eq!(value, constant_and_expression_arguments(x));
        assert_near("k'", dx, 3.0 * x.cos() + 4.0 * x + 2.0);
    }
}

/// A call whose arguments are all constants: its result is a constant.
/// c(x) = x·mul(2, 3) = 6x.
#[grad]
fn all_constant_call(x: f64) -> f64 {
    let six = mul(2.0, 3.0);
    x * six
}

#[test]
fn a_call_with_constant_arguments_is_a_constant() {
    let (value, dx) = all_constant_call_grad(1.5);
    assert_eq!((value, dx), (all_constant_call(1.5), 6.0));
}

/// Calls in a reassigned `let mut`.
/// m(x, y): a = x; a = mul(a, y) = xy; a += sq(a) → xy + x²y²; ∂x = y + 2xy², ∂y = x + 2x²y.
#[grad]
fn reassigned_calls(x: f64, y: f64) -> f64 {
    let mut a = x;
    a = mul(a, y);
    a += sq(a);
    a
}

#[test]
fn calls_in_reassignments() {
    for (x, y) in POINTS {
        let (value, dx, dy) = reassigned_calls_grad(x, y);
        assert_eq!(value, reassigned_calls(x, y));
        assert_near("∂x", dx, y + 2.0 * x * y * y);
        assert_near("∂y", dy, x + 2.0 * x * x * y);
    }
}

/// Calls in a tuple `let`.
/// t(x) = sq(x)/x·chain_h(x) = x² sin x; t' = 2x sin x + x² cos x.
#[grad]
fn tuple_let_calls(x: f64) -> f64 {
    let (a, b) = (sq(x), chain_h(x));
    a / x * b
}

#[test]
fn calls_in_a_tuple_let() {
    for (x, _) in POINTS {
        let (value, dx) = tuple_let_calls_grad(x);
        assert_near("t", value, tuple_let_calls(x));
        assert_near("t'", dx, 2.0 * x * x.sin() + x * x * x.cos());
    }
}

// ---------------------------------------------------------------------------------------------
// Callees in other modules, by path
// ---------------------------------------------------------------------------------------------

mod geometry {
    use autodiff_runtime::grad;

    /// |v|².
    #[grad]
    pub fn norm2(v: &[f64; 3]) -> f64 {
        v[0] * v[0] + v[1] * v[1] + v[2] * v[2]
    }

    pub mod deeper {
        use autodiff_runtime::grad;

        /// u × v.
        #[grad]
        pub fn cross(u: &[f64; 3], v: &[f64; 3]) -> [f64; 3] {
            [
                u[1] * v[2] - u[2] * v[1],
                u[2] * v[0] - u[0] * v[2],
                u[0] * v[1] - u[1] * v[0],
            ]
        }

        /// A callee in the parent module, by `super::`.
        #[grad]
        pub fn cross_norm2(u: &[f64; 3], v: &[f64; 3]) -> f64 {
            let c = cross(u, v);
            super::norm2(&c)
        }
    }
}

/// |u × v|² + |u|² through callees by path: `geometry::`, `geometry::deeper::`, `crate::`.
#[grad]
fn by_path(u: &[f64; 3], v: &[f64; 3]) -> f64 {
    let a = geometry::deeper::cross_norm2(u, v);
    let b = crate::geometry::norm2(u);
    let c = geometry::deeper::cross(u, v);
    a + b + self::geometry::norm2(&c)
}

#[test]
fn callees_by_path() {
    let u = [0.3, -1.2, 0.8];
    let v = [1.1, 0.4, -0.6];
    let (value, bar_u, bar_v) = by_path_grad(&u, &v);
    assert_eq!(value, by_path(&u, &v));
    check::gradient(
        |(u, v): &([f64; 3], [f64; 3])| by_path(u, v),
        &(u, v),
        &(bar_u, bar_v),
    )
    .assert_ok();
    // Closed form: ∂|u|²/∂u = 2u; |u × v|² = |u|²|v|² − (u·v)², ∂u = 2|v|²u − 2(u·v)v, twice.
    let dot = u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
    let nv = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
    for i in 0..3 {
        assert_near(
            "∂u",
            bar_u[i],
            2.0 * u[i] + 2.0 * (2.0 * nv * u[i] - 2.0 * dot * v[i]),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// A callee whose `wrt` is narrower than the caller's use
// ---------------------------------------------------------------------------------------------

/// scale(x, s) = x·s·s, differentiated only in `x`: `s` is a constant of this function.
#[grad(wrt(x))]
fn scale_wrt_x(x: f64, s: f64) -> f64 {
    x * s * s
}

/// w(x, s) = scale(x, s) + s·x. The caller differentiates in `s` too. The callee's `wrt` only
/// chooses what `scale_wrt_x_grad` returns: a call differentiates through every float argument,
/// so ∂x = s² + s and ∂s = 2xs + x, the true derivatives.
#[grad]
fn narrower_wrt(x: f64, s: f64) -> f64 {
    scale_wrt_x(x, s) + s * x
}

#[test]
fn callee_with_narrower_wrt_differentiates_every_argument() {
    for (x, s) in POINTS {
        let (value, dx, ds) = narrower_wrt_grad(x, s);
        assert_eq!(value, narrower_wrt(x, s));
        assert_near("∂x", dx, s * s + s);
        assert_near(
            "∂s (through the callee's constant too)",
            ds,
            2.0 * x * s + x,
        );
        check::gradient(
            |&(x, s): &(f64, f64)| narrower_wrt(x, s),
            &(x, s),
            &(dx, ds),
        )
        .assert_ok();
        // The callee's own gradient still has only ∂x.
        assert_eq!(scale_wrt_x_grad(x, s), (x * s * s, s * s));
    }
}

/// The same narrowing where the caller passes a constant for the callee's constant: then the
/// caller's gradient is the true one. q(x) = scale(x·x, 2) = 4x²; q' = 8x.
#[grad]
fn narrower_wrt_constant(x: f64) -> f64 {
    scale_wrt_x(x * x, 2.0)
}

#[test]
fn callee_with_narrower_wrt_and_a_constant_argument() {
    for (x, _) in POINTS {
        let (value, dx) = narrower_wrt_constant_grad(x);
        assert_eq!(value, 4.0 * x * x);
        assert_near("q'", dx, 8.0 * x);
        check::gradient(|x: &f64| narrower_wrt_constant(*x), &x, &dx).assert_ok();
    }
}

// ---------------------------------------------------------------------------------------------
// A callee with an integer parameter
// ---------------------------------------------------------------------------------------------

/// pick(v, i) = v[i]²·v[0] (with `i` an index: a constant).
#[grad]
fn pick(v: &[f64; 4], i: usize) -> f64 {
    v[i] * v[i] * v[0]
}

/// p(v, j) = pick(v, j) + pick(v, 3): an integer parameter and an integer literal passed through.
#[grad]
fn integer_parameter(v: &[f64; 4], j: usize) -> f64 {
    pick(v, j) + pick(v, 3)
}

#[test]
fn callee_with_an_integer_parameter() {
    let v = [0.5, -1.5, 2.0, 0.75];
    for j in 0..4 {
        let (value, bar_v) = integer_parameter_grad(&v, j);
        assert_eq!(value, integer_parameter(&v, j));
        check::gradient(|v: &[f64; 4]| integer_parameter(v, j), &v, &bar_v).assert_ok();
    }
    // Closed form at j = 1: v1²v0 + v3²v0; ∂ = [v1² + v3², 2v1v0, 0, 2v3v0].
    let (_, bar_v) = integer_parameter_grad(&v, 1);
    let expected = [
        v[1] * v[1] + v[3] * v[3],
        2.0 * v[1] * v[0],
        0.0,
        2.0 * v[3] * v[0],
    ];
    for i in 0..4 {
        assert_near("∂v", bar_v[i], expected[i]);
    }
}

// ---------------------------------------------------------------------------------------------
// `#[custom_vjp]` callees
// ---------------------------------------------------------------------------------------------

/// softplus(x) = ln(1 + eˣ), with its analytic pullback σ(x)·ȳ.
#[custom_vjp(pullback = softplus_pullback)]
fn softplus(x: f64) -> f64 {
    (1.0 + x.exp()).ln()
}

fn softplus_pullback(x: f64, _y: f64, bar_y: f64) -> f64 {
    bar_y / (1.0 + (-x).exp())
}

/// sp(x, y) = softplus(x·y)·y + softplus(y).
#[grad]
fn uses_softplus(x: f64, y: f64) -> f64 {
    softplus(x * y) * y + softplus(y)
}

#[test]
fn custom_vjp_softplus_matches_central_differences() {
    for (x, y) in POINTS {
        let (value, dx, dy) = uses_softplus_grad(x, y);
        assert_eq!(value, uses_softplus(x, y));
        check::gradient(
            |&(x, y): &(f64, f64)| uses_softplus(x, y),
            &(x, y),
            &(dx, dy),
        )
        .assert_ok();
        let sigmoid = |t: f64| 1.0 / (1.0 + (-t).exp());
        assert_near("∂x", dx, sigmoid(x * y) * y * y);
        assert_near(
            "∂y",
            dy,
            sigmoid(x * y) * x * y + softplus(x * y) + sigmoid(y),
        );
    }
}

/// round(x), with a straight-through estimator as its pullback: deliberately not the
/// derivative (which is 0 almost everywhere), and used as given.
#[custom_vjp(pullback = straight_through)]
fn round_ste(x: f64) -> f64 {
    x.round()
}

fn straight_through(_x: f64, _y: f64, bar_y: f64) -> f64 {
    bar_y
}

/// s(x, y) = round(x)·y + round(x·y)².
#[grad]
fn uses_straight_through(x: f64, y: f64) -> f64 {
    let r = round_ste(x * y);
    round_ste(x) * y + r * r
}

#[test]
fn straight_through_estimator_is_used_as_given() {
    for (x, y) in [(0.7, -1.3), (1.9, 0.4), (-2.35, 2.2), (3.2, 0.6)] {
        let (value, dx, dy) = uses_straight_through_grad(x, y);
        assert_eq!(value, uses_straight_through(x, y));
        // With d round/dt := 1: ∂x = y + 2·round(xy)·y, ∂y = round(x) + 2·round(xy)·x.
        let r = (x * y).round();
        assert_eq!(dx, y + 2.0 * r * y);
        assert_eq!(dy, x.round() + 2.0 * r * x);
        // Finite differences see a piecewise-constant round: they disagree, as they must.
        let fd = Checker::default().check(
            |&(x, y): &(f64, f64)| uses_straight_through(x, y),
            &(x, y),
            &(dx, dy),
        );
        assert!(!fd.is_ok(), "the estimator is not the derivative: {fd}");
    }
}

/// A `#[custom_vjp]` of two floats returning a tuple of cotangents, and one with an integer
/// parameter. hyp(x, y) = √(x² + y²); pown(x, n) = xⁿ.
#[custom_vjp(pullback = hyp_pullback)]
fn hyp(x: f64, y: f64) -> f64 {
    x.hypot(y)
}

fn hyp_pullback(x: f64, y: f64, out: f64, bar: f64) -> (f64, f64) {
    (bar * x / out, bar * y / out)
}

#[custom_vjp(pullback = pown_pullback)]
fn pown(x: f64, n: i32) -> f64 {
    x.powi(n)
}

fn pown_pullback(x: f64, n: i32, _out: f64, bar: f64) -> f64 {
    bar * f64::from(n) * x.powi(n - 1)
}

/// u(x, y) = hyp(x, y)·pown(x, 3).
#[grad]
fn uses_two_argument_custom(x: f64, y: f64) -> f64 {
    hyp(x, y) * pown(x, 3)
}

#[test]
fn custom_vjp_of_several_arguments_and_an_integer() {
    for (x, y) in POINTS {
        let (value, dx, dy) = uses_two_argument_custom_grad(x, y);
        assert_eq!(value, uses_two_argument_custom(x, y));
        check::gradient(
            |&(x, y): &(f64, f64)| uses_two_argument_custom(x, y),
            &(x, y),
            &(dx, dy),
        )
        .assert_ok();
    }
}

/// A `#[custom_vjp]` with an array input and an array output: v / |v|, with its analytic
/// pullback (ȳ − (ȳ·y)y) / |v|.
#[custom_vjp(pullback = normalize_pullback)]
fn normalize(v: &[f64; 3]) -> [f64; 3] {
    let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    [v[0] / n, v[1] / n, v[2] / n]
}

fn normalize_pullback(v: &[f64; 3], y: [f64; 3], bar: [f64; 3]) -> [f64; 3] {
    let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    let d = bar[0] * y[0] + bar[1] * y[1] + bar[2] * y[2];
    [
        (bar[0] - d * y[0]) / n,
        (bar[1] - d * y[1]) / n,
        (bar[2] - d * y[2]) / n,
    ]
}

/// n(v) = y0·y1 + y2, y = normalize(v).
#[grad]
fn uses_array_custom(v: &[f64; 3]) -> f64 {
    let y = normalize(v);
    y[0] * y[1] + y[2]
}

#[test]
fn custom_vjp_with_arrays() {
    for v in [[0.3, -1.2, 0.8], [2.0, 0.5, -0.1]] {
        let (value, bar_v) = uses_array_custom_grad(&v);
        assert_eq!(value, uses_array_custom(&v));
        check::gradient(|v: &[f64; 3]| uses_array_custom(v), &v, &bar_v).assert_ok();
    }
}

// ---------------------------------------------------------------------------------------------
// Array outputs of callees, indexed by the caller
// ---------------------------------------------------------------------------------------------

/// polar(r, t) = [r cos t, r sin t, r²].
#[grad]
fn polar(r: f64, t: f64) -> [f64; 3] {
    [r * t.cos(), r * t.sin(), r * r]
}

/// a(r, t) = p0·p2 − p1 (p = polar(r, t)), p1 unused twice over: an element the caller never
/// reads gets a zero cotangent.
#[grad]
fn indexes_array_output(r: f64, t: f64) -> f64 {
    let p = polar(r, t);
    p[0] * p[2] - p[1] + p[0]
}

#[test]
fn array_output_indexed_by_the_caller() {
    for (r, t) in POINTS {
        let (value, dr, dt) = indexes_array_output_grad(r, t);
        assert_eq!(value, indexes_array_output(r, t));
        // r³cos t − r sin t + r cos t: ∂r = 3r² cos t − sin t + cos t, ∂t = −r³ sin t − r cos t − r sin t.
        let (c, s) = (t.cos(), t.sin());
        assert_near("∂r", dr, 3.0 * r * r * c - s + c);
        assert_near("∂t", dt, -r * r * r * s - r * c - r * s);
    }
}

/// An array output passed on whole: the caller returns an array built from a callee's array,
/// and passes it by reference to another callee.
#[grad]
fn array_through(r: f64, t: f64) -> [f64; 3] {
    let p = polar(r, t);
    let q = [p[1], p[2], p[0] * t];
    geometry::deeper::cross(&p, &q)
}

#[test]
fn array_outputs_passed_on() {
    for (r, t) in POINTS {
        for seed in [
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
            [0.5, -2.0, 1.5],
        ] {
            let (value, dr, dt) = array_through_vjp(r, t, seed);
            assert_eq!(value, array_through(r, t));
            check::gradient(
                |&(r, t): &(f64, f64)| {
                    let y = array_through(r, t);
                    seed[0] * y[0] + seed[1] * y[1] + seed[2] * y[2]
                },
                &(r, t),
                &(dr, dt),
            )
            .assert_ok();
        }
    }
}

/// A caller whose output is a callee's array output, as is.
#[grad]
fn returns_callee_output(r: f64, t: f64) -> [f64; 3] {
    polar(t, r)
}

#[test]
fn caller_returning_the_callee_output() {
    let (value, dr, dt) = returns_callee_output_vjp(0.5, 2.0, [1.0, 1.0, 1.0]);
    assert_eq!(value, polar(2.0, 0.5));
    assert_eq!(value, returns_callee_output(0.5, 2.0));
    // p = [t cos r, t sin r, t²]: ∂r = −t sin r + t cos r, ∂t = cos r + sin r + 2t.
    assert_near("∂r", dr, -2.0 * 0.5_f64.sin() + 2.0 * 0.5_f64.cos());
    assert_near("∂t", dt, 0.5_f64.cos() + 0.5_f64.sin() + 4.0);
}

/// An array literal passed to a callee by value and one by reference.
#[grad]
fn by_value(v: [f64; 2]) -> f64 {
    v[0] * v[1].exp()
}

#[grad]
fn array_literal_arguments(x: f64, y: f64) -> f64 {
    by_value([x, y * x]) + geometry::norm2(&[x, y, 1.0])
}

#[test]
fn array_literals_as_arguments() {
    for (x, y) in POINTS {
        let (value, dx, dy) = array_literal_arguments_grad(x, y);
        assert_eq!(value, array_literal_arguments(x, y));
        check::gradient(
            |&(x, y): &(f64, f64)| array_literal_arguments(x, y),
            &(x, y),
            &(dx, dy),
        )
        .assert_ok();
    }
}

// ---------------------------------------------------------------------------------------------
// f32 callees
// ---------------------------------------------------------------------------------------------

#[grad]
fn cube32(x: f32) -> f32 {
    x * x * x
}

/// c(x, y) = cube(x)·y + cube(y); ∂x = 3x²y, ∂y = x³ + 3y².
#[grad]
fn calls_f32(x: f32, y: f32) -> f32 {
    cube32(x) * y + cube32(y)
}

#[test]
fn f32_callees() {
    let (x, y) = (1.5_f32, -0.5_f32);
    let (value, dx, dy) = calls_f32_grad(x, y);
    assert_eq!(value, calls_f32(x, y));
    assert_eq!(dx, 3.0 * x * x * y);
    assert_eq!(dy, x * x * x + 3.0 * y * y);
}

// ---------------------------------------------------------------------------------------------
// Split mode of a caller
// ---------------------------------------------------------------------------------------------

#[test]
fn split_halves_of_a_caller() {
    for (x, y) in POINTS {
        let (value, residuals): (f64, DiamondResultTwiceResiduals) = diamond_result_twice_fwd(x, y);
        assert_eq!(value, diamond_result_twice(x, y));
        // The caller decides after the forward half whether to run the reverse half.
        assert!(value.is_finite());
        let (dx, dy) = diamond_result_twice_bwd(residuals, 1.0);
        assert_eq!((value, dx, dy), diamond_result_twice_grad(x, y));
        let (_, residuals) = diamond_result_twice_fwd(x, y);
        let (_, bx, by) = diamond_result_twice_vjp(x, y, -0.25);
        assert_eq!(diamond_result_twice_bwd(residuals, -0.25), (bx, by));
    }
}

#[test]
fn split_halves_of_a_caller_of_array_callees_by_reference() {
    // The residuals keep borrows of the arguments (callees' residuals too); the halves are
    // called apart, with other work between them.
    let u = [0.3, -1.2, 0.8];
    let v = [1.1, 0.4, -0.6];
    let (value, residuals) = by_path_fwd(&u, &v);
    let unrelated = by_path(&v, &u);
    assert!(unrelated.is_finite());
    let (bar_u, bar_v) = by_path_bwd(residuals, 2.0);
    let (value2, gu, gv) = by_path_grad(&u, &v);
    assert_eq!(value, value2);
    for i in 0..3 {
        assert_eq!(bar_u[i], 2.0 * gu[i]);
        assert_eq!(bar_v[i], 2.0 * gv[i]);
    }
}

#[test]
fn split_halves_of_a_callee_called_directly() {
    // A callee's own halves, as the caller uses them.
    let (value, residuals) = chain_g_fwd(0.7, -1.3);
    let (dx, dy) = chain_g_bwd(residuals, 1.0);
    assert_eq!((value, dx, dy), chain_g_grad(0.7, -1.3));
    let (value, residuals) = softplus_fwd(0.3);
    assert_eq!(value, softplus(0.3));
    assert_eq!(
        softplus_bwd(residuals, 2.0),
        softplus_pullback(0.3, value, 2.0)
    );
}

// ---------------------------------------------------------------------------------------------
// Generic callees
// ---------------------------------------------------------------------------------------------

/// Generic over its float type: callers in `f64` and in `f32` differentiate through it.
#[grad]
fn generic_sq_sin<T: autodiff_runtime::Float>(x: T, y: T) -> T {
    x * x * y.sin()
}

/// g(x, y) = x²·sin y + x: ∂x = 2x sin y + 1, ∂y = x² cos y.
#[grad]
fn calls_generic(x: f64, y: f64) -> f64 {
    generic_sq_sin(x, y) + x
}

#[grad]
fn calls_generic_f32(x: f32, y: f32) -> f32 {
    generic_sq_sin(x, y) + x
}

/// A generic caller of a generic callee.
#[grad]
fn generic_caller<T: autodiff_runtime::Float>(x: T, y: T) -> T {
    generic_sq_sin(x, y) + x
}

#[test]
fn generic_callees() {
    for (x, y) in POINTS {
        let (value, dx, dy) = calls_generic_grad(x, y);
        assert_eq!(value, calls_generic(x, y));
        assert_near("∂x", dx, 2.0 * x * y.sin() + 1.0);
        assert_near("∂y", dy, x * x * y.cos());
        assert_eq!(generic_caller_grad(x, y), (value, dx, dy));
        assert_eq!(generic_caller(x, y), value);

        let (x32, y32) = (x as f32, y as f32);
        let (value, dx, dy) = calls_generic_f32_grad(x32, y32);
        assert_eq!(value, calls_generic_f32(x32, y32));
        assert!((dx - (2.0 * x32 * y32.sin() + 1.0)).abs() < 1e-5, "{dx}");
        assert!((dy - x32 * x32 * y32.cos()).abs() < 1e-5, "{dy}");
        assert_eq!(generic_caller_grad(x32, y32), (value, dx, dy));
    }
}

// ---------------------------------------------------------------------------------------------
// Corner cases of calls (from review)
// ---------------------------------------------------------------------------------------------

/// A generic callee taking a slice of its float type: its descriptor needs `T: 'static`.
#[grad]
fn generic_slice_product<T: autodiff_runtime::Float>(x: &[T]) -> T {
    x[0] * x[1]
}

#[grad]
fn calls_generic_slice(x: &[f64], y: f64) -> f64 {
    generic_slice_product(x) * y
}

#[test]
fn generic_callee_with_a_slice_parameter() {
    let x = [2.0, 3.0];
    // x0·x1·y: ∂x = [x1 y, x0 y], ∂y = x0 x1.
    assert_eq!(
        calls_generic_slice_grad(&x, 0.5),
        (3.0, vec![1.5, 1.0], 6.0)
    );
    assert_eq!(calls_generic_slice(&x, 0.5), 3.0);
}

/// A narrowed function that calls a narrowed function whose left-out parameter has no
/// derivative: callers pass constants there, and its own gradient is right.
#[grad(wrt(x))]
fn power_times(x: f64, s: f64) -> f64 {
    x.powi(s as i32) * s
}

#[grad(wrt(x))]
fn doubled_power(x: f64, s: f64) -> f64 {
    power_times(x, s) * 2.0
}

#[test]
fn narrowed_caller_of_a_narrowed_callee() {
    // 2·x^s·s at x = 3, s = 2: 36; ∂x = 2·s·s·x^(s−1) = 24.
    assert_eq!(doubled_power_grad(3.0, 2.0), (36.0, 24.0));
    assert_eq!(doubled_power(3.0, 2.0), 36.0);
}

/// A caller mixing `f32` and `f64` asks a generic callee for the float type of each call's
/// arguments.
#[grad]
fn generic_square<T: autodiff_runtime::Float>(x: T) -> T {
    x * x
}

#[grad]
fn mixed_precision(x: f32, y: f64) -> (f32, f64) {
    (generic_square(x), generic_square(y))
}

#[test]
fn calls_in_two_float_types() {
    let ((a, b), bar_x, bar_y) = mixed_precision_vjp(1.5, 2.5, (1.0, 0.5));
    assert_eq!((a, b), mixed_precision(1.5, 2.5));
    assert_eq!((bar_x, bar_y), (3.0, 2.5));
}

/// `k`'s hidden full-variant halves and residuals do not collide with a function `k_full`.
#[grad(wrt(x))]
fn k(x: f64, s: f64) -> f64 {
    x * s
}

#[grad]
fn k_full(x: f64) -> f64 {
    k(x, x)
}

#[test]
fn full_variant_names_do_not_collide() {
    // x·x: 2x.
    assert_eq!(k_full_grad(3.0), (9.0, 6.0));
    assert_eq!((k_full(3.0), k_grad(3.0, 2.0)), (9.0, (6.0, 2.0)));
}
