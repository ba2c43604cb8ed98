use autodiff_runtime::grad;

#[grad]
fn f(n: usize, k: i32) -> f64 {
    (n as f64).powi(k)
}

fn main() {
    let _ = f(1, 2);
}
