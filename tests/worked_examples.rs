//! The worked examples of the design, checked against derivatives worked by hand, and a self-test
//! of the finite-difference references the other test files rely on.

mod common;

use autodiff_runtime::grad;
use common::{EXACTISH, F32_TOL, F64_TOL, assert_close, check_f32, check_f64, close, fd_grad};

// ---------------------------------------------------------------------------------------------
// (a) L = a + sin(a), a = x·y.
//
//   ∂L/∂a = 1 + cos a
//   ∂L/∂x = ∂L/∂a · ∂a/∂x = y (1 + cos xy)
//   ∂L/∂y = ∂L/∂a · ∂a/∂y = x (1 + cos xy)
//
// At x = 2, y = 3: a = 6, L = 6 + sin 6, ∂L/∂x = 3 (1 + cos 6), ∂L/∂y = 2 (1 + cos 6).
// Numerically (computed separately, in Python's math module):
//   sin 6 = −0.279415498198926, cos 6 = 0.960170286650366,
//   L = 5.720584501801074, ∂L/∂x = 5.880510859951098, ∂L/∂y = 3.920340573300732.
// ---------------------------------------------------------------------------------------------

#[grad]
fn seed(x: f64, y: f64) -> f64 {
    let a = x * y;
    let b = a.sin();
    a + b
}

#[test]
fn seed_value_and_gradient_match_the_closed_form() {
    let (l, dx, dy) = seed_grad(2.0, 3.0);
    assert_eq!(l, seed(2.0, 3.0));
    assert_close("L", l, 6.0 + 6.0_f64.sin(), EXACTISH);
    assert_close("∂L/∂x", dx, 3.0 * (1.0 + 6.0_f64.cos()), EXACTISH);
    assert_close("∂L/∂y", dy, 2.0 * (1.0 + 6.0_f64.cos()), EXACTISH);
    // The same against the numbers worked out independently.
    assert_close("L", l, 5.720584501801074, EXACTISH);
    assert_close("∂L/∂x", dx, 5.880510859951098, EXACTISH);
    assert_close("∂L/∂y", dy, 3.920340573300732, EXACTISH);
}

#[test]
fn seed_vjp_scales_by_the_cotangent() {
    // With the output cotangent 0.5 the VJP is 0.5 · ∇L: (1.5 (1 + cos 6), 1 (1 + cos 6)).
    let (l, bx, by) = seed_vjp(2.0, 3.0, 0.5);
    assert_close("L", l, 6.0 + 6.0_f64.sin(), EXACTISH);
    assert_close("0.5·∂L/∂x", bx, 1.5 * (1.0 + 6.0_f64.cos()), EXACTISH);
    assert_close("0.5·∂L/∂y", by, 1.0 + 6.0_f64.cos(), EXACTISH);
    assert_close("0.5·∂L/∂x", bx, 2.940255429975549, EXACTISH);
    assert_close("0.5·∂L/∂y", by, 1.960170286650366, EXACTISH);
}

#[test]
fn seed_split_halves_give_the_same_as_vjp() {
    // f_fwd then f_bwd is what f_vjp is made of; the value and gradient are the closed form's.
    let (l, residuals): (f64, SeedResiduals) = seed_fwd(2.0, 3.0);
    let (bx, by) = seed_bwd(residuals, 1.0);
    assert_close("L", l, 6.0 + 6.0_f64.sin(), EXACTISH);
    assert_close("∂L/∂x", bx, 3.0 * (1.0 + 6.0_f64.cos()), EXACTISH);
    assert_close("∂L/∂y", by, 2.0 * (1.0 + 6.0_f64.cos()), EXACTISH);
}

#[test]
fn seed_gradient_matches_finite_differences_elsewhere() {
    for &(x, y) in &[(0.5, -1.25), (-2.0, 0.75), (1.1, 4.0)] {
        let (_, dx, dy) = seed_grad(x, y);
        check_f64("seed", |p| seed(p[0], p[1]), &[x, y], &[dx, dy]);
        // And against the closed form.
        assert_close("∂L/∂x", dx, y * (1.0 + (x * y).cos()), EXACTISH);
        assert_close("∂L/∂y", dy, x * (1.0 + (x * y).cos()), EXACTISH);
    }
}

// ---------------------------------------------------------------------------------------------
// (b) L = (a·b + c)², at a = 2, b = −3, c = 10.
//
//   y = ab + c = −6 + 10 = 4,  L = y² = 16
//   ∂L/∂y = 2y = 8
//   ∂L/∂a = 2y·b = 8·(−3) = −24
//   ∂L/∂b = 2y·a = 8·2 = 16
//   ∂L/∂c = 2y = 8
// Every intermediate is a small integer, so the results are exact in f64 and f32.
// ---------------------------------------------------------------------------------------------

#[grad]
fn square_of_affine(a: f64, b: f64, c: f64) -> f64 {
    let y = a * b + c;
    y * y
}

#[grad]
fn square_of_affine_f32(a: f32, b: f32, c: f32) -> f32 {
    let y = a * b + c;
    y * y
}

#[grad]
fn square_of_affine_powi(a: f64, b: f64, c: f64) -> f64 {
    (a * b + c).powi(2)
}

#[test]
fn square_of_affine_is_exact() {
    assert_eq!(square_of_affine(2.0, -3.0, 10.0), 16.0);
    assert_eq!(
        square_of_affine_grad(2.0, -3.0, 10.0),
        (16.0, -24.0, 16.0, 8.0)
    );
    assert_eq!(
        square_of_affine_f32_grad(2.0, -3.0, 10.0),
        (16.0, -24.0, 16.0, 8.0)
    );
    assert_eq!(square_of_affine_f32(2.0, -3.0, 10.0), 16.0);
    // powi(2)' = 2·y¹: the same numbers, exactly.
    assert_eq!(square_of_affine_powi(2.0, -3.0, 10.0), 16.0);
    assert_eq!(
        square_of_affine_powi_grad(2.0, -3.0, 10.0),
        (16.0, -24.0, 16.0, 8.0)
    );
}

#[test]
fn square_of_affine_vjp_and_split_halves() {
    // The VJP with cotangent 3 is 3·∇L = (−72, 48, 24).
    assert_eq!(
        square_of_affine_vjp(2.0, -3.0, 10.0, 3.0),
        (16.0, -72.0, 48.0, 24.0)
    );
    let (value, residuals) = square_of_affine_fwd(2.0, -3.0, 10.0);
    assert_eq!(value, 16.0);
    assert_eq!(square_of_affine_bwd(residuals, 1.0), (-24.0, 16.0, 8.0));
}

#[test]
fn square_of_affine_matches_finite_differences_elsewhere() {
    for p in [[0.3, 1.7, -0.4], [-1.5, 2.5, 3.0], [4.0, -0.2, 0.9]] {
        let (_, da, db, dc) = square_of_affine_grad(p[0], p[1], p[2]);
        check_f64(
            "square_of_affine",
            |q| square_of_affine(q[0], q[1], q[2]),
            &p,
            &[da, db, dc],
        );
        let p32 = p.map(|v| v as f32);
        let (_, da, db, dc) = square_of_affine_f32_grad(p32[0], p32[1], p32[2]);
        check_f32(
            "square_of_affine_f32",
            |q| square_of_affine_f32(q[0], q[1], q[2]),
            &p32,
            &[da, db, dc],
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The references themselves: they agree with derivatives known in closed form, and they reject
// a wrong gradient (so a test built on them can fail).
// ---------------------------------------------------------------------------------------------

#[test]
fn reference_fd_agrees_with_known_derivatives() {
    // d/dx sin(x)·e^y = cos(x)·e^y, d/dy = sin(x)·e^y.
    let g = fd_grad(|p| p[0].sin() * p[1].exp(), &[0.7, -0.3]);
    assert_close("d/dx", g[0], 0.7_f64.cos() * (-0.3_f64).exp(), F64_TOL);
    assert_close("d/dy", g[1], 0.7_f64.sin() * (-0.3_f64).exp(), F64_TOL);
    // Large coordinates use a relative step: d/dx x³ at 1000 = 3·10⁶.
    let g = fd_grad(|p| p[0] * p[0] * p[0], &[1000.0]);
    assert_close("d/dx x³", g[0], 3e6, F64_TOL);

    let g = common::fd_grad_f32(|p| p[0].sin() * p[1].exp(), &[0.7, -0.3]);
    let (x, y) = (f64::from(0.7_f32), f64::from(-0.3_f32));
    assert!(close(g[0], x.cos() * y.exp(), F32_TOL), "{g:?}");
    assert!(close(g[1], x.sin() * y.exp(), F32_TOL), "{g:?}");
}

#[test]
#[should_panic(expected = "gradient entry 1 is 2.001e0 by autodiff")]
fn reference_rejects_a_wrong_f64_gradient() {
    // The true gradient of x·y at (2, 3) is (3, 2).
    check_f64("product", |p| p[0] * p[1], &[2.0, 3.0], &[3.0, 2.001]);
}

#[test]
#[should_panic(expected = "gradient entry 0")]
fn reference_rejects_a_wrong_f32_gradient() {
    // The true derivative of x² at 1.5 is 3; 3.05 is off by 1.7%.
    check_f32("square", |p| p[0] * p[0], &[1.5], &[3.05]);
}
