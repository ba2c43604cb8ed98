use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, array};

// A `mapv` closure that reads a tuple parameter whole: the error says to read the element first.
#[grad]
fn f(a: &Array1<f64>, p: (f64, f64)) -> f64 {
    a.mapv(|v| v * p.0 + p.1).sum()
}

fn main() {
    let _ = f(&array![1.0], (2.0, 3.0));
}
