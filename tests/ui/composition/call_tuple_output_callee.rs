// Calls to #[grad] functions with a tuple output.
use autodiff_runtime::grad;

#[grad]
fn polar(r: f64, t: f64) -> (f64, f64) {
    (r * t.cos(), r * t.sin())
}

#[grad]
fn f(r: f64, t: f64) -> f64 {
    let (x, y) = polar(r, t);
    x * y
}

fn main() {
    let _ = f(1.0, 2.0);
}
