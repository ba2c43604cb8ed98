// A #[grad] function generic over a type that is not a float type is not taken for one by its
// callers: one error at the call, saying why it cannot be called (review of issue 9).
use autodiff_runtime::grad;

#[grad]
fn f<U: Copy>(x: f64, _tag: U) -> f64 {
    x * x
}

#[grad]
fn g(x: f64) -> f64 {
    f(x, 1u8)
}

fn main() {
    assert_eq!(f_grad(3.0, 1u8), (9.0, 6.0));
}
