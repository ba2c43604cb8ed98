use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let mut v = [x, x];
    v[0] += x;
    v[0]
}

fn main() {
    let _ = f(1.0);
}
