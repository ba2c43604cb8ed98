use autodiff_runtime::grad;
use autodiff_runtime::ndarray::Array1;

#[grad]
fn f(a: &Array1<f64>) -> f64 {
    a.product()
}

fn main() {
    let _ = f(&Array1::zeros(3));
}
