// Calls to generic #[grad] functions are not supported yet.
use autodiff_runtime::{Float, grad};

#[grad]
fn sq<T: Float>(x: T) -> T {
    x * x
}

#[grad]
fn f(x: f64) -> f64 {
    sq(x) + 1.0
}

fn main() {
    let _ = f(1.0);
}
