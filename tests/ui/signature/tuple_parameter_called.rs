// A parameter #[grad] cannot differentiate is one error, at the parameter: the stubs written
// after it type-check where the function and its companions are called (issue 9, item 7).
use autodiff_runtime::grad;

#[grad]
fn f(p: (f64, f64)) -> f64 {
    p.0 * p.1
}

fn main() {
    let _ = f((1.0, 2.0));
    let (_value, _gradient) = f_grad((1.0, 2.0));
}
