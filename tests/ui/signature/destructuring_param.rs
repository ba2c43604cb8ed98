use autodiff_runtime::grad;

#[grad]
fn f((x, y): (f64, f64)) -> f64 {
    x * y
}

fn main() {
    let _ = f((1.0, 2.0));
}
