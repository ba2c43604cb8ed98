use autodiff_runtime::grad;

#[grad]
fn pair(x: f64) -> (f64, f64) {
    (x.sin(), x.cos())
}

#[grad]
fn f(x: f64) -> f64 {
    let (a, b) = pair(x);
    a * b
}

fn main() {
    let _ = f(1.0);
}
