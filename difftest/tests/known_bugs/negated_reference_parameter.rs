// Bug: unary minus of an array parameter taken by reference (`-a` with `a: &Array2<f64>`) whose
// value the pullback keeps (here as an operand of `*`) does not compile: E0106 "missing lifetime
// specifier" on the parameter's type. The residuals seem to store `-a` with the parameter's type
// `&Array2<f64>` (without a lifetime) where `-a` is an owned `Array2<f64>`. `-&y` of a local
// array works, and so does `-a` when nothing keeps it. Found by difftest (ndarray programs).
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array2, array};

#[grad]
fn f(a: &Array2<f64>) -> f64 {
    let y = -a;
    (&y * a).sum()
}

fn main() {
    let a: Array2<f64> = array![[1.0, 2.0], [3.0, 4.0]];
    assert_eq!(f_grad(&a), (-30.0, array![[-2.0, -4.0], [-6.0, -8.0]]));
}
