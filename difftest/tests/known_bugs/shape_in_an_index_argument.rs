// `x.shape()[k]` in a method's integer argument (`row`, `column`) or in `s![..]`: E0308
// "expected `i32`, found `usize`" (the macro types the lowered integer `i32`), where
// `x.nrows()`, `x.len_of(Axis(0))` and `let (rows, cols) = x.dim()` work, and so does
// `x.shape()[0]` in an element read `x[[..]]`. Found by the ndarray generator
// (`DIFFTEST_KNOWN_BUGS=1`), reduced by hand.
//
// f = Σ of the last row + Σ of the last row again (through a slice): at x = [[1, 2], [3, 4]],
// f = 14 and ∇f = [[0, 0], [2, 2]].

use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array2, array, s};

#[grad]
fn last_row_by_shape(x: &Array2<f64>) -> f64 {
    x.row(x.shape()[0] - 1).sum() + x.slice(s![x.shape()[0] - 1, ..]).sum()
}

fn main() {
    let x = array![[1.0, 2.0], [3.0, 4.0]];
    let (value, bar) = last_row_by_shape_grad(&x);
    assert_eq!(value, 14.0);
    assert_eq!(bar, array![[0.0, 0.0], [2.0, 2.0]]);
}
