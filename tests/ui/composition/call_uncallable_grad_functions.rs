// #[grad] functions that a #[grad] function cannot call: the error at the call says why, rather
// than that they have no #[grad].
use autodiff_runtime::grad;

// An output #[grad] does not support: its own error, and callers are told #[grad] failed.
#[grad]
fn stretched(x: &[f64]) -> Vec<f64> {
    vec![x[0] * 2.0, x[1]]
}

// A tuple output: differentiable, but not through a call.
#[grad]
fn polar(r: f64, t: f64) -> (f64, f64) {
    (r * t.cos(), r * t.sin())
}

#[grad]
fn f(x: &[f64]) -> f64 {
    let v = stretched(x);
    v[0] * x[1]
}

#[grad]
fn g(r: f64, t: f64) -> (f64, f64) {
    polar(r, t)
}

fn main() {
    let _ = (f(&[1.0, 2.0]), g(1.0, 2.0));
}
