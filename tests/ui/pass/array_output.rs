use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, array};

#[grad]
fn f(a: &Array1<f64>) -> Array1<f64> {
    a * 2.0
}

fn main() {
    let a: Array1<f64> = array![1.0, 2.0];
    let (value, grad) = f_vjp(&a, &array![1.0, 3.0]);
    assert_eq!(value, f(&a));
    assert_eq!(grad, array![2.0, 6.0]);
}
