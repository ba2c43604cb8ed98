use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    while if x > 0.0 { return 2.0 * x } else { false } {}
    x
}

fn main() {
    let _ = f(1.0);
}
