//! A constant `impl Trait` parameter: the forward half's reference to the function (which
//! keeps it from being reported unused) is left out, as its type cannot be named (review of
//! issue 9).
use autodiff_runtime::grad;

#[grad]
fn f(x: f64, _tag: impl Copy) -> f64 {
    x * x
}

fn main() {
    assert_eq!(f_grad(3.0, 1u8), (9.0, 6.0));
}
