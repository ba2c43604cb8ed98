// A value computed from a slice and kept by the gradient: the macro does not infer a slice's
// type, nor that of its `sum` ("cannot infer the type of `t`, which the gradient needs to keep").
// `let t: f64 = ..` works. Found by the ndarray generator (`DIFFTEST_KNOWN_BUGS=1`), reduced by
// hand.
//
// f = (x₁ + x₂)²: at x = [1, 2, 3], f = 25 and ∇f = [0, 10, 10].

use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, array, s};

#[grad]
fn square_of_a_slice_sum(x: &Array1<f64>) -> f64 {
    let t = x.slice(s![1..]).sum();
    t * t
}

fn main() {
    let x = array![1.0, 2.0, 3.0];
    let (value, bar) = square_of_a_slice_sum_grad(&x);
    assert_eq!(value, 25.0);
    assert_eq!(bar, array![0.0, 10.0, 10.0]);
}
