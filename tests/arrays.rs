//! Every ndarray primitive `#[grad]` differentiates, checked against central finite differences
//! of the original function (`autodiff_runtime::check`), for 1-D and 2-D shapes, the
//! broadcasting cases, `1×n` / `n×1` edges, every form of `dot`, and every `nn` function.
//!
//! Functions with an array result are reduced to a float inside the `#[grad]` function as
//! `(&y * w).sum()` with a fixed random weight array `w` that is not differentiated, so the
//! cotangent reaching the primitive is not all ones (an all-ones cotangent hides transposition
//! and broadcasting mistakes, and makes every softmax-like gradient vanish).
//!
//! Points are random but fixed (a seeded generator), far from the nonsmooth points of `relu`
//! and inside the domain of `ln`.

use autodiff_runtime::check::{self, Checker};
use autodiff_runtime::ndarray::{
    Array, Array1, Array2, ArrayD, ArrayView1, ArrayView2, Axis, Dimension, IxDyn, ShapeBuilder,
    array,
};
use autodiff_runtime::{grad, nn};
use fixtures::{cross_entropy_of, cross_entropy_of_grad};
use testkit::SplitMix64;

mod fixtures;

// ---------------------------------------------------------------------------------------------
// Fixed random points.

/// Uniform in ±[0.1, 1.5): away from 0, where `relu` has its kink and `1/x` blows up.
fn away_from_zero(rng: &mut SplitMix64) -> f64 {
    let magnitude = rng.range(0.1, 1.5);
    if rng.next_u64() & 1 == 0 {
        magnitude
    } else {
        -magnitude
    }
}

fn random<D: Dimension, Sh: ShapeBuilder<Dim = D>>(seed: u64, shape: Sh) -> Array<f64, D> {
    let mut rng = SplitMix64::new(seed);
    Array::from_shape_simple_fn(shape, || away_from_zero(&mut rng))
}

fn positive<D: Dimension, Sh: ShapeBuilder<Dim = D>>(seed: u64, shape: Sh) -> Array<f64, D> {
    let mut rng = SplitMix64::new(seed);
    Array::from_shape_simple_fn(shape, || rng.range(0.2, 2.0))
}

fn to_f32<D: Dimension>(a: &Array<f64, D>) -> Array<f32, D> {
    a.mapv(|v| v as f32)
}

// ---------------------------------------------------------------------------------------------
// Element-wise arithmetic between arrays of the same shape.

#[grad(wrt(a, b))]
fn add_same(a: &Array2<f64>, b: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let y = a + b;
    (&y * w).sum()
}

#[grad(wrt(a, b))]
fn sub_same(a: &Array2<f64>, b: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let y = a - b;
    (&y * w).sum()
}

#[grad(wrt(a, b))]
fn mul_same(a: &Array2<f64>, b: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let y = a * b;
    (&y * w).sum()
}

#[grad(wrt(a, b))]
fn div_same(a: &Array2<f64>, b: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let y = a / b;
    (&y * w).sum()
}

type Binary2 = fn(&Array2<f64>, &Array2<f64>, &Array2<f64>) -> f64;
type Binary2Grad = fn(&Array2<f64>, &Array2<f64>, &Array2<f64>) -> (f64, Array2<f64>, Array2<f64>);

fn check_binary_2d(f: Binary2, f_grad: Binary2Grad, shape: (usize, usize), seed: u64) {
    let (a, b, w) = (
        random(seed, shape),
        random(seed + 1, shape),
        random(seed + 2, shape),
    );
    let (value, bar_a, bar_b) = f_grad(&a, &b, &w);
    assert_eq!(value, f(&a, &b, &w), "the value is the original function's");
    assert_eq!(bar_a.shape(), a.shape());
    assert_eq!(bar_b.shape(), b.shape());
    Checker::default()
        .names(["a", "b"])
        .check(|(a, b)| f(a, b, &w), &(a, b), &(bar_a, bar_b))
        .assert_ok();
}

#[test]
fn elementwise_same_shape_2d() {
    for (i, shape) in [(3, 4), (1, 5), (5, 1), (1, 1)].into_iter().enumerate() {
        let seed = 10 * i as u64;
        check_binary_2d(add_same, add_same_grad, shape, seed);
        check_binary_2d(sub_same, sub_same_grad, shape, seed + 3);
        check_binary_2d(mul_same, mul_same_grad, shape, seed + 5);
        check_binary_2d(div_same, div_same_grad, shape, seed + 7);
    }
}

#[grad(wrt(a, b))]
fn all_four_1d(a: &Array1<f64>, b: &Array1<f64>, w: &Array1<f64>) -> f64 {
    let s = a + b;
    let d = a - b;
    let p = a * b;
    let q = a / b;
    (&s * w).sum() + (&d * &d).sum() + (&p * w).sum() * 0.5 + (&q * &s).sum()
}

#[test]
fn elementwise_1d() {
    for (n, seed) in [(1, 0), (4, 1), (9, 2)] {
        let (a, b, w) = (random(seed, n), random(seed + 10, n), random(seed + 20, n));
        let (_, bar_a, bar_b) = all_four_1d_grad(&a, &b, &w);
        check::gradient(|(a, b)| all_four_1d(a, b, &w), &(a, b), &(bar_a, bar_b)).assert_ok();
    }
}

// ---------------------------------------------------------------------------------------------
// Broadcasting.

/// Matrix + row vector: the vector's cotangent sums over the rows.
#[grad(wrt(m, v))]
fn matrix_plus_row(m: &Array2<f64>, v: &Array1<f64>, w: &Array2<f64>) -> f64 {
    let y = m + v;
    (&y * w).sum()
}

/// Row vector first: the result still has two axes.
#[grad(wrt(m, v))]
fn row_plus_matrix(m: &Array2<f64>, v: &Array1<f64>, w: &Array2<f64>) -> f64 {
    let y = v + m;
    (&nn::tanh(&y) * w).sum()
}

/// Matrix − row vector, and row vector − matrix.
#[grad(wrt(m, v))]
fn matrix_minus_row(m: &Array2<f64>, v: &Array1<f64>, w: &Array2<f64>) -> f64 {
    let y = m - v;
    let z = v - m;
    (&y * w).sum() + (&z * &z).sum()
}

#[test]
fn broadcast_matrix_and_row_vector() {
    for (i, (rows, cols)) in [(4, 3), (1, 3), (4, 1), (1, 1)].into_iter().enumerate() {
        let seed = 100 + 10 * i as u64;
        let (m, v, w) = (
            random(seed, (rows, cols)),
            random(seed + 1, cols),
            random(seed + 2, (rows, cols)),
        );
        let (_, bar_m, bar_v) = matrix_plus_row_grad(&m, &v, &w);
        assert_eq!(bar_v.shape(), [cols]);
        check::gradient(
            |(m, v)| matrix_plus_row(m, v, &w),
            &(m.clone(), v.clone()),
            &(bar_m, bar_v),
        )
        .assert_ok();

        let (_, bar_m, bar_v) = row_plus_matrix_grad(&m, &v, &w);
        check::gradient(
            |(m, v)| row_plus_matrix(m, v, &w),
            &(m.clone(), v.clone()),
            &(bar_m, bar_v),
        )
        .assert_ok();

        let (_, bar_m, bar_v) = matrix_minus_row_grad(&m, &v, &w);
        check::gradient(
            |(m, v)| matrix_minus_row(m, v, &w),
            &(m, v),
            &(bar_m, bar_v),
        )
        .assert_ok();
    }
}

/// Matrix times an `n×1` column: the column's cotangent sums over the columns.
#[grad(wrt(m, c))]
fn matrix_times_column(m: &Array2<f64>, c: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let y = m * c;
    let z = c + m;
    (&y * w).sum() + (&z * &y).sum()
}

#[test]
fn broadcast_matrix_and_column() {
    for (i, (rows, cols)) in [(3, 4), (1, 4), (3, 1), (1, 1)].into_iter().enumerate() {
        let seed = 200 + 10 * i as u64;
        let (m, c, w) = (
            random(seed, (rows, cols)),
            random(seed + 1, (rows, 1)),
            random(seed + 2, (rows, cols)),
        );
        let (_, bar_m, bar_c) = matrix_times_column_grad(&m, &c, &w);
        assert_eq!(bar_c.shape(), [rows, 1]);
        check::gradient(
            |(m, c)| matrix_times_column(m, c, &w),
            &(m, c),
            &(bar_m, bar_c),
        )
        .assert_ok();
    }
}

/// An `n×1` column plus a `1×m` row: both operands are stretched (an outer sum).
#[grad(wrt(c, r))]
fn outer_sum(c: &Array2<f64>, r: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let y = c + r;
    let z = r * c;
    (&y * w).sum() + (&z * &y).sum()
}

#[test]
fn broadcast_column_and_row_both_stretched() {
    for (i, (n, m)) in [(3, 4), (1, 4), (3, 1)].into_iter().enumerate() {
        let seed = 300 + 10 * i as u64;
        let (c, r, w) = (
            random(seed, (n, 1)),
            random(seed + 1, (1, m)),
            random(seed + 2, (n, m)),
        );
        let (_, bar_c, bar_r) = outer_sum_grad(&c, &r, &w);
        assert_eq!(
            (bar_c.shape(), bar_r.shape()),
            ([n, 1].as_slice(), [1, m].as_slice())
        );
        check::gradient(|(c, r)| outer_sum(c, r, &w), &(c, r), &(bar_c, bar_r)).assert_ok();
    }
}

/// A `1×n` matrix plus a vector of length `n`, and a vector of length 1 stretched over a matrix.
#[grad(wrt(a, v, u))]
fn one_by_n_edges(a: &Array2<f64>, v: &Array1<f64>, u: &Array1<f64>, w: &Array2<f64>) -> f64 {
    let y = a + v;
    let z = &y * u;
    (&z * w).sum()
}

#[test]
fn broadcast_one_by_n_edges() {
    let (a, v, u, w) = (
        random(400, (1, 5)),
        random(401, 5),
        random(402, 1),
        random(403, (1, 5)),
    );
    let (_, bar_a, bar_v, bar_u) = one_by_n_edges_grad(&a, &v, &u, &w);
    assert_eq!(bar_u.shape(), [1]);
    check::gradient(
        |(a, v, u)| one_by_n_edges(a, v, u, &w),
        &(a, v, u),
        &(bar_a, bar_v, bar_u),
    )
    .assert_ok();
}

/// Array / array with broadcasting in both directions: matrix / row vector and column / matrix.
#[grad(wrt(m, v, c))]
fn broadcast_division(m: &Array2<f64>, v: &Array1<f64>, c: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let y = m / v;
    let z = c / m;
    (&y * w).sum() + (&z * w).sum()
}

#[test]
fn broadcast_array_division() {
    let (m, v, c, w) = (
        random(500, (3, 4)),
        random(501, 4),
        random(502, (3, 1)),
        random(503, (3, 4)),
    );
    let (_, bar_m, bar_v, bar_c) = broadcast_division_grad(&m, &v, &c, &w);
    check::gradient(
        |(m, v, c)| broadcast_division(m, v, c, &w),
        &(m, v, c),
        &(bar_m, bar_v, bar_c),
    )
    .assert_ok();
}

// ---------------------------------------------------------------------------------------------
// Array–scalar mixing.

/// Array ± scalar parameter on either side: the scalar's cotangent is the sum of the array's.
#[grad(wrt(a, s))]
fn array_plus_scalar(a: &Array2<f64>, s: f64, w: &Array2<f64>) -> f64 {
    let y = a + s;
    let z = s - a;
    let u = a - s;
    (&y * w).sum() + (&z * &z).sum() + (&u * w).sum() * 3.0
}

#[test]
fn broadcast_array_and_scalar_sum() {
    let (a, s, w) = (random(600, (3, 2)), 0.7, random(601, (3, 2)));
    let (_, bar_a, bar_s) = array_plus_scalar_grad(&a, s, &w);
    check::Checker::default()
        .names(["a", "s"])
        .check(
            |(a, s)| array_plus_scalar(a, *s, &w),
            &(a, s),
            &(bar_a, bar_s),
        )
        .assert_ok();
}

/// A scalar parameter times an array parameter, scalar on the left and on the right.
#[grad(wrt(a, s))]
fn scalar_times_array(a: &Array2<f64>, s: f64, w: &Array2<f64>) -> f64 {
    let y = s * a;
    let z = a * s;
    (&y * w).sum() + (&z * &y).sum()
}

#[test]
fn scalar_parameter_times_array_parameter() {
    for (i, shape) in [(2, 3), (1, 4), (4, 1)].into_iter().enumerate() {
        let (a, s, w) = (
            random(700 + i as u64, shape),
            -1.3,
            random(710 + i as u64, shape),
        );
        let (_, bar_a, bar_s) = scalar_times_array_grad(&a, s, &w);
        // ∂/∂s Σ w ⊙ s a = Σ w ⊙ a, plus 2 s Σ a ⊙ a from the product term.
        let expected = (&w * &a).sum() + 2.0 * s * (&a * &a).sum();
        assert!((bar_s - expected).abs() <= 1e-12 * expected.abs().max(1.0));
        check::gradient(
            |(a, s)| scalar_times_array(a, *s, &w),
            &(a, s),
            &(bar_a, bar_s),
        )
        .assert_ok();
    }
}

/// Division by and of a scalar: `a / s` and `s / a`.
#[grad(wrt(a, s))]
fn scalar_division(a: &Array1<f64>, s: f64, w: &Array1<f64>) -> f64 {
    let y = a / s;
    let z = s / a;
    (&y * w).sum() + (&z * w).sum()
}

#[test]
fn array_divided_by_scalar_and_scalar_by_array() {
    let (a, s, w) = (random(800, 5), 1.7, random(801, 5));
    let (_, bar_a, bar_s) = scalar_division_grad(&a, s, &w);
    check::gradient(
        |(a, s)| scalar_division(a, *s, &w),
        &(a, s),
        &(bar_a, bar_s),
    )
    .assert_ok();
}

/// Float literals on both sides of an array.
#[grad]
fn literal_mixing(a: &Array2<f64>) -> f64 {
    let y = 2.0 * a + 1.5;
    let z = 0.5 - &y / 4.0;
    (&y * &z).sum()
}

#[test]
fn array_and_float_literals() {
    let a = random(900, (2, 3));
    let (_, bar_a) = literal_mixing_grad(&a);
    check::gradient(literal_mixing, &a, &bar_a).assert_ok();
}

/// A scalar computed from an array (`sum`) used in float arithmetic and as an array factor.
#[grad]
fn sum_as_scalar(a: &Array1<f64>, b: &Array2<f64>) -> f64 {
    let t = a.sum();
    let y = b * t;
    t.sin() * t + (&y * b).sum()
}

#[test]
fn scalar_from_sum_used_as_float_and_factor() {
    let (a, b) = (random(1000, 4), random(1001, (2, 3)));
    let (_, bar_a, bar_b) = sum_as_scalar_grad(&a, &b);
    check::gradient(|(a, b)| sum_as_scalar(a, b), &(a, b), &(bar_a, bar_b)).assert_ok();
}

// ---------------------------------------------------------------------------------------------
// `dot` in its four forms.

#[grad(wrt(a, b))]
fn matmul(a: &Array2<f64>, b: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let y = a.dot(b);
    (&y * w).sum()
}

#[test]
fn dot_matrix_matrix() {
    for (i, (m, k, n)) in [(3, 4, 2), (1, 4, 3), (3, 1, 2), (3, 4, 1), (1, 1, 1)]
        .into_iter()
        .enumerate()
    {
        let seed = 1100 + 10 * i as u64;
        let (a, b, w) = (
            random(seed, (m, k)),
            random(seed + 1, (k, n)),
            random(seed + 2, (m, n)),
        );
        let (_, bar_a, bar_b) = matmul_grad(&a, &b, &w);
        assert_eq!((bar_a.shape(), bar_b.shape()), (a.shape(), b.shape()));
        check::gradient(|(a, b)| matmul(a, b, &w), &(a, b), &(bar_a, bar_b)).assert_ok();
    }
}

#[grad(wrt(a, x))]
fn matvec(a: &Array2<f64>, x: &Array1<f64>, w: &Array1<f64>) -> f64 {
    let y = a.dot(x);
    (&y * w).sum()
}

#[test]
fn dot_matrix_vector() {
    for (i, (m, k)) in [(3, 4), (1, 4), (3, 1)].into_iter().enumerate() {
        let seed = 1200 + 10 * i as u64;
        let (a, x, w) = (
            random(seed, (m, k)),
            random(seed + 1, k),
            random(seed + 2, m),
        );
        let (_, bar_a, bar_x) = matvec_grad(&a, &x, &w);
        check::gradient(|(a, x)| matvec(a, x, &w), &(a, x), &(bar_a, bar_x)).assert_ok();
    }
}

#[grad(wrt(x, a))]
fn vecmat(x: &Array1<f64>, a: &Array2<f64>, w: &Array1<f64>) -> f64 {
    let y = x.dot(a);
    (&y * w).sum()
}

#[test]
fn dot_vector_matrix() {
    for (i, (k, n)) in [(3, 4), (1, 4), (3, 1)].into_iter().enumerate() {
        let seed = 1300 + 10 * i as u64;
        let (x, a, w) = (
            random(seed, k),
            random(seed + 1, (k, n)),
            random(seed + 2, n),
        );
        let (_, bar_x, bar_a) = vecmat_grad(&x, &a, &w);
        check::gradient(|(x, a)| vecmat(x, a, &w), &(x, a), &(bar_x, bar_a)).assert_ok();
    }
}

/// `dot(b)` of a borrowed parameter and `dot(&q)` of an owned value, owned operands on both
/// sides, and a product of a parameter with itself. (Owned operands used only by the product are
/// in `known_bugs` below.)
#[grad]
fn dot_borrow_forms(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let p = a.dot(b);
    let q = nn::tanh(&p);
    let r = p.dot(&q);
    let s = q.dot(a);
    let u = a.dot(a);
    (&r * &s).sum() + u.sum() * 0.25
}

#[test]
fn dot_borrow_forms_and_self_products() {
    let (a, b) = (random(1500, (3, 3)), random(1501, (3, 3)));
    let (_, bar_a, bar_b) = dot_borrow_forms_grad(&a, &b);
    check::gradient(|(a, b)| dot_borrow_forms(a, b), &(a, b), &(bar_a, bar_b)).assert_ok();
}

// ---------------------------------------------------------------------------------------------
// `t`, `sum`, `sum_axis`.

#[grad(wrt(a))]
fn transpose(a: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let y = a.t();
    (&y * w).sum()
}

#[test]
fn t_of_rectangular_and_edge_matrices() {
    for (i, (m, n)) in [(2, 3), (1, 4), (4, 1)].into_iter().enumerate() {
        let (a, w) = (
            random(1600 + i as u64, (m, n)),
            random(1610 + i as u64, (n, m)),
        );
        let (_, bar_a) = transpose_grad(&a, &w);
        assert_eq!(bar_a.shape(), [m, n]);
        check::gradient(|a| transpose(a, &w), &a, &bar_a).assert_ok();
    }
}

/// `t()` on a computed value, feeding an `nn` function and a product.
#[grad(wrt(a, b))]
fn transpose_of_intermediate(a: &Array2<f64>, b: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let p = a * b;
    let q = nn::sigmoid(&p.t());
    let r = q.t().dot(w);
    r.sum()
}

#[test]
fn t_of_intermediate() {
    let (a, b, w) = (
        random(1700, (3, 2)),
        random(1701, (3, 2)),
        random(1702, (2, 4)),
    );
    let (_, bar_a, bar_b) = transpose_of_intermediate_grad(&a, &b, &w);
    check::gradient(
        |(a, b)| transpose_of_intermediate(a, b, &w),
        &(a, b),
        &(bar_a, bar_b),
    )
    .assert_ok();
}

#[grad]
fn sum_2d(a: &Array2<f64>) -> f64 {
    let s = a.sum();
    s * s
}

#[grad]
fn sum_1d(a: &Array1<f64>) -> f64 {
    let s = a.sum();
    s.exp()
}

#[test]
fn sum_of_all_elements() {
    for (i, shape) in [(2, 3), (1, 1), (1, 4)].into_iter().enumerate() {
        let a = random(1800 + i as u64, shape);
        let (_, bar_a) = sum_2d_grad(&a);
        check::gradient(sum_2d, &a, &bar_a).assert_ok();
    }
    let a = random(1810, 3) * 0.3;
    let (_, bar_a) = sum_1d_grad(&a);
    check::gradient(sum_1d, &a, &bar_a).assert_ok();
}

#[grad(wrt(a))]
fn sum_rows(a: &Array2<f64>, w: &Array1<f64>) -> f64 {
    let s = a.sum_axis(Axis(0));
    (&s * w).sum()
}

#[grad(wrt(a))]
fn sum_cols(a: &Array2<f64>, w: &Array1<f64>) -> f64 {
    let s = a.sum_axis(Axis(1));
    (&s * &s * w).sum()
}

#[test]
fn sum_axis_0_and_1() {
    for (i, (m, n)) in [(3, 4), (1, 4), (3, 1)].into_iter().enumerate() {
        let seed = 1900 + 10 * i as u64;
        let a = random(seed, (m, n));
        let (w0, w1) = (random(seed + 1, n), random(seed + 2, m));
        let (_, bar_a) = sum_rows_grad(&a, &w0);
        check::gradient(|a| sum_rows(a, &w0), &a, &bar_a).assert_ok();
        let (_, bar_a) = sum_cols_grad(&a, &w1);
        check::gradient(|a| sum_cols(a, &w1), &a, &bar_a).assert_ok();
    }
}

/// `sum_axis` of a 1-D array gives a 0-D array; of a 3-D array, a 2-D one.
#[grad(wrt(a))]
fn sum_axis_3d(a: &Array<f64, autodiff_runtime::ndarray::Ix3>, w: &Array2<f64>) -> f64 {
    let s = a.sum_axis(Axis(1));
    (&s * w).sum()
}

#[test]
fn sum_axis_of_a_3d_array() {
    let (a, w) = (random(2000, (2, 3, 4)), random(2001, (2, 4)));
    let (_, bar_a) = sum_axis_3d_grad(&a, &w);
    check::gradient(|a| sum_axis_3d(a, &w), &a, &bar_a).assert_ok();
}

/// An integer parameter as the axis of `sum_axis` (the reverse sweep needs it too).
#[grad(wrt(x))]
fn axis_parameter(x: &Array2<f64>, k: usize) -> f64 {
    let s = x.sum_axis(Axis(k));
    (&s * &s).sum()
}

#[test]
fn sum_axis_with_an_integer_parameter() {
    let x = random(1950, (2, 3));
    for k in 0..2 {
        let (_, bar_x) = axis_parameter_grad(&x, k);
        check::gradient(|x| axis_parameter(x, k), &x, &bar_x).assert_ok();
    }
}

// ---------------------------------------------------------------------------------------------
// Every `nn` function.

#[grad(wrt(x))]
fn relu_2d(x: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let y = nn::relu(x);
    (&y * w).sum()
}

#[grad(wrt(x))]
fn sigmoid_2d(x: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let y = nn::sigmoid(x);
    (&y * w).sum()
}

#[grad(wrt(x))]
fn tanh_2d(x: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let y = nn::tanh(x);
    (&y * w).sum()
}

#[grad(wrt(x))]
fn exp_2d(x: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let y = nn::exp(x);
    (&y * w).sum()
}

#[grad(wrt(x))]
fn ln_2d(x: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let y = nn::ln(x);
    (&y * w).sum()
}

#[grad(wrt(x))]
fn gelu_2d(x: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let y = nn::gelu(x);
    (&y * w).sum()
}

#[grad(wrt(x))]
fn softmax_2d(x: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let y = nn::softmax(x);
    (&y * w).sum()
}

#[grad(wrt(x))]
fn log_softmax_2d(x: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let y = nn::log_softmax(x);
    (&y * w).sum()
}

type Unary2 = fn(&Array2<f64>, &Array2<f64>) -> f64;
type Unary2Grad = fn(&Array2<f64>, &Array2<f64>) -> (f64, Array2<f64>);

#[test]
fn nn_elementwise_and_softmax_like_2d() {
    let cases: [(&str, Unary2, Unary2Grad, bool); 8] = [
        ("relu", relu_2d, relu_2d_grad, false),
        ("sigmoid", sigmoid_2d, sigmoid_2d_grad, false),
        ("tanh", tanh_2d, tanh_2d_grad, false),
        ("exp", exp_2d, exp_2d_grad, false),
        ("ln", ln_2d, ln_2d_grad, true),
        ("gelu", gelu_2d, gelu_2d_grad, false),
        ("softmax", softmax_2d, softmax_2d_grad, false),
        ("log_softmax", log_softmax_2d, log_softmax_2d_grad, false),
    ];
    for (name, f, f_grad, needs_positive) in cases {
        for (i, shape) in [(3, 4), (1, 5), (4, 1)].into_iter().enumerate() {
            let seed = 2100 + 10 * i as u64;
            let x = if needs_positive {
                positive(seed, shape)
            } else {
                random(seed, shape)
            };
            let w = random(seed + 1, shape);
            let (value, bar_x) = f_grad(&x, &w);
            assert_eq!(
                value,
                f(&x, &w),
                "{name}: the value is the original function's"
            );
            let report = Checker::default()
                .names([name])
                .check(|x| f(x, &w), &x, &bar_x);
            assert!(report.is_ok(), "{name} at shape {shape:?}: {report}");
        }
    }
}

/// The 1-D forms, composed in one function (softmax-like functions act on the only axis).
#[grad(wrt(x))]
fn nn_1d(x: &Array1<f64>, w: &Array1<f64>) -> f64 {
    let a = nn::relu(x);
    let b = nn::sigmoid(x);
    let c = nn::tanh(x);
    let d = nn::exp(x);
    let e = nn::ln(&d);
    let f = nn::softmax(x);
    let g = nn::log_softmax(x);
    let h = nn::logsumexp(&(x * w));
    (&a * w).sum() + (&b * &c).sum() + (&(e * w) * &f).sum() + (&g * w).sum() + h.sum()
}

#[test]
fn nn_functions_1d() {
    for (n, seed) in [(1, 2200), (6, 2201)] {
        let (x, w) = (random(seed, n), random(seed + 10, n));
        let (_, bar_x) = nn_1d_grad(&x, &w);
        check::gradient(|x| nn_1d(x, &w), &x, &bar_x).assert_ok();
    }
}

#[grad(wrt(x))]
fn logsumexp_2d(x: &Array2<f64>, w: &Array1<f64>) -> f64 {
    let y = nn::logsumexp(x);
    (&y * w).sum()
}

#[test]
fn nn_logsumexp_rows() {
    for (i, (m, n)) in [(3, 4), (1, 4), (3, 1)].into_iter().enumerate() {
        let seed = 2300 + 10 * i as u64;
        let (x, w) = (random(seed, (m, n)) * 3.0, random(seed + 1, m));
        let (_, bar_x) = logsumexp_2d_grad(&x, &w);
        check::gradient(|x| logsumexp_2d(x, &w), &x, &bar_x).assert_ok();
    }
}

#[grad]
fn mean_2d(x: &Array2<f64>) -> f64 {
    let m = nn::mean(x);
    let y = x * m;
    m * m + (&y * x).sum()
}

#[test]
fn nn_mean() {
    for (i, shape) in [(3, 4), (1, 1)].into_iter().enumerate() {
        let x = random(2400 + i as u64, shape);
        let (_, bar_x) = mean_2d_grad(&x);
        check::gradient(mean_2d, &x, &bar_x).assert_ok();
    }
}

#[grad]
fn mse_2d(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    nn::mse(a, b)
}

#[grad]
fn mse_1d(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    let e = nn::mse(a, b);
    e * e
}

#[test]
fn nn_mse() {
    let (a, b) = (random(2500, (3, 4)), random(2501, (3, 4)));
    let (_, bar_a, bar_b) = mse_2d_grad(&a, &b);
    check::gradient(|(a, b)| mse_2d(a, b), &(a, b), &(bar_a, bar_b)).assert_ok();
    let (a, b) = (random(2502, 5), random(2503, 5));
    let (_, bar_a, bar_b) = mse_1d_grad(&a, &b);
    check::gradient(|(a, b)| mse_1d(a, b), &(a, b), &(bar_a, bar_b)).assert_ok();
}

/// The logits computed inside the function, scaled, so the cotangent is not the seed.
#[grad(wrt(x, w))]
fn cross_entropy_composed(x: &Array2<f64>, w: &Array2<f64>, labels: &[usize]) -> f64 {
    let logits = x.dot(w);
    let l = nn::cross_entropy(&logits, labels);
    l * l * 0.5
}

#[test]
fn nn_cross_entropy() {
    let logits = random(2600, (5, 3)) * 2.0;
    let labels = [0, 2, 1, 1, 0];
    let (_, bar) = cross_entropy_of_grad(&logits, &labels);
    check::gradient(|l| cross_entropy_of(l, &labels), &logits, &bar).assert_ok();

    let (x, w) = (random(2601, (4, 3)), random(2602, (3, 2)));
    let labels = [1, 0, 0, 1];
    let (_, bar_x, bar_w) = cross_entropy_composed_grad(&x, &w, &labels);
    check::gradient(
        |(x, w)| cross_entropy_composed(x, w, &labels),
        &(x, w),
        &(bar_x, bar_w),
    )
    .assert_ok();

    // One class: the loss is 0 whatever the logits, so the gradient is 0.
    let logits = random(2603, (3, 1));
    let (l, bar) = cross_entropy_of_grad(&logits, &[0, 0, 0]);
    assert_eq!(l, 0.0);
    assert!(bar.iter().all(|&g| g == 0.0), "{bar}");
}

#[grad(wrt(x, gamma, beta))]
fn layer_norm_2d(x: &Array2<f64>, gamma: &Array1<f64>, beta: &Array1<f64>, w: &Array2<f64>) -> f64 {
    let y = nn::layer_norm(x, gamma, beta, 1e-5);
    (&y * w).sum()
}

#[grad(wrt(x, gamma, beta))]
fn layer_norm_1d(x: &Array1<f64>, gamma: &Array1<f64>, beta: &Array1<f64>, w: &Array1<f64>) -> f64 {
    let y = nn::layer_norm(x, gamma, beta, 0.1);
    (&y * &y * w).sum()
}

#[test]
fn nn_layer_norm() {
    for (i, (m, n)) in [(3, 5), (1, 4), (4, 2)].into_iter().enumerate() {
        let seed = 2700 + 10 * i as u64;
        let (x, gamma, beta, w) = (
            random(seed, (m, n)),
            random(seed + 1, n),
            random(seed + 2, n),
            random(seed + 3, (m, n)),
        );
        let (_, bar_x, bar_gamma, bar_beta) = layer_norm_2d_grad(&x, &gamma, &beta, &w);
        Checker::default()
            .names(["x", "gamma", "beta"])
            .check(
                |(x, g, b)| layer_norm_2d(x, g, b, &w),
                &(x, gamma, beta),
                &(bar_x, bar_gamma, bar_beta),
            )
            .assert_ok();
    }
    let (x, gamma, beta, w) = (
        random(2750, 6),
        random(2751, 6),
        random(2752, 6),
        random(2753, 6),
    );
    let (_, bar_x, bar_gamma, bar_beta) = layer_norm_1d_grad(&x, &gamma, &beta, &w);
    check::gradient(
        |(x, g, b)| layer_norm_1d(x, g, b, &w),
        &(x, gamma, beta),
        &(bar_x, bar_gamma, bar_beta),
    )
    .assert_ok();
}

/// `eps` as a differentiated scalar parameter is a float argument like any other: the macro
/// differentiates through it only if the pullback gives it a cotangent, so here it is a
/// constant parameter.
#[grad(wrt(x))]
fn layer_norm_eps_param(
    x: &Array2<f64>,
    gamma: &Array1<f64>,
    beta: &Array1<f64>,
    eps: f64,
    w: &Array2<f64>,
) -> f64 {
    let y = nn::layer_norm(x, gamma, beta, eps);
    (&y * w).sum()
}

#[test]
fn nn_layer_norm_with_eps_parameter() {
    let (x, gamma, beta, w) = (
        random(2760, (2, 3)),
        random(2761, 3),
        random(2762, 3),
        random(2763, (2, 3)),
    );
    let (_, bar_x) = layer_norm_eps_param_grad(&x, &gamma, &beta, 0.01, &w);
    check::gradient(
        |x| layer_norm_eps_param(x, &gamma, &beta, 0.01, &w),
        &x,
        &bar_x,
    )
    .assert_ok();
}

/// Nested calls on temporaries, as in a network.
#[grad(wrt(w1, b1, w2))]
fn nested_network(
    x: &Array2<f64>,
    w1: &Array2<f64>,
    b1: &Array1<f64>,
    w2: &Array2<f64>,
    t: &Array2<f64>,
) -> f64 {
    let p = nn::softmax(&nn::sigmoid(&(x.dot(w1) + b1)).dot(w2));
    nn::mse(&p, t) + nn::mean(&nn::log_softmax(&p))
}

#[test]
fn nn_nested_calls_on_temporaries() {
    let (x, w1, b1, w2, t) = (
        random(2800, (4, 3)),
        random(2801, (3, 5)),
        random(2802, 5),
        random(2803, (5, 2)),
        positive(2804, (4, 2)),
    );
    let (_, bar_w1, bar_b1, bar_w2) = nested_network_grad(&x, &w1, &b1, &w2, &t);
    check::gradient(
        |(w1, b1, w2)| nested_network(&x, w1, b1, w2, &t),
        &(w1, b1, w2),
        &(bar_w1, bar_b1, bar_w2),
    )
    .assert_ok();
}

// ---------------------------------------------------------------------------------------------
// How parameters are passed: by value, by reference, as views, dynamic rank.

#[grad]
fn by_value(a: Array2<f64>, b: Array1<f64>) -> f64 {
    let y = &a + &b;
    let z = nn::tanh(&y);
    (&z * &a).sum()
}

#[test]
fn parameters_by_value() {
    let (a, b) = (random(2900, (3, 4)), random(2901, 4));
    let (_, bar_a, bar_b) = by_value_grad(a.clone(), b.clone());
    check::gradient(
        |(a, b): &(Array2<f64>, Array1<f64>)| by_value(a.clone(), b.clone()),
        &(a, b),
        &(bar_a, bar_b),
    )
    .assert_ok();
}

/// Arrays by value consumed by an operator (`a * &b` moves `a`) while the reverse sweep still
/// needs them.
#[grad]
fn by_value_moved(a: Array2<f64>, b: Array2<f64>) -> f64 {
    let c = a * &b;
    (c * b).sum()
}

#[test]
fn parameters_by_value_consumed_by_operators() {
    let (a, b) = (random(2910, (2, 3)), random(2911, (2, 3)));
    let (_, bar_a, bar_b) = by_value_moved_grad(a.clone(), b.clone());
    check::gradient(
        |(a, b): &(Array2<f64>, Array2<f64>)| by_value_moved(a.clone(), b.clone()),
        &(a, b),
        &(bar_a, bar_b),
    )
    .assert_ok();
}

#[grad]
fn views<'a>(a: ArrayView2<'a, f64>, b: ArrayView1<'a, f64>, c: ArrayView2<'a, f64>) -> f64 {
    let y = nn::tanh(&(&a + &b));
    let z = y.dot(&c);
    (&z * &z).sum() + nn::mean(&a)
}

#[test]
fn parameters_as_views() {
    let (a, b, c) = (random(3000, (3, 4)), random(3001, 4), random(3002, (4, 2)));
    let (_, bar_a, bar_b, bar_c) = views_grad(a.view(), b.view(), c.view());
    let _: (&Array2<f64>, &Array1<f64>) = (&bar_a, &bar_b);
    check::gradient(
        |(a, b, c)| views(a.view(), b.view(), c.view()),
        &(a, b, c),
        &(bar_a, bar_b, bar_c),
    )
    .assert_ok();
}

/// A mix: by value, by reference and a view in one signature.
#[grad]
fn mixed_passing<'a>(a: Array2<f64>, b: &Array2<f64>, c: ArrayView1<'a, f64>) -> f64 {
    let y = &a * b + c;
    let z = a.dot(b);
    nn::logsumexp(&y).sum() + (&z * &y).sum()
}

#[test]
fn parameters_mixed_passing() {
    let (a, b, c) = (random(3100, (3, 3)), random(3101, (3, 3)), random(3102, 3));
    let (_, bar_a, bar_b, bar_c) = mixed_passing_grad(a.clone(), &b, c.view());
    check::gradient(
        |(a, b, c)| mixed_passing(a.clone(), b, c.view()),
        &(a, b, c),
        &(bar_a, bar_b, bar_c),
    )
    .assert_ok();
}

#[grad(wrt(a))]
fn dynamic_rank(a: &ArrayD<f64>, w: &ArrayD<f64>) -> f64 {
    let y = nn::sigmoid(a);
    (&y * w).sum()
}

#[test]
fn parameters_of_dynamic_rank() {
    let (a, w) = (random(3200, IxDyn(&[2, 3])), random(3201, IxDyn(&[2, 3])));
    let (_, bar_a) = dynamic_rank_grad(&a, &w);
    check::gradient(|a| dynamic_rank(a, &w), &a, &bar_a).assert_ok();
}

/// Arguments in column-major layout, transposed views and strided slices: the gradient has the
/// argument's logical shape and the same values as for a standard-layout copy.
#[test]
fn arguments_in_other_memory_layouts() {
    use autodiff_runtime::ndarray::s;
    let (a, b, c) = (random(3250, (3, 4)), random(3251, 4), random(3252, (4, 2)));
    let (_, bar_a, bar_b, bar_c) = views_grad(a.view(), b.view(), c.view());

    // Column-major copies.
    let mut a_f = Array2::zeros((3, 4).f());
    a_f.assign(&a);
    let mut c_f = Array2::zeros((4, 2).f());
    c_f.assign(&c);
    let (_, fa, fb, fc) = views_grad(a_f.view(), b.view(), c_f.view());
    assert_eq!((&fa, &fb, &fc), (&bar_a, &bar_b, &bar_c));

    // Transposed views of transposed copies, and strided slices of larger arrays.
    let a_t = a.t().to_owned();
    let mut big_b = Array1::zeros(8);
    big_b.slice_mut(s![..;2]).assign(&b);
    let mut big_c = Array2::zeros((8, 3));
    big_c.slice_mut(s![..;2, 1..]).assign(&c);
    let (_, ta, tb, tc) = views_grad(a_t.t(), big_b.slice(s![..;2]), big_c.slice(s![..;2, 1..]));
    assert_eq!((&ta, &tb, &tc), (&bar_a, &bar_b, &bar_c));

    // The same through references to owned column-major arrays.
    let (x, w1, b1, w2, t) = (
        random(3253, (4, 3)),
        random(3254, (3, 5)),
        random(3255, 5),
        random(3256, (5, 2)),
        positive(3257, (4, 2)),
    );
    let expected = nested_network_grad(&x, &w1, &b1, &w2, &t);
    let mut x_f = Array2::zeros((4, 3).f());
    x_f.assign(&x);
    let mut w1_f = Array2::zeros((3, 5).f());
    w1_f.assign(&w1);
    let got = nested_network_grad(&x_f, &w1_f, &b1, &w2, &t);
    assert_eq!(got.0, expected.0);
    for (g, e) in [(&got.1, &expected.1), (&got.3, &expected.3)] {
        assert!(
            g.iter()
                .zip(e)
                .all(|(g, e)| (g - e).abs() <= 1e-14 * e.abs().max(1.0))
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Reuse, rebinding and the other companions.

/// A value used several times accumulates its cotangent; shadowing and `let mut` reassignment.
#[grad]
fn reuse_and_rebinding(a: &Array2<f64>, b: &Array1<f64>) -> f64 {
    let y = a + b;
    let y = &y * &y + a;
    let mut z = nn::tanh(&y);
    z = &z + &y;
    z += a;
    (&z * a).sum()
}

#[test]
fn reuse_shadowing_and_reassignment() {
    let (a, b) = (random(3300, (3, 2)), random(3301, 2));
    let (_, bar_a, bar_b) = reuse_and_rebinding_grad(&a, &b);
    check::gradient(|(a, b)| reuse_and_rebinding(a, b), &(a, b), &(bar_a, bar_b)).assert_ok();
}

/// Unary minus on an array.
#[grad(wrt(a))]
fn negation(a: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let y = -a;
    (&y * w).sum()
}

/// The same differentiated in both: the residuals keep `-a`, an owned array (it was once typed as
/// the reference `a` is, which did not compile).
#[grad]
fn negation_both(a: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let y = -a;
    (&y * w).sum()
}

#[test]
fn unary_minus_of_a_reference_is_kept_owned() {
    let (a, w) = (random(3402, (2, 3)), random(3403, (2, 3)));
    let (value, bar_a, bar_w) = negation_both_grad(&a, &w);
    assert_eq!(value, negation_both(&a, &w));
    assert_eq!(bar_a, -&w);
    assert_eq!(bar_w, -&a);
}

#[test]
fn unary_minus_on_arrays() {
    let (a, w) = (random(3400, (2, 3)), random(3401, (2, 3)));
    let (value, bar_a) = negation_grad(&a, &w);
    assert_eq!(value, negation(&a, &w));
    assert_eq!(bar_a, -&w);
}

#[test]
fn vjp_and_split_halves_on_arrays() {
    let (x, labels) = (random(3500, (4, 3)), [2, 0, 1, 1]);
    let w = random(3501, (3, 3));
    let (l, bar_x, bar_w) = cross_entropy_composed_grad(&x, &w, &labels);
    let (l2, half_x, half_w) = cross_entropy_composed_vjp(&x, &w, &labels, 0.5);
    assert_eq!(l, l2);
    assert!(
        half_x
            .iter()
            .zip(&bar_x)
            .all(|(h, g)| (h - 0.5 * g).abs() <= 1e-15 * g.abs().max(1.0))
    );
    assert!(
        half_w
            .iter()
            .zip(&bar_w)
            .all(|(h, g)| (h - 0.5 * g).abs() <= 1e-15 * g.abs().max(1.0))
    );
    let (value, residuals) = cross_entropy_composed_fwd(&x, &w, &labels);
    let (bx, bw) = cross_entropy_composed_bwd(residuals, 1.0);
    assert_eq!((value, bx, bw), (l, bar_x, bar_w));
}

/// Full paths to `nn` and `Axis`, a path constant times an array.
#[grad(wrt(x))]
fn full_paths(x: &Array2<f64>) -> f64 {
    let s = autodiff_runtime::nn::relu(x).sum_axis(autodiff_runtime::ndarray::Axis(1));
    let t = std::f64::consts::PI * &s;
    (&t * &t).sum()
}

/// A tuple `let` of arrays, a final `return`.
#[allow(clippy::needless_return)]
#[grad]
fn tuple_let_and_return(x: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let (p, q) = (nn::relu(x), nn::tanh(&(x * w)));
    let r = &p * &q;
    return (&r * w).sum();
}

/// Labels as `&Vec<usize>`, an integer parameter cast to a float.
#[allow(clippy::ptr_arg)]
#[grad(wrt(x))]
fn labels_as_vec(x: &Array2<f64>, labels: &Vec<usize>, n: usize) -> f64 {
    nn::cross_entropy(x, labels) + x.sum() / n as f64
}

/// A 3-D array broadcast against a vector, and a softmax along its last axis.
#[grad]
fn three_axes(a: &autodiff_runtime::ndarray::Array3<f64>, b: &Array1<f64>) -> f64 {
    let y = a * b;
    let p = nn::softmax(&y).sum_axis(Axis(0));
    let q = &p * &p;
    q.sum_axis(Axis(0)).sum()
}

#[test]
fn paths_tuples_returns_vec_labels_and_three_axes() {
    let x = random(3800, (3, 4));
    let (_, bar_x) = full_paths_grad(&x);
    check::gradient(full_paths, &x, &bar_x).assert_ok();

    let w = random(3801, (3, 4));
    let (_, bar_x, bar_w) = tuple_let_and_return_grad(&x, &w);
    check::gradient(
        |(x, w)| tuple_let_and_return(x, w),
        &(x.clone(), w),
        &(bar_x, bar_w),
    )
    .assert_ok();

    let labels = vec![3, 0, 2];
    let (_, bar_x) = labels_as_vec_grad(&x, &labels, 7);
    check::gradient(|x| labels_as_vec(x, &labels, 7), &x, &bar_x).assert_ok();

    let (a, b) = (random(3802, (2, 3, 4)), random(3803, 4));
    let (_, bar_a, bar_b) = three_axes_grad(&a, &b);
    check::gradient(|(a, b)| three_axes(a, b), &(a, b), &(bar_a, bar_b)).assert_ok();
}

/// `gelu` on 1-D arrays of both float types (generic, as a callee), over a wide range of inputs
/// (both tails, where `Φ` is near 0 and 1), composed with arithmetic.
#[grad]
fn gelu_generic<T>(x: &Array1<T>, w: &Array1<T>) -> T
where
    T: autodiff_runtime::Float
        + autodiff_runtime::ndarray::ScalarOperand
        + autodiff_runtime::ndarray::LinalgScalar
        + std::ops::AddAssign,
{
    let y = nn::gelu(&(x * w));
    (&nn::gelu(&y) * w).sum()
}

#[test]
fn gelu_f64_and_f32_over_both_tails() {
    let x = array![-6.0, -3.5, -1.2, -0.3, 0.0, 0.4, 1.5, 4.0];
    let w = random(3950, 8).mapv(|v| v + 1.5 * v.signum());
    let (value, bar_x, bar_w) = gelu_generic_grad(&x, &w);
    assert_eq!(value, gelu_generic(&x, &w));
    check::gradient(
        |(x, w)| gelu_generic(x, w),
        &(x.clone(), w.clone()),
        &(bar_x, bar_w),
    )
    .assert_ok();
    let (x, w) = (to_f32(&x), to_f32(&w));
    let (_, bar_x, bar_w) = gelu_generic_grad(&x, &w);
    Checker::f32()
        .check(|(x, w)| gelu_generic(x, w).into(), &(x, w), &(bar_x, bar_w))
        .assert_ok();
}

/// A generic element type.
#[grad]
fn generic_element<T>(a: &Array1<T>, b: &Array2<T>) -> T
where
    T: autodiff_runtime::Float
        + autodiff_runtime::ndarray::ScalarOperand
        + autodiff_runtime::ndarray::LinalgScalar
        + std::ops::AddAssign,
{
    let y = nn::sigmoid(&(b + a));
    nn::mean(&(&y * b))
}

#[test]
fn generic_element_type_f64_and_f32() {
    let (a, b) = (random(3900, 3), random(3901, (2, 3)));
    let (_, bar_a, bar_b) = generic_element_grad(&a, &b);
    check::gradient(
        |(a, b)| generic_element(a, b),
        &(a.clone(), b.clone()),
        &(bar_a, bar_b),
    )
    .assert_ok();
    let (a, b) = (to_f32(&a), to_f32(&b));
    let (_, bar_a, bar_b) = generic_element_grad(&a, &b);
    Checker::f32()
        .check(
            |(a, b)| generic_element(a, b).into(),
            &(a, b),
            &(bar_a, bar_b),
        )
        .assert_ok();
}

/// `eps` of `layer_norm` as a differentiated parameter.
#[grad]
fn layer_norm_eps_active(
    x: &Array2<f64>,
    gamma: &Array1<f64>,
    beta: &Array1<f64>,
    eps: f64,
) -> f64 {
    let y = nn::layer_norm(x, gamma, beta, eps);
    (&y * &y).sum()
}

#[test]
fn layer_norm_eps_gets_its_gradient() {
    let (x, gamma, beta) = (random(3950, (2, 3)), random(3951, 3), random(3952, 3));
    let eps = 0.5;
    let (_, bar_x, bar_gamma, bar_beta, bar_eps) =
        layer_norm_eps_active_grad(&x, &gamma, &beta, eps);
    check::gradient(
        |(x, g, b, e)| layer_norm_eps_active(x, g, b, *e),
        &(x, gamma, beta, eps),
        &(bar_x, bar_gamma, bar_beta, bar_eps),
    )
    .assert_ok();
}

/// `wrt` in another order than the signature: the gradients still come in signature order.
#[grad(wrt(b, a))]
fn wrt_reordered(a: &Array2<f64>, b: &Array1<f64>, w: &Array2<f64>) -> f64 {
    (&(a * b) * w).sum()
}

/// Compound assignment on arrays, with arrays, references and scalars on the right.
#[grad]
fn compound_assignment(a: &Array2<f64>, b: &Array2<f64>, s: f64) -> f64 {
    let mut z = a * 1.0;
    z -= b;
    z *= a;
    z /= 2.0;
    z *= s;
    z += 0.5;
    let mut y = nn::exp(&z);
    y /= b;
    (&y * &z).sum()
}

/// Unary minus on an intermediate and on a borrowed intermediate.
#[grad]
fn negated_intermediates(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let y = -(a * b);
    let z = -&y + a;
    (&z * &y).sum()
}

/// User names that look like generated ones (`a_dim`, `bar_a`, `t1`, `residuals`, `x_dim`).
#[grad]
fn generated_looking_names(
    a: &Array2<f64>,
    a_dim: &Array2<f64>,
    bar_a: &Array2<f64>,
    t1: &Array1<f64>,
    residuals: f64,
) -> f64 {
    let x_dim = a + t1;
    let bar_x = &x_dim * a_dim * residuals;
    (&bar_x * bar_a).sum()
}

/// Differentiated parameters that do not reach the output get zero gradients of their shape.
#[grad]
fn unused_parameters(a: &Array2<f64>, _b: &Array1<f64>, _s: f64) -> f64 {
    a.sum()
}

#[grad(wrt(_a))]
fn constant_output(_a: &Array2<f64>, w: &Array2<f64>) -> f64 {
    nn::mean(w)
}

/// `t` of a `t`, and centring by a `sum_axis` broadcast back over the rows.
#[grad(wrt(a))]
fn transpose_twice_and_centre(a: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let u = a.t();
    let y = u.t();
    let m = a.sum_axis(Axis(0)) / 3.0;
    let c = a - &m;
    (&y * w).sum() + (&c * &c).sum()
}

/// `nn` functions on three axes: layer_norm, softmax and logsumexp along the last.
#[grad]
fn nn_three_axes(
    x: &autodiff_runtime::ndarray::Array3<f64>,
    g: &Array1<f64>,
    b: &Array1<f64>,
) -> f64 {
    let y = nn::layer_norm(x, g, b, 1e-5);
    let p = nn::softmax(&y);
    let l = nn::logsumexp(&(&y * &p));
    let q = nn::log_softmax(&l);
    (&q * &l).sum()
}

/// By-value parameters borrowed by `nn` calls.
#[grad]
fn nn_by_value(x: Array2<f64>, y: Array2<f64>) -> f64 {
    nn::mse(&nn::relu(&x), &y) + nn::mean(&x)
}

#[test]
fn odds_and_ends() {
    let (a, b, w) = (random(4000, (3, 4)), random(4001, 4), random(4002, (3, 4)));
    let (_, bar_a, bar_b) = wrt_reordered_grad(&a, &b, &w);
    assert_eq!(
        (bar_a.shape(), bar_b.shape()),
        ([3, 4].as_slice(), [4].as_slice())
    );
    check::gradient(
        |(a, b)| wrt_reordered(a, b, &w),
        &(a.clone(), b.clone()),
        &(bar_a, bar_b),
    )
    .assert_ok();

    let (c, s) = (positive(4003, (3, 4)), 0.8);
    let (_, bar_a, bar_c, bar_s) = compound_assignment_grad(&a, &c, s);
    check::gradient(
        |(a, c, s)| compound_assignment(a, c, *s),
        &(a.clone(), c.clone(), s),
        &(bar_a, bar_c, bar_s),
    )
    .assert_ok();

    let (_, bar_a, bar_w) = negated_intermediates_grad(&a, &w);
    check::gradient(
        |(a, w)| negated_intermediates(a, w),
        &(a.clone(), w.clone()),
        &(bar_a, bar_w),
    )
    .assert_ok();

    let (a_dim, bar_a_in, t1) = (random(4004, (3, 4)), random(4005, (3, 4)), random(4006, 4));
    let (_, g0, g1, g2, g3, g4) = generated_looking_names_grad(&a, &a_dim, &bar_a_in, &t1, 1.3);
    check::gradient(
        |(a, d, b, t, r)| generated_looking_names(a, d, b, t, *r),
        &(a.clone(), a_dim, bar_a_in, t1, 1.3),
        &(g0, g1, g2, g3, g4),
    )
    .assert_ok();

    let (value, bar_a, bar_b, bar_s) = unused_parameters_grad(&a, &b, 2.0);
    assert_eq!(value, unused_parameters(&a, &b, 2.0));
    assert_eq!(bar_a, Array2::<f64>::ones((3, 4)));
    assert_eq!(bar_b, Array1::<f64>::zeros(4));
    assert_eq!(bar_s, 0.0);
    let (value, bar_a) = constant_output_grad(&a, &w);
    assert_eq!(value, constant_output(&a, &w));
    assert_eq!(bar_a, Array2::<f64>::zeros((3, 4)));

    let wt = random(4007, (3, 4));
    let (_, bar_a) = transpose_twice_and_centre_grad(&a, &wt);
    check::gradient(|a| transpose_twice_and_centre(a, &wt), &a, &bar_a).assert_ok();

    let (x, g, b3) = (random(4008, (2, 3, 4)), random(4009, 4), random(4010, 4));
    let (_, bar_x, bar_g, bar_b3) = nn_three_axes_grad(&x, &g, &b3);
    check::gradient(
        |(x, g, b)| nn_three_axes(x, g, b),
        &(x, g, b3),
        &(bar_x, bar_g, bar_b3),
    )
    .assert_ok();

    let y = random(4011, (3, 4));
    let (_, bar_x, bar_y) = nn_by_value_grad(a.clone(), y.clone());
    check::gradient(
        |(x, y): &(Array2<f64>, Array2<f64>)| nn_by_value(x.clone(), y.clone()),
        &(a, y),
        &(bar_x, bar_y),
    )
    .assert_ok();
}

/// Softmax-like functions far from the origin, where a naive `exp` overflows.
#[grad(wrt(x))]
fn softmax_family(x: &Array2<f64>, w: &Array2<f64>, labels: &[usize]) -> f64 {
    let y = x * 4.0;
    let p = nn::softmax(&y);
    let lp = nn::log_softmax(&y);
    let l = nn::logsumexp(&y);
    (&p * w).sum() + (&lp * w).sum() * 0.5 + l.sum() * 0.25 + nn::cross_entropy(&y, labels)
}

#[test]
fn softmax_like_functions_at_large_logits() {
    let x = random(4100, (3, 4));
    let w = random(4101, (3, 4));
    let labels = [1, 2, 0];
    let (_, bar_x) = softmax_family_grad(&x, &w, &labels);
    check::gradient(|x| softmax_family(x, &w, &labels), &x, &bar_x).assert_ok();
    // Every term is invariant under adding a constant to a row, except `logsumexp`, which
    // shifts by it; so the gradient is too. Shifted by 250 (logits by 1000, e^1000 overflows),
    // the gradient must be the same, up to the rounding of the shifted inputs.
    let shifted = &x + 250.0;
    let (value, bar_shifted) = softmax_family_grad(&shifted, &w, &labels);
    assert!(value.is_finite());
    for (g, s) in bar_x.iter().zip(&bar_shifted) {
        assert!((g - s).abs() <= 1e-9 * g.abs().max(1.0), "{g} vs {s}");
    }
}

/// A generic element type with a view of a named lifetime.
#[grad]
fn generic_view<'a, T>(a: ArrayView2<'a, T>, b: &Array1<T>) -> T
where
    T: autodiff_runtime::Float
        + autodiff_runtime::ndarray::ScalarOperand
        + autodiff_runtime::ndarray::LinalgScalar
        + std::ops::AddAssign,
{
    let y = nn::tanh(&(&a + b));
    (&y * &y).sum()
}

/// `sum_axis` of a 1-D array: a 0-D array.
#[grad]
fn zero_axes(a: &Array1<f64>) -> f64 {
    let s = a.sum_axis(Axis(0));
    let t = &s * &s;
    t.sum()
}

/// Float methods on scalars that came from arrays.
#[grad]
fn scalar_tail(a: &Array2<f64>) -> f64 {
    let s = nn::mean(a);
    let t = s.max(0.1);
    t.sqrt() + a.sum().powi(2)
}

/// Dynamic rank through arithmetic, softmax-like functions and `sum_axis`.
#[grad]
fn dynamic_ops(a: &ArrayD<f64>, b: &ArrayD<f64>) -> f64 {
    let y = a * b + a;
    nn::softmax(&y).sum_axis(Axis(0)).sum() * 0.5 + nn::logsumexp(&(&y * b)).sum()
}

/// ndarray arrays beside fixed-size arrays and slices.
#[grad]
fn with_fixed_array(c: [f64; 2], a: &Array1<f64>) -> f64 {
    let y = a * c[0] + c[1];
    (&y * &y).sum()
}

#[grad]
fn with_slice(c: &[f64], a: &Array1<f64>) -> f64 {
    let y = a * c[0];
    (&y * c[1]).sum()
}

#[test]
fn generic_views_zero_axes_dynamic_rank_and_other_containers() {
    let (a, b) = (random(4200, (2, 3)), random(4201, 3));
    let (_, bar_a, bar_b) = generic_view_grad(a.view(), &b);
    check::gradient(
        |(a, b)| generic_view(a.view(), b),
        &(a.clone(), b.clone()),
        &(bar_a, bar_b),
    )
    .assert_ok();
    let (a32, b32) = (to_f32(&a), to_f32(&b));
    let (_, bar_a, bar_b) = generic_view_grad(a32.view(), &b32);
    Checker::f32()
        .check(
            |(a, b)| generic_view(a.view(), b).into(),
            &(a32, b32),
            &(bar_a, bar_b),
        )
        .assert_ok();

    let v = random(4202, 5);
    let (_, bar_v) = zero_axes_grad(&v);
    check::gradient(zero_axes, &v, &bar_v).assert_ok();

    let m = positive(4203, (2, 3));
    let (_, bar_m) = scalar_tail_grad(&m);
    check::gradient(scalar_tail, &m, &bar_m).assert_ok();

    let (x, y) = (
        random(4204, IxDyn(&[2, 3, 2])),
        random(4205, IxDyn(&[3, 2])),
    );
    let (_, bar_x, bar_y) = dynamic_ops_grad(&x, &y);
    assert_eq!((bar_x.shape(), bar_y.shape()), (x.shape(), y.shape()));
    check::gradient(|(x, y)| dynamic_ops(x, y), &(x, y), &(bar_x, bar_y)).assert_ok();

    let (c, u) = ([0.7, -0.4], random(4206, 4));
    let (_, bar_c, bar_u) = with_fixed_array_grad(c, &u);
    check::gradient(
        |(c, u)| with_fixed_array(*c, u),
        &(c, u.clone()),
        &(bar_c, bar_u),
    )
    .assert_ok();
    let c = vec![0.7, -0.4];
    let (_, bar_c, bar_u) = with_slice_grad(&c, &u);
    check::gradient(|(c, u)| with_slice(c, u), &(c, u), &(bar_c, bar_u)).assert_ok();
}

// ---------------------------------------------------------------------------------------------
// f32.

#[grad]
fn f32_network(x: &Array2<f32>, w: &Array2<f32>, b: &Array1<f32>) -> f32 {
    let h = nn::sigmoid(&(x.dot(w) + b));
    nn::mean(&(&h * &h)) + nn::logsumexp(&h).sum() * 0.5
}

#[grad(wrt(a, s))]
fn f32_broadcast(a: &Array2<f32>, c: &Array2<f32>, s: f32) -> f32 {
    let y = a * c * s;
    (&y / 2.0 + 1.0).sum()
        + nn::layer_norm(&y, &a.sum_axis(Axis(0)), &(c * a).sum_axis(Axis(0)), 1e-3).sum()
}

#[test]
fn f32_arrays() {
    let (x, w, b) = (
        to_f32(&random(3600, (3, 4))),
        to_f32(&random(3601, (4, 2))),
        to_f32(&random(3602, 2)),
    );
    let (_, bar_x, bar_w, bar_b) = f32_network_grad(&x, &w, &b);
    Checker::f32()
        .names(["x", "w", "b"])
        .check(
            |(x, w, b)| f32_network(x, w, b).into(),
            &(x, w, b),
            &(bar_x, bar_w, bar_b),
        )
        .assert_ok();

    let (a, c) = (to_f32(&random(3610, (2, 3))), to_f32(&random(3611, (2, 1))));
    let (_, bar_a, bar_s) = f32_broadcast_grad(&a, &c, 0.75);
    Checker::f32()
        .check(
            |(a, s)| f32_broadcast(a, &c, *s).into(),
            &(a, 0.75_f32),
            &(bar_a, bar_s),
        )
        .assert_ok();
}

// ---------------------------------------------------------------------------------------------
// Shape mismatches panic naming both shapes.

#[test]
#[should_panic(expected = "mse: shapes [2, 3] and [3, 2] differ")]
fn mse_shape_mismatch_names_both_shapes() {
    let _ = mse_2d_grad(&random(3700, (2, 3)), &random(3701, (3, 2)));
}

#[test]
#[should_panic(expected = "2 × 3 and 4 × 2")]
fn matmul_shape_mismatch_names_both_shapes() {
    let _ = matmul_grad(
        &random(3710, (2, 3)),
        &random(3711, (4, 2)),
        &random(3712, (2, 2)),
    );
}

#[test]
#[should_panic(
    expected = "layer_norm: gamma of shape [3] and beta of shape [3] must match the last axis of x of shape [2, 4]"
)]
fn layer_norm_affine_mismatch_names_the_shapes() {
    let x = random(3720, (2, 4));
    let _ = layer_norm_2d_grad(
        &x,
        &random(3721, 3),
        &random(3722, 3),
        &random(3723, (2, 4)),
    );
}

#[test]
#[should_panic(expected = "logits of shape [3, 2] need one label per row, got 2 labels")]
fn cross_entropy_label_count_mismatch() {
    let _ = cross_entropy_of_grad(&random(3730, (3, 2)), &[0, 1]);
}

#[test]
#[should_panic(expected = "inputs 2 × 3 and 2 × 1 are not compatible for matrix multiplication")]
fn matrix_vector_shape_mismatch_names_both_shapes() {
    let _ = matvec_grad(&random(3740, (2, 3)), &random(3741, 2), &random(3742, 2));
}

#[test]
#[should_panic(expected = "label 3 is out of range for logits of shape [2, 3]")]
fn cross_entropy_label_out_of_range() {
    let _ = cross_entropy_of_grad(&random(3750, (2, 3)), &[0, 3]);
}

/// The forward sweep checks that array operands broadcast before ndarray's operator runs, and
/// names the operation and both shapes (ndarray's own message names neither).
#[test]
#[should_panic(expected = "`+`: shapes [2, 3] and [3, 2] do not broadcast together")]
fn broadcast_mismatch_names_both_shapes() {
    let _ = add_same_grad(
        &random(3760, (2, 3)),
        &random(3761, (3, 2)),
        &random(3762, (2, 3)),
    );
}

#[test]
#[should_panic(expected = "`+`: shapes [2, 3] and [2] do not broadcast together")]
fn broadcast_mismatch_panics() {
    let _ = matrix_plus_row_grad(
        &random(3770, (2, 3)),
        &random(3771, 2),
        &random(3772, (2, 3)),
    );
}

#[test]
fn sanity_of_the_helpers() {
    // The generator is deterministic and away from zero.
    assert_eq!(random::<_, _>(1, (2, 2)), random(1, (2, 2)));
    assert!(random(2, 100).iter().all(|v: &f64| v.abs() >= 0.1));
    let _ = array![1.0_f64];
}

// ---------------------------------------------------------------------------------------------
// Regressions: each of these once failed to compile (the comments say how).

/// Every array method and `nn` function of the macro's table is differentiated somewhere in
/// this file or in `ndarray_idioms.rs` (ndarray's own methods, issue 13).
#[test]
fn every_array_primitive_has_a_case() {
    use autodiff_runtime::__private::primitives;
    let source = [include_str!("arrays.rs"), include_str!("ndarray_idioms.rs")].concat();
    for m in primitives("array method") {
        assert!(source.contains(&format!(".{m}(")), "no case of `.{m}(..)`");
    }
    for f in primitives("nn function") {
        assert!(
            source.contains(&format!("nn::{f}(")),
            "no case of `nn::{f}(..)`"
        );
    }
}

mod regressions {
    use super::*;

    // Was: vector·vector `dot` gives a float, and the generated reverse sweep passes its
    // cotangent by value to `dot_pullback_lhs/rhs`, which take `&A`: E0308 "expected `&f64`,
    // found `f64`".
    #[grad]
    fn inner(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
        let d = x.dot(y);
        d * d + d
    }

    #[test]
    fn dot_vector_vector() {
        for (n, seed) in [(1, 1400), (5, 1401)] {
            let (x, y) = (random(seed, n), random(seed + 10, n));
            let (value, bar_x, bar_y) = inner_grad(&x, &y);
            assert_eq!(value, inner(&x, &y));
            check::gradient(|(x, y)| inner(x, y), &(x, y), &(bar_x, bar_y)).assert_ok();
        }
    }

    // Was: an owned operand of `dot` (a by-value parameter, or a temporary such as `a.t()`)
    // whose only use is that product, with both operands differentiated, is dropped between
    // `dot_pullback_lhs` and `dot_pullback_rhs`, which both borrow it: E0382 "borrow of moved
    // value".
    #[grad]
    fn by_value_dot(a: Array2<f64>, b: &Array2<f64>) -> f64 {
        a.dot(b).sum()
    }

    #[grad]
    fn transposed_dot(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
        let p = a.dot(&b.t());
        let q = a.t().dot(a);
        let r = p.dot(b);
        (&r * &r).sum() + q.sum() * 0.25
    }

    #[test]
    fn owned_dot_operands() {
        let (a, b) = (random(1510, (2, 3)), random(1511, (3, 4)));
        let (_, bar_a, bar_b) = by_value_dot_grad(a.clone(), &b);
        check::gradient(
            |(a, b): &(Array2<f64>, Array2<f64>)| by_value_dot(a.clone(), b),
            &(a, b),
            &(bar_a, bar_b),
        )
        .assert_ok();
        let (a, b) = (random(1500, (3, 2)), random(1501, (4, 2)));
        let (_, bar_a, bar_b) = transposed_dot_grad(&a, &b);
        check::gradient(|(a, b)| transposed_dot(a, b), &(a, b), &(bar_a, bar_b)).assert_ok();
    }

    // Was: a view parameter with an elided lifetime (`ArrayView2<f64>` or `ArrayView2<'_,
    // f64>`, both valid in a signature) is copied into the residuals struct as written: E0106
    // "missing lifetime specifier".
    #[grad]
    fn elided_view(a: ArrayView2<f64>, b: ArrayView1<'_, f64>) -> f64 {
        (&a * &b).sum()
    }

    #[test]
    fn views_with_elided_lifetimes() {
        let (a, b) = (random(3010, (2, 3)), random(3011, 3));
        let (_, bar_a, bar_b) = elided_view_grad(a.view(), b.view());
        check::gradient(
            |(a, b)| elided_view(a.view(), b.view()),
            &(a, b),
            &(bar_a, bar_b),
        )
        .assert_ok();
    }
}
