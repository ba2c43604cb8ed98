//! `#[grad]` networks against JAX: the loss and every gradient element of three small networks,
//! compared with constants computed by `jax.value_and_grad` in float64 on the same inputs.
//!
//! The constants are in `tests/reference/generated.rs`, written by
//! `tests/reference/jax_reference.py` (run `python3 tests/reference/jax_reference.py` to
//! regenerate; the tests themselves never run Python). They come from an independent AD system,
//! so they are an oracle for the generated gradients and the runtime's pullbacks together.
//!
//! Tolerance: `|rust − jax| ≤ REL · max(|rust|, |jax|) + ABS` element by element, with
//! `REL = 1e-10` and `ABS = 1e-15`. Both sides compute the same mathematical function in f64 with
//! different (each numerically stable) operation orders, so they differ by rounding only: on
//! these inputs every element agrees to 1e-14 relative with no absolute term (checked when the
//! constants were generated), so the bound leaves four orders of magnitude for other BLAS
//! kernels and FMA contraction; the absolute term only matters for elements within 1e-5 of
//! zero, where cancellation leaves an absolute rather than a relative rounding error. A wrong
//! rule is off by O(1) relative, and `a_perturbed_gradient_is_rejected` shows a change of 1e-8
//! relative in one element is caught.

// Generated, not formatted: re-running the script reproduces it exactly.
#[rustfmt::skip]
#[path = "reference/generated.rs"]
mod generated;

use autodiff_runtime::ndarray::{Array1, Array2, ArrayBase, Axis, Data, Dimension, arr1, arr2};
use autodiff_runtime::{grad, nn};
use generated::*;

mod fixtures;

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

/// Compares every element, and the shapes.
fn assert_all_close<S, T, D>(what: &str, rust: &ArrayBase<S, D>, jax: &ArrayBase<T, D>)
where
    S: Data<Elem = f64>,
    T: Data<Elem = f64>,
    D: Dimension,
{
    assert_eq!(rust.shape(), jax.shape(), "{what}: shapes differ");
    for ((index, &r), &j) in rust.indexed_iter().zip(jax.iter()) {
        assert_close(&format!("{what}{:?}", index), r, j);
    }
}

// ---------------------------------------------------------------------------------------------
// (a) The one-hidden-layer MLP: batch 8, 5 inputs, 7 hidden units, 3 classes.

// `fixtures::loss`, shared with the `mlp_loss` expansion snapshot.

#[test]
fn mlp_matches_jax() {
    let (x, w1, b1, w2, b2) = (
        arr2(&MLP_X),
        arr2(&MLP_W1),
        arr1(&MLP_B1),
        arr2(&MLP_W2),
        arr1(&MLP_B2),
    );
    let (loss, bar_w1, bar_b1, bar_w2, bar_b2) =
        fixtures::loss_grad(&x, &MLP_LABELS, &w1, &b1, &w2, &b2);
    assert_eq!(loss, fixtures::loss(&x, &MLP_LABELS, &w1, &b1, &w2, &b2));
    assert_close("mlp loss", loss, MLP_LOSS);
    assert_all_close("mlp ∂w1", &bar_w1, &arr2(&MLP_GRAD_W1));
    assert_all_close("mlp ∂b1", &bar_b1, &arr1(&MLP_GRAD_B1));
    assert_all_close("mlp ∂w2", &bar_w2, &arr2(&MLP_GRAD_W2));
    assert_all_close("mlp ∂b2", &bar_b2, &arr1(&MLP_GRAD_B2));
}

/// The same network through the split halves and the VJP, which must agree with `_grad`.
#[test]
fn mlp_split_halves_and_vjp_match_jax() {
    let (x, w1, b1, w2, b2) = (
        arr2(&MLP_X),
        arr2(&MLP_W1),
        arr1(&MLP_B1),
        arr2(&MLP_W2),
        arr1(&MLP_B2),
    );
    let (loss, residuals) = fixtures::loss_fwd(&x, &MLP_LABELS, &w1, &b1, &w2, &b2);
    assert_close("mlp_fwd loss", loss, MLP_LOSS);
    let (bar_w1, bar_b1, bar_w2, bar_b2) = fixtures::loss_bwd(residuals, 1.0);
    assert_all_close("mlp_bwd ∂w1", &bar_w1, &arr2(&MLP_GRAD_W1));
    assert_all_close("mlp_bwd ∂b1", &bar_b1, &arr1(&MLP_GRAD_B1));
    assert_all_close("mlp_bwd ∂w2", &bar_w2, &arr2(&MLP_GRAD_W2));
    assert_all_close("mlp_bwd ∂b2", &bar_b2, &arr1(&MLP_GRAD_B2));

    let (_, bar_w1, _, _, bar_b2) = fixtures::loss_vjp(&x, &MLP_LABELS, &w1, &b1, &w2, &b2, -2.0);
    assert_all_close("mlp_vjp ∂w1", &bar_w1, &(arr2(&MLP_GRAD_W1) * -2.0));
    assert_all_close("mlp_vjp ∂b2", &bar_b2, &(arr1(&MLP_GRAD_B2) * -2.0));
}

// ---------------------------------------------------------------------------------------------
// (b) A layer-normalised hidden layer: batch 6, 4 inputs, 5 hidden units, 3 classes.

#[allow(clippy::too_many_arguments)]
#[grad(wrt(x, w1, b1, gamma, beta, w2, b2))]
fn ln_net(
    x: &Array2<f64>,
    labels: &[usize],
    w1: &Array2<f64>,
    b1: &Array1<f64>,
    gamma: &Array1<f64>,
    beta: &Array1<f64>,
    w2: &Array2<f64>,
    b2: &Array1<f64>,
) -> f64 {
    let z = x.dot(w1) + b1;
    let h = nn::tanh(&nn::layer_norm(&z, gamma, beta, LN_EPS));
    let logits = h.dot(w2) + b2;
    nn::cross_entropy(&logits, labels)
}

#[test]
fn layer_norm_network_matches_jax() {
    let (x, w1, b1, gamma, beta, w2, b2) = (
        arr2(&LN_X),
        arr2(&LN_W1),
        arr1(&LN_B1),
        arr1(&LN_GAMMA),
        arr1(&LN_BETA),
        arr2(&LN_W2),
        arr1(&LN_B2),
    );
    let (loss, bar_x, bar_w1, bar_b1, bar_gamma, bar_beta, bar_w2, bar_b2) =
        ln_net_grad(&x, &LN_LABELS, &w1, &b1, &gamma, &beta, &w2, &b2);
    assert_eq!(
        loss,
        ln_net(&x, &LN_LABELS, &w1, &b1, &gamma, &beta, &w2, &b2)
    );
    assert_close("ln_net loss", loss, LN_LOSS);
    assert_all_close("ln_net ∂x", &bar_x, &arr2(&LN_GRAD_X));
    assert_all_close("ln_net ∂w1", &bar_w1, &arr2(&LN_GRAD_W1));
    assert_all_close("ln_net ∂b1", &bar_b1, &arr1(&LN_GRAD_B1));
    assert_all_close("ln_net ∂gamma", &bar_gamma, &arr1(&LN_GRAD_GAMMA));
    assert_all_close("ln_net ∂beta", &bar_beta, &arr1(&LN_GRAD_BETA));
    assert_all_close("ln_net ∂w2", &bar_w2, &arr2(&LN_GRAD_W2));
    assert_all_close("ln_net ∂b2", &bar_b2, &arr1(&LN_GRAD_B2));
}

// ---------------------------------------------------------------------------------------------
// (c) The other `nn` functions and array operations: batch 6, 3 inputs, 4 outputs.

#[grad(wrt(w, v, s))]
fn mixed(x: &Array2<f64>, target: &Array2<f64>, w: &Array2<f64>, v: &Array1<f64>, s: f64) -> f64 {
    let z = x.dot(w) * s;
    let p = nn::softmax(&z);
    let lp = nn::log_softmax(&(&z + v));
    let q = nn::sigmoid(&(&z - v));
    let r = nn::ln(&(nn::exp(&q) + 1.0));
    let lse = nn::logsumexp(&(&r * 2.0));
    let cols = (&r * &p).sum_axis(Axis(0));
    let rows = lp.sum_axis(Axis(1));
    let tq = q.t();
    nn::mse(&p, target)
        + nn::mean(&lp) * 0.5
        + (&lse * &rows).sum() / 10.0
        + (&cols * v).sum()
        + (&tq * &tq).sum() * 0.1
}

#[test]
fn mixed_network_matches_jax() {
    let (x, target, w, v) = (
        arr2(&MIXED_X),
        arr2(&MIXED_TARGET),
        arr2(&MIXED_W),
        arr1(&MIXED_V),
    );
    let (loss, bar_w, bar_v, bar_s) = mixed_grad(&x, &target, &w, &v, MIXED_S);
    assert_eq!(loss, mixed(&x, &target, &w, &v, MIXED_S));
    assert_close("mixed loss", loss, MIXED_LOSS);
    assert_all_close("mixed ∂w", &bar_w, &arr2(&MIXED_GRAD_W));
    assert_all_close("mixed ∂v", &bar_v, &arr1(&MIXED_GRAD_V));
    assert_close("mixed ∂s", bar_s, MIXED_GRAD_S);
}

/// The oracle is not vacuous: a gradient that is off in one element by far less than any wrong
/// rule would be is rejected.
#[test]
#[should_panic(expected = "mlp ∂w1")]
fn a_perturbed_gradient_is_rejected() {
    let mut jax = arr2(&MLP_GRAD_W1);
    let rust = jax.clone();
    jax[[2, 3]] *= 1.0 + 1e-8;
    assert_all_close("mlp ∂w1", &rust, &jax);
}
