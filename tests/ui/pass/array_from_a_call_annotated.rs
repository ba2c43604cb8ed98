// The annotation `tests/ui/body/array_of_unknown_type_written.rs` asks for: with it, an array
// from a call with constant arguments can have an element written with a differentiated value.
use autodiff_runtime::grad;

#[grad]
fn g(x1: f64) -> [f64; 2] {
    [x1, x1]
}

#[grad]
fn fc(v: f64) -> f64 {
    let mut w: [f64; 2] = g(0.5);
    w[1] = v;
    w[0] + w[1] * w[1]
}

fn main() {
    // 0.5 + v², and its slope 2v, at v = 2.
    assert_eq!(fc_grad(2.0), (4.5, 4.0));
}
