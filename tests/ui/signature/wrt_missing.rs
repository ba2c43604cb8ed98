use autodiff_runtime::grad;

#[grad(wrt(x, z))]
fn f(x: f64, y: f64) -> f64 {
    x * y
}

fn main() {
    let _ = f(1.0, 2.0);
}
