use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, array};

mod nn {
    use autodiff_runtime::ndarray::Array1;
    /// The user's own `mean`: the sum, not the mean.
    pub fn mean(a: &Array1<f64>) -> f64 {
        a.sum()
    }
}

#[grad]
fn f(a: &Array1<f64>) -> f64 {
    nn::mean(a)
}

fn main() {
    let a: Array1<f64> = array![1.0, 2.0];
    let (value, _grad) = f_grad(&a);
    assert_eq!(value, f(&a), "the gradient's value must be the function's");
}
