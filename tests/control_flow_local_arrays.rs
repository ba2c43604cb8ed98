//! The control-flow spec's test of local arrays written in the body and of parameters that are
//! lists of arrays (`API.md`, "Local arrays written in the body"; issue 11): `[0.0; N]`,
//! `vec![0.0; n]`, `Array1::zeros(n)`, `Array2::zeros((m, n))` and `x.clone()` made locally;
//! their elements written and updated in loops (`y[i] = e`, `y[i] += e`, `y[i] *= e`,
//! `a[[i, j]] = e`, an element overwritten from its own old value, writes inside a branch) and
//! read back, or returned; an in-place tridiagonal solve; and `&[Array2<f64>]`,
//! `&Vec<Array1<f64>>`, `&[Array1<f64>]` and `&[[f64; 3]]` parameters indexed in loops, whose
//! gradients are `Vec`s of the element type.
//!
//! Gradients are checked against closed forms (derivation in the comment above each function),
//! a forward-mode tangent written out by hand for a recurrence, a dense linear solve for the
//! tridiagonal one, or, for the networks over lists of matrices, central differences.

#![allow(
    clippy::needless_range_loop,
    clippy::ptr_arg,
    clippy::assign_op_pattern,
    reason = "the #[grad] functions spell out the constructs under test"
)]

mod common;

use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array, Array1, Array2, Dimension, array};
use autodiff_runtime::nn;
use common::{EXACTISH, Tol, assert_close, assert_grad_close, check_f32, check_f64};

/// For closed forms summed in a different order than the gradient sums them, or solved.
const LOOSE: Tol = Tol {
    rel: EXACTISH.rel * 100.0,
    abs: EXACTISH.abs * 100.0,
};

// ---------------------------------------------------------------------------------------------
// `[0.0; N]`: `=`, `+=`, `*=`, reads of earlier writes, overwrites from the old value.
// ---------------------------------------------------------------------------------------------

// yᵢ = xᵢ² written in a loop, read back: f = y₀y₁ + y₂ − y₃y₀.
//   ∂x₀ = 2x₀(y₁ − y₃), ∂x₁ = 2x₁y₀, ∂x₂ = 2x₂, ∂x₃ = −2x₃y₀.
#[grad]
fn squares_into_local_array(x: &[f64; 4]) -> f64 {
    let mut y = [0.0; 4];
    for i in 0..4 {
        y[i] = x[i] * x[i];
    }
    y[0] * y[1] + y[2] - y[3] * y[0]
}

// Prefix sums written from the previous element, then f = Σ yᵢ² read in a second loop.
//   ∂xⱼ = Σ_{i≥j} 2yᵢ.
#[grad]
fn prefix_sums_in_local_array(x: [f64; 5]) -> f64 {
    let mut y = [0.0; 5];
    y[0] = x[0];
    for i in 1..5 {
        y[i] = y[i - 1] + x[i];
    }
    let mut s = 0.0;
    for i in 0..5 {
        s += y[i] * y[i];
    }
    s
}

#[test]
fn fixed_local_array_written_and_read_back() {
    for x in [[0.5, -1.2, 0.9, 2.0], [1.3, 0.4, -0.7, -1.1]] {
        let (v, d) = squares_into_local_array_grad(&x);
        let d: [f64; 4] = d;
        assert_eq!(v, squares_into_local_array(&x));
        let y = x.map(|v| v * v);
        let e = [
            2.0 * x[0] * (y[1] - y[3]),
            2.0 * x[1] * y[0],
            2.0 * x[2],
            -2.0 * x[3] * y[0],
        ];
        assert_grad_close("squares", x, &d, &e, EXACTISH);
    }
    for x in [[0.5, -1.2, 0.9, 2.0, -0.3], [1.3, 0.4, -0.7, -1.1, 0.6]] {
        let (v, d) = prefix_sums_in_local_array_grad(x);
        assert_eq!(v, prefix_sums_in_local_array(x));
        let y: Vec<f64> = (0..5).map(|i| x[..=i].iter().sum()).collect();
        let e: Vec<f64> = (0..5).map(|j| (j..5).map(|i| 2.0 * y[i]).sum()).collect();
        assert_grad_close("prefix sums", x, &d, &e, EXACTISH);
    }
}

// `+=` into bins by index: Bₖ = a·Sₖ with Sₖ = Σ_{i ≡ k mod 3} xᵢ; f = B₀B₁ + B₂².
//   With G = (B₁, B₀, 2B₂) = ∂f/∂B: ∂xᵢ = a·G_{i mod 3}, ∂a = Σₖ Gₖ Sₖ.
#[grad]
fn accumulate_into_bins(x: &[f64], a: f64) -> f64 {
    let mut bins = [0.0; 3];
    for i in 0..x.len() {
        bins[i % 3] += x[i] * a;
    }
    bins[0] * bins[1] + bins[2] * bins[2]
}

// `*=` by index: p = (Π even xᵢ, Π odd xᵢ); f = p₀ + 2p₁.
//   ∂xᵢ = c·Π_{j ≡ i mod 2, j ≠ i} xⱼ with c = 1 for even i, 2 for odd i.
#[grad]
fn multiply_into_elements(x: &[f64]) -> f64 {
    let mut p = [1.0; 2];
    for i in 0..x.len() {
        p[i % 2] *= x[i];
    }
    p[0] + 2.0 * p[1]
}

#[test]
fn add_and_multiply_assign_into_elements() {
    let x = [0.5, -1.2, 0.9, 2.0, -0.3, 1.1, 0.7];
    for a in [0.8, -1.5] {
        let (v, dx, da) = accumulate_into_bins_grad(&x, a);
        assert_eq!(v, accumulate_into_bins(&x, a));
        let s: Vec<f64> = (0..3)
            .map(|k| (0..7).filter(|i| i % 3 == k).map(|i| x[i]).sum())
            .collect();
        let b: Vec<f64> = s.iter().map(|sk| a * sk).collect();
        let g = [b[1], b[0], 2.0 * b[2]];
        let ex: Vec<f64> = (0..7).map(|i| a * g[i % 3]).collect();
        let ea: f64 = (0..3).map(|k| g[k] * s[k]).sum();
        assert_grad_close("bins ∂x", a, &dx, &ex, EXACTISH);
        assert_close("bins ∂a", da, ea, EXACTISH);
    }
    for x in [&x[..], &x[..4]] {
        let (v, d) = multiply_into_elements_grad(x);
        assert_eq!(v, multiply_into_elements(x));
        let e: Vec<f64> = (0..x.len())
            .map(|i| {
                let c = if i % 2 == 0 { 1.0 } else { 2.0 };
                c * (0..x.len())
                    .filter(|&j| j % 2 == i % 2 && j != i)
                    .map(|j| x[j])
                    .product::<f64>()
            })
            .collect();
        assert_grad_close("products", x, &d, &e, EXACTISH);
    }
}

// Each element overwritten from its own old value, n times: yᵢ ← yᵢ·a + x_{k,i} over rows k of
// a row-major n×3 slice, so yᵢ = Σₖ a^{n−1−k} x_{k,i}; f = y₀ + y₁² + y₂³.
//   With g = (1, 2y₁, 3y₂²): ∂x_{k,i} = a^{n−1−k} gᵢ, ∂a = Σᵢ gᵢ Σₖ (n−1−k) a^{n−2−k} x_{k,i}.
#[grad]
fn overwrite_from_old_value(x: &[f64], a: f64) -> f64 {
    let mut y = [0.0; 3];
    for k in 0..x.len() / 3 {
        for i in 0..3 {
            y[i] = y[i] * a + x[k * 3 + i];
        }
    }
    y[0] + y[1] * y[1] + y[2] * y[2] * y[2]
}

#[test]
fn element_overwritten_from_its_old_value() {
    let x = [
        0.5, -1.2, 0.9, 2.0, -0.3, 1.1, 0.7, 0.2, -0.6, 0.4, 1.5, -0.8,
    ];
    let n = 4;
    for a in [0.8, -1.3] {
        let (v, dx, da) = overwrite_from_old_value_grad(&x, a);
        assert_eq!(v, overwrite_from_old_value(&x, a));
        let y: Vec<f64> = (0..3)
            .map(|i| {
                (0..n)
                    .map(|k| a.powi((n - 1 - k) as i32) * x[k * 3 + i])
                    .sum()
            })
            .collect();
        let g = [1.0, 2.0 * y[1], 3.0 * y[2] * y[2]];
        let ex: Vec<f64> = (0..12)
            .map(|m| a.powi((n - 1 - m / 3) as i32) * g[m % 3])
            .collect();
        let ea: f64 = (0..3)
            .map(|i| {
                g[i] * (0..n - 1)
                    .map(|k| (n - 1 - k) as f64 * a.powi((n - 2 - k) as i32) * x[k * 3 + i])
                    .sum::<f64>()
            })
            .sum();
        assert_grad_close("∂x", a, &dx, &ex, EXACTISH);
        assert_close("∂a", da, ea, EXACTISH);
    }
}

// y₀ ← sin(y₀)·xₖ + a, then y₁ += y₀², three times: the adjoint of each step reads the y₀
// that the step overwrote.
#[grad]
fn overwrite_nonlinear(x: &[f64; 3], a: f64) -> f64 {
    let mut y = [a, 0.0];
    for k in 0..3 {
        y[0] = y[0].sin() * x[k] + a;
        y[1] += y[0] * y[0];
    }
    y[0] + y[1]
}

/// The tangent of `overwrite_nonlinear` in direction (dx, da), by forward mode.
fn overwrite_nonlinear_tangent(x: &[f64; 3], a: f64, dx: [f64; 3], da: f64) -> f64 {
    let (mut y, mut dy) = ([a, 0.0], [da, 0.0]);
    for k in 0..3 {
        dy[0] = y[0].cos() * x[k] * dy[0] + y[0].sin() * dx[k] + da;
        y[0] = y[0].sin() * x[k] + a;
        dy[1] += 2.0 * y[0] * dy[0];
        y[1] += y[0] * y[0];
    }
    dy[0] + dy[1]
}

#[test]
fn element_overwritten_through_a_nonlinear_function() {
    for (x, a) in [([0.5, -1.2, 0.9], 0.3), ([1.4, 0.6, -0.2], -0.8)] {
        let (v, dx, da) = overwrite_nonlinear_grad(&x, a);
        assert_eq!(v, overwrite_nonlinear(&x, a));
        let ex = [
            overwrite_nonlinear_tangent(&x, a, [1.0, 0.0, 0.0], 0.0),
            overwrite_nonlinear_tangent(&x, a, [0.0, 1.0, 0.0], 0.0),
            overwrite_nonlinear_tangent(&x, a, [0.0, 0.0, 1.0], 0.0),
        ];
        assert_grad_close("∂x", (x, a), &dx, &ex, EXACTISH);
        let ea = overwrite_nonlinear_tangent(&x, a, [0.0; 3], 1.0);
        assert_close("∂a", da, ea, EXACTISH);
    }
}

// Writes inside a branch inside a loop (a leaky ReLU into a local array), a reversed write
// index, then f = Σ yᵢ·wᵢ with w = (1, 2, 3, 4): yₙ₋₁₋ᵢ = xᵢ or 0.1xᵢ, so
//   ∂xᵢ = w_{n−1−i}·(1 if xᵢ > 0 else 0.1).
#[grad]
fn masked_writes(x: &[f64; 4]) -> f64 {
    let mut y = [0.0; 4];
    for i in 0..4 {
        if x[i] > 0.0 {
            y[3 - i] = x[i];
        } else {
            y[3 - i] = 0.1 * x[i];
        }
    }
    let mut s = 0.0;
    for i in 0..4 {
        s += y[i] * (i as f64 + 1.0);
    }
    s
}

#[test]
fn element_writes_inside_a_branch() {
    for x in [[0.5, -1.2, 0.9, -2.0], [-0.4, 0.3, -0.7, 1.1]] {
        let (v, d) = masked_writes_grad(&x);
        assert_eq!(v, masked_writes(&x));
        let e: Vec<f64> = (0..4)
            .map(|i| (4 - i) as f64 * if x[i] > 0.0 { 1.0 } else { 0.1 })
            .collect();
        assert_grad_close("masked", x, &d, &e, EXACTISH);
    }
}

// A local array as the output: running sums. The VJP with cotangent b is the reversed running
// sum of b: ∂xⱼ = Σ_{i≥j} bᵢ.
#[grad]
fn running_sums(x: [f64; 4]) -> [f64; 4] {
    let mut y = [0.0; 4];
    let mut s = 0.0;
    for i in 0..4 {
        s += x[i];
        y[i] = s;
    }
    y
}

#[test]
fn local_array_returned_as_the_output() {
    let x = [0.5, -1.2, 0.9, 2.0];
    for b in [[1.0, 0.0, 0.0, 0.0], [0.3, -0.7, 1.1, 0.25]] {
        let (out, d) = running_sums_vjp(x, b);
        assert_eq!(out, running_sums(x));
        let e: Vec<f64> = (0..4).map(|j| b[j..].iter().sum()).collect();
        assert_grad_close("running sums", b, &d, &e, EXACTISH);
    }
}

// ---------------------------------------------------------------------------------------------
// An in-place tridiagonal solve (the Thomas algorithm).
// ---------------------------------------------------------------------------------------------

const M: usize = 5;

// Solves A x = rhs for A with sub-diagonal `lower` (lower[0] unused), diagonal `diag` and
// super-diagonal `upper` (upper[M−1] unused), by forward elimination into local arrays c, d
// and back substitution into x; f = w·x.
//   With λ = A⁻ᵀw: ∂rhs = λ, ∂Aᵢⱼ = −λᵢxⱼ, so ∂diagᵢ = −λᵢxᵢ, ∂lowerᵢ = −λᵢxᵢ₋₁ (0 for i = 0),
//   ∂upperᵢ = −λᵢxᵢ₊₁ (0 for i = M − 1).
#[grad(wrt(lower, diag, upper, rhs))]
fn tridiagonal_solve(
    lower: &[f64; M],
    diag: &[f64; M],
    upper: &[f64; M],
    rhs: &[f64; M],
    w: &[f64; M],
) -> f64 {
    let mut c = [0.0; M];
    let mut d = [0.0; M];
    c[0] = upper[0] / diag[0];
    d[0] = rhs[0] / diag[0];
    for i in 1..M {
        let m = diag[i] - lower[i] * c[i - 1];
        c[i] = upper[i] / m;
        d[i] = (rhs[i] - lower[i] * d[i - 1]) / m;
    }
    let mut x = [0.0; M];
    x[M - 1] = d[M - 1];
    for i in (0..M - 1).rev() {
        x[i] = d[i] - c[i] * x[i + 1];
    }
    let mut s = 0.0;
    for i in 0..M {
        s += w[i] * x[i];
    }
    s
}

/// Solves the dense system `a·x = b` by Gaussian elimination with partial pivoting.
fn dense_solve(mut a: [[f64; M]; M], mut b: [f64; M]) -> [f64; M] {
    for col in 0..M {
        let pivot = (col..M)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap();
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..M {
            let f = a[row][col] / a[col][col];
            for k in col..M {
                a[row][k] -= f * a[col][k];
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; M];
    for row in (0..M).rev() {
        let tail: f64 = (row + 1..M).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - tail) / a[row][row];
    }
    x
}

#[test]
fn tridiagonal_solve_in_local_arrays() {
    let lower = [0.0, -1.0, 0.5, -0.3, 0.8];
    let upper = [0.7, -0.4, 1.1, 0.2, 0.0];
    let w = [1.0, -0.5, 0.25, 2.0, -1.5];
    for (diag, rhs) in [
        ([4.0, 3.5, -5.0, 4.2, 3.0], [1.0, -2.0, 0.5, 3.0, -1.0]),
        ([2.5, 4.0, 3.0, -3.5, 5.0], [0.3, 0.8, -1.2, 0.0, 2.2]),
    ] {
        let (v, dl, dd, du, dr) = tridiagonal_solve_grad(&lower, &diag, &upper, &rhs, &w);
        let (dl, dd, du, dr): ([f64; M], [f64; M], [f64; M], [f64; M]) = (dl, dd, du, dr);
        assert_eq!(v, tridiagonal_solve(&lower, &diag, &upper, &rhs, &w));
        let mut a = [[0.0; M]; M];
        for i in 0..M {
            a[i][i] = diag[i];
            if i > 0 {
                a[i][i - 1] = lower[i];
            }
            if i + 1 < M {
                a[i][i + 1] = upper[i];
            }
        }
        let x = dense_solve(a, rhs);
        let mut at = [[0.0; M]; M];
        for i in 0..M {
            for j in 0..M {
                at[i][j] = a[j][i];
            }
        }
        let lambda = dense_solve(at, w);
        assert_close("value", v, (0..M).map(|i| w[i] * x[i]).sum(), LOOSE);
        let el: Vec<f64> = (0..M)
            .map(|i| if i > 0 { -lambda[i] * x[i - 1] } else { 0.0 })
            .collect();
        let ed: Vec<f64> = (0..M).map(|i| -lambda[i] * x[i]).collect();
        let eu: Vec<f64> = (0..M)
            .map(|i| {
                if i + 1 < M {
                    -lambda[i] * x[i + 1]
                } else {
                    0.0
                }
            })
            .collect();
        assert_grad_close("∂lower", diag, &dl, &el, LOOSE);
        assert_grad_close("∂diag", diag, &dd, &ed, LOOSE);
        assert_grad_close("∂upper", diag, &du, &eu, LOOSE);
        assert_grad_close("∂rhs", diag, &dr, &lambda, LOOSE);
        assert_eq!((dl[0], du[M - 1]), (0.0, 0.0), "unused entries");
    }
}

// ---------------------------------------------------------------------------------------------
// `vec![0.0; n]`, `Array1::zeros`, `Array2::zeros`, `clone`.
// ---------------------------------------------------------------------------------------------

// eᵢ = exp xᵢ into a `vec!`, then f = Σ eᵢ/Σe · wᵢ = p·w with p = softmax(x).
//   ∂xᵢ = pᵢ(wᵢ − p·w).
#[grad(wrt(x))]
fn softmax_weighted(x: &[f64], w: &[f64]) -> f64 {
    let n = x.len();
    let mut e = vec![0.0; n];
    let mut total = 0.0;
    for i in 0..n {
        e[i] = x[i].exp();
        total += e[i];
    }
    let mut s = 0.0;
    for i in 0..n {
        s += e[i] / total * w[i];
    }
    s
}

#[test]
fn vec_of_zeros_written_in_a_loop() {
    let w = [1.0, -0.5, 0.25, 2.0, -1.5];
    for x in [[0.5, -1.2, 0.9, 2.0, -0.3], [1.3, 0.4, -0.7, -1.1, 0.6]] {
        let (v, d) = softmax_weighted_grad(&x, &w);
        assert_eq!(v, softmax_weighted(&x, &w));
        let total: f64 = x.iter().map(|v| v.exp()).sum();
        let p: Vec<f64> = x.iter().map(|v| v.exp() / total).collect();
        let pw: f64 = (0..5).map(|i| p[i] * w[i]).sum();
        let e: Vec<f64> = (0..5).map(|i| p[i] * (w[i] - pw)).collect();
        assert_grad_close("softmax", x, &d, &e, EXACTISH);
    }
}

// aᵢ = t·xᵢ into `Array1::zeros(n)`, then aᵢ += aᵢ₋₁ (reading the element just written), so
// aᵢ = t·Pᵢ with Pᵢ = Σ_{j≤i} xⱼ; f = Σ aᵢ² = t²ΣPᵢ².
//   ∂xⱼ = 2t² Σ_{i≥j} Pᵢ, ∂t = 2t ΣPᵢ².
#[grad]
fn array1_zeros_running_sums(x: &[f64], t: f64) -> f64 {
    let n = x.len();
    let mut a = Array1::zeros(n);
    for i in 0..n {
        a[i] = x[i] * t;
    }
    for i in 1..n {
        a[i] += a[i - 1];
    }
    (&a * &a).sum()
}

#[test]
fn array1_of_zeros_written_and_updated() {
    let x = [0.5, -1.2, 0.9, 2.0, -0.3];
    for t in [0.7, -1.4] {
        let (v, dx, dt) = array1_zeros_running_sums_grad(&x, t);
        assert_eq!(v, array1_zeros_running_sums(&x, t));
        let p: Vec<f64> = (0..5).map(|i| x[..=i].iter().sum()).collect();
        let ex: Vec<f64> = (0..5)
            .map(|j| 2.0 * t * t * p[j..].iter().sum::<f64>())
            .collect();
        let et = 2.0 * t * p.iter().map(|v| v * v).sum::<f64>();
        assert_grad_close("∂x", t, &dx, &ex, EXACTISH);
        assert_close("∂t", dt, et, EXACTISH);
    }
}

// aᵢⱼ = xᵢyⱼ written into `Array2::zeros((m, n))` with `a[[i, j]] = e`, then doubled on a
// diagonal (`*=`) and xᵢ added in column 0 (`+=`): aᵢⱼ = mᵢⱼxᵢyⱼ + [j = 0]xᵢ with mᵢⱼ = 2
// where j = i mod n, else 1. f = Σ wᵢⱼ tanh aᵢⱼ; with Gᵢⱼ = wᵢⱼ(1 − tanh² aᵢⱼ):
//   ∂xᵢ = Σⱼ Gᵢⱼ(mᵢⱼyⱼ + [j = 0]), ∂yⱼ = Σᵢ Gᵢⱼ mᵢⱼ xᵢ.
#[grad(wrt(x, y))]
fn array2_zeros_element_writes(x: &[f64], y: &[f64], w: &Array2<f64>) -> f64 {
    let (m, n) = (x.len(), y.len());
    let mut a = Array2::zeros((m, n));
    for i in 0..m {
        for j in 0..n {
            a[[i, j]] = x[i] * y[j];
        }
    }
    for i in 0..m {
        a[[i, i % n]] *= 2.0;
        a[[i, 0]] += x[i];
    }
    (&nn::tanh(&a) * w).sum()
}

#[test]
fn array2_of_zeros_written_by_two_indices() {
    let w = array![
        [0.5, -1.0, 0.3],
        [2.0, 0.25, -0.7],
        [-0.6, 1.2, 0.4],
        [0.9, -0.2, 1.1]
    ];
    let y = [0.8, -0.4, 1.3];
    for x in [[0.5, -1.2, 0.9, 0.3], [-0.2, 0.6, 1.1, -0.9]] {
        let (v, dx, dy) = array2_zeros_element_writes_grad(&x, &y, &w);
        assert_eq!(v, array2_zeros_element_writes(&x, &y, &w));
        let mult = |i: usize, j: usize| if j == i % 3 { 2.0 } else { 1.0 };
        let g = |i: usize, j: usize| {
            let a = mult(i, j) * x[i] * y[j] + if j == 0 { x[i] } else { 0.0 };
            w[[i, j]] * (1.0 - a.tanh() * a.tanh())
        };
        let ex: Vec<f64> = (0..4)
            .map(|i| {
                (0..3)
                    .map(|j| g(i, j) * (mult(i, j) * y[j] + if j == 0 { 1.0 } else { 0.0 }))
                    .sum()
            })
            .collect();
        let ey: Vec<f64> = (0..3)
            .map(|j| (0..4).map(|i| g(i, j) * mult(i, j) * x[i]).sum())
            .collect();
        assert_grad_close("∂x", x, &dx, &ex, EXACTISH);
        assert_grad_close("∂y", x, &dy, &ey, EXACTISH);
    }
}

// y = x.clone() (an `Array1`), then yᵢ ← yᵢ + a·yᵢ₋₁: yᵢ = Σ_{j≤i} a^{i−j}xⱼ; f = Σ yᵢ.
//   ∂xⱼ = Σ_{i≥j} a^{i−j}; ∂a by the tangent dyᵢ = yᵢ₋₁ + a·dyᵢ₋₁.
// The parameter itself must not change: x is read again after the loop (f + Σx adds 1 to each
// ∂xⱼ).
#[grad]
fn clone_and_update(x: &Array1<f64>, a: f64) -> f64 {
    let mut y = x.clone();
    for i in 1..y.len() {
        y[i] = y[i] + a * y[i - 1];
    }
    y.sum() + x.sum()
}

// y = x.clone() (a `Vec`), yᵢ *= a(i + 1), then f = Σ yᵢxᵢ = a Σ (i + 1)xᵢ².
//   ∂xᵢ = 2a(i + 1)xᵢ, ∂a = Σ (i + 1)xᵢ².
#[grad]
fn clone_vec_and_scale(x: &Vec<f64>, a: f64) -> f64 {
    let mut y = x.clone();
    for i in 0..y.len() {
        y[i] *= a * (i as f64 + 1.0);
    }
    let mut s = 0.0;
    for i in 0..y.len() {
        s += y[i] * x[i];
    }
    s
}

#[test]
fn clones_of_parameters_written_in_loops() {
    let x = array![0.5, -1.2, 0.9, 2.0, -0.3];
    for a in [0.6, -1.3] {
        let (v, dx, da) = clone_and_update_grad(&x, a);
        assert_eq!(v, clone_and_update(&x, a));
        let n = x.len();
        let ex: Vec<f64> = (0..n)
            .map(|j| (j..n).map(|i| a.powi((i - j) as i32)).sum::<f64>() + 1.0)
            .collect();
        let (mut y, mut dy) = (x[0], 0.0);
        let mut ea = 0.0;
        for i in 1..n {
            dy = y + a * dy;
            y = x[i] + a * y;
            ea += dy;
        }
        assert_grad_close("Array1 clone ∂x", a, dx.as_slice().unwrap(), &ex, EXACTISH);
        assert_close("Array1 clone ∂a", da, ea, EXACTISH);

        let xv = x.to_vec();
        let (v, dx, da) = clone_vec_and_scale_grad(&xv, a);
        assert_eq!(v, clone_vec_and_scale(&xv, a));
        let ex: Vec<f64> = (0..n).map(|i| 2.0 * a * (i as f64 + 1.0) * xv[i]).collect();
        let ea: f64 = (0..n).map(|i| (i as f64 + 1.0) * xv[i] * xv[i]).sum();
        assert_grad_close("Vec clone ∂x", a, &dx, &ex, EXACTISH);
        assert_close("Vec clone ∂a", da, ea, EXACTISH);
    }
}

// A local array of f32: running products with `*=` read back, against f32 differences.
#[grad]
fn local_array_f32(x: [f32; 4]) -> f32 {
    let mut y = [1.0; 4];
    y[0] = x[0];
    for i in 1..4 {
        y[i] = y[i - 1] * x[i];
        y[i] *= 0.5;
    }
    y[0] + y[1] + y[2] + y[3]
}

#[test]
fn local_array_in_f32() {
    for x in [[0.5_f32, -1.25, 0.75, 2.0], [1.5, 0.25, -0.5, 1.25]] {
        let (v, d) = local_array_f32_grad(x);
        assert_eq!(v, local_array_f32(x));
        check_f32(
            "local_array_f32",
            |q| local_array_f32([q[0], q[1], q[2], q[3]]),
            &x,
            &d,
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Parameters that are lists of arrays.
// ---------------------------------------------------------------------------------------------

fn flatten<D: Dimension>(arrays: &[Array<f64, D>]) -> Vec<f64> {
    arrays.iter().flat_map(|a| a.iter().copied()).collect()
}

/// Arrays of the shapes of `like`, filled from `flat` in order.
fn unflatten<D: Dimension>(like: &[Array<f64, D>], flat: &[f64]) -> Vec<Array<f64, D>> {
    let mut values = flat.iter().copied();
    like.iter()
        .map(|a| a.mapv(|_| values.next().expect("enough values")))
        .collect()
}

// A network whose weights are a list: h = tanh(W₀x + b₀), then h ← tanh(Wₗh + bₗ) for each
// further layer; f = Σh². Gradients are `Vec<Array2<f64>>` and `Vec<Array1<f64>>`, checked
// against central differences.
#[grad(wrt(ws, bs))]
fn layers(x: &Array1<f64>, ws: &[Array2<f64>], bs: &Vec<Array1<f64>>) -> f64 {
    let mut h = nn::tanh(&(ws[0].dot(x) + &bs[0]));
    for l in 1..ws.len() {
        h = nn::tanh(&(ws[l].dot(&h) + &bs[l]));
    }
    (&h * &h).sum()
}

/// One dense layer, called once per layer from a loop.
#[grad]
fn dense(w: &Array2<f64>, h: &Array1<f64>, b: &Array1<f64>) -> Array1<f64> {
    nn::tanh(&(w.dot(h) + b))
}

// The same network with each layer a call to `dense`, passing elements of the lists.
#[grad(wrt(ws, bs))]
fn layers_by_calls(x: &Array1<f64>, ws: &[Array2<f64>], bs: &Vec<Array1<f64>>) -> f64 {
    let mut h = x.clone();
    for l in 0..ws.len() {
        let next: Array1<f64> = dense(&ws[l], &h, &bs[l]);
        h = next;
    }
    (&h * &h).sum()
}

fn network() -> (Array1<f64>, Vec<Array2<f64>>, Vec<Array1<f64>>) {
    let x = array![0.6, -1.1];
    let ws = vec![
        array![[0.5, -0.3], [0.2, 0.8], [-0.7, 0.1]],
        array![[0.3, -0.2, 0.6], [0.9, 0.1, -0.4], [-0.5, 0.7, 0.2]],
        array![[0.4, -0.8, 0.3]],
    ];
    let bs = vec![array![0.1, -0.2, 0.05], array![0.0, 0.3, -0.1], array![0.2]];
    (x, ws, bs)
}

#[test]
fn list_of_matrices_indexed_in_a_loop_over_layers() {
    let (x, ws, bs) = network();
    type Layers = fn(&Array1<f64>, &[Array2<f64>], &Vec<Array1<f64>>) -> f64;
    type LayersGrad = fn(
        &Array1<f64>,
        &[Array2<f64>],
        &Vec<Array1<f64>>,
    ) -> (f64, Vec<Array2<f64>>, Vec<Array1<f64>>);
    let cases: [(&str, Layers, LayersGrad); 2] = [
        ("layers", layers, layers_grad),
        ("layers_by_calls", layers_by_calls, layers_by_calls_grad),
    ];
    for (name, f, f_grad) in cases {
        // Three layers, and two (the first and the last).
        for (ws, bs) in [
            (ws.clone(), bs.clone()),
            (
                vec![ws[0].clone(), ws[2].clone()],
                vec![bs[0].clone(), bs[2].clone()],
            ),
        ] {
            let depth = ws.len();
            let (v, dws, dbs) = f_grad(&x, &ws, &bs);
            assert_eq!(v, f(&x, &ws, &bs));
            assert_eq!(dws.len(), ws.len());
            assert_eq!(dbs.len(), bs.len());
            for (dw, w) in dws.iter().zip(&ws) {
                assert_eq!(dw.shape(), w.shape());
            }
            let nw = flatten(&ws).len();
            check_f64(
                &format!("{name}, {depth} layers"),
                |q| f(&x, &unflatten(&ws, &q[..nw]), &unflatten(&bs, &q[nw..])),
                &[flatten(&ws), flatten(&bs)].concat(),
                &[flatten(&dws), flatten(&dbs)].concat(),
            );
        }
    }
}

// f = Σₗ (l + 1)·(vₗ·w) over a list of vectors: ∂vₗ = (l + 1)w, ∂w = Σₗ (l + 1)vₗ.
#[grad]
fn list_of_vectors(vs: &[Array1<f64>], w: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for l in 0..vs.len() {
        s += (&vs[l] * w).sum() * (l as f64 + 1.0);
    }
    s
}

#[test]
fn list_of_vectors_indexed_in_a_loop() {
    let vs = vec![array![0.5, -1.0], array![2.0, 0.25], array![-0.75, 1.5]];
    for w in [array![0.3, -0.6], array![-1.2, 0.8]] {
        let (v, dvs, dw) = list_of_vectors_grad(&vs, &w);
        let dvs: Vec<Array1<f64>> = dvs;
        assert_eq!(v, list_of_vectors(&vs, &w));
        let evs: Vec<Array1<f64>> = (0..3).map(|l| &w * (l as f64 + 1.0)).collect();
        let ew = &vs[0] + &(&vs[1] * 2.0) + &(&vs[2] * 3.0);
        assert_grad_close("∂vs", 0, &flatten(&dvs), &flatten(&evs), EXACTISH);
        assert_grad_close(
            "∂w",
            0,
            dw.as_slice().unwrap(),
            ew.as_slice().unwrap(),
            EXACTISH,
        );
    }
}

// Squared distances of 3-D points to a centre, the points a `&[[f64; 3]]` indexed as
// `points[i][k]`: f = Σᵢ‖pᵢ − c‖². ∂pᵢ = 2(pᵢ − c) (a `Vec<[f64; 3]>`), ∂c = −2Σᵢ(pᵢ − c).
#[grad]
fn spread(points: &[[f64; 3]], c: [f64; 3]) -> f64 {
    let mut s = 0.0;
    for i in 0..points.len() {
        for k in 0..3 {
            let d = points[i][k] - c[k];
            s += d * d;
        }
    }
    s
}

#[test]
fn list_of_fixed_arrays_indexed_in_a_loop() {
    let points = [
        [0.5, -1.0, 0.2],
        [2.0, 0.25, -0.7],
        [-0.75, 1.5, 0.9],
        [0.1, 0.3, -1.2],
    ];
    for c in [[0.3, -0.6, 0.1], [-1.0, 0.5, 2.0]] {
        let (v, dp, dc) = spread_grad(&points, c);
        let (dp, dc): (Vec<[f64; 3]>, [f64; 3]) = (dp, dc);
        assert_eq!(v, spread(&points, c));
        assert_eq!(dp.len(), points.len());
        for (i, p) in points.iter().enumerate() {
            let e: Vec<f64> = (0..3).map(|k| 2.0 * (p[k] - c[k])).collect();
            assert_grad_close(&format!("∂points[{i}]"), c, &dp[i], &e, EXACTISH);
        }
        let ec: Vec<f64> = (0..3)
            .map(|k| points.iter().map(|p| -2.0 * (p[k] - c[k])).sum())
            .collect();
        assert_grad_close("∂c", c, &dc, &ec, EXACTISH);
    }
}
