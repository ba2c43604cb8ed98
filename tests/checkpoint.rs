//! `#[checkpoint]` on a loop: the forward sweep keeps only the loop-carried variables at each
//! iteration, and the reverse sweep runs each iteration again before reversing it. The gradient
//! must be the un-annotated loop's to the last bit: every test compares the two with
//! `assert_eq!` on every element (and the value too), over loops of each kind the control-flow
//! tests cover.

#![allow(clippy::needless_range_loop)] // numeric loops, as users write them

use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, Array2, array};
use autodiff_runtime::nn;

// An explicit-Euler step of a pendulum, the state a carried fixed-size array.
#[grad]
fn pendulum(x0: &[f64; 2], k: f64, steps: usize) -> f64 {
    let mut x = *x0;
    for _ in 0..steps {
        let v = x[1];
        x[1] = v - 0.05 * k * x[0].sin();
        x[0] += 0.05 * v;
    }
    x[0] * x[0] + x[1] * x[1]
}

#[grad]
fn pendulum_checkpointed(x0: &[f64; 2], k: f64, steps: usize) -> f64 {
    let mut x = *x0;
    #[checkpoint]
    for _ in 0..steps {
        let v = x[1];
        x[1] = v - 0.05 * k * x[0].sin();
        x[0] += 0.05 * v;
    }
    x[0] * x[0] + x[1] * x[1]
}

#[test]
fn a_time_stepper_over_a_carried_array() {
    for steps in [0, 1, 7, 200] {
        let a = pendulum_grad(&[0.4, -0.2], 3.0, steps);
        let b = pendulum_checkpointed_grad(&[0.4, -0.2], 3.0, steps);
        assert_eq!(a, b, "steps = {steps}");
    }
}

// A loop reading a slice, with a branch and a scalar recurrence.
#[grad]
fn recurrence(x: &[f64], s0: f64) -> f64 {
    let mut s = s0;
    for i in 0..x.len() {
        let t = s.sin() * x[i] + x[i] * x[i];
        s = if t > 0.0 { t } else { 0.5 * t };
    }
    s
}

#[grad]
fn recurrence_checkpointed(x: &[f64], s0: f64) -> f64 {
    let mut s = s0;
    #[checkpoint]
    for i in 0..x.len() {
        let t = s.sin() * x[i] + x[i] * x[i];
        s = if t > 0.0 { t } else { 0.5 * t };
    }
    s
}

#[test]
fn a_recurrence_with_a_branch() {
    let x: Vec<f64> = (0..64).map(|k| ((k as f64) * 0.37).sin() - 0.2).collect();
    assert_eq!(
        recurrence_grad(&x, 0.3),
        recurrence_checkpointed_grad(&x, 0.3)
    );
}

// A loop with a nested loop and an early exit, checkpointed on the outer loop.
#[grad]
fn nested(x: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        let mut p = 1.0;
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

#[grad]
fn nested_checkpointed(x: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    #[checkpoint]
    for i in 0..n {
        let mut p = 1.0;
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

#[test]
fn a_nested_loop_with_a_break() {
    let x: Vec<f64> = (0..12).map(|k| 1.0 + 0.3 * k as f64).collect();
    assert_eq!(nested_grad(&x, 12), nested_checkpointed_grad(&x, 12));
}

// A `while` loop to convergence.
#[grad]
fn newton_sqrt(a: f64) -> f64 {
    let mut y = a;
    let mut k = 0;
    while k < 30 {
        y = 0.5 * (y + a / y);
        k += 1;
    }
    y
}

#[grad]
fn newton_sqrt_checkpointed(a: f64) -> f64 {
    let mut y = a;
    let mut k = 0;
    #[checkpoint]
    while k < 30 {
        y = 0.5 * (y + a / y);
        k += 1;
    }
    y
}

#[test]
fn a_while_loop() {
    assert_eq!(newton_sqrt_grad(2.5), newton_sqrt_checkpointed_grad(2.5));
}

// A tanh RNN over ndarray states.
#[grad(wrt(w, b))]
fn rnn(w: &Array2<f64>, b: &Array1<f64>, h0: &Array1<f64>, steps: usize) -> f64 {
    let mut h = h0.clone();
    for _ in 0..steps {
        h = nn::tanh(&(w.dot(&h) + b));
    }
    (&h * &h).sum()
}

#[grad(wrt(w, b))]
fn rnn_checkpointed(w: &Array2<f64>, b: &Array1<f64>, h0: &Array1<f64>, steps: usize) -> f64 {
    let mut h = h0.clone();
    #[checkpoint]
    for _ in 0..steps {
        h = nn::tanh(&(w.dot(&h) + b));
    }
    (&h * &h).sum()
}

#[test]
fn an_rnn_over_ndarray_states() {
    let w = array![[0.5, -0.3, 0.1], [0.2, 0.4, -0.6], [-0.1, 0.3, 0.2]];
    let b = array![0.1, -0.2, 0.05];
    let h0 = array![0.3, -0.1, 0.7];
    assert_eq!(
        rnn_grad(&w, &b, &h0, 16),
        rnn_checkpointed_grad(&w, &b, &h0, 16)
    );
}

// The records a checkpointed loop keeps: one carried value per iteration, not the body's
// intermediates (the residuals of `f_fwd` are the evidence).
#[test]
fn the_forward_half_keeps_the_carried_variables_only() {
    let x: Vec<f64> = (0..1000).map(|k| (k as f64 * 0.01).cos()).collect();
    let plain = std::mem::size_of_val(&recurrence_fwd(&x, 0.3).1);
    let checkpointed = std::mem::size_of_val(&recurrence_checkpointed_fwd(&x, 0.3).1);
    assert_eq!(plain, checkpointed, "both keep one Vec of records");
    // One f64 per iteration against the body's values and the branch's record.
    assert_eq!(std::mem::size_of::<RecurrenceCheckpointedLoop0>(), 8);
    assert!(std::mem::size_of::<RecurrenceLoop0>() > 8);
}

// Found writing ADBench's LSTM and GMM: a `Vec` carried by a checkpointed loop (its record was
// taken after the body had moved it), and a checkpointed body reading its index only in
// values no adjoint reads (under `wrt(w)` the index was not bound in the reverse sweep). The
// `Vec`s are what the ADBench code carries (a run-time size there).

#[allow(clippy::useless_vec, reason = "a Vec is the case under test")]
#[grad]
fn carried_vec_stored(x: &[f64], n: usize) -> f64 {
    let mut s = vec![0.0; 2];
    let mut total = 0.0;
    for _ in 0..n {
        for i in 0..2 {
            s[i] = (s[i] + x[i]).sin();
        }
        total += s[0] * s[1];
    }
    total
}

#[allow(clippy::useless_vec, reason = "a Vec is the case under test")]
#[grad]
fn carried_vec_checkpointed(x: &[f64], n: usize) -> f64 {
    let mut s = vec![0.0; 2];
    let mut total = 0.0;
    #[checkpoint]
    for _ in 0..n {
        for i in 0..2 {
            s[i] = (s[i] + x[i]).sin();
        }
        total += s[0] * s[1];
    }
    total
}

#[test]
fn a_vec_carried_by_a_checkpointed_loop() {
    let x = [0.3, -0.7];
    for n in [0, 1, 5] {
        assert_eq!(
            carried_vec_checkpointed_grad(&x, n),
            carried_vec_stored_grad(&x, n)
        );
    }
}

#[allow(clippy::useless_vec, reason = "a Vec is the case under test")]
#[grad(wrt(w))]
fn index_read_stored(w: f64, x: &[f64], n: usize) -> f64 {
    let mut t = 0.0;
    for i in 0..n {
        let mut v = vec![0.0; 2];
        for j in 0..2 {
            v[j] = x[i * 2 + j] - w;
        }
        t += v[0] * v[1];
    }
    t
}

#[allow(clippy::useless_vec, reason = "a Vec is the case under test")]
#[grad(wrt(w))]
fn index_read_checkpointed(w: f64, x: &[f64], n: usize) -> f64 {
    let mut t = 0.0;
    #[checkpoint]
    for i in 0..n {
        let mut v = vec![0.0; 2];
        for j in 0..2 {
            v[j] = x[i * 2 + j] - w;
        }
        t += v[0] * v[1];
    }
    t
}

#[test]
fn a_checkpointed_body_reading_its_index_under_wrt() {
    let x = [0.5, 1.5, -1.0, 2.0, 0.25, -0.75];
    for n in [0, 1, 3] {
        assert_eq!(
            index_read_checkpointed_grad(0.3, &x, n),
            index_read_stored_grad(0.3, &x, n)
        );
    }
}
