use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let y: f64;
    y = x * x;
    y
}

fn main() {
    let _ = f(1.0);
}
