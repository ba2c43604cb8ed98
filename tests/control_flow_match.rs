//! The control-flow spec's test of `match` (`API.md`, "Control flow"; issue 11): on integers
//! (literal, range, `|` and `_` patterns, negative literals), on `bool`s, and on field-less
//! enums; arms that are expressions or blocks; `match` as a statement that assigns some
//! variables in some arms; arms returning fixed-size arrays; a `return` from an arm; `match`
//! inside a loop. Every gradient is that of the arm that ran, checked against a closed form
//! (derivation in the comment above each function) at a value of the scrutinee for every arm.

#![allow(
    clippy::assign_op_pattern,
    clippy::match_like_matches_macro,
    clippy::match_bool,
    clippy::needless_range_loop,
    clippy::needless_return,
    reason = "the #[grad] functions spell out the constructs under test"
)]

mod common;

use autodiff_runtime::grad;
use common::{EXACTISH, assert_close, assert_grad_close, check_f32, check_f64};

// ---------------------------------------------------------------------------------------------
// Integers.
// ---------------------------------------------------------------------------------------------

// k = 0: x; 1: x²; 2: sin x; otherwise eˣ. f' = 1, 2x, cos x, eˣ.
#[grad]
fn match_literals(x: f64, k: u32) -> f64 {
    match k {
        0 => x,
        1 => x * x,
        2 => x.sin(),
        _ => x.exp(),
    }
}

#[test]
fn match_on_integer_literals() {
    for x in [0.7, -1.3] {
        for k in 0..5 {
            let (v, d) = match_literals_grad(x, k);
            assert_eq!(v, match_literals(x, k));
            let e = match k {
                0 => 1.0,
                1 => 2.0 * x,
                2 => x.cos(),
                _ => x.exp(),
            };
            assert_close(&format!("k = {k}"), d, e, EXACTISH);
        }
    }
}

// Range, `|`, negative-literal and `_` patterns on an i32.
//   −10..=−1: f = xy:         ∂x = y,          ∂y = x
//   0 | 1:    f = x + y²:     ∂x = 1,          ∂y = 2y
//   2..5:     f = sin(xy):    ∂x = y cos(xy),  ∂y = x cos(xy)
//   −20:      f = x²:         ∂x = 2x,         ∂y = 0
//   _:        f = eˣy:        ∂x = eˣy,        ∂y = eˣ
#[grad]
fn match_ranges(x: f64, y: f64, n: i32) -> f64 {
    match n {
        -10..=-1 => x * y,
        0 | 1 => x + y * y,
        2..5 => (x * y).sin(),
        -20 => x * x,
        _ => x.exp() * y,
    }
}

#[test]
fn match_on_integer_ranges_and_alternatives() {
    for (x, y) in [(0.8, -1.4), (-1.2, 0.5)] {
        for n in [-10, -3, -1, 0, 1, 2, 4, 5, -20, -11, 100] {
            let (v, dx, dy) = match_ranges_grad(x, y, n);
            assert_eq!(v, match_ranges(x, y, n));
            let (ex, ey) = match n {
                -10..=-1 => (y, x),
                0 | 1 => (1.0, 2.0 * y),
                2..5 => (y * (x * y).cos(), x * (x * y).cos()),
                -20 => (2.0 * x, 0.0),
                _ => (x.exp() * y, x.exp()),
            };
            assert_close(&format!("∂x, n = {n}"), dx, ex, EXACTISH);
            assert_close(&format!("∂y, n = {n}"), dy, ey, EXACTISH);
        }
    }
}

// A match as a statement: its arms are blocks assigning a, b or neither; a·b after it.
//   k mod 3 = 0: a = xy, b = y:       f = xy²:         ∂x = y²,     ∂y = 2xy
//   k mod 3 = 1: a = x, b = eˣ + y:   f = x(eˣ + y):   ∂x = eˣ + y + xeˣ, ∂y = x
//   k mod 3 = 2: a = x, b = y:        f = xy:          ∂x = y,      ∂y = x
#[grad]
fn match_statement(x: f64, y: f64, k: usize) -> f64 {
    let mut a = x;
    let mut b = y;
    match k % 3 {
        0 => {
            a = a * b;
        }
        1 => {
            let t = a.exp();
            b = t + b;
        }
        _ => {}
    }
    a * b
}

#[test]
fn match_as_a_statement_with_block_arms() {
    for (x, y) in [(0.6, 1.7), (-1.1, 0.4)] {
        for k in [0, 1, 2, 3, 7] {
            let (v, dx, dy) = match_statement_grad(x, y, k);
            assert_eq!(v, match_statement(x, y, k));
            let (ex, ey) = match k % 3 {
                0 => (y * y, 2.0 * x * y),
                1 => (x.exp() + y + x * x.exp(), x),
                _ => (y, x),
            };
            assert_close(&format!("∂x, k = {k}"), dx, ex, EXACTISH);
            assert_close(&format!("∂y, k = {k}"), dy, ey, EXACTISH);
        }
    }
}

// Arms producing fixed-size arrays; f = p₀·p₁ + p₀.
//   0: p = [x, y]:   f = xy + x:   ∂x = y + 1, ∂y = x
//   1: p = [y, x²]:  f = x²y + y:  ∂x = 2xy,   ∂y = x² + 1
//   _: p = [1, x]:   f = x + 1:    ∂x = 1,     ∂y = 0
#[grad]
fn match_array_arms(x: f64, y: f64, k: u8) -> f64 {
    let p = match k {
        0 => [x, y],
        1 => [y, x * x],
        _ => [1.0, x],
    };
    p[0] * p[1] + p[0]
}

#[test]
fn match_arms_producing_arrays() {
    for (x, y) in [(1.3, -0.7), (-0.4, 1.9)] {
        for k in 0..3 {
            let (v, dx, dy) = match_array_arms_grad(x, y, k);
            assert_eq!(v, match_array_arms(x, y, k));
            let (ex, ey) = match k {
                0 => (y + 1.0, x),
                1 => (2.0 * x * y, x * x + 1.0),
                _ => (1.0, 0.0),
            };
            assert_close(&format!("∂x, k = {k}"), dx, ex, EXACTISH);
            assert_close(&format!("∂y, k = {k}"), dy, ey, EXACTISH);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bools.
// ---------------------------------------------------------------------------------------------

// r = x − y if x > y, else (y − x)·y; f = r².
//   x > y: ∂x = 2r, ∂y = −2r.   x ≤ y: ∂x = −2r·y, ∂y = 2r(2y − x).
#[grad]
fn match_bool(x: f64, y: f64) -> f64 {
    let r = match x > y {
        true => x - y,
        false => (y - x) * y,
    };
    r * r
}

// A match on a bool parameter whose arms hold lets.
//   flag: f = sin x · y.   !flag: f = x² + y.
#[grad]
fn match_bool_parameter(x: f64, y: f64, flag: bool) -> f64 {
    match flag {
        true => {
            let s = x.sin();
            s * y
        }
        false => {
            let q = x * x;
            q + y
        }
    }
}

#[test]
fn match_on_bools() {
    for (x, y) in [(1.5, 0.5), (-0.4, 1.2)] {
        let (v, dx, dy) = match_bool_grad(x, y);
        assert_eq!(v, match_bool(x, y));
        let (ex, ey) = if x > y {
            let r = x - y;
            (2.0 * r, -2.0 * r)
        } else {
            let r = (y - x) * y;
            (-2.0 * r * y, 2.0 * r * (2.0 * y - x))
        };
        assert_close("∂x", dx, ex, EXACTISH);
        assert_close("∂y", dy, ey, EXACTISH);

        for flag in [true, false] {
            let (v, dx, dy) = match_bool_parameter_grad(x, y, flag);
            assert_eq!(v, match_bool_parameter(x, y, flag));
            let (ex, ey) = if flag {
                (x.cos() * y, x.sin())
            } else {
                (2.0 * x, 1.0)
            };
            assert_close("∂x", dx, ex, EXACTISH);
            assert_close("∂y", dy, ey, EXACTISH);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Field-less enums.
// ---------------------------------------------------------------------------------------------

/// An activation chosen at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Activation {
    Identity,
    Square,
    Sine,
    Cosine,
    Softplus,
}

const ALL: [Activation; 5] = [
    Activation::Identity,
    Activation::Square,
    Activation::Sine,
    Activation::Cosine,
    Activation::Softplus,
];

// z = wx; f = act(z) with `|` joining two variants into one arm:
//   Identity: z;  Square: z²;  Sine | Cosine: sin z + cos z;  Softplus: ln(1 + eᶻ).
//   ∂x = w·act'(z), ∂w = x·act'(z).
#[grad]
fn match_enum(x: f64, w: f64, act: Activation) -> f64 {
    let z = w * x;
    match act {
        Activation::Identity => z,
        Activation::Square => z * z,
        Activation::Sine | Activation::Cosine => z.sin() + z.cos(),
        Activation::Softplus => (1.0 + z.exp()).ln(),
    }
}

fn activation_derivative(act: Activation, z: f64) -> f64 {
    match act {
        Activation::Identity => 1.0,
        Activation::Square => 2.0 * z,
        Activation::Sine | Activation::Cosine => z.cos() - z.sin(),
        Activation::Softplus => 1.0 / (1.0 + (-z).exp()),
    }
}

#[test]
fn match_on_a_fieldless_enum() {
    for (x, w) in [(0.9, -1.4), (-0.3, 2.2)] {
        for act in ALL {
            let (v, dx, dw) = match_enum_grad(x, w, act);
            assert_eq!(v, match_enum(x, w, act));
            let g = activation_derivative(act, w * x);
            assert_close(&format!("∂x, {act:?}"), dx, w * g, EXACTISH);
            assert_close(&format!("∂w, {act:?}"), dw, x * g, EXACTISH);
        }
    }
}

// A layer per element, its activation read from a slice of enums in a loop, and a `_` arm.
//   f = Σᵢ actᵢ(w·xᵢ) with Square → z², Sine → sin z, anything else → z.
//   ∂xᵢ = w·actᵢ'(zᵢ), ∂w = Σ xᵢ·actᵢ'(zᵢ).
#[grad]
fn match_enum_in_loop(x: &[f64], w: f64, acts: &[Activation]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let z = w * x[i];
        s += match acts[i] {
            Activation::Square => z * z,
            Activation::Sine => z.sin(),
            _ => z,
        };
    }
    s
}

#[test]
fn match_on_enums_inside_a_loop() {
    let x = [0.5, -1.2, 0.9, 2.0, -0.3];
    let acts = [
        Activation::Square,
        Activation::Sine,
        Activation::Identity,
        Activation::Softplus,
        Activation::Square,
    ];
    for w in [0.7, -1.1] {
        let (v, dx, dw) = match_enum_in_loop_grad(&x, w, &acts);
        assert_eq!(v, match_enum_in_loop(&x, w, &acts));
        let g: Vec<f64> = (0..5)
            .map(|i| {
                let z = w * x[i];
                match acts[i] {
                    Activation::Square => 2.0 * z,
                    Activation::Sine => z.cos(),
                    _ => 1.0,
                }
            })
            .collect();
        let ex: Vec<f64> = g.iter().map(|gi| w * gi).collect();
        let ew: f64 = (0..5).map(|i| x[i] * g[i]).sum();
        assert_grad_close("∂x", w, &dx, &ex, EXACTISH);
        assert_close("∂w", dw, ew, EXACTISH);
    }
}

// ---------------------------------------------------------------------------------------------
// Inside loops, and with `return`.
// ---------------------------------------------------------------------------------------------

// Codes chosen per element: 0 → xᵢ, 1 → xᵢ², 2 | 3 → sin(xᵢ)·s (the running sum so far),
// other → nothing. Checked against central differences (the sum feeds back into itself).
#[grad]
fn match_in_loop(x: &[f64], codes: &[u8]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += match codes[i] {
            0 => x[i],
            1 => x[i] * x[i],
            2 | 3 => x[i].sin() * s,
            _ => 0.0,
        };
    }
    s
}

#[test]
fn match_inside_a_loop() {
    let codes = [0, 1, 2, 9, 3, 1, 0];
    for x in [
        [0.5, -1.2, 0.9, 2.0, -0.3, 1.1, 0.4],
        [1.3, 0.2, -0.8, 0.6, 1.9, -0.5, -1.0],
    ] {
        let (v, d) = match_in_loop_grad(&x, &codes);
        assert_eq!(v, match_in_loop(&x, &codes));
        assert_eq!(d[3], 0.0, "code 9 reads nothing");
        check_f64("match_in_loop", |q| match_in_loop(q, &codes), &x, &d);
    }
}

// An arm that returns: k = 0 returns −x (f' = −1); otherwise x³·k (f' = 3x²k).
#[grad]
fn match_arm_returns(x: f64, k: u32) -> f64 {
    let y = match k {
        0 => return -x,
        _ => x * x * x,
    };
    y * k as f64
}

#[test]
fn match_arm_with_return() {
    for x in [0.7, -1.3] {
        for k in 0..3 {
            let (v, d) = match_arm_returns_grad(x, k);
            assert_eq!(v, match_arm_returns(x, k));
            let e = if k == 0 { -1.0 } else { 3.0 * x * x * k as f64 };
            assert_close(&format!("k = {k}"), d, e, EXACTISH);
        }
    }
}

// f32: k = 0: x·y; 1..=3: x² − y; _: sin(x)·y.
#[grad]
fn match_f32(x: f32, y: f32, k: i64) -> f32 {
    match k {
        0 => x * y,
        1..=3 => x * x - y,
        _ => x.sin() * y,
    }
}

#[test]
fn match_in_f32() {
    for p in [[1.25_f32, -0.75], [-0.5, 1.5]] {
        for k in [0, 2, 7] {
            let (v, dx, dy) = match_f32_grad(p[0], p[1], k);
            assert_eq!(v, match_f32(p[0], p[1], k));
            check_f32("match_f32", |q| match_f32(q[0], q[1], k), &p, &[dx, dy]);
        }
    }
}
