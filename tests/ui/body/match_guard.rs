use autodiff_runtime::grad;

#[grad]
fn f(x: f64, n: usize) -> f64 {
    match n {
        k if k > 2 => x,
        _ => x * x,
    }
}

fn main() {
    let _ = f(1.0, 0);
}
