use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let y = x * x;
    return y;
    #[allow(unreachable_code)]
    x
}

fn main() {
    let _ = f(1.0);
}
