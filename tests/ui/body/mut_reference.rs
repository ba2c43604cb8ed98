use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let mut y = x;
    let r = &mut y;
    *r * 2.0
}

fn main() {
    let _ = f(1.0);
}
