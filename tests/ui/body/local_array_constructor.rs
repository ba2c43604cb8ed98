// An ndarray array made in the body is reported at its constructor, not as an unknown float
// method where it is used (issue 9, item 2).
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, Array2};

#[grad]
fn f(x: f64, n: usize) -> f64 {
    let z = Array1::<f64>::zeros(n);
    z.sum() * x
}

#[grad]
fn g(x: f64, n: usize) -> f64 {
    let z = Array2::<f64>::zeros((n, n));
    z.sum() * x
}

fn main() {}
