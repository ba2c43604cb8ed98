//! `#[checkpoint(every = k)]` and `#[checkpoint(snapshots = s)]` on loops: the forward sweep
//! keeps the loop-carried variables every k iterations, or on revolve's binomial schedule with
//! at most s snapshots, and the reverse sweep runs segments of the loop again, recording. The
//! gradient must be the un-annotated loop's to the last bit: every test compares them with
//! `assert_eq!` on every element (and the value), over trip counts that are and are not
//! multiples of k, 0 and 1 iterations, early `break`s, nested loops, `while` and `loop`, and
//! ndarray states.
//!
//! Each function is written once, in a `macro_rules!` that takes the attribute (or nothing)
//! for its loop, so the variants cannot drift apart.

#![allow(clippy::needless_range_loop)] // numeric loops, as users write them

use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, Array2};
use autodiff_runtime::nn;

// An explicit-Euler step of a pendulum, the state a carried fixed-size array.
macro_rules! pendulum {
    ($name:ident $(, $checkpoint:tt)?) => {
        #[grad]
        fn $name(x0: &[f64; 2], k: f64, steps: usize) -> f64 {
            let mut x = *x0;
            $(#[checkpoint $checkpoint])?
            for _ in 0..steps {
                let v = x[1];
                x[1] = v - 0.05 * k * x[0].sin();
                x[0] += 0.05 * v;
            }
            x[0] * x[0] + x[1] * x[1]
        }
    };
}
pendulum!(pendulum);
pendulum!(pendulum_every_1, (every = 1));
pendulum!(pendulum_every_3, (every = 3));
pendulum!(pendulum_every_7, (every = 7));
pendulum!(pendulum_snapshots_1, (snapshots = 1));
pendulum!(pendulum_snapshots_2, (snapshots = 2));
pendulum!(pendulum_snapshots_5, (snapshots = 5));

#[test]
fn a_time_stepper_over_a_carried_array() {
    for steps in [0, 1, 2, 3, 6, 7, 10, 22, 200] {
        let plain = pendulum_grad(&[0.4, -0.2], 3.0, steps);
        let x0 = &[0.4, -0.2];
        assert_eq!(
            plain,
            pendulum_every_1_grad(x0, 3.0, steps),
            "every 1, {steps}"
        );
        assert_eq!(
            plain,
            pendulum_every_3_grad(x0, 3.0, steps),
            "every 3, {steps}"
        );
        assert_eq!(
            plain,
            pendulum_every_7_grad(x0, 3.0, steps),
            "every 7, {steps}"
        );
        assert_eq!(
            plain,
            pendulum_snapshots_1_grad(x0, 3.0, steps),
            "s 1, {steps}"
        );
        assert_eq!(
            plain,
            pendulum_snapshots_2_grad(x0, 3.0, steps),
            "s 2, {steps}"
        );
        assert_eq!(
            plain,
            pendulum_snapshots_5_grad(x0, 3.0, steps),
            "s 5, {steps}"
        );
    }
}

// A loop over a slice, with a branch and a scalar recurrence, over a reversed and a strided
// range too.
macro_rules! recurrence {
    ($name:ident $(, $checkpoint:tt)?) => {
        #[grad]
        fn $name(x: &[f64], s0: f64) -> f64 {
            let mut s = s0;
            $(#[checkpoint $checkpoint])?
            for i in 0..x.len() {
                let t = s.sin() * x[i] + x[i] * x[i];
                s = if t > 0.0 { t } else { 0.5 * t };
            }
            let mut u = s;
            $(#[checkpoint $checkpoint])?
            for i in (1..x.len()).rev().step_by(2) {
                u = u * 0.9 + (u * x[i]).cos();
            }
            u
        }
    };
}
recurrence!(recurrence);
recurrence!(recurrence_every_4, (every = 4));
recurrence!(recurrence_snapshots_3, (snapshots = 3));

#[test]
fn a_recurrence_with_a_branch_and_strided_ranges() {
    for n in [0, 1, 2, 5, 8, 9, 64] {
        let x: Vec<f64> = (0..n).map(|k| ((k as f64) * 0.37).sin() - 0.2).collect();
        let plain = recurrence_grad(&x, 0.3);
        assert_eq!(plain, recurrence_every_4_grad(&x, 0.3), "n = {n}");
        assert_eq!(plain, recurrence_snapshots_3_grad(&x, 0.3), "n = {n}");
    }
}

// An early `break` out of the checkpointed loop.
macro_rules! early_exit {
    ($name:ident $(, $checkpoint:tt)?) => {
        #[grad]
        fn $name(a: f64, n: usize) -> f64 {
            let mut s = a;
            let mut p = 1.0;
            $(#[checkpoint $checkpoint])?
            for i in 0..n {
                s = s * 1.1 + (i as f64) * 0.01 * a;
                p *= s;
                if s > 3.0 {
                    break;
                }
            }
            s + p
        }
    };
}
early_exit!(early_exit);
early_exit!(early_exit_every_3, (every = 3));
early_exit!(early_exit_snapshots_2, (snapshots = 2));
early_exit!(early_exit_snapshots_4, (snapshots = 4));

#[test]
fn an_early_break() {
    for a in [0.5, 1.0, 2.9, 3.5] {
        for n in [0, 1, 4, 9, 30] {
            let plain = early_exit_grad(a, n);
            assert_eq!(plain, early_exit_every_3_grad(a, n), "a = {a}, n = {n}");
            assert_eq!(plain, early_exit_snapshots_2_grad(a, n), "a = {a}, n = {n}");
            assert_eq!(plain, early_exit_snapshots_4_grad(a, n), "a = {a}, n = {n}");
        }
    }
}

// Nested loops: the outer checkpointed, the inner with a break (and checkpointed too).
macro_rules! nested {
    ($name:ident $(, $outer:tt)? $(; $inner:tt)?) => {
        #[grad]
        fn $name(x: &[f64], n: usize) -> f64 {
            let mut s = 0.0;
            $(#[checkpoint $outer])?
            for i in 0..n {
                let mut p = 1.0;
                $(#[checkpoint $inner])?
                for j in i..n {
                    p *= 1.0 + 0.1 * x[j];
                    if p > 3.0 {
                        break;
                    }
                }
                s += p * x[i];
            }
            s
        }
    };
}
nested!(nested);
nested!(nested_every_5, (every = 5));
nested!(nested_snapshots_3, (snapshots = 3));
nested!(nested_inner_every_2; (every = 2));
nested!(nested_both, (snapshots = 2); (every = 3));

#[test]
fn nested_loops() {
    for n in [0, 1, 7, 12] {
        let x: Vec<f64> = (0..12).map(|k| 1.0 + 0.3 * k as f64).collect();
        let plain = nested_grad(&x, n);
        assert_eq!(plain, nested_every_5_grad(&x, n), "n = {n}");
        assert_eq!(plain, nested_snapshots_3_grad(&x, n), "n = {n}");
        assert_eq!(plain, nested_inner_every_2_grad(&x, n), "n = {n}");
        assert_eq!(plain, nested_both_grad(&x, n), "n = {n}");
    }
}

// A `while` loop and a `loop` (`every` only: their trip count is not known when they start).
macro_rules! newton_sqrt {
    ($name:ident $(, $checkpoint:tt)?) => {
        #[grad]
        fn $name(a: f64, iterations: i64) -> f64 {
            let mut y = a;
            let mut k = 0;
            $(#[checkpoint $checkpoint])?
            while k < iterations {
                y = 0.5 * (y + a / y);
                k += 1;
            }
            let mut z = y;
            $(#[checkpoint $checkpoint])?
            loop {
                z = z * 0.75 + 0.01 * a;
                if z < 0.5 {
                    break;
                }
            }
            y + z
        }
    };
}
newton_sqrt!(newton_sqrt);
newton_sqrt!(newton_sqrt_every_1, (every = 1));
newton_sqrt!(newton_sqrt_every_4, (every = 4));

#[test]
fn a_while_loop_and_a_loop() {
    for iterations in [0, 1, 4, 5, 30] {
        let plain = newton_sqrt_grad(2.5, iterations);
        assert_eq!(plain, newton_sqrt_every_1_grad(2.5, iterations));
        assert_eq!(plain, newton_sqrt_every_4_grad(2.5, iterations));
    }
}

// A tanh RNN over `Array2` states (a batch of hidden vectors).
macro_rules! rnn {
    ($name:ident $(, $checkpoint:tt)?) => {
        #[grad(wrt(w, u, b))]
        fn $name(
            w: &Array2<f64>,
            u: &Array2<f64>,
            b: &Array1<f64>,
            xs: &[Array2<f64>],
            h0: &Array2<f64>,
        ) -> f64 {
            let mut h = h0.clone();
            $(#[checkpoint $checkpoint])?
            for t in 0..xs.len() {
                h = nn::tanh(&(h.dot(w) + xs[t].dot(u) + b));
            }
            (&h * &h).sum()
        }
    };
}
rnn!(rnn);
rnn!(rnn_every_3, (every = 3));
rnn!(rnn_snapshots_2, (snapshots = 2));
rnn!(rnn_snapshots_4, (snapshots = 4));

fn matrix(rows: usize, cols: usize, seed: f64) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        ((i * cols + j) as f64 * 0.71 + seed).sin() * 0.5
    })
}

#[test]
fn an_rnn_over_array2_states() {
    let (w, u) = (matrix(4, 4, 0.1), matrix(3, 4, 0.2));
    let b = Array1::from_shape_fn(4, |i| 0.1 * i as f64 - 0.15);
    let h0 = matrix(2, 4, 0.3);
    for steps in [0, 1, 3, 8, 10] {
        let xs: Vec<Array2<f64>> = (0..steps).map(|t| matrix(2, 3, t as f64)).collect();
        let plain = rnn_grad(&w, &u, &b, &xs, &h0);
        assert_eq!(
            plain,
            rnn_every_3_grad(&w, &u, &b, &xs, &h0),
            "steps = {steps}"
        );
        assert_eq!(
            plain,
            rnn_snapshots_2_grad(&w, &u, &b, &xs, &h0),
            "steps = {steps}"
        );
        assert_eq!(
            plain,
            rnn_snapshots_4_grad(&w, &u, &b, &xs, &h0),
            "steps = {steps}"
        );
    }
}

// A stack of layers over `&[Array2<f64>]`.
macro_rules! layers {
    ($name:ident $(, $checkpoint:tt)?) => {
        #[grad(wrt(ws))]
        fn $name(ws: &[Array2<f64>], x: &Array2<f64>) -> f64 {
            let mut h = x.clone();
            $(#[checkpoint $checkpoint])?
            for l in 0..ws.len() {
                h = nn::tanh(&h.dot(&ws[l]));
            }
            h.sum()
        }
    };
}
layers!(layers);
layers!(layers_every_2, (every = 2));
layers!(layers_snapshots_2, (snapshots = 2));

#[test]
fn a_stack_of_layers() {
    let x = matrix(3, 4, 0.9);
    for depth in [0, 1, 5] {
        let ws: Vec<Array2<f64>> = (0..depth).map(|l| matrix(4, 4, l as f64)).collect();
        let plain = layers_grad(&ws, &x);
        assert_eq!(plain, layers_every_2_grad(&ws, &x), "depth = {depth}");
        assert_eq!(plain, layers_snapshots_2_grad(&ws, &x), "depth = {depth}");
    }
}

// What the forward half keeps: the snapshots, not the records.
#[test]
fn the_forward_half_keeps_snapshots_only() {
    let (_, residuals) = pendulum_every_7_fwd(&[0.4, -0.2], 3.0, 100);
    let _: &autodiff_runtime::checkpoint::Periodic<PendulumEvery7Loop0Snapshot> = &residuals.loop0;
    assert_eq!(residuals.loop0.steps(), 100);
    let (_, residuals) = pendulum_snapshots_5_fwd(&[0.4, -0.2], 3.0, 100);
    assert!(residuals.loop0.held() <= 5);
    assert_eq!(std::mem::size_of::<PendulumSnapshots5Loop0Snapshot>(), 16);
}

// A checkpointed loop whose carried variables have no derivative: nothing to keep or rerun.
macro_rules! counted {
    ($name:ident $(, $checkpoint:tt)?) => {
        #[grad]
        fn $name(x: f64, n: usize) -> f64 {
            let mut count = 0;
            let mut y = x;
            $(#[checkpoint $checkpoint])?
            for _ in 0..n {
                count += 2;
            }
            $(#[checkpoint $checkpoint])?
            for _ in 0..count {
                y = y.sin();
            }
            y * count as f64
        }
    };
}
counted!(counted);
counted!(counted_every_2, (every = 2));
counted!(counted_snapshots_2, (snapshots = 2));

#[test]
fn a_loop_without_derivatives() {
    for n in [0, 1, 5] {
        assert_eq!(counted_grad(0.7, n), counted_every_2_grad(0.7, n));
        assert_eq!(counted_grad(0.7, n), counted_snapshots_2_grad(0.7, n));
    }
}
