// An ndarray array inside a tuple parameter: the error is at the array, and says to pass it as
// a parameter of its own.
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, array};

#[grad]
fn f(p: (Array1<f64>, f64)) -> f64 {
    p.0.sum() * p.1
}

fn main() {
    let _ = f((array![1.0], 2.0));
}
