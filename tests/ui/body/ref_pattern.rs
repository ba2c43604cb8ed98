use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let ref a = x;
    *a
}

fn main() {
    let _ = f(1.0);
}
