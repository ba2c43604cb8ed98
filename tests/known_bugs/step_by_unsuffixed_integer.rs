//! Valid Rust the expansion fails to compile (E0308): an unsuffixed integer `let` read only as
//! `step_by`'s argument is kept for the reverse sweep (the reverse loop reruns the range to index
//! `v[i]`) with the type `i32` (`struct FResiduals { n: i32, .. }`), while `step_by` takes a
//! `usize`: nothing unifies the step with `usize`. Writing `let n: usize = 2;` compiles.

use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let v = [x, 2.0 * x, x * x, 1.0, x];
    let mut s = 0.0;
    let n = 2;
    for i in (0..5).step_by(n) {
        s = s * x + v[i];
    }
    s
}

fn main() {
    // i = 0, 2, 4: s = (v0·x + v2)·x + v4 = x³ + x³ + x = 2x³ + x, f' = 6x² + 1.
    let (value, d) = f_grad(1.5);
    assert_eq!(value, f(1.5));
    assert!((d - (6.0 * 1.5 * 1.5 + 1.0)).abs() < 1e-12);
}
