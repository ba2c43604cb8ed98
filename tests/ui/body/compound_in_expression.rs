use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let mut s = x;
    let _u = s += 1.0;
    s
}

fn main() {
    let _ = f(1.0);
}
