use autodiff_runtime::grad;

#[grad]
fn f(x: f64, o: Option<f64>) -> f64 {
    let Some(y) = o else { return x };
    x * y
}

fn main() {
    let _ = f(1.0, None);
}
