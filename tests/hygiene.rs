//! The generated code must not depend on what the user's scope calls `Option`, `Vec`, `Result`,
//! `Box`, …, and the names it introduces (`bar_x`, `t1`, `x_1`, `residuals`, `value`,
//! `bar_out`, …) must not collide with the user's own names. Every function here also has its
//! gradient checked against a closed form or finite differences.

mod common;

use common::{EXACTISH, assert_close, check_f64};

/// Shadows every prelude name the generated code could be tempted to use unqualified.
mod shadowed_prelude {
    #![allow(dead_code, non_camel_case_types, unused_macros)]

    use super::common::{EXACTISH, assert_close, check_f64};
    use ::autodiff_runtime::grad;

    struct Option;
    struct Some;
    struct None;
    struct Vec;
    struct Result;
    struct Ok;
    struct Err;
    struct Box;
    struct String;
    struct Default;
    struct Clone;
    struct Copy;
    struct Into;
    struct From;
    struct Iterator;
    struct IntoIterator;
    struct Sized;
    struct PhantomData;
    struct Float;
    struct One;
    struct Zero;
    mod std {}
    mod core {}
    mod autodiff_runtime {}
    mod num_traits {}
    mod ndarray {}
    macro_rules! vec {
        ($($t:tt)*) => {
            compile_error!("the generated code used the user's `vec!`")
        };
    }
    macro_rules! assert_eq {
        ($($t:tt)*) => {
            compile_error!("the generated code used the user's `assert_eq!`")
        };
    }
    macro_rules! unreachable {
        ($($t:tt)*) => {
            compile_error!("the generated code used the user's `unreachable!`")
        };
    }

    // f(x, y) = xy + sin(xy): ∂x = y(1 + cos xy), ∂y = x(1 + cos xy).
    #[grad]
    fn scalars(x: f64, y: f64) -> f64 {
        let a = x * y;
        a + a.sin()
    }

    // A slice (gradient `Vec<f64>`, zeros from `zeros_like`) and a fixed array with `wrt`.
    // g(xs) = xs[0]·xs[1] + xs[n]²: ∂0 = xs[1], ∂1 = xs[0], ∂n += 2 xs[n].
    #[grad]
    fn slice(xs: &[f64], n: usize) -> f64 {
        xs[0] * xs[1] + xs[n] * xs[n]
    }

    // An array output and a by-reference array parameter; h = [c0·p0, c1 + p1].
    #[grad(wrt(cam))]
    fn array(cam: &[f64; 2], p: [f64; 2]) -> [f64; 2] {
        [cam[0] * p[0], cam[1] + p[1]]
    }

    // A generic function (its residuals struct gets a marker field).
    #[grad]
    fn generic<T: ::autodiff_runtime::Float>(x: T, y: T) -> T {
        x.sin() * y
    }

    // A lifetime parameter and borrowed slices kept in the residuals (one with the named
    // lifetime, one elided).
    #[allow(
        clippy::needless_lifetimes,
        reason = "a named lifetime is what is tested"
    )]
    #[grad]
    fn lifetime<'a>(xs: &'a [f64], ys: &[f64]) -> f64 {
        xs[0].exp() * ys[1]
    }

    #[test]
    fn gradients_are_right_under_a_shadowed_prelude() {
        let (v, dx, dy) = scalars_grad(2.0, 3.0);
        assert_close("value", v, 6.0 + 6.0_f64.sin(), EXACTISH);
        assert_close("∂x", dx, 3.0 * (1.0 + 6.0_f64.cos()), EXACTISH);
        assert_close("∂y", dy, 2.0 * (1.0 + 6.0_f64.cos()), EXACTISH);
        assert_close("value", v, scalars(2.0, 3.0), EXACTISH);

        // xs = [2, 3, 5], n = 2: value 6 + 25 = 31, gradient [3, 2, 10], all exact.
        let (v, g) = slice_grad(&[2.0, 3.0, 5.0], 2);
        assert!(v == 31.0 && g == [3.0, 2.0, 10.0], "{v} {g:?}");
        assert!(slice(&[2.0, 3.0, 5.0], 2) == 31.0);

        // cam = [2, 3], p = [5, 7], cotangent [1, 10]: bar_cam = [1·p0, 10] = [5, 10].
        let (v, g) = array_vjp(&[2.0, 3.0], [5.0, 7.0], [1.0, 10.0]);
        assert!(v == [10.0, 10.0] && g == [5.0, 10.0], "{v:?} {g:?}");
        assert!(array(&[2.0, 3.0], [5.0, 7.0]) == [10.0, 10.0]);

        // ∂x sin(x)·y = cos(x)·y, ∂y = sin x.
        let (v, dx, dy) = generic_grad(0.5_f64, 2.0);
        assert_close("value", v, generic(0.5, 2.0), EXACTISH);
        assert_close("∂x", dx, 0.5_f64.cos() * 2.0, EXACTISH);
        assert_close("∂y", dy, 0.5_f64.sin(), EXACTISH);

        // ∂xs0 e^xs0·ys1 = e^xs0·ys1, ∂ys1 = e^xs0, the other entries 0.
        let (v, gx, gy) = lifetime_grad(&[0.5, 9.0], &[9.0, 2.0]);
        assert_close("value", v, lifetime(&[0.5, 9.0], &[9.0, 2.0]), EXACTISH);
        assert_close("∂xs0", gx[0], 0.5_f64.exp() * 2.0, EXACTISH);
        assert_close("∂ys1", gy[1], 0.5_f64.exp(), EXACTISH);
        assert!(gx[1] == 0.0 && gy[0] == 0.0, "{gx:?} {gy:?}");
        check_f64(
            "lifetime",
            |p| lifetime(&p[..2], &p[2..]),
            &[0.5, 9.0, 9.0, 2.0],
            &[gx, gy].concat(),
        );
    }
}

/// Locals and parameters named like the generated code's names.
mod generated_names {
    use super::*;
    use autodiff_runtime::grad;

    // Locals `bar_x`, `t1`, `t2`, `x_1`, `residuals`, `value`, `bar_out`, and a shadowed `x`.
    //   bar_x = x·y, t1 = sin(bar_x), t2 = t1·x, x_1 = t2 + y, residuals = x_1·x_1,
    //   value = residuals + bar_x, bar_out = value·2, x = bar_out − x (shadowing), result x·y.
    #[grad]
    fn locals(x: f64, y: f64) -> f64 {
        let bar_x = x * y;
        let t1 = bar_x.sin();
        let t2 = t1 * x;
        let x_1 = t2 + y;
        let residuals = x_1 * x_1;
        let value = residuals + bar_x;
        let bar_out = value * 2.0;
        let x = bar_out - x;
        x * y
    }

    // Parameters named like generated things (six of them: a seventh would make the generated
    // `params_vjp` take eight arguments, which trips `clippy::too_many_arguments`; see the report).
    //   f = bar_x·t1 + residuals·value − bar_out/x_1
    #[grad]
    fn params(bar_x: f64, t1: f64, residuals: f64, value: f64, bar_out: f64, x_1: f64) -> f64 {
        bar_x * t1 + residuals * value - bar_out / x_1
    }

    // Parameters named like the temporaries, out of order.
    //   f = t1·t2 + sin(t3)·t1
    #[grad]
    fn temps(t2: f64, t3: f64, t1: f64) -> f64 {
        t1 * t2 + t3.sin() * t1
    }

    // Parameter names that are the cotangent names of other parameters: `x` and `bar_x`, and
    // `bar_bar_x`; plus a user local `bar_y` although `y` is a parameter.
    //   f = (x·bar_x + bar_bar_x)·y, with bar_y = that, result bar_y²
    #[grad]
    fn cotangent_names(x: f64, bar_x: f64, bar_bar_x: f64, y: f64) -> f64 {
        let bar_y = (x * bar_x + bar_bar_x) * y;
        bar_y * bar_y
    }

    // Parameters `residuals`, `marker` and `r` next to a generic type and a lifetime `'r` (the
    // residuals struct of a generic function has a marker field, and a lifetime of its own when
    // it keeps a reference), and a one-element array output.
    #[allow(
        clippy::needless_lifetimes,
        reason = "a named lifetime is what is tested"
    )]
    #[grad]
    fn generic_names<'r, T: autodiff_runtime::Float>(
        residuals: T,
        marker: T,
        r: T,
        _label: &'r str,
    ) -> [T; 1] {
        [residuals * marker + r]
    }

    // Raw identifiers for keywords.
    #[grad]
    fn raw(r#type: f64, r#match: f64) -> f64 {
        let r#let = r#type * r#match;
        r#let.sin()
    }

    fn locals_at(p: &[f64]) -> f64 {
        locals(p[0], p[1])
    }

    #[test]
    fn locals_named_like_generated_names() {
        for p in [[0.3, 0.7], [-1.2, 0.4], [2.0, -0.5]] {
            let (v, dx, dy) = locals_grad(p[0], p[1]);
            assert_close("value", v, locals_at(&p), EXACTISH);
            check_f64("locals", locals_at, &p, &[dx, dy]);
        }
    }

    #[test]
    fn params_named_like_generated_names() {
        let f = |p: &[f64]| params(p[0], p[1], p[2], p[3], p[4], p[5]);
        let p = [0.5, -1.5, 2.0, 0.25, 3.0, 1.5];
        let (v, a, b, c, d, e, g) = params_grad(p[0], p[1], p[2], p[3], p[4], p[5]);
        assert_close("value", v, f(&p), EXACTISH);
        // Closed form: ∂bar_x = t1, ∂t1 = bar_x, ∂residuals = value, ∂value = residuals,
        // ∂bar_out = −1/x_1, ∂x_1 = bar_out/x_1².
        let expected = [p[1], p[0], p[3], p[2], -1.0 / p[5], p[4] / (p[5] * p[5])];
        let got = [a, b, c, d, e, g];
        for (i, (&got, &expected)) in got.iter().zip(&expected).enumerate() {
            assert_close(&format!("∂ param {i}"), got, expected, EXACTISH);
        }
        check_f64("params", f, &p, &got);

        // t1·t2 + sin(t3)·t1: ∂t2 = t1, ∂t3 = cos(t3)·t1, ∂t1 = t2 + sin t3.
        let (t2, t3, t1) = (0.5, -1.25, 2.0);
        let (v, d2, d3, d1) = temps_grad(t2, t3, t1);
        assert_close("value", v, temps(t2, t3, t1), EXACTISH);
        assert_close("∂t2", d2, t1, EXACTISH);
        assert_close("∂t3", d3, t3.cos() * t1, EXACTISH);
        assert_close("∂t1", d1, t2 + t3.sin(), EXACTISH);
    }

    #[test]
    fn params_named_like_cotangents() {
        // u = x·bar_x + bar_bar_x, f = (u·y)²:
        //   ∂x = 2uy²·bar_x, ∂bar_x = 2uy²·x, ∂bar_bar_x = 2uy², ∂y = 2u²y.
        let (x, bx, bbx, y) = (1.5, -2.0, 0.5, 3.0);
        let u = x * bx + bbx;
        let (v, g0, g1, g2, g3) = cotangent_names_grad(x, bx, bbx, y);
        assert_close("value", v, (u * y) * (u * y), EXACTISH);
        assert_close("∂x", g0, 2.0 * u * y * y * bx, EXACTISH);
        assert_close("∂bar_x", g1, 2.0 * u * y * y * x, EXACTISH);
        assert_close("∂bar_bar_x", g2, 2.0 * u * y * y, EXACTISH);
        assert_close("∂y", g3, 2.0 * u * u * y, EXACTISH);
        assert_close("value", v, cotangent_names(x, bx, bbx, y), EXACTISH);
    }

    #[test]
    fn generic_and_lifetime_names() {
        // [residuals·marker + r] with cotangent 2: ∂residuals = 2·marker, ∂marker = 2·residuals,
        // ∂r = 2; exact at (3, 5, 1).
        let (v, dres, dmarker, dr) = generic_names_vjp(3.0_f64, 5.0, 1.0, "l", [2.0]);
        assert_eq!(v, [16.0]);
        assert_eq!(v, generic_names(3.0, 5.0, 1.0, "l"));
        assert_eq!((dres, dmarker, dr), (10.0, 6.0, 2.0));
        let (v, dres, dmarker, dr) = generic_names_vjp(3.0_f32, 5.0, 1.0, "l", [2.0]);
        assert_eq!((v, dres, dmarker, dr), ([16.0], 10.0, 6.0, 2.0));
    }

    #[test]
    fn raw_identifiers() {
        // sin(t·m): ∂t = m cos(tm), ∂m = t cos(tm).
        let (v, dt, dm) = raw_grad(0.5, 3.0);
        assert_close("value", v, raw(0.5, 3.0), EXACTISH);
        assert_close("∂type", dt, 3.0 * 1.5_f64.cos(), EXACTISH);
        assert_close("∂match", dm, 0.5 * 1.5_f64.cos(), EXACTISH);
    }
}
