//! A `#[grad]` function taking `&[f64]`, called with a reference to a fixed-size array (issue 9,
//! item 4; found by difftest: once E0308, the callee's `Vec` cotangent where the caller's is an
//! array, and E0515, the caller keeping the callee's borrow of its local). A caller passing only
//! plain data keeps what borrows nothing (`Kept::Owned`): here copies of the arguments, from
//! which the callee's forward half runs again; its `Vec` cotangent becomes the array's.
use autodiff_runtime::grad;

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

fn main() {
    assert_eq!(f_grad([2.0, 3.0]), (6.0, [3.0, 2.0]));
    // h = x·y·y + x: ∂x = y² + 1, ∂y = 2xy.
    assert_eq!(local_grad(2.0, 3.0), (20.0, 10.0, 12.0));
    assert_eq!(through_reference_grad(&[2.0, 3.0, 4.0], 0.5), (3.0, [1.5, 1.0, 0.0], 6.0));
}
