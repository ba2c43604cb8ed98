// #[custom_vjp] takes no tuple parameters: the error is at the tuple, and says to pass its
// elements separately.
use autodiff_runtime::custom_vjp;

#[custom_vjp(pullback = scale_pullback)]
fn scale(p: (f64, f64)) -> f64 {
    p.0 * p.1
}

fn scale_pullback(p: (f64, f64), _y: f64, bar_y: f64) -> (f64, f64) {
    (bar_y * p.1, bar_y * p.0)
}

fn main() {
    let _ = scale((1.0, 2.0));
}
