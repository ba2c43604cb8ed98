// ndarray's own `mean`, which #[grad] knows as `nn::mean`: the error says so.
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::Array1;

#[grad]
fn f(a: &Array1<f64>) -> f64 {
    a.mean().unwrap()
}

fn main() {
    let _ = f(&Array1::zeros(3));
}
