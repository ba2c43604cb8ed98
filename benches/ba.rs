//! What differentiating through calls costs (issue 4): ADBench's bundle-adjustment reprojection
//! error, at the camera, point, weight and feature of ADBench's `ba/test.txt`, in four variants:
//!
//! * `function`: the function alone (no gradient);
//! * `split`: written as `#[grad]` helpers that call each other (`objective` → `reproj_err` →
//!   `project` → `rodrigues_rotate_point`, `radial_distort`), from `src/ba.rs`, which
//!   `tests/ba.rs` checks;
//! * `single`: the same computation written as one `#[grad]` function, with no calls (also in
//!   `src/ba.rs`);
//! * `hand`: a forward sweep and a reverse sweep written by hand.
//!
//! Two groups:
//!
//! * `ba_objective`: the gradient of `e0² + e1²` (`e` the reprojection residual) in the camera
//!   (11), the point (3) and the weight (1): `objective_grad`;
//! * `ba_jacobian`: both rows of the residual's Jacobian (the 2 × 15 block ADBench stores per
//!   observation), each by a vjp with a unit cotangent (`reproj_err_vjp` twice). The inputs of
//!   the two calls go through `black_box` separately, so that the compiler cannot share one
//!   forward sweep between them (it could for the hand-written vjp, which has no residuals to
//!   keep, and the comparison would then be of two algorithms, not two implementations).
//!
//! At startup the hand-written gradients are checked against both generated ones (1e-12
//! relative per component, at several points), so that every variant does the same work.
//!
//! Every variant runs behind the same `#[inline(never)]` wrapper. After criterion's groups the
//! bench also prints each generated variant's time over the hand-written one measured side by
//! side (`interleaved`), which the host's drift does not move as it moves criterion's ratios.
//!
//! Run with `cargo bench --bench ba`; see `BENCHMARKS.md` for results.

use std::hint::black_box;
use std::time::Duration;
use testkit::bench;

use autodiff::ba::{
    objective, objective_grad, objective_single, objective_single_grad, reproj_err,
    reproj_err_single, reproj_err_single_vjp, reproj_err_vjp,
};
use criterion::Criterion;

// ---------------------------------------------------------------------------------------------
// By hand
// ---------------------------------------------------------------------------------------------

/// The value of the reprojection residual and its vjp, by hand: one forward sweep keeping the
/// intermediates, then one reverse sweep (cross products and the Rodrigues terms merged) with the
/// cotangent `cotangent(value)`, so that the objective's gradient picks `2e` after the forward
/// sweep without a second pass.
#[inline]
fn reproj_err_hand(
    cam: &[f64; 11],
    x: &[f64; 3],
    w: f64,
    feat: &[f64; 2],
    cotangent: impl FnOnce([f64; 2]) -> [f64; 2],
) -> ([f64; 2], [f64; 11], [f64; 3], f64) {
    // Forward sweep.
    let r = [cam[0], cam[1], cam[2]];
    let xo = [x[0] - cam[3], x[1] - cam[4], x[2] - cam[5]];
    let sqtheta = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
    let theta = sqtheta.sqrt();
    let (sin, cos) = theta.sin_cos();
    let inv = 1.0 / theta;
    let u = [r[0] * inv, r[1] * inv, r[2] * inv];
    let cr = [
        u[1] * xo[2] - u[2] * xo[1],
        u[2] * xo[0] - u[0] * xo[2],
        u[0] * xo[1] - u[1] * xo[0],
    ];
    let dot = u[0] * xo[0] + u[1] * xo[1] + u[2] * xo[2];
    let om = 1.0 - cos;
    let tmp = dot * om;
    let y = [
        xo[0] * cos + cr[0] * sin + u[0] * tmp,
        xo[1] * cos + cr[1] * sin + u[1] * tmp,
        xo[2] * cos + cr[2] * sin + u[2] * tmp,
    ];
    let iz = 1.0 / y[2];
    let p = [y[0] * iz, y[1] * iz];
    let rsq = p[0] * p[0] + p[1] * p[1];
    let (k1, k2) = (cam[9], cam[10]);
    let l = 1.0 + k1 * rsq + k2 * rsq * rsq;
    let q = [p[0] * l, p[1] * l];
    let f = cam[6];
    let d = [q[0] * f + cam[7] - feat[0], q[1] * f + cam[8] - feat[1]];
    let value = [w * d[0], w * d[1]];

    // Reverse sweep.
    let bar = cotangent(value);
    // e = w·d, d = q·f + (u0, v0) − feat
    let bar_w = bar[0] * d[0] + bar[1] * d[1];
    let bar_proj = [w * bar[0], w * bar[1]];
    let bar_f = bar_proj[0] * q[0] + bar_proj[1] * q[1];
    let bar_q = [bar_proj[0] * f, bar_proj[1] * f];
    // q = p·L, L = 1 + k1·rsq + k2·rsq², rsq = |p|²
    let bar_l = bar_q[0] * p[0] + bar_q[1] * p[1];
    let bar_k1 = bar_l * rsq;
    let bar_k2 = bar_l * rsq * rsq;
    let bar_rsq2 = 2.0 * bar_l * (k1 + 2.0 * k2 * rsq);
    let bar_p = [
        bar_q[0] * l + bar_rsq2 * p[0],
        bar_q[1] * l + bar_rsq2 * p[1],
    ];
    // p = y[0..2] / y[2]
    let bar_y = [
        bar_p[0] * iz,
        bar_p[1] * iz,
        -(bar_p[0] * p[0] + bar_p[1] * p[1]) * iz,
    ];
    // y = xo·cos + (u × xo)·sin + u·tmp
    let bar_cos = bar_y[0] * xo[0] + bar_y[1] * xo[1] + bar_y[2] * xo[2];
    let bar_sin = bar_y[0] * cr[0] + bar_y[1] * cr[1] + bar_y[2] * cr[2];
    let bar_tmp = bar_y[0] * u[0] + bar_y[1] * u[1] + bar_y[2] * u[2];
    let bar_cr = [bar_y[0] * sin, bar_y[1] * sin, bar_y[2] * sin];
    // tmp = dot·(1 − cos), dot = u·xo
    let bar_dot = bar_tmp * om;
    let bar_cos = bar_cos - bar_tmp * dot;
    // bar_u = bar_y·tmp + bar_dot·xo + xo × bar_cr; bar_xo = bar_y·cos + bar_dot·u + bar_cr × u
    let bar_u = [
        bar_y[0] * tmp + bar_dot * xo[0] + (xo[1] * bar_cr[2] - xo[2] * bar_cr[1]),
        bar_y[1] * tmp + bar_dot * xo[1] + (xo[2] * bar_cr[0] - xo[0] * bar_cr[2]),
        bar_y[2] * tmp + bar_dot * xo[2] + (xo[0] * bar_cr[1] - xo[1] * bar_cr[0]),
    ];
    let bar_xo = [
        bar_y[0] * cos + bar_dot * u[0] + (bar_cr[1] * u[2] - bar_cr[2] * u[1]),
        bar_y[1] * cos + bar_dot * u[1] + (bar_cr[2] * u[0] - bar_cr[0] * u[2]),
        bar_y[2] * cos + bar_dot * u[2] + (bar_cr[0] * u[1] - bar_cr[1] * u[0]),
    ];
    // u = r·(1/θ), θ = √(r·r): θ's cotangent from 1/θ, cos θ and sin θ, then through √.
    let bar_inv = bar_u[0] * r[0] + bar_u[1] * r[1] + bar_u[2] * r[2];
    let bar_theta = -bar_inv * inv * inv - bar_cos * sin + bar_sin * cos;
    let bar_sq2 = bar_theta * inv; // 2·bar_sqtheta = bar_θ / θ
    let bar_r = [
        bar_u[0] * inv + bar_sq2 * r[0],
        bar_u[1] * inv + bar_sq2 * r[1],
        bar_u[2] * inv + bar_sq2 * r[2],
    ];
    // xo = x − C
    let bar_cam = [
        bar_r[0],
        bar_r[1],
        bar_r[2],
        -bar_xo[0],
        -bar_xo[1],
        -bar_xo[2],
        bar_f,
        bar_proj[0],
        bar_proj[1],
        bar_k1,
        bar_k2,
    ];
    (value, bar_cam, bar_xo, bar_w)
}

/// The residual's vjp with the cotangent `bar`, by hand.
#[inline]
fn reproj_err_hand_vjp(
    cam: &[f64; 11],
    x: &[f64; 3],
    w: f64,
    feat: &[f64; 2],
    bar: [f64; 2],
) -> ([f64; 2], [f64; 11], [f64; 3], f64) {
    reproj_err_hand(cam, x, w, feat, |_| bar)
}

/// The gradient of `e0² + e1²` by hand: the residual's vjp with the cotangent `2e`.
#[inline]
fn objective_hand_grad(
    cam: &[f64; 11],
    x: &[f64; 3],
    w: f64,
    feat: &[f64; 2],
) -> (f64, [f64; 11], [f64; 3], f64) {
    let (e, bar_cam, bar_x, bar_w) = reproj_err_hand(cam, x, w, feat, |e| [2.0 * e[0], 2.0 * e[1]]);
    (e[0] * e[0] + e[1] * e[1], bar_cam, bar_x, bar_w)
}

// ---------------------------------------------------------------------------------------------
// Data and startup checks
// ---------------------------------------------------------------------------------------------

type Point = ([f64; 11], [f64; 3], f64, [f64; 2]);

/// The camera, point, weight and feature of ADBench's `ba/test.txt` (each replicated there).
fn adbench_point() -> Point {
    let v: Vec<f64> = include_str!("../tests/data/ba/test.txt")
        .split_whitespace()
        .map(|t| t.parse().expect("a number"))
        .collect();
    let rest = &v[3..];
    (
        rest[0..11].try_into().expect("11"),
        rest[11..14].try_into().expect("3"),
        rest[14],
        rest[15..17].try_into().expect("2"),
    )
}

/// The ADBench point and perturbations of it.
fn points() -> Vec<Point> {
    let (cam, x, w, feat) = adbench_point();
    let mut out = vec![(cam, x, w, feat)];
    for k in 1..=4 {
        let s = f64::from(k);
        let mut c = cam;
        for (i, v) in c.iter_mut().enumerate() {
            *v += 0.02 * s * ((i as f64) * 1.3 + s).sin();
        }
        c[9] = 0.04 * s;
        c[10] = -0.03 * s;
        let mut p = x;
        for (i, v) in p.iter_mut().enumerate() {
            *v += 0.4 * s * ((i as f64) - s).cos();
        }
        out.push((c, p, w + 0.15 * s, [feat[0] + 2.0 * s, feat[1] - s]));
    }
    out
}

fn flat(value: &[f64], bar_cam: &[f64; 11], bar_x: &[f64; 3], bar_w: f64) -> Vec<f64> {
    value
        .iter()
        .chain(bar_cam)
        .chain(bar_x)
        .chain([&bar_w])
        .copied()
        .collect()
}

fn assert_close(what: &str, generated: &[f64], hand: &[f64]) {
    for (i, (&a, &b)) in generated.iter().zip(hand).enumerate() {
        assert!(
            approx::relative_eq!(
                a,
                b,
                epsilon = 1e-12 * f64::MIN_POSITIVE,
                max_relative = 1e-12
            ),
            "{what}, component {i}: generated {a:e} vs hand {b:e}"
        );
    }
}

fn verify() {
    for (cam, x, w, feat) in points() {
        let (v, c, p, b) = objective_hand_grad(&cam, &x, w, &feat);
        let hand = flat(&[v], &c, &p, b);
        let (v, c, p, b) = objective_grad(&cam, &x, w, &feat);
        assert_close("objective: split vs hand", &flat(&[v], &c, &p, b), &hand);
        let (v, c, p, b) = objective_single_grad(&cam, &x, w, &feat);
        assert_close("objective: single vs hand", &flat(&[v], &c, &p, b), &hand);
        for seed in [[1.0, 0.0], [0.0, 1.0]] {
            let (v, c, p, b) = reproj_err_hand_vjp(&cam, &x, w, &feat, seed);
            let hand = flat(&v, &c, &p, b);
            let (v, c, p, b) = reproj_err_vjp(&cam, &x, w, &feat, seed);
            assert_close("row: split vs hand", &flat(&v, &c, &p, b), &hand);
            let (v, c, p, b) = reproj_err_single_vjp(&cam, &x, w, &feat, seed);
            assert_close("row: single vs hand", &flat(&v, &c, &p, b), &hand);
        }
        assert_eq!(
            objective(&cam, &x, w, &feat),
            objective_single(&cam, &x, w, &feat)
        );
        assert_eq!(
            reproj_err(&cam, &x, w, &feat),
            reproj_err_single(&cam, &x, w, &feat)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The variants, each behind the same barrier
// ---------------------------------------------------------------------------------------------

// Every variant runs behind an `#[inline(never)]` wrapper, its inputs and cotangent passed through
// `black_box`. Timed directly in the loop, LLVM inlined some variants there and not others (it
// kept `objective_vjp`, `reproj_err_vjp` and the hand-written sweeps out of line and inlined the
// single-function gradients), and folded the constant unit cotangents into the inlined ones only:
// the ratios then measured inlining luck as much as the code, by 10-20%.

type Gradient = (f64, [f64; 11], [f64; 3], f64);
type Row = ([f64; 2], [f64; 11], [f64; 3], f64);

#[inline(never)]
fn objective_value(p: &Point) -> f64 {
    objective(&p.0, &p.1, p.2, &p.3)
}

#[inline(never)]
fn objective_split(p: &Point) -> Gradient {
    objective_grad(&p.0, &p.1, p.2, &p.3)
}

#[inline(never)]
fn objective_one_function(p: &Point) -> Gradient {
    objective_single_grad(&p.0, &p.1, p.2, &p.3)
}

#[inline(never)]
fn objective_hand(p: &Point) -> Gradient {
    objective_hand_grad(&p.0, &p.1, p.2, &p.3)
}

#[inline(never)]
fn residual_value(p: &Point) -> [f64; 2] {
    reproj_err(&p.0, &p.1, p.2, &p.3)
}

#[inline(never)]
fn row_split(p: &Point, bar: [f64; 2]) -> Row {
    reproj_err_vjp(&p.0, &p.1, p.2, &p.3, bar)
}

#[inline(never)]
fn row_single(p: &Point, bar: [f64; 2]) -> Row {
    reproj_err_single_vjp(&p.0, &p.1, p.2, &p.3, bar)
}

#[inline(never)]
fn row_hand(p: &Point, bar: [f64; 2]) -> Row {
    reproj_err_hand_vjp(&p.0, &p.1, p.2, &p.3, bar)
}

/// Both rows of the Jacobian block by `row`, each vjp on its own inputs.
#[inline(always)]
fn jacobian(row: fn(&Point, [f64; 2]) -> Row, p: &Point) {
    black_box(row(black_box(p), black_box([1.0, 0.0])));
    black_box(row(black_box(p), black_box([0.0, 1.0])));
}

/// One timed call of a variant.
type Timed = fn(&Point);

/// `ba_objective`: the value alone, then the gradient three ways.
const OBJECTIVE: [(&str, Timed); 4] = [
    ("function", |p| {
        black_box(objective_value(black_box(p)));
    }),
    ("split", |p| {
        black_box(objective_split(black_box(p)));
    }),
    ("single", |p| {
        black_box(objective_one_function(black_box(p)));
    }),
    ("hand", |p| {
        black_box(objective_hand(black_box(p)));
    }),
];

/// `ba_jacobian`: the residual alone, then both rows of its Jacobian three ways.
const JACOBIAN: [(&str, Timed); 4] = [
    ("function", |p| {
        black_box(residual_value(black_box(p)));
    }),
    ("split", |p| jacobian(row_split, p)),
    ("single", |p| jacobian(row_single, p)),
    ("hand", |p| jacobian(row_hand, p)),
];

// ---------------------------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------------------------

fn bench_group(c: &mut Criterion, name: &str, variants: &[(&str, Timed)], at: &Point) {
    let mut group = c.benchmark_group(name);
    for &(variant, timed) in variants {
        group.bench_function(variant, |b| b.iter(|| timed(at)));
    }
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// Ratios measured interleaved
// ---------------------------------------------------------------------------------------------

/// Times `split`, `single` and `hand` in turn, `ROUNDS` times, and prints the median over rounds
/// of each generated variant's time over the hand-written one's in the same round. Criterion
/// times one variant for seconds, then the next: on a shared host whose speed drifts by 10-20%
/// over a minute, the ratio of two such figures drifts with it. Rounds of a few milliseconds put
/// the variants side by side in time, so that the drift cancels in each round's ratio
/// (`testkit::bench::interleaved_calls`, the order alternating, `CALLS` calls per round).
fn interleaved(name: &str, variants: &[(&str, Timed); 4], at: &Point) {
    const ROUNDS: usize = 400;
    const CALLS: usize = 20_000;
    let [_, split, single, hand] = variants.map(|(_, timed)| move || timed(at));
    let timed = bench::interleaved_calls(&[split, single, hand], &[CALLS; 3], &[ROUNDS; 3]);
    for (variant, v) in [("split", 0), ("single", 1)] {
        let [q1, median, q3] = timed.ratio(v, 2);
        println!(
            "{name}/{variant} over hand, interleaved: median {median:.3} (quartiles {q1:.3} to \
             {q3:.3}; {ROUNDS} rounds of {CALLS} calls each)"
        );
    }
}

fn main() {
    verify();
    let at = adbench_point();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_millis(2500))
        .configure_from_args();
    bench_group(&mut c, "ba_objective", &OBJECTIVE, &at);
    bench_group(&mut c, "ba_jacobian", &JACOBIAN, &at);
    c.final_summary();
    // Not when criterion only checks that the benchmarks run (`cargo bench -- --test`), lists
    // them, or runs a filtered subset.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().all(|a| a == "--bench") {
        interleaved("ba_objective", &OBJECTIVE, &at);
        interleaved("ba_jacobian", &JACOBIAN, &at);
    }
}
