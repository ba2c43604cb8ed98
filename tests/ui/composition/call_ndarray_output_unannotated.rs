// The type of an ndarray-returning call's result must be written on its `let`: #[grad] cannot
// see the callee's return type.
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::Array1;

#[grad]
fn double(a: &Array1<f64>) -> Array1<f64> {
    a * 2.0
}

#[grad]
fn f(a: &Array1<f64>) -> f64 {
    let d = double(a);
    d.sum()
}

fn main() {
    let _ = f(&Array1::zeros(3));
}
