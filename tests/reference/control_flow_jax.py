#!/usr/bin/env python3
"""Reference values and gradients from JAX, for `tests/control_flow_jax.rs`.

How to run (from the workspace root; needs `jax` and `numpy`):

    python3 tests/reference/control_flow_jax.py

What it writes: `tests/reference/control_flow_generated.rs` (next to this script), a Rust module
of `pub const` items, overwritten on every run:

  * the inputs of six functions with control flow, drawn from `numpy.random.default_rng(SEED)`
    (shifted or rejected where a branch or a trip count must be away from its threshold) and
    written with `repr` (the shortest decimal that round-trips, so Rust parses back the very same
    f64s);
  * for each function, its value and its gradient with respect to every differentiated argument,
    computed by `jax.value_and_grad` in float64 (`jax_enable_x64`).

The functions are written below the way the `#[grad]` functions of `tests/control_flow_jax.rs`
write them, statement for statement, with plain Python loops and `if`s on the values: `jax.grad`
traces the path that runs at the given inputs (conditions and trip counts have no derivative),
which is what `#[grad]` differentiates. Each is also checked here against an independent closed
form (the softmax for the logsumexp, the implicit-function derivative for Newton's root, a
vectorised `jnp.where` formula for the others), so a slip in transcribing one is caught.

The Rust tests include the generated file and never run Python. The output is deterministic;
re-running with the same JAX and numpy versions reproduces the file byte for byte.

  (a) `streaming_logsumexp(x)`: logsumexp in one pass with a running maximum; the running sum is
      rescaled by exp(m_old - v) when the maximum moves. Gradient: softmax(x).
  (b) `huber_fit(x, y, w, b, delta)`: the mean Huber loss of the residuals y_i - (w x_i + b) over
      `zip(x, y)`, quadratic inside |r| <= delta and linear outside. Gradients w.r.t. all five.
  (c) `leaky_rnn(xs, w, u, b)`: h <- tanh(a) if a > 0 else 0.1 a, a = w h + u x_t + b, over
      `enumerate(xs)`, summing (t + 1)(h - 0.3)^2. Gradients w.r.t. xs, w, u, b.
  (d) `newton_cubic_root(z0, a, c)`: Newton's iteration for z^3 + a z = c in a `while` loop
      until the step is below 1e-12 (at most 50 steps), then z^2 + sin z. Gradients w.r.t. a
      and c (`wrt(a, c)`): through the iterations that ran.
  (e) `triangular(x)`: sum over j <= i of sin(x_i x_j) / (1 + i - j), skipping (`continue`)
      the pairs with (i + j) % 3 == 2. Gradient w.r.t. x.
  (f) `piecewise(x, c, limit)`: s += c0 v, c1 v^2 or c2 sin v by `match i % 3` over
      `enumerate(x)`, returning sqrt(s) * limit as soon as s > limit. At two limits: one where
      it returns early, one where it runs to the end. Gradients w.r.t. x, c, limit.
"""

import os

import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)

SEED = 20261127
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "control_flow_generated.rs")

# How far every branch condition and trip-count test must be from its threshold at the inputs.
MARGIN = 1e-3


# --------------------------------------------------------------------------------------------
# The functions, as the #[grad] functions write them.


def streaming_logsumexp(x):
    m = -jnp.inf
    s = 0.0
    for i in range(x.shape[0]):
        v = x[i]
        if v > m:
            s = s * jnp.exp(m - v) + 1.0
            m = v
        else:
            s = s + jnp.exp(v - m)
    return m + jnp.log(s)


def huber_fit(x, y, w, b, delta):
    total = 0.0
    for i in range(min(x.shape[0], y.shape[0])):
        r = y[i] - (w * x[i] + b)
        if jnp.abs(r) <= delta:
            total = total + 0.5 * r * r
        else:
            total = total + delta * (jnp.abs(r) - 0.5 * delta)
    return total / x.shape[0]


def leaky_rnn(xs, w, u, b):
    h = 0.0
    loss = 0.0
    for t in range(xs.shape[0]):
        a = w * h + u * xs[t] + b
        if a > 0.0:
            h = jnp.tanh(a)
        else:
            h = 0.1 * a
        loss = loss + (t + 1.0) * (h - 0.3) * (h - 0.3)
    return loss


def newton_cubic_root(z0, a, c):
    z = z0
    step = 1.0
    k = 0
    while jnp.abs(step) > 1e-12 and k < 50:
        step = (z * z * z + a * z - c) / (3.0 * z * z + a)
        z = z - step
        k += 1
    return z * z + jnp.sin(z)


def triangular(x):
    s = 0.0
    n = x.shape[0]
    for i in range(n):
        for j in range(i + 1):
            if (i + j) % 3 == 2:
                continue
            s = s + jnp.sin(x[i] * x[j]) / (1.0 + (i - j))
    return s


def piecewise(x, c, limit):
    s = 0.0
    for i in range(x.shape[0]):
        v = x[i]
        k = i % 3
        if k == 0:
            s = s + c[0] * v
        elif k == 1:
            s = s + c[1] * v * v
        else:
            s = s + c[2] * jnp.sin(v)
        if s > limit:
            return jnp.sqrt(s) * limit
    return s


# --------------------------------------------------------------------------------------------
# Paths and margins: the values the conditions test, computed in plain numpy.


def huber_residuals(x, y, w, b):
    return y - (w * x + b)


def rnn_preactivations(xs, w, u, b):
    h, out = 0.0, []
    for t in range(len(xs)):
        a = w * h + u * xs[t] + b
        out.append(a)
        h = np.tanh(a) if a > 0.0 else 0.1 * a
    return np.array(out)


def newton_steps(z0, a, c):
    z, step, k, steps = z0, 1.0, 0, []
    while abs(step) > 1e-12 and k < 50:
        step = (z * z * z + a * z - c) / (3.0 * z * z + a)
        z = z - step
        k += 1
        steps.append(step)
    return z, steps


def piecewise_sums(x, c):
    s, out = 0.0, []
    for i, v in enumerate(x):
        s += [c[0] * v, c[1] * v * v, c[2] * np.sin(v)][i % 3]
        out.append(s)
    return np.array(out)


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
    return "[" + ", ".join(literal(v) for v in array) + "]"


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

    def value(self, name, value, doc):
        value = np.asarray(value, dtype=np.float64)
        if value.ndim == 0:
            self.items.append(f"/// {doc}\npub const {name}: f64 = {literal(value)};\n")
        else:
            self.items.append(
                f"/// {doc}\npub const {name}: {rust_type(value)} = {rust_value(value)};\n"
            )

    def text(self):
        header = f"""\
// @generated by tests/reference/control_flow_jax.py: do not edit; re-run the script instead.
//
// Inputs drawn from numpy.random.default_rng({SEED}); values and gradients from
// jax.value_and_grad in float64 (jax {jax.__version__}, numpy {np.__version__}).
// Every float is written with Python's repr, which round-trips to the same f64.

#![allow(dead_code)]
#![allow(clippy::approx_constant, clippy::excessive_precision, clippy::unreadable_literal)]
"""
        return header + "".join(self.items)


def close(a, b, rel):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert np.allclose(a, b, rtol=rel, atol=1e-14), (a, b)


def main():
    rng = np.random.default_rng(SEED)
    out = Writer()

    # (a) streaming logsumexp: distinct values, so the running maximum moves and stays.
    x = rng.normal(scale=2.0, size=7)
    assert np.min(np.abs(x[:, None] - x[None, :]) + np.eye(7)) > MARGIN
    value, grad = jax.value_and_grad(streaming_logsumexp)(jnp.array(x))
    close(value, jax.scipy.special.logsumexp(x), 1e-14)
    close(grad, jax.nn.softmax(x), 1e-13)
    out.doc("(a) streaming_logsumexp(x).")
    out.value("LSE_X", x, "x")
    out.value("LSE_VALUE", value, "The value.")
    out.value("LSE_GRAD_X", grad, "∂/∂x")

    # (b) Huber fit: residuals on both sides of ±delta, none near it.
    x = rng.normal(size=10)
    y = 0.8 * x + rng.normal(scale=1.2, size=10)
    w, b, delta = 0.6, -0.2, 0.9
    r = huber_residuals(x, y, w, b)
    assert np.min(np.abs(np.abs(r) - delta)) > MARGIN
    assert (np.abs(r) < delta).sum() >= 3 and (np.abs(r) > delta).sum() >= 3
    value, grads = jax.value_and_grad(huber_fit, argnums=(0, 1, 2, 3, 4))(
        jnp.array(x), jnp.array(y), jnp.float64(w), jnp.float64(b), jnp.float64(delta)
    )

    def huber_closed(x, y, w, b, delta):
        r = y - (w * x + b)
        return jnp.mean(
            jnp.where(jnp.abs(r) <= delta, 0.5 * r * r, delta * (jnp.abs(r) - 0.5 * delta))
        )

    ref = jax.value_and_grad(huber_closed, argnums=(0, 1, 2, 3, 4))(x, y, w, b, delta)
    close(value, ref[0], 1e-13)
    for g, h in zip(grads, ref[1]):
        close(g, h, 1e-12)
    out.doc("(b) huber_fit(x, y, w, b, delta).")
    out.value("HUBER_X", x, "x")
    out.value("HUBER_Y", y, "y")
    out.value("HUBER_W", w, "w")
    out.value("HUBER_B", b, "b")
    out.value("HUBER_DELTA", delta, "delta")
    out.value("HUBER_VALUE", value, "The value.")
    for name, g in zip(["X", "Y", "W", "B", "DELTA"], grads):
        out.value(f"HUBER_GRAD_{name}", g, f"∂/∂{name.lower()}")

    # (c) leaky RNN: pre-activations of both signs, none near 0.
    xs = rng.normal(size=8)
    w, u, b = 0.7, 1.1, 0.05
    pre = rnn_preactivations(xs, w, u, b)
    assert np.min(np.abs(pre)) > MARGIN
    assert (pre > 0).sum() >= 2 and (pre < 0).sum() >= 2
    value, grads = jax.value_and_grad(leaky_rnn, argnums=(0, 1, 2, 3))(
        jnp.array(xs), jnp.float64(w), jnp.float64(u), jnp.float64(b)
    )
    out.doc("(c) leaky_rnn(xs, w, u, b).")
    out.value("RNN_XS", xs, "xs")
    out.value("RNN_W", w, "w")
    out.value("RNN_U", u, "u")
    out.value("RNN_B", b, "b")
    out.value("RNN_VALUE", value, "The value.")
    for name, g in zip(["XS", "W", "U", "B"], grads):
        out.value(f"RNN_GRAD_{name}", g, f"∂/∂{name.lower()}")

    # (d) Newton's root: no step near the 1e-12 threshold, so both sides take the same number.
    z0, a, c = 1.7, 0.8, 2.3
    z, steps = newton_steps(z0, a, c)
    assert all(not (1e-14 < abs(s) < 1e-10) for s in steps), steps
    assert 3 <= len(steps) < 50
    value, grads = jax.value_and_grad(newton_cubic_root, argnums=(1, 2))(
        jnp.float64(z0), jnp.float64(a), jnp.float64(c)
    )
    # The implicit derivative: dz/da = -z / (3z² + a), dz/dc = 1 / (3z² + a).
    dout = 2.0 * z + np.cos(z)
    close(grads[0], dout * -z / (3.0 * z * z + a), 1e-9)
    close(grads[1], dout / (3.0 * z * z + a), 1e-9)
    out.doc(f"(d) newton_cubic_root(z0, a, c), {len(steps)} Newton steps.")
    out.value("NEWTON_Z0", z0, "z0")
    out.value("NEWTON_A", a, "a")
    out.value("NEWTON_C", c, "c")
    out.value("NEWTON_VALUE", value, "The value.")
    out.value("NEWTON_GRAD_A", grads[0], "∂/∂a")
    out.value("NEWTON_GRAD_C", grads[1], "∂/∂c")

    # (e) triangular loop with `continue`.
    x = rng.normal(size=6)
    value, grad = jax.value_and_grad(triangular)(jnp.array(x))
    i, j = np.meshgrid(np.arange(6), np.arange(6), indexing="ij")
    mask = (j <= i) & ((i + j) % 3 != 2)

    def triangular_closed(x):
        # Where the mask is off the denominator may be 0: |i - j| keeps jnp.where's gradient finite.
        terms = jnp.sin(x[:, None] * x[None, :]) / (1.0 + np.abs(i - j))
        return jnp.sum(jnp.where(mask, terms, 0.0))

    ref = jax.value_and_grad(triangular_closed)(x)
    close(value, ref[0], 1e-13)
    close(grad, ref[1], 1e-12)
    out.doc("(e) triangular(x).")
    out.value("TRI_X", x, "x")
    out.value("TRI_VALUE", value, "The value.")
    out.value("TRI_GRAD_X", grad, "∂/∂x")

    # (f) piecewise with an early return: positive terms, so the partial sums increase; one limit
    # between two partial sums (returns at that index), one above them all.
    x = np.abs(rng.normal(size=9)) + 0.2
    c = np.array([0.9, 0.6, 1.3])
    sums = piecewise_sums(x, c)
    assert np.all(np.diff(sums) > 0.05)
    cut = 5
    limits = [
        float(np.round((sums[cut - 1] + sums[cut]) / 2.0, 3)),
        float(np.round(sums[-1] + 1.0, 3)),
    ]
    out.doc("(f) piecewise(x, c, limit).")
    out.value("PIECE_X", x, "x")
    out.value("PIECE_C", c, "c")
    for tag, limit in zip(["EARLY", "LATE"], limits):
        assert np.min(np.abs(sums - limit)) > MARGIN
        value, grads = jax.value_and_grad(piecewise, argnums=(0, 1, 2))(
            jnp.array(x), jnp.array(c), jnp.float64(limit)
        )
        returned = tag == "EARLY"
        n = cut + 1 if returned else len(x)
        s = sums[n - 1]
        close(value, np.sqrt(s) * limit if returned else s, 1e-14)
        d_limit = np.sqrt(s) if returned else 0.0
        close(grads[2], d_limit, 1e-14)
        assert np.all(np.asarray(grads[0])[n:] == 0.0)
        path = f"returns at index {cut}" if returned else "runs to the end"
        out.value(f"PIECE_LIMIT_{tag}", limit, f"The limit ({path}).")
        out.value(f"PIECE_{tag}_VALUE", value, "The value.")
        for name, g in zip(["X", "C", "LIMIT"], grads):
            out.value(f"PIECE_{tag}_GRAD_{name}", g, f"∂/∂{name.lower()}")

    with open(OUT, "w", encoding="utf-8") as f:
        f.write(out.text())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
