#!/usr/bin/env python3
"""Reference losses and gradients from JAX, for `tests/nn_reference.rs`.

How to run (from the workspace root; needs `jax` and `numpy`):

    python3 tests/reference/jax_reference.py

What it writes: `tests/reference/generated.rs` (next to this script), a Rust module of `pub const`
items, overwritten on every run:

  * the inputs of three small networks, drawn from `numpy.random.default_rng(SEED)` and written
    with `repr` (the shortest decimal that round-trips, so Rust parses back the very same f64s);
  * for each network, the loss and the gradient with respect to every differentiated argument,
    computed by `jax.value_and_grad` in float64 (`jax_enable_x64`).

The Rust tests include that file and never run Python: the constants are an oracle from an
independent AD system. The output is deterministic; re-running with the same JAX and numpy
versions reproduces the file byte for byte (up to the versions recorded in its header).

The networks, written the way `#[grad]` functions write them in `tests/nn_reference.rs`:

  (a) `mlp`: one hidden layer, batch 8, 5 inputs, 7 hidden units, 3 classes.
          h = relu(x @ w1 + b1); logits = h @ w2 + b2; loss = cross_entropy(logits, labels)
      gradients with respect to w1, b1, w2, b2.

  (b) `ln_net`: a layer-normalised hidden layer, batch 6, 4 inputs, 5 hidden units, 3 classes.
          h = tanh(layer_norm(x @ w1 + b1, gamma, beta, 1e-5)); logits = h @ w2 + b2;
          loss = cross_entropy(logits, labels)
      gradients with respect to x, w1, b1, gamma, beta, w2, b2.

  (c) `mixed`: the remaining `nn` functions and array operations (sigmoid, exp, ln, softmax,
      log_softmax, logsumexp, mse, mean, sum_axis, t, broadcasting, a scalar parameter),
      batch 6, 3 inputs, 4 outputs; gradients with respect to w, v, s. See `mixed` below.

Definitions match `autodiff_runtime::nn`:

  * cross_entropy(logits, labels) = mean over rows of logsumexp(row) - row[label];
  * layer_norm(x, gamma, beta, eps) = (x - mean) / sqrt(var + eps) * gamma + beta along the last
    axis, with the biased variance (divided by n) and eps inside the square root;
  * softmax, log_softmax and logsumexp act along the last axis; mse and mean average over all
    elements.
"""

import os

import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)

SEED = 20240611
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "generated.rs")
LN_EPS = 1e-5


# --------------------------------------------------------------------------------------------
# The nn functions, as autodiff_runtime::nn defines them.


def cross_entropy(logits, labels):
    lse = jax.scipy.special.logsumexp(logits, axis=-1)
    picked = jnp.take_along_axis(logits, labels[:, None], axis=-1)[:, 0]
    return jnp.mean(lse - picked)


def layer_norm(x, gamma, beta, eps):
    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean((x - mean) ** 2, axis=-1, keepdims=True)  # biased
    return (x - mean) / jnp.sqrt(var + eps) * gamma + beta


def mse(a, b):
    return jnp.mean((a - b) ** 2)


# --------------------------------------------------------------------------------------------
# The networks.


def mlp(w1, b1, w2, b2, x, labels):
    h = jax.nn.relu(x @ w1 + b1)
    logits = h @ w2 + b2
    return cross_entropy(logits, labels)


def ln_net(x, w1, b1, gamma, beta, w2, b2, labels):
    h = jnp.tanh(layer_norm(x @ w1 + b1, gamma, beta, LN_EPS))
    logits = h @ w2 + b2
    return cross_entropy(logits, labels)


def mixed(w, v, s, x, target):
    z = (x @ w) * s
    p = jax.nn.softmax(z, axis=-1)
    lp = jax.nn.log_softmax(z + v, axis=-1)
    q = jax.nn.sigmoid(z - v)
    r = jnp.log(jnp.exp(q) + 1.0)
    lse = jax.scipy.special.logsumexp(r * 2.0, axis=-1)
    cols = jnp.sum(r * p, axis=0)
    rows = jnp.sum(lp, axis=1)
    tq = q.T
    return (
        mse(p, target)
        + jnp.mean(lp) * 0.5
        + jnp.sum(lse * rows) / 10.0
        + jnp.sum(cols * v)
        + jnp.sum(tq * tq) * 0.1
    )


# --------------------------------------------------------------------------------------------
# Rust output.


def literal(value):
    """The shortest decimal that round-trips, as a Rust f64 literal."""
    value = float(value)
    assert np.isfinite(value), value
    text = repr(value)
    assert float(text) == value
    return text


def rust_value(array):
    array = np.asarray(array)
    if array.ndim == 0:
        return literal(array)
    if array.ndim == 1:
        return "[" + ", ".join(literal(v) for v in array) + "]"
    rows = ",\n    ".join(rust_value(row) for row in array)
    return "[\n    " + rows + ",\n]"


def rust_type(array):
    array = np.asarray(array)
    ty = "f64"
    for extent in reversed(array.shape):
        ty = f"[{ty}; {extent}]"
    return ty


class Writer:
    def __init__(self):
        self.items = []

    def doc(self, text):
        self.items.append(f"\n// {text}\n")

    def array(self, name, array, doc=None):
        array = np.asarray(array, dtype=np.float64)
        shape = "×".join(str(e) for e in array.shape) or "scalar"
        line = f"/// {doc} ({shape})\n" if doc else f"/// Shape {shape}.\n"
        self.items.append(
            f"{line}pub const {name}: {rust_type(array)} = {rust_value(array)};\n"
        )

    def labels(self, name, labels):
        values = ", ".join(str(int(v)) for v in labels)
        self.items.append(
            f"pub const {name}: [usize; {len(labels)}] = [{values}];\n"
        )

    def scalar(self, name, value, doc):
        self.items.append(f"/// {doc}\npub const {name}: f64 = {literal(value)};\n")

    def text(self):
        header = f"""\
// @generated by tests/reference/jax_reference.py: do not edit; re-run the script instead.
//
// Inputs drawn from numpy.random.default_rng({SEED}); losses and gradients from
// jax.value_and_grad in float64 (jax {jax.__version__}, numpy {np.__version__}).
// Every float is written with Python's repr, which round-trips to the same f64.

#![allow(dead_code)]
#![allow(clippy::approx_constant, clippy::excessive_precision, clippy::unreadable_literal)]
"""
        return header + "".join(self.items)


def main():
    rng = np.random.default_rng(SEED)
    out = Writer()

    # (a) The MLP.
    x = rng.normal(size=(8, 5))
    labels = rng.integers(0, 3, size=8)
    w1 = rng.normal(scale=0.5, size=(5, 7))
    b1 = rng.normal(scale=0.1, size=7)
    w2 = rng.normal(scale=0.5, size=(7, 3))
    b2 = rng.normal(scale=0.1, size=3)
    pre = x @ w1 + b1
    # Away from relu's kink, and with both signs, so the gradient is defined and nontrivial.
    assert np.min(np.abs(pre)) > 1e-3 and (pre < 0).any() and (pre > 0).any()
    loss, grads = jax.value_and_grad(mlp, argnums=(0, 1, 2, 3))(
        jnp.array(w1), jnp.array(b1), jnp.array(w2), jnp.array(b2), jnp.array(x), labels
    )
    out.doc("(a) mlp: relu(x·w1 + b1)·w2 + b2 -> cross_entropy. Inputs.")
    out.array("MLP_X", x)
    out.labels("MLP_LABELS", labels)
    out.array("MLP_W1", w1)
    out.array("MLP_B1", b1)
    out.array("MLP_W2", w2)
    out.array("MLP_B2", b2)
    out.doc("(a) mlp: the loss and its gradients, from JAX.")
    out.scalar("MLP_LOSS", loss, "The loss.")
    for name, grad in zip(["W1", "B1", "W2", "B2"], grads):
        out.array(f"MLP_GRAD_{name}", grad, f"∂loss/∂{name.lower()}")

    # (b) The layer-norm network.
    x = rng.normal(size=(6, 4))
    labels = rng.integers(0, 3, size=6)
    w1 = rng.normal(scale=0.6, size=(4, 5))
    b1 = rng.normal(scale=0.1, size=5)
    gamma = 1.0 + rng.normal(scale=0.2, size=5)
    beta = rng.normal(scale=0.1, size=5)
    w2 = rng.normal(scale=0.5, size=(5, 3))
    b2 = rng.normal(scale=0.1, size=3)
    args = [jnp.array(a) for a in (x, w1, b1, gamma, beta, w2, b2)]
    loss, grads = jax.value_and_grad(ln_net, argnums=tuple(range(7)))(*args, labels)
    out.doc(
        "(b) ln_net: tanh(layer_norm(x·w1 + b1, gamma, beta, LN_EPS))·w2 + b2 -> "
        "cross_entropy. Inputs."
    )
    out.scalar("LN_EPS", LN_EPS, "The layer norm's eps.")
    out.array("LN_X", x)
    out.labels("LN_LABELS", labels)
    out.array("LN_W1", w1)
    out.array("LN_B1", b1)
    out.array("LN_GAMMA", gamma)
    out.array("LN_BETA", beta)
    out.array("LN_W2", w2)
    out.array("LN_B2", b2)
    out.doc("(b) ln_net: the loss and its gradients, from JAX.")
    out.scalar("LN_LOSS", loss, "The loss.")
    for name, grad in zip(["X", "W1", "B1", "GAMMA", "BETA", "W2", "B2"], grads):
        out.array(f"LN_GRAD_{name}", grad, f"∂loss/∂{name.lower()}")

    # (c) The mixed network.
    x = rng.normal(size=(6, 3))
    target = rng.uniform(0.0, 0.5, size=(6, 4))
    w = rng.normal(scale=0.7, size=(3, 4))
    v = rng.normal(scale=0.3, size=4)
    s = 1.0 + float(rng.uniform(-0.3, 0.3))
    loss, grads = jax.value_and_grad(mixed, argnums=(0, 1, 2))(
        jnp.array(w), jnp.array(v), jnp.float64(s), jnp.array(x), jnp.array(target)
    )
    out.doc("(c) mixed: see `mixed` in jax_reference.py. Inputs.")
    out.array("MIXED_X", x)
    out.array("MIXED_TARGET", target)
    out.array("MIXED_W", w)
    out.array("MIXED_V", v)
    out.scalar("MIXED_S", s, "The scalar parameter.")
    out.doc("(c) mixed: the loss and its gradients, from JAX.")
    out.scalar("MIXED_LOSS", loss, "The loss.")
    for name, grad in zip(["W", "V"], grads[:2]):
        out.array(f"MIXED_GRAD_{name}", grad, f"∂loss/∂{name.lower()}")
    out.scalar("MIXED_GRAD_S", grads[2], "∂loss/∂s")

    with open(OUT, "w", encoding="utf-8") as f:
        f.write(out.text())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
