use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let (a, b) = (x.sin(), x.cos(), x);
    a * b
}

fn main() {
    let _ = f(1.0);
}
