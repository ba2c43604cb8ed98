// A parameter `wrt` leaves out may be used in a way that has no derivative (`n as i32`). Callers
// can still call the function, passing a constant there; only the halves that differentiate every
// float parameter, which callers would otherwise use, are not written.
use autodiff_runtime::grad;

#[grad(wrt(x))]
fn power(x: f64, n: f64) -> f64 {
    x.powi(n as i32)
}

#[grad]
fn caller(x: f64) -> f64 {
    power(x, 3.0) + x
}

fn main() {
    assert_eq!(power_grad(2.0, 3.0), (8.0, 12.0));
    // x³ + x: 3x² + 1.
    assert_eq!(caller_grad(2.0), (10.0, 13.0));
}
