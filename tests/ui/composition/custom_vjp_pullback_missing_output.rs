// The pullback receives the inputs, the output and the output cotangent: here the output is
// missing from its parameters.
use autodiff_runtime::custom_vjp;

#[custom_vjp(pullback = softplus_pullback)]
fn softplus(x: f64) -> f64 {
    (1.0 + x.exp()).ln()
}

fn softplus_pullback(x: f64, bar_y: f64) -> f64 {
    bar_y / (1.0 + (-x).exp())
}

fn main() {
    let _ = softplus(1.0);
}
