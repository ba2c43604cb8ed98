//! Calls between `#[grad]` functions over ndarray arrays: array arguments (the caller's own
//! parameters, arrays it makes, by-value parameters) and array outputs, checked against central
//! differences (`autodiff_runtime::check`, its default tolerances) and closed forms.

use autodiff_runtime::check;
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, Array2, ArrayView1, array};
use autodiff_runtime::nn;

/// ‖a‖².
#[grad]
fn sq_norm(a: &Array1<f64>) -> f64 {
    (a * a).sum()
}

/// a·w, keeping both arrays for its reverse half.
#[grad]
fn weighted(a: &Array1<f64>, w: &Array1<f64>) -> f64 {
    (a * w).sum()
}

/// Passes its own parameters on: the callees' residuals borrow them.
#[grad]
fn through(a: &Array1<f64>, w: &Array1<f64>) -> f64 {
    weighted(a, w) + sq_norm(a)
}

#[test]
fn parameters_passed_on() {
    let (a, w) = (array![1.0, 2.0], array![3.0, 5.0]);
    let (value, bar_a, bar_w) = through_grad(&a, &w);
    // a·w + ‖a‖²: ∂a = w + 2a, ∂w = a.
    assert_eq!(value, through(&a, &w));
    assert_eq!(value, 13.0 + 5.0);
    assert_eq!(bar_a, array![5.0, 9.0]);
    assert_eq!(bar_w, array![1.0, 2.0]);
}

/// Passes an array it makes, and a by-value parameter, by reference: the callee's residuals
/// would borrow the forward half's locals, so the reverse half runs the callee's forward again.
#[grad]
fn locals(a: &Array1<f64>, w: Array1<f64>) -> f64 {
    let b = a * 2.0;
    weighted(&b, &w) * sq_norm(&b)
}

#[test]
fn locals_passed_by_reference() {
    let (a, w) = (array![1.0, -2.0, 0.5], array![3.0, 5.0, -1.0]);
    let (value, bar_a, bar_w) = locals_grad(&a, w.clone());
    assert_eq!(value, locals(&a, w.clone()));
    check::gradient(
        |(a, w): &(Array1<f64>, Array1<f64>)| locals(a, w.clone()),
        &(a, w),
        &(bar_a, bar_w),
    )
    .assert_ok();
}

/// An array output: `x·w + b`.
#[grad]
fn affine(x: &Array2<f64>, w: &Array2<f64>, b: &Array1<f64>) -> Array2<f64> {
    x.dot(w) + b
}

/// Two layers through the same callee; the type of an array a call returns is written on its
/// `let` (the attribute cannot see the callee's signature).
#[grad]
fn two_layers(x: &Array2<f64>, w1: &Array2<f64>, b1: &Array1<f64>, w2: &Array2<f64>) -> f64 {
    let h: Array2<f64> = affine(x, w1, b1);
    let z = nn::tanh(&h);
    let y: Array2<f64> = affine(&z, w2, b1);
    (&y * &y).sum()
}

#[test]
fn array_outputs() {
    let x = array![[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]];
    let w1 = array![[0.1, 0.2], [-0.3, 0.4]];
    let b1 = array![0.05, -0.1];
    let w2 = array![[1.0, -0.5], [0.25, 0.75]];
    let (value, bar_x, bar_w1, bar_b1, bar_w2) = two_layers_grad(&x, &w1, &b1, &w2);
    assert_eq!(value, two_layers(&x, &w1, &b1, &w2));
    check::gradient(
        |(x, w1, b1, w2): &(Array2<f64>, Array2<f64>, Array1<f64>, Array2<f64>)| {
            two_layers(x, w1, b1, w2)
        },
        &(x, w1, b1, w2),
        &(bar_x, bar_w1, bar_b1, bar_w2),
    )
    .assert_ok();
}

/// A caller whose own output is an array a callee returns.
#[grad]
fn shifted(x: &Array2<f64>, w: &Array2<f64>, b: &Array1<f64>) -> Array2<f64> {
    let y: Array2<f64> = affine(x, w, b);
    y - 1.0
}

#[test]
fn array_output_passed_on() {
    let x = array![[1.0, 2.0]];
    let w = array![[3.0], [4.0]];
    let b = array![0.5];
    let bar = array![[2.0]];
    let (value, bar_x, bar_w, bar_b) = shifted_vjp(&x, &w, &b, &bar);
    // y = x·w + b − 1 = 10.5: ∂x = bar·wᵀ, ∂w = xᵀ·bar, ∂b = Σ bar.
    assert_eq!(value, shifted(&x, &w, &b));
    assert_eq!(value, array![[10.5]]);
    assert_eq!(bar_x, array![[6.0, 8.0]]);
    assert_eq!(bar_w, array![[2.0], [4.0]]);
    assert_eq!(bar_b, array![2.0]);
}

/// A custom pullback for an array output: `y = x ⊙ x` element-wise, its pullback written by
/// hand (the output and its cotangent arrive by reference).
#[autodiff_runtime::custom_vjp(pullback = square_pullback)]
fn square(x: &Array1<f64>) -> Array1<f64> {
    x * x
}

fn square_pullback(x: &Array1<f64>, _y: &Array1<f64>, bar_y: &Array1<f64>) -> Array1<f64> {
    bar_y * x * 2.0
}

#[grad]
fn uses_square(x: &Array1<f64>, w: &Array1<f64>) -> f64 {
    let y: Array1<f64> = square(x);
    (&y * w).sum()
}

#[test]
fn custom_pullback_with_an_array_output() {
    let (x, w) = (array![1.0, -2.0, 0.5], array![3.0, 5.0, -1.0]);
    let (value, bar_x, bar_w) = uses_square_grad(&x, &w);
    assert_eq!(value, uses_square(&x, &w));
    // Σ x²w: ∂x = 2xw, ∂w = x².
    assert_eq!(bar_x, array![6.0, -20.0, -1.0]);
    assert_eq!(bar_w, array![1.0, 4.0, 0.25]);
}

/// `Σ v²` of a view.
#[grad]
fn sq_norm_of_view(v: ArrayView1<f64>) -> f64 {
    (&v * &v).sum()
}

/// `⟨a, b⟩` of two views, kept for the reverse half.
#[grad]
fn inner_of_views(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    (&a * &b).sum()
}

/// Passes its view parameters on to callees with view parameters (issue 9, item 5: once
/// E0392 and "lifetime may not live long enough", views being invariant in their lifetime).
#[grad]
fn through_views(a: ArrayView1<f64>, b: ArrayView1<f64>, s: f64) -> f64 {
    let n = sq_norm_of_view(a);
    n * s + inner_of_views(a, b) * sq_norm_of_view(b)
}

#[test]
fn views_passed_on_to_callees_with_view_parameters() {
    let (a, b, s) = (array![1.0, -2.0, 0.5], array![0.3, 0.7, -1.1], 1.5);
    let (value, bar_a, bar_b, bar_s) = through_views_grad(a.view(), b.view(), s);
    assert_eq!(value, through_views(a.view(), b.view(), s));
    check::gradient(
        |(a, b, s): &(Array1<f64>, Array1<f64>, f64)| through_views(a.view(), b.view(), *s),
        &(a.clone(), b.clone(), s),
        &(bar_a, bar_b, bar_s),
    )
    .assert_ok();
}

/// A view parameter with a lifetime of its own name, passed on (review of issue 9: once
/// "lifetime may not live long enough").
#[grad]
fn through_a_named_view<'a>(v: ArrayView1<'a, f64>, w: &'a Array1<f64>) -> f64 {
    sq_norm_of_view(v) * sq_norm(w)
}

#[test]
fn views_with_named_lifetimes_passed_on() {
    let (v, w) = (array![1.0, 2.0], array![0.5, -1.0]);
    let (value, bar_v, bar_w) = through_a_named_view_grad(v.view(), &w);
    // ‖v‖²‖w‖²: ∂v = 2v‖w‖², ∂w = 2w‖v‖².
    assert_eq!(value, 5.0 * 1.25);
    assert_eq!(bar_v, array![2.5, 5.0]);
    assert_eq!(bar_w, array![5.0, -10.0]);
}
