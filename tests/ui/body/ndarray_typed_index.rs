// An index (or an array literal) whose type, from the return type or a `let` annotation, is an
// ndarray array: no such expression gives one, and the error says how arrays are built.
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::Array1;

#[grad]
fn f(x: f64) -> f64 {
    let y: Array1<f64> = [x];
    y.sum()
}

fn main() {}
