//! Finite-difference references for the gradient tests.
//!
//! Every gradient the tests check is compared either with a closed form worked by hand or with
//! central differences of the *original* function (never the generated code), so they are an
//! independent reference. The differences are `autodiff_runtime::check`'s, with its
//! fourth-order stencil
//!
//! ```text
//! f'(x) ≈ (f(x − 2h) − 8 f(x − h) + 8 f(x + h) − f(x + 2h)) / 12h
//! ```
//!
//! whose truncation error is O(h⁴). For `f64` with `h = 10⁻³·max(1, |x|)` the truncation error
//! is about 10⁻¹² and the rounding error about ε·|f|/h ≈ 10⁻¹³·|f|, so the default tolerance
//! below (relative 10⁻⁷, absolute 10⁻⁹) has several orders of margin while still catching any
//! wrong rule (a wrong derivative is off by O(1)). Closeness is `approx::relative_eq!`.

// Each test binary includes this module and uses a different subset of it.
#![allow(dead_code)]

use std::fmt::Debug;

use autodiff_runtime::check::{Checker, Stencil};

/// `|autodiff − reference| ≤ abs`, or `≤ rel · max(|autodiff|, |reference|)`
/// (`approx::relative_eq!` with `epsilon = abs`, `max_relative = rel`).
#[derive(Clone, Copy, Debug)]
pub struct Tol {
    pub rel: f64,
    pub abs: f64,
}

/// For `f64` gradients against the `f64` finite differences below.
pub const F64_TOL: Tol = Tol {
    rel: 1e-7,
    abs: 1e-9,
};

/// For `f32` gradients against finite differences of the `f64` twin of the function at the same
/// (f32-representable) point: the f32 reverse sweep rounds each of its few operations with
/// ε₃₂ ≈ 6·10⁻⁸, so its result is good to a few 10⁻⁷ relative.
pub const F32_VS_F64_TOL: Tol = Tol {
    rel: 2e-5,
    abs: 1e-6,
};

/// For `f32` gradients against finite differences taken in `f32` itself ([`fd_grad_f32`]):
/// the function values carry a relative error ε₃₂·|f|, amplified by 1/h with h = 10⁻²; the
/// truncation error with that step is about 10⁻⁹.
pub const F32_TOL: Tol = Tol {
    rel: 2e-3,
    abs: 2e-4,
};

/// The gradient of `f` at `x` by fourth-order central differences, with `h = 10⁻³·max(1, |xᵢ|)`.
pub fn fd_grad(f: impl Fn(&[f64]) -> f64, x: &[f64]) -> Vec<f64> {
    Checker::default()
        .step(1e-3)
        .stencil(Stencil::FourthOrder)
        .differences(|p: &Vec<f64>| f(p), &x.to_vec())
}

/// The gradient of an `f32` function at an `f32` point, by the same stencil evaluated in `f32`
/// with a step suited to it: `h` the power of two nearest `10⁻²·max(1, |xᵢ|)`, so that `xᵢ ± h`
/// and `xᵢ ± 2h` are (all but always) exact in `f32`. The differences are combined in `f64`.
pub fn fd_grad_f32(f: impl Fn(&[f32]) -> f32, x: &[f32]) -> Vec<f64> {
    Checker::default()
        .step(1e-2)
        .power_of_two()
        .stencil(Stencil::FourthOrder)
        .differences(|p: &Vec<f32>| f64::from(f(p)), &x.to_vec())
}

/// Whether `ad` and `reference` agree within `tol`.
pub fn close(ad: f64, reference: f64, tol: Tol) -> bool {
    approx::relative_eq!(ad, reference, epsilon = tol.abs, max_relative = tol.rel)
}

/// Panics unless each `grad[i]` is within `tol` of `reference[i]`, naming the function, the
/// parameter index, both values and the point.
pub fn assert_grad_close<P: Debug>(
    name: &str,
    point: P,
    grad: &[f64],
    reference: &[f64],
    tol: Tol,
) {
    assert_eq!(
        grad.len(),
        reference.len(),
        "{name}: {} gradient entries but {} reference entries at {point:?}",
        grad.len(),
        reference.len()
    );
    for (i, (&ad, &r)) in grad.iter().zip(reference).enumerate() {
        assert!(
            close(ad, r, tol),
            "{name}: gradient entry {i} is {ad:e} by autodiff but {r:e} by the reference \
             (difference {:e}, tolerance rel {:e} abs {:e}) at the point {point:?}",
            (ad - r).abs(),
            tol.rel,
            tol.abs
        );
    }
}

/// Checks an `f64` gradient against central differences of `f` at `x` with [`F64_TOL`].
pub fn check_f64(name: &str, f: impl Fn(&[f64]) -> f64, x: &[f64], grad: &[f64]) {
    check_f64_tol(name, f, x, grad, F64_TOL);
}

/// Checks an `f64` gradient against central differences of `f` at `x` with a given tolerance.
pub fn check_f64_tol(name: &str, f: impl Fn(&[f64]) -> f64, x: &[f64], grad: &[f64], tol: Tol) {
    let reference = fd_grad(f, x);
    assert_grad_close(name, x, grad, &reference, tol);
}

/// Checks an `f32` gradient against central differences of `f` taken in `f32` ([`F32_TOL`]).
pub fn check_f32(name: &str, f: impl Fn(&[f32]) -> f32, x: &[f32], grad: &[f32]) {
    let reference = fd_grad_f32(f, x);
    let grad: Vec<f64> = grad.iter().map(|&g| f64::from(g)).collect();
    assert_grad_close(name, x, &grad, &reference, F32_TOL);
}

/// Checks an `f32` gradient against central differences, in `f64`, of the `f64` twin `f` of the
/// function at the same point ([`F32_VS_F64_TOL`]).
pub fn check_f32_by_f64(name: &str, f: impl Fn(&[f64]) -> f64, x: &[f32], grad: &[f32]) {
    let x64: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
    let reference = fd_grad(f, &x64);
    let grad: Vec<f64> = grad.iter().map(|&g| f64::from(g)).collect();
    assert_grad_close(name, x, &grad, &reference, F32_VS_F64_TOL);
}

/// Asserts `a` and `b` agree within `tol`, with a message naming what is compared.
pub fn assert_close(what: &str, a: f64, b: f64, tol: Tol) {
    assert!(
        close(a, b, tol),
        "{what}: {a:e} vs {b:e} (difference {:e}, tolerance rel {:e} abs {:e})",
        (a - b).abs(),
        tol.rel,
        tol.abs
    );
}

/// Tight agreement for closed forms evaluated in f64 (a few ulps of rounding apart).
pub const EXACTISH: Tol = Tol {
    rel: 1e-13,
    abs: 1e-14,
};

/// The result of a generated `f_grad`/`f_vjp` for a function of scalars, `(value, d1, d2, ..)`,
/// as the value and a vector of partials, so a test can treat any arity alike.
pub trait ValueAndGrad<T> {
    fn split(self) -> (T, Vec<T>);
}

macro_rules! value_and_grad {
    ($t:ty: $(($($d:ident),+))*) => {$(
        impl ValueAndGrad<$t> for ($t, $(value_and_grad!(@ty $t, $d)),+) {
            fn split(self) -> ($t, Vec<$t>) {
                #[allow(non_snake_case)]
                let (value, $($d),+) = self;
                (value, vec![$($d),+])
            }
        }
    )*};
    (@ty $t:ty, $d:ident) => { $t };
}

value_and_grad!(f64: (A) (A, B) (A, B, C) (A, B, C, D));
value_and_grad!(f32: (A) (A, B) (A, B, C) (A, B, C, D));
