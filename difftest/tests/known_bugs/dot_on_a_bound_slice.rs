// `dot` called on a slice bound by `let`: E0034 "multiple applicable items in scope: multiple
// `dot` found" (the 1-D and 2-D impls), in code that compiles without `#[grad]`: the macro loses
// the slice's number of axes. `.to_owned()` after the slice fails the same way. Found by the
// ndarray generator (`DIFFTEST_KNOWN_BUGS=1`), reduced by hand.
//
// f = Σⱼ x₀ⱼ² (the first row with itself): at x = [[1, 2], [3, 4]], f = 5 and
// ∇f = [[2, 4], [0, 0]].

use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array2, array, s};

#[grad]
fn first_row_squared(x: &Array2<f64>) -> f64 {
    let t = x.slice(s![0, ..]);
    t.dot(&t)
}

fn main() {
    let x = array![[1.0, 2.0], [3.0, 4.0]];
    let (value, bar) = first_row_squared_grad(&x);
    assert_eq!(value, 5.0);
    assert_eq!(bar, array![[2.0, 4.0], [0.0, 0.0]]);
}
