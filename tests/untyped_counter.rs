//! An integer counter nothing gives a type but a `const` the macro cannot see (`k < N4`, `N4:
//! usize`), used as a loop's bound: the records keep it as the `usize` rustc infers (they said
//! `i32`: "expected `i32`, found `usize`", found by the random tester, seed 12, function 1411).

use autodiff_runtime::grad;

const N4: usize = 4;

#[grad]
fn power_by_steps(x0: f64) -> f64 {
    let mut acc: f64 = x0;
    let mut k = 0;
    while k < N4 {
        k += 1;
        for _ in 0..k {
            acc *= x0;
        }
    }
    acc
}

#[test]
fn a_counter_typed_by_an_unseen_const() {
    // x^(1 + 1 + 2 + 3 + 4) = x^11.
    let x: f64 = 0.9;
    let (value, grad) = power_by_steps_grad(x);
    assert!((value - x.powi(11)).abs() < 1e-15);
    assert!((grad - 11.0 * x.powi(10)).abs() < 1e-14, "{grad}");
}
