use autodiff_runtime::grad;
use autodiff_runtime::ndarray::Array1;

#[grad]
fn f(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for v in x {
        s += v;
    }
    s
}

fn main() {
    let _ = f(&Array1::zeros(2));
}
