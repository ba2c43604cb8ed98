use autodiff_runtime::grad;

#[grad]
fn f(xs: [f64; 2], x: f64) -> f64 {
    let i = x.abs() as usize;
    xs[i]
}

fn main() {
    let _ = f([1.0, 2.0], 0.0);
}
