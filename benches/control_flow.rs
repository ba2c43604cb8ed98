//! What the generated gradient of a loop costs (issue 11, "Performance"): each function below is
//! timed alone (`f`), through the code `#[grad]` generates (`f_grad`), and through a hand-written
//! loop adjoint (`hand`: a forward loop keeping what the reverse loop needs, then the reverse loop
//! written out in plain Rust, as one would without the library).
//!
//! * `rosenbrock`: the Rosenbrock over a slice, n = 10, 1,000 and 100,000. The iterations
//!   are independent given `x`, so the hand-written reverse loop recomputes each term from `x`
//!   and keeps no record;
//! * `recurrence`: `s = sin(s)·xᵢ + xᵢ²` over n = 1,024, `s` carried from the parameter `s0`,
//!   written with `x[i]` (`recurrence`) and with `for &xi in x` (`recurrence_iter`). The hand
//!   adjoint takes `sin_cos` once per iteration in the forward loop and keeps the pair;
//! * `euler`: explicit Euler over 1,000 steps of two damped oscillators with cubic (Duffing)
//!   springs and a linear coupling, the state a carried `[f64; 4]` and the five parameters
//!   floats; the output is the final energy-like sum of squares. The hand adjoint keeps the state
//!   of each step (32 bytes) and recomputes the accelerations in the reverse loop;
//! * `euler_checkpoint`: the same integrator with `#[checkpoint]` on its `for` loop (issue 12):
//!   the forward loop keeps only the carried state, the reverse loop runs each step again,
//!   recording, before reversing it. Timed against the same `f` and `hand` as `euler`.
//!
//! At startup the hand-written gradients are checked against the generated ones (1e-12 relative
//! per component, or 1e-12 of the largest component where terms cancel), at several points.
//!
//! Every variant runs behind an `#[inline(never)]` wrapper with its inputs through `black_box`,
//! and the gradient is dropped inside the timed call (its deallocation is timed for both).
//!
//! Three measurements, in this order:
//!
//! 1. Peak heap bytes and allocation count of one call of each variant, outside any timing, by the
//!    counting global allocator below (the approach of `tests/no_alloc.rs`, with a byte counter
//!    and a high-water mark added);
//! 2. criterion groups `cf_<case>` with `f`, `f_grad`, `hand` (medians in criterion's report);
//! 3. `interleaved`: the three variants timed in turn in rounds of about 2 ms each, the order
//!    alternating, and the median over rounds of t_grad / t_hand and t_grad / t_f printed with
//!    quartiles. This host's speed drifts over a minute (see `BENCHMARKS.md`, BA), which moves
//!    criterion's sequential ratios; side by side in each round the drift cancels.
//!
//! Run with `cargo bench --bench control_flow`; see `BENCHMARKS.md` for results.

#![allow(
    clippy::needless_range_loop,
    clippy::ptr_arg,
    reason = "the #[grad] functions are written as the issue writes them"
)]

use std::hint::black_box;
use std::time::Duration;
use testkit::alloc::{CountingAllocator, peak_heap};
use testkit::bench;

use autodiff_runtime::grad;
use criterion::Criterion;

// ---------------------------------------------------------------------------------------------
// (a) Rosenbrock over a slice
// ---------------------------------------------------------------------------------------------

/// The example, as written there.
#[grad]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += (1.0 - x[i]).powi(2) + 100.0 * (x[i + 1] - x[i] * x[i]).powi(2);
    }
    s
}

/// Rosenbrock's value and gradient by hand: the forward loop as in [`rosenbrock`], then its
/// reverse loop. `x` is not written, so each iteration's intermediates are recomputed from it and
/// nothing is kept between the two loops (`bar_s` is the seed 1 in every iteration).
#[inline]
fn rosenbrock_hand(x: &[f64]) -> (f64, Vec<f64>) {
    let n = x.len();
    let mut s = 0.0;
    for i in 0..n - 1 {
        s += (1.0 - x[i]).powi(2) + 100.0 * (x[i + 1] - x[i] * x[i]).powi(2);
    }
    let mut bar_x = vec![0.0; n];
    for i in (0..n - 1).rev() {
        let a = 1.0 - x[i];
        let b = x[i + 1] - x[i] * x[i];
        // ∂/∂xᵢ of (1 − xᵢ)² + 100 b² = −2a − 400 xᵢ b; ∂/∂xᵢ₊₁ = 200 b.
        bar_x[i] += -2.0 * a - 400.0 * x[i] * b;
        bar_x[i + 1] += 200.0 * b;
    }
    (s, bar_x)
}

// ---------------------------------------------------------------------------------------------
// (b) A scalar recurrence
// ---------------------------------------------------------------------------------------------

/// `s ← sin(s)·xᵢ + xᵢ²` from `s = s0`, indexing the slice.
#[grad]
fn recurrence(x: &[f64], s0: f64) -> f64 {
    let mut s = s0;
    for i in 0..x.len() {
        s = s.sin() * x[i] + x[i] * x[i];
    }
    s
}

/// The same recurrence over the slice's elements.
#[grad]
fn recurrence_iter(x: &[f64], s0: f64) -> f64 {
    let mut s = s0;
    for &xi in x {
        s = s.sin() * xi + xi * xi;
    }
    s
}

/// The recurrence's value and gradient by hand. The forward loop keeps `(sin s, cos s)` of each
/// iteration's carried-in `s` (one `sin_cos`); the reverse loop then needs no libm call:
/// `bar_xᵢ = bar_s·(sin s + 2xᵢ)`, `bar_s ← bar_s·xᵢ·cos s`.
#[inline]
fn recurrence_hand(x: &[f64], s0: f64) -> (f64, Vec<f64>, f64) {
    let n = x.len();
    let mut kept = Vec::with_capacity(n);
    let mut s = s0;
    for &xi in x {
        let (sin, cos) = s.sin_cos();
        kept.push((sin, cos));
        s = sin * xi + xi * xi;
    }
    let mut bar_x = vec![0.0; n];
    let mut bar_s = 1.0;
    for i in (0..n).rev() {
        let (sin, cos) = kept[i];
        bar_x[i] = bar_s * (sin + 2.0 * x[i]);
        bar_s *= x[i] * cos;
    }
    (s, bar_x, bar_s)
}

// ---------------------------------------------------------------------------------------------
// (c) Explicit Euler on two coupled damped Duffing oscillators
// ---------------------------------------------------------------------------------------------

/// The number of Euler steps.
const STEPS: usize = 1000;

/// Positions `y[0]`, `y[1]`, velocities `y[2]`, `y[3]`: `q̈ᵢ = −k qᵢ − β qᵢ³ − k_c (qᵢ − qⱼ) − c q̇ᵢ`,
/// `steps` explicit Euler steps of `dt`; the output is `q₀² + q₁² + ½(q̇₀² + q̇₁²)` at the end.
#[grad]
fn euler(y0: [f64; 4], k: f64, beta: f64, kc: f64, c: f64, dt: f64, steps: usize) -> f64 {
    let mut y = y0;
    for _ in 0..steps {
        let a0 = -k * y[0] - beta * y[0].powi(3) - kc * (y[0] - y[1]) - c * y[2];
        let a1 = -k * y[1] - beta * y[1].powi(3) - kc * (y[1] - y[0]) - c * y[3];
        y = [
            y[0] + dt * y[2],
            y[1] + dt * y[3],
            y[2] + dt * a0,
            y[3] + dt * a1,
        ];
    }
    y[0] * y[0] + y[1] * y[1] + 0.5 * (y[2] * y[2] + y[3] * y[3])
}

/// [`euler`] with `#[checkpoint]` on its loop: the forward sweep keeps the carried `y` of each
/// step, the reverse sweep runs the step again, recording, then reverses it.
#[grad]
fn euler_checkpoint(
    y0: [f64; 4],
    k: f64,
    beta: f64,
    kc: f64,
    c: f64,
    dt: f64,
    steps: usize,
) -> f64 {
    let mut y = y0;
    #[checkpoint]
    for _ in 0..steps {
        let a0 = -k * y[0] - beta * y[0].powi(3) - kc * (y[0] - y[1]) - c * y[2];
        let a1 = -k * y[1] - beta * y[1].powi(3) - kc * (y[1] - y[0]) - c * y[3];
        y = [
            y[0] + dt * y[2],
            y[1] + dt * y[3],
            y[2] + dt * a0,
            y[3] + dt * a1,
        ];
    }
    y[0] * y[0] + y[1] * y[1] + 0.5 * (y[2] * y[2] + y[3] * y[3])
}

/// The parameters of [`euler`] after `y0`: `k`, `beta`, `kc`, `c`, `dt`.
type EulerParams = [f64; 5];

/// [`euler`]'s gradient: `(value, ∂y0, ∂k, ∂β, ∂k_c, ∂c, ∂dt)`.
type EulerGrad = (f64, [f64; 4], f64, f64, f64, f64, f64);

/// Euler's value and gradient by hand: the forward loop keeps the state each step starts from,
/// the reverse loop recomputes the two accelerations from it and applies the step's transpose.
#[inline]
fn euler_hand(y0: [f64; 4], p: EulerParams, steps: usize) -> EulerGrad {
    let [k, beta, kc, c, dt] = p;
    let mut kept = Vec::with_capacity(steps);
    let mut y = y0;
    for _ in 0..steps {
        kept.push(y);
        let a0 = -k * y[0] - beta * y[0].powi(3) - kc * (y[0] - y[1]) - c * y[2];
        let a1 = -k * y[1] - beta * y[1].powi(3) - kc * (y[1] - y[0]) - c * y[3];
        y = [
            y[0] + dt * y[2],
            y[1] + dt * y[3],
            y[2] + dt * a0,
            y[3] + dt * a1,
        ];
    }
    let value = y[0] * y[0] + y[1] * y[1] + 0.5 * (y[2] * y[2] + y[3] * y[3]);
    let mut bar = [2.0 * y[0], 2.0 * y[1], y[2], y[3]];
    let (mut bar_k, mut bar_beta, mut bar_kc, mut bar_c, mut bar_dt) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for y in kept.iter().rev() {
        let (q0, q1, v0, v1) = (y[0], y[1], y[2], y[3]);
        let (q0_2, q1_2) = (q0 * q0, q1 * q1);
        let d = q0 - q1;
        let a0 = -k * q0 - beta * (q0_2 * q0) - kc * d - c * v0;
        let a1 = -k * q1 - beta * (q1_2 * q1) + kc * d - c * v1;
        // y' = [q0 + dt v0, q1 + dt v1, v0 + dt a0, v1 + dt a1]
        bar_dt += bar[0] * v0 + bar[1] * v1 + bar[2] * a0 + bar[3] * a1;
        let (bar_a0, bar_a1) = (bar[2] * dt, bar[3] * dt);
        bar_k -= bar_a0 * q0 + bar_a1 * q1;
        bar_beta -= bar_a0 * (q0_2 * q0) + bar_a1 * (q1_2 * q1);
        let bar_d = bar_a0 - bar_a1;
        bar_kc -= bar_d * d;
        bar_c -= bar_a0 * v0 + bar_a1 * v1;
        bar = [
            bar[0] - bar_a0 * (k + 3.0 * beta * q0_2) - kc * bar_d,
            bar[1] - bar_a1 * (k + 3.0 * beta * q1_2) + kc * bar_d,
            bar[2] + dt * bar[0] - c * bar_a0,
            bar[3] + dt * bar[1] - c * bar_a1,
        ];
    }
    (value, bar, bar_k, bar_beta, bar_kc, bar_c, bar_dt)
}

// ---------------------------------------------------------------------------------------------
// Inputs and startup checks
// ---------------------------------------------------------------------------------------------

/// `n` values in about [−1.2, 1.6] (not all near Rosenbrock's minimum at 1, so that no term is
/// zero), drawn from `testkit`'s generator.
fn slice_input(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = testkit::SplitMix64::new(seed);
    (0..n).map(|_| rng.range(-1.2, 1.6)).collect()
}

/// Values for the recurrence: `xᵢ` in [1.5, 2.5]. `∂s_n/∂x_1` is a product of the factors
/// `xᵢ cos sᵢ₋₁`; with `|xᵢ| < 1` it underflows to subnormals within a few hundred steps (1e-530
/// after 1,024 at [−0.9, 0.9]), which would time subnormal arithmetic. In this range the
/// product stays within about 1e±50 over 1,024 steps (checked in `verify`).
fn recurrence_input(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = testkit::SplitMix64::new(seed);
    (0..n).map(|_| rng.range(1.5, 2.5)).collect()
}

const EULER_POINTS: [([f64; 4], EulerParams); 3] = [
    ([1.0, -0.5, 0.0, 0.3], [4.0, 0.5, 1.0, 0.1, 0.01]),
    ([0.3, 0.8, -0.6, 0.1], [2.5, 1.5, 0.4, 0.3, 0.005]),
    ([-1.1, 0.2, 0.4, -0.9], [6.0, 0.2, 2.0, 0.05, 0.008]),
];

/// `a` and `b` agree to 1e-12 relative, or to 1e-12 of `scale` (the largest component, for a
/// component that is a small difference of large terms).
fn close(a: f64, b: f64, scale: f64) -> bool {
    a.is_finite() && (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(scale)
}

fn assert_all_close(what: &str, generated: &[f64], hand: &[f64]) {
    assert_eq!(generated.len(), hand.len(), "{what}: lengths");
    let scale = hand.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    for (i, (&a, &b)) in generated.iter().zip(hand).enumerate() {
        assert!(
            close(a, b, scale),
            "{what}, component {i}: generated {a:e} vs hand {b:e}"
        );
    }
}

fn verify() {
    for n in [2, 3, 10, 1000, 100_000] {
        for seed in [1, 2] {
            let x = slice_input(n, seed);
            let (v, g) = rosenbrock_grad(&x);
            let (hv, hg) = rosenbrock_hand(&x);
            assert_eq!(v, rosenbrock(&x), "rosenbrock value, n = {n}");
            assert_eq!(hv, v, "rosenbrock hand value, n = {n}");
            assert_all_close(&format!("rosenbrock n = {n}"), &g, &hg);
        }
    }
    for n in [1, 2, 17, 1024] {
        for (seed, s0) in [(3, 0.4), (4, -1.3), (5, 2.0)] {
            let x = recurrence_input(n, seed);
            let (v, g, gs) = recurrence_grad(&x, s0);
            let (iv, ig, igs) = recurrence_iter_grad(&x, s0);
            let (hv, hg, hgs) = recurrence_hand(&x, s0);
            assert_eq!(v, recurrence(&x, s0), "recurrence value, n = {n}");
            assert_eq!(iv, v, "recurrence_iter value, n = {n}");
            assert_eq!(hv, v, "recurrence hand value, n = {n}");
            let hand = [&hg[..], &[hgs]].concat();
            let what = format!("recurrence n = {n}, s0 = {s0}");
            assert_all_close(&what, &[&g[..], &[gs]].concat(), &hand);
            assert_all_close(
                &format!("{what} (iter)"),
                &[&ig[..], &[igs]].concat(),
                &hand,
            );
            assert!(
                hand.iter().all(|v| v.abs() > 1e-100 && v.abs() < 1e100),
                "{what}: a component underflows or overflows"
            );
        }
    }
    for (y0, p) in EULER_POINTS {
        for steps in [0, 1, 7, STEPS] {
            let [k, beta, kc, c, dt] = p;
            let (v, gy, gk, gb, gkc, gc, gdt) = euler_grad(y0, k, beta, kc, c, dt, steps);
            let (hv, hy, hk, hb, hkc, hc, hdt) = euler_hand(y0, p, steps);
            assert_eq!(v, euler(y0, k, beta, kc, c, dt, steps), "euler value");
            assert_eq!(
                euler_checkpoint_grad(y0, k, beta, kc, c, dt, steps),
                (v, gy, gk, gb, gkc, gc, gdt),
                "euler_checkpoint: the store-all gradient, to the bit"
            );
            assert_eq!(hv, v, "euler hand value, {steps} steps");
            assert_all_close(
                &format!("euler at {y0:?}, {p:?}, {steps} steps"),
                &[gy[0], gy[1], gy[2], gy[3], gk, gb, gkc, gc, gdt],
                &[hy[0], hy[1], hy[2], hy[3], hk, hb, hkc, hc, hdt],
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The variants, each behind the same barrier
// ---------------------------------------------------------------------------------------------

/// The input of one case: a slice and a scalar (the scalar is `s0` for the recurrences, unused
/// by Rosenbrock), or Euler's point.
enum Input {
    Slice(Vec<f64>, f64),
    Euler([f64; 4], EulerParams),
}

/// One timed call of a variant.
type Timed = fn(&Input);

#[inline(never)]
fn rosenbrock_f(x: &[f64]) -> f64 {
    rosenbrock(x)
}

#[inline(never)]
fn rosenbrock_generated(x: &[f64]) -> (f64, Vec<f64>) {
    rosenbrock_grad(x)
}

#[inline(never)]
fn rosenbrock_by_hand(x: &[f64]) -> (f64, Vec<f64>) {
    rosenbrock_hand(x)
}

#[inline(never)]
fn recurrence_f(x: &[f64], s0: f64) -> f64 {
    recurrence(x, s0)
}

#[inline(never)]
fn recurrence_generated(x: &[f64], s0: f64) -> (f64, Vec<f64>, f64) {
    recurrence_grad(x, s0)
}

#[inline(never)]
fn recurrence_iter_f(x: &[f64], s0: f64) -> f64 {
    recurrence_iter(x, s0)
}

#[inline(never)]
fn recurrence_iter_generated(x: &[f64], s0: f64) -> (f64, Vec<f64>, f64) {
    recurrence_iter_grad(x, s0)
}

#[inline(never)]
fn recurrence_by_hand(x: &[f64], s0: f64) -> (f64, Vec<f64>, f64) {
    recurrence_hand(x, s0)
}

#[inline(never)]
fn euler_f(y0: [f64; 4], p: &EulerParams, steps: usize) -> f64 {
    let [k, beta, kc, c, dt] = *p;
    euler(y0, k, beta, kc, c, dt, steps)
}

#[inline(never)]
fn euler_generated(y0: [f64; 4], p: &EulerParams, steps: usize) -> EulerGrad {
    let [k, beta, kc, c, dt] = *p;
    euler_grad(y0, k, beta, kc, c, dt, steps)
}

#[inline(never)]
fn euler_checkpoint_generated(y0: [f64; 4], p: &EulerParams, steps: usize) -> EulerGrad {
    let [k, beta, kc, c, dt] = *p;
    euler_checkpoint_grad(y0, k, beta, kc, c, dt, steps)
}

#[inline(never)]
fn euler_by_hand(y0: [f64; 4], p: &EulerParams, steps: usize) -> EulerGrad {
    euler_hand(y0, *p, steps)
}

fn slice(input: &Input) -> (&[f64], f64) {
    match input {
        Input::Slice(x, s0) => (black_box(&x[..]), black_box(*s0)),
        Input::Euler(..) => unreachable!("a slice case"),
    }
}

fn euler_point(input: &Input) -> ([f64; 4], &EulerParams, usize) {
    match input {
        Input::Euler(y0, p) => (black_box(*y0), black_box(p), black_box(STEPS)),
        Input::Slice(..) => unreachable!("the Euler case"),
    }
}

/// `[f, f_grad, hand]` of each function.
const ROSENBROCK: [(&str, Timed); 3] = [
    ("f", |i| {
        black_box(rosenbrock_f(slice(i).0));
    }),
    ("f_grad", |i| {
        black_box(rosenbrock_generated(slice(i).0));
    }),
    ("hand", |i| {
        black_box(rosenbrock_by_hand(slice(i).0));
    }),
];

const RECURRENCE: [(&str, Timed); 3] = [
    ("f", |i| {
        let (x, s0) = slice(i);
        black_box(recurrence_f(x, s0));
    }),
    ("f_grad", |i| {
        let (x, s0) = slice(i);
        black_box(recurrence_generated(x, s0));
    }),
    ("hand", |i| {
        let (x, s0) = slice(i);
        black_box(recurrence_by_hand(x, s0));
    }),
];

const RECURRENCE_ITER: [(&str, Timed); 3] = [
    ("f", |i| {
        let (x, s0) = slice(i);
        black_box(recurrence_iter_f(x, s0));
    }),
    ("f_grad", |i| {
        let (x, s0) = slice(i);
        black_box(recurrence_iter_generated(x, s0));
    }),
    ("hand", |i| {
        let (x, s0) = slice(i);
        black_box(recurrence_by_hand(x, s0));
    }),
];

const EULER: [(&str, Timed); 3] = [
    ("f", |i| {
        let (y0, p, steps) = euler_point(i);
        black_box(euler_f(y0, p, steps));
    }),
    ("f_grad", |i| {
        let (y0, p, steps) = euler_point(i);
        black_box(euler_generated(y0, p, steps));
    }),
    ("hand", |i| {
        let (y0, p, steps) = euler_point(i);
        black_box(euler_by_hand(y0, p, steps));
    }),
];

/// As [`EULER`], with the checkpointed gradient as `f_grad`.
const EULER_CHECKPOINT: [(&str, Timed); 3] = [
    EULER[0],
    ("f_grad", |i| {
        let (y0, p, steps) = euler_point(i);
        black_box(euler_checkpoint_generated(y0, p, steps));
    }),
    EULER[2],
];

/// A benchmark case: its name, its input and its three variants.
struct Case {
    name: &'static str,
    input: Input,
    variants: [(&'static str, Timed); 3],
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for n in [10, 1000, 100_000] {
        out.push(Case {
            name: match n {
                10 => "rosenbrock_n10",
                1000 => "rosenbrock_n1000",
                _ => "rosenbrock_n100000",
            },
            input: Input::Slice(slice_input(n, 1), 0.0),
            variants: ROSENBROCK,
        });
    }
    out.push(Case {
        name: "recurrence_n1024",
        input: Input::Slice(recurrence_input(1024, 3), 0.4),
        variants: RECURRENCE,
    });
    out.push(Case {
        name: "recurrence_iter_n1024",
        input: Input::Slice(recurrence_input(1024, 3), 0.4),
        variants: RECURRENCE_ITER,
    });
    let (y0, p) = EULER_POINTS[0];
    out.push(Case {
        name: "euler_1000_steps",
        input: Input::Euler(y0, p),
        variants: EULER,
    });
    out.push(Case {
        name: "euler_checkpoint_1000_steps",
        input: Input::Euler(y0, p),
        variants: EULER_CHECKPOINT,
    });
    out
}

// ---------------------------------------------------------------------------------------------
// Peak heap memory: a counting global allocator
// ---------------------------------------------------------------------------------------------

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn memory(cases: &[Case]) {
    // The counter sees allocations made while counting.
    let (bytes, n) = peak_heap(|| drop(black_box(Vec::<f64>::with_capacity(10))));
    assert_eq!((bytes, n), (80, 1), "the counting allocator missed a Vec");
    for case in cases {
        let peaks = case
            .variants
            .map(|(variant, timed)| (variant, peak_heap(|| timed(&case.input))));
        let line: Vec<String> = peaks
            .iter()
            .map(|(variant, (bytes, n))| format!("{variant} {bytes} B in {n} allocations"))
            .collect();
        let [_, (_, (grad, _)), (_, (hand, _))] = peaks;
        println!(
            "{}: peak heap {} (f_grad / hand {:.2})",
            case.name,
            line.join(", "),
            grad as f64 / hand as f64
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Criterion
// ---------------------------------------------------------------------------------------------

fn bench_case(c: &mut Criterion, case: &Case) {
    let mut group = c.benchmark_group(format!("cf_{}", case.name));
    if case.name == "rosenbrock_n100000" {
        // About a millisecond per gradient: fewer samples keep the group near its budget.
        group.sample_size(30);
    }
    for (variant, timed) in case.variants {
        group.bench_function(variant, |b| b.iter(|| timed(&case.input)));
    }
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// Ratios measured interleaved
// ---------------------------------------------------------------------------------------------

/// Times `f`, `f_grad` and `hand` in turn, `ROUNDS` times, each for about `ROUND` seconds (the
/// number of calls fixed beforehand from the slowest variant's time), alternating the order
/// (`testkit::bench::interleaved`), and prints the median over rounds of t_grad / t_hand and
/// t_grad / t_f, and each variant's median time per call.
fn interleaved(case: &Case) {
    const ROUNDS: usize = 300;
    const ROUND: f64 = 2e-3;
    let input = &case.input;
    let variants = case.variants.map(|(_, timed)| move || timed(input));
    let timed = bench::interleaved(&variants, ROUNDS, ROUND);
    let calls = timed.calls[0];
    let [h1, hm, h3] = timed.ratio(1, 2);
    let [f1, fm, f3] = timed.ratio(1, 0);
    let [t_f, t_grad, t_hand] = [0, 1, 2].map(|v| timed.median(v) * 1e9);
    println!(
        "{}, interleaved ({ROUNDS} rounds of {calls} calls): t_grad / t_hand median {hm:.3} \
         (quartiles {h1:.3} to {h3:.3}), t_grad / t_f median {fm:.3} (quartiles {f1:.3} to \
         {f3:.3}); per call f {t_f:.0} ns, f_grad {t_grad:.0} ns, hand {t_hand:.0} ns",
        case.name
    );
}

fn main() {
    verify();
    let cases = cases();
    // Not when criterion only checks that the benchmarks run (`cargo bench -- --test`), lists
    // them, or runs a filtered subset.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let full_run = args.iter().all(|a| a == "--bench");
    if full_run {
        memory(&cases);
    }
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_millis(2500))
        .configure_from_args();
    for case in &cases {
        bench_case(&mut c, case);
    }
    c.final_summary();
    if full_run {
        for case in &cases {
            interleaved(case);
        }
    }
}
