use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, array};

#[grad]
fn f(a: &Array1<f64>) -> f64 {
    let s: Array1<f64> = a * 2.0;
    s[0]
}

fn main() {
    let a: Array1<f64> = array![1.0, 2.0];
    let (value, grad) = f_grad(&a);
    assert_eq!(value, 2.0);
    assert_eq!(grad, array![2.0, 0.0]);
}
