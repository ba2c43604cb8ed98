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

/// `while`, `loop`, jumps, `match`, local arrays and lists of arrays.
pub mod more {
    use autodiff_runtime::grad;
    use autodiff_runtime::ndarray::{Array1, Array2};

    /// Kinds of step.
    #[derive(Clone, Copy)]
    pub enum Step {
        /// Halve.
        Half,
        /// Square.
        Square,
    }

    /// A `while` loop, a `loop` with `break value`, `continue`, an early `return`, a `match`.
    #[grad]
    pub fn jumps(x: f64, steps: &[Step], limit: usize) -> f64 {
        let mut y = x;
        let mut k = 0;
        while k < limit {
            k += 1;
            if y > 100.0 {
                continue;
            }
            y = match steps[k % steps.len()] {
                Step::Half => 0.5 * y,
                Step::Square => y * y,
            };
        }
        let z = loop {
            if y < 2.0 {
                break y;
            }
            y = y.sqrt();
        };
        if z < 0.0 {
            return -z;
        }
        z * x
    }

    /// Local arrays written in loops, a list of matrices.
    #[grad(wrt(ws, x))]
    pub fn layers(ws: &[Array2<f64>], x: &Array1<f64>, n: usize) -> f64 {
        let mut h = x.clone();
        for l in 0..ws.len() {
            h = ws[l].dot(&h);
        }
        let mut acc = vec![0.0; n];
        let mut fixed = [0.0; 3];
        for i in 0..n {
            acc[i] += h.sum() * i as f64;
            fixed[i % 3] = acc[i];
        }
        acc[n - 1] + fixed[0]
    }
}

use autodiff_runtime::ndarray::{Array1, Array2};

fn main() {
    let (_, _, _) = api::clipped_sum_grad(&[1.0, -2.0], 0.5, true);
    let (_, _) = api::repeated_grad(0.5, 3);
    let (_, _) = more::jumps_grad(3.0, &[more::Step::Half, more::Step::Square], 4);
    let ws = vec![Array2::<f64>::eye(2)];
    let (_, _, _) = more::layers_grad(&ws, &Array1::ones(2), 3);
}
