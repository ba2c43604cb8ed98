// A local bound to a #[grad] function is a variable: only calls by name are differentiated.
use autodiff_runtime::grad;

#[grad]
fn sq(x: f64) -> f64 {
    x * x
}

#[grad]
fn f(x: f64) -> f64 {
    let h = sq;
    h(x) + 1.0
}

fn main() {
    let _ = f(1.0);
}
