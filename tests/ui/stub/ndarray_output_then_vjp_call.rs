use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, array};

#[grad]
pub fn f(a: &Array1<f64>, s: f64) -> Array1<f64> {
    let b = a * s;
    let c = (|v: Array1<f64>| v)(b);
    c
}

fn main() {
    let a: Array1<f64> = array![1.0, 2.0];
    let (_value, _da, _ds): (Array1<f64>, Array1<f64>, f64) = f_vjp(&a, 2.0, &array![1.0, 1.0]);
    let (_value, _residuals) = f_fwd(&a, 2.0);
}
