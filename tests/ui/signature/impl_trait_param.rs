use autodiff_runtime::grad;

#[grad]
fn f(x: f64, n: impl Into<i32>) -> f64 {
    x.powi(n.into())
}

fn main() {
    let _ = f_grad(1.0, 2);
}
