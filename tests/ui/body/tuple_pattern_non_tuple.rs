use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let (a, b) = x.sin_cos();
    a * b
}

fn main() {
    let _ = f(1.0);
}
