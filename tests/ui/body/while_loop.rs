use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let mut s = x;
    while s < 10.0 {
        s *= 2.0;
    }
    s
}

fn main() {
    let _ = f(1.0);
}
