use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> Vec<f64> {
    vec![x]
}

fn main() {
    let _ = f(1.0);
}
