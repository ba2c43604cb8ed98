use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    if x > 0.0 {
        return;
    }
    x
}

fn main() {
    let _ = f(1.0);
}
