use autodiff_runtime::grad;

#[grad]
fn f(x: f64, y: f64) -> f64 {
    let bigger = x > y;
    let _ = bigger;
    x
}

fn main() {
    let _ = f(1.0, 2.0);
}
