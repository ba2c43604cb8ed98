// An array from a call whose arguments are constants (the macro cannot see `g`'s return type),
// then an element written with a differentiated value and another read: the zero cotangent of
// `w` needs its type (found by difftest, seed 23, function 1381).
use autodiff_runtime::grad;

#[grad]
fn g(x1: f64) -> [f64; 2] {
    [x1, x1]
}

#[grad]
fn fc(v: f64) -> f64 {
    let mut w = g(0.5);
    w[1] = v;
    w[0] + w[1]
}

fn main() {
    let _ = fc_grad(1.0);
}
