//! A float literal assigned to a `let mut` float keeps the variable's type, so a method on it
//! compiles (issue 9, item 8: once E0689 "can't call method `hypot` on ambiguous numeric type
//! `{float}`"; found by difftest, seed 0xC0FFEE27, function 1845).
#![allow(unused_assignments, reason = "the first value of `m` is overwritten, as in the reported function")]

use autodiff_runtime::grad;

const C0: f64 = 0.75;

#[grad(wrt(x1))]
fn reduced(x0: f64, x1: f64) -> f64 {
    let mut m0 = x0 * x0;
    let mut m1 = C0.ln().cosh().log2();
    m1 = -1.5;
    m0 += x1 + m1 + m0.max(m1);
    m0 * m1.hypot(0.5)
}

#[grad]
fn issue_example(x: f64) -> f64 {
    let mut m = x.sin();
    m = -1.5;
    x * m.hypot(0.5)
}

fn main() {
    let (_, d) = reduced_grad(0.5, 2.0);
    assert_eq!(d, 1.5_f64.hypot(0.5));
    assert_eq!(issue_example_grad(2.0), (2.0 * 1.5_f64.hypot(0.5), 1.5_f64.hypot(0.5)));
}
