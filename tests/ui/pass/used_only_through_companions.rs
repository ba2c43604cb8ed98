//! A `#[grad]` function whose only uses are its companions (`f_grad`, `f_vjp`, the split halves,
//! a caller's gradient) counts as used: no `dead_code` warning (issue 9, item 3). One used nowhere
//! is still reported, once (`tests/ui/user_error/unused_grad_function.rs`).
#![deny(dead_code)]

use autodiff_runtime::{Float, grad};

#[grad]
fn through_grad(x: f64) -> f64 {
    x.sin()
}

#[grad]
fn through_vjp(x: f64, y: f64) -> f64 {
    x * y
}

#[grad]
fn through_halves(x: f64) -> f64 {
    x.exp()
}

#[grad]
fn through_a_caller(x: f64) -> f64 {
    x * x
}

#[grad]
fn caller(x: f64) -> f64 {
    through_a_caller(x) + 1.0
}

#[grad]
fn generic<T: Float, const N: usize>(x: &[T; N]) -> T {
    x[0] * x[N - 1]
}

#[grad(wrt(x))]
fn narrowed(x: f64, y: f64) -> f64 {
    x * y.cos()
}

#[grad]
fn caller_of_narrowed(x: f64, y: f64) -> f64 {
    narrowed(x, y)
}

fn main() {
    assert_eq!(through_grad_grad(0.0), (0.0, 1.0));
    assert_eq!(through_vjp_vjp(2.0, 3.0, 1.0), (6.0, 3.0, 2.0));
    let (value, residuals) = through_halves_fwd(0.0);
    assert_eq!((value, through_halves_bwd(residuals, 1.0)), (1.0, 1.0));
    assert_eq!(caller_grad(3.0), (10.0, 6.0));
    assert_eq!(generic_grad(&[2.0, 5.0]), (10.0, [5.0, 2.0]));
    assert_eq!(caller_of_narrowed_grad(2.0, 0.0), (2.0, 1.0, 0.0));
}
