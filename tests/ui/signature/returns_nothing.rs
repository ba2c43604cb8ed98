use autodiff_runtime::grad;

#[grad]
fn f(x: f64) {
    let _ = x * x;
}

fn main() {
    f(1.0);
}
