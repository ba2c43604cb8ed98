use autodiff_runtime::grad;
use autodiff_runtime::ndarray::Array2;

#[grad]
fn g(x: f64, n: usize) -> f64 {
    let z = Array2::<f64>::eye(n);
    z.sum() * x
}

fn main() {}
