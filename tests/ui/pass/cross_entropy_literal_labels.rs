// Regression (found by difftest's ndarray programs): labels written as a reference to an array
// literal of unsuffixed integers (`&[1, 0]`) were kept in the residuals as `[i32; 2]` while the
// forward half inferred `[usize; 2]` (E0308). Labels and axes are now typed `usize`.
use autodiff_runtime::ndarray::{Array2, array};
use autodiff_runtime::{grad, nn};

#[grad]
fn f(x: &Array2<f64>) -> f64 {
    nn::cross_entropy(x, &[1, 0])
}

fn main() {
    let x: Array2<f64> = array![[0.0, 0.0], [0.0, 0.0]];
    let (value, bar_x) = f_grad(&x);
    // Uniform logits: loss ln 2; gradient (softmax − onehot)/2 = ±0.25.
    assert!((value - 2.0_f64.ln()).abs() < 1e-15);
    let expected = array![[0.25, -0.25], [-0.25, 0.25]];
    assert!(bar_x.iter().zip(&expected).all(|(a, b)| (a - b).abs() < 1e-15));
}
