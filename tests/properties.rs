//! Property tests: for random points, the gradient of composite functions agrees with central
//! finite differences of the original function, and the VJP is linear in its cotangent.
//!
//! The inputs are kept in ranges where the functions are smooth and of moderate size, so the
//! fourth-order central difference (error ~10⁻¹² there) is a sharp reference; the tolerance is
//! relative 10⁻⁶ with an absolute floor of 10⁻⁸, a thousand times looser than the reference's
//! error and a million times tighter than any wrong rule.

mod common;

use autodiff_runtime::grad;
use common::{Tol, assert_grad_close, check_f32, check_f64_tol};
use proptest::prelude::*;

const TOL: Tol = Tol {
    rel: 1e-6,
    abs: 1e-8,
};

// A rational function: (x² + 3xy − 1) / (1 + x² + y²). The denominator is ≥ 1.
#[grad]
fn rational(x: f64, y: f64) -> f64 {
    let x2 = x * x;
    let num = x2 + 3.0 * x * y - 1.0;
    let den = 1.0 + x2 + y * y;
    num / den
}

// Trig and exp with fan-out (a and b used several times) and reuse through reassignment.
#[grad]
fn trig_exp(x: f64, y: f64, z: f64) -> f64 {
    let a = x * y;
    let b = a.sin();
    let c = (a + z).exp();
    let mut d = b * c + a * a.cos();
    d -= b.tanh() * z;
    d /= 1.0 + z * z;
    let (p, q) = (d.atan(), b.hypot(c));
    p * q + a.mul_add(b, z.cosh()) - (-a).exp().ln_1p()
}

// A function of a fixed array: normalise, take a cross term and a softplus-like term.
#[grad]
fn of_array(v: [f64; 4]) -> f64 {
    let n2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2] + v[3] * v[3];
    let n = (n2 + 1.0).sqrt();
    let cross = (v[0] * v[3] - v[1] * v[2]) / n;
    let soft = (v[1] - v[2]).exp().ln_1p();
    cross + soft * v[0].atan2(1.0 + v[3] * v[3]) + v[2].max(v[1]).powi(3)
}

// A slice function with a reduction written out, an index parameter and powf.
#[grad]
fn of_slice(xs: &[f64], i: usize) -> f64 {
    let mut s = 0.0;
    s += xs[0] * xs[1];
    s += xs[1] * xs[2];
    s += xs[2] * xs[0];
    let t = (xs[i] * xs[i] + 1.0).powf(0.75);
    s * t - xs[i].cbrt() * xs[0].log(2.5 + xs[1].abs())
}

// The rational function in f32.
#[grad]
fn rational_f32(x: f32, y: f32) -> f32 {
    let x2 = x * x;
    let num = x2 + 3.0 * x * y - 1.0;
    let den = 1.0 + x2 + y * y;
    num / den
}

/// 64 cases keep the suite fast; `PROPTEST_CASES=10000 cargo test --test properties` runs more.
fn cases() -> ProptestConfig {
    if std::env::var_os("PROPTEST_CASES").is_some() {
        ProptestConfig::default()
    } else {
        ProptestConfig::with_cases(64)
    }
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn rational_matches_fd(x in -3.0..3.0_f64, y in -3.0..3.0_f64, bar in -2.0..2.0_f64) {
        let (v, dx, dy) = rational_grad(x, y);
        prop_assert_eq!(v, rational(x, y));
        check_f64_tol("rational", |p| rational(p[0], p[1]), &[x, y], &[dx, dy], TOL);
        // Closed form: with N = x² + 3xy − 1, D = 1 + x² + y²,
        //   ∂x = ((2x + 3y)D − 2xN)/D², ∂y = (3xD − 2yN)/D².
        let (n, d) = (x * x + 3.0 * x * y - 1.0, 1.0 + x * x + y * y);
        let expected = [((2.0 * x + 3.0 * y) * d - 2.0 * x * n) / (d * d), (3.0 * x * d - 2.0 * y * n) / (d * d)];
        assert_grad_close("rational closed form", (x, y), &[dx, dy], &expected, common::F64_TOL);
        // The VJP is the gradient scaled by the cotangent.
        let (_, bx, by) = rational_vjp(x, y, bar);
        assert_grad_close("rational vjp", (x, y, bar), &[bx, by], &[bar * dx, bar * dy], common::EXACTISH);
    }

    #[test]
    fn trig_exp_matches_fd(x in -1.5..1.5_f64, y in -1.5..1.5_f64, z in -1.5..1.5_f64) {
        let (v, dx, dy, dz) = trig_exp_grad(x, y, z);
        prop_assert_eq!(v, trig_exp(x, y, z));
        check_f64_tol("trig_exp", |p| trig_exp(p[0], p[1], p[2]), &[x, y, z], &[dx, dy, dz], TOL);
        // The split halves agree with the VJP.
        let (value, residuals) = trig_exp_fwd(x, y, z);
        prop_assert_eq!(value, v);
        prop_assert_eq!(trig_exp_bwd(residuals, 1.0), (dx, dy, dz));
    }

    #[test]
    fn of_array_matches_fd(v in prop::array::uniform4(-2.0..2.0_f64)) {
        // `max` is not differentiable where v[2] = v[1]; keep well over the stencil's width
        // (4h ≤ 8·10⁻³) away from the tie.
        let mut v = v;
        if (v[2] - v[1]).abs() < 2e-2 {
            v[2] = v[1] + 5e-2;
        }
        let (value, g) = of_array_grad(v);
        prop_assert_eq!(value, of_array(v));
        check_f64_tol("of_array", |p| of_array([p[0], p[1], p[2], p[3]]), &v, &g, TOL);
    }

    #[test]
    fn of_slice_matches_fd(
        xs in prop::collection::vec(0.2..3.0_f64, 3..6),
        i in 0usize..3,
        bar in -2.0..2.0_f64,
    ) {
        let (value, g) = of_slice_grad(&xs, i);
        prop_assert_eq!(value, of_slice(&xs, i));
        prop_assert_eq!(g.len(), xs.len());
        check_f64_tol("of_slice", |p| of_slice(p, i), &xs, &g, TOL);
        // Entries past the third are never read: exactly zero.
        prop_assert!(g[3..].iter().all(|&d| d == 0.0));
        let (_, scaled) = of_slice_vjp(&xs, i, bar);
        let expected: Vec<f64> = g.iter().map(|d| bar * d).collect();
        assert_grad_close("of_slice vjp", (&xs, i, bar), &scaled, &expected, common::EXACTISH);
    }

    #[test]
    fn rational_f32_matches_fd(x in -3.0..3.0_f32, y in -3.0..3.0_f32) {
        let (v, dx, dy) = rational_f32_grad(x, y);
        prop_assert_eq!(v, rational_f32(x, y));
        check_f32("rational_f32", |p| rational_f32(p[0], p[1]), &[x, y], &[dx, dy]);
        common::check_f32_by_f64("rational_f32 vs f64", |p| rational(p[0], p[1]), &[x, y], &[dx, dy]);
    }
}
