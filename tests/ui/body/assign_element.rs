use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let mut v = [0.0, 0.0];
    v[0] = x;
    v[0] + v[1]
}

fn main() {
    let _ = f(1.0);
}
