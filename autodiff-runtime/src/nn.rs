//! Neural-network functions: numerically stable forwards, each followed by its fused pullback.
//!
//! The forwards are ordinary functions, valid to call anywhere; inside a `#[grad]` function the
//! macro pairs each with its `<name>_pullback`. Softmax-like functions work along the last axis.
//! Pullbacks take the output cotangent by value and reuse its buffer.
//!
//! Every pullback takes what it reads, and only that, in the order of the crate's convention
//! (the macro's table, `autodiff-macros/src/primitives.rs`, says what each reads): the inputs
//! it reads (arrays by reference; [`mean`]'s and [`layer_norm`]'s `beta`'s only as a shape,
//! `&a.raw_dim()`), then the output if it reads it, then the output cotangent; it returns the
//! cotangents of the float inputs (a tuple when there are several). `relu_pullback(&x, bar)`,
//! `tanh_pullback(&y, bar)`, `logsumexp_pullback(&x, &y, bar)`, `mean_pullback(&x_dim, bar)`.
//! The reverse sweep keeps exactly those.
//!
//! The elementwise pullbacks (`relu`, `sigmoid`, `tanh`, `exp`, `ln`, `gelu`) are each one scalar
//! rule `(v, bar) -> bar_x` of the input or of the output `v`, applied element by element in the
//! cotangent's buffer by one helper: the rules of [`crate::scalar`] (`scalar::tanh_pullback`
//! for [`tanh`], so `nn::tanh` and `x.tanh()` agree bit for bit), `relu`'s and `sigmoid`'s
//! written beside them (floats have no such methods), `gelu`'s composed from
//! `scalar::erf_pullback`.
//!
//! ```
//! use autodiff_runtime::{grad, nn, ndarray::{array, Array2}};
//!
//! #[grad]
//! fn loss(logits: &Array2<f64>, labels: &[usize]) -> f64 {
//!     nn::cross_entropy(logits, labels)
//! }
//!
//! let logits = array![[2.0, 0.0], [0.0, 0.0]];
//! let (l, bar_logits) = loss_grad(&logits, &[0, 1]);
//! // (softmax − onehot) / N, row by row.
//! let p = 1.0 / (1.0 + (-2.0_f64).exp());
//! assert!((bar_logits[[0, 0]] - (p - 1.0) / 2.0).abs() < 1e-12);
//! assert!((bar_logits[[1, 1]] - (0.5 - 1.0) / 2.0).abs() < 1e-12);
//! # let _ = l;
//! ```
//!
//! # Non-finite values and empty arrays
//!
//! As for floats ([`crate::scalar`]), values go through IEEE arithmetic. Softmax-like functions
//! subtract each lane's maximum, so large finite logits do not overflow; a −∞ logit is masked
//! out (probability 0, cotangent 0); a +∞ logit, or a lane of −∞ only, has no finite maximum to
//! subtract, and ∞ − ∞ = NaN appears in the lane's softmax and cotangents (as in JAX). `relu`
//! keeps a NaN. Empty arrays and batches of zero rows do not panic: reductions over no
//! elements give their empty value (`mean`, `mse` and `cross_entropy` 0/0 = NaN,
//! `logsumexp` of an empty lane ln 0 = −∞), and every cotangent is an empty sum: zeros, of the
//! operand's shape.
//!
//! ```
//! use autodiff_runtime::{grad, nn, ndarray::{array, Array2}};
//!
//! #[grad]
//! fn loss(logits: &Array2<f64>, labels: &[usize]) -> f64 {
//!     nn::cross_entropy(logits, labels)
//! }
//!
//! // e^1000 overflows, but 1000 − max does not: softmax [1, 0], loss 1000 − 0.
//! let (l, bar) = loss_grad(&array![[1000.0, 0.0]], &[1]);
//! assert_eq!((l, bar), (1000.0, array![[1.0, -1.0]]));
//!
//! // A batch of zero rows: the mean over no rows is NaN, the gradient has no entries.
//! let (l, bar) = loss_grad(&Array2::zeros((0, 3)), &[]);
//! assert!(l.is_nan() && bar.shape() == [0, 3]);
//! ```

use ndarray::{Array, Array1, ArrayBase, Axis, Data, Dimension, Ix1, Ix2, RemoveAxis, Zip};
use num_traits::Float;

use crate::scalar;

fn last_axis<D: Dimension>(dim: &D) -> Axis {
    assert!(
        dim.ndim() > 0,
        "softmax-like functions need at least one axis"
    );
    Axis(dim.ndim() - 1)
}

fn count<A: Float>(n: usize) -> A {
    A::from(n).unwrap_or_else(A::nan)
}

fn same_shape(op: &str, a: &[usize], b: &[usize]) {
    assert!(a == b, "{op}: shapes {a:?} and {b:?} differ");
}

/// The pullback of an elementwise function from its scalar rule `rule(v, bar) -> bar_x`, `v`
/// the input or the output (the signature of the one-argument pullbacks of [`crate::scalar`]):
/// each element of `bar` becomes `rule(v, bar)` of the elements at its position, in `bar`'s own
/// buffer.
///
/// # Panics
///
/// If `v` does not have `bar`'s shape; the message names `op` and both shapes.
#[inline]
fn elementwise_pullback<A, S, D>(
    op: &str,
    v: &ArrayBase<S, D>,
    mut bar: Array<A, D>,
    rule: impl Fn(A, A) -> A,
) -> Array<A, D>
where
    A: Float,
    S: Data<Elem = A>,
    D: Dimension,
{
    same_shape(op, v.shape(), bar.shape());
    Zip::from(&mut bar)
        .and(v)
        .for_each(|b, &v| *b = rule(v, *b));
    bar
}

/// `max(x, 0)` element-wise; a NaN stays NaN.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// assert_eq!(nn::relu(&array![-1.0_f64, 0.0, 2.0]), array![0.0, 0.0, 2.0]);
/// assert!(nn::relu(&array![f64::NAN])[0].is_nan());
/// ```
pub fn relu<A: Float, S: Data<Elem = A>, D: Dimension>(x: &ArrayBase<S, D>) -> Array<A, D> {
    // The pullback's test, `x <= 0`, which is false at a NaN: so a NaN propagates (instead of
    // becoming 0, as `if v > 0 { v } else { 0 }` made it) and the forward agrees with the
    // pullback, which passes the cotangent there.
    x.mapv(|v| if v <= A::zero() { A::zero() } else { v })
}

/// Pullback of [`relu`]: 0 where `x ≤ 0` (the subgradient 0 at 0), else the cotangent (also at a
/// NaN, where `relu` is the identity).
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// let x = array![-1.0_f64, 0.0, 2.0];
/// assert_eq!(nn::relu_pullback(&x, array![5.0, 5.0, 5.0]), array![0.0, 0.0, 5.0]);
/// ```
pub fn relu_pullback<A: Float, S: Data<Elem = A>, D: Dimension>(
    x: &ArrayBase<S, D>,
    bar: Array<A, D>,
) -> Array<A, D> {
    elementwise_pullback("relu pullback", x, bar, |x, bar| {
        if x <= A::zero() { A::zero() } else { bar }
    })
}

/// `1 / (1 + e⁻ˣ)` element-wise, without overflow for large `|x|`.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// assert_eq!(nn::sigmoid(&array![0.0_f64]), array![0.5]);
/// ```
pub fn sigmoid<A: Float, S: Data<Elem = A>, D: Dimension>(x: &ArrayBase<S, D>) -> Array<A, D> {
    x.mapv(|v| {
        if v >= A::zero() {
            A::one() / (A::one() + (-v).exp())
        } else {
            let e = v.exp();
            e / (A::one() + e)
        }
    })
}

/// Pullback of [`sigmoid`] from its output `y`: `bar · y · (1 − y)`.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// let x = array![0.0_f64];
/// assert_eq!(nn::sigmoid_pullback(&nn::sigmoid(&x), array![4.0]), array![1.0]);
/// ```
pub fn sigmoid_pullback<A: Float, D: Dimension>(y: &Array<A, D>, bar: Array<A, D>) -> Array<A, D> {
    elementwise_pullback("sigmoid pullback", y, bar, |y, bar| {
        bar * y * (A::one() - y)
    })
}

/// `tanh x` element-wise.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// assert_eq!(nn::tanh(&array![0.0_f64]), array![0.0]);
/// ```
pub fn tanh<A: Float, S: Data<Elem = A>, D: Dimension>(x: &ArrayBase<S, D>) -> Array<A, D> {
    x.mapv(A::tanh)
}

/// Pullback of [`tanh`] from its output `y`: `bar · (1 − y²)`, [`scalar::tanh_pullback`] elementwise.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// let x = array![0.0_f64];
/// assert_eq!(nn::tanh_pullback(&nn::tanh(&x), array![3.0]), array![3.0]);
/// ```
pub fn tanh_pullback<A: Float, D: Dimension>(y: &Array<A, D>, bar: Array<A, D>) -> Array<A, D> {
    elementwise_pullback("tanh pullback", y, bar, scalar::tanh_pullback)
}

/// `eˣ` element-wise.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// assert_eq!(nn::exp(&array![0.0_f64]), array![1.0]);
/// ```
pub fn exp<A: Float, S: Data<Elem = A>, D: Dimension>(x: &ArrayBase<S, D>) -> Array<A, D> {
    x.mapv(A::exp)
}

/// Pullback of [`exp`] from its output `y`: `bar · y`, [`scalar::exp_pullback`] elementwise.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// let x = array![0.0_f64];
/// assert_eq!(nn::exp_pullback(&nn::exp(&x), array![3.0]), array![3.0]);
/// ```
pub fn exp_pullback<A: Float, D: Dimension>(y: &Array<A, D>, bar: Array<A, D>) -> Array<A, D> {
    elementwise_pullback("exp pullback", y, bar, scalar::exp_pullback)
}

/// `ln x` element-wise.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// assert_eq!(nn::ln(&array![1.0_f64]), array![0.0]);
/// ```
pub fn ln<A: Float, S: Data<Elem = A>, D: Dimension>(x: &ArrayBase<S, D>) -> Array<A, D> {
    x.mapv(A::ln)
}

/// Pullback of [`ln`]: `bar · x⁻¹`, [`scalar::ln_pullback`] elementwise (the reciprocal does not
/// wait for the cotangent; the result may differ from `bar / x` in the last bit).
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// let x = array![2.0_f64];
/// assert_eq!(nn::ln_pullback(&x, array![3.0]), array![1.5]);
/// ```
pub fn ln_pullback<A: Float, S: Data<Elem = A>, D: Dimension>(
    x: &ArrayBase<S, D>,
    bar: Array<A, D>,
) -> Array<A, D> {
    elementwise_pullback("ln pullback", x, bar, scalar::ln_pullback)
}

/// The exact GELU, `x · Φ(x)` element-wise, with `Φ(x) = (1 + erf(x/√2))/2` the standard normal
/// distribution function (not the `tanh` approximation).
///
/// `Φ(x)` is computed as `erfc(−x/√2)/2` (`libm::erfc`, in `f64` like [`scalar::erf`]), equal
/// to `(1 + erf(x/√2))/2` but without its cancellation for large negative `x`, where
/// `1 + erf` would round to 0: `gelu(−10) ≈ −7.6·10⁻²³`, not `−0`. As everywhere, values go
/// through IEEE arithmetic: `gelu(∞) = ∞`, `gelu(−∞) = −∞ · 0 = NaN`, a NaN stays NaN.
///
/// ```
/// use autodiff_runtime::{grad, nn, ndarray::{array, Array1}};
///
/// let y = nn::gelu(&array![0.0_f64, 1.0, -10.0]);
/// assert_eq!(y[0], 0.0);
/// assert!((y[1] - 0.841_344_746_068_542_9).abs() < 1e-15); // Φ(1)
/// assert!(y[2] < 0.0 && y[2] > -1e-22);
///
/// #[grad]
/// fn f(x: &Array1<f32>) -> f32 {
///     nn::gelu(x).sum()
/// }
/// let (_, bar_x) = f_grad(&array![0.0_f32]);
/// assert_eq!(bar_x, array![0.5]); // gelu′(0) = Φ(0) = 1/2
/// ```
pub fn gelu<A: Float, S: Data<Elem = A>, D: Dimension>(x: &ArrayBase<S, D>) -> Array<A, D> {
    x.mapv(|v| v * normal_cdf(v))
}

/// `Φ(x) = erfc(−x/√2)/2`, computed in `f64`.
fn normal_cdf<A: Float>(x: A) -> A {
    match x.to_f64() {
        Some(x) => {
            A::from(0.5 * libm::erfc(-x * std::f64::consts::FRAC_1_SQRT_2)).unwrap_or_else(A::nan)
        }
        None => A::nan(),
    }
}

/// The scalar rule of [`gelu`], by the chain rule through `x · (1 + erf(u))/2` with
/// `u = x/√2` and the rule of [`scalar::erf`]: `bar · Φ(x) + erf_pullback(u, bar · x/2)/√2`,
/// that is `bar · (Φ(x) + x · φ(x))` with `φ` the standard normal density.
fn gelu_rule<A: Float>(x: A, bar: A) -> A {
    let half = A::from(0.5).unwrap_or_else(A::nan);
    let frac_1_sqrt_2 = A::from(std::f64::consts::FRAC_1_SQRT_2).unwrap_or_else(A::nan);
    let phi = normal_cdf(x);
    let u = x * frac_1_sqrt_2;
    bar * phi + scalar::erf_pullback(u, bar * x * half) * frac_1_sqrt_2
}

/// Pullback of [`gelu`]: `bar · (Φ(x) + x · φ(x))`, with `φ(x) = e^(−x²/2)/√(2π)` the standard
/// normal density, derived from [`scalar::erf_pullback`] by the chain rule and applied
/// elementwise. `Φ(x)` is computed again from `x` (dividing `y` by `x` would fail at 0). At ±∞
/// the term `x · φ(x)` is `∞ · 0 = NaN`, as IEEE arithmetic of the formula gives.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// let x = array![0.0_f64, 1.0];
/// let bar = nn::gelu_pullback(&x, array![2.0, 1.0]);
/// assert_eq!(bar[0], 1.0); // 2 · Φ(0)
/// // Φ(1) + φ(1)
/// let expected = 0.841_344_746_068_542_9 + (-0.5_f64).exp() / (2.0 * std::f64::consts::PI).sqrt();
/// assert!((bar[1] - expected).abs() < 1e-15);
/// ```
pub fn gelu_pullback<A: Float, S: Data<Elem = A>, D: Dimension>(
    x: &ArrayBase<S, D>,
    bar: Array<A, D>,
) -> Array<A, D> {
    elementwise_pullback("gelu pullback", x, bar, gelu_rule)
}

/// Softmax along the last axis, computed as `exp(x − max)` normalised so it never overflows.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// let p = nn::softmax(&array![[1000.0_f64, 1000.0]]);
/// assert_eq!(p, array![[0.5, 0.5]]);
/// ```
pub fn softmax<A: Float, S: Data<Elem = A>, D: Dimension + RemoveAxis>(
    x: &ArrayBase<S, D>,
) -> Array<A, D> {
    let mut y = x.to_owned();
    for mut lane in y.lanes_mut(last_axis(&x.raw_dim())) {
        let max = lane.fold(A::neg_infinity(), |m, &v| m.max(v));
        lane.mapv_inplace(|v| (v - max).exp());
        let sum = lane.fold(A::zero(), |s, &v| s + v);
        lane.mapv_inplace(|v| v / sum);
    }
    y
}

/// Pullback of [`softmax`] from its output `y`: `y ⊙ (bar − Σ bar ⊙ y)` along the last axis.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// let x = array![[0.0_f64, 0.0]];
/// // A cotangent constant along the axis has no effect: softmax is shift-invariant.
/// assert_eq!(nn::softmax_pullback(&nn::softmax(&x), array![[1.0, 1.0]]), array![[0.0, 0.0]]);
/// ```
pub fn softmax_pullback<A: Float, D: Dimension + RemoveAxis>(
    y: &Array<A, D>,
    mut bar: Array<A, D>,
) -> Array<A, D> {
    same_shape("softmax pullback", y.shape(), bar.shape());
    let axis = last_axis(&y.raw_dim());
    for (mut b, p) in bar.lanes_mut(axis).into_iter().zip(y.lanes(axis)) {
        let dot = Zip::from(&b)
            .and(&p)
            .fold(A::zero(), |acc, &b, &p| acc + b * p);
        Zip::from(&mut b)
            .and(&p)
            .for_each(|b, &p| *b = p * (*b - dot));
    }
    bar
}

/// Log-softmax along the last axis: `x − max − ln Σ exp(x − max)`.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// let y = nn::log_softmax(&array![0.0_f64, 0.0]);
/// assert!((y[0] + 2.0_f64.ln()).abs() < 1e-15);
/// ```
pub fn log_softmax<A: Float, S: Data<Elem = A>, D: Dimension + RemoveAxis>(
    x: &ArrayBase<S, D>,
) -> Array<A, D> {
    let mut y = x.to_owned();
    for mut lane in y.lanes_mut(last_axis(&x.raw_dim())) {
        let max = lane.fold(A::neg_infinity(), |m, &v| m.max(v));
        let sum = lane.fold(A::zero(), |s, &v| s + (v - max).exp());
        let shift = max + sum.ln();
        lane.mapv_inplace(|v| v - shift);
    }
    y
}

/// Pullback of [`log_softmax`] from its output `y`: `bar − softmax(x) · Σ bar` along the last
/// axis, with `softmax(x) = eʸ`.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// let x = array![0.0_f64, 0.0];
/// let bar = nn::log_softmax_pullback(&nn::log_softmax(&x), array![1.0, 0.0]);
/// assert!((bar[0] - 0.5).abs() < 1e-15 && (bar[1] + 0.5).abs() < 1e-15);
/// ```
pub fn log_softmax_pullback<A: Float, D: Dimension + RemoveAxis>(
    y: &Array<A, D>,
    mut bar: Array<A, D>,
) -> Array<A, D> {
    same_shape("log_softmax pullback", y.shape(), bar.shape());
    let axis = last_axis(&y.raw_dim());
    for (mut b, logp) in bar.lanes_mut(axis).into_iter().zip(y.lanes(axis)) {
        let total = b.fold(A::zero(), |s, &v| s + v);
        Zip::from(&mut b)
            .and(&logp)
            .for_each(|b, &lp| *b = *b - lp.exp() * total);
    }
    bar
}

/// `ln Σ exp x` along the last axis (one value per lane), computed around the lane's maximum.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// let y = nn::logsumexp(&array![[1000.0_f64, 1000.0]]);
/// assert!((y[0] - (1000.0 + 2.0_f64.ln())).abs() < 1e-12);
/// ```
pub fn logsumexp<A: Float, S: Data<Elem = A>, D: Dimension + RemoveAxis>(
    x: &ArrayBase<S, D>,
) -> Array<A, D::Smaller> {
    x.map_axis(last_axis(&x.raw_dim()), |lane| {
        let max = lane.fold(A::neg_infinity(), |m, &v| m.max(v));
        if max.is_infinite() {
            return max;
        }
        max + lane.fold(A::zero(), |s, &v| s + (v - max).exp()).ln()
    })
}

/// Pullback of [`logsumexp`]: `softmax(x) · bar` broadcast along the last axis.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// let x = array![[0.0_f64, 0.0]];
/// assert_eq!(nn::logsumexp_pullback(&x, &nn::logsumexp(&x), array![2.0]), array![[1.0, 1.0]]);
/// ```
pub fn logsumexp_pullback<A: Float, S: Data<Elem = A>, D: Dimension + RemoveAxis>(
    x: &ArrayBase<S, D>,
    y: &Array<A, D::Smaller>,
    bar: Array<A, D::Smaller>,
) -> Array<A, D> {
    same_shape("logsumexp pullback", y.shape(), bar.shape());
    let axis = last_axis(&x.raw_dim());
    let mut out = x.to_owned();
    for ((mut lane, &lse), &b) in out
        .lanes_mut(axis)
        .into_iter()
        .zip(y.iter())
        .zip(bar.iter())
    {
        lane.mapv_inplace(|v| (v - lse).exp() * b);
    }
    out
}

/// The mean of all elements.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// assert_eq!(nn::mean(&array![[1.0_f64, 2.0], [3.0, 6.0]]), 3.0);
/// ```
pub fn mean<A: Float, S: Data<Elem = A>, D: Dimension>(x: &ArrayBase<S, D>) -> A {
    x.fold(A::zero(), |s, &v| s + v) / count(x.len())
}

/// Pullback of [`mean`], from the input's shape `dim` alone: `bar / n` everywhere.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// let x = array![1.0_f64, 3.0];
/// assert_eq!(nn::mean_pullback(&x.raw_dim(), 4.0), array![2.0, 2.0]);
/// ```
pub fn mean_pullback<A: Float, D: Dimension>(dim: &D, bar: A) -> Array<A, D> {
    Array::from_elem(dim.clone(), bar / count(dim.size()))
}

/// The mean squared difference of all elements, `mean((a − b)²)`.
///
/// # Panics
///
/// If the shapes differ.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// assert_eq!(nn::mse(&array![1.0_f64, 2.0], &array![1.0, 4.0]), 2.0);
/// ```
pub fn mse<A: Float, S: Data<Elem = A>, S2: Data<Elem = A>, D: Dimension>(
    a: &ArrayBase<S, D>,
    b: &ArrayBase<S2, D>,
) -> A {
    same_shape("mse", a.shape(), b.shape());
    Zip::from(a)
        .and(b)
        .fold(A::zero(), |s, &a, &b| s + (a - b) * (a - b))
        / count(a.len())
}

/// Pullback of [`mse`]: `(2(a − b)/n · bar, −2(a − b)/n · bar)`.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// let (a, b) = (array![1.0_f64, 2.0], array![1.0, 4.0]);
/// let (bar_a, bar_b) = nn::mse_pullback(&a, &b, 1.0);
/// assert_eq!((bar_a, bar_b), (array![0.0, -2.0], array![0.0, 2.0]));
/// ```
pub fn mse_pullback<A: Float, S: Data<Elem = A>, S2: Data<Elem = A>, D: Dimension>(
    a: &ArrayBase<S, D>,
    b: &ArrayBase<S2, D>,
    bar: A,
) -> (Array<A, D>, Array<A, D>) {
    same_shape("mse pullback", a.shape(), b.shape());
    let scale = (A::one() + A::one()) * bar / count(a.len());
    let bar_a = Zip::from(a).and(b).map_collect(|&a, &b| (a - b) * scale);
    let bar_b = bar_a.mapv(|v| -v);
    (bar_a, bar_b)
}

/// Cross-entropy of logits against integer labels: the mean over rows of `−log_softmax(row)[label]`.
///
/// # Panics
///
/// If the number of labels differs from the number of rows, or a label is out of range.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// let l = nn::cross_entropy(&array![[0.0_f64, 0.0]], &[1]);
/// assert!((l - 2.0_f64.ln()).abs() < 1e-15);
/// ```
pub fn cross_entropy<A: Float, S: Data<Elem = A>>(
    logits: &ArrayBase<S, Ix2>,
    labels: &[usize],
) -> A {
    check_labels(logits, labels);
    let lse = logsumexp(logits);
    let total = labels
        .iter()
        .enumerate()
        .fold(A::zero(), |s, (row, &label)| {
            s + lse[row] - logits[[row, label]]
        });
    total / count(labels.len())
}

fn check_labels<A, S: Data<Elem = A>>(logits: &ArrayBase<S, Ix2>, labels: &[usize]) {
    assert!(
        logits.nrows() == labels.len(),
        "cross_entropy: logits of shape {:?} need one label per row, got {} labels",
        logits.shape(),
        labels.len()
    );
    if let Some(&bad) = labels.iter().find(|&&l| l >= logits.ncols()) {
        panic!(
            "cross_entropy: label {bad} is out of range for logits of shape {:?}",
            logits.shape()
        );
    }
}

/// Pullback of [`cross_entropy`] with respect to the logits: `(softmax − onehot) / N · bar`.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// let logits = array![[0.0_f64, 0.0]];
/// let bar = nn::cross_entropy_pullback(&logits, &[1], 1.0);
/// assert_eq!(bar, array![[0.5, -0.5]]);
/// ```
pub fn cross_entropy_pullback<A: Float, S: Data<Elem = A>>(
    logits: &ArrayBase<S, Ix2>,
    labels: &[usize],
    bar: A,
) -> ndarray::Array2<A> {
    check_labels(logits, labels);
    let mut grad = softmax(logits);
    let scale = bar / count(labels.len());
    for (mut row, &label) in grad.rows_mut().into_iter().zip(labels) {
        row[label] = row[label] - A::one();
        row.mapv_inplace(|v| v * scale);
    }
    grad
}

/// Layer normalisation along the last axis: `(x − mean) / √(var + eps) · gamma + beta`, with
/// `gamma` and `beta` of the last axis' length.
///
/// # Panics
///
/// If `gamma` or `beta` do not have the length of the last axis.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// let y = nn::layer_norm(&array![[1.0_f64, 3.0]], &array![1.0, 1.0], &array![0.0, 0.0], 0.0);
/// assert_eq!(y, array![[-1.0, 1.0]]);
/// ```
pub fn layer_norm<A, S, S2, S3, D>(
    x: &ArrayBase<S, D>,
    gamma: &ArrayBase<S2, Ix1>,
    beta: &ArrayBase<S3, Ix1>,
    eps: A,
) -> Array<A, D>
where
    A: Float,
    S: Data<Elem = A>,
    S2: Data<Elem = A>,
    S3: Data<Elem = A>,
    D: Dimension + RemoveAxis,
{
    let axis = last_axis(&x.raw_dim());
    check_affine("layer_norm", x.shape(), gamma.len(), beta.len());
    let mut y = x.to_owned();
    for mut lane in y.lanes_mut(axis) {
        let (mean, inv_std) = moments(lane.view(), eps);
        Zip::from(&mut lane)
            .and(gamma)
            .and(beta)
            .for_each(|v, &g, &b| *v = (*v - mean) * inv_std * g + b);
    }
    y
}

fn check_affine(op: &str, x: &[usize], gamma: usize, beta: usize) {
    let last = x.last().copied().unwrap_or(0);
    assert!(
        gamma == last && beta == last,
        "{op}: gamma of shape [{gamma}] and beta of shape [{beta}] must match the last axis of x \
         of shape {x:?}"
    );
}

fn moments<A: Float>(lane: ndarray::ArrayView1<A>, eps: A) -> (A, A) {
    let n = count::<A>(lane.len());
    let mean = lane.fold(A::zero(), |s, &v| s + v) / n;
    let var = lane.fold(A::zero(), |s, &v| s + (v - mean) * (v - mean)) / n;
    (mean, A::one() / (var + eps).sqrt())
}

/// Pullback of [`layer_norm`], from `x`, `gamma`, `beta`'s shape alone and `eps`:
/// `(bar_x, bar_gamma, bar_beta, bar_eps)`, with the coupled backward
/// of the normalisation: `bar_x = inv_std · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂))` where
/// `ĝ = bar ⊙ gamma`, and `bar_eps = −Σ ĝ ⊙ x̂ / (2 (var + eps))`.
///
/// ```
/// use autodiff_runtime::{nn, ndarray::array};
/// let (x, g, b) = (array![[1.0_f64, 3.0]], array![1.0, 1.0], array![0.0, 0.0]);
/// let y = nn::layer_norm(&x, &g, &b, 0.0);
/// let (bar_x, bar_g, bar_b, bar_eps) =
///     nn::layer_norm_pullback(&x, &g, &b.raw_dim(), 0.0, array![[1.0, 1.0]]);
/// assert_eq!((bar_x, bar_g, bar_b), (array![[0.0, 0.0]], array![-1.0, 1.0], array![1.0, 1.0]));
/// assert_eq!(bar_eps, 0.0);
/// ```
pub fn layer_norm_pullback<A, S, S2, D>(
    x: &ArrayBase<S, D>,
    gamma: &ArrayBase<S2, Ix1>,
    beta_dim: &Ix1,
    eps: A,
    mut bar: Array<A, D>,
) -> (Array<A, D>, Array1<A>, Array1<A>, A)
where
    A: Float,
    S: Data<Elem = A>,
    S2: Data<Elem = A>,
    D: Dimension + RemoveAxis,
{
    same_shape("layer_norm pullback", x.shape(), bar.shape());
    check_affine("layer_norm pullback", x.shape(), gamma.len(), beta_dim[0]);
    let axis = last_axis(&x.raw_dim());
    let width = gamma.len();
    let mut bar_gamma = Array1::zeros(width);
    let mut bar_beta = Array1::zeros(width);
    let n = count::<A>(width);
    let mut bar_eps = A::zero();
    if width == 0 {
        // Empty lanes: the output has no entries, so nothing depends on `eps`. (Their moments
        // are 0/0 = NaN, and the loop below would give `bar_eps = 0 · NaN = NaN`.)
        return (bar, bar_gamma, bar_beta, A::zero());
    }
    let two = A::one() + A::one();
    for (mut b, xs) in bar.lanes_mut(axis).into_iter().zip(x.lanes(axis)) {
        let (mean, inv_std) = moments(xs, eps);
        let mut sum_g = A::zero();
        let mut sum_gx = A::zero();
        for i in 0..width {
            let x_hat = (xs[i] - mean) * inv_std;
            bar_gamma[i] = bar_gamma[i] + b[i] * x_hat;
            bar_beta[i] = bar_beta[i] + b[i];
            let g = b[i] * gamma[i];
            sum_g = sum_g + g;
            sum_gx = sum_gx + g * x_hat;
        }
        // x̂ = (x − μ)(var + eps)^(−1/2), so ∂x̂/∂eps = −x̂ · inv_std² / 2.
        bar_eps = bar_eps - sum_gx * inv_std * inv_std / two;
        for i in 0..width {
            let x_hat = (xs[i] - mean) * inv_std;
            let g = b[i] * gamma[i];
            b[i] = inv_std * (g - sum_g / n - x_hat * sum_gx / n);
        }
    }
    (bar, bar_gamma, bar_beta, bar_eps)
}
