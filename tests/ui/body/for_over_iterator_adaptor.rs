use autodiff_runtime::grad;

#[grad]
fn f(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in x.iter().map(|v| v * v) {
        s += v;
    }
    s
}

fn main() {
    let _ = f(&[1.0]);
}
