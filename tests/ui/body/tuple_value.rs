use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let _t = (x, x);
    x
}

fn main() {
    let _ = f(1.0);
}
