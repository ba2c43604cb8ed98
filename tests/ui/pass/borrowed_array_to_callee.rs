// Regression (found by difftest): a borrow of a local array, of an array literal or of a by-value
// parameter (`&v`, `&[x, x]`, `&a`) passed to a `#[grad]` function's `&[f64; N]` parameter did not
// compile when that callee itself called a `#[grad]` function (E0515: the caller's residuals kept
// the borrow past the forward half). Callees now keep copies of plain data behind references, so
// their residuals borrow nothing from such arguments. The same for a `#[custom_vjp]` callee, a
// `checkpoint` callee and one whose `wrt` leaves the array out.
use autodiff_runtime::{custom_vjp, grad};

#[grad]
fn inner(x: f64) -> f64 {
    x * x
}

#[grad]
fn h(r: &[f64; 2]) -> f64 {
    inner(r[0]) * r[1]
}

#[grad]
fn f(x: f64) -> f64 {
    let v = [x, 2.0 * x];
    h(&v)
}

#[grad]
fn literal(x: f64) -> f64 {
    h(&[x, 2.0 * x])
}

#[grad]
fn by_value(a: [f64; 2]) -> f64 {
    h(&a)
}

#[custom_vjp(pullback = dot_pullback)]
fn dot(u: &[f64; 2], v: &[f64; 2]) -> f64 {
    u[0] * v[0] + u[1] * v[1]
}

fn dot_pullback(u: &[f64; 2], v: &[f64; 2], _out: f64, bar: f64) -> ([f64; 2], [f64; 2]) {
    ([bar * v[0], bar * v[1]], [bar * u[0], bar * u[1]])
}

#[grad]
fn custom(x: f64) -> f64 {
    let u = [x, 1.0];
    dot(&u, &[x, x])
}

#[grad(checkpoint)]
fn recomputed(r: &[f64; 2]) -> f64 {
    inner(r[0]) * r[1]
}

#[grad]
fn calls_recomputed(x: f64) -> f64 {
    recomputed(&[x, 2.0 * x])
}

#[grad(wrt(s))]
fn narrowed(r: &[f64; 2], s: f64) -> f64 {
    r[0] * r[0] * r[1] * s
}

#[grad]
fn calls_narrowed(x: f64) -> f64 {
    narrowed(&[x, 2.0 * x], x)
}

fn main() {
    // h([x, 2x]) = x² · 2x = 2x³: 6x².
    assert_eq!(f_grad(1.5), (6.75, 13.5));
    assert_eq!(literal_grad(1.5), (6.75, 13.5));
    assert_eq!(calls_recomputed_grad(1.5), (6.75, 13.5));
    // h(a) = a0² a1: (2 a0 a1, a0²).
    assert_eq!(by_value_grad([1.5, 2.0]), (4.5, [6.0, 2.25]));
    // x·x + 1·x: 2x + 1.
    assert_eq!(custom_grad(1.5), (3.75, 4.0));
    // 2x³ · x = 2x⁴: 8x³.
    assert_eq!(calls_narrowed_grad(1.5), (10.125, 27.0));
}
