use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array2, Axis, array};

#[grad]
fn f(a: &Array2<f64>, k: usize) -> f64 {
    let s = a.sum_axis(Axis(k));
    let t = &s * &s;
    t.sum()
}

fn main() {
    let a: Array2<f64> = array![[1.0, 2.0], [3.0, 4.0]];
    let (value, grad) = f_grad(&a, 1);
    assert_eq!(value, f(&a, 1));
    assert_eq!(grad, array![[6.0, 6.0], [14.0, 14.0]]);
}
