// A slice bound by `let` and kept by the gradient (here `dot`'s pullback reads it): "cannot
// infer the type of `t`, which the gradient needs to keep; add a type annotation to its `let`",
// and the annotation it asks for, `let t: ArrayView1<f64> = ..`, is then a type mismatch (the
// forward half keeps an owned copy). Found by the ndarray generator (`DIFFTEST_KNOWN_BUGS=1`),
// reduced by hand.
//
// f = y · x[0..2]: at x = [1, 2, 3], y = [4, 5], f = 14, ∇ₓf = [4, 5, 0], ∇ᵧf = [1, 2].

use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, array, s};

#[grad]
fn dot_with_a_slice(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let t = x.slice(s![0..2]);
    y.dot(&t)
}

fn main() {
    let (x, y) = (array![1.0, 2.0, 3.0], array![4.0, 5.0]);
    let (value, bar_x, bar_y) = dot_with_a_slice_grad(&x, &y);
    assert_eq!(value, 14.0);
    assert_eq!(bar_x, array![4.0, 5.0, 0.0]);
    assert_eq!(bar_y, array![1.0, 2.0]);
}
