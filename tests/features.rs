//! Each construct of the body subset and each shape of signature `API.md` promises, in a
//! `#[grad]` function of its own, with the gradient checked against central finite differences
//! of the original function or a closed form worked by hand (derivation in the comment).

#![allow(
    clippy::needless_return,
    clippy::let_and_return,
    clippy::assign_op_pattern,
    clippy::ptr_arg,
    reason = "the #[grad] functions spell out the constructs under test"
)]

mod common;

use autodiff_runtime::grad;
use common::{EXACTISH, F64_TOL, assert_close, check_f32, check_f64, fd_grad};

const SCALE: f64 = 2.0;
const HALF: f32 = 0.5;
static OFFSET: f64 = 0.25;

/// The Jacobian of an array-valued function row by row: `vjp(e_k)` must equal the finite
/// differences of output `k`.
fn check_rows<const N: usize>(
    name: &str,
    f: impl Fn(&[f64]) -> [f64; N],
    vjp: impl Fn(&[f64], [f64; N]) -> Vec<f64>,
    point: &[f64],
) {
    for k in 0..N {
        let mut e = [0.0; N];
        e[k] = 1.0;
        let row = vjp(point, e);
        let reference = fd_grad(|p| f(p)[k], point);
        common::assert_grad_close(
            &format!("{name}, output {k}"),
            point,
            &row,
            &reference,
            F64_TOL,
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Bindings: shadowing, tuples, `let mut` and compound assignment, `return`.
// ---------------------------------------------------------------------------------------------

// a = x·y, then a = a² (shadowing): f = (xy)², ∂x = 2x y², ∂y = 2x² y.
#[grad]
fn shadowing(x: f64, y: f64) -> f64 {
    let a = x * y;
    let a = a * a;
    a
}

// Shadowing a parameter: x ← 3x, then x ← sin x: f = sin(3x)·y.
#[grad]
fn shadow_param(x: f64, y: f64) -> f64 {
    let x = x * 3.0;
    let x = x.sin();
    x * y
}

#[test]
fn shadowing_rebinds() {
    let (v, dx, dy) = shadowing_grad(1.5, -2.0);
    // xy = −3: f = 9, ∂x = 2·1.5·4 = 12, ∂y = 2·2.25·(−2) = −9, exact.
    assert_eq!((v, dx, dy), (9.0, 12.0, -9.0));
    assert_eq!(v, shadowing(1.5, -2.0));
    for p in [[0.3, 0.8], [-1.1, 2.5]] {
        let (_, dx, dy) = shadow_param_grad(p[0], p[1]);
        check_f64("shadow_param", |q| shadow_param(q[0], q[1]), &p, &[dx, dy]);
        // ∂x = 3 cos(3x)·y, ∂y = sin 3x.
        assert_close("∂x", dx, 3.0 * (3.0 * p[0]).cos() * p[1], EXACTISH);
        assert_close("∂y", dy, (3.0 * p[0]).sin(), EXACTISH);
    }
}

// Tuple lets: (c, s) = (cos t, sin t), then a swap (a, b) = (b, a) that must use the old values:
// a = r·c, b = r·s; after the swap the result a − 2b is r·s − 2r·c.
#[grad]
fn tuples(r: f64, t: f64) -> f64 {
    let (c, s) = (t.cos(), t.sin());
    let (a, b) = (r * c, r * s);
    let (a, b) = (b, a);
    a - 2.0 * b
}

// A tuple with `_` and a typed tuple pattern: keeps only the second element.
#[grad]
fn tuple_wild(x: f64, y: f64) -> f64 {
    let (_, q): (f64, f64) = (x.exp(), y * x);
    let (p, _) = (q * q, y.ln());
    p
}

#[test]
fn tuple_lets_and_swap() {
    for p in [[1.5, 0.4], [-0.7, 2.2]] {
        let (r, t) = (p[0], p[1]);
        let (v, dr, dt) = tuples_grad(r, t);
        // f = r sin t − 2r cos t: ∂r = sin t − 2 cos t, ∂t = r cos t + 2r sin t.
        assert_close("value", v, r * t.sin() - 2.0 * r * t.cos(), EXACTISH);
        assert_close("∂r", dr, t.sin() - 2.0 * t.cos(), EXACTISH);
        assert_close("∂t", dt, r * t.cos() + 2.0 * r * t.sin(), EXACTISH);
        check_f64("tuples", |q| tuples(q[0], q[1]), &p, &[dr, dt]);
    }
    // f = (xy)²: ∂x = 2x y², ∂y = 2x² y; at (1.5, −2): (12, −9), exact.
    assert_eq!(tuple_wild_grad(1.5, -2.0), (9.0, 12.0, -9.0));
    assert_eq!(tuple_wild(1.5, -2.0), 9.0);
}

// `let mut` with every assignment operator:
//   m = x; m += y (x + y); m *= x ((x + y)x); m -= y ((x + y)x − y); m /= y (((x + y)x − y)/y);
//   m = m·m (square).
#[grad]
fn mutation(x: f64, y: f64) -> f64 {
    let mut m = x;
    m += y;
    m *= x;
    m -= y;
    m /= y;
    m = m * m;
    m
}

// Accumulating into a constant start: s = 0; s += x; s *= y; s -= 1; s /= 2, so s = (xy − 1)/2
// with ∂x = y/2, ∂y = x/2; in f32, exact at small integers.
#[grad]
fn accumulate_f32(x: f32, y: f32) -> f32 {
    let mut s = 0.0;
    s += x;
    s *= y;
    s -= 1.0;
    s /= 2.0;
    s
}

// `return` at the end.
#[grad]
fn tail_return(x: f64, y: f64) -> f64 {
    let a = x / y;
    return a.exp() * y;
}

#[test]
fn let_mut_and_compound_assignment() {
    for p in [[1.5, 0.5], [-0.7, 2.2], [3.0, -1.25]] {
        let (v, dx, dy) = mutation_grad(p[0], p[1]);
        assert_eq!(v, mutation(p[0], p[1]));
        check_f64("mutation", |q| mutation(q[0], q[1]), &p, &[dx, dy]);
        // Closed form: g = ((x + y)x − y)/y = (x² + xy)/y − 1, f = g²:
        //   ∂g/∂x = (2x + y)/y, ∂g/∂y = x/y − (x² + xy)/y² − 0 = −x²/y²; ∂f = 2g ∂g.
        let (x, y) = (p[0], p[1]);
        let g = (x * x + x * y) / y - 1.0;
        assert_close("∂x", dx, 2.0 * g * (2.0 * x + y) / y, 1e-12_f64.into_tol());
        assert_close("∂y", dy, 2.0 * g * (-x * x / (y * y)), 1e-12_f64.into_tol());
    }
    assert_eq!(accumulate_f32_grad(2.0, 3.0), (2.5, 1.5, 1.0));
    let (_, dx, dy) = accumulate_f32_grad(0.3, -1.7);
    check_f32(
        "accumulate_f32",
        |q| accumulate_f32(q[0], q[1]),
        &[0.3, -1.7],
        &[dx, dy],
    );
}

#[test]
fn return_at_the_end() {
    for p in [[1.5, 0.5], [-0.7, 2.2]] {
        let (v, dx, dy) = tail_return_grad(p[0], p[1]);
        assert_eq!(v, tail_return(p[0], p[1]));
        // f = y e^{x/y}: ∂x = e^{x/y}, ∂y = e^{x/y} − (x/y) e^{x/y}.
        let e = (p[0] / p[1]).exp();
        assert_close("∂x", dx, e, EXACTISH);
        assert_close("∂y", dy, e - p[0] / p[1] * e, EXACTISH);
        check_f64("tail_return", |q| tail_return(q[0], q[1]), &p, &[dx, dy]);
    }
}

// ---------------------------------------------------------------------------------------------
// Constants, literals, unary minus, call syntax.
// ---------------------------------------------------------------------------------------------

// Literals, a `const`, a `static`, a path constant and a constant computed into a local.
//   f = SCALE·x² + π·y + OFFSET − 3 + k·x with k = SCALE·2.5 = 5
#[grad]
fn constants(x: f64, y: f64) -> f64 {
    let k = SCALE * 2.5;
    SCALE * x * x + std::f64::consts::PI * y + OFFSET - 3.0 + k * x
}

// The same in f32 with `std::f32::consts` and an f32 `const`.
//   f = HALF·x² + π·x + c·x with c = sin(2·HALF) = sin 1
#[grad]
fn constants_f32(x: f32) -> f32 {
    let c = (HALF * 2.0).sin();
    HALF * x * x + std::f32::consts::PI * x + c * x
}

// Unary minus of a variable, of a method call, of a parenthesised expression and of a literal.
//   f = −x · −(y.sin()) + −(x − y) + (−2.0)·y = x sin y − x + y − 2y
#[grad]
fn unary_minus(x: f64, y: f64) -> f64 {
    let a = -x;
    let b = -y.sin();
    a * b + -(x - y) + (-2.0) * y
}

// `f64::sin(x)` call syntax, with one and two arguments.
//   f = sin x + hypot(x, y) + atan2(y, x) + x^y
#[grad]
fn call_syntax(x: f64, y: f64) -> f64 {
    f64::sin(x) + f64::hypot(x, y) + f64::atan2(y, x) + f64::powf(x, y)
}

#[grad]
fn call_syntax_f32(x: f32, y: f32) -> f32 {
    f32::cos(x) * f32::mul_add(x, y, 1.0) + f32::max(x, y)
}

#[test]
fn constants_literals_and_paths() {
    for p in [[1.5, 0.5], [-0.7, 2.2]] {
        let (v, dx, dy) = constants_grad(p[0], p[1]);
        assert_eq!(v, constants(p[0], p[1]));
        // ∂x = 2·SCALE·x + 5, ∂y = π.
        assert_close("∂x", dx, 4.0 * p[0] + 5.0, EXACTISH);
        assert_close("∂y", dy, std::f64::consts::PI, EXACTISH);
    }
    // ∂x = 2·HALF·x + π + sin 1 = x + π + sin 1.
    let (v, d) = constants_f32_grad(1.5);
    assert_eq!(v, constants_f32(1.5));
    let expected = 1.5 + std::f64::consts::PI + 1.0_f64.sin();
    assert!((f64::from(d) - expected).abs() < 1e-6, "{d} vs {expected}");
    check_f32("constants_f32", |q| constants_f32(q[0]), &[1.5], &[d]);
}

#[test]
fn unary_minus_everywhere() {
    for p in [[1.5, 0.5], [-0.7, 2.2]] {
        let (x, y) = (p[0], p[1]);
        let (v, dx, dy) = unary_minus_grad(x, y);
        assert_eq!(v, unary_minus(x, y));
        // f = x sin y − x − y: ∂x = sin y − 1, ∂y = x cos y − 1.
        assert_close("∂x", dx, y.sin() - 1.0, EXACTISH);
        assert_close("∂y", dy, x * y.cos() - 1.0, EXACTISH);
        check_f64("unary_minus", |q| unary_minus(q[0], q[1]), &p, &[dx, dy]);
    }
}

#[test]
fn method_call_syntax() {
    for p in [[1.5, 0.5], [0.7, 2.2]] {
        let (v, dx, dy) = call_syntax_grad(p[0], p[1]);
        assert_eq!(v, call_syntax(p[0], p[1]));
        check_f64("call_syntax", |q| call_syntax(q[0], q[1]), &p, &[dx, dy]);
        let p32 = [p[0] as f32, p[1] as f32];
        let (v, dx, dy) = call_syntax_f32_grad(p32[0], p32[1]);
        assert_eq!(v, call_syntax_f32(p32[0], p32[1]));
        check_f32(
            "call_syntax_f32",
            |q| call_syntax_f32(q[0], q[1]),
            &p32,
            &[dx, dy],
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Arrays and slices.
// ---------------------------------------------------------------------------------------------

// A fixed array by value and by reference, indexed by literals and by an integer parameter.
//   f = a[0]·b[i] + a[2]/b[0] + a[i]²
#[grad]
fn arrays(a: [f64; 3], b: &[f64; 2], i: usize) -> f64 {
    a[0] * b[i] + a[2] / b[0] + a[i] * a[i]
}

// `&[f64]` and `&Vec<f64>` parameters: gradients are `Vec<f64>`. `len` is a constant.
//   f = (xs[0]·ys[i] + xs[n−1]·ys[0]) / n with n = xs.len()
// (`Vec<f64>` by value does not compile at present: see the test report.)
#[grad]
fn slices(xs: &[f64], ys: &Vec<f64>, i: usize) -> f64 {
    let n = xs.len() as f64;
    let last = xs.len() - 1;
    (xs[0] * ys[i] + xs[last] * ys[0]) / n
}

// A slice of f32, with an index computed from a parameter.
#[grad]
fn slice_f32(xs: &[f32], i: usize) -> f32 {
    xs[i + 1] * xs[i].sin()
}

// Array literals as values, indexed again and passed around whole.
//   v = [x, y, xy]; w = v; f = w[i]·v[0] + w[2]
#[grad]
fn array_literals(x: f64, y: f64, i: usize) -> f64 {
    let v = [x, y, x * y];
    let w = v;
    w[i] * v[0] + w[2]
}

// A constant array indexed by a parameter.
const WEIGHTS: [f64; 3] = [1.0, -2.0, 0.5];

#[grad]
fn const_array(x: f64, i: usize) -> f64 {
    WEIGHTS[i] * x * x + WEIGHTS[0] * x
}

#[test]
fn fixed_arrays_by_value_and_reference() {
    for i in 0..2 {
        let (a, b) = ([1.5, -0.5, 2.0], [0.75, -1.25]);
        let (v, da, db) = arrays_grad(a, &b, i);
        assert_eq!(v, arrays(a, &b, i));
        let da: [f64; 3] = da; // the gradient of `[f64; 3]` is `[f64; 3]`
        let db: [f64; 2] = db; // and of `&[f64; 2]` is `[f64; 2]`
        let f = |q: &[f64]| arrays([q[0], q[1], q[2]], &[q[3], q[4]], i);
        check_f64(
            "arrays",
            f,
            &[a.as_slice(), &b].concat(),
            &[da.as_slice(), &db].concat(),
        );
    }
}

#[test]
fn slices_and_vecs() {
    let (xs, ys) = ([1.5, -0.5, 2.0], vec![0.75, -1.25, 3.0, 0.1]);
    for i in [1, 3] {
        let (v, dxs, dys) = slices_grad(&xs, &ys, i);
        assert_eq!(v, slices(&xs, &ys, i));
        let (dxs, dys): (Vec<f64>, Vec<f64>) = (dxs, dys);
        assert_eq!((dxs.len(), dys.len()), (3, 4));
        let f = |q: &[f64]| slices(&q[..3], &q[3..].to_vec(), i);
        check_f64(
            "slices",
            f,
            &[xs.as_slice(), &ys].concat(),
            &[dxs, dys].concat(),
        );
    }
    let xs = [0.3_f32, -1.2, 2.5, 0.8];
    for i in 0..3 {
        let (v, d) = slice_f32_grad(&xs, i);
        assert_eq!(v, slice_f32(&xs, i));
        check_f32("slice_f32", |q| slice_f32(q, i), &xs, &d);
    }
}

#[test]
fn array_literals_and_constant_arrays() {
    // f = w[i]·x + xy: i = 0 gives x² + xy (∂x = 2x + y, ∂y = x); i = 1 gives 2xy
    // (∂x = 2y, ∂y = 2x); at (2, 3) all exact.
    assert_eq!(array_literals_grad(2.0, 3.0, 0), (10.0, 7.0, 2.0));
    assert_eq!(array_literals_grad(2.0, 3.0, 1), (12.0, 6.0, 4.0));
    assert_eq!(array_literals(2.0, 3.0, 2), 18.0);
    let (_, dx, dy) = array_literals_grad(0.3, -0.9, 2);
    check_f64(
        "array_literals",
        |q| array_literals(q[0], q[1], 2),
        &[0.3, -0.9],
        &[dx, dy],
    );
    // f = W[i] x² + x: ∂x = 2 W[i] x + 1.
    for (i, w) in WEIGHTS.iter().enumerate() {
        let (v, d) = const_array_grad(1.5, i);
        assert_eq!(v, const_array(1.5, i));
        assert_eq!(d, 2.0 * w * 1.5 + 1.0);
    }
}

// Array outputs: the VJP takes an array cotangent.
//   out = [x·y, sin x + y²]
#[grad]
fn array_out(x: f64, y: f64) -> [f64; 2] {
    let s = x.sin();
    [x * y, s + y * y]
}

// Array in, array out, with a constant element, a repeated element and a rebuilt local array.
//   v = [x0, x1]; v = [2·v[1], v[0]]; out = [v[0], v[1], 1, v[0]]
#[grad]
fn array_through(x: [f64; 2]) -> [f64; 4] {
    let mut v = [x[0], x[1]];
    v = [v[1] * 2.0, v[0]];
    [v[0], v[1], 1.0, v[0]]
}

// The output is a parameter passed through.
#[grad]
fn identity_array(x: [f64; 2]) -> [f64; 2] {
    x
}

#[test]
fn array_outputs() {
    let (v, dx, dy) = array_out_vjp(0.5, -1.5, [1.0, 0.0]);
    // Row 0 of the Jacobian: ∂(xy) = (y, x).
    assert_eq!((v, dx, dy), (array_out(0.5, -1.5), -1.5, 0.5));
    check_rows(
        "array_out",
        |q| array_out(q[0], q[1]),
        |q, bar: [f64; 2]| {
            let (_, a, b) = array_out_vjp(q[0], q[1], bar);
            vec![a, b]
        },
        &[0.5, -1.5],
    );
    // VJP with [u0, u1, u2, u3]: out = [2x1, x0, 1, 2x1] so bar_x = [u1, 2u0 + 2u3].
    let (v, bar) = array_through_vjp([3.0, 5.0], [1.0, 10.0, 100.0, 1000.0]);
    assert_eq!(v, [10.0, 3.0, 1.0, 10.0]);
    assert_eq!(v, array_through([3.0, 5.0]));
    assert_eq!(bar, [10.0, 2002.0]);
    assert_eq!(
        identity_array_vjp([1.0, 2.0], [3.0, 4.0]),
        ([1.0, 2.0], [3.0, 4.0])
    );
    assert_eq!(identity_array([1.0, 2.0]), [1.0, 2.0]);
}

// ---------------------------------------------------------------------------------------------
// Which parameters are active.
// ---------------------------------------------------------------------------------------------

// `wrt` narrows to the listed parameters, in parameter order whatever the order in `wrt`.
#[grad(wrt(z, x))]
fn narrowed(x: f64, y: f64, z: [f64; 2]) -> f64 {
    x * y + z[0] * z[1] * y
}

// `wrt` with one parameter: a pair.
#[grad(wrt(y))]
fn narrowed_one(x: f64, y: f64) -> f64 {
    x.exp() * y.sin()
}

// Integer and bool parameters are constants.
//   f = x^n · k + x·m, with k = n as f64 and m = flag as i32 as f64
#[grad]
fn integer_and_bool(x: f64, n: i32, flag: bool, count: usize) -> f64 {
    let k = n as f64;
    let m = flag as i32 as f64;
    x.powi(n) * k + x * m + count as f64
}

// One active parameter returns `(value, grad)`.
#[grad]
fn one_active(x: f64) -> f64 {
    x.sin() * x
}

// A parameter that is unused gets a zero gradient (of its own type).
#[grad]
fn unused_param(x: f64, _y: f64, _a: [f64; 2], _s: &[f64]) -> f64 {
    x * 3.0
}

// A value computed but never used, and an unused parameter's gradient among used ones.
#[grad]
fn unused_value(x: f64, y: f64) -> f64 {
    let _z = y.sin();
    let _w = x.exp() * y;
    x * 3.0
}

// The output does not depend on any active parameter.
#[grad]
fn inactive_output(x: f64, n: i32) -> f64 {
    let _u = x;
    (n as f64) * 3.0
}

// The output is a literal.
#[grad]
fn constant_output(_x: f64) -> f64 {
    2.0
}

// The output is a parameter itself.
#[grad]
fn passthrough(x: f64, y: f64) -> f64 {
    let _s = y.sin();
    x
}

#[test]
fn wrt_narrows_the_result() {
    // ∂x = y, ∂z = [z1·y, z0·y]; no ∂y.
    let (v, dx, dz): (f64, f64, [f64; 2]) = narrowed_grad(1.5, -2.0, [0.5, 4.0]);
    assert_eq!(v, narrowed(1.5, -2.0, [0.5, 4.0]));
    assert_eq!((dx, dz), (-2.0, [-8.0, -1.0]));
    let (v, dx, dz) = narrowed_vjp(1.5, -2.0, [0.5, 4.0], 0.5);
    assert_eq!((v, dx, dz), (-7.0, -1.0, [-4.0, -0.5]));
    // ∂y e^x sin y = e^x cos y.
    let (v, dy): (f64, f64) = narrowed_one_grad(0.5, 1.25);
    assert_eq!(v, narrowed_one(0.5, 1.25));
    assert_close("∂y", dy, 0.5_f64.exp() * 1.25_f64.cos(), EXACTISH);
}

#[test]
fn integer_and_bool_parameters_are_constants() {
    for (n, flag) in [(3, true), (-2, false), (0, true)] {
        let (v, d): (f64, f64) = integer_and_bool_grad(1.5, n, flag, 7);
        assert_eq!(v, integer_and_bool(1.5, n, flag, 7));
        // ∂x = n·x^(n−1)·n + m.
        let m = if flag { 1.0 } else { 0.0 };
        let expected = if n == 0 {
            m
        } else {
            f64::from(n) * 1.5_f64.powi(n - 1) * f64::from(n) + m
        };
        assert_close("∂x", d, expected, EXACTISH);
        check_f64(
            "integer_and_bool",
            |q| integer_and_bool(q[0], n, flag, 7),
            &[1.5],
            &[d],
        );
    }
}

#[test]
fn one_active_parameter_is_a_pair() {
    let (v, d): (f64, f64) = one_active_grad(0.8);
    assert_eq!(v, one_active(0.8));
    // ∂x x sin x = sin x + x cos x.
    assert_close("∂x", d, 0.8_f64.sin() + 0.8 * 0.8_f64.cos(), EXACTISH);
    let (_, d2): (f64, f64) = one_active_vjp(0.8, -2.0);
    assert_close("vjp", d2, -2.0 * d, EXACTISH);
}

#[test]
fn unused_things_get_zero() {
    let (v, dx, dy, da, ds) = unused_param_grad(2.0, 5.0, [1.0, 2.0], &[1.0, 2.0, 3.0]);
    assert_eq!(v, unused_param(2.0, 5.0, [1.0, 2.0], &[1.0, 2.0, 3.0]));
    assert_eq!(
        (dx, dy, da, ds),
        (3.0, 0.0, [0.0, 0.0], vec![0.0, 0.0, 0.0])
    );
    assert_eq!(unused_value_grad(2.0, 5.0), (6.0, 3.0, 0.0));
    assert_eq!(unused_value(2.0, 5.0), 6.0);
    assert_eq!(inactive_output_grad(2.0, 4), (12.0, 0.0));
    assert_eq!(inactive_output(2.0, 4), 12.0);
    assert_eq!(constant_output_grad(2.0), (2.0, 0.0));
    assert_eq!(constant_output_vjp(2.0, 5.0), (2.0, 0.0));
    assert_eq!(constant_output(2.0), 2.0);
    assert_eq!(passthrough_grad(2.0, 5.0), (2.0, 1.0, 0.0));
    assert_eq!(passthrough_vjp(2.0, 5.0, -3.0), (2.0, -3.0, 0.0));
    assert_eq!(passthrough(2.0, 5.0), 2.0);
}

// ---------------------------------------------------------------------------------------------
// The split halves, and visibility.
// ---------------------------------------------------------------------------------------------

// f = x·y + sin(x·y), as in the design.
#[grad]
fn split_me(x: f64, y: f64) -> f64 {
    let a = x * y;
    let b = a.sin();
    a + b
}

#[test]
fn split_halves_and_residuals_name() {
    let (value, residuals): (f64, SplitMeResiduals) = split_me_fwd(2.0, 3.0);
    assert_eq!(value, split_me(2.0, 3.0));
    // The caller may inspect the value before deciding to run the reverse half.
    assert!(value.is_finite());
    let (dx, dy): (f64, f64) = split_me_bwd(residuals, 1.0);
    // ∂x = y(1 + cos xy), ∂y = x(1 + cos xy).
    assert_close("∂x", dx, 3.0 * (1.0 + 6.0_f64.cos()), EXACTISH);
    assert_close("∂y", dy, 2.0 * (1.0 + 6.0_f64.cos()), EXACTISH);
    // The same as the VJP, bit for bit, with any cotangent.
    let (_, residuals) = split_me_fwd(2.0, 3.0);
    let (v, bx, by) = split_me_vjp(2.0, 3.0, -0.5);
    assert_eq!(v, value);
    assert_eq!(split_me_bwd(residuals, -0.5), (bx, by));
}

// The residuals struct of an array function keeps borrowed parameters: it is generic over a
// lifetime, and the halves work when called apart.
#[grad(wrt(cam))]
fn split_array(cam: &[f64; 3], x: [f64; 2], i: usize) -> [f64; 2] {
    let u = cam[0] * x[0] + cam[i];
    [u.atan2(x[1]), cam[2] - u]
}

#[test]
fn split_halves_of_an_array_function() {
    let cam = [1.0, 2.0, 3.0];
    let (value, residuals) = split_array_fwd(&cam, [0.5, 0.25], 1);
    let bar = split_array_bwd(residuals, [1.0, 0.0]);
    let (v, bar2) = split_array_vjp(&cam, [0.5, 0.25], 1, [1.0, 0.0]);
    assert_eq!((value, bar), (v, bar2));
    check_rows(
        "split_array",
        |q| split_array(&[q[0], q[1], q[2]], [0.5, 0.25], 1),
        |q, b: [f64; 2]| {
            split_array_vjp(&[q[0], q[1], q[2]], [0.5, 0.25], 1, b)
                .1
                .to_vec()
        },
        &cam,
    );
}

mod visibility {
    use autodiff_runtime::grad;

    // f = x³ + y: ∂x = 3x², ∂y = 1.
    #[grad]
    pub fn public(x: f64, y: f64) -> f64 {
        x * x * x + y
    }

    #[grad]
    pub(crate) fn crate_visible(x: f64) -> f64 {
        x * 2.0
    }
}

#[test]
fn visibility_is_preserved() {
    assert_eq!(visibility::public_grad(2.0, 1.0), (9.0, 12.0, 1.0));
    assert_eq!(visibility::public_vjp(2.0, 1.0, 2.0), (9.0, 24.0, 2.0));
    let (v, r): (f64, visibility::PublicResiduals) = visibility::public_fwd(2.0, 1.0);
    assert_eq!(v, visibility::public(2.0, 1.0));
    assert_eq!(visibility::public_bwd(r, 1.0), (12.0, 1.0));
    assert_eq!(visibility::crate_visible_grad(3.0), (6.0, 2.0));
    assert_eq!(visibility::crate_visible(3.0), 6.0);
}

// ---------------------------------------------------------------------------------------------
// The former smoke test's functions, now checked.
// ---------------------------------------------------------------------------------------------

#[grad]
fn smoke_shadow(x: f64, y: f64) -> f64 {
    let a = x * y;
    let a = a * a + SCALE;
    let (c, s) = (a.cos(), x.sin());
    let mut m = c;
    m += s;
    m *= 2.0;
    m = m - x / y;
    return m.powi(2) + std::f64::consts::PI * y.powf(1.5);
}

#[grad(wrt(cam))]
fn smoke_arr(cam: &[f64; 3], x: [f64; 2], i: usize) -> [f64; 2] {
    let u = cam[0] * x[0] + cam[i];
    let v = [u, cam[2] - x[1]];
    [v[1] * v[0], u.hypot(v[1])]
}

#[grad]
fn smoke_slice(xs: &[f64], n: usize) -> f64 {
    let k = n as f64;
    xs[0] * xs[1] / k - (-2.0) * xs[n].atan2(xs[0])
}

#[grad]
fn smoke_f32s(x: f32, y: f32) -> f32 {
    x.max(y) * x.mul_add(y, 1.0_f32)
}

#[grad]
fn smoke_unused(x: f64, y: f64) -> f64 {
    let _z = y.sin();
    x * 3.0
}

#[test]
fn smoke_cases() {
    for p in [[0.3, 0.7], [-0.4, 1.3]] {
        let (v, dx, dy) = smoke_shadow_grad(p[0], p[1]);
        assert_eq!(v, smoke_shadow(p[0], p[1]));
        check_f64("smoke_shadow", |q| smoke_shadow(q[0], q[1]), &p, &[dx, dy]);
    }

    let cam = [1.0, 2.0, 3.0];
    for i in 0..3 {
        check_rows(
            "smoke_arr",
            |q| smoke_arr(&[q[0], q[1], q[2]], [0.5, 0.25], i),
            |q, b: [f64; 2]| {
                smoke_arr_vjp(&[q[0], q[1], q[2]], [0.5, 0.25], i, b)
                    .1
                    .to_vec()
            },
            &cam,
        );
    }

    let xs = [1.0, 2.0, 3.0];
    for n in 1..3 {
        let (v, g) = smoke_slice_grad(&xs, n);
        assert_eq!(v, smoke_slice(&xs, n));
        check_f64("smoke_slice", |q| smoke_slice(q, n), &xs, &g);
    }

    // x.max(y)·(xy + 1): at (1, 2) max is y: f = y(xy + 1), ∂x = y², ∂y = 2xy + 1; exact.
    assert_eq!(smoke_f32s_grad(1.0, 2.0), (6.0, 4.0, 5.0));
    // At (2, 1) max is x: f = x(xy + 1), ∂x = 2xy + 1, ∂y = x².
    assert_eq!(smoke_f32s_grad(2.0, 1.0), (6.0, 5.0, 4.0));
    assert_eq!(smoke_f32s(2.0, 1.0), 6.0);

    assert_eq!(smoke_unused_grad(1.0, 2.0), (3.0, 3.0, 0.0));
    assert_eq!(smoke_unused(1.0, 2.0), 3.0);
}

/// A relative tolerance as a [`common::Tol`].
trait IntoTol {
    fn into_tol(self) -> common::Tol;
}

impl IntoTol for f64 {
    fn into_tol(self) -> common::Tol {
        common::Tol {
            rel: self,
            abs: self,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// f32 containers, generic functions, residuals names.
// ---------------------------------------------------------------------------------------------

// out = [x0·ys[1] + r[1], sin(x1)·2·r[0]]
#[grad]
fn f32_arrays(x: [f32; 2], ys: &[f32], r: &[f32; 2]) -> [f32; 2] {
    let s = x[0] * ys[1] + r[1];
    [s, x[1].sin() * 2.0 * r[0]]
}

#[test]
fn f32_containers() {
    let (x, ys, r) = ([1.0_f32, 2.0], [3.0_f32, 4.0, 5.0], [0.5_f32, -1.5]);
    // With the cotangent [1, 1]: bar_x = [ys1, 2 r0 cos x1], bar_ys = [0, x0, 0],
    // bar_r = [2 sin x1, 1].
    let (v, bx, bys, br) = f32_arrays_vjp(x, &ys, &r, [1.0, 1.0]);
    assert_eq!(v, f32_arrays(x, &ys, &r));
    let (bx, bys, br): ([f32; 2], Vec<f32>, [f32; 2]) = (bx, bys, br);
    assert_eq!(bx[0], 4.0);
    assert!((bx[1] - 2.0_f32.cos()).abs() < 1e-6, "{bx:?}");
    assert_eq!(bys, vec![0.0, 1.0, 0.0]);
    assert!(
        (br[0] - 2.0 * 2.0_f32.sin()).abs() < 1e-6 && br[1] == 1.0,
        "{br:?}"
    );
}

// A generic float function; f = sin(x)·y, ∂x = cos(x)·y, ∂y = sin x.
#[grad]
fn generic<T: autodiff_runtime::Float>(x: T, y: T) -> T {
    x.sin() * y
}

#[test]
fn generic_functions() {
    for p in [[0.5, 2.0], [-1.25, 0.75]] {
        let (v, dx, dy) = generic_grad(p[0], p[1]);
        assert_eq!(v, generic(p[0], p[1]));
        check_f64("generic::<f64>", |q| generic(q[0], q[1]), &p, &[dx, dy]);
        let p32 = [p[0] as f32, p[1] as f32];
        let (v, dx, dy) = generic_grad(p32[0], p32[1]);
        assert_eq!(v, generic(p32[0], p32[1]));
        check_f32("generic::<f32>", |q| generic(q[0], q[1]), &p32, &[dx, dy]);
    }
}

mod residual_names {
    use autodiff_runtime::grad;

    // f = x², ∂x = 2x.
    #[grad]
    pub fn f(x: f64) -> f64 {
        x * x
    }

    // mlp_loss = (w·x − 1)², ∂w = 2(wx − 1)x.
    #[grad(wrt(w))]
    pub fn mlp_loss(w: f64, x: f64) -> f64 {
        let e = w * x - 1.0;
        e * e
    }
}

#[test]
fn residuals_are_named_after_the_function() {
    let (v, r): (f64, residual_names::FResiduals) = residual_names::f_fwd(3.0);
    assert_eq!(v, 9.0);
    assert_eq!(residual_names::f_bwd(r, 1.0), 6.0);
    let (v, r): (f64, residual_names::MlpLossResiduals) = residual_names::mlp_loss_fwd(2.0, 3.0);
    // e = 5: value 25, ∂w = 2·5·3 = 30.
    assert_eq!(v, 25.0);
    assert_eq!(residual_names::mlp_loss_bwd(r, 1.0), 30.0);
    assert_eq!(residual_names::f(3.0), 9.0);
    assert_eq!(residual_names::mlp_loss(2.0, 3.0), 25.0);
}

/// Several outputs: `f_vjp` takes a tuple of cotangents, one per output.
#[grad]
fn polar(r: f64, t: f64) -> (f64, [f64; 2]) {
    let (c, s) = (t.cos(), t.sin());
    (r * r, [r * c, r * s])
}

#[test]
fn tuple_output_takes_a_tuple_of_cotangents() {
    let (r, t) = (2.0_f64, 0.5_f64);
    let (value, bar_r, bar_t) = polar_vjp(r, t, (1.0, [0.5, -1.0]));
    assert_eq!(value, polar(r, t));
    // By hand: ∂/∂r = 2r·1 + cos t·0.5 − sin t·1, ∂/∂t = −r sin t·0.5 − r cos t·1.
    let (c, s) = (t.cos(), t.sin());
    assert!((bar_r - (2.0 * r + 0.5 * c - s)).abs() < 1e-12);
    assert!((bar_t - (-0.5 * r * s - r * c)).abs() < 1e-12);
}
