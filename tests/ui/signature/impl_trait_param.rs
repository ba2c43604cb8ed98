// An `impl Trait` parameter is a constant: `wrt` cannot name it, and the error shows its type
// as written.
use autodiff_runtime::grad;

#[grad(wrt(x, _n))]
fn f(x: f64, _n: impl Into<f64>) -> f64 {
    x * 2.0
}

fn main() {
    let _ = f_grad(1.0, 2.0);
}
