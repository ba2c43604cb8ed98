//! Run-time robustness: non-finite values and degenerate shapes.
//!
//! 1. NaN and ±∞ go through the gradients as IEEE arithmetic says: each pullback evaluates its
//!    closed-form derivative in floating point, so the expected value of every case below is that
//!    formula worked by hand (in the comment beside it), compared bit for bit (`-0.0` is not
//!    `0.0`, and any NaN matches any NaN). A NaN reaches exactly the cotangents whose formula
//!    reads it, never the others.
//! 2. Empty arrays, zero-size batches and `1×1` arrays: the gradient of every ndarray primitive
//!    returns arrays of the operand's (empty) shape without panicking wherever the forward does
//!    not panic, with the value of the empty sums worked by hand; the small non-empty shapes are
//!    checked against central finite differences (`autodiff_runtime::check`).

use autodiff_runtime::check::{self, Checker};
use autodiff_runtime::ndarray::{Array, Array1, Array2, Axis, Dimension, Ix1, ShapeBuilder, array};
use autodiff_runtime::{grad, nn};
use fixtures::{cross_entropy_of, cross_entropy_of_grad};
use testkit::SplitMix64;

mod fixtures;

// ---------------------------------------------------------------------------------------------
// Helpers.

/// IEEE identity for expectations: equal bits (so the sign of a zero counts), or both NaN.
fn same(actual: f64, expected: f64) -> bool {
    (actual.is_nan() && expected.is_nan()) || actual.to_bits() == expected.to_bits()
}

#[track_caller]
fn assert_same(actual: f64, expected: f64, what: &str) {
    assert!(
        same(actual, expected),
        "{what}: got {actual:?}, expected {expected:?}"
    );
}

#[track_caller]
fn assert_all_same<D: Dimension>(actual: &Array<f64, D>, expected: &Array<f64, D>, what: &str) {
    assert_eq!(actual.shape(), expected.shape(), "{what}: shape");
    assert!(
        actual.iter().zip(expected).all(|(&a, &e)| same(a, e)),
        "{what}: got {actual:?}, expected {expected:?}"
    );
}

/// Within 1e-14, absolutely or relatively.
#[track_caller]
fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!(
        approx::relative_eq!(actual, expected, epsilon = 1e-14, max_relative = 1e-14),
        "{what}: got {actual:?}, expected {expected:?}"
    );
}

/// `f_grad(x)`, checking that its value is the original function's (bit for bit, NaN as NaN).
#[track_caller]
fn unary(f: fn(f64) -> f64, f_grad: fn(f64) -> (f64, f64), x: f64) -> (f64, f64) {
    let (v, d) = f_grad(x);
    assert_same(v, f(x), "the value is the original function's");
    (v, d)
}

/// The same for two arguments.
#[track_caller]
fn binary(
    f: fn(f64, f64) -> f64,
    f_grad: fn(f64, f64) -> (f64, f64, f64),
    x: f64,
    y: f64,
) -> (f64, f64, f64) {
    let r = f_grad(x, y);
    assert_same(r.0, f(x, y), "the value is the original function's");
    r
}

/// Uniform in ±[0.2, 1.5): away from 0, the kink of `relu` and the pole of `1/x`.
fn away_from_zero(rng: &mut SplitMix64) -> f64 {
    let magnitude = 0.2 + 1.3 * rng.unit();
    if rng.next_u64() & 1 == 0 {
        magnitude
    } else {
        -magnitude
    }
}

fn random<D: Dimension, Sh: ShapeBuilder<Dim = D>>(seed: u64, shape: Sh) -> Array<f64, D> {
    let mut rng = SplitMix64::new(seed);
    Array::from_shape_simple_fn(shape, || away_from_zero(&mut rng))
}

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;

// =============================================================================================
// 1. NaN and infinity.

#[grad]
fn linear_in_x(x: f64, y: f64) -> f64 {
    x * 2.0 + y.sin()
}

#[grad]
fn product_plus_sin(x: f64, y: f64) -> f64 {
    x * y + y.sin()
}

#[grad]
fn sin_times(x: f64, y: f64) -> f64 {
    x.sin() * y
}

#[test]
fn nan_reaches_only_the_cotangents_that_read_it() {
    let y = 0.7_f64;

    // f = 2x + sin y. The value is NaN + sin y = NaN. ∂x = 1·2 never reads x; ∂y = 1·cos y never
    // reads x either: neither cotangent is contaminated.
    let (v, dx, dy) = binary(linear_in_x, linear_in_x_grad, NAN, y);
    assert_same(v, NAN, "2·NaN + sin y");
    assert_same(dx, 2.0, "∂x of 2x");
    assert_same(dy, y.cos(), "∂y = cos y");

    // f = x·y + sin y. ∂x = y (reads only y): finite. ∂y = x + cos y = NaN + cos y = NaN.
    let (v, dx, dy) = binary(product_plus_sin, product_plus_sin_grad, NAN, y);
    assert_same(v, NAN, "NaN·y + sin y");
    assert_same(dx, y, "∂x = y");
    assert_same(dy, NAN, "∂y = x + cos y");

    // f = sin(x)·y. ∂x = y·cos x = y·NaN = NaN; ∂y = sin x = NaN.
    let (v, dx, dy) = binary(sin_times, sin_times_grad, NAN, y);
    assert_same(v, NAN, "sin NaN · y");
    assert_same(dx, NAN, "∂x = y cos x");
    assert_same(dy, NAN, "∂y = sin x");

    // The NaN in y instead: ∂x = y·cos x = NaN, ∂y = sin x stays finite.
    let x = 0.3_f64;
    let (v, dx, dy) = binary(sin_times, sin_times_grad, x, NAN);
    assert_same(v, NAN, "sin x · NaN");
    assert_same(dx, NAN, "∂x = y cos x");
    assert_same(dy, x.sin(), "∂y = sin x");
}

/// A NaN produced inside the function (out of the domain of `sqrt`) reaches the cotangents
/// downstream of it, through a call between `#[grad]` functions too.
#[grad]
fn sqrt_of(x: f64) -> f64 {
    x.sqrt()
}

#[grad]
fn scaled_root(x: f64, k: f64, c: f64) -> f64 {
    k * sqrt_of(x) + c * c
}

#[test]
fn nan_made_inside_propagates_through_a_call() {
    // x = −1: √x = NaN. ∂x = k/(2√x) = NaN; ∂k = √x = NaN; ∂c = 2c does not read √x.
    let (v, dx, dk, dc) = scaled_root_grad(-1.0, 3.0, 0.5);
    assert_same(v, NAN, "3·√−1 + 0.25");
    assert_same(scaled_root(-1.0, 3.0, 0.5), NAN, "the original");
    assert_same(dx, NAN, "∂x = k/(2√x)");
    assert_same(dk, NAN, "∂k = √x");
    assert_same(dc, 1.0, "∂c = 2c");
}

#[grad]
fn exp_of(x: f64) -> f64 {
    x.exp()
}

#[grad]
fn ln_of(x: f64) -> f64 {
    x.ln()
}

#[grad]
fn one_over(x: f64) -> f64 {
    1.0 / x
}

#[grad]
fn recip_of(x: f64) -> f64 {
    x.recip()
}

#[grad]
fn tanh_of(x: f64) -> f64 {
    x.tanh()
}

#[grad]
fn product(x: f64, y: f64) -> f64 {
    x * y
}

#[test]
fn exp_at_infinities() {
    // exp: y = eˣ, ∂x = 1·y.
    assert_eq!(unary(exp_of, exp_of_grad, INF), (INF, INF)); // e^∞ = ∞, slope ∞
    let (v, d) = unary(exp_of, exp_of_grad, -INF);
    assert_same(v, 0.0, "e^−∞ = +0");
    assert_same(d, 0.0, "slope 1·(+0) = +0");
    // A finite input whose exponential overflows: e^710 > f64::MAX, so y = ∞ and ∂x = ∞.
    assert_eq!(unary(exp_of, exp_of_grad, 710.0), (INF, INF));
    let (v, d) = unary(exp_of, exp_of_grad, NAN);
    assert_same(v, NAN, "e^NaN");
    assert_same(d, NAN, "1·NaN");
}

#[test]
fn ln_at_infinities_zero_and_outside_its_domain() {
    // ln: ∂x = 1/x, evaluated from x (not from the result).
    let (v, d) = unary(ln_of, ln_of_grad, INF);
    assert_same(v, INF, "ln ∞ = ∞");
    assert_same(d, 0.0, "1/∞ = +0");
    assert_eq!(unary(ln_of, ln_of_grad, 0.0), (-INF, INF)); // ln +0 = −∞, 1/(+0) = +∞
    assert_eq!(unary(ln_of, ln_of_grad, -0.0), (-INF, -INF)); // ln −0 = −∞ (IEEE), 1/(−0) = −∞
    // Outside the domain the value is NaN but the formula 1/x is finite, so the cotangent is
    // too (as in JAX): ln(−1) = NaN, 1/(−1) = −1; ln(−∞) = NaN, 1/(−∞) = −0.
    let (v, d) = unary(ln_of, ln_of_grad, -1.0);
    assert_same(v, NAN, "ln −1");
    assert_same(d, -1.0, "1/(−1)");
    let (v, d) = unary(ln_of, ln_of_grad, -INF);
    assert_same(v, NAN, "ln −∞");
    assert_same(d, -0.0, "1/(−∞)");
    let (v, d) = unary(ln_of, ln_of_grad, NAN);
    assert_same(v, NAN, "ln NaN");
    assert_same(d, NAN, "1/NaN");
}

#[test]
fn sqrt_at_infinities_and_zeros() {
    // sqrt: ∂x = 1/(2y).
    let (v, d) = unary(sqrt_of, sqrt_of_grad, INF);
    assert_same(v, INF, "√∞ = ∞");
    assert_same(d, 0.0, "1/(2·∞) = +0");
    assert_eq!(unary(sqrt_of, sqrt_of_grad, 0.0), (0.0, INF)); // 1/(2·(+0)) = +∞
    let (v, d) = unary(sqrt_of, sqrt_of_grad, -0.0);
    assert_same(v, -0.0, "√−0 = −0 (IEEE)");
    assert_same(d, -INF, "1/(2·(−0)) = −∞");
    let (v, d) = unary(sqrt_of, sqrt_of_grad, -INF);
    assert_same(v, NAN, "√−∞");
    assert_same(d, NAN, "1/(2·NaN)");
}

#[test]
fn reciprocal_at_infinities_and_zeros() {
    // 1/x: the generated rule is ∂x = −(1·y/x) with y = 1/x; x.recip(): ∂x = −(1·y·y).
    // Both are −1/x² in exact arithmetic.
    let cases: [(f64, f64, f64); 4] = [
        // (x, y = 1/x, −1/x²)
        (INF, 0.0, -0.0),   // y = +0; −(0/∞) = −0, −(0·0) = −0
        (-INF, -0.0, -0.0), // y = −0; −((−0)/(−∞)) = −(+0) = −0, −((−0)(−0)) = −0
        (0.0, INF, -INF),   // y = +∞; −(∞/(+0)) = −∞, −(∞·∞) = −∞
        (-0.0, -INF, -INF), // y = −∞; −((−∞)/(−0)) = −∞, −((−∞)(−∞)) = −∞
    ];
    for (x, y, slope) in cases {
        let (v, d) = unary(one_over, one_over_grad, x);
        assert_same(v, y, &format!("1/{x}"));
        assert_same(d, slope, &format!("∂(1/x) at {x}"));
        let (v, d) = unary(recip_of, recip_of_grad, x);
        assert_same(v, y, &format!("recip {x}"));
        assert_same(d, slope, &format!("∂recip at {x}"));
    }
    let (v, d) = unary(one_over, one_over_grad, NAN);
    assert_same(v, NAN, "1/NaN");
    assert_same(d, NAN, "−(NaN/NaN)");
}

#[test]
fn tanh_saturates_to_a_zero_slope() {
    // tanh ±∞ = ±1 exactly; ∂x = 1 − y² = 1 − 1 = +0.
    assert_eq!(unary(tanh_of, tanh_of_grad, INF), (1.0, 0.0));
    assert_eq!(unary(tanh_of, tanh_of_grad, -INF), (-1.0, 0.0));
    let (v, d) = unary(tanh_of, tanh_of_grad, NAN);
    assert_same(v, NAN, "tanh NaN");
    assert_same(d, NAN, "1 − NaN²");
}

#[test]
fn infinity_times_zero() {
    // x·y at (∞, 0): the value is ∞·0 = NaN, yet ∂x = y = 0 and ∂y = x = ∞, each reading only
    // the other factor.
    let (v, dx, dy) = binary(product, product_grad, INF, 0.0);
    assert_same(v, NAN, "∞·0");
    assert_same(dx, 0.0, "∂x = y");
    assert_same(dy, INF, "∂y = x");
}

// ----------------------------------------------------------------------------------------------
// The element-wise `nn` functions on non-finite entries.

// One function per primitive: with several outputs in one function, the unused ones would get a
// zero cotangent, and 0·∞ = NaN in their pullbacks would (correctly) reach ∂x.

#[grad]
fn relu_sum(x: &Array1<f64>) -> f64 {
    nn::relu(x).sum()
}

#[grad]
fn sigmoid_sum(x: &Array1<f64>) -> f64 {
    nn::sigmoid(x).sum()
}

#[grad]
fn tanh_sum(x: &Array1<f64>) -> f64 {
    nn::tanh(x).sum()
}

#[grad]
fn exp_sum(x: &Array1<f64>) -> f64 {
    nn::exp(x).sum()
}

#[grad]
fn ln_sum(x: &Array1<f64>) -> f64 {
    nn::ln(x).sum()
}

#[grad]
fn gelu_sum(x: &Array1<f64>) -> f64 {
    nn::gelu(x).sum()
}

type Elementwise = fn(&Array1<f64>) -> f64;
type ElementwiseGrad = fn(&Array1<f64>) -> (f64, Array1<f64>);

#[test]
fn nn_elementwise_at_infinities_and_nan() {
    let x = array![INF, -INF, NAN, 0.0];
    let expect =
        |name: &str, f: Elementwise, f_grad: ElementwiseGrad, value: [f64; 4], slope: [f64; 4]| {
            let (v, bar_x) = f_grad(&x);
            assert_same(
                v,
                f(&x),
                &format!("{name}: the value is the original function's"),
            );
            // The sum of the entries, in the order `sum` adds them.
            let total = value.iter().fold(0.0, |s, v| s + v);
            assert_same(v, total, &format!("{name}: value"));
            assert_all_same(
                &bar_x,
                &Array1::from(slope.to_vec()),
                &format!("{name}: ∂x"),
            );
        };
    // relu: x where x > 0, else 0; a NaN stays NaN (as in PyTorch and JAX: a NaN must not turn
    // into a 0). The pullback passes the cotangent where `x ≤ 0` is false: at ∞ and at NaN.
    expect(
        "relu",
        relu_sum,
        relu_sum_grad,
        [INF, 0.0, NAN, 0.0],
        [1.0, 0.0, 1.0, 0.0],
    );
    // sigmoid: 1/(1 + e^−∞) = 1, e^−∞/(1 + e^−∞) = 0, NaN, 1/2; ∂ = y(1 − y): 0, 0, NaN, 1/4.
    expect(
        "sigmoid",
        sigmoid_sum,
        sigmoid_sum_grad,
        [1.0, 0.0, NAN, 0.5],
        [0.0, 0.0, NAN, 0.25],
    );
    // tanh: 1, −1, NaN, 0; ∂ = 1 − y²: 0, 0, NaN, 1.
    expect(
        "tanh",
        tanh_sum,
        tanh_sum_grad,
        [1.0, -1.0, NAN, 0.0],
        [0.0, 0.0, NAN, 1.0],
    );
    // exp: ∞, 0, NaN, 1; ∂ = y.
    expect(
        "exp",
        exp_sum,
        exp_sum_grad,
        [INF, 0.0, NAN, 1.0],
        [INF, 0.0, NAN, 1.0],
    );
    // ln: ∞, NaN (ln −∞), NaN, −∞; ∂ = 1/x: +0, −0, NaN, +∞.
    expect(
        "ln",
        ln_sum,
        ln_sum_grad,
        [INF, NAN, NAN, -INF],
        [0.0, -0.0, NAN, INF],
    );
    // gelu = x·Φ(x): ∞·1 = ∞, −∞·0 = NaN, NaN, 0; ∂ = Φ(x) + x·φ(x), whose second term is
    // ∞·0 = NaN at ±∞: NaN, NaN, NaN, Φ(0) = 1/2.
    expect(
        "gelu",
        gelu_sum,
        gelu_sum_grad,
        [INF, NAN, NAN, 0.0],
        [NAN, NAN, NAN, 0.5],
    );
}

// ----------------------------------------------------------------------------------------------
// Softmax-like functions: max-subtracted, so large finite logits do not overflow.

#[grad(wrt(x))]
fn softmax_weighted(x: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let p = nn::softmax(x);
    (&p * w).sum()
}

#[grad(wrt(x))]
fn log_softmax_weighted(x: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let p = nn::log_softmax(x);
    (&p * w).sum()
}

#[grad(wrt(x))]
fn logsumexp_weighted(x: &Array2<f64>, w: &Array1<f64>) -> f64 {
    let l = nn::logsumexp(x);
    (&l * w).sum()
}

#[test]
fn softmax_of_large_finite_logits_does_not_overflow() {
    // e^1000 overflows, so a naive softmax gives ∞/∞ = NaN. Subtracting the max: [0, −1000] →
    // [e⁰, e^−1000] = [1, 0] (the second underflows), normalised [1, 0].
    // ∂x = p ⊙ (w − Σ w⊙p) = [1·(0.25 − 0.25), 0·(−0.5 − 0.25)] = [+0, −0] (0 times a
    // negative number is −0).
    let w = array![[0.25, -0.5]];
    let (v, bar) = softmax_weighted_grad(&array![[1000.0, 0.0]], &w);
    assert_same(v, 0.25, "1·w₀ + 0·w₁");
    assert_same(
        v,
        softmax_weighted(&array![[1000.0, 0.0]], &w),
        "the original",
    );
    assert_all_same(&bar, &array![[0.0, -0.0]], "∂ softmax at [1000, 0]");

    // Shift invariance: at [800, 799, 797] the max-subtracted logits are exactly [0, −1, −3],
    // so the probabilities are e^−dᵢ / Σ e^−dⱼ and the gradient p ⊙ (w − Σ w⊙p).
    let x = array![[800.0, 799.0, 797.0]];
    let w = array![[0.5, -1.0, 2.0]];
    let e = [1.0, (-1.0_f64).exp(), (-3.0_f64).exp()];
    let total: f64 = e.iter().sum();
    let p: Vec<f64> = e.iter().map(|v| v / total).collect();
    let wp: f64 = (0..3).map(|i| w[[0, i]] * p[i]).sum();
    let (v, bar) = softmax_weighted_grad(&x, &w);
    assert_close(v, wp, "Σ w⊙p");
    for i in 0..3 {
        assert_close(bar[[0, i]], p[i] * (w[[0, i]] - wp), "p ⊙ (w − Σ w⊙p)");
    }
}

#[test]
fn log_softmax_and_logsumexp_of_large_finite_logits() {
    // log_softmax [1000, 0] = x − 1000 − ln(e⁰ + e^−1000) = x − 1000 − ln 1 = [0, −1000]; a naive
    // ln Σ eˣ would be ln ∞ = ∞. ∂x = w − softmax(x)·Σw = [1 − 1·3, 2 − 0·3] = [−2, 2].
    let (v, bar) = log_softmax_weighted_grad(&array![[1000.0, 0.0]], &array![[1.0, 2.0]]);
    assert_same(v, -2000.0, "0·1 + (−1000)·2");
    let original = log_softmax_weighted(&array![[1000.0, 0.0]], &array![[1.0, 2.0]]);
    assert_same(v, original, "the original");
    assert_all_same(&bar, &array![[-2.0, 2.0]], "∂ log_softmax at [1000, 0]");

    // logsumexp [1000, 1000] = 1000 + ln 2; ∂x = softmax·w₀ = [w₀/2, w₀/2].
    let (v, bar) = logsumexp_weighted_grad(&array![[1000.0, 1000.0]], &array![3.0]);
    assert_close(v, 3.0 * (1000.0 + 2.0_f64.ln()), "3·(1000 + ln 2)");
    let original = logsumexp_weighted(&array![[1000.0, 1000.0]], &array![3.0]);
    assert_same(v, original, "the original");
    // The pullback recomputes e^(x − lse) from the rounded lse, whose ulp at 1000 is 1.1e-13: a
    // relative error of about 1e-13, not an overflow.
    for &g in &bar {
        assert!(
            (g - 1.5).abs() < 1e-12,
            "∂ logsumexp at [1000, 1000]: {bar}"
        );
    }
}

#[test]
fn cross_entropy_of_large_finite_logits() {
    // Row [1000, 0]: logsumexp = 1000 + ln(1 + e^−1000) = 1000 exactly. Label 1: loss
    // 1000 − 0 = 1000, gradient softmax − onehot = [1, 0] − [0, 1] = [1, −1]. Label 0: loss
    // 1000 − 1000 = 0, gradient [1 − 1, 0 − 0] = [0, 0].
    let logits = array![[1000.0, 0.0]];
    let (v, bar) = cross_entropy_of_grad(&logits, &[1]);
    assert_same(v, 1000.0, "loss, label 1");
    assert_same(v, cross_entropy_of(&logits, &[1]), "the original");
    assert_all_same(&bar, &array![[1.0, -1.0]], "∂, label 1");
    let (v, bar) = cross_entropy_of_grad(&logits, &[0]);
    assert_same(v, 0.0, "loss, label 0");
    assert_all_same(&bar, &array![[0.0, 0.0]], "∂, label 0");
    // Two rows: the mean, and each row's gradient divided by N = 2.
    let logits = array![[1000.0, 0.0], [-1000.0, 0.0]];
    let (v, bar) = cross_entropy_of_grad(&logits, &[1, 1]);
    assert_same(v, 500.0, "(1000 + 0)/2");
    assert_all_same(&bar, &array![[0.5, -0.5], [0.0, 0.0]], "∂ over two rows");
}

#[test]
fn minus_infinity_logits_are_masked_out() {
    // A −∞ logit has probability e^−∞ = 0 and gets cotangent 0: softmax [0, −∞, 0] = [½, 0, ½].
    let w = array![[1.0, 5.0, 3.0]];
    let (v, bar) = softmax_weighted_grad(&array![[0.0, -INF, 0.0]], &w);
    // Σ w⊙p = ½ + 0 + 3/2 = 2; ∂x = p ⊙ (w − 2) = [½·(−1), 0·3, ½·1].
    assert_same(v, 2.0, "Σ w⊙p");
    assert_all_same(&bar, &array![[-0.5, 0.0, 0.5]], "∂ softmax, masked");

    // Cross-entropy of [0, −∞, 0] with label 0: ln(1 + 0 + 1) − 0 = ln 2; ∂ = [½ − 1, 0, ½].
    let logits = array![[0.0, -INF, 0.0]];
    let (v, bar) = cross_entropy_of_grad(&logits, &[0]);
    assert_same(v, 2.0_f64.ln(), "ln 2");
    assert_all_same(&bar, &array![[-0.5, 0.0, 0.5]], "∂ cross_entropy, masked");

    // The label itself at −∞: loss = logsumexp − (−∞) = 0 + ∞ = ∞, but the gradient is the
    // finite softmax − onehot = [0, 1] − [1, 0] = [−1, 1] (its limit as the logit → −∞).
    let (v, bar) = cross_entropy_of_grad(&array![[-INF, 0.0]], &[0]);
    assert_same(v, INF, "loss with the label masked");
    assert_all_same(&bar, &array![[-1.0, 1.0]], "∂ with the label masked");

    // log_softmax [0, −∞] = [0 − 0 − ln 1, −∞ − 0 − ln 1] = [0, −∞]; ∂ = w − softmax·Σw
    // = [1 − 1·3, 2 − 0·3] = [−2, 2]. The value w⊙y has 2·(−∞) = −∞.
    let (v, bar) = log_softmax_weighted_grad(&array![[0.0, -INF]], &array![[1.0, 2.0]]);
    assert_same(v, -INF, "1·0 + 2·(−∞)");
    assert_all_same(&bar, &array![[-2.0, 2.0]], "∂ log_softmax, masked");
}

#[test]
fn plus_infinity_and_all_minus_infinity_logits_give_nan() {
    // +∞ logit: the max is ∞ and x − max has ∞ − ∞ = NaN, so the whole row is NaN (as in JAX),
    // value and gradient.
    let w = array![[1.0, 2.0]];
    let (v, bar) = softmax_weighted_grad(&array![[INF, 0.0]], &w);
    assert_same(v, NAN, "softmax with +∞");
    assert_all_same(&bar, &array![[NAN, NAN]], "∂ softmax with +∞");
    // A row of −∞ only: −∞ − (−∞) = NaN again, softmax is 0/0.
    let (v, bar) = softmax_weighted_grad(&array![[-INF, -INF]], &w);
    assert_same(v, NAN, "softmax of −∞ only");
    assert_all_same(&bar, &array![[NAN, NAN]], "∂ softmax of −∞ only");
    // logsumexp of −∞ only is ln 0 = −∞; its gradient e^(x − lse) = e^(−∞ + ∞) = NaN.
    let (v, bar) = logsumexp_weighted_grad(&array![[-INF, -INF]], &array![1.0]);
    assert_same(v, -INF, "logsumexp of −∞ only");
    assert_all_same(&bar, &array![[NAN, NAN]], "∂ logsumexp of −∞ only");
    // logsumexp [∞, 0] is its maximum, ∞ (special-cased, instead of ∞ + ln(e^NaN + 0)); its
    // gradient e^(x − ∞) is [e^(∞ − ∞), e^(0 − ∞)] = [NaN, 0].
    let (v, bar) = logsumexp_weighted_grad(&array![[INF, 0.0]], &array![1.0]);
    assert_same(v, INF, "logsumexp with +∞");
    assert_all_same(&bar, &array![[NAN, 0.0]], "∂ logsumexp with +∞");
    // A NaN logit makes its row NaN and leaves the other rows alone.
    let (v, bar) = cross_entropy_of_grad(&array![[NAN, 0.0], [0.0, 0.0]], &[0, 0]);
    assert_same(v, NAN, "loss with a NaN logit");
    assert!(bar.row(0).iter().all(|g| g.is_nan()), "{bar}");
    // Row 1: (softmax − onehot)/2 = ([½, ½] − [1, 0])/2.
    assert_all_same(
        &bar.row(1).to_owned(),
        &array![-0.25, 0.25],
        "the NaN-free row",
    );
}

// =============================================================================================
// 2. Empty arrays, zero-size batches, 1×1 arrays.

/// Broadcasting `+ - * /` of a matrix with a row vector, a matrix and a float.
#[grad(wrt(m, v, s))]
fn broadcasting(m: &Array2<f64>, v: &Array1<f64>, s: f64, w: &Array2<f64>) -> f64 {
    let a = m + v;
    let b = m - v;
    let c = &b / v;
    let d = m * s;
    (&a * w).sum() + (&c * &c).sum() + (&d * m).sum() * 0.5
}

#[test]
fn broadcasting_on_empty_and_1x1_shapes() {
    for (rows, cols) in [(0, 3), (3, 0), (0, 0)] {
        let (m, v, w) = (
            random(1, (rows, cols)),
            random(2, cols),
            random(3, (rows, cols)),
        );
        let (value, bar_m, bar_v, bar_s) = broadcasting_grad(&m, &v, 1.5, &w);
        // Every sum is over no elements: 0. The matrix cotangent has the matrix's empty shape;
        // the vector's sums over zero rows (or has no entries): zeros; the float's is an empty sum.
        assert_same(value, 0.0, "value");
        assert_eq!(value, broadcasting(&m, &v, 1.5, &w));
        assert_all_same(&bar_m, &Array2::zeros((rows, cols)), "∂m");
        assert_all_same(&bar_v, &Array1::zeros(cols), "∂v");
        assert_same(bar_s, 0.0, "∂s");
    }
    for (seed, (rows, cols)) in [(1, 1), (2, 3), (1, 4), (4, 1)].into_iter().enumerate() {
        let seed = 10 * seed as u64;
        let (m, v, w) = (
            random(seed, (rows, cols)),
            random(seed + 1, cols),
            random(seed + 2, (rows, cols)),
        );
        let (_, bar_m, bar_v, bar_s) = broadcasting_grad(&m, &v, 1.5, &w);
        Checker::default()
            .names(["m", "v", "s"])
            .check(
                |(m, v, s)| broadcasting(m, v, *s, &w),
                &(m, v, 1.5),
                &(bar_m, bar_v, bar_s),
            )
            .assert_ok();
    }
}

/// Operands whose axes of length 1 stretch to the other's length, including to length 0.
#[grad(wrt(m, row, col, corner))]
fn stretched(
    m: &Array2<f64>,
    row: &Array2<f64>,
    col: &Array2<f64>,
    corner: &Array2<f64>,
    w: &Array2<f64>,
) -> f64 {
    let a = m + row;
    let b = &a * col;
    let c = &b - corner;
    let d = &c / row;
    (&d * w).sum()
}

#[test]
fn axes_of_length_one_stretched_to_length_zero() {
    for (rows, cols) in [(0, 3), (3, 0), (0, 0)] {
        let (m, row, col, corner, w) = (
            random(200, (rows, cols)),
            random(201, (1, cols)),
            random(202, (rows, 1)),
            random(203, (1, 1)),
            random(204, (rows, cols)),
        );
        // Every operand's cotangent sums over the stretched axes, of which one has length 0 in
        // every case: zeros of each operand's own shape.
        let (value, bar_m, bar_row, bar_col, bar_corner) =
            stretched_grad(&m, &row, &col, &corner, &w);
        assert_same(value, 0.0, "value");
        assert_all_same(&bar_m, &Array2::zeros((rows, cols)), "∂m");
        assert_all_same(&bar_row, &Array2::zeros((1, cols)), "∂row");
        assert_all_same(&bar_col, &Array2::zeros((rows, 1)), "∂col");
        assert_all_same(&bar_corner, &Array2::zeros((1, 1)), "∂corner");
    }
    for (seed, (rows, cols)) in [(1, 1), (2, 3)].into_iter().enumerate() {
        let seed = 210 + 10 * seed as u64;
        let (m, row, col, corner, w) = (
            random(seed, (rows, cols)),
            random(seed + 1, (1, cols)),
            random(seed + 2, (rows, 1)),
            random(seed + 3, (1, 1)),
            random(seed + 4, (rows, cols)),
        );
        let (_, bar_m, bar_row, bar_col, bar_corner) = stretched_grad(&m, &row, &col, &corner, &w);
        check::gradient(
            |(m, row, col, corner)| stretched(m, row, col, corner, &w),
            &(m, row, col, corner),
            &(bar_m, bar_row, bar_col, bar_corner),
        )
        .assert_ok();
    }
}

/// 1-D: `sum_axis` to a 0-D array, vector·vector, softmax-like functions of the only axis.
#[grad(wrt(v))]
fn vector_ops(v: &Array1<f64>, w: &Array1<f64>) -> f64 {
    let s = v.sum_axis(Axis(0));
    let p = nn::softmax(v);
    let q = nn::log_softmax(v);
    s.sum() * 2.0 + v.dot(w) + p.dot(w) + (&q * w).sum() + nn::mean(&(v * v))
}

#[test]
fn vectors_of_length_zero_and_one() {
    // Length 0: s = 0 (a 0-D array), the dots and sums are empty sums, 0; mean = 0/0 = NaN,
    // so the value is NaN; ∂v has no entries.
    let empty = Array1::zeros(0);
    let (value, bar_v) = vector_ops_grad(&empty, &empty);
    assert_same(value, NAN, "… + mean of nothing");
    assert_eq!(bar_v.shape(), [0]);
    // Length 1: softmax is 1 and log_softmax 0 whatever v, so f = 2v + vw + w + 0 + v²:
    // ∂v = 2 + w + 2v.
    let (v, w) = (array![0.7], array![-1.3]);
    let (value, bar_v) = vector_ops_grad(&v, &w);
    assert_close(value, 1.4 - 0.91 - 1.3 + 0.49, "2v + vw + w + v²");
    assert_close(bar_v[0], 2.0 - 1.3 + 1.4, "2 + w + 2v");
    let (v, w) = (random(230, 4), random(231, 4));
    let (_, bar_v) = vector_ops_grad(&v, &w);
    check::gradient(|v| vector_ops(v, &w), &v, &bar_v).assert_ok();
}

/// `dot` in every form, `t`, and a bias: a linear layer over a batch.
#[grad(wrt(x, w, b, u))]
fn linear(x: &Array2<f64>, w: &Array2<f64>, b: &Array1<f64>, u: &Array1<f64>) -> f64 {
    let h = x.dot(w) + b;
    let ht = h.t();
    let g = ht.dot(&h);
    let r = x.dot(u);
    let q = u.dot(&x.t());
    g.sum() + r.dot(&q) + u.dot(u)
}

#[test]
fn dot_with_a_zero_size_batch_or_a_zero_inner_dimension() {
    // (batch n, inputs k, outputs m)
    for (n, k, m) in [(0, 3, 2), (0, 0, 0), (0, 3, 0), (0, 0, 2)] {
        let (x, w, b, u) = (
            random(20, (n, k)),
            random(21, (k, m)),
            random(22, m),
            random(23, k),
        );
        let (value, bar_x, bar_w, bar_b, bar_u) = linear_grad(&x, &w, &b, &u);
        // No rows: g = hᵀh is m×m of empty sums, zeros; r and q are empty; the value is u·u.
        // Every cotangent is an empty sum (zeros of its operand's shape) but ∂u = 2u from u·u.
        assert_eq!(value, u.dot(&u), "value at {:?}", (n, k, m));
        assert_eq!(value, linear(&x, &w, &b, &u));
        assert_all_same(&bar_x, &Array2::zeros((n, k)), "∂x");
        assert_all_same(&bar_w, &Array2::zeros((k, m)), "∂w");
        assert_all_same(&bar_b, &Array1::zeros(m), "∂b");
        assert_all_same(&bar_u, &(&u * 2.0), "∂u");
    }
    // No outputs (m = 0): h is n×0, g is 0×0, and ∂w, ∂b have no entries; the rest is
    // (xu)·(xu) + u·u, checked against finite differences in x and u.
    let (x, w, b, u) = (
        random(24, (2, 3)),
        Array2::zeros((3, 0)),
        Array1::zeros(0),
        random(25, 3),
    );
    let (_, bar_x, bar_w, bar_b, bar_u) = linear_grad(&x, &w, &b, &u);
    assert_eq!((bar_w.shape(), bar_b.shape()), (&[3, 0][..], &[0][..]));
    check::gradient(|(x, u)| linear(x, &w, &b, u), &(x, u), &(bar_x, bar_u)).assert_ok();
    // A zero inner dimension: x is n×0, w 0×m, so x·w is an n×m matrix of empty sums, zeros,
    // and h = b on every row: g = hᵀh has g_ij = n·b_i·b_j, Σg = n(Σb)², ∂b = 2n(Σb) on every
    // entry. x·u is n zeros, u·xᵀ too, u·u = 0. ∂x, ∂w, ∂u have no entries.
    let (n, m) = (3, 2);
    let (x, w, b, u) = (
        Array2::zeros((n, 0)),
        Array2::zeros((0, m)),
        array![0.5, -2.0],
        Array1::zeros(0),
    );
    let (value, bar_x, bar_w, bar_b, bar_u) = linear_grad(&x, &w, &b, &u);
    let sum_b: f64 = -1.5;
    assert_same(value, 3.0 * sum_b * sum_b, "n(Σb)²");
    assert_all_same(&bar_b, &array![-9.0, -9.0], "2n(Σb)");
    assert_eq!(bar_x.shape(), [n, 0]);
    assert_eq!(bar_w.shape(), [0, m]);
    assert_eq!(bar_u.shape(), [0]);
    // Small shapes against finite differences.
    for (seed, (n, k, m)) in [(1, 1, 1), (2, 3, 2), (1, 2, 1)].into_iter().enumerate() {
        let seed = 30 + 10 * seed as u64;
        let (x, w, b, u) = (
            random(seed, (n, k)),
            random(seed + 1, (k, m)),
            random(seed + 2, m),
            random(seed + 3, k),
        );
        let (_, bar_x, bar_w, bar_b, bar_u) = linear_grad(&x, &w, &b, &u);
        check::gradient(
            |(x, w, b, u)| linear(x, w, b, u),
            &(x, w, b, u),
            &(bar_x, bar_w, bar_b, bar_u),
        )
        .assert_ok();
    }
}

#[grad(wrt(a))]
fn sums(a: &Array2<f64>, w0: &Array1<f64>, w1: &Array1<f64>) -> f64 {
    let rows = a.sum_axis(Axis(0));
    let cols = a.sum_axis(Axis(1));
    (&rows * w0).sum() + (&cols * &cols * w1).sum() + a.sum()
}

#[test]
fn sum_and_sum_axis_of_empty_arrays() {
    for (rows, cols) in [(0, 3), (3, 0), (0, 0)] {
        let (a, w0, w1) = (random(40, (rows, cols)), random(41, cols), random(42, rows));
        // The sums over an axis of length 0 are zeros of the other axis' length; everything
        // else has no entries. The value is 0 and ∂a has a's shape.
        let (value, bar_a) = sums_grad(&a, &w0, &w1);
        assert_same(value, 0.0, "value");
        assert_eq!(value, sums(&a, &w0, &w1));
        assert_all_same(&bar_a, &Array2::zeros((rows, cols)), "∂a");
    }
    for (seed, shape) in [(1, 1), (2, 3), (3, 1)].into_iter().enumerate() {
        let seed = 50 + 10 * seed as u64;
        let (a, w0, w1) = (
            random(seed, shape),
            random(seed + 1, shape.1),
            random(seed + 2, shape.0),
        );
        let (_, bar_a) = sums_grad(&a, &w0, &w1);
        check::gradient(|a| sums(a, &w0, &w1), &a, &bar_a).assert_ok();
    }
}

/// Every element-wise and softmax-like `nn` function along the last axis.
#[grad(wrt(x))]
fn nn_all(x: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let a = nn::relu(x);
    let b = nn::sigmoid(x);
    let c = nn::tanh(x);
    let d = nn::exp(x);
    let e = nn::ln(&d);
    let f = nn::softmax(x);
    let g = nn::log_softmax(x);
    (&a * w).sum() + (&b * &c).sum() + (&(e * w) * &f).sum() + (&g * w).sum()
}

#[test]
fn nn_functions_on_empty_and_1x1_shapes() {
    for (rows, cols) in [(0, 3), (3, 0), (0, 0)] {
        let (x, w) = (random(60, (rows, cols)), random(61, (rows, cols)));
        // Element-wise maps and softmax of lanes that are empty or absent: no entries at all.
        let (value, bar_x) = nn_all_grad(&x, &w);
        assert_same(value, 0.0, "value");
        assert_all_same(&bar_x, &Array2::zeros((rows, cols)), "∂x");
    }
    for (seed, shape) in [(1, 1), (2, 3), (3, 1)].into_iter().enumerate() {
        let seed = 70 + 10 * seed as u64;
        let (x, w) = (random(seed, shape), random(seed + 1, shape));
        let (_, bar_x) = nn_all_grad(&x, &w);
        check::gradient(|x| nn_all(x, &w), &x, &bar_x).assert_ok();
    }
}

/// An array output, differentiated with `_vjp`.
#[grad]
fn softmax_rows(x: &Array2<f64>) -> Array2<f64> {
    let p = nn::softmax(x);
    let q = nn::log_softmax(x);
    &p + &q
}

#[test]
fn array_output_vjp_on_empty_shapes() {
    for (rows, cols) in [(0, 3), (3, 0), (0, 0)] {
        let x = random(80, (rows, cols));
        let bar = Array2::zeros((rows, cols));
        let (value, bar_x) = softmax_rows_vjp(&x, &bar);
        assert_eq!(value.shape(), [rows, cols]);
        assert_eq!(bar_x.shape(), [rows, cols]);
    }
    // 1×1: softmax of one logit is 1, log_softmax 0, both constant: ∂x = 0 for any cotangent.
    let (value, bar_x) = softmax_rows_vjp(&array![[0.7]], &array![[3.0]]);
    assert_all_same(&value, &array![[1.0]], "softmax + log_softmax of one logit");
    assert_all_same(&value, &softmax_rows(&array![[0.7]]), "the original");
    assert_all_same(&bar_x, &array![[0.0]], "∂x of a constant");
}

#[grad(wrt(x))]
fn logsumexp_rows(x: &Array2<f64>, w: &Array1<f64>) -> f64 {
    let l = nn::logsumexp(x);
    (&l * w).sum()
}

#[test]
fn logsumexp_of_empty_lanes() {
    // Zero rows: no lanes, the value is an empty sum, 0.
    let (value, bar_x) = logsumexp_rows_grad(&Array2::zeros((0, 3)), &Array1::zeros(0));
    assert_same(value, 0.0, "no lanes");
    assert_eq!(bar_x.shape(), [0, 3]);
    // Three empty lanes: each is ln(empty sum) = ln 0 = −∞; with positive weights the value is
    // Σ wᵢ·(−∞) = −∞, and ∂x has no entries.
    let w = array![1.0, 2.0, 0.5];
    let (value, bar_x) = logsumexp_rows_grad(&Array2::zeros((3, 0)), &w);
    assert_same(value, -INF, "Σ w·ln 0");
    assert_eq!(bar_x.shape(), [3, 0]);
    // 1×1: logsumexp of one logit is the logit: ∂x = w.
    let (value, bar_x) = logsumexp_rows_grad(&array![[0.7]], &array![3.0]);
    assert_close(value, 2.1, "3·0.7");
    assert_same(
        value,
        logsumexp_rows(&array![[0.7]], &array![3.0]),
        "the original",
    );
    assert_close(bar_x[[0, 0]], 3.0, "∂x = w");
}

#[grad]
fn mean_of(x: &Array2<f64>) -> f64 {
    nn::mean(x)
}

#[grad]
fn mse_of(a: &Array2<f64>, b: &Array1<f64>) -> f64 {
    let c = a * b;
    nn::mse(&c, a)
}

#[test]
fn mean_and_mse_of_nothing_are_nan_with_empty_gradients() {
    for shape in [(0, 3), (3, 0), (0, 0)] {
        let x = random(90, shape);
        // mean = 0/0 = NaN; ∂x = 1/0 = ∞ on each of no entries.
        let (value, bar_x) = mean_of_grad(&x);
        assert_same(value, NAN, "mean of nothing");
        assert_eq!(bar_x.shape(), [shape.0, shape.1]);
        // mse = 0/0 = NaN; ∂a has no entries, ∂b (broadcast over zero rows) is an empty sum.
        let b = random(91, shape.1);
        let (value, bar_a, bar_b) = mse_of_grad(&x, &b);
        assert_same(value, NAN, "mse of nothing");
        assert_eq!(bar_a.shape(), [shape.0, shape.1]);
        assert_all_same(&bar_b, &Array1::zeros(shape.1), "∂b");
    }
    // 1×1: mean x = x, ∂x = 1.
    let (value, bar_x) = mean_of_grad(&array![[0.7]]);
    assert_same(value, 0.7, "mean of one");
    assert_same(value, mean_of(&array![[0.7]]), "the original");
    assert_all_same(&bar_x, &array![[1.0]], "1/1");
    for (seed, shape) in [(1, 1), (2, 3)].into_iter().enumerate() {
        let seed = 100 + 10 * seed as u64;
        let (a, b) = (random(seed, shape), random(seed + 1, shape.1));
        let (_, bar_a, bar_b) = mse_of_grad(&a, &b);
        check::gradient(|(a, b)| mse_of(a, b), &(a, b), &(bar_a, bar_b)).assert_ok();
    }
}

#[grad(wrt(x, w, b))]
fn classifier(x: &Array2<f64>, w: &Array2<f64>, b: &Array1<f64>, labels: &[usize]) -> f64 {
    let h = nn::tanh(&x.dot(w));
    let logits = h + b;
    nn::cross_entropy(&logits, labels)
}

#[test]
fn cross_entropy_of_a_zero_size_batch() {
    // No rows: the mean over no rows is 0/0 = NaN, while every cotangent is an empty sum over
    // the rows: ∂x has no entries, ∂w = xᵀ·(…) over zero rows and ∂b are zeros. (PyTorch
    // gives the same: a NaN loss with zero gradients.)
    let (x, w, b) = (random(110, (0, 4)), random(111, (4, 3)), random(112, 3));
    let (value, bar_x, bar_w, bar_b) = classifier_grad(&x, &w, &b, &[]);
    assert_same(value, NAN, "mean over no rows");
    assert_eq!(value.is_nan(), classifier(&x, &w, &b, &[]).is_nan());
    assert_eq!(bar_x.shape(), [0, 4]);
    assert_all_same(&bar_w, &Array2::zeros((4, 3)), "∂w");
    assert_all_same(&bar_b, &Array1::zeros(3), "∂b");
    // No rows and no classes: the same, with nothing at all to differentiate.
    let (value, bar) = cross_entropy_of_grad(&Array2::zeros((0, 0)), &[]);
    assert_same(value, NAN, "0/0");
    assert_eq!(bar.shape(), [0, 0]);
    // One row, one class: the loss is logit − logit = 0 whatever the parameters: zero gradients.
    let (x, w, b) = (random(113, (1, 1)), random(114, (1, 1)), random(115, 1));
    let (value, bar_x, bar_w, bar_b) = classifier_grad(&x, &w, &b, &[0]);
    assert_same(value, 0.0, "one class");
    assert_all_same(&bar_x, &array![[0.0]], "∂x");
    assert_all_same(&bar_w, &array![[0.0]], "∂w");
    assert_all_same(&bar_b, &array![0.0], "∂b");
    // Small batches against finite differences, 1×k and n×k.
    for (seed, (n, k, m)) in [(1, 1, 2), (3, 2, 3)].into_iter().enumerate() {
        let seed = 120 + 10 * seed as u64;
        let (x, w, b) = (
            random(seed, (n, k)),
            random(seed + 1, (k, m)),
            random(seed + 2, m),
        );
        let labels: Vec<usize> = (0..n).map(|i| i % m).collect();
        let (_, bar_x, bar_w, bar_b) = classifier_grad(&x, &w, &b, &labels);
        check::gradient(
            |(x, w, b)| classifier(x, w, b, &labels),
            &(x, w, b),
            &(bar_x, bar_w, bar_b),
        )
        .assert_ok();
    }
}

#[grad(wrt(x, gamma, beta, eps))]
fn layer_norm_of(
    x: &Array2<f64>,
    gamma: &Array1<f64>,
    beta: &Array1<f64>,
    eps: f64,
    w: &Array2<f64>,
) -> f64 {
    let y = nn::layer_norm(x, gamma, beta, eps);
    (&y * w).sum()
}

#[grad(wrt(x, gamma, beta, eps))]
fn layer_norm_1d(x: &Array1<f64>, gamma: &Array1<f64>, beta: &Array1<f64>, eps: f64) -> f64 {
    let y = nn::layer_norm(x, gamma, beta, eps);
    (&y * &y).sum()
}

#[test]
fn layer_norm_of_empty_and_1x1_shapes() {
    for (rows, cols) in [(0, 3), (3, 0), (0, 0)] {
        let (x, gamma, beta, w) = (
            random(130, (rows, cols)),
            random(131, cols),
            random(132, cols),
            random(133, (rows, cols)),
        );
        // The output has no entries, so nothing depends on anything: value 0 and every cotangent
        // zero, eps's included (an empty lane's moments are 0/0 = NaN, but they scale nothing).
        let (value, bar_x, bar_gamma, bar_beta, bar_eps) =
            layer_norm_of_grad(&x, &gamma, &beta, 0.1, &w);
        assert_same(value, 0.0, "value");
        assert_all_same(&bar_x, &Array2::zeros((rows, cols)), "∂x");
        assert_all_same(&bar_gamma, &Array1::zeros(cols), "∂gamma");
        assert_all_same(&bar_beta, &Array1::zeros(cols), "∂beta");
        assert_same(bar_eps, 0.0, "∂eps");
    }
    // A 1-D input of length 0: one empty lane.
    let empty = Array1::zeros(0);
    let (value, bar_x, bar_gamma, bar_beta, bar_eps) =
        layer_norm_1d_grad(&empty, &empty, &empty, 0.1);
    assert_same(value, 0.0, "value, 1-D");
    assert_same(
        value,
        layer_norm_1d(&empty, &empty, &empty, 0.1),
        "the original",
    );
    assert_eq!((bar_x.len(), bar_gamma.len(), bar_beta.len()), (0, 0, 0));
    assert_same(bar_eps, 0.0, "∂eps, 1-D");
    // 1×1: a lane of one value normalises to x̂ = 0, so y = beta: ∂x = 0, ∂gamma = w·x̂ = 0,
    // ∂beta = w, ∂eps = 0.
    let w = array![[2.5]];
    let (value, bar_x, bar_gamma, bar_beta, bar_eps) =
        layer_norm_of_grad(&array![[0.7]], &array![1.3], &array![-0.4], 0.1, &w);
    assert_same(value, -1.0, "w·beta");
    assert_all_same(&bar_x, &array![[0.0]], "∂x");
    assert_all_same(&bar_gamma, &array![0.0], "∂gamma");
    assert_all_same(&bar_beta, &array![2.5], "∂beta");
    assert_eq!(bar_eps, 0.0, "∂eps");
    for (seed, shape) in [(1, 1), (1, 3), (3, 2)].into_iter().enumerate() {
        let seed = 140 + 10 * seed as u64;
        let (x, gamma, beta, w) = (
            random(seed, shape),
            random(seed + 1, shape.1),
            random(seed + 2, shape.1),
            random(seed + 3, shape),
        );
        let (_, bar_x, bar_gamma, bar_beta, bar_eps) =
            layer_norm_of_grad(&x, &gamma, &beta, 0.1, &w);
        Checker::default()
            .names(["x", "gamma", "beta", "eps"])
            .check(
                |(x, g, b, eps)| layer_norm_of(x, g, b, *eps, &w),
                &(x, gamma, beta, 0.1),
                &(bar_x, bar_gamma, bar_beta, bar_eps),
            )
            .assert_ok();
    }
}

#[test]
fn shape_mismatches_still_panic_naming_both_shapes() {
    // The robustness fixes must not turn a real mismatch into a silent result.
    let bar = Array2::<f64>::zeros((2, 3));
    let err = std::panic::catch_unwind(|| {
        autodiff_runtime::array::unbroadcast(bar, &autodiff_runtime::ndarray::Ix1(2))
    })
    .expect_err("[2, 3] does not come from [2]");
    let message = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("unbroadcast") && message.contains("[2, 3]") && message.contains("[2]"),
        "{message}"
    );
    let x = Array2::<f64>::zeros((2, 0));
    let err = std::panic::catch_unwind(|| {
        nn::layer_norm_pullback(&x, &Array1::zeros(0), &Ix1(0), 0.1, Array2::zeros((3, 0)))
    })
    .expect_err("a [3, 0] cotangent for a [2, 0] input");
    let message = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("layer_norm") && message.contains("[2, 0]") && message.contains("[3, 0]"),
        "{message}"
    );
}
