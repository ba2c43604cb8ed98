use autodiff_runtime::grad;

#[grad]
fn f(x: f64, out: &mut [f64]) -> f64 {
    let _ = out;
    x
}

fn main() {
    let _ = f(1.0, &mut [0.0]);
}
