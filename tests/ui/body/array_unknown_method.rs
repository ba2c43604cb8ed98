// ndarray's `fold`, which #[grad] does not differentiate: the error says what to write for the
// maximum of a stable softmax (the nn functions) and for sums.
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::Array1;

#[grad]
fn f(a: &Array1<f64>) -> f64 {
    a.fold(0.0, |acc, v| acc + v)
}

fn main() {
    let _ = f(&Array1::zeros(3));
}
