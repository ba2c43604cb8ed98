use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, Array2};

#[grad]
fn f(x: f64, n: usize) -> f64 {
    let z = Array1::<f64>::ones(n);
    z.sum() * x
}

#[grad]
fn g(x: f64, n: usize) -> f64 {
    let z = Array2::<f64>::eye(n);
    z.sum() * x
}

fn main() {}
