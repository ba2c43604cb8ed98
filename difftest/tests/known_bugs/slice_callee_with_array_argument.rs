// Bug: calling a `#[grad]` function that takes `&[f64]` with a reference to an array does not
// compile: the callee's cotangent is a `Vec<f64>` where the caller accumulates a `[f64; N]`
// (E0308), and the caller's residuals keep a borrow of the argument past its life (E0515).
// Passing a `&[f64]` parameter through works. Found by difftest.
use autodiff_runtime::grad;

#[grad]
fn h(s: &[f64]) -> f64 {
    s[0] * s[1]
}

#[grad]
fn f(a: [f64; 2]) -> f64 {
    h(&a)
}

fn main() {
    assert_eq!(f_grad([2.0, 3.0]), (6.0, [3.0, 2.0]));
}
