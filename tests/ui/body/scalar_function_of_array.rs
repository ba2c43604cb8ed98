use autodiff_runtime::grad;
use autodiff_runtime::ndarray::Array1;
use autodiff_runtime::scalar;

#[grad]
fn f(a: &Array1<f64>) -> f64 {
    let e = scalar::erf(a);
    e.sum()
}

fn main() {
    let _ = f(&Array1::zeros(3));
}
