// `for _ in (a..=b).step_by(k)` around a body that keeps nothing per iteration (`s += x`): E0277,
// "the trait bound `RangeInclusive<usize>: ExactSizeIterator` is not satisfied", at the attribute.
// With no records to walk back, the reverse sweep runs the range itself backwards, `.rev()` of
// the `StepBy<RangeInclusive<usize>>`, which is not a `DoubleEndedIterator` (a body keeping
// records, `s = s * x`, compiles, as do `(a..b).step_by(k)` and `(a..=b).rev()`). Found by
// difftest's control-flow generator.
use autodiff_runtime::grad;

#[grad]
fn every_other(x: f64, n: usize) -> f64 {
    let mut s = 0.0;
    for _ in (0..=n).step_by(2) {
        s += x;
    }
    s
}

fn main() {
    // n = 4: three iterations (0, 2, 4), s = 3x, ∂x = 3.
    assert_eq!(every_other_grad(1.5, 4), (4.5, 3.0));
}
