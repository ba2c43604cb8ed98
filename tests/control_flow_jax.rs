//! `#[grad]` functions with control flow against JAX: the value and every gradient element of six
//! functions, compared with constants computed by `jax.value_and_grad` in float64 on the same
//! inputs, with the JAX functions written as the same loops and branches in Python.
//!
//! The constants are in `tests/reference/control_flow_generated.rs`, written by
//! `tests/reference/control_flow_jax.py` (run `python3 tests/reference/control_flow_jax.py` to
//! regenerate; the tests themselves never run Python). JAX traces the path that runs at the
//! inputs, as `#[grad]` differentiates it, so the constants are an oracle from an independent AD
//! system for the loops' records, the branches' merges, the carried accumulators and the early
//! exits together. The script picks the inputs away from every branch threshold and checks its
//! own functions against closed forms.
//!
//! (a) a one-pass logsumexp with a running maximum (`for &v in x`, `if` rescaling the sum);
//! (b) a Huber loss of a linear fit (`zip`, an `if` expression per residual);
//! (c) an RNN-like scalar recurrence with a leaky branch (`enumerate`, `if` on the
//!     pre-activation);
//! (d) Newton's iteration for a cubic's root in a `while` loop until the step is small
//!     (`wrt(a, c)`);
//! (e) a triangular double loop (`0..=i`) with `continue`;
//! (f) a piecewise sum by `match i % 3` with an early `return`, at a limit that returns and one
//!     that does not.
//!
//! Tolerance as in `nn_reference.rs`: `|rust − jax| ≤ REL · max(|rust|, |jax|)` or `≤ ABS`, with
//! `REL = 1e-10` and `ABS = 1e-15`. Both sides do the same operations in the same order in f64,
//! differing only where the two libraries' `exp`, `ln`, `tanh`, `sin`, `cos` and `sqrt` round
//! differently: on these inputs every value and gradient element agrees to 1e-14 relative (most
//! bit for bit; checked when the constants were generated), so the bound leaves four orders of
//! magnitude; a wrong adjoint is off by O(1) relative, and `a_perturbed_gradient_is_rejected`
//! shows a change of 1e-8 relative in one element is caught. Newton's iteration takes the same
//! number of steps on both sides: the script checks that no step is within two orders of
//! magnitude of the 1e-12 threshold.

// Generated, not formatted: re-running the script reproduces it exactly.
#[rustfmt::skip]
#[path = "reference/control_flow_generated.rs"]
mod generated;

use autodiff_runtime::grad;
use generated::*;

const REL: f64 = 1e-10;
const ABS: f64 = 1e-15;

/// Within [`ABS`] absolutely or [`REL`] relatively.
fn assert_close(what: &str, rust: f64, jax: f64) {
    assert!(
        approx::relative_eq!(rust, jax, epsilon = ABS, max_relative = REL),
        "{what}: #[grad] gives {rust:e}, JAX {jax:e} (difference {:e}, allowed rel {REL:e} or abs {ABS:e})",
        (rust - jax).abs()
    );
}

/// Compares every element, and the lengths.
fn assert_all_close(what: &str, rust: &[f64], jax: &[f64]) {
    assert_eq!(rust.len(), jax.len(), "{what}: lengths differ");
    for (i, (&r, &j)) in rust.iter().zip(jax).enumerate() {
        assert_close(&format!("{what}[{i}]"), r, j);
    }
}

// ---------------------------------------------------------------------------------------------
// (a) logsumexp in one pass: the running sum is rescaled when the maximum moves.

#[grad]
fn streaming_logsumexp(x: &[f64]) -> f64 {
    let mut m = f64::NEG_INFINITY;
    let mut s = 0.0;
    for &v in x {
        if v > m {
            s = s * (m - v).exp() + 1.0;
            m = v;
        } else {
            s += (v - m).exp();
        }
    }
    m + s.ln()
}

#[test]
fn streaming_logsumexp_matches_jax() {
    let (value, grad) = streaming_logsumexp_grad(&LSE_X);
    assert_eq!(value, streaming_logsumexp(&LSE_X));
    assert_close("value", value, LSE_VALUE);
    assert_all_close("∂x", &grad, &LSE_GRAD_X);
}

// ---------------------------------------------------------------------------------------------
// (b) The mean Huber loss of the residuals of a linear fit.

#[grad]
fn huber_fit(x: &[f64], y: &[f64], w: f64, b: f64, delta: f64) -> f64 {
    let mut total = 0.0;
    for (&xi, &yi) in x.iter().zip(y.iter()) {
        let r = yi - (w * xi + b);
        total += if r.abs() <= delta {
            0.5 * r * r
        } else {
            delta * (r.abs() - 0.5 * delta)
        };
    }
    total / x.len() as f64
}

#[test]
fn huber_fit_matches_jax() {
    let (value, gx, gy, gw, gb, gdelta) =
        huber_fit_grad(&HUBER_X, &HUBER_Y, HUBER_W, HUBER_B, HUBER_DELTA);
    assert_eq!(
        value,
        huber_fit(&HUBER_X, &HUBER_Y, HUBER_W, HUBER_B, HUBER_DELTA)
    );
    assert_close("value", value, HUBER_VALUE);
    assert_all_close("∂x", &gx, &HUBER_GRAD_X);
    assert_all_close("∂y", &gy, &HUBER_GRAD_Y);
    assert_close("∂w", gw, HUBER_GRAD_W);
    assert_close("∂b", gb, HUBER_GRAD_B);
    assert_close("∂delta", gdelta, HUBER_GRAD_DELTA);
}

// ---------------------------------------------------------------------------------------------
// (c) A scalar recurrence with a leaky branch: h ← tanh(a) for a > 0, else 0.1·a.

#[grad]
fn leaky_rnn(xs: &[f64], w: f64, u: f64, b: f64) -> f64 {
    let mut h = 0.0;
    let mut loss = 0.0;
    for (t, &x) in xs.iter().enumerate() {
        let a = w * h + u * x + b;
        h = if a > 0.0 { a.tanh() } else { 0.1 * a };
        loss += (t as f64 + 1.0) * (h - 0.3) * (h - 0.3);
    }
    loss
}

#[test]
fn leaky_rnn_matches_jax() {
    let (value, gxs, gw, gu, gb) = leaky_rnn_grad(&RNN_XS, RNN_W, RNN_U, RNN_B);
    assert_eq!(value, leaky_rnn(&RNN_XS, RNN_W, RNN_U, RNN_B));
    assert_close("value", value, RNN_VALUE);
    assert_all_close("∂xs", &gxs, &RNN_GRAD_XS);
    assert_close("∂w", gw, RNN_GRAD_W);
    assert_close("∂u", gu, RNN_GRAD_U);
    assert_close("∂b", gb, RNN_GRAD_B);
}

// ---------------------------------------------------------------------------------------------
// (d) Newton's iteration for z³ + a·z = c, in a `while` loop until the step is below 1e-12.

#[grad(wrt(a, c))]
fn newton_cubic_root(z0: f64, a: f64, c: f64) -> f64 {
    let mut z = z0;
    let mut step: f64 = 1.0;
    let mut k = 0;
    while step.abs() > 1e-12 && k < 50 {
        step = (z * z * z + a * z - c) / (3.0 * z * z + a);
        z -= step;
        k += 1;
    }
    z * z + z.sin()
}

#[test]
fn newton_cubic_root_matches_jax() {
    let (value, ga, gc) = newton_cubic_root_grad(NEWTON_Z0, NEWTON_A, NEWTON_C);
    assert_eq!(value, newton_cubic_root(NEWTON_Z0, NEWTON_A, NEWTON_C));
    assert_close("value", value, NEWTON_VALUE);
    assert_close("∂a", ga, NEWTON_GRAD_A);
    assert_close("∂c", gc, NEWTON_GRAD_C);
}

// ---------------------------------------------------------------------------------------------
// (e) A triangular double loop, skipping the pairs with (i + j) % 3 == 2.

#[grad]
fn triangular(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        for j in 0..=i {
            if (i + j) % 3 == 2 {
                continue;
            }
            s += (x[i] * x[j]).sin() / (1.0 + (i - j) as f64);
        }
    }
    s
}

#[test]
fn triangular_matches_jax() {
    let (value, grad) = triangular_grad(&TRI_X);
    assert_eq!(value, triangular(&TRI_X));
    assert_close("value", value, TRI_VALUE);
    assert_all_close("∂x", &grad, &TRI_GRAD_X);
}

// ---------------------------------------------------------------------------------------------
// (f) A piecewise sum by `match`, returning early once it exceeds the limit.

#[grad]
fn piecewise(x: &[f64], c: &[f64; 3], limit: f64) -> f64 {
    let mut s = 0.0;
    for (i, &v) in x.iter().enumerate() {
        s += match i % 3 {
            0 => c[0] * v,
            1 => c[1] * v * v,
            _ => c[2] * v.sin(),
        };
        if s > limit {
            return s.sqrt() * limit;
        }
    }
    s
}

#[test]
fn piecewise_with_an_early_return_matches_jax() {
    let (value, gx, gc, glimit) = piecewise_grad(&PIECE_X, &PIECE_C, PIECE_LIMIT_EARLY);
    assert_eq!(value, piecewise(&PIECE_X, &PIECE_C, PIECE_LIMIT_EARLY));
    assert_close("value", value, PIECE_EARLY_VALUE);
    assert_all_close("∂x", &gx, &PIECE_EARLY_GRAD_X);
    assert_all_close("∂c", &gc, &PIECE_EARLY_GRAD_C);
    assert_close("∂limit", glimit, PIECE_EARLY_GRAD_LIMIT);
}

#[test]
fn piecewise_to_the_end_matches_jax() {
    let (value, gx, gc, glimit) = piecewise_grad(&PIECE_X, &PIECE_C, PIECE_LIMIT_LATE);
    assert_eq!(value, piecewise(&PIECE_X, &PIECE_C, PIECE_LIMIT_LATE));
    assert_close("value", value, PIECE_LATE_VALUE);
    assert_all_close("∂x", &gx, &PIECE_LATE_GRAD_X);
    assert_all_close("∂c", &gc, &PIECE_LATE_GRAD_C);
    assert_close("∂limit", glimit, PIECE_LATE_GRAD_LIMIT);
}

/// The tolerance catches a wrong gradient: one element moved by 1e-8 relative fails.
#[test]
fn a_perturbed_gradient_is_rejected() {
    let (_, gxs, ..) = leaky_rnn_grad(&RNN_XS, RNN_W, RNN_U, RNN_B);
    let mut perturbed = gxs.clone();
    perturbed[3] *= 1.0 + 1e-8;
    let caught = std::panic::catch_unwind(|| assert_all_close("∂xs", &perturbed, &RNN_GRAD_XS));
    assert!(caught.is_err());
}
