//! Loops and branches add no warnings of their own, even under `deny(warnings)` and
//! `deny(missing_docs)`: the records of public functions are documented, loop indices the
//! reverse sweep recomputes and conditions are used, and nothing is `mut` that is not assigned.
#![deny(warnings, missing_docs)]

/// Public functions with loops and branches.
pub mod api {
    use autodiff_runtime::grad;

    /// A sum over a slice, with a branch and a condition of several parts.
    #[grad]
    pub fn clipped_sum(x: &[f64], limit: f64, on: bool) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            let v = x[i];
            if on && !(v > limit) {
                s += v * v;
            } else {
                s += limit;
            }
        }
        s
    }

    /// A loop that does not read its index, and one that counts down.
    #[grad]
    pub fn repeated(x: f64, n: usize) -> f64 {
        let mut y = x;
        for _ in 0..n {
            y = y.sin();
        }
        for k in (1..=3).rev() {
            y = y * k as f64;
        }
        y
    }
}

fn main() {
    let (_, _, _) = api::clipped_sum_grad(&[1.0, -2.0], 0.5, true);
    let (_, _) = api::repeated_grad(0.5, 3);
}
