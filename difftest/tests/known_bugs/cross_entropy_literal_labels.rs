// Bug: `nn::cross_entropy` with labels written as a reference to an array literal of unsuffixed
// integers (`&[1, 0]`) does not compile (E0308): the expansion binds the literal to a temporary
// inferred as `[usize; 2]` but also hands a copy of it, typed `[i32; 2]`, to the pullback,
// which expects `&[usize]`. Plain Rust accepts it; `&[1_usize, 0]` works. Found by difftest
// (ndarray programs).
use autodiff_runtime::ndarray::{Array2, array};
use autodiff_runtime::{grad, nn};

#[grad]
fn f(x: &Array2<f64>) -> f64 {
    nn::cross_entropy(x, &[1, 0])
}

fn main() {
    let x: Array2<f64> = array![[0.0, 0.0], [0.0, 0.0]];
    let (value, bar_x) = f_grad(&x);
    assert!((value - 2.0_f64.ln()).abs() < 1e-15);
    let expected = array![[0.25, -0.25], [-0.25, 0.25]];
    assert!(bar_x.iter().zip(&expected).all(|(a, b)| (a - b).abs() < 1e-15));
}
