use autodiff_runtime::grad;
use autodiff_runtime::ndarray::Array2;

#[grad]
fn f(x: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for v in x {
        s += v;
    }
    s
}

fn main() {
    let _ = f(&Array2::zeros((2, 2)));
}
