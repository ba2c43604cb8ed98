use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let a = x * z;
    a.sin()
}

fn main() {
    let _ = f(1.0);
}
