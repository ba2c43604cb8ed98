use autodiff_runtime::custom_vjp;

#[custom_vjp(vjp = softplus_pullback)]
fn softplus(x: f64) -> f64 {
    (1.0 + x.exp()).ln()
}

fn softplus_pullback(x: f64, _y: f64, bar_y: f64) -> f64 {
    bar_y / (1.0 + (-x).exp())
}

fn main() {
    let _ = softplus(1.0);
}
