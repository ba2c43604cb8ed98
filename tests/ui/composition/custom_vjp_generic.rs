use autodiff_runtime::{Float, custom_vjp};

#[custom_vjp(pullback = softplus_pullback)]
fn softplus<T: Float>(x: T) -> T {
    (T::one() + x.exp()).ln()
}

fn softplus_pullback<T: Float>(x: T, _y: T, bar_y: T) -> T {
    bar_y / (T::one() + (-x).exp())
}

fn main() {
    let _ = softplus(1.0_f64);
}
