//! The control-flow spec's test of `if` (`API.md`, "Control flow"; issue 11): `if` / `else if` /
//! `else` as a statement and as an expression, with and without `else`; conditions on floats,
//! integers and `bool`s combined with `&&`, `||` and `!`; nested ifs; fixed-size arrays and
//! ndarray arrays merged by an `if`; the untaken branch that would give NaN (`CONTROL_FLOW.md`
//! §5 #11); branches calling `#[grad]` and `#[custom_vjp]` functions.
//!
//! The gradient is that of the branch that ran, so every function is tested at points that
//! take each branch, away from the boundaries between them. Each gradient is checked against a
//! closed form worked out in the comment above the function (with `EXACTISH`, a few ulps) and,
//! where it is cheap, also against central differences of the original function.

#![allow(
    clippy::assign_op_pattern,
    clippy::needless_return,
    clippy::let_and_return,
    clippy::collapsible_else_if,
    clippy::nonminimal_bool,
    clippy::neg_multiply,
    reason = "the #[grad] functions spell out the constructs under test"
)]

mod common;

use autodiff_runtime::check;
use autodiff_runtime::custom_vjp;
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, Array2, array};
use autodiff_runtime::nn;
use common::{EXACTISH, assert_close, assert_grad_close, check_f32, check_f64};

// ---------------------------------------------------------------------------------------------
// `if` as an expression and as a statement.
// ---------------------------------------------------------------------------------------------

// y = x² if x > 0, else 0.1·x; f = y·z.
//   x > 0: ∂x = 2xz, ∂z = x².   x ≤ 0: ∂x = 0.1z, ∂z = 0.1x.
#[grad]
fn if_expression(x: f64, z: f64) -> f64 {
    let y = if x > 0.0 { x * x } else { 0.1 * x };
    y * z
}

#[test]
fn if_expression_takes_the_gradient_of_the_branch_that_ran() {
    for (x, z) in [(1.3, 0.7), (-0.8, 2.0), (2.5, -1.1), (-3.0, -0.4)] {
        let (v, dx, dz) = if_expression_grad(x, z);
        assert_eq!(v, if_expression(x, z));
        let (ex, ez) = if x > 0.0 {
            (2.0 * x * z, x * x)
        } else {
            (0.1 * z, 0.1 * x)
        };
        assert_close("∂x", dx, ex, EXACTISH);
        assert_close("∂z", dz, ez, EXACTISH);
        check_f64(
            "if_expression",
            |q| if_expression(q[0], q[1]),
            &[x, z],
            &[dx, dz],
        );
    }
}

// s = xy; if s < 1 { s = e^s } (no else); f = s + y.
//   taken:     f = e^{xy} + y: ∂x = y e^{xy}, ∂y = x e^{xy} + 1.
//   not taken: f = xy + y:     ∂x = y,        ∂y = x + 1.
#[grad]
fn if_without_else(x: f64, y: f64) -> f64 {
    let mut s = x * y;
    if s < 1.0 {
        s = s.exp();
    }
    s + y
}

#[test]
fn if_without_else_leaves_the_value_alone_when_not_taken() {
    for (x, y) in [(0.5, 0.8), (2.0, 1.5), (-1.2, 0.9), (3.0, -0.25)] {
        let (v, dx, dy) = if_without_else_grad(x, y);
        assert_eq!(v, if_without_else(x, y));
        let p = x * y;
        let (ex, ey) = if p < 1.0 {
            (y * p.exp(), x * p.exp() + 1.0)
        } else {
            (y, x + 1.0)
        };
        assert_close("∂x", dx, ex, EXACTISH);
        assert_close("∂y", dy, ey, EXACTISH);
    }
}

// An `else if` chain as the tail expression.
//   x < −1:      f = −xy:       ∂x = −y,   ∂y = −x.
//   −1 ≤ x < 1:  f = x²y:       ∂x = 2xy,  ∂y = x².
//   x ≥ 1:       f = ln x + y²: ∂x = 1/x,  ∂y = 2y.
#[grad]
fn else_if_chain(x: f64, y: f64) -> f64 {
    if x < -1.0 {
        -x * y
    } else if x < 1.0 {
        x * x * y
    } else {
        x.ln() + y * y
    }
}

#[test]
fn else_if_chain_as_an_expression() {
    for (x, y) in [(-2.5, 0.7), (0.4, -1.3), (3.0, 0.7), (-0.6, 2.0)] {
        let (v, dx, dy) = else_if_chain_grad(x, y);
        assert_eq!(v, else_if_chain(x, y));
        let (ex, ey) = if x < -1.0 {
            (-y, -x)
        } else if x < 1.0 {
            (2.0 * x * y, x * x)
        } else {
            (1.0 / x, 2.0 * y)
        };
        assert_close("∂x", dx, ex, EXACTISH);
        assert_close("∂y", dy, ey, EXACTISH);
    }
}

// An `else if` chain as a statement whose arms assign different sets of variables: a and b
// merge after it from whichever arm ran.
//   x > y:        a = xy, b = sin y: f = xy sin y: ∂x = y sin y, ∂y = x sin y + xy cos y.
//   0 < x ≤ y:    a = x + 1, b = y:  f = (x + 1)y:  ∂x = y,       ∂y = x + 1.
//   x ≤ 0, x ≤ y: a = x, b = xy²:    f = x²y²:      ∂x = 2xy²,    ∂y = 2x²y.
#[grad]
fn else_if_statement(x: f64, y: f64) -> f64 {
    let mut a = x;
    let mut b = y;
    if x > y {
        a = x * y;
        b = b.sin();
    } else if x > 0.0 {
        a = a + 1.0;
    } else {
        b = a * b * b;
    }
    a * b
}

#[test]
fn else_if_statement_merges_each_variable_from_the_arm_that_ran() {
    for (x, y) in [(2.0, 1.0), (0.5, 1.5), (-0.7, 0.4), (-0.3, -1.2)] {
        let (v, dx, dy) = else_if_statement_grad(x, y);
        assert_eq!(v, else_if_statement(x, y));
        let (ex, ey) = if x > y {
            (y * y.sin(), x * y.sin() + x * y * y.cos())
        } else if x > 0.0 {
            (y, x + 1.0)
        } else {
            (2.0 * x * y * y, 2.0 * x * x * y)
        };
        assert_close("∂x", dx, ex, EXACTISH);
        assert_close("∂y", dy, ey, EXACTISH);
        check_f64(
            "else_if_statement",
            |q| else_if_statement(q[0], q[1]),
            &[x, y],
            &[dx, dy],
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Conditions: integers, bools, `&&`, `||`, `!`, comparisons of differentiated values.
// ---------------------------------------------------------------------------------------------

// Integer conditions (n: usize, k: i32 are constants, so x is the only active parameter).
//   n > 2 && k ≠ 0        → f = kx:  f' = k
//   n = 0 || k < −1       → f = x²:  f' = 2x
//   !(n = 1)              → f = sin x: f' = cos x
//   otherwise             → f = eˣ:  f' = eˣ
#[grad]
fn integer_conditions(x: f64, n: usize, k: i32) -> f64 {
    if n > 2 && k != 0 {
        x * k as f64
    } else if n == 0 || k < -1 {
        x * x
    } else if !(n == 1) {
        x.sin()
    } else {
        x.exp()
    }
}

#[test]
fn integer_conditions_with_and_or_not() {
    for x in [0.9_f64, -1.7] {
        // (n, k, expected f') with each arm taken at least once, `||` by either side.
        let cases = [
            (3, 2, 2.0),
            (4, -5, -5.0),
            (0, 0, 2.0 * x),
            (2, -3, 2.0 * x),
            (2, 0, x.cos()),
            (1, -1, x.exp()),
            (1, 7, x.exp()),
        ];
        for (n, k, expected) in cases {
            let (v, d) = integer_conditions_grad(x, n, k);
            assert_eq!(v, integer_conditions(x, n, k));
            assert_close(&format!("f' at n = {n}, k = {k}"), d, expected, EXACTISH);
        }
    }
}

// Bool parameters and `!`: r = xy; squared if `square`; negated times x if `negate`.
//   (F, F): f = xy:      ∂x = y,      ∂y = x
//   (T, F): f = x²y²:    ∂x = 2xy²,   ∂y = 2x²y
//   (F, T): f = −x²y:    ∂x = −2xy,   ∂y = −x²
//   (T, T): f = −x³y²:   ∂x = −3x²y², ∂y = −2x³y
#[grad]
fn bool_parameters(x: f64, y: f64, square: bool, negate: bool) -> f64 {
    let mut r = x * y;
    if square {
        r = r * r;
    }
    if !negate { r } else { -r * x }
}

#[test]
fn bool_parameters_choose_the_branch() {
    for (x, y) in [(1.3, -0.6), (-0.8, 2.1)] {
        for square in [false, true] {
            for negate in [false, true] {
                let (v, dx, dy) = bool_parameters_grad(x, y, square, negate);
                assert_eq!(v, bool_parameters(x, y, square, negate));
                let (ex, ey) = match (square, negate) {
                    (false, false) => (y, x),
                    (true, false) => (2.0 * x * y * y, 2.0 * x * x * y),
                    (false, true) => (-2.0 * x * y, -x * x),
                    (true, true) => (-3.0 * x * x * y * y, -2.0 * x * x * x * y),
                };
                assert_close("∂x", dx, ex, EXACTISH);
                assert_close("∂y", dy, ey, EXACTISH);
            }
        }
    }
}

// Conditions on differentiated intermediates, through a `bool` local, `&&` and `||`. The
// comparisons have no derivative.
//   (p > 1 && x > y) || p < −2 → f = px = x²y: ∂x = 2xy, ∂y = x²
//   otherwise                  → f = p + y:    ∂x = y,   ∂y = x + 1
#[grad]
fn float_conditions(x: f64, y: f64) -> f64 {
    let p = x * y;
    let big = p > 1.0;
    if (big && x > y) || p < -2.0 {
        p * x
    } else {
        p + y
    }
}

#[test]
fn float_conditions_have_no_derivative() {
    for (x, y) in [(2.0, 1.0), (1.0, 2.0), (-2.0, 1.5), (0.5, 0.5)] {
        let (v, dx, dy) = float_conditions_grad(x, y);
        assert_eq!(v, float_conditions(x, y));
        let p = x * y;
        let (ex, ey) = if (p > 1.0 && x > y) || p < -2.0 {
            (2.0 * x * y, x * x)
        } else {
            (y, x + 1.0)
        };
        assert_close("∂x", dx, ex, EXACTISH);
        assert_close("∂y", dy, ey, EXACTISH);
    }
}

// ---------------------------------------------------------------------------------------------
// Nested ifs.
// ---------------------------------------------------------------------------------------------

// Four quadrant-like paths, with a local (t) made inside the outer else; f = r·x.
//   x > 0, y > 0:           r = xy:        f = x²y:        ∂x = 2xy,               ∂y = x²
//   x > 0, y ≤ 0:           r = y sin x:   f = xy sin x:   ∂x = y(sin x + x cos x), ∂y = x sin x
//   x ≤ 0, x² > 1:          r = x²y:       f = x³y:        ∂x = 3x²y,              ∂y = x³
//   x ≤ 0, x² ≤ 1:          r = x² + eʸ:   f = x³ + x eʸ:  ∂x = 3x² + eʸ,          ∂y = x eʸ
#[grad]
fn nested_ifs(x: f64, y: f64) -> f64 {
    let mut r = x;
    if x > 0.0 {
        if y > 0.0 {
            r = r * y;
        } else {
            r = x.sin() * y;
        }
    } else {
        let t = x * x;
        if t > 1.0 {
            r = t * y;
        } else {
            r = t + y.exp();
        }
    }
    r * x
}

#[test]
fn nested_if_statements() {
    for (x, y) in [(1.2, 0.5), (0.8, -1.5), (-1.5, 0.6), (-0.5, -0.3)] {
        let (v, dx, dy) = nested_ifs_grad(x, y);
        assert_eq!(v, nested_ifs(x, y));
        let (ex, ey) = match (x > 0.0, y > 0.0, x * x > 1.0) {
            (true, true, _) => (2.0 * x * y, x * x),
            (true, false, _) => (y * (x.sin() + x * x.cos()), x * x.sin()),
            (false, _, true) => (3.0 * x * x * y, x * x * x),
            (false, _, false) => (3.0 * x * x + y.exp(), x * y.exp()),
        };
        assert_close("∂x", dx, ex, EXACTISH);
        assert_close("∂y", dy, ey, EXACTISH);
    }
}

// Nested if expressions; f = z².
//   x > 0, y > x:   z = y − x:  ∂x = −2z,          ∂y = 2z
//   x > 0, y ≤ x:   z = xy:     ∂x = 2z·y,         ∂y = 2z·x
//   x ≤ 0, x² > y:  z = x²:     ∂x = 2z·2x,        ∂y = 0
//   x ≤ 0, x² ≤ y:  z = x²y:    ∂x = 2z·2xy,       ∂y = 2z·x²
#[grad]
fn nested_if_expression(x: f64, y: f64) -> f64 {
    let z = if x > 0.0 {
        if y > x { y - x } else { x * y }
    } else {
        let w = x * x;
        if w > y { w } else { w * y }
    };
    z * z
}

#[test]
fn nested_if_expressions() {
    for (x, y) in [(0.5, 1.5), (1.5, 0.5), (-1.2, 0.3), (-0.4, 2.0)] {
        let (v, dx, dy) = nested_if_expression_grad(x, y);
        assert_eq!(v, nested_if_expression(x, y));
        let (ex, ey) = if x > 0.0 {
            if y > x {
                let z = y - x;
                (-2.0 * z, 2.0 * z)
            } else {
                let z = x * y;
                (2.0 * z * y, 2.0 * z * x)
            }
        } else if x * x > y {
            let z = x * x;
            (2.0 * z * 2.0 * x, 0.0)
        } else {
            let z = x * x * y;
            (2.0 * z * 2.0 * x * y, 2.0 * z * x * x)
        };
        assert_close("∂x", dx, ex, EXACTISH);
        assert_close("∂y", dy, ey, EXACTISH);
    }
}

// ---------------------------------------------------------------------------------------------
// Arrays merged by an if.
// ---------------------------------------------------------------------------------------------

// q = R(t)·p (a rotation) if t > 0, else [2p₀, t·p₁]; f = q₀² + 3q₁.
//   t > 0 (c = cos t, s = sin t): ∂p = 2q₀(c, −s) + 3(s, c); ∂t = −2q₀q₁ + 3q₀
//     (∂q₀/∂t = −q₁, ∂q₁/∂t = q₀).
//   t ≤ 0: f = 4p₀² + 3tp₁: ∂p = (8p₀, 3t), ∂t = 3p₁.
#[grad]
fn array_merged_by_if(p: [f64; 2], t: f64) -> f64 {
    let q = if t > 0.0 {
        [
            p[0] * t.cos() - p[1] * t.sin(),
            p[0] * t.sin() + p[1] * t.cos(),
        ]
    } else {
        [2.0 * p[0], p[1] * t]
    };
    q[0] * q[0] + 3.0 * q[1]
}

#[test]
fn fixed_array_merged_by_if_expression() {
    for (p, t) in [([1.5, -0.5], 0.7), ([-0.3, 2.0], -1.1), ([0.8, 0.4], 2.4)] {
        let (v, dp, dt) = array_merged_by_if_grad(p, t);
        let dp: [f64; 2] = dp;
        assert_eq!(v, array_merged_by_if(p, t));
        let (ep, et) = if t > 0.0 {
            let (c, s) = (t.cos(), t.sin());
            let q = [p[0] * c - p[1] * s, p[0] * s + p[1] * c];
            (
                [2.0 * q[0] * c + 3.0 * s, -2.0 * q[0] * s + 3.0 * c],
                -2.0 * q[0] * q[1] + 3.0 * q[0],
            )
        } else {
            ([8.0 * p[0], 3.0 * t], 3.0 * p[1])
        };
        assert_grad_close("∂p", (p, t), &dp, &ep, EXACTISH);
        assert_close("∂t", dt, et, EXACTISH);
    }
}

// v = [x, y²]; if x > y, v is rebuilt from itself as [v₁, v₀y]; f = 2v₀ + v₁v₀.
//   x > y: v = [y², xy]: f = 2y² + xy³: ∂x = y³,     ∂y = 4y + 3xy².
//   x ≤ y: v = [x, y²]:  f = 2x + xy²:  ∂x = 2 + y², ∂y = 2xy.
#[grad]
fn array_rebuilt_in_one_branch(x: f64, y: f64) -> f64 {
    let mut v = [x, y * y];
    if x > y {
        v = [v[1], v[0] * y];
    }
    v[0] * 2.0 + v[1] * v[0]
}

#[test]
fn fixed_array_assigned_in_one_branch() {
    for (x, y) in [(2.0, 0.5), (-0.5, 1.5), (0.3, -0.9)] {
        let (v, dx, dy) = array_rebuilt_in_one_branch_grad(x, y);
        assert_eq!(v, array_rebuilt_in_one_branch(x, y));
        let (ex, ey) = if x > y {
            (y * y * y, 4.0 * y + 3.0 * x * y * y)
        } else {
            (2.0 + y * y, 2.0 * x * y)
        };
        assert_close("∂x", dx, ex, EXACTISH);
        assert_close("∂y", dy, ey, EXACTISH);
    }
}

// An array output chosen by an if; the VJP with cotangent b = [b₀, b₁]:
//   x > y: out = [xy, x]:  ∂x = b₀y + b₁, ∂y = b₀x.
//   x ≤ y: out = [y, x²]:  ∂x = 2xb₁,     ∂y = b₀.
#[grad]
fn array_output_by_if(x: f64, y: f64) -> [f64; 2] {
    if x > y { [x * y, x] } else { [y, x * x] }
}

#[test]
fn array_output_chosen_by_if() {
    let b = [0.7, -1.3];
    for (x, y) in [(2.0, 0.5), (-0.5, 1.5)] {
        let (out, dx, dy) = array_output_by_if_vjp(x, y, b);
        assert_eq!(out, array_output_by_if(x, y));
        let (ex, ey) = if x > y {
            (b[0] * y + b[1], b[0] * x)
        } else {
            (2.0 * x * b[1], b[0])
        };
        assert_close("∂x", dx, ex, EXACTISH);
        assert_close("∂y", dy, ey, EXACTISH);
    }
}

// ndarray values merged by an if on a `bool` parameter: h = tanh(z) or sigmoid(z) with
// z = x·w + b; f = Σh². Checked against central differences.
#[grad(wrt(w, b))]
fn ndarray_merged_by_if(x: &Array2<f64>, w: &Array2<f64>, b: &Array1<f64>, smooth: bool) -> f64 {
    let z = x.dot(w) + b;
    let h = if smooth {
        nn::tanh(&z)
    } else {
        nn::sigmoid(&z)
    };
    (&h * &h).sum()
}

#[test]
fn ndarray_values_merged_by_if() {
    let x = array![[0.5, -1.0, 0.3], [2.0, 0.25, -0.7]];
    let w = array![[0.1, 0.2], [-0.3, 0.4], [0.6, -0.5]];
    let b = array![0.05, -0.1];
    for smooth in [true, false] {
        let (v, dw, db) = ndarray_merged_by_if_grad(&x, &w, &b, smooth);
        assert_eq!(v, ndarray_merged_by_if(&x, &w, &b, smooth));
        check::gradient(
            |(w, b): &(Array2<f64>, Array1<f64>)| ndarray_merged_by_if(&x, w, b, smooth),
            &(w.clone(), b.clone()),
            &(dw, db),
        )
        .assert_ok();
    }
}

// An ndarray local reassigned in one branch, on a condition computed from it.
//   y = sa; if Σy > 0 { y = exp(y) }; f = Σ yᵢaᵢ.
//   taken:     f = Σ aᵢ e^{s aᵢ}: ∂aᵢ = e^{s aᵢ}(1 + s aᵢ), ∂s = Σ aᵢ² e^{s aᵢ}.
//   not taken: f = s Σ aᵢ²:       ∂aᵢ = 2 s aᵢ,            ∂s = Σ aᵢ².
#[grad]
fn ndarray_reassigned_in_branch(a: &Array1<f64>, s: f64) -> f64 {
    let mut y = a * s;
    if y.sum() > 0.0 {
        y = nn::exp(&y);
    }
    (&y * a).sum()
}

#[test]
fn ndarray_local_reassigned_in_one_branch() {
    let a = array![0.5, -0.2, 0.8];
    for s in [1.2, -0.7] {
        let (v, da, ds) = ndarray_reassigned_in_branch_grad(&a, s);
        assert_eq!(v, ndarray_reassigned_in_branch(&a, s));
        let (ea, es): (Vec<f64>, f64) = if a.sum() * s > 0.0 {
            (
                a.iter()
                    .map(|&ai| (s * ai).exp() * (1.0 + s * ai))
                    .collect(),
                a.iter().map(|&ai| ai * ai * (s * ai).exp()).sum(),
            )
        } else {
            (
                a.iter().map(|&ai| 2.0 * s * ai).collect(),
                a.iter().map(|&ai| ai * ai).sum(),
            )
        };
        assert_grad_close("∂a", s, da.as_slice().unwrap(), &ea, EXACTISH);
        assert_close("∂s", ds, es, EXACTISH);
    }
}

// ---------------------------------------------------------------------------------------------
// The untaken branch is never evaluated (CONTROL_FLOW.md §5 #11, jax-ml/jax#347).
// ---------------------------------------------------------------------------------------------

// √x for x > 0, else 0: at x = −1 the gradient is 0 (a select of both branches gives NaN).
#[grad]
fn sqrt_or_zero(x: f64) -> f64 {
    if x > 0.0 { x.sqrt() } else { 0.0 }
}

// ln(x)·y for x > 0, else y: at x < 0 the gradient is (0, 1).
#[grad]
fn log_or_constant(x: f64, y: f64) -> f64 {
    if x > 0.0 { x.ln() * y } else { y }
}

// y/x away from 0, y·(1 + x) near it: at x = 0 the untaken y/x has derivative −y/0² = −∞, and
// 0·∞ would be NaN. The path that ran gives ∂x = y, ∂y = 1 + x.
#[grad]
fn guarded_division(x: f64, y: f64) -> f64 {
    if x.abs() > 0.5 { y / x } else { y * (1.0 + x) }
}

#[test]
fn untaken_branch_gives_no_nan() {
    let (v, d) = sqrt_or_zero_grad(-1.0);
    assert_eq!(v, 0.0);
    assert!(!d.is_nan(), "the untaken √x leaked a NaN into the gradient");
    assert_eq!(d, 0.0);
    let (v, d) = sqrt_or_zero_grad(4.0);
    assert_eq!(v, 2.0);
    assert_close("d√x at 4", d, 0.25, EXACTISH);

    for x in [-1.0, -0.25] {
        let (v, dx, dy) = log_or_constant_grad(x, 2.5);
        assert_eq!(v, 2.5);
        assert!(
            !dx.is_nan() && !dy.is_nan(),
            "NaN from the untaken ln at x = {x}"
        );
        assert_eq!(dx, 0.0);
        assert_close("∂y", dy, 1.0, EXACTISH);
    }
    let (_, dx, dy) = log_or_constant_grad(2.0, 2.5);
    assert_close("∂x", dx, 2.5 / 2.0, EXACTISH);
    assert_close("∂y", dy, 2.0_f64.ln(), EXACTISH);

    let (v, dx, dy) = guarded_division_grad(0.0, 3.0);
    assert_eq!(v, 3.0);
    assert!(
        !dx.is_nan() && !dy.is_nan(),
        "NaN from the untaken y/x at x = 0"
    );
    assert_close("∂x", dx, 3.0, EXACTISH);
    assert_close("∂y", dy, 1.0, EXACTISH);
    let (_, dx, dy) = guarded_division_grad(2.0, 3.0);
    assert_close("∂x", dx, -3.0 / 4.0, EXACTISH);
    assert_close("∂y", dy, 0.5, EXACTISH);
}

// A parameter read only in the untaken branch gets exactly zero.
//   use_y: f = x eʸ: ∂x = eʸ, ∂y = x eʸ.   !use_y: f = x²: ∂x = 2x, ∂y = 0.
#[grad]
fn only_in_untaken_branch(x: f64, y: f64, use_y: bool) -> f64 {
    if use_y { x * y.exp() } else { x * x }
}

#[test]
fn parameter_read_only_in_the_untaken_branch_has_zero_gradient() {
    for (x, y) in [(1.5, -0.4), (-0.6, 1.3)] {
        let (_, dx, dy) = only_in_untaken_branch_grad(x, y, false);
        assert_close("∂x", dx, 2.0 * x, EXACTISH);
        assert_eq!(dy, 0.0);
        let (_, dx, dy) = only_in_untaken_branch_grad(x, y, true);
        assert_close("∂x", dx, y.exp(), EXACTISH);
        assert_close("∂y", dy, x * y.exp(), EXACTISH);
    }
}

// ---------------------------------------------------------------------------------------------
// Branches calling other functions.
// ---------------------------------------------------------------------------------------------

/// softplus(x) = ln(1 + eˣ), with derivative σ(x) = 1/(1 + e⁻ˣ).
#[grad]
fn softplus(x: f64) -> f64 {
    (1.0 + x.exp()).ln()
}

fn sigma(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

// x > y: f = softplus(x)·y:     ∂x = σ(x)y,       ∂y = softplus(x).
// x ≤ y: f = softplus(y − x) + x: ∂x = 1 − σ(y − x), ∂y = σ(y − x).
#[grad]
fn branch_calls_grad_fn(x: f64, y: f64) -> f64 {
    if x > y {
        softplus(x) * y
    } else {
        softplus(y - x) + x
    }
}

#[test]
fn branch_calls_a_grad_function() {
    for (x, y) in [(1.5, -0.5), (-0.3, 0.8), (0.2, 2.5)] {
        let (v, dx, dy) = branch_calls_grad_fn_grad(x, y);
        assert_eq!(v, branch_calls_grad_fn(x, y));
        let (ex, ey) = if x > y {
            (sigma(x) * y, softplus(x))
        } else {
            (1.0 - sigma(y - x), sigma(y - x))
        };
        assert_close("∂x", dx, ex, EXACTISH);
        assert_close("∂y", dy, ey, EXACTISH);
    }
}

/// x³ with a hand-written pullback.
#[custom_vjp(pullback = cube_pullback)]
fn cube(x: f64) -> f64 {
    x * x * x
}

fn cube_pullback(x: f64, _y: f64, bar_y: f64) -> f64 {
    3.0 * x * x * bar_y
}

// c = x³y if y > 0, else xy; f = c + y³.
//   y > 0: ∂x = 3x²y, ∂y = x³ + 3y².   y ≤ 0: ∂x = y, ∂y = x + 3y².
#[grad]
fn branch_calls_custom_vjp(x: f64, y: f64) -> f64 {
    let c = if y > 0.0 { cube(x) * y } else { x * y };
    c + cube(y)
}

#[test]
fn branch_calls_a_custom_vjp_function() {
    for (x, y) in [(1.5, 0.5), (-0.7, -1.2)] {
        let (v, dx, dy) = branch_calls_custom_vjp_grad(x, y);
        assert_eq!(v, branch_calls_custom_vjp(x, y));
        let (ex, ey) = if y > 0.0 {
            (3.0 * x * x * y, x * x * x + 3.0 * y * y)
        } else {
            (y, x + 3.0 * y * y)
        };
        assert_close("∂x", dx, ex, EXACTISH);
        assert_close("∂y", dy, ey, EXACTISH);
    }
}

// ---------------------------------------------------------------------------------------------
// f32.
// ---------------------------------------------------------------------------------------------

// xy > 0.5: f = sin(xy); else f = x − y². In f32, against f32 central differences.
#[grad]
fn if_f32(x: f32, y: f32) -> f32 {
    if x * y > 0.5 {
        (x * y).sin()
    } else {
        x - y * y
    }
}

#[test]
fn if_in_f32() {
    for p in [[1.5_f32, 0.75], [0.25, -1.5], [-2.0, -0.5]] {
        let (v, dx, dy) = if_f32_grad(p[0], p[1]);
        assert_eq!(v, if_f32(p[0], p[1]));
        check_f32("if_f32", |q| if_f32(q[0], q[1]), &p, &[dx, dy]);
    }
}
