// A slice's mean, bound by `let` with its type written, captured by a `mapv` closure: "cannot
// infer the type of `t..`, which the gradient needs to keep" (as for an element read,
// `element_read_captured_by_mapv.rs`). Found by the ndarray generator (seed 3, function 177),
// reduced by hand.
//
// m = mean of rows 0 and 2 of b; f = Σᵢ (cᵢ² + m). At b = [[1], [2], [3]], c = [1, 2]: m = 2,
// f = 3 + 6 = 9, ∇_b f = len(c) · ½ at rows 0 and 2 = [[1], [0], [1]], ∇_c f = 2c = [2, 4].

use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, Array2, array, s};

#[grad]
fn shift_by_a_slice_mean(b: &Array2<f64>, c: &Array1<f64>) -> f64 {
    let m: f64 = b.slice(s![..;2, ..]).mean().unwrap();
    c.mapv(|v| v * v + m).sum()
}

fn main() {
    let (b, c) = (array![[1.0], [2.0], [3.0]], array![1.0, 2.0]);
    let (value, bar_b, bar_c) = shift_by_a_slice_mean_grad(&b, &c);
    assert_eq!(value, 9.0);
    assert_eq!(bar_b, array![[1.0], [0.0], [1.0]]);
    assert_eq!(bar_c, array![2.0, 4.0]);
}
