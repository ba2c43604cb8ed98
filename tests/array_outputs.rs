//! Every array primitive as the *returned* value of an array-output `#[grad]` function: the
//! value whose pullback reads it is both returned and kept for the reverse sweep, so the forward
//! half returns a copy (issue 9, item 1: this once failed with E0382 "use of moved value").
//!
//! For each function `f` (in a module of its own): `f_vjp` against central finite differences of
//! `⟨bar, f(x, w, s)⟩` (`autodiff_runtime::check`, default f64 tolerances), `f_fwd`/`f_bwd` against
//! `f_vjp` bit for bit, and a caller that reduces `f`'s output against finite differences too.

#![allow(
    clippy::let_and_return,
    reason = "`let q = ..; q` is one of the forms under test"
)]

use autodiff_runtime::check;
use autodiff_runtime::ndarray::{Array, Array1, Array2, Dimension};
use autodiff_runtime::{grad, nn};

/// Fixed points away from `relu`'s kink, positive where `ln` or a division needs it.
fn point(rows: usize, cols: usize, seed: f64, positive: bool) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        let v = ((i * cols + j) as f64 * 0.731 + seed).sin();
        if positive {
            0.5 + v.abs()
        } else if v.abs() < 0.1 {
            v + 0.3
        } else {
            v
        }
    })
}

fn weights<D: Dimension>(like: &Array<f64, D>) -> Array<f64, D> {
    let mut k = 0.0;
    like.map(|_| {
        k += 1.0;
        (k * 1.37_f64).cos()
    })
}

macro_rules! returned {
    ($($name:ident($out:ty, $positive:expr): |$x:ident, $w:ident, $s:ident| $body:block;)*) => {$(
        mod $name {
            use super::*;

            #[grad]
            pub fn f($x: &Array2<f64>, $w: &Array2<f64>, $s: f64) -> $out $body

            #[grad(wrt(x, w, s))]
            pub fn caller(x: &Array2<f64>, w: &Array2<f64>, s: f64, c: &$out) -> f64 {
                let y: $out = f(x, w, s);
                (y * c).sum()
            }

            #[test]
            fn vjp_split_halves_and_caller() {
                let (x, w, s) = (point(3, 3, 0.3, $positive), point(3, 3, 1.1, $positive), 0.7);
                let y = f(&x, &w, s);
                let bar = weights(&y);
                let (value, bar_x, bar_w, bar_s) = f_vjp(&x, &w, s, &bar);
                assert_eq!(value, y);
                check::gradient(
                    |(x, w, s): &(Array2<f64>, Array2<f64>, f64)| (f(x, w, *s) * &bar).sum(),
                    &(x.clone(), w.clone(), s),
                    &(bar_x.clone(), bar_w.clone(), bar_s),
                )
                .assert_ok();
                let (split_value, residuals) = f_fwd(&x, &w, s);
                assert_eq!(split_value, y);
                assert_eq!(f_bwd(residuals, &bar), (bar_x.clone(), bar_w.clone(), bar_s));
                let (_, cx, cw, cs) = caller_grad(&x, &w, s, &bar);
                assert_eq!((cx, cw, cs), (bar_x, bar_w, bar_s));
            }
        }
    )*};
}

returned! {
    relu(Array2<f64>, false): |x, w, s| { nn::relu(&(x * s + w)) };
    sigmoid(Array2<f64>, false): |x, w, s| { nn::sigmoid(&(x * s + w)) };
    tanh(Array2<f64>, false): |x, w, s| { nn::tanh(&(x * s).dot(w)) };
    exp(Array2<f64>, false): |x, w, s| { nn::exp(&(x * s - w)) };
    ln(Array2<f64>, true): |x, w, s| { nn::ln(&(x * s + w)) };
    gelu(Array2<f64>, false): |x, w, s| { nn::gelu(&(x * s + w)) };
    softmax(Array2<f64>, false): |x, w, s| { nn::softmax(&(x * s + w)) };
    log_softmax(Array2<f64>, false): |x, w, s| { nn::log_softmax(&(x * s + w)) };
    logsumexp(Array1<f64>, false): |x, w, s| { nn::logsumexp(&(x * s + w)) };
    dot(Array2<f64>, false): |x, w, s| { (x * s).dot(w) };
    sum_axis(Array1<f64>, false): |x, w, s| { (x * s + w).sum_axis(autodiff_runtime::ndarray::Axis(0)) };
    array_over_array(Array2<f64>, true): |x, w, s| { x * s / w };
    array_over_scalar(Array2<f64>, true): |x, w, s| { (x + w) / s };
    scalar_over_array(Array2<f64>, true): |x, w, s| { s / (x + w) };
    product(Array2<f64>, false): |x, w, s| { x * s * w };
    sum(Array2<f64>, false): |x, w, s| { x * s + w };
    difference(Array2<f64>, false): |x, w, s| { x * s - w };
    negation(Array2<f64>, false): |x, w, s| { -(x * w * s) };
    named_then_returned(Array2<f64>, true): |x, w, s| {
        let q = x * s / w;
        q
    };
    rebound_then_returned(Array2<f64>, true): |x, w, s| {
        let q = x * s / w;
        let r = q;
        r
    };
}

#[grad]
fn normalized(x: &Array2<f64>, gain: &Array1<f64>, bias: &Array1<f64>) -> Array2<f64> {
    nn::layer_norm(x, gain, bias, 1e-5)
}

#[test]
fn layer_norm_returned() {
    let x = point(3, 4, 0.2, false);
    let (gain, bias) = (
        point(1, 4, 0.9, true).row(0).to_owned(),
        point(1, 4, 2.0, false).row(0).to_owned(),
    );
    let bar = weights(&x);
    let (value, bar_x, bar_gain, bar_bias) = normalized_vjp(&x, &gain, &bias, &bar);
    assert_eq!(value, normalized(&x, &gain, &bias));
    check::gradient(
        |(x, g, b): &(Array2<f64>, Array1<f64>, Array1<f64>)| (normalized(x, g, b) * &bar).sum(),
        &(x.clone(), gain.clone(), bias.clone()),
        &(bar_x, bar_gain, bar_bias),
    )
    .assert_ok();
}
