use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let g = |y: f64| y * y;
    g(x)
}

fn main() {
    let _ = f(1.0);
}
