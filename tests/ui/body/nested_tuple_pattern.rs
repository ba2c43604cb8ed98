use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let ((a, b), c) = ((x, x), x);
    a * b * c
}

fn main() {
    let _ = f(1.0);
}
