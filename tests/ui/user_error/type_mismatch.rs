use autodiff_runtime::grad;

#[grad]
fn f(x: f64, y: f32) -> f64 {
    let a = x * y;
    a.sin()
}

fn main() {
    let _ = f(1.0, 2.0);
}
