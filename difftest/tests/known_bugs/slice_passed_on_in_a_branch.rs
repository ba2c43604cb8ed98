// A caller's `&[f64]` parameter passed on to a `#[grad]` callee taking `&[f64]`, in an arm of
// an `if` or in a loop body: E0308, "expected `(f64, Vec<f64>)`, found `FirstTimesResiduals<'_>`"
// at the call (the same call outside control flow compiles, as does passing `&[x, 1.0]` or a
// `&[f64; N]` parameter). Found by difftest's control-flow generator.
use autodiff_runtime::grad;

#[grad]
fn first_times(x: f64, s: &[f64]) -> f64 {
    x * s[0]
}

#[grad]
fn in_a_branch(x: f64, s: &[f64]) -> f64 {
    if x > 0.0 { first_times(x, s) } else { x }
}

#[grad]
fn in_a_loop(x: f64, s: &[f64]) -> f64 {
    let mut a = 0.0;
    for _ in 0..2 {
        a += first_times(x, s);
    }
    a
}

fn main() {
    // x > 0: f = x·s₀, ∂x = s₀, ∂s = [x, 0].
    assert_eq!(in_a_branch_grad(1.5, &[2.0, 3.0]), (3.0, 2.0, vec![1.5, 0.0]));
    // f = 2x·s₀: ∂x = 2s₀, ∂s = [2x, 0].
    assert_eq!(in_a_loop_grad(1.5, &[2.0, 3.0]), (6.0, 4.0, vec![3.0, 0.0]));
}
