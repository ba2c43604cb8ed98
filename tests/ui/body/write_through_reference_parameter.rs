use autodiff_runtime::grad;

#[grad]
fn f(x: &[f64], a: f64) -> f64 {
    x[0] = a;
    x[0] * x[1]
}

fn main() {
    let _ = f(&[1.0, 2.0], 3.0);
}
