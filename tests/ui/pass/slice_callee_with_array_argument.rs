//! A `#[grad]` function taking `&[f64]`, called with a reference to a fixed-size array (issue 9,
//! item 4; found by difftest: once E0308, the callee's `Vec` cotangent where the caller's is an
//! array, and E0515, the caller keeping the callee's borrow of its local). A caller passing only
//! plain data keeps what borrows nothing (`Kept::Owned`): here copies of the arguments, from
//! which the callee's forward half runs again; its `Vec` cotangent becomes the array's.
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, array};

#[grad]
fn h(s: &[f64]) -> f64 {
    s[0] * s[1]
}

#[grad]
fn f(a: [f64; 2]) -> f64 {
    h(&a)
}

#[grad]
fn local(x: f64, y: f64) -> f64 {
    let p = [x * y, y];
    h(&p) + x
}

#[grad]
fn through_reference(q: &[f64; 3], w: f64) -> f64 {
    h(q) * w
}

const C0: f64 = 0.75;
static S0: f64 = 0.3;

/// An array literal of a constant the macro cannot see the type of (found by difftest, seed
/// 0x9a11ed01, function 1300: once "cannot infer the type of `t8`").
#[grad]
fn literal_of_a_constant(x: f64) -> f64 {
    h(&[C0, x])
}

/// A temporary array passed with a value the callee's residuals may borrow (an ndarray array):
/// the callee's residuals are not kept, and it runs again in the reverse sweep (seed 0x9a11ed02,
/// function 1241: once E0515; review of issue 9).
#[grad]
fn with_an_array(x: f64, a: &Array1<f64>) -> f64 {
    let p = [x, x];
    k(&p, a)
}

#[grad]
fn k(s: &[f64], a: &Array1<f64>) -> f64 {
    s[0] * a.sum()
}

/// A static bound to a name, passed with a temporary array (seed 0xd64c2702, function 462: once
/// "cannot infer the type of `x1_1`"): a constant is plain data.
#[grad]
fn bound_static(x: f64) -> f64 {
    let c = S0;
    g(c, &[x, x])
}

/// The result of a call with constant arguments, which may be any function, is taken for plain
/// data like a constant (seed 0xcdd8c401, function 1129: once "cannot infer the type").
fn plain_helper(a: f64) -> f64 {
    a * 2.0
}

#[grad]
fn constant_call(x: f64) -> f64 {
    let c = plain_helper(0.5);
    g(c, &[x, x])
}

/// A value from a static, annotated.
#[grad]
fn unknown_typed_argument(x: f64) -> f64 {
    let v: f64 = S0.abs().ln();
    g(v, &[x, x * x])
}

/// A fixed-size array another `#[grad]` function returns, passed to a slice: its `Vec` cotangent
/// becomes the array (review of issue 9).
#[grad]
fn two(x: f64) -> [f64; 2] {
    [x, x * x]
}

#[grad]
fn output_passed_on(x: f64) -> f64 {
    let e = two(x);
    h(&e)
}

#[grad]
fn g(v: f64, s: &[f64]) -> f64 {
    v * s[0] * s[1]
}

fn main() {
    // ∂x (0.75 x) = 0.75.
    assert_eq!(literal_of_a_constant_grad(2.0), (1.5, 0.75));
    // v x³: ∂x = 3 v x².
    let v = 0.3_f64.ln();
    let (value, dx) = unknown_typed_argument_grad(2.0);
    assert!((value - v * 8.0).abs() < 1e-12 && (dx - 3.0 * v * 4.0).abs() < 1e-12);
    // 0.3 x²: ∂x = 0.6 x.
    let (value, dx) = bound_static_grad(2.0);
    assert!((value - 1.2).abs() < 1e-12 && (dx - 1.2).abs() < 1e-12);
    // c x² with c = 1: ∂x = 2x.
    assert_eq!(constant_call_grad(3.0), (9.0, 6.0));
    // x · Σa: ∂x = Σa, ∂a = x.
    let a = array![1.0, 2.0];
    assert_eq!(with_an_array_grad(2.0, &a), (6.0, 3.0, array![2.0, 2.0]));
    // x³: ∂x = 3x².
    assert_eq!(output_passed_on_grad(2.0), (8.0, 12.0));
    assert_eq!(f_grad([2.0, 3.0]), (6.0, [3.0, 2.0]));
    // h = x·y·y + x: ∂x = y² + 1, ∂y = 2xy.
    assert_eq!(local_grad(2.0, 3.0), (20.0, 10.0, 12.0));
    assert_eq!(through_reference_grad(&[2.0, 3.0, 4.0], 0.5), (3.0, [1.5, 1.0, 0.0], 6.0));
}
