// A `mapv` closure that reads an array, and one with two arguments.
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::Array1;

#[grad]
fn f(a: &Array1<f64>, w: &Array1<f64>) -> f64 {
    a.mapv(|v| v * w[0]).sum()
}

#[grad]
fn g(a: &Array1<f64>) -> f64 {
    a.mapv(|v, u| v * u).sum()
}

fn main() {
    let _ = f(&Array1::zeros(3), &Array1::zeros(3));
    let _ = g(&Array1::zeros(3));
}
