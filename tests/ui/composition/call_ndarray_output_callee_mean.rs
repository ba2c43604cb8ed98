// Calls to #[grad] functions with an ndarray output are not supported yet (the result passed to
// an `nn` function, so that no float method is involved).
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::Array1;
use autodiff_runtime::nn;

#[grad]
fn double(a: &Array1<f64>) -> Array1<f64> {
    a * 2.0
}

#[grad]
fn f(a: &Array1<f64>) -> f64 {
    let d = double(a);
    nn::mean(&d)
}

fn main() {
    let _ = f(&Array1::zeros(3));
}
