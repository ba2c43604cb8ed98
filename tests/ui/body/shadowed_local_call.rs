use autodiff_runtime::grad;

#[grad]
fn f(x: f64, g: fn(f64) -> f64) -> f64 {
    g(x)
}

fn main() {
    let _ = f(1.0, f64::sin);
}
