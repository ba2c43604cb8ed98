// A call whose arguments #[grad] takes for plain data (an unannotated array another #[grad]
// function returns, a constant) where the callee wants an ndarray array or another borrowed
// value: one error at the call asking for the types, never a panic at run time (review of
// issue 9).
use autodiff_runtime::ndarray::Array1;
use autodiff_runtime::{grad, nn};

#[grad]
fn layer(x: &Array1<f64>) -> Array1<f64> {
    nn::tanh(x)
}

#[grad]
fn sq(a: &Array1<f64>) -> f64 {
    (a * a).sum()
}

#[grad]
fn g(x: &Array1<f64>) -> f64 {
    let h = layer(x);
    sq(&h)
}

fn main() {}
