//! The control-flow spec's test of `while`, `loop`, `break`, `continue`, labels and early
//! `return` (`API.md`, "Control flow"; issue 11): `while` on integer and float conditions,
//! `loop` with `break value`, `continue` in `while`, `loop` and `for`, labelled loops with
//! `break 'outer` and `continue 'outer`, a labelled `loop` broken with a value from an inner
//! loop, and `return` from anywhere: before a loop, inside `for`, `while`, `loop` and nested
//! loops, and from an arm of an `if` expression.
//!
//! The gradient is that of the iterations that ran. Where a trip count depends on the
//! differentiated values, the test replays the control flow in plain Rust to find the path and
//! writes the path's gradient in closed form (derivation in the comment above each function);
//! the points are away from the values where the trip count jumps.

#![allow(
    clippy::needless_return,
    clippy::needless_range_loop,
    clippy::while_let_loop,
    clippy::assign_op_pattern,
    reason = "the #[grad] functions spell out the constructs under test"
)]

mod common;

use autodiff_runtime::grad;
use common::{EXACTISH, Tol, assert_close, assert_grad_close, check_f32, check_f64};

// ---------------------------------------------------------------------------------------------
// `while`.
// ---------------------------------------------------------------------------------------------

// f = a Σ_{i<n} xᵢ² with an integer counter: ∂xᵢ = 2a xᵢ for i < n, else 0; ∂a = Σ_{i<n} xᵢ².
#[grad]
fn while_counter(x: &[f64], a: f64, n: usize) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    while i < n {
        s += a * x[i] * x[i];
        i += 1;
    }
    s
}

#[test]
fn while_with_an_integer_counter() {
    let (x, a) = ([0.5, -1.2, 0.9, 2.0, -0.3], 0.7);
    for n in [0, 2, 5] {
        let (v, dx, da) = while_counter_grad(&x, a, n);
        assert_eq!(v, while_counter(&x, a, n));
        let ex: Vec<f64> = (0..5)
            .map(|i| if i < n { 2.0 * a * x[i] } else { 0.0 })
            .collect();
        let ea: f64 = x[..n].iter().map(|v| v * v).sum();
        assert_grad_close(&format!("∂x, n = {n}"), x, &dx, &ex, EXACTISH);
        assert_close(&format!("∂a, n = {n}"), da, ea, EXACTISH);
    }
}

// y ← y·a while y < 10: after k trips y = x aᵏ, so ∂x = aᵏ, ∂a = k x aᵏ⁻¹; the condition on
// the differentiated y has no derivative. With x ≥ 10 the loop does not run: (1, 0).
#[grad]
fn while_float_condition(x: f64, a: f64) -> f64 {
    let mut y = x;
    while y < 10.0 {
        y = y * a;
    }
    y
}

#[test]
fn while_on_a_float_condition() {
    // (x, a): 4 trips (last y ≈ 10.9, the one before ≈ 6.4), 2 trips, none.
    for (x, a) in [(1.3, 1.7), (0.9, 4.0), (12.0, 1.5)] {
        let (v, dx, da) = while_float_condition_grad(x, a);
        assert_eq!(v, while_float_condition(x, a));
        let mut k = 0;
        let mut y = x;
        while y < 10.0 {
            y *= a;
            k += 1;
        }
        assert_close("∂x", dx, a.powi(k), EXACTISH);
        let ea = if k == 0 {
            0.0
        } else {
            k as f64 * x * a.powi(k - 1)
        };
        assert_close("∂a", da, ea, EXACTISH);
    }
}

// Newton's iteration for √c, stopped on a relative residual. The gradient of the path that ran
// converges with the iterates (the first-order terms of the last step cancel), so at
// convergence it is 1/(2√c) up to about the square of the last-but-one error.
#[grad]
fn newton_sqrt(c: f64) -> f64 {
    let mut y = c.max(1.0);
    while (y * y - c).abs() > 1e-10 * c {
        y = 0.5 * (y + c / y);
    }
    y
}

#[test]
fn while_to_convergence() {
    let newton = Tol {
        rel: 1e-8,
        abs: 0.0,
    };
    for c in [2.0, 7.5, 0.3] {
        let (v, d) = newton_sqrt_grad(c);
        assert_eq!(v, newton_sqrt(c));
        assert_close(&format!("d√c at {c}"), d, 0.5 / c.sqrt(), newton);
    }
}

// s ← s·r + x, 1000 times: s = x(1 − rᴺ)/(1 − r) with N = 1000.
//   ∂x = (1 − rᴺ)/(1 − r),  ∂r = x[(1 − rᴺ) − N rᴺ⁻¹(1 − r)]/(1 − r)².
#[grad]
fn long_while(x: f64, r: f64) -> f64 {
    let mut s = 0.0;
    let mut i = 0;
    while i < 1000 {
        s = s * r + x;
        i += 1;
    }
    s
}

#[test]
fn while_over_a_thousand_iterations() {
    let n = 1000;
    for (x, r) in [(0.5, 0.99), (-1.5, 0.9)] {
        let (v, dx, dr) = long_while_grad(x, r);
        assert_eq!(v, long_while(x, r));
        let rn = r.powi(n);
        let ex = (1.0 - rn) / (1.0 - r);
        let er = x * ((1.0 - rn) - n as f64 * r.powi(n - 1) * (1.0 - r)) / ((1.0 - r) * (1.0 - r));
        let loose = Tol {
            rel: EXACTISH.rel * 1000.0,
            abs: EXACTISH.abs * 1000.0,
        };
        assert_close("∂x", dx, ex, loose);
        assert_close("∂r", dr, er, loose);
    }
}

// The same float-condition loop in f32, with an additive term: y ← y·a + x while y < 10.
#[grad]
fn while_f32(x: f32, a: f32) -> f32 {
    let mut y = x;
    while y < 10.0 {
        y = y * a + x;
    }
    y
}

#[test]
fn while_in_f32() {
    // 3 trips (last y ≈ 12.2, the one before ≈ 7.1) and 2 trips (last y ≈ 24.4).
    for p in [[1.5_f32, 1.5], [2.5, 2.5]] {
        let (v, dx, da) = while_f32_grad(p[0], p[1]);
        assert_eq!(v, while_f32(p[0], p[1]));
        check_f32("while_f32", |q| while_f32(q[0], q[1]), &p, &[dx, da]);
    }
}

// ---------------------------------------------------------------------------------------------
// `loop` and `break` with a value.
// ---------------------------------------------------------------------------------------------

// y ← 1.5y + a until y > 5 or 20 steps, then r = y·a from `break`; f = r + y.
//   After k steps: ∂y/∂x = 1.5ᵏ, ∂y/∂a = (1.5ᵏ − 1)/0.5; f = (a + 1)y:
//   ∂x = (a + 1)·1.5ᵏ, ∂a = y + (a + 1)(1.5ᵏ − 1)/0.5.
#[grad]
fn loop_break_value(x: f64, a: f64) -> f64 {
    let mut y = x;
    let mut k = 0;
    let r = loop {
        if y > 5.0 || k == 20 {
            break y * a;
        }
        y = y * 1.5 + a;
        k += 1;
    };
    r + y
}

#[test]
fn loop_with_break_value() {
    // 5 trips (last y ≈ 7.5, the one before ≈ 4.8), 20 trips (y runs away below), none.
    for (x, a) in [(0.3, 0.4), (-2.0, 0.1), (6.0, 1.0)] {
        let (v, dx, da) = loop_break_value_grad(x, a);
        assert_eq!(v, loop_break_value(x, a));
        let (mut y, mut k) = (x, 0);
        while !(y > 5.0 || k == 20) {
            y = y * 1.5 + a;
            k += 1;
        }
        let g = 1.5_f64.powi(k);
        assert_close("∂x", dx, (a + 1.0) * g, EXACTISH);
        assert_close("∂a", da, y + (a + 1.0) * (g - 1.0) / 0.5, EXACTISH);
    }
}

// ---------------------------------------------------------------------------------------------
// `continue`.
// ---------------------------------------------------------------------------------------------

// f = a Σ_{xᵢ ≥ 0} xᵢ³, `continue` skipping the negatives: ∂xᵢ = 3a xᵢ² or 0; ∂a = Σ xᵢ³.
#[grad]
fn while_continue(x: &[f64], a: f64) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    while i < x.len() {
        let v = x[i];
        i += 1;
        if v < 0.0 {
            continue;
        }
        s += a * v.powi(3);
    }
    s
}

// The product of the elements at even indices, by `loop` with `break` and `continue`:
//   ∂xᵢ = Π_{even j ≠ i} xⱼ for even i, 0 for odd i.
#[grad]
fn loop_continue(x: &[f64]) -> f64 {
    let mut i = 0;
    let mut p = 1.0;
    loop {
        if i == x.len() {
            break;
        }
        i += 1;
        if i % 2 == 0 {
            continue;
        }
        p *= x[i - 1];
    }
    p
}

// s ← 0.9s + xᵢ², skipped (`continue`) whenever xᵢ·s > 1: a condition on the carried value.
#[grad]
fn for_continue(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        if x[i] * s > 1.0 {
            continue;
        }
        s = s * 0.9 + x[i] * x[i];
    }
    s
}

/// The gradient of `for_continue` by forward mode over the path that ran: each update that
/// runs maps (s, ∂s/∂x) to (0.9s + xᵢ², 0.9·∂s/∂x + 2xᵢeᵢ).
fn for_continue_gradient(x: &[f64]) -> Vec<f64> {
    let mut s = 0.0;
    let mut ds = vec![0.0; x.len()];
    for i in 0..x.len() {
        if x[i] * s > 1.0 {
            continue;
        }
        for d in ds.iter_mut() {
            *d *= 0.9;
        }
        ds[i] += 2.0 * x[i];
        s = s * 0.9 + x[i] * x[i];
    }
    ds
}

#[test]
fn continue_in_while_loop_and_for() {
    let x = [0.5, -1.2, 0.9, 2.0, -0.3, 1.1];
    for a in [0.7, -1.6] {
        let (v, dx, da) = while_continue_grad(&x, a);
        assert_eq!(v, while_continue(&x, a));
        let ex: Vec<f64> = x
            .iter()
            .map(|&v| if v < 0.0 { 0.0 } else { 3.0 * a * v * v })
            .collect();
        let ea: f64 = x.iter().filter(|&&v| v >= 0.0).map(|v| v.powi(3)).sum();
        assert_grad_close("while continue ∂x", x, &dx, &ex, EXACTISH);
        assert_close("while continue ∂a", da, ea, EXACTISH);
    }

    for x in [&x[..], &x[..5]] {
        let (v, d) = loop_continue_grad(x);
        assert_eq!(v, loop_continue(x));
        let e: Vec<f64> = (0..x.len())
            .map(|i| {
                if i % 2 == 1 {
                    0.0
                } else {
                    (0..x.len())
                        .filter(|&j| j % 2 == 0 && j != i)
                        .map(|j| x[j])
                        .product()
                }
            })
            .collect();
        assert_grad_close("loop continue", x, &d, &e, EXACTISH);
    }

    // The first skips at i = 2, 3 and 5 (xᵢ·s ≈ 1.5, 3.3, 1.7); the second never skips.
    for x in [&[0.5, -1.2, 0.9, 2.0, -0.3, 1.1][..], &[0.2, 0.3, -0.4]] {
        let (v, d) = for_continue_grad(x);
        assert_eq!(v, for_continue(x));
        assert_grad_close("for continue", x, &d, &for_continue_gradient(x), EXACTISH);
        check_f64("for_continue", for_continue, x, &d);
    }
}

// ---------------------------------------------------------------------------------------------
// Labels: `break 'outer`, `continue 'outer`, a labelled `loop` broken with a value.
// ---------------------------------------------------------------------------------------------

// Adds xᵢxⱼ over (i, j) in row-major order until the sum passes `limit`, then leaves both
// loops; f = 2s. Over the pairs that ran, ∂xₖ = 2Σ([i = k]xⱼ + [j = k]xᵢ); ∂limit = 0.
#[grad]
fn break_outer(x: &[f64], limit: f64) -> f64 {
    let mut s = 0.0;
    'outer: for i in 0..x.len() {
        for j in 0..x.len() {
            if s > limit {
                break 'outer;
            }
            s += x[i] * x[j];
        }
    }
    s * 2.0
}

// The same with labelled `while` loops over the upper triangle, stopping at the first product
// above `limit` (which is not added).
#[grad]
fn break_outer_while(x: &[f64], limit: f64) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    let mut i = 0;
    'outer: while i < n {
        let mut j = i;
        while j < n {
            if x[i] * x[j] > limit {
                break 'outer;
            }
            s += x[i] * x[j];
            j += 1;
        }
        i += 1;
    }
    s
}

/// ∂(Σ over `pairs` of xᵢxⱼ)/∂x, times `scale`.
fn pair_gradient(x: &[f64], pairs: &[(usize, usize)], scale: f64) -> Vec<f64> {
    let mut g = vec![0.0; x.len()];
    for &(i, j) in pairs {
        g[i] += scale * x[j];
        g[j] += scale * x[i];
    }
    g
}

#[test]
fn break_outer_leaves_both_loops() {
    let x = [0.5, 1.2, -0.3, 0.8];
    // Stops after 4 pairs (s = 1.1 > 1 after (0, 3)), after 2 (s = 0.85), and never.
    for limit in [1.0, 0.5, 100.0] {
        let (v, dx, dl) = break_outer_grad(&x, limit);
        assert_eq!(v, break_outer(&x, limit));
        let mut pairs = Vec::new();
        let mut s = 0.0;
        'replay: for i in 0..4 {
            for j in 0..4 {
                if s > limit {
                    break 'replay;
                }
                s += x[i] * x[j];
                pairs.push((i, j));
            }
        }
        assert_grad_close(
            &format!("limit {limit}"),
            x,
            &dx,
            &pair_gradient(&x, &pairs, 2.0),
            EXACTISH,
        );
        assert_eq!(dl, 0.0);
    }
    // Stops at (1, 1) (1.44 > 1), at (0, 0) (0.25 > 0.2: nothing added), and never.
    for limit in [1.0, 0.2, 100.0] {
        let (v, dx, dl) = break_outer_while_grad(&x, limit);
        assert_eq!(v, break_outer_while(&x, limit));
        let mut pairs = Vec::new();
        'replay: for i in 0..4 {
            for j in i..4 {
                if x[i] * x[j] > limit {
                    break 'replay;
                }
                pairs.push((i, j));
            }
        }
        assert_grad_close(
            &format!("while, limit {limit}"),
            x,
            &dx,
            &pair_gradient(&x, &pairs, 1.0),
            EXACTISH,
        );
        assert_eq!(dl, 0.0);
    }
}

// Row by row over a row-major matrix with n columns, adds √aᵢⱼ until a negative entry, which
// skips the rest of its row (`continue 'rows`): ∂aᵢⱼ = 1/(2√aᵢⱼ) for the entries added, else 0.
#[grad]
fn continue_outer(a: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    'rows: for i in 0..a.len() / n {
        for j in 0..n {
            let v = a[i * n + j];
            if v < 0.0 {
                continue 'rows;
            }
            s += v.sqrt();
        }
    }
    s
}

#[test]
fn continue_outer_skips_the_rest_of_the_row() {
    let a = [0.5, 1.2, -0.3, 0.8, 2.0, 0.1, 0.4, 0.9, -1.0, 0.6, 0.3, 1.5];
    for n in [4, 3] {
        let (v, d) = continue_outer_grad(&a, n);
        assert_eq!(v, continue_outer(&a, n));
        let mut e = vec![0.0; a.len()];
        for row in 0..a.len() / n {
            for j in 0..n {
                let v = a[row * n + j];
                if v < 0.0 {
                    break;
                }
                e[row * n + j] = 0.5 / v.sqrt();
            }
        }
        assert_grad_close(&format!("{n} columns"), a, &d, &e, EXACTISH);
    }
}

// Halves t until some xⱼ > t, then `break 'search` out of the inner `for` with xⱼ·t; f = r + t.
//   With k halvings and j the first index with xⱼ > t = t₀/2ᵏ: f = (xⱼ + 1)·t₀/2ᵏ:
//   ∂xⱼ = t, ∂t₀ = (xⱼ + 1)/2ᵏ, other ∂xᵢ = 0.
#[grad]
fn labelled_loop_value(x: &[f64], t0: f64) -> f64 {
    let mut t = t0;
    let r = 'search: loop {
        for j in 0..x.len() {
            if x[j] > t {
                break 'search x[j] * t;
            }
        }
        t = t * 0.5;
    };
    r + t
}

#[test]
fn labelled_loop_broken_with_a_value_from_an_inner_loop() {
    let x = [0.3, -0.5, 0.7, 0.1];
    // t₀ = 3: halvings to 0.375 (k = 3), index 2; t₀ = 0.5: k = 0, index 2; t₀ = 0.25: k = 0,
    // index 0.
    for t0 in [3.0, 0.5, 0.25] {
        let (v, dx, dt0) = labelled_loop_value_grad(&x, t0);
        assert_eq!(v, labelled_loop_value(&x, t0));
        let mut t = t0;
        let mut k = 0;
        let j = loop {
            if let Some(j) = x.iter().position(|&v| v > t) {
                break j;
            }
            t *= 0.5;
            k += 1;
        };
        let mut ex = [0.0; 4];
        ex[j] = t;
        assert_grad_close(&format!("∂x at t₀ = {t0}"), x, &dx, &ex, EXACTISH);
        assert_close("∂t₀", dt0, (x[j] + 1.0) / 2.0_f64.powi(k), EXACTISH);
    }
}

// ---------------------------------------------------------------------------------------------
// Early `return`.
// ---------------------------------------------------------------------------------------------

// A guard before a loop: a < 0 returns a² (∂x = 0, ∂a = 2a); otherwise f = a Σ xᵢ
// (∂xᵢ = a, ∂a = Σ xᵢ).
#[grad]
fn return_at_top(x: &[f64], a: f64) -> f64 {
    if a < 0.0 {
        return a * a;
    }
    let mut s = 0.0;
    for v in x.iter() {
        s += v * a;
    }
    s
}

// Returns √Sₖ·limit from inside the loop at the first k with Sₖ = Σ_{i≤k} xᵢ² > limit, else
// S/2 after it.
//   returned at k: ∂xᵢ = xᵢ·limit/√Sₖ for i ≤ k, 0 beyond; ∂limit = √Sₖ.
//   not returned:  ∂xᵢ = xᵢ, ∂limit = 0.
#[grad]
fn return_in_for(x: &[f64], limit: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i];
        if s > limit {
            return s.sqrt() * limit;
        }
    }
    s * 0.5
}

// Returns (xᵢ + xⱼ)·t from the nested loops for the first pair j > i with xᵢxⱼ > t, else Σx.
#[grad]
fn return_in_nested_loops(x: &[f64], t: f64) -> f64 {
    for i in 0..x.len() {
        for j in i + 1..x.len() {
            if x[i] * x[j] > t {
                return (x[i] + x[j]) * t;
            }
        }
    }
    let mut s = 0.0;
    for v in x.iter() {
        s += v;
    }
    s
}

// y ← y·a up to 50 times, returning ln y from inside the `while` once y > 100.
//   returned after k + 1 products: f = ln x + (k + 1) ln a: ∂x = 1/x, ∂a = (k + 1)/a.
//   not returned: f = x a⁵⁰: ∂x = a⁵⁰, ∂a = 50 x a⁴⁹.
#[grad]
fn return_in_while(x: f64, a: f64) -> f64 {
    let mut y = x;
    let mut k = 0;
    while k < 50 {
        y = y * a;
        if y > 100.0 {
            return y.ln();
        }
        k += 1;
    }
    y
}

// Halves y inside `loop` and returns y² once y < 1: with k halvings, ∂x = 2y/2ᵏ.
#[grad]
fn return_in_loop(x: f64) -> f64 {
    let mut y = x;
    loop {
        if y < 1.0 {
            return y * y;
        }
        y = y * 0.5;
    }
}

// `return` from the arm of an `if` expression.
//   x > 0: f = sin(xy): ∂x = y cos(xy), ∂y = x cos(xy).   x ≤ 0: f = −2xy: ∂x = −2y, ∂y = −2x.
#[grad]
fn return_from_if_expression(x: f64, y: f64) -> f64 {
    let z = if x > 0.0 {
        x * y
    } else {
        return -x * y * 2.0;
    };
    z.sin()
}

#[test]
fn return_before_a_loop() {
    let x = [0.5, -1.2, 0.9];
    for a in [-0.7, 1.3] {
        let (v, dx, da) = return_at_top_grad(&x, a);
        assert_eq!(v, return_at_top(&x, a));
        if a < 0.0 {
            assert_eq!(dx, vec![0.0; 3]);
            assert_close("∂a", da, 2.0 * a, EXACTISH);
        } else {
            assert_grad_close("∂x", a, &dx, &[a; 3], EXACTISH);
            assert_close("∂a", da, x.iter().sum(), EXACTISH);
        }
    }
}

#[test]
fn return_inside_a_for_loop() {
    let x = [0.5, -1.2, 0.9, 0.3];
    // Returns at k = 1 (S ≈ 1.69), at k = 2 (S ≈ 2.5), and not at all (S ≈ 2.59).
    for limit in [1.0, 2.0, 5.0] {
        let (v, dx, dl) = return_in_for_grad(&x, limit);
        assert_eq!(v, return_in_for(&x, limit));
        let mut s = 0.0;
        let mut returned_at = None;
        for i in 0..4 {
            s += x[i] * x[i];
            if s > limit {
                returned_at = Some(i);
                break;
            }
        }
        let (ex, el): (Vec<f64>, f64) = match returned_at {
            Some(k) => (
                (0..4)
                    .map(|i| if i <= k { x[i] * limit / s.sqrt() } else { 0.0 })
                    .collect(),
                s.sqrt(),
            ),
            None => (x.to_vec(), 0.0),
        };
        assert_grad_close(&format!("∂x, limit {limit}"), x, &dx, &ex, EXACTISH);
        assert_close(&format!("∂limit, limit {limit}"), dl, el, EXACTISH);
    }
}

#[test]
fn return_inside_nested_loops() {
    let x = [0.5, -1.2, 0.9, 1.4];
    // Returns at (2, 3) (1.26 > 1), at (0, 2) (0.45 > 0.3), and not at all.
    for t in [1.0, 0.3, 5.0] {
        let (v, dx, dt) = return_in_nested_loops_grad(&x, t);
        assert_eq!(v, return_in_nested_loops(&x, t));
        let pair = (0..4)
            .flat_map(|i| (i + 1..4).map(move |j| (i, j)))
            .find(|&(i, j)| x[i] * x[j] > t);
        let (ex, et) = match pair {
            Some((i, j)) => {
                let mut e = vec![0.0; 4];
                e[i] = t;
                e[j] = t;
                (e, x[i] + x[j])
            }
            None => (vec![1.0; 4], 0.0),
        };
        assert_grad_close(&format!("∂x, t = {t}"), x, &dx, &ex, EXACTISH);
        assert_close(&format!("∂t, t = {t}"), dt, et, EXACTISH);
    }
}

#[test]
fn return_inside_while_and_loop() {
    // Returns after 5 products (y ≈ 161.7, the one before ≈ 63.4), and never (a < 1).
    for (x, a) in [(1.5, 2.55), (3.0, 0.9)] {
        let (v, dx, da) = return_in_while_grad(x, a);
        assert_eq!(v, return_in_while(x, a));
        let products = (1..=50).find(|&k| x * a.powi(k) > 100.0);
        let (ex, ea) = match products {
            Some(k) => (1.0 / x, k as f64 / a),
            None => (a.powi(50), 50.0 * x * a.powi(49)),
        };
        assert_close("∂x", dx, ex, EXACTISH);
        assert_close("∂a", da, ea, EXACTISH);
    }
    // 3 halvings (y = 0.7), none (y = 0.6), 6 halvings (y ≈ 0.64).
    for x in [5.6, 0.6, 41.0] {
        let (v, d) = return_in_loop_grad(x);
        assert_eq!(v, return_in_loop(x));
        let mut y: f64 = x;
        let mut scale = 1.0;
        while y >= 1.0 {
            y *= 0.5;
            scale *= 0.5;
        }
        assert_close(&format!("d at {x}"), d, 2.0 * y * scale, EXACTISH);
    }
}

#[test]
fn return_from_an_if_expression_arm() {
    for (x, y) in [(0.8, -1.3), (-0.6, 2.1)] {
        let (v, dx, dy) = return_from_if_expression_grad(x, y);
        assert_eq!(v, return_from_if_expression(x, y));
        let (ex, ey) = if x > 0.0 {
            (y * (x * y).cos(), x * (x * y).cos())
        } else {
            (-2.0 * y, -2.0 * x)
        };
        assert_close("∂x", dx, ex, EXACTISH);
        assert_close("∂y", dy, ey, EXACTISH);
    }
}
