use autodiff_runtime::custom_vjp;

#[custom_vjp(pullback = softplus_pullbak)]
fn softplus(x: f64) -> f64 {
    (1.0 + x.exp()).ln()
}

fn main() {
    let _ = softplus(1.0);
}
