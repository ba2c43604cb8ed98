use autodiff_runtime::grad;
use autodiff_runtime::ndarray::Array1;
use autodiff_runtime::nn;

#[grad]
fn f(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    nn::mean(&a, &b)
}

fn main() {
    let _ = f(&Array1::zeros(3), &Array1::zeros(3));
}
