use autodiff_runtime::grad;

#[grad]
fn f(x: f64, p: (f64, f64)) -> f64 {
    x * p.0
}

fn main() {
    let _ = f(1.0, (2.0, 3.0));
}
