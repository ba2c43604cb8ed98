// A `Vec` inside a tuple inside a tuple parameter: the error is at the `Vec`.
use autodiff_runtime::grad;

#[grad]
fn f(p: ((f64, Vec<f64>), f64)) -> f64 {
    (p.0).0 * p.1
}

fn main() {
    let _ = f(((1.0, vec![2.0]), 3.0));
}
