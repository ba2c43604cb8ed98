//! Pullbacks of the float methods `#[grad]` differentiates, and the scalar functions it knows
//! beyond `std`'s methods ([`erf`]), each forward beside its pullback.
//!
//! Every pullback has the signature the crate uses for all rules: it receives the inputs it
//! reads (in parameter order, the receiver first), then the output if it reads it, then the
//! output cotangent, and returns the cotangents of the float inputs in parameter order (a tuple
//! when there are several). What it reads is exactly what the macro's table
//! (`autodiff-macros/src/primitives.rs`) says, and all the reverse sweep keeps for it: `sin`
//! reads its input, `exp` its output, `signum` nothing, `hypot` both inputs and the output.
//! Inputs that are not floats (the integer exponent of `powi`) are passed when read but get no
//! cotangent. (A `#[custom_vjp]` pullback receives every input and the output: the macro cannot
//! know what it reads.)
//!
//! The generated code calls `autodiff_runtime::scalar::<method>_pullback`; for `x.sin()` and
//! `x.exp()` (and `scalar::<function>_pullback` for a function of this module written
//! `scalar::erf(x)` in a `#[grad]` body):
//!
//! ```
//! use autodiff_runtime::scalar::{exp_pullback, sin_pullback};
//! let (x, bar_y) = (0.5_f64, 2.0);
//! assert_eq!(sin_pullback(x, bar_y), bar_y * x.cos());
//! assert_eq!(exp_pullback(x.exp(), bar_y), bar_y * x.exp());
//! ```
//!
//! Where the reverse sweep would have to keep the input of `sin` or `cos` (it is computed in a
//! loop, not read from a parameter), the forward sweep computes the other one beside it, which
//! costs little more (one `sincos`), and keeps that instead: the sweep then calls
//! [`sin_pullback_from_cos`]`(cos_x, bar_y)` or [`cos_pullback_from_sin`]`(sin_x, bar_y)`.
//!
//! A derivative with a quotient is written as the cotangent times a quotient that does not
//! depend on it (`bar_y · (2y)⁻¹` for `sqrt`, not `bar_y / 2y`; `bar · (x / h)` for `hypot`):
//! the division can then start as soon as the forward values exist and overlap the rest of the
//! reverse sweep, instead of waiting for the cotangent on the sweep's critical path. With a unit
//! cotangent the result is the same as the quotient's; otherwise it may differ from it in the
//! last bit. (`#[grad]` does the same for `a / b`, with `b.recip()` computed
//! before the sweep.)
//!
//! # Nonsmooth points
//!
//! Where a function has no derivative, the pullback returns a fixed subgradient, documented on the
//! function: `abs` and `signum` give 0 at 0, `max`/`min` send the whole cotangent to the first
//! argument on a tie, `hypot` gives 0 at the origin. Where the derivative is infinite (`sqrt`,
//! `cbrt` at 0, `asin`/`acos` at ±1) the pullback follows IEEE arithmetic and returns ±∞ (or NaN
//! when the cotangent is 0), as JAX does.
//!
//! # NaN and infinities
//!
//! Apart from the conventions above, every pullback evaluates its closed-form derivative in IEEE
//! arithmetic: a NaN or ±∞ reaches exactly the cotangents whose formula reads it. With `f = 2x + sin y`
//! and `x = NaN` the value is NaN but `∂y = cos y` (and `∂x = 2`); `eˣ` at ∞ has slope ∞,
//! `tanh` at ±∞ slope 0, `1/x` at ±0 slope −∞. A derivative is computed from the formula even
//! outside the domain: `ln` at −1 gives the value NaN and the cotangent `1/x = −1`, as in JAX.
//! `0 · ∞ = NaN` applies too, so a zero cotangent reaching an infinite slope gives NaN.
//!
//! ```
//! use autodiff_runtime::grad;
//!
//! #[grad]
//! fn f(x: f64, y: f64) -> f64 {
//!     x * 2.0 + y.sin()
//! }
//!
//! let (value, dx, dy) = f_grad(f64::NAN, 0.5);
//! assert!(value.is_nan());
//! assert_eq!((dx, dy), (2.0, 0.5_f64.cos()));
//! ```

use num_traits::Float;

#[inline(always)]
fn two<T: Float>() -> T {
    T::one() + T::one()
}

#[inline(always)]
fn ten<T: Float>() -> T {
    T::from(10.0).unwrap_or_else(T::nan)
}

/// The pullbacks of one-argument methods, each reading its input `x` or its output `y`, never
/// both: `name_pullback(x, bar_y)` or `name_pullback(y, bar_y)`.
macro_rules! unary_pullbacks {
    ($( $(#[$doc:meta])* $name:ident($v:ident, $bar:ident) = $body:expr; )*) => {$(
        $(#[$doc])*
        #[inline]
        pub fn $name<T: Float>($v: T, $bar: T) -> T {
            $body
        }
    )*};
}

unary_pullbacks! {
    /// Pullback of `x.sin()`: `bar_y · cos x`.
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::scalar::sin_pullback(0.0_f64, 3.0), 3.0);
    /// ```
    sin_pullback(x, bar_y) = bar_y * x.cos();
    /// Pullback of `x.cos()`: `−bar_y · sin x`.
    ///
    /// ```
    /// let x = std::f64::consts::FRAC_PI_2;
    /// assert_eq!(autodiff_runtime::scalar::cos_pullback(x, 2.0), -2.0);
    /// ```
    cos_pullback(x, bar_y) = -(bar_y * x.sin());
    /// Pullback of `x.sin()` from `cos x`, which the forward sweep computed beside `sin x` (one
    /// `sincos`) where it would otherwise keep `x`: `bar_y · cos x`, the same bits as
    /// [`sin_pullback`].
    ///
    /// ```
    /// use autodiff_runtime::scalar::{sin_pullback, sin_pullback_from_cos};
    /// let x = 0.7_f64;
    /// assert_eq!(sin_pullback_from_cos(x.cos(), 3.0), sin_pullback(x, 3.0));
    /// ```
    sin_pullback_from_cos(cos_x, bar_y) = bar_y * cos_x;
    /// Pullback of `x.cos()` from `sin x`, which the forward sweep computed beside `cos x`:
    /// `−bar_y · sin x`, the same bits as [`cos_pullback`].
    ///
    /// ```
    /// use autodiff_runtime::scalar::{cos_pullback, cos_pullback_from_sin};
    /// let x = 0.7_f64;
    /// assert_eq!(cos_pullback_from_sin(x.sin(), 3.0), cos_pullback(x, 3.0));
    /// ```
    cos_pullback_from_sin(sin_x, bar_y) = -(bar_y * sin_x);
    /// Pullback of `x.tan()`: `bar_y · (1 + y²)`.
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::scalar::tan_pullback(0.0_f64, 2.0), 2.0);
    /// ```
    tan_pullback(y, bar_y) = bar_y * (T::one() + y * y);
    /// Pullback of `x.asin()`: `bar_y / √(1 − x²)`; ±∞ at x = ±1.
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::scalar::asin_pullback(0.0_f64, 2.0), 2.0);
    /// ```
    asin_pullback(x, bar_y) = bar_y * (T::one() - x * x).sqrt().recip();
    /// Pullback of `x.acos()`: `−bar_y / √(1 − x²)`; ∓∞ at x = ±1.
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::scalar::acos_pullback(0.0_f64, 2.0), -2.0);
    /// ```
    acos_pullback(x, bar_y) = -(bar_y * (T::one() - x * x).sqrt().recip());
    /// Pullback of `x.atan()`: `bar_y / (1 + x²)`.
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::scalar::atan_pullback(1.0_f64, 2.0), 1.0);
    /// ```
    atan_pullback(x, bar_y) = bar_y * (T::one() + x * x).recip();
    /// Pullback of `x.sinh()`: `bar_y · cosh x`.
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::scalar::sinh_pullback(0.0_f64, 2.0), 2.0);
    /// ```
    sinh_pullback(x, bar_y) = bar_y * x.cosh();
    /// Pullback of `x.cosh()`: `bar_y · sinh x`.
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::scalar::cosh_pullback(0.0_f64, 2.0), 0.0);
    /// ```
    cosh_pullback(x, bar_y) = bar_y * x.sinh();
    /// Pullback of `x.tanh()`: `bar_y · (1 − y²)`.
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::scalar::tanh_pullback(0.0_f64, 2.0), 2.0);
    /// ```
    tanh_pullback(y, bar_y) = bar_y * (T::one() - y * y);
    /// Pullback of `x.exp()`: `bar_y · y`.
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::scalar::exp_pullback(1.0_f64, 2.0), 2.0);
    /// ```
    exp_pullback(y, bar_y) = bar_y * y;
    /// Pullback of `x.exp2()`: `bar_y · y · ln 2`.
    ///
    /// ```
    /// let d = autodiff_runtime::scalar::exp2_pullback(1.0_f64, 1.0);
    /// assert_eq!(d, std::f64::consts::LN_2);
    /// ```
    exp2_pullback(y, bar_y) = bar_y * y * two::<T>().ln();
    /// Pullback of `x.exp_m1()`: `bar_y · (y + 1)`.
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::scalar::exp_m1_pullback(0.0_f64, 2.0), 2.0);
    /// ```
    exp_m1_pullback(y, bar_y) = bar_y * (y + T::one());
    /// Pullback of `x.ln()`: `bar_y / x`; ∞ at 0.
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::scalar::ln_pullback(2.0_f64, 1.0), 0.5);
    /// ```
    ln_pullback(x, bar_y) = bar_y * x.recip();
    /// Pullback of `x.ln_1p()`: `bar_y / (1 + x)`.
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::scalar::ln_1p_pullback(1.0_f64, 1.0), 0.5);
    /// ```
    ln_1p_pullback(x, bar_y) = bar_y * (T::one() + x).recip();
    /// Pullback of `x.log2()`: `bar_y / (x · ln 2)`.
    ///
    /// ```
    /// let d = autodiff_runtime::scalar::log2_pullback(1.0_f64, 1.0);
    /// assert_eq!(d, 1.0 / std::f64::consts::LN_2);
    /// ```
    log2_pullback(x, bar_y) = bar_y * (x * two::<T>().ln()).recip();
    /// Pullback of `x.log10()`: `bar_y / (x · ln 10)`.
    ///
    /// ```
    /// let d = autodiff_runtime::scalar::log10_pullback(1.0_f64, 1.0);
    /// assert_eq!(d, 1.0 / std::f64::consts::LN_10);
    /// ```
    log10_pullback(x, bar_y) = bar_y * (x * ten::<T>().ln()).recip();
    /// Pullback of `x.sqrt()`: `bar_y / (2y)`; +∞ at 0.
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::scalar::sqrt_pullback(2.0_f64, 1.0), 0.25);
    /// ```
    sqrt_pullback(y, bar_y) = bar_y * (two::<T>() * y).recip();
    /// Pullback of `x.cbrt()`: `bar_y / (3y²)`; +∞ at 0.
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::scalar::cbrt_pullback(2.0_f64, 12.0), 1.0);
    /// ```
    cbrt_pullback(y, bar_y) = bar_y * ((two::<T>() + T::one()) * y * y).recip();
    /// Pullback of `x.recip()`: `−bar_y · y²`.
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::scalar::recip_pullback(0.5_f64, 1.0), -0.25);
    /// ```
    recip_pullback(y, bar_y) = -(bar_y * y * y);
    /// Pullback of `x.abs()`: `bar_y · sign x`, with the subgradient 0 at x = 0 (as JAX).
    ///
    /// ```
    /// use autodiff_runtime::scalar::abs_pullback;
    /// assert_eq!(abs_pullback(-3.0_f64, 2.0), -2.0);
    /// assert_eq!(abs_pullback(0.0_f64, 2.0), 0.0);
    /// ```
    abs_pullback(x, bar_y) = if x > T::zero() {
        bar_y
    } else if x < T::zero() {
        -bar_y
    } else {
        T::zero()
    };
}

/// Pullback of `x.signum()`: 0 everywhere, including at 0 where `signum` jumps; it reads nothing.
///
/// ```
/// assert_eq!(autodiff_runtime::scalar::signum_pullback(2.0_f64), 0.0);
/// ```
#[inline]
pub fn signum_pullback<T: Float>(bar_y: T) -> T {
    let _ = bar_y;
    T::zero()
}

/// Pullback of `x.powi(n)`: `bar_y · n · xⁿ⁻¹`; the exponent is an integer and gets no cotangent.
/// For `n = 0` the result is 0 everywhere (also at `x = 0`).
///
/// ```
/// assert_eq!(autodiff_runtime::scalar::powi_pullback(3.0_f64, 2, 1.0), 6.0);
/// ```
#[inline]
pub fn powi_pullback<T: Float>(x: T, n: i32, bar_y: T) -> T {
    let n_float = T::from(n).unwrap_or_else(T::nan);
    match n.checked_sub(1) {
        _ if n == 0 => T::zero(),
        Some(n_minus_1) => bar_y * n_float * x.powi(n_minus_1),
        // `i32::MIN - 1` overflows: xⁿ⁻¹ = xⁿ / x, with xⁿ as the forward computed it.
        None => bar_y * n_float * (x.powi(n) / x),
    }
}

/// Pullback of `x.powf(p)`: `(bar_y · p · xᵖ⁻¹, bar_y · y · ln x)`.
///
/// At `x = 0` the cotangent of the exponent is 0 when `y = 0` (the limit along `p`), instead of
/// the `0 · −∞ = NaN` the formula gives.
///
/// ```
/// let (bar_x, bar_p) = autodiff_runtime::scalar::powf_pullback(2.0_f64, 3.0, 8.0, 1.0);
/// assert_eq!(bar_x, 12.0);
/// assert_eq!(bar_p, 8.0 * 2.0_f64.ln());
/// ```
#[inline]
pub fn powf_pullback<T: Float>(x: T, p: T, y: T, bar_y: T) -> (T, T) {
    let bar_x = bar_y * p * x.powf(p - T::one());
    let bar_p = if x == T::zero() && y == T::zero() {
        T::zero()
    } else {
        bar_y * y * x.ln()
    };
    (bar_x, bar_p)
}

/// Pullback of `x.log(base)` = `ln x / ln base`: `(bar_y / (x ln base), −bar_y · y / (base ln base))`.
///
/// ```
/// let (bar_x, bar_b) = autodiff_runtime::scalar::log_pullback(8.0_f64, 2.0, 3.0, 1.0);
/// assert!((bar_x - 1.0 / (8.0 * 2.0_f64.ln())).abs() < 1e-15);
/// assert!((bar_b + 3.0 / (2.0 * 2.0_f64.ln())).abs() < 1e-15);
/// ```
#[inline]
pub fn log_pullback<T: Float>(x: T, base: T, y: T, bar_y: T) -> (T, T) {
    let ln_base = base.ln();
    (
        bar_y * (x * ln_base).recip(),
        -(bar_y * (y * (base * ln_base).recip())),
    )
}

/// Pullback of `y.atan2(x)`: `(bar · x / (x² + y²), −bar · y / (x² + y²))`, in the method's
/// argument order (receiver first). At the origin both cotangents are 0.
///
/// ```
/// let (bar_y, bar_x) = autodiff_runtime::scalar::atan2_pullback(1.0_f64, 1.0, 2.0);
/// assert_eq!((bar_y, bar_x), (1.0, -1.0));
/// ```
#[inline]
pub fn atan2_pullback<T: Float>(y: T, x: T, bar_out: T) -> (T, T) {
    let r2 = x * x + y * y;
    if r2 == T::zero() {
        (T::zero(), T::zero())
    } else {
        (bar_out * (x / r2), -(bar_out * (y / r2)))
    }
}

/// Pullback of `x.hypot(y)` = `√(x² + y²)`: `(bar · x / h, bar · y / h)`, with the subgradient
/// `(0, 0)` at the origin.
///
/// ```
/// let (bar_x, bar_y) = autodiff_runtime::scalar::hypot_pullback(3.0_f64, 4.0, 5.0, 10.0);
/// assert_eq!((bar_x, bar_y), (6.0, 8.0));
/// ```
#[inline]
pub fn hypot_pullback<T: Float>(x: T, y: T, h: T, bar_h: T) -> (T, T) {
    if h == T::zero() {
        (T::zero(), T::zero())
    } else {
        (bar_h * (x / h), bar_h * (y / h))
    }
}

/// Pullback of `a.mul_add(b, c)` = `a·b + c`: `(bar · b, bar · a, bar)`; it does not read `c`.
///
/// ```
/// let bars = autodiff_runtime::scalar::mul_add_pullback(2.0_f64, 3.0, 1.0);
/// assert_eq!(bars, (3.0, 2.0, 1.0));
/// ```
#[inline]
pub fn mul_add_pullback<T: Float>(a: T, b: T, bar_y: T) -> (T, T, T) {
    (bar_y * b, bar_y * a, bar_y)
}

/// Pullback of `a.max(b)`: the whole cotangent goes to the argument `max` returned; on a tie
/// (`a == b`) it goes to the first argument, `a`. As `max` ignores a NaN argument, so does its
/// pullback.
///
/// ```
/// use autodiff_runtime::scalar::max_pullback;
/// assert_eq!(max_pullback(1.0_f64, 2.0, 5.0), (0.0, 5.0));
/// assert_eq!(max_pullback(2.0_f64, 2.0, 5.0), (5.0, 0.0));
/// ```
#[inline]
pub fn max_pullback<T: Float>(a: T, b: T, bar_y: T) -> (T, T) {
    if a >= b || b.is_nan() {
        (bar_y, T::zero())
    } else {
        (T::zero(), bar_y)
    }
}

/// Pullback of `x.clamp(lo, hi)`: the whole cotangent goes to the value `clamp` returned: `x`
/// inside `[lo, hi]` (bounds included, as for `max`/`min` ties), `lo` below, `hi` above.
///
/// ```
/// use autodiff_runtime::scalar::clamp_pullback;
/// assert_eq!(clamp_pullback(0.5_f64, 0.0, 1.0, 3.0), (3.0, 0.0, 0.0));
/// assert_eq!(clamp_pullback(-2.0_f64, 0.0, 1.0, 3.0), (0.0, 3.0, 0.0));
/// assert_eq!(clamp_pullback(2.0_f64, 0.0, 1.0, 3.0), (0.0, 0.0, 3.0));
/// ```
#[inline]
pub fn clamp_pullback<T: Float>(x: T, lo: T, hi: T, bar_y: T) -> (T, T, T) {
    if x < lo {
        (T::zero(), bar_y, T::zero())
    } else if x > hi {
        (T::zero(), T::zero(), bar_y)
    } else {
        (bar_y, T::zero(), T::zero())
    }
}

/// Pullback of `a.min(b)`: the whole cotangent goes to the argument `min` returned; on a tie
/// (`a == b`) it goes to the first argument, `a`. As `min` ignores a NaN argument, so does its
/// pullback.
///
/// ```
/// use autodiff_runtime::scalar::min_pullback;
/// assert_eq!(min_pullback(1.0_f64, 2.0, 5.0), (5.0, 0.0));
/// assert_eq!(min_pullback(2.0_f64, 2.0, 5.0), (5.0, 0.0));
/// ```
#[inline]
pub fn min_pullback<T: Float>(a: T, b: T, bar_y: T) -> (T, T) {
    if a <= b || b.is_nan() {
        (bar_y, T::zero())
    } else {
        (T::zero(), bar_y)
    }
}

/// The error function `erf x = 2/√π ∫₀ˣ e^(−t²) dt`, for any [`Float`] type.
///
/// The value is `libm::erf` (musl's `f64` implementation, ported by the `libm` crate, within
/// about 1 ulp) of `x` converted to `f64`, converted back to `T`: for `f32` that is `erf` computed in `f64` and
/// rounded once, at least as accurate as `libm::erff`; going through `f64` rather than a trait
/// implemented for `f32` and `f64` lets a `#[grad]` function generic over `T: Float` call it
/// with no further bound. `erf(±∞) = ±1`, `erf(NaN) = NaN`, and `erf(−x) = −erf(x)` exactly.
///
/// In a `#[grad]` function it is written `scalar::erf(x)` (a path ending in `scalar::erf`, that
/// names this function), and differentiated by [`erf_pullback`]:
///
/// ```
/// use autodiff_runtime::{grad, scalar};
///
/// #[grad]
/// fn f(x: f64) -> f64 {
///     scalar::erf(x) * 3.0
/// }
///
/// assert_eq!(scalar::erf(0.0_f64), 0.0);
/// assert!((scalar::erf(1.0_f64) - 0.842_700_792_949_714_9).abs() < 1e-16);
/// assert!((scalar::erf(1.0_f32) - 0.842_700_8).abs() < 1e-7);
/// let (value, dx) = f_grad(0.0);
/// // d/dx erf x = 2/√π at 0.
/// assert_eq!((value, dx), (0.0, 3.0 * std::f64::consts::FRAC_2_SQRT_PI));
/// ```
#[inline]
pub fn erf<T: Float>(x: T) -> T {
    match x.to_f64() {
        Some(x) => T::from(libm::erf(x)).unwrap_or_else(T::nan),
        None => T::nan(),
    }
}

/// Pullback of [`erf`]: `bar_y · 2/√π · e^(−x²)`. It is 0 at ±∞ (`e^(−∞) = 0`) and NaN at a NaN.
///
/// ```
/// use autodiff_runtime::scalar::erf_pullback;
/// let two_over_sqrt_pi = std::f64::consts::FRAC_2_SQRT_PI;
/// assert_eq!(erf_pullback(0.0_f64, 2.0), 2.0 * two_over_sqrt_pi);
/// assert_eq!(erf_pullback(1.0_f64, 1.0), two_over_sqrt_pi * (-1.0_f64).exp());
/// assert_eq!(erf_pullback(f64::INFINITY, 1.0), 0.0);
/// ```
#[inline]
pub fn erf_pullback<T: Float>(x: T, bar_y: T) -> T {
    let two_over_sqrt_pi = T::from(std::f64::consts::FRAC_2_SQRT_PI).unwrap_or_else(T::nan);
    bar_y * (two_over_sqrt_pi * (-(x * x)).exp())
}
