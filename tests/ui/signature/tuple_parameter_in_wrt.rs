// A parameter `wrt` names that has no gradient is one error, at the name: the stubs give it
// the gradient a caller expects, so call sites type-check (review of issue 9).
use autodiff_runtime::grad;

#[grad(wrt(p))]
fn f(p: (f64, usize)) -> f64 {
    p.0 * p.1 as f64
}

fn main() {
    let (_value, gradient) = f_grad((1.0, 2));
    let _: f64 = gradient.0;
}
