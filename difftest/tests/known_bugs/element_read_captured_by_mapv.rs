// An element read bound by `let` and captured by a `mapv` closure: the macro cannot type it
// ("cannot infer the type of `t`, which the gradient needs to keep"). `let t: f64 = ..` works.
// Found by the ndarray generator (`DIFFTEST_KNOWN_BUGS=1`), reduced by hand.
//
// f = x₀₁ · Σ x: at x = [[1, 2], [3, 4]], f = 2 · 10 = 20, and ∂f/∂xᵢⱼ = x₀₁ + [ij = 01] · Σ x:
// [[2, 12], [2, 2]].

use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array2, array};

#[grad]
fn scale_by_an_element(x: &Array2<f64>) -> f64 {
    let t = x[[0, 1]];
    x.mapv(|v| v * t).sum()
}

fn main() {
    let x = array![[1.0, 2.0], [3.0, 4.0]];
    let (value, bar) = scale_by_an_element_grad(&x);
    assert_eq!(value, 20.0);
    assert_eq!(bar, array![[2.0, 12.0], [2.0, 2.0]]);
}
