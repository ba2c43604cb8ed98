// A parameter #[grad] cannot differentiate is one error, at the parameter: the stubs written
// after it type-check where the function and its companions are called (issue 9, item 7).
// Here a tuple holding an integer: the error is at the integer.
use autodiff_runtime::grad;

#[grad]
fn f(p: (f64, usize)) -> f64 {
    p.0 * p.1 as f64
}

fn main() {
    let _ = f((1.0, 2));
    let (_value, _gradient) = f_grad((1.0, 2));
}
