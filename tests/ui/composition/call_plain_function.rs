// A plain function (neither #[grad] nor #[custom_vjp]) called from a #[grad] function.
use autodiff_runtime::grad;

fn helper(x: f64) -> f64 {
    x * x
}

#[grad]
fn f(x: f64, y: f64) -> f64 {
    let a = x * y;
    helper(a) + y
}

fn main() {
    let _ = f(1.0, 2.0);
}
