//! The generated companions add no warnings of their own, even under `deny(warnings)`.
#![deny(warnings)]

use autodiff_runtime::grad;

#[grad]
fn f(x: f64, y: f64) -> f64 {
    let a = x * y;
    let a = a.sin() + 2.0;
    let (c, s) = (a.cos(), x.sin());
    c * s
}

fn main() {
    let (value, _dx, _dy) = f_grad(1.0, 2.0);
    assert_eq!(value, f(1.0, 2.0));
}
