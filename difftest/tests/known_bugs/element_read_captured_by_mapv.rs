// An element read bound by `let`, or a value computed from one, captured by a `mapv` closure:
// the macro cannot type it ("cannot infer the type of `t`, which the gradient needs to keep").
// `let t: f64 = ..` works. Found by the ndarray generator (`DIFFTEST_KNOWN_BUGS=1`; the second
// with the steering on, seed 0x1234, function 22), reduced by hand.
//
// f = x₀₁ · Σ x: at x = [[1, 2], [3, 4]], f = 2 · 10 = 20, and ∂f/∂xᵢⱼ = x₀₁ + [ij = 01] · Σ x:
// [[2, 12], [2, 2]].
//
// g = u · Σ x with u = tanh(x₀₁) − x₀₁: at the same x, u = tanh 2 − 2, g = 10u, and
// ∂g/∂xᵢⱼ = u + [ij = 01] · Σ x · (sech² 2 − 1) = u − [ij = 01] · 10 tanh² 2.

use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array2, array};

#[grad]
fn scale_by_an_element(x: &Array2<f64>) -> f64 {
    let t = x[[0, 1]];
    x.mapv(|v| v * t).sum()
}

#[grad]
fn scale_by_a_function_of_an_element(x: &Array2<f64>) -> f64 {
    let t = x[[0, 1]];
    let u = t.tanh() - t;
    x.mapv(|v| v * u).sum()
}

fn main() {
    let x = array![[1.0, 2.0], [3.0, 4.0]];
    let (value, bar) = scale_by_an_element_grad(&x);
    assert_eq!(value, 20.0);
    assert_eq!(bar, array![[2.0, 12.0], [2.0, 2.0]]);

    let (value, bar) = scale_by_a_function_of_an_element_grad(&x);
    let u = 2f64.tanh() - 2.0;
    let expected = array![[u, u - 10.0 * 2f64.tanh().powi(2)], [u, u]];
    assert!((value - 10.0 * u).abs() < 1e-12, "{value}");
    assert!(
        bar.iter().zip(&expected).all(|(a, b)| (a - b).abs() < 1e-12),
        "{bar}"
    );
}
