use autodiff_runtime::grad;

#[grad]
fn f(xs: [f64; 3], x: f64) -> f64 {
    xs[x]
}

fn main() {
    let _ = f([1.0, 2.0, 3.0], 0.0);
}
