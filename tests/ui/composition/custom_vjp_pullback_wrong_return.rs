// The pullback of a function of two floats must return a pair of cotangents.
use autodiff_runtime::custom_vjp;

#[custom_vjp(pullback = mul_pullback)]
fn mul(a: f64, b: f64) -> f64 {
    a * b
}

fn mul_pullback(a: f64, _b: f64, _y: f64, bar: f64) -> f64 {
    bar * a
}

fn main() {
    let _ = mul(1.0, 2.0);
}
