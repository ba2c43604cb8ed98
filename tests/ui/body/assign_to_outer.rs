use autodiff_runtime::grad;

static mut COUNT: f64 = 0.0;

#[grad]
fn f(x: f64) -> f64 {
    unsafe { COUNT = x };
    x
}

fn main() {
    let _ = f(1.0);
}
