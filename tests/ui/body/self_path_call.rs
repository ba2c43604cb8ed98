use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    Self::sinh(x) + x
}

fn main() {
    let _ = f(1.0);
}
