// `unwrap` on something other than a fallible ndarray method, and `mean` not unwrapped.
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::Array1;

#[grad]
fn f(a: &Array1<f64>) -> f64 {
    let s = a.sum();
    s.unwrap()
}

#[grad]
fn g(a: &Array1<f64>) -> f64 {
    let m = a.mean();
    m
}

fn main() {
    let _ = f(&Array1::zeros(3));
    let _ = g(&Array1::zeros(3));
}
