use autodiff_runtime::grad;

// A tuple value that is never returned is dead code in the gradient.
#[grad]
fn f(x: f64) -> f64 {
    let _t = (x, x);
    x
}

fn main() {
    assert_eq!(f_grad(1.0), (1.0, 1.0));
    let _ = f(1.0);
}
