// `wrt(x)` leaves out `n`, which is used as `n as i32`, so there is no derivative through it:
// passing an active value there is a type error at the call, not a silently zero gradient.
use autodiff_runtime::grad;

#[grad(wrt(x))]
fn power(x: f64, n: f64) -> f64 {
    x.powi(n as i32)
}

#[grad]
fn caller(x: f64) -> f64 {
    power(x, x)
}

fn main() {}
