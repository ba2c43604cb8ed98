//! What the generated gradient costs, next to the function itself, a hand-written adjoint and
//! central finite differences, on two scalar functions:
//!
//! * `seed`: the example of the README, `f(x, y) = a + sin a` with `a = x·y`;
//! * `camera`: a ~35-operation straight-line loss of six inputs (rotate a point, project it
//!   through a pinhole with radial distortion, compare with a target pixel, weight by a Gaussian
//!   falloff in depth, add a regulariser), with values used several times (fan-out).
//!
//! For each function one criterion group holds four variants:
//!
//! * `f`: the function alone;
//! * `f_grad`: the code `#[grad]` generated (value and gradient);
//! * `hand_adjoint`: a forward sweep then a reverse sweep written by hand, returning the same
//!   value and gradient;
//! * `central_fd`: what a user has without the library, central differences, two evaluations
//!   of `f` per input (the value itself is not evaluated, which favours this variant by one call).
//!
//! At startup the hand-written adjoint is checked against `f_grad` (1e-12 relative, per
//! component, at several points) so that the two do the same work; finite differences are
//! checked loosely (1e-6 of the largest component) against them.
//!
//! Run with `cargo bench --bench scalar`; see `BENCHMARKS.md` for results.

use std::hint::black_box;
use std::time::Duration;

use autodiff_runtime::grad;
use criterion::Criterion;

// ---------------------------------------------------------------------------------------------
// The seed example
// ---------------------------------------------------------------------------------------------

/// `f(x, y) = xy + sin(xy)`.
#[grad]
fn seed(x: f64, y: f64) -> f64 {
    let a = x * y;
    let b = a.sin();
    a + b
}

/// The adjoint of [`seed`] as one would write it by hand.
#[inline]
fn seed_hand(x: f64, y: f64) -> (f64, f64, f64) {
    // Forward sweep.
    let a = x * y;
    let b = a.sin();
    let value = a + b;
    // Reverse sweep, seeded with 1.
    let bar_a = 1.0 + a.cos();
    (value, bar_a * y, bar_a * x)
}

// ---------------------------------------------------------------------------------------------
// A ~35-operation camera loss
// ---------------------------------------------------------------------------------------------

/// Rotate the point `(px, pz)` by `theta` about the vertical axis, translate it by `tx` and 4
/// in depth, project it with focal length `focal` and radial distortion `k1`, and return a robust
/// (log) error to the target pixel 0.3, weighted by a Gaussian of the depth offset, plus a small
/// regulariser. Intermediate values (`c`, `s`, `zc`, `u`, `r2`, `k1`, `focal`) fan out.
#[grad]
fn camera(focal: f64, k1: f64, theta: f64, tx: f64, px: f64, pz: f64) -> f64 {
    let c = theta.cos();
    let s = theta.sin();
    let xc = c * px - s * pz + tx;
    let zc = s * px + c * pz + 4.0;
    let iz = 1.0 / zc;
    let u = xc * iz;
    let r2 = u * u;
    let d = 1.0 + k1 * r2 + 0.5 * k1 * k1 * r2.powi(2);
    let up = focal * u * d;
    let e = up - 0.3;
    let dz = zc - 4.0;
    let w = (-0.5 * dz * dz).exp();
    let rho = (1.0 + e * e).ln();
    let reg = (r2 + focal * focal).sqrt();
    w * rho + 0.01 * reg
}

/// The adjoint of [`camera`] as an expert would write it by hand: one forward sweep keeping
/// the intermediates, one reverse sweep with the local derivatives simplified and merged.
#[inline]
fn camera_hand(focal: f64, k1: f64, theta: f64, tx: f64, px: f64, pz: f64) -> (f64, [f64; 6]) {
    // Forward sweep.
    let c = theta.cos();
    let s = theta.sin();
    let xc = c * px - s * pz + tx;
    let zc = s * px + c * pz + 4.0;
    let iz = 1.0 / zc;
    let u = xc * iz;
    let r2 = u * u;
    let r4 = r2.powi(2);
    let d = 1.0 + k1 * r2 + 0.5 * k1 * k1 * r4;
    let fu = focal * u;
    let e = fu * d - 0.3;
    let dz = zc - 4.0;
    let w = (-0.5 * dz * dz).exp();
    let q = 1.0 + e * e;
    let rho = q.ln();
    let reg = (r2 + focal * focal).sqrt();
    let value = w * rho + 0.01 * reg;

    // Reverse sweep, seeded with 1.
    // value = w·rho + 0.01·reg, reg = sqrt(r2 + focal²)
    let bar_g = 0.005 / reg;
    let mut bar_r2 = bar_g;
    let mut bar_focal = 2.0 * focal * bar_g;
    // rho = ln(1 + e²), e = focal·u·d − 0.3
    let bar_e = 2.0 * e * w / q;
    let bar_d = bar_e * fu;
    let bar_fu = bar_e * d;
    bar_focal += bar_fu * u;
    let mut bar_u = bar_fu * focal;
    // d = 1 + k1·r2 + ½·k1²·r2²
    let bar_k1 = bar_d * (r2 + k1 * r4);
    bar_r2 += bar_d * k1 * (1.0 + k1 * r2);
    // w = exp(−½·dz²), dz = zc − 4
    let mut bar_zc = -(rho * w * dz);
    // r2 = u², u = xc / zc
    bar_u += 2.0 * u * bar_r2;
    let bar_xc = bar_u * iz;
    bar_zc -= bar_u * xc * iz * iz;
    // xc = c·px − s·pz + tx, zc = s·px + c·pz + 4
    let bar_c = bar_xc * px + bar_zc * pz;
    let bar_s = bar_zc * px - bar_xc * pz;
    let bar_px = bar_xc * c + bar_zc * s;
    let bar_pz = bar_zc * c - bar_xc * s;
    let bar_theta = bar_s * c - bar_c * s;
    (
        value,
        [bar_focal, bar_k1, bar_theta, bar_xc, bar_px, bar_pz],
    )
}

// ---------------------------------------------------------------------------------------------
// Central finite differences
// ---------------------------------------------------------------------------------------------

/// The step of central differences for a coordinate of magnitude `x`: ∛ε scaled.
#[inline]
fn step(x: f64) -> f64 {
    6.0e-6 * (1.0 + x.abs())
}

/// Central differences of `f` at `x`: 2·N evaluations. Each perturbed point goes through
/// `black_box`, so every evaluation is really made (the compiler may not share `theta.cos()`
/// between evaluations that do not perturb `theta`).
#[inline]
fn central_fd<const N: usize>(f: impl Fn([f64; N]) -> f64, x: [f64; N]) -> [f64; N] {
    let mut g = [0.0; N];
    for i in 0..N {
        let h = step(x[i]);
        let mut xp = x;
        xp[i] += h;
        let mut xm = x;
        xm[i] -= h;
        g[i] = (f(black_box(xp)) - f(black_box(xm))) / (2.0 * h);
    }
    g
}

#[inline]
fn seed_fd(x: f64, y: f64) -> [f64; 2] {
    central_fd(|[x, y]| seed(x, y), [x, y])
}

#[inline]
fn camera_fd(p: [f64; 6]) -> [f64; 6] {
    central_fd(
        |[focal, k1, theta, tx, px, pz]| camera(focal, k1, theta, tx, px, pz),
        p,
    )
}

// ---------------------------------------------------------------------------------------------
// Startup checks
// ---------------------------------------------------------------------------------------------

fn close(a: f64, b: f64, rel: f64) -> bool {
    approx::relative_eq!(a, b, epsilon = rel * f64::MIN_POSITIVE, max_relative = rel)
}

/// Finite differences carry an absolute error, so they are compared to the largest component.
fn close_fd(exact: &[f64], fd: &[f64]) -> Option<usize> {
    let scale = exact.iter().fold(f64::MIN_POSITIVE, |m, g| m.max(g.abs()));
    (0..exact.len()).find(|&i| (exact[i] - fd[i]).abs() > 1e-6 * scale)
}

const SEED_POINTS: [[f64; 2]; 4] = [[2.0, 3.0], [0.3, -1.7], [-1.1, 0.45], [5.0, 0.2]];

const CAMERA_POINTS: [[f64; 6]; 4] = [
    [1.2, 0.15, 0.3, 0.4, 0.7, 0.5],
    [0.9, -0.2, -0.45, 0.1, -0.6, 1.1],
    [1.5, 0.05, 1.1, -0.3, 0.25, -0.4],
    [0.7, 0.3, -0.8, 0.6, 1.3, 0.9],
];

/// The point every variant is timed at.
const SEED_AT: [f64; 2] = SEED_POINTS[0];
const CAMERA_AT: [f64; 6] = CAMERA_POINTS[0];

fn verify() {
    for [x, y] in SEED_POINTS {
        let (v, gx, gy) = seed_grad(x, y);
        let (hv, hx, hy) = seed_hand(x, y);
        assert_eq!(v, seed(x, y), "seed_grad value at {x}, {y}");
        for (what, a, b) in [("value", v, hv), ("d/dx", gx, hx), ("d/dy", gy, hy)] {
            assert!(
                close(a, b, 1e-12),
                "seed {what} at ({x}, {y}): generated {a} vs hand {b}"
            );
        }
        let fd = seed_fd(x, y);
        let bad = close_fd(&[gx, gy], &fd);
        assert!(
            bad.is_none(),
            "seed FD {fd:?} vs {:?} at ({x}, {y})",
            [gx, gy]
        );
    }
    for p @ [focal, k1, theta, tx, px, pz] in CAMERA_POINTS {
        let (v, g0, g1, g2, g3, g4, g5) = camera_grad(focal, k1, theta, tx, px, pz);
        let generated = [g0, g1, g2, g3, g4, g5];
        let (hv, hand) = camera_hand(focal, k1, theta, tx, px, pz);
        assert_eq!(
            v,
            camera(focal, k1, theta, tx, px, pz),
            "camera_grad value at {p:?}"
        );
        assert!(close(v, hv, 1e-12), "camera value at {p:?}: {v} vs {hv}");
        for (i, (a, b)) in generated.into_iter().zip(hand).enumerate() {
            assert!(
                close(a, b, 1e-12),
                "camera component {i} at {p:?}: generated {a} vs hand {b}"
            );
        }
        let fd = camera_fd(p);
        let bad = close_fd(&generated, &fd);
        assert!(bad.is_none(), "camera FD {fd:?} vs {generated:?} at {p:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------------------------

fn bench_seed(c: &mut Criterion) {
    let [x, y] = SEED_AT;
    let mut group = c.benchmark_group("seed");
    group.bench_function("f", |b| {
        b.iter(|| black_box(seed(black_box(x), black_box(y))))
    });
    group.bench_function("f_grad", |b| {
        b.iter(|| black_box(seed_grad(black_box(x), black_box(y))))
    });
    group.bench_function("hand_adjoint", |b| {
        b.iter(|| black_box(seed_hand(black_box(x), black_box(y))))
    });
    group.bench_function("central_fd", |b| {
        b.iter(|| black_box(seed_fd(black_box(x), black_box(y))))
    });
    group.finish();
}

fn bench_camera(c: &mut Criterion) {
    let mut group = c.benchmark_group("camera");
    group.bench_function("f", |b| {
        b.iter(|| {
            let [focal, k1, theta, tx, px, pz] = black_box(CAMERA_AT);
            black_box(camera(focal, k1, theta, tx, px, pz))
        })
    });
    group.bench_function("f_grad", |b| {
        b.iter(|| {
            let [focal, k1, theta, tx, px, pz] = black_box(CAMERA_AT);
            black_box(camera_grad(focal, k1, theta, tx, px, pz))
        })
    });
    group.bench_function("hand_adjoint", |b| {
        b.iter(|| {
            let [focal, k1, theta, tx, px, pz] = black_box(CAMERA_AT);
            black_box(camera_hand(focal, k1, theta, tx, px, pz))
        })
    });
    group.bench_function("central_fd", |b| {
        b.iter(|| black_box(camera_fd(black_box(CAMERA_AT))))
    });
    group.finish();
}

fn main() {
    verify();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    bench_seed(&mut c);
    bench_camera(&mut c);
    c.final_summary();
}
