//! Every primitive `#[grad]` differentiates, as a function of its own, in `f64` and `f32`,
//! against central finite differences at several points inside its domain (away from nonsmooth
//! points), in every float argument; then the documented conventions at nonsmooth points,
//! exactly.
//!
//! The `f64` gradient is compared with finite differences of the original `f64` function
//! ([`common::F64_TOL`]). The `f32` gradient is compared twice: with finite differences of the
//! `f64` twin at the same point ([`common::F32_VS_F64_TOL`]) and with finite differences taken in
//! `f32` itself ([`common::F32_TOL`]).

#![allow(
    clippy::eq_op,
    reason = "`x - x` and `x / x` are primitives under test: the two operands share a cotangent"
)]

mod common;

use autodiff_runtime::{grad, scalar};
use common::{ValueAndGrad, check_f32, check_f32_by_f64, check_f64};

/// `prim!(name, (x, y) => body, [[x0, y0], [x1, y1], ..])` defines `mod name` holding the
/// `#[grad]` functions `g64` (all arguments `f64`) and `g32` (all `f32`) with that body, and
/// tests comparing both gradients with finite differences at each point. A second form takes
/// separate bodies for the two types (for literals that need a suffix).
macro_rules! prim {
    ($name:ident, ($($arg:ident),+) => $body:expr, [$([$($p:expr),+]),+ $(,)?]) => {
        prim!($name, ($($arg),+) => f64: $body, f32: $body, [$([$($p),+]),+]);
    };
    ($name:ident, ($($arg:ident),+) => f64: $b64:expr, f32: $b32:expr,
     [$([$($p:expr),+]),+ $(,)?]) => {
        mod $name {
            use super::*;

            #[grad]
            pub fn g64($($arg: f64),+) -> f64 {
                $b64
            }

            #[grad]
            pub fn g32($($arg: f32),+) -> f32 {
                $b32
            }

            fn g64_at(q: &[f64]) -> f64 {
                let &[$($arg),+] = q else { unreachable!("arity") };
                g64($($arg),+)
            }

            fn g32_at(q: &[f32]) -> f32 {
                let &[$($arg),+] = q else { unreachable!("arity") };
                g32($($arg),+)
            }

            const POINTS: &[&[f64]] = &[$(&[$($p),+]),+];

            #[test]
            fn f64_gradient_matches_finite_differences() {
                for &point in POINTS {
                    let &[$($arg),+] = point else { unreachable!("arity") };
                    let (value, grad) = g64_grad($($arg),+).split();
                    assert_eq!(value.to_bits(), g64_at(point).to_bits(), "value at {point:?}");
                    check_f64(concat!(stringify!($name), " (f64)"), g64_at, point, &grad);
                    // The VJP is the gradient scaled by the cotangent.
                    let (v, scaled) = g64_vjp($($arg,)+ -0.75).split();
                    assert_eq!(v.to_bits(), value.to_bits());
                    for (s, g) in scaled.iter().zip(&grad) {
                        common::assert_close("vjp", *s, -0.75 * g, common::EXACTISH);
                    }
                }
            }

            #[test]
            fn f32_gradient_matches_finite_differences() {
                for &point in POINTS {
                    let point: Vec<f32> = point.iter().map(|&v| v as f32).collect();
                    let &[$($arg),+] = point.as_slice() else { unreachable!("arity") };
                    let (value, grad) = g32_grad($($arg),+).split();
                    assert_eq!(value.to_bits(), g32_at(&point).to_bits(), "value at {point:?}");
                    check_f32_by_f64(concat!(stringify!($name), " (f32 vs f64)"), g64_at, &point, &grad);
                    check_f32(concat!(stringify!($name), " (f32)"), g32_at, &point, &grad);
                }
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Operators.
// ---------------------------------------------------------------------------------------------

prim!(add, (x, y) => x + y, [[0.5, -1.25], [3.0, 2.0]]);
prim!(sub, (x, y) => x - y, [[0.5, -1.25], [3.0, 2.0]]);
prim!(mul, (x, y) => x * y, [[0.5, -1.25], [3.0, 2.0], [-4.0, 0.1]]);
prim!(div, (x, y) => x / y, [[0.5, -1.25], [3.0, 2.0], [-4.0, 0.3]]);
prim!(neg, (x) => -x, [[0.5], [-3.0]]);
prim!(neg_of_neg, (x) => -(-x), [[0.5], [-3.0]]);
prim!(square, (x) => x * x, [[0.5], [-3.0]]);
prim!(self_sub, (x) => x - x, [[0.5], [-3.0]]);
prim!(self_add, (x) => x + x, [[0.5], [-3.0]]);
prim!(self_div, (x) => x / x, [[0.5], [-3.0]]);
prim!(const_add, (x) => x + 2.0, [[0.5], [-3.0]]);
prim!(const_sub_lhs, (x) => 1.5 - x, [[0.5], [-3.0]]);
prim!(const_sub_rhs, (x) => x - 1.5, [[0.5], [-3.0]]);
prim!(const_mul, (x) => 2.5 * x, [[0.5], [-3.0]]);
prim!(const_div_numerator, (x) => 3.0 / x, [[0.5], [-3.0]]);
prim!(const_div_denominator, (x) => x / 4.0, [[0.5], [-3.0]]);
prim!(neg_const_mul, (x) => -2.0 * x, [[0.5], [-3.0]]);

// ---------------------------------------------------------------------------------------------
// Unary float methods.
// ---------------------------------------------------------------------------------------------

prim!(sin, (x) => x.sin(), [[-2.0], [0.3], [1.7], [4.0]]);
prim!(cos, (x) => x.cos(), [[-2.0], [0.3], [1.7], [4.0]]);
prim!(tan, (x) => x.tan(), [[-1.0], [0.3], [1.2]]);
prim!(asin, (x) => x.asin(), [[-0.7], [0.1], [0.6]]);
prim!(acos, (x) => x.acos(), [[-0.7], [0.1], [0.6]]);
prim!(atan, (x) => x.atan(), [[-3.0], [0.5], [2.0]]);
prim!(sinh, (x) => x.sinh(), [[-1.5], [0.2], [2.0]]);
prim!(cosh, (x) => x.cosh(), [[-1.5], [0.2], [2.0]]);
prim!(tanh, (x) => x.tanh(), [[-1.5], [0.2], [2.0]]);
prim!(exp, (x) => x.exp(), [[-2.0], [0.0], [1.3], [3.0]]);
prim!(exp2, (x) => x.exp2(), [[-2.0], [0.0], [1.3], [3.0]]);
prim!(exp_m1, (x) => x.exp_m1(), [[-1.0], [0.01], [0.7]]);
prim!(ln, (x) => x.ln(), [[0.3], [1.0], [4.5]]);
prim!(ln_1p, (x) => x.ln_1p(), [[-0.5], [0.2], [3.0]]);
prim!(log2, (x) => x.log2(), [[0.3], [1.0], [4.5]]);
prim!(log10, (x) => x.log10(), [[0.3], [1.0], [4.5]]);
prim!(sqrt, (x) => x.sqrt(), [[0.3], [2.0], [9.0]]);
prim!(cbrt, (x) => x.cbrt(), [[-2.0], [0.5], [27.0]]);
prim!(recip, (x) => x.recip(), [[-2.0], [0.5], [3.0]]);
prim!(abs, (x) => x.abs(), [[-2.0], [0.5], [3.0]]);
prim!(signum, (x) => x.signum(), [[-2.0], [0.5], [3.0]]);

// ---------------------------------------------------------------------------------------------
// Scalar functions of the runtime (`scalar::erf`), written as calls.
// ---------------------------------------------------------------------------------------------

prim!(erf, (x) => autodiff_runtime::scalar::erf(x), [[-2.0], [-0.4], [0.0], [0.7], [1.8]]);
// Both path forms, nested, on a product and times a parameter.
prim!(erf_composed, (x, y) => scalar::erf(autodiff_runtime::scalar::erf(x * y)) * x,
      [[0.5, -1.25], [1.5, 0.8]]);

// `powi`: literal exponents of both signs, and an integer parameter (a constant).
prim!(powi_3, (x) => x.powi(3), [[-1.5], [0.5], [2.0]]);
prim!(powi_1, (x) => x.powi(1), [[-1.5], [0.5], [2.0]]);
prim!(powi_neg_2, (x) => x.powi(-2), [[-1.5], [0.5], [2.0]]);

mod powi_param {
    use super::*;

    #[grad]
    pub fn g64(x: f64, n: i32) -> f64 {
        x.powi(n)
    }

    #[grad]
    pub fn g32(x: f32, n: i32) -> f32 {
        x.powi(n)
    }

    #[test]
    fn gradients_match_finite_differences() {
        for n in [-3, -1, 1, 2, 5] {
            for x in [-1.5, 0.5, 2.0] {
                let (value, d) = g64_grad(x, n);
                assert_eq!(value.to_bits(), g64(x, n).to_bits());
                check_f64("powi(n) (f64)", |q| g64(q[0], n), &[x], &[d]);
                let x = x as f32;
                let (value, d) = g32_grad(x, n);
                assert_eq!(value.to_bits(), g32(x, n).to_bits());
                check_f32_by_f64("powi(n) (f32 vs f64)", |q| g64(q[0], n), &[x], &[d]);
                check_f32("powi(n) (f32)", |q| g32(q[0], n), &[x], &[d]);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Float methods of several arguments: every float argument is differentiated.
// ---------------------------------------------------------------------------------------------

prim!(atan2, (y, x) => y.atan2(x), [[1.0, 2.0], [-1.0, 0.5], [0.3, -2.0], [-2.0, -1.0]]);
prim!(log, (x, base) => x.log(base), [[2.5, 3.0], [0.4, 10.0], [7.0, 0.5]]);
prim!(powf, (x, p) => x.powf(p), [[0.5, -1.3], [1.7, 0.5], [3.0, 2.2]]);
prim!(hypot, (x, y) => x.hypot(y), [[3.0, 4.0], [-1.0, 0.5], [0.2, -2.0]]);
prim!(mul_add, (a, b, c) => a.mul_add(b, c), [[2.0, 3.0, 1.0], [-0.5, 1.5, -2.0], [0.1, -4.0, 0.3]]);
prim!(max, (a, b) => a.max(b), [[1.0, 2.0], [3.0, -1.0], [-0.5, -0.25]]);
prim!(min, (a, b) => a.min(b), [[1.0, 2.0], [3.0, -1.0], [-0.5, -0.25]]);

// The same with a constant in each position in turn (the pullback's cotangent for the constant
// is dropped, the other one kept).
prim!(atan2_const_x, (y) => y.atan2(2.0), [[1.0], [-0.5]]);
prim!(atan2_const_y, (x) => f64: 1.5_f64.atan2(x), f32: 1.5_f32.atan2(x), [[1.0], [-0.5]]);
prim!(log_const_base, (x) => x.log(3.0), [[0.4], [7.0]]);
prim!(log_const_x, (b) => f64: 8.0_f64.log(b), f32: 8.0_f32.log(b), [[0.5], [3.0]]);
prim!(powf_const_exponent, (x) => x.powf(2.5), [[0.5], [2.0]]);
prim!(powf_const_base, (p) => f64: 2.0_f64.powf(p), f32: 2.0_f32.powf(p), [[-1.0], [0.5], [3.0]]);
prim!(hypot_const, (x) => x.hypot(2.0), [[1.0], [-0.5]]);
prim!(mul_add_const_b_c, (a) => a.mul_add(2.0, 1.0), [[1.0], [-0.5]]);
prim!(mul_add_const_a, (b, c) => f64: 3.0_f64.mul_add(b, c), f32: 3.0_f32.mul_add(b, c), [[1.0, -2.0], [-0.5, 4.0]]);
prim!(mul_add_const_c, (a, b) => a.mul_add(b, 0.5), [[1.0, -2.0], [-0.5, 4.0]]);
prim!(max_const, (x) => x.max(0.5), [[1.0], [-0.5]]);
prim!(min_const, (x) => x.min(0.5), [[1.0], [-0.5]]);
prim!(clamp, (x, lo, hi) => x.clamp(lo, hi), [[0.5, 0.0, 1.0], [-2.0, 0.0, 1.0], [2.0, 0.0, 1.0]]);
prim!(max_const_receiver, (x) => f64: 0.5_f64.max(x), f32: 0.5_f32.max(x), [[1.0], [-0.5]]);

/// Every float method and scalar function of the macro's table has a `prim!` case above, named
/// after it (`powi_3` for `powi`).
#[test]
fn every_float_primitive_has_a_case() {
    use autodiff_runtime::__private::primitives;
    let source = include_str!("primitives.rs");
    for m in primitives("float method") {
        assert!(
            source.contains(&format!("prim!({m}")),
            "no `prim!({m}, ..)` case"
        );
    }
    for f in primitives("scalar function") {
        assert!(
            source.contains(&format!("prim!({f}")),
            "no `prim!({f}, ..)` case"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The documented conventions at nonsmooth points and at the edges of domains (see
// `autodiff_runtime::scalar`), exactly.
// ---------------------------------------------------------------------------------------------

#[test]
fn abs_has_subgradient_zero_at_zero() {
    assert_eq!(abs::g64_grad(0.0), (0.0, 0.0));
    assert_eq!(abs::g64_grad(-0.0), (0.0, 0.0));
    assert_eq!(abs::g32_grad(0.0), (0.0, 0.0));
    // Away from 0 it is the sign, exactly.
    assert_eq!(abs::g64_grad(-3.0), (3.0, -1.0));
    assert_eq!(abs::g64_grad(2.0), (2.0, 1.0));
}

#[test]
fn signum_has_derivative_zero_everywhere() {
    for x in [-2.0, -0.0, 0.0, 1e-300, 5.0] {
        assert_eq!(signum::g64_grad(x).1, 0.0, "at {x}");
        assert_eq!(signum::g32_grad(x as f32).1, 0.0, "at {x}");
    }
}

#[test]
fn max_and_min_send_a_tie_to_the_first_argument() {
    assert_eq!(max::g64_grad(2.0, 2.0), (2.0, 1.0, 0.0));
    assert_eq!(min::g64_grad(2.0, 2.0), (2.0, 1.0, 0.0));
    assert_eq!(max::g32_grad(-1.5, -1.5), (-1.5, 1.0, 0.0));
    assert_eq!(min::g32_grad(-1.5, -1.5), (-1.5, 1.0, 0.0));
    // With a cotangent the whole of it goes to the first argument.
    assert_eq!(max::g64_vjp(2.0, 2.0, 3.0), (2.0, 3.0, 0.0));
    // Off a tie, to the argument returned.
    assert_eq!(max::g64_grad(1.0, 2.0), (2.0, 0.0, 1.0));
    assert_eq!(min::g64_grad(1.0, 2.0), (1.0, 1.0, 0.0));
    // A constant receiver tied with the argument: the whole cotangent goes to the constant.
    assert_eq!(max_const_receiver::g64_grad(0.5), (0.5, 0.0));
    assert_eq!(max_const::g64_grad(0.5), (0.5, 1.0));
}

#[test]
fn max_and_min_ignore_a_nan_argument() {
    // `max`/`min` return the other argument when one is NaN; the cotangent follows it.
    let (v, da, db) = max::g64_grad(1.0, f64::NAN);
    assert_eq!((v, da, db), (1.0, 1.0, 0.0));
    let (v, da, db) = max::g64_grad(f64::NAN, 1.0);
    assert_eq!((v, da, db), (1.0, 0.0, 1.0));
    let (v, da, db) = min::g64_grad(1.0, f64::NAN);
    assert_eq!((v, da, db), (1.0, 1.0, 0.0));
    let (v, da, db) = min::g64_grad(f64::NAN, 1.0);
    assert_eq!((v, da, db), (1.0, 0.0, 1.0));
}

#[test]
fn hypot_and_atan2_have_subgradient_zero_at_the_origin() {
    assert_eq!(hypot::g64_grad(0.0, 0.0), (0.0, 0.0, 0.0));
    assert_eq!(hypot::g32_grad(0.0, 0.0), (0.0, 0.0, 0.0));
    assert_eq!(atan2::g64_grad(0.0, 0.0), (0.0, 0.0, 0.0));
    assert_eq!(atan2::g32_grad(0.0, 0.0), (0.0, 0.0, 0.0));
    // Closed forms off the origin, exact in binary: ∂/∂x hypot(3, 4) = 3/5, ∂/∂y = 4/5.
    assert_eq!(hypot::g64_grad(3.0, 4.0), (5.0, 0.6, 0.8));
    // ∂/∂y atan2(y, x) = x/(x²+y²), ∂/∂x = −y/(x²+y²); at (1, 1): (1/2, −1/2).
    let (_, dy, dx) = atan2::g64_grad(1.0, 1.0);
    assert_eq!((dy, dx), (0.5, -0.5));
}

#[test]
fn powi_with_exponent_zero_has_derivative_zero_everywhere() {
    // x⁰ = 1, including 0⁰; the formula n·xⁿ⁻¹ would give 0·∞ = NaN at 0.
    for x in [0.0, -0.0, 3.0, -2.0] {
        assert_eq!(powi_param::g64_grad(x, 0), (1.0, 0.0), "at {x}");
        assert_eq!(powi_param::g32_grad(x as f32, 0), (1.0, 0.0), "at {x}");
    }
    // n = 1 at 0: 1·0⁰ = 1; n = 2 at 0: 2·0¹ = 0.
    assert_eq!(powi_param::g64_grad(0.0, 1), (0.0, 1.0));
    assert_eq!(powi_param::g64_grad(0.0, 2), (0.0, 0.0));
}

#[test]
fn powf_at_zero_base() {
    // At x = 0 with y = xᵖ = 0 the exponent's cotangent is 0 (the limit along p), not 0·ln 0.
    // ∂/∂x = p·xᵖ⁻¹ = 2·0 = 0 for p = 2.
    assert_eq!(powf::g64_grad(0.0, 2.0), (0.0, 0.0, 0.0));
    assert_eq!(powf::g32_grad(0.0, 2.0), (0.0, 0.0, 0.0));
    // p = 0.5: ∂/∂x = 0.5·0^(−0.5) = +∞, ∂/∂p = 0.
    let (v, dx, dp) = powf::g64_grad(0.0, 0.5);
    assert_eq!((v, dx, dp), (0.0, f64::INFINITY, 0.0));
    // The constant-base form at base 0 is not reachable; the constant-exponent one is 2.5·0^1.5.
    assert_eq!(powf_const_exponent::g64_grad(0.0), (0.0, 0.0));
}

#[test]
fn infinite_slopes_follow_ieee() {
    // Documented: sqrt and cbrt at 0, asin/acos at ±1, ln at 0 give ±∞.
    assert_eq!(sqrt::g64_grad(0.0), (0.0, f64::INFINITY));
    assert_eq!(cbrt::g64_grad(0.0), (0.0, f64::INFINITY));
    assert_eq!(asin::g64_grad(1.0).1, f64::INFINITY);
    assert_eq!(acos::g64_grad(1.0).1, f64::NEG_INFINITY);
    assert_eq!(ln::g64_grad(0.0).1, f64::INFINITY);
    assert_eq!(sqrt::g32_grad(0.0), (0.0, f32::INFINITY));
}

#[test]
fn powi_with_the_most_negative_exponent() {
    // 2^i32::MIN underflows to 0, and so does its derivative n·2^(n−1) (to −0).
    assert_eq!(powi_param::g64(2.0, i32::MIN), 0.0);
    assert_eq!(powi_param::g64_grad(2.0, i32::MIN), (0.0, 0.0));
}

#[test]
fn erf_closed_form_and_limits() {
    use std::f64::consts::FRAC_2_SQRT_PI;
    // d/dx erf x = 2/√π · e^(−x²): at 0 exactly 2/√π.
    assert_eq!(erf::g64_grad(0.0), (0.0, FRAC_2_SQRT_PI));
    assert_eq!(erf::g32_grad(0.0), (0.0, FRAC_2_SQRT_PI as f32));
    // erf 1 = 0.8427007929497149 (to 16 digits), slope 2/(e√π).
    let (v, d) = erf::g64_grad(1.0);
    common::assert_close("erf(1)", v, 0.842_700_792_949_714_9, common::EXACTISH);
    common::assert_close(
        "erf'(1)",
        d,
        FRAC_2_SQRT_PI / std::f64::consts::E,
        common::EXACTISH,
    );
    // Odd: erf(−x) = −erf(x) exactly.
    assert_eq!(erf::g64(-0.7), -erf::g64(0.7));
    // At ±∞ the value is ±1 and the slope e^(−∞) = 0; a NaN reaches both.
    assert_eq!(erf::g64_grad(f64::INFINITY), (1.0, 0.0));
    assert_eq!(erf::g64_grad(f64::NEG_INFINITY), (-1.0, 0.0));
    let (v, d) = erf::g64_grad(f64::NAN);
    assert!(v.is_nan() && d.is_nan());
}

/// `scalar::erf` in a callee generic over its float type, called from `f64` and `f32` code.
#[grad]
fn erf_generic<T: autodiff_runtime::Float>(x: T) -> T {
    scalar::erf(x) * x
}

#[grad]
fn erf_generic_caller_64(x: f64) -> f64 {
    erf_generic(x)
}

#[grad]
fn erf_generic_caller_32(x: f32) -> f32 {
    erf_generic(x)
}

#[test]
fn erf_in_a_generic_callee() {
    for x in [-1.2, 0.3, 2.1] {
        let (v, d) = erf_generic_caller_64_grad(x);
        assert_eq!(v.to_bits(), erf_generic(x).to_bits());
        check_f64("erf generic (f64)", |q| erf_generic(q[0]), &[x], &[d]);
        let x = x as f32;
        let (v, d) = erf_generic_caller_32_grad(x);
        assert_eq!(v.to_bits(), erf_generic(x).to_bits());
        check_f32_by_f64(
            "erf generic (f32 vs f64)",
            |q| erf_generic(q[0]),
            &[x],
            &[d],
        );
    }
}
