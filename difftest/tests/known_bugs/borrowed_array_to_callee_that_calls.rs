// Bug (a regression of the `#[grad(checkpoint)]` commit, 07a11b5): passing a borrow of a local
// array, of an array literal or of a by-value parameter (`&v`, `&[x, x]`, `&a`) to a `#[grad]`
// function's `&[f64; N]` parameter does not compile when that callee itself calls a `#[grad]`
// function: E0515 "cannot return reference to temporary value" / "to function parameter" (the
// caller's residuals keep the borrow past the forward half). The same call compiled before, and
// still does when the callee calls nothing or the argument is the caller's own `&[f64; N]`
// parameter. Found by difftest.
use autodiff_runtime::grad;

#[grad]
fn inner(x: f64) -> f64 {
    x * x
}

#[grad]
fn h(r: &[f64; 2]) -> f64 {
    inner(r[0]) * r[1]
}

#[grad]
fn f(x: f64) -> f64 {
    let v = [x, 2.0 * x];
    h(&v)
}

fn main() {
    // f = x² · 2x = 2x³: f' = 6x².
    assert_eq!(f_grad(1.5), (6.75, 13.5));
}
