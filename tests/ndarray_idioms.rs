//! ndarray as its users write it (issue 13): ndarray's own elementwise float methods, `mapv`,
//! reductions, views, element reads and constructors inside `#[grad]` functions, each checked
//! against central differences (`autodiff_runtime::check`, its default tolerances) at several
//! shapes, including 1×n and n×1 and broadcasting.

use autodiff_runtime::check;
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, Array2, ArrayView2, Axis, array, concatenate, s, stack};

/// A 2-D test point with entries in (0.3, 1.7), away from every method's singular points.
fn matrix(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    Array2::from_shape_fn((rows, cols), |_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        0.3 + 1.4 * (state % 10_000) as f64 / 10_000.0
    })
}

const SHAPES: [(usize, usize); 4] = [(1, 1), (1, 4), (3, 1), (3, 4)];

// ---- Elementwise float methods: the scalar rules, per element ----------------------------------

#[grad]
fn unary_methods(x: &Array2<f64>) -> f64 {
    let a = x.exp() + x.ln() + x.sqrt() + x.sin() + x.cos() + x.tan();
    let b = x.exp2() + x.log2() + x.log10() + x.cbrt() + x.recip() + x.abs();
    (a * &b).sum()
}

#[test]
fn ndarray_unary_float_methods() {
    for (i, &(rows, cols)) in SHAPES.iter().enumerate() {
        let x = matrix(rows, cols, i as u64);
        let (value, bar_x) = unary_methods_grad(&x);
        assert_eq!(value, unary_methods(&x));
        check::gradient(|x: &Array2<f64>| unary_methods(x), &x, &bar_x).assert_ok();
    }
}

/// Float arguments: an integer power, a float power and a logarithm base that are differentiated
/// too (their cotangents are sums over the elements).
#[grad]
fn methods_with_arguments(x: &Array2<f64>, p: f64, base: f64) -> f64 {
    let y = x.powi(3) * x.powf(p) + x.log(base);
    (y * x.signum()).sum()
}

#[test]
fn ndarray_float_methods_with_arguments() {
    for (i, &(rows, cols)) in SHAPES.iter().enumerate() {
        let x = matrix(rows, cols, 10 + i as u64);
        let (p, base) = (1.3, 2.5);
        let (value, bar_x, bar_p, bar_base) = methods_with_arguments_grad(&x, p, base);
        assert_eq!(value, methods_with_arguments(&x, p, base));
        check::gradient(
            |(x, p, base): &(Array2<f64>, f64, f64)| methods_with_arguments(x, *p, *base),
            &(x, p, base),
            &(bar_x, bar_p, bar_base),
        )
        .assert_ok();
    }
}

/// A method on an array the function made, and on a constant array with a differentiated power.
#[grad]
fn methods_on_locals(x: &Array1<f64>, p: f64) -> f64 {
    let c = array![1.5, 2.0, 0.5];
    let y = (x * 2.0).exp();
    (y.ln() * c.powf(p)).sum()
}

#[test]
fn ndarray_methods_on_locals_and_constants() {
    let x = array![0.2, -0.4, 0.9];
    let (value, bar_x, bar_p) = methods_on_locals_grad(&x, 0.7);
    assert_eq!(value, methods_on_locals(&x, 0.7));
    // Σ 2x·c^p: ∂x = 2c^p, ∂p = Σ 2x·c^p·ln c.
    let c = array![1.5, 2.0, 0.5];
    let expect_x = c.mapv(|c: f64| 2.0 * c.powf(0.7));
    let expect_p: f64 = (0..3)
        .map(|i| 2.0 * x[i] * c[i].powf(0.7) * c[i].ln())
        .sum();
    for i in 0..3 {
        assert!((bar_x[i] - expect_x[i]).abs() < 1e-12);
    }
    assert!((bar_p - expect_p).abs() < 1e-12);
}

// ---- `array![..]` of differentiated scalars ------------------------------------------------------

#[grad]
fn array_literals(p: f64, q: f64) -> f64 {
    let v = array![p, 2.0 * q, p * q];
    let m = array![[p, 1.0], [q * q, p], [0.5, q]];
    (m.dot(&array![1.0, p]) * v.exp()).sum()
}

#[test]
fn array_literals_of_differentiated_scalars() {
    let (value, bar_p, bar_q) = array_literals_grad(0.7, -0.3);
    assert_eq!(value, array_literals(0.7, -0.3));
    check::gradient(
        |&(p, q): &(f64, f64)| array_literals(p, q),
        &(0.7, -0.3),
        &(bar_p, bar_q),
    )
    .assert_ok();
}

// ---- `mapv` with a closure or a function path --------------------------------------------------

/// The logistic function as a closure, a float method's path, and a closure capturing a
/// differentiated scalar and an integer.
#[grad]
fn mapv_forms(x: &Array2<f64>, scale: f64) -> f64 {
    let n = 3;
    let p = x.mapv(|z| 1.0 / (1.0 + (-z).exp()));
    let t = x.mapv(f64::tanh);
    let q = x.mapv(|v| (scale * v).sin() + v.powi(n));
    (p * t + q).sum()
}

#[test]
fn mapv_closures_and_paths() {
    for (i, &(rows, cols)) in SHAPES.iter().enumerate() {
        let x = matrix(rows, cols, 20 + i as u64);
        let (value, bar_x, bar_scale) = mapv_forms_grad(&x, 0.8);
        assert_eq!(value, mapv_forms(&x, 0.8));
        check::gradient(
            |(x, s): &(Array2<f64>, f64)| mapv_forms(x, *s),
            &(x, 0.8),
            &(bar_x, bar_scale),
        )
        .assert_ok();
    }
}

/// A `#[grad]` function of one float, mapped.
#[grad]
fn softplus(z: f64) -> f64 {
    if z > 20.0 { z } else { (1.0 + z.exp()).ln() }
}

#[grad]
fn mapv_a_grad_function(x: &Array1<f64>) -> f64 {
    x.mapv(softplus).sum()
}

#[test]
fn mapv_of_a_grad_function() {
    let x = array![-1.0, 0.5, 25.0];
    let (value, bar_x) = mapv_a_grad_function_grad(&x);
    assert_eq!(value, mapv_a_grad_function(&x));
    // softplus' = logistic, and 1 past the cut.
    let expect = [1.0 / (1.0 + 1f64.exp()), 1.0 / (1.0 + (-0.5f64).exp()), 1.0];
    for i in 0..3 {
        assert!((bar_x[i] - expect[i]).abs() < 1e-12, "{bar_x}");
    }
}
// ---- Reductions and views ----------------------------------------------------------------------

#[grad]
fn reductions_and_views(x: &Array2<f64>) -> f64 {
    let m = x.mean().unwrap();
    let by_column = x.mean_axis(Axis(0)).expect("rows");
    let column = x.column(0);
    let row = x.row(x.nrows() - 1);
    let tall = by_column.insert_axis(Axis(1));
    let t = x.t().to_owned().reversed_axes();
    let v = x.view();
    m * (column.sum() + row.sum()) + (tall.t().dot(&tall)).sum() + (t * v).sum()
}

#[test]
fn ndarray_reductions_and_views() {
    for (i, &(rows, cols)) in SHAPES.iter().enumerate() {
        let x = matrix(rows, cols, 30 + i as u64);
        let (value, bar_x) = reductions_and_views_grad(&x);
        assert_eq!(value, reductions_and_views(&x));
        check::gradient(|x: &Array2<f64>| reductions_and_views(x), &x, &bar_x).assert_ok();
    }
}

#[grad]
fn shapes_and_elements(x: &Array2<f64>, v: &Array1<f64>) -> f64 {
    let (rows, cols) = x.dim();
    let n = x.shape()[1];
    let mut s = x[[0, 0]] * v[0];
    for i in 0..rows {
        for j in 0..cols {
            s += x[[i, j]] * v[j % n];
        }
    }
    s * x.len() as f64
}

#[test]
fn ndarray_shapes_and_element_reads() {
    for (i, &(rows, cols)) in SHAPES.iter().enumerate() {
        let x = matrix(rows, cols, 40 + i as u64);
        let v = Array1::from_shape_fn(cols, |j| 0.5 + j as f64);
        let (value, bar_x, bar_v) = shapes_and_elements_grad(&x, &v);
        assert_eq!(value, shapes_and_elements(&x, &v));
        check::gradient(
            |(x, v): &(Array2<f64>, Array1<f64>)| shapes_and_elements(x, v),
            &(x, v),
            &(bar_x, bar_v),
        )
        .assert_ok();
    }
}

/// An element read kept for the reverse sweep: the index, a literal and a loop's, is a `usize`.
#[grad]
fn element_reads_in_a_loop(v: &Array1<f64>) -> f64 {
    let mut s = v[0];
    for i in 1..v.len() {
        s = s * v[i] + v[i - 1];
    }
    s
}

#[test]
fn ndarray_element_reads_in_a_loop() {
    let v = array![0.5, -1.5, 2.0, 0.25];
    let (value, bar_v) = element_reads_in_a_loop_grad(&v);
    assert_eq!(value, element_reads_in_a_loop(&v));
    check::gradient(|v: &Array1<f64>| element_reads_in_a_loop(v), &v, &bar_v).assert_ok();
}

// ---- The logistic regression, written only with ndarray's API --------------------------

#[grad(wrt(w, b))]
fn logistic(x: &Array2<f64>, y: &Array1<f64>, w: &Array1<f64>, b: f64) -> f64 {
    let p = (x.dot(w) + b).mapv(|z| 1.0 / (1.0 + (-z).exp()));
    -(y * &p.ln() + (1.0 - y) * &(1.0 - &p).ln()).mean().unwrap()
}

#[test]
fn logistic_regression() {
    let x = matrix(5, 3, 40) - 1.0;
    let y = array![1.0, 0.0, 1.0, 1.0, 0.0];
    let (w, b) = (array![0.3, -0.2, 0.5], 0.1);
    let (value, bar_w, bar_b) = logistic_grad(&x, &y, &w, b);
    assert_eq!(value, logistic(&x, &y, &w, b));
    check::gradient(
        |(w, b): &(Array1<f64>, f64)| logistic(&x, &y, w, *b),
        &(w.clone(), b),
        &(bar_w, bar_b),
    )
    .assert_ok();
}

// ---- Slices ---------------------------------------------------------------------------------------

/// Ranges, a step, an index, an inclusive range and bounds from variables, including a loop's.
#[grad]
fn slices(x: &Array2<f64>) -> f64 {
    let (rows, cols) = x.dim();
    let tail = x.slice(s![1.., ..]);
    let strided = x.slice(s![..;2, 0..cols]);
    let last_row = x.slice(s![rows - 1, ..]);
    let mut s = tail.sum() * strided.mean().unwrap() + last_row.dot(&last_row);
    for j in 0..cols {
        s += x.slice(s![0..=0, j]).sum() * (j as f64 + 1.0);
    }
    s
}

#[test]
fn ndarray_slices() {
    for (i, &(rows, cols)) in [(2, 1), (2, 4), (3, 3), (5, 2)].iter().enumerate() {
        let x = matrix(rows, cols, 50 + i as u64);
        let (value, bar_x) = slices_grad(&x);
        // The forward half sums an owned copy of each slice, the function the view: ndarray
        // sums the two in different orders, so they may differ in the last bit.
        let direct = slices(&x);
        assert!(
            (value - direct).abs() <= 1e-14 * direct.abs(),
            "{value} vs {direct}"
        );
        check::gradient(|x: &Array2<f64>| slices(x), &x, &bar_x).assert_ok();
    }
}

// ---- Constructors -------------------------------------------------------------------------------

/// `zeros` written element by element, `ones`, and `from_elem` of a differentiated scalar.
#[grad]
fn constructors(x: &Array1<f64>, p: f64) -> f64 {
    let n = x.len();
    let mut a = Array1::zeros(n);
    let b = Array2::<f64>::ones((2, n));
    let c = Array1::from_elem(n, p * p);
    for i in 0..n {
        a[i] = x[i] * p;
    }
    b.dot(&a).sum() + (c * x).sum()
}

#[test]
fn ndarray_constructors() {
    for n in [1, 4] {
        let x = Array1::from_shape_fn(n, |i| 0.5 - 0.3 * i as f64);
        let (value, bar_x, bar_p) = constructors_grad(&x, 1.3);
        assert_eq!(value, constructors(&x, 1.3));
        check::gradient(
            |(x, p): &(Array1<f64>, f64)| constructors(x, *p),
            &(x, 1.3),
            &(bar_x, bar_p),
        )
        .assert_ok();
    }
}

// ---- Iterator sums ------------------------------------------------------------------------------

#[grad]
fn iterator_sums(x: &Array1<f64>, y: &Array1<f64>, m: &Array2<f64>, v: &[f64]) -> f64 {
    let a = x.iter().sum::<f64>();
    let b = x.iter().map(|t| t * t).sum::<f64>();
    let c: f64 = x.iter().zip(y.iter()).map(|(p, q)| p * q.exp()).sum();
    let d = m.iter().map(|t| t.sin()).sum::<f64>();
    let e = v.iter().copied().map(|t| t * a).sum::<f64>();
    let f: f64 = v.iter().zip(x.iter()).map(|(&p, &q)| p / q).sum();
    a * b + c + d + e + f + v.iter().sum::<f64>()
}

#[test]
fn iterator_sums_with_map_and_zip() {
    let x = array![0.5, -1.5, 2.0];
    let y = array![1.0, 0.25, -0.5];
    let m = matrix(2, 3, 60);
    let v = [0.3, 0.9, -0.7];
    let (value, bar_x, bar_y, bar_m, bar_v) = iterator_sums_grad(&x, &y, &m, &v);
    assert_eq!(value, iterator_sums(&x, &y, &m, &v));
    check::gradient(
        |(x, y, m, v): &(Array1<f64>, Array1<f64>, Array2<f64>, Vec<f64>)| {
            iterator_sums(x, y, m, v)
        },
        &(x.clone(), y.clone(), m.clone(), v.to_vec()),
        &(bar_x, bar_y, bar_m, bar_v),
    )
    .assert_ok();
}

// ---- A local `Vec` built with `push` ------------------------------------------------------------

#[grad]
fn pushed(x: &[f64], p: f64) -> f64 {
    let mut v = Vec::new();
    let mut w = Vec::with_capacity(x.len());
    for &xi in x.iter() {
        v.push(xi * p);
        if xi > 0.0 {
            w.push(xi.exp());
        }
    }
    v.push(p);
    let mut s = 0.0;
    for j in 0..v.len() {
        s += v[j] * v[v.len() - 1 - j];
    }
    s + w.iter().sum::<f64>()
}

#[test]
fn a_local_vec_built_with_push() {
    let x = vec![0.5, -1.5, 2.0, 0.25];
    let (value, bar_x, bar_p) = pushed_grad(&x, 0.7);
    assert_eq!(value, pushed(&x, 0.7));
    check::gradient(
        |(x, p): &(Vec<f64>, f64)| pushed(x, *p),
        &(x.clone(), 0.7),
        &(bar_x, bar_p),
    )
    .assert_ok();
}

// ---- More ways users write a map ----------------------------------------------------------------

/// A block-bodied closure, a closure bound by `let` and mapped twice, `map` (by reference),
/// `mapv_into`, `mapv_inplace`, and `clamp` on arrays and in a closure.
#[grad]
fn map_spellings(x: &Array1<f64>, floor: f64) -> f64 {
    let sigmoid = |z: f64| 1.0 / (1.0 + (-z).exp());
    let a = x.mapv(|z| {
        let e = (-z).exp();
        1.0 / (1.0 + e)
    });
    let b = x.mapv(sigmoid) + x.mapv(sigmoid).mapv(sigmoid);
    let c = x.map(|v| v.exp()).mapv_into(|v| v * v);
    let mut h = x * 2.0;
    h.mapv_inplace(f64::tanh);
    let p = x.mapv(|v| v.clamp(floor, 1.0)).ln();
    (a * b + c + h).sum() + p.sum() + x.clamp(-1.0, floor).sum()
}

#[test]
fn more_map_spellings() {
    let x = array![0.5, -1.5, 2.0, 0.25];
    let (value, bar_x, bar_floor) = map_spellings_grad(&x, 0.3);
    assert_eq!(value, map_spellings(&x, 0.3));
    check::gradient(
        |(x, f): &(Array1<f64>, f64)| map_spellings(x, *f),
        &(x.clone(), 0.3),
        &(bar_x, bar_floor),
    )
    .assert_ok();
}

// ---- Reshapes -----------------------------------------------------------------------------------

#[grad]
fn reshaped(x: &Array2<f64>) -> f64 {
    let n = x.len();
    let flat = x.to_owned().into_shape_with_order(n).unwrap();
    let back = flat
        .clone()
        .into_shape_with_order((x.ncols(), x.nrows()))
        .expect("same size");
    flat.dot(&flat.mapv(f64::sin)) + back.dot(x).sum()
}

#[test]
fn ndarray_reshapes() {
    for (i, &(rows, cols)) in SHAPES.iter().enumerate() {
        let x = matrix(rows, cols, 70 + i as u64);
        let (value, bar_x) = reshaped_grad(&x);
        assert_eq!(value, reshaped(&x));
        check::gradient(|x: &Array2<f64>| reshaped(x), &x, &bar_x).assert_ok();
    }
}

// ---- Joining arrays ------------------------------------------------------------------------------

#[grad]
fn joined(a: &Array2<f64>, b: &Array2<f64>, v: &Array1<f64>) -> f64 {
    let rows = concatenate(Axis(0), &[a.view(), b.view()]).unwrap();
    let cols = concatenate![Axis(1), a.view(), b.view()];
    let layers = stack(Axis(0), &[v.view(), v.mapv(f64::sin).view()]).expect("same shapes");
    let pair = stack![Axis(1), v.view(), v.view()];
    (rows.mapv(f64::cos) * 2.0).sum() + cols.sum() * layers.sum() + pair.dot(&pair.t()).sum()
}

#[test]
fn concatenate_and_stack() {
    let a = matrix(2, 3, 80);
    let b = matrix(2, 3, 81);
    let v = array![0.5, -1.0, 0.25];
    let (value, bar_a, bar_b, bar_v) = joined_grad(&a, &b, &v);
    assert_eq!(value, joined(&a, &b, &v));
    check::gradient(
        |(a, b, v): &(Array2<f64>, Array2<f64>, Array1<f64>)| joined(a, b, v),
        &(a.clone(), b.clone(), v.clone()),
        &(bar_a, bar_b, bar_v),
    )
    .assert_ok();
}

/// A closure bound by `let` and called, as well as mapped; its parameter shadows nothing
/// outside, and it reads a variable of the function.
#[grad]
fn closure_called(x: f64, y: f64) -> f64 {
    let scale = 2.0 * y;
    let square = |v: f64| v * v * scale;
    let both = |a: f64, b: f64| {
        let s = a + b;
        s * s
    };
    square(x * y) + both(x, square(y)) + array![x, y].mapv(square).sum()
}

#[test]
fn a_closure_called_by_name() {
    let (value, bar_x, bar_y) = closure_called_grad(0.7, -1.3);
    assert_eq!(value, closure_called(0.7, -1.3));
    check::gradient(
        |&(x, y): &(f64, f64)| closure_called(x, y),
        &(0.7, -1.3),
        &(bar_x, bar_y),
    )
    .assert_ok();
}

// ---- Variance, standard deviation, squares -------------------------------------------------------

#[grad]
fn spread(x: &Array2<f64>, ddof: f64) -> f64 {
    let standardised = (x - &x.mean_axis(Axis(0)).unwrap()) / &x.std_axis(Axis(0), ddof);
    standardised.pow2().sum() + x.var(ddof) * x.std(0.0) + x.var_axis(Axis(1), 0.0).sum()
}

#[test]
fn variance_and_standard_deviation() {
    for (i, &(rows, cols)) in [(3, 1), (3, 4), (4, 2)].iter().enumerate() {
        let x = matrix(rows, cols, 90 + i as u64);
        let (value, bar_x, bar_ddof) = spread_grad(&x, 1.0);
        assert_eq!(value, spread(&x, 1.0));
        check::gradient(
            |(x, d): &(Array2<f64>, f64)| spread(x, *d),
            &(x.clone(), 1.0),
            &(bar_x, bar_ddof),
        )
        .assert_ok();
    }
}

// ---- Found by the ndarray random tester ---------------------------------------------------------

/// An element read and a slice's mean captured by `mapv` closures (their types were not
/// inferred), a slice kept by the gradient (its element type was not inferred), and
/// `x.shape()[k]` in an integer argument and in `s![..]` (typed `i32`). (`t.dot(&t)` of a bound
/// 1-D slice is ambiguous to rustc itself, E0034, without `#[grad]`: not a macro bug.)
#[grad]
fn tester_findings(x: &Array2<f64>, y: &Array1<f64>) -> f64 {
    let t = x[[0, 1]];
    let m: f64 = x.slice(s![..;2, ..]).mean().unwrap();
    let a = x.mapv(|v| v * t).sum() + y.mapv(|v| v * v + m).sum();
    let first = x.slice(s![0, ..]);
    let b = y.dot(&first);
    let c = x.row(x.shape()[0] - 1).sum() + x.slice(s![x.shape()[0] - 1, ..]).sum();
    a + b + c
}

#[test]
fn ndarray_tester_findings() {
    let x = matrix(3, 2, 100);
    let y = array![0.5, -1.25];
    let (value, bar_x, bar_y) = tester_findings_grad(&x, &y);
    let direct = tester_findings(&x, &y);
    assert!(
        (value - direct).abs() <= 1e-14 * direct.abs(),
        "{value} vs {direct}"
    );
    check::gradient(
        |(x, y): &(Array2<f64>, Array1<f64>)| tester_findings(x, y),
        &(x.clone(), y.clone()),
        &(bar_x, bar_y),
    )
    .assert_ok();
}

// ---- `mapv` keeps its closure's derivatives ------------------------------------------------------
//
// The forward half makes a mapped array and the arrays of the closure's derivatives (by the
// element, by each differentiated float it captures) in one pass; the reverse half multiplies
// the cotangent by them. The edges of that: a map of a broadcast sum, a map of a map, a result
// read twice, captured floats differentiated or not, a map whose element is not differentiated
// but whose captured float is, maps in a loop (and a checkpointed one) and in an `if`'s arms, a
// receiver in column-major layout, a function generic over its float.

/// A map of a broadcast sum, read twice; a map of it capturing a differentiated float; one
/// capturing a constant float; one capturing both.
#[grad]
fn mapv_derivative_edges(x: &Array2<f64>, b: &Array1<f64>, scale: f64) -> f64 {
    let c = 0.75;
    let p = (x + b).mapv(|z| 1.0 / (1.0 + (-z).exp()));
    let q = p.mapv(|v| scale * v * v);
    let r = x.mapv(|v| (c * v).sin());
    let s = x.mapv(|v| (c * v + scale).exp());
    (&p * &q).sum() + p.sum() + (r * s).sum()
}

/// The same, differentiated only in `x` (`scale` is captured but not differentiated) and only
/// in `scale` (the mapped arrays are not differentiated, the captured float is).
#[grad(wrt(x))]
fn mapv_derivative_edges_in_x(x: &Array2<f64>, b: &Array1<f64>, scale: f64) -> f64 {
    let c = 0.75;
    let p = (x + b).mapv(|z| 1.0 / (1.0 + (-z).exp()));
    let q = p.mapv(|v| scale * v * v);
    let r = x.mapv(|v| (c * v).sin());
    let s = x.mapv(|v| (c * v + scale).exp());
    (&p * &q).sum() + p.sum() + (r * s).sum()
}

#[grad(wrt(scale))]
fn mapv_derivative_edges_in_scale(x: &Array2<f64>, b: &Array1<f64>, scale: f64) -> f64 {
    let c = 0.75;
    let p = (x + b).mapv(|z| 1.0 / (1.0 + (-z).exp()));
    let q = p.mapv(|v| scale * v * v);
    let r = x.mapv(|v| (c * v).sin());
    let s = x.mapv(|v| (c * v + scale).exp());
    (&p * &q).sum() + p.sum() + (r * s).sum()
}

#[test]
fn mapv_derivatives_at_the_edges() {
    for (i, &(rows, cols)) in SHAPES.iter().enumerate() {
        let x = matrix(rows, cols, 200 + i as u64);
        let b = matrix(1, cols, 210 + i as u64).row(0).to_owned() - 1.0;
        let scale = -0.6;
        let (value, bar_x, bar_b, bar_scale) = mapv_derivative_edges_grad(&x, &b, scale);
        assert_eq!(value, mapv_derivative_edges(&x, &b, scale));
        check::gradient(
            |(x, b, s): &(Array2<f64>, Array1<f64>, f64)| mapv_derivative_edges(x, b, *s),
            &(x.clone(), b.clone(), scale),
            &(bar_x.clone(), bar_b, bar_scale),
        )
        .assert_ok();
        // The narrowed gradients are the full one's components, to the last bit.
        let (value_x, only_x) = mapv_derivative_edges_in_x_grad(&x, &b, scale);
        assert_eq!((value_x, &only_x), (value, &bar_x));
        let (value_scale, only_scale) = mapv_derivative_edges_in_scale_grad(&x, &b, scale);
        assert_eq!((value_scale, only_scale), (value, bar_scale));
    }
    // No rows: empty maps, empty derivatives, zero cotangents.
    let (x, b) = (Array2::zeros((0, 3)), array![0.5, -0.5, 1.0]);
    let (value, bar_x, bar_b, bar_scale) = mapv_derivative_edges_grad(&x, &b, 0.3);
    assert_eq!(value, 0.0);
    assert_eq!(bar_x.dim(), (0, 3));
    assert_eq!((bar_b, bar_scale), (Array1::zeros(3), 0.0));
}

/// Maps in a loop, one of them `mapv_inplace` on the carried array: each iteration's
/// derivatives go in its record.
#[grad]
fn mapv_in_a_loop(x: &Array1<f64>, a: f64, steps: usize) -> f64 {
    let mut h = x.to_owned();
    for _ in 0..steps {
        h = h.mapv(|v| (a * v).tanh());
        h.mapv_inplace(|v| v + 0.1 * v * v);
    }
    h.sum()
}

/// The same loop checkpointed: the reverse half runs each iteration again, derivatives and all.
#[grad]
fn mapv_in_a_checkpointed_loop(x: &Array1<f64>, a: f64, steps: usize) -> f64 {
    let mut h = x.to_owned();
    #[checkpoint]
    for _ in 0..steps {
        h = h.mapv(|v| (a * v).tanh());
        h.mapv_inplace(|v| v + 0.1 * v * v);
    }
    h.sum()
}

#[test]
fn mapv_derivatives_in_loops() {
    let x = array![0.5, -1.5, 2.0, 0.25, -0.1];
    for steps in [0, 1, 4] {
        let (value, bar_x, bar_a) = mapv_in_a_loop_grad(&x, 1.3, steps);
        assert_eq!(value, mapv_in_a_loop(&x, 1.3, steps));
        check::gradient(
            |(x, a): &(Array1<f64>, f64)| mapv_in_a_loop(x, *a, steps),
            &(x.clone(), 1.3),
            &(bar_x.clone(), bar_a),
        )
        .assert_ok();
        let checkpointed = mapv_in_a_checkpointed_loop_grad(&x, 1.3, steps);
        assert_eq!(checkpointed, (value, bar_x, bar_a), "steps = {steps}");
    }
}

/// A different map in each arm of an `if`: the arm that ran keeps its derivatives in its record.
#[grad]
fn mapv_in_the_arms(x: &Array2<f64>, s: f64) -> f64 {
    let y = if s > 0.0 {
        x.mapv(|v| (s * v).exp())
    } else {
        x.mapv(|v| v * v - s)
    };
    (&y * &y).sum()
}

#[test]
fn mapv_derivatives_in_the_arms_of_an_if() {
    let x = matrix(3, 4, 220);
    for s in [0.4, -0.4] {
        let (value, bar_x, bar_s) = mapv_in_the_arms_grad(&x, s);
        assert_eq!(value, mapv_in_the_arms(&x, s));
        check::gradient(
            |(x, s): &(Array2<f64>, f64)| mapv_in_the_arms(x, *s),
            &(x.clone(), s),
            &(bar_x, bar_s),
        )
        .assert_ok();
    }
}

/// A receiver that is not in standard layout (a transpose, kept column-major by `to_owned`) and
/// a view parameter, mapped and multiplied by arrays in standard layout: the derivatives are
/// made in the elements' logical order, as the values are.
#[grad]
fn mapv_of_other_layouts(x: &Array2<f64>, v: ArrayView2<f64>, w: &Array2<f64>) -> f64 {
    let t = x.t().mapv(|e| e.sin() * e);
    let u = v.mapv(|e| e.ln());
    (&t * w).sum() + (&u * w).sum()
}

#[test]
fn mapv_derivatives_in_other_layouts() {
    let x = matrix(3, 4, 230);
    let w = matrix(4, 3, 231) - 1.0;
    let column_major = matrix(3, 4, 232).reversed_axes();
    assert!(!column_major.is_standard_layout());
    let (value, bar_x, bar_v, _) = mapv_of_other_layouts_grad(&x, column_major.view(), &w);
    assert_eq!(value, mapv_of_other_layouts(&x, column_major.view(), &w));
    check::gradient(
        |(x, v): &(Array2<f64>, Array2<f64>)| mapv_of_other_layouts(x, v.view(), &w),
        &(x.clone(), column_major.to_owned()),
        &(bar_x, bar_v),
    )
    .assert_ok();
}

/// A map in a function generic over its float type (the derivatives' seed is `F::one()`, the
/// captured float's cotangent summed with `+`).
#[grad]
fn mapv_generic<F: autodiff_runtime::Float>(x: &Array1<F>, a: F) -> F {
    x.mapv(|v| (a * v).exp() * v.sin()).sum()
}

#[test]
fn mapv_derivatives_of_a_generic_function() {
    let x = array![0.5, -1.5, 2.0, 0.25];
    let (value, bar_x, bar_a) = mapv_generic_grad(&x, 0.3);
    assert_eq!(value, mapv_generic(&x, 0.3));
    check::gradient(
        |(x, a): &(Array1<f64>, f64)| mapv_generic(x, *a),
        &(x.clone(), 0.3),
        &(bar_x, bar_a),
    )
    .assert_ok();
}
