use autodiff_runtime::grad;
use autodiff_runtime::scalar;

#[grad]
fn f(x: f64) -> f64 {
    scalar::erfc(x) + x
}

fn main() {
    let _ = f(1.0);
}
