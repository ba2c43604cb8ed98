// Regression (found by difftest): `f64::name(receiver, ..)` whose receiver is an expression of
// literals alone (`2.0 * 3.0`) expanded to code where the receiver was a `{float}` of unknown
// type: E0689 "can't call method `sin` on ambiguous numeric type `{float}`". Plain Rust accepts
// it (the path types the argument); the receiver's `let` now carries the type.
use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    f64::sin(2.0 * 3.0) * x
}

fn main() {
    assert_eq!(f_grad(1.0), (6.0_f64.sin(), 6.0_f64.sin()));
}
