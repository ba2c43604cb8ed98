use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    const TWO: f64 = 2.0;
    x * TWO
}

fn main() {
    let _ = f(1.0);
}
