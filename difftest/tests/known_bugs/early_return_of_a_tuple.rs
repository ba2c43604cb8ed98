// `return` of a tuple before the end of a function returning `(f64, [f64; N])`: the returned
// value's cotangent is a tuple, which the reverse sweep starts at `unreachable!()` and
// accumulates with `+=` (E0282 at the `return`). Found by difftest's control-flow generator.
use autodiff_runtime::grad;

#[grad]
fn early_tuple(x: f64) -> (f64, [f64; 1]) {
    if x > 0.0 {
        return (x, [x * x]);
    }
    (2.0 * x, [x])
}

fn main() {
    // x = 1.5 returns early: (x, [x²]), so ∂ = 1·1 + 2x·1 = 4.
    let ((v, a), dx) = early_tuple_vjp(1.5, (1.0, [1.0]));
    assert_eq!((v, a), (1.5, [2.25]));
    assert_eq!(dx, 4.0);
    // x = −1 goes on: (2x, [x]), ∂ = 2 + 1 = 3.
    let (_, dx) = early_tuple_vjp(-1.0, (1.0, [1.0]));
    assert_eq!(dx, 3.0);
}
