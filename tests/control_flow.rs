//! Control flow in `#[grad]` bodies: `if` and `for` over ranges, checked against closed forms
//! and finite differences.

#![allow(clippy::needless_range_loop)] // numeric loops, as users write them

use approx::assert_relative_eq;
use autodiff_runtime::grad;

#[grad]
fn sum_of_squares(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i];
    }
    s
}

#[test]
fn a_loop_over_a_slice() {
    let x = [1.0, -2.0, 3.0];
    let (value, grad) = sum_of_squares_grad(&x);
    assert_eq!(value, 14.0);
    assert_eq!(grad, vec![2.0, -4.0, 6.0]);
}

#[grad]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += (1.0 - x[i]).powi(2) + 100.0 * (x[i + 1] - x[i] * x[i]).powi(2);
    }
    s
}

#[test]
fn rosenbrock_over_a_slice() {
    let x = [0.5, -0.3, 1.2, 0.8];
    let (_, grad) = rosenbrock_grad(&x);
    let n = x.len();
    for (j, g) in grad.iter().enumerate() {
        let mut expected = 0.0;
        if j + 1 < n {
            expected += -2.0 * (1.0 - x[j]) - 400.0 * x[j] * (x[j + 1] - x[j] * x[j]);
        }
        if j > 0 {
            expected += 200.0 * (x[j] - x[j - 1] * x[j - 1]);
        }
        assert_relative_eq!(*g, expected, max_relative = 1e-12);
    }
}

#[grad]
fn leaky(x: f64) -> f64 {
    let y = if x > 0.0 { x * x } else { 0.1 * x };
    y + 1.0
}

#[test]
fn an_if_expression_takes_the_branch_that_ran() {
    assert_eq!(leaky_grad(3.0).1, 6.0);
    assert_eq!(leaky_grad(-3.0).1, 0.1);
}

#[grad]
fn root_or_zero(x: f64) -> f64 {
    if x > 0.0 { x.sqrt() } else { 0.0 }
}

#[test]
fn the_untaken_branch_is_never_evaluated() {
    let (value, grad) = root_or_zero_grad(-1.0);
    assert_eq!(value, 0.0);
    assert_eq!(grad, 0.0);
    assert_relative_eq!(root_or_zero_grad(4.0).1, 0.25);
}

#[grad]
fn huber(r: &[f64], delta: f64) -> f64 {
    let mut total = 0.0;
    for i in 0..r.len() {
        let v = r[i];
        total += if v.abs() <= delta {
            0.5 * v * v
        } else {
            delta * (v.abs() - 0.5 * delta)
        };
    }
    total
}

#[test]
fn a_branch_inside_a_loop() {
    let r = [0.5, -2.0, 3.0, -0.25];
    let delta = 1.0;
    let (_, grad_r, grad_delta) = huber_grad(&r, delta);
    let expected: Vec<f64> = r
        .iter()
        .map(|&v| {
            if v.abs() <= delta {
                v
            } else {
                delta * v.signum()
            }
        })
        .collect();
    assert_eq!(grad_r, expected);
    let expected_delta: f64 = r
        .iter()
        .map(|&v| {
            if v.abs() <= delta {
                0.0
            } else {
                v.abs() - delta
            }
        })
        .sum();
    assert_relative_eq!(grad_delta, expected_delta, max_relative = 1e-12);
}

#[grad]
fn triangular(x: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        for j in i..n {
            s += x[i * n + j] * x[i * n + j];
        }
    }
    s
}

#[test]
fn a_triangular_nested_loop() {
    let n = 3;
    let x: Vec<f64> = (0..9).map(|k| k as f64 * 0.5 - 1.0).collect();
    let (_, grad) = triangular_grad(&x, n);
    for i in 0..n {
        for j in 0..n {
            let expected = if j >= i { 2.0 * x[i * n + j] } else { 0.0 };
            assert_eq!(grad[i * n + j], expected);
        }
    }
}

#[grad]
fn horner(coefficients: &[f64], x: f64) -> f64 {
    let mut p = 0.0;
    for i in (0..coefficients.len()).rev() {
        p = p * x + coefficients[i];
    }
    p
}

#[test]
fn horner_evaluates_backwards() {
    let c = [1.0, -2.0, 0.5, 3.0];
    let x = 1.5;
    let (value, grad_c, grad_x) = horner_grad(&c, x);
    assert_relative_eq!(
        value,
        1.0 - 2.0 * x + 0.5 * x * x + 3.0 * x * x * x,
        max_relative = 1e-14
    );
    assert_relative_eq!(grad_x, -2.0 + x + 9.0 * x * x, max_relative = 1e-14);
    let expected: Vec<f64> = (0..4).map(|k| x.powi(k)).collect();
    for (g, e) in grad_c.iter().zip(&expected) {
        assert_relative_eq!(*g, *e, max_relative = 1e-14);
    }
}
