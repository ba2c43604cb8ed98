// A float method ndarray has no elementwise version of (`tanh`): the error says to use `mapv`.
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::Array1;

#[grad]
fn f(a: &Array1<f64>) -> f64 {
    a.tanh().sum()
}

fn main() {
    let _ = f(&Array1::zeros(3));
}
