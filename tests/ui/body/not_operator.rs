use autodiff_runtime::grad;

#[grad]
fn f(x: f64, b: bool) -> f64 {
    let _c = !b;
    x
}

fn main() {
    let _ = f(1.0, true);
}
