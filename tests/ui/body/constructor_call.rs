use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let o = Some(x);
    o.unwrap_or(0.0)
}

fn main() {
    let _ = f(1.0);
}
