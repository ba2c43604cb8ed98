use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    match x * 2.0 {
        0.0 => x,
        _ => x * x,
    }
}

fn main() {
    let _ = f(1.0);
}
