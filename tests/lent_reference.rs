//! A `&[f64; N]` parameter passed to a callee beside a slice: the callee's residuals borrow
//! both, so the caller's forward half gives the array reference the residuals' lifetime (it
//! did not: "explicit lifetime required in the type of `r1`", found by the random tester,
//! seed 11, function 1926).

use autodiff_runtime::grad;

#[grad]
fn second(s0: &[f64], s1: &[f64]) -> f64 {
    s0[0] * s1[1]
}

#[grad]
fn through(s0: &[f64], r1: &[f64; 5]) -> f64 {
    second(s0, r1)
}

#[test]
fn an_array_reference_lent_to_a_callee_beside_a_slice() {
    let r1 = [1.0, 2.0, 3.0, 4.0, 5.0];
    let (value, bar_s0, bar_r1) = through_grad(&[0.5], &r1);
    assert_eq!(value, 1.0);
    assert_eq!(bar_s0, vec![2.0]);
    assert_eq!(bar_r1, [0.0, 0.5, 0.0, 0.0, 0.0]);
}
