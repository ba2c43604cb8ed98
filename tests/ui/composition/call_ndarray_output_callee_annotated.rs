// Calls to #[grad] functions with an ndarray output are not supported yet: with the result's
// type written on the `let`, the error says so at the call.
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::Array1;

#[grad]
fn double(a: &Array1<f64>) -> Array1<f64> {
    a * 2.0
}

#[grad]
fn f(a: &Array1<f64>) -> f64 {
    let d: Array1<f64> = double(a);
    d.sum()
}

fn main() {
    let _ = f(&Array1::zeros(3));
}
