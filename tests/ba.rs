//! ADBench's bundle-adjustment objective (issue 4), written as `#[grad]` helpers that call each
//! other, and again as one `#[grad]` function, checked against
//!
//! * ADBench's reference values for `ba/test.txt`: the reprojection and weight residuals, and
//!   the sparse Jacobian computed by another AD system (the independent oracle), with ADBench's
//!   tolerance `rho(x, y) = |x − y| / max(1, |x| + |y|) ≤ 1e-8`;
//! * central differences of the original functions (`autodiff_runtime::check`);
//! * each other (the split helpers and the single function agree to rounding).
//!
//! The functions, and the formulas they follow, are in `src/ba.rs` (shared with the
//! benchmark). Only the `θ² ≠ 0` branch of Rodrigues' formula is written (`if` is not supported
//! in a `#[grad]` body); the test camera's rotation is nonzero. The data is embedded with
//! `include_str!` from `tests/data/ba/` (see its README for the provenance).

use autodiff::adbench::rho;
use autodiff::ba::*;
use autodiff_runtime::check;

const INPUT: &str = include_str!("data/ba/test.txt");
const EXPECTED: &str = include_str!("data/ba/reference/test.expected.txt");

// ---------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------

/// ADBench's `ba` input: `n m p`, then one camera, point, weight and feature, replicated.
struct Problem {
    n: usize,
    m: usize,
    p: usize,
    cams: Vec<[f64; 11]>,
    points: Vec<[f64; 3]>,
    weights: Vec<f64>,
    features: Vec<[f64; 2]>,
}

fn numbers(text: &str) -> Vec<f64> {
    text.split_whitespace()
        .map(|t| {
            t.parse()
                .unwrap_or_else(|e| panic!("`{t}` is not a number: {e}"))
        })
        .collect()
}

fn problem() -> Problem {
    let v = numbers(INPUT);
    let (n, m, p) = (v[0] as usize, v[1] as usize, v[2] as usize);
    let rest = &v[3..];
    assert_eq!(
        rest.len(),
        11 + 3 + 1 + 2,
        "one camera, point, weight, feature"
    );
    let cam: [f64; 11] = rest[0..11].try_into().expect("11 values");
    let point: [f64; 3] = rest[11..14].try_into().expect("3 values");
    let weight = rest[14];
    let feature: [f64; 2] = rest[15..17].try_into().expect("2 values");
    Problem {
        n,
        m,
        p,
        cams: vec![cam; n],
        points: vec![point; m],
        weights: vec![weight; p],
        features: vec![feature; p],
    }
}

/// The sections of the reference file, by name.
struct Expected {
    reproj_err: Vec<f64>,
    w_err: Vec<f64>,
    j_vals: Vec<f64>,
}

fn expected() -> Expected {
    let mut sections: Vec<(String, Vec<f64>)> = Vec::new();
    for line in EXPECTED.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with(|c: char| c.is_ascii_alphabetic()) {
            sections.push((line.to_string(), Vec::new()));
        } else {
            sections
                .last_mut()
                .expect("numbers after a section name")
                .1
                .extend(numbers(line));
        }
    }
    let mut take = |name: &str| {
        let i = sections
            .iter()
            .position(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no section `{name}` in the reference file"));
        sections.remove(i).1
    };
    Expected {
        reproj_err: take("reproj_err"),
        w_err: take("w_err"),
        j_vals: take("J_vals"),
    }
}

const ADBENCH_TOL: f64 = 1e-8;

fn assert_rho(what: &str, ours: &[f64], reference: &[f64]) {
    assert_eq!(
        ours.len(),
        reference.len(),
        "{what}: {} values but the reference has {}",
        ours.len(),
        reference.len()
    );
    for (i, (&a, &b)) in ours.iter().zip(reference).enumerate() {
        assert!(
            rho(a, b) <= ADBENCH_TOL,
            "{what}[{i}]: ours {a:e}, ADBench {b:e}, rho {:e} > {ADBENCH_TOL:e}",
            rho(a, b)
        );
    }
}

/// A camera, a point, a weight and a feature.
type Observation = ([f64; 11], [f64; 3], f64, [f64; 2]);

type Reproj =
    fn(&[f64; 11], &[f64; 3], f64, &[f64; 2], [f64; 2]) -> ([f64; 2], [f64; 11], [f64; 3], f64);

/// The 15 nonzeros of reprojection row `row` (0 or 1) of one observation: the vjp with the
/// `row`-th unit cotangent, ordered [11 cam, 3 point, 1 weight] as ADBench stores them.
fn jacobian_row(
    vjp: Reproj,
    cam: &[f64; 11],
    x: &[f64; 3],
    w: f64,
    feat: &[f64; 2],
    row: usize,
) -> Vec<f64> {
    let mut seed = [0.0; 2];
    seed[row] = 1.0;
    let (_, bar_cam, bar_x, bar_w) = vjp(cam, x, w, feat, seed);
    bar_cam
        .iter()
        .chain(&bar_x)
        .chain([&bar_w])
        .copied()
        .collect()
}

/// ADBench's outputs for the whole problem, from a vjp of the reprojection residual:
/// `reproj_err` (2p), `w_err` (p) and `J_vals` in ADBench's CSR order.
fn adbench_outputs(problem: &Problem, vjp: Reproj) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut reproj = Vec::new();
    let mut werr = Vec::new();
    let mut j_vals = Vec::new();
    for i in 0..problem.p {
        let cam = &problem.cams[i % problem.n];
        let x = &problem.points[i % problem.m];
        let (w, feat) = (problem.weights[i], &problem.features[i]);
        let (value, ..) = vjp(cam, x, w, feat, [0.0, 0.0]);
        reproj.extend(value);
        for row in 0..2 {
            j_vals.extend(jacobian_row(vjp, cam, x, w, feat, row));
        }
    }
    for i in 0..problem.p {
        let (value, dw) = w_err_grad(problem.weights[i]);
        werr.push(value);
        j_vals.push(dw);
    }
    (reproj, werr, j_vals)
}

// ---------------------------------------------------------------------------------------------
// Against ADBench's reference
// ---------------------------------------------------------------------------------------------

#[test]
fn the_input_is_adbench_test_txt() {
    let problem = problem();
    assert_eq!((problem.n, problem.m, problem.p), (2, 10, 10));
    let rot = &problem.cams[0][0..3];
    assert!(
        rot.iter().map(|r| r * r).sum::<f64>() > 0.0,
        "the sqtheta = 0 branch is not written"
    );
    let expected = expected();
    assert_eq!(expected.reproj_err.len(), 2 * problem.p);
    assert_eq!(expected.w_err.len(), problem.p);
    assert_eq!(expected.j_vals.len(), 15 * 2 * problem.p + problem.p);
}

#[test]
fn residuals_match_adbench() {
    let problem = problem();
    let expected = expected();
    let mut reproj = Vec::new();
    let mut werr = Vec::new();
    for i in 0..problem.p {
        let cam = &problem.cams[i % problem.n];
        let x = &problem.points[i % problem.m];
        let (w, feat) = (problem.weights[i], &problem.features[i]);
        let e = reproj_err(cam, x, w, feat);
        assert_eq!(
            e,
            reproj_err_single(cam, x, w, feat),
            "split and single differ"
        );
        let squared = objective_single(cam, x, w, feat);
        assert!((objective(cam, x, w, feat) - squared).abs() <= 1e-15 * squared.max(1.0));
        reproj.extend(e);
        werr.push(w_err(problem.weights[i]));
    }
    assert_rho(
        "reproj_err (the original function)",
        &reproj,
        &expected.reproj_err,
    );
    assert_rho("w_err", &werr, &expected.w_err);
}

#[test]
fn split_helpers_match_adbench_jacobian() {
    let problem = problem();
    let expected = expected();
    let (reproj, werr, j_vals) = adbench_outputs(&problem, reproj_err_vjp);
    assert_rho(
        "reproj_err (split helpers' vjp value)",
        &reproj,
        &expected.reproj_err,
    );
    assert_rho("w_err", &werr, &expected.w_err);
    assert_rho("J_vals (split helpers)", &j_vals, &expected.j_vals);
}

#[test]
fn single_function_matches_adbench_jacobian() {
    let problem = problem();
    let expected = expected();
    let (reproj, werr, j_vals) = adbench_outputs(&problem, reproj_err_single_vjp);
    assert_rho(
        "reproj_err (single function's vjp value)",
        &reproj,
        &expected.reproj_err,
    );
    assert_rho("w_err", &werr, &expected.w_err);
    assert_rho("J_vals (single function)", &j_vals, &expected.j_vals);
}

// ---------------------------------------------------------------------------------------------
// Against central differences
// ---------------------------------------------------------------------------------------------

/// Points to check at: the ADBench observation, and perturbations of it (every coordinate
/// moved, so that no derivative is checked only where it happens to vanish).
fn points() -> Vec<Observation> {
    let problem = problem();
    let (cam, x, w, feat) = (
        problem.cams[0],
        problem.points[0],
        problem.weights[0],
        problem.features[0],
    );
    let mut out = vec![(cam, x, w, feat)];
    for k in 1..=3 {
        let s = f64::from(k);
        let mut c = cam;
        for (i, v) in c.iter_mut().enumerate() {
            *v += 0.01 * s * ((i as f64) * 1.7 + s).sin();
        }
        // Keep the distortion visible and the rotation away from zero.
        c[9] = 0.05 * s;
        c[10] = -0.02 * s;
        let mut p = x;
        for (i, v) in p.iter_mut().enumerate() {
            *v += 0.3 * s * ((i as f64) * 0.9 - s).cos();
        }
        out.push((c, p, w + 0.1 * s, [feat[0] + s, feat[1] - s]));
    }
    out
}

#[test]
fn reproj_err_rows_match_central_differences() {
    for (cam, x, w, feat) in points() {
        for row in 0..2 {
            let mut seed = [0.0; 2];
            seed[row] = 1.0;
            let (_, bar_cam, bar_x, bar_w) = reproj_err_vjp(&cam, &x, w, &feat, seed);
            check::Checker::default()
                .names(["cam", "x", "w"])
                .check(
                    |(c, p, w): &([f64; 11], [f64; 3], f64)| reproj_err(c, p, *w, &feat)[row],
                    &(cam, x, w),
                    &(bar_cam, bar_x, bar_w),
                )
                .assert_ok();
        }
    }
}

#[test]
fn objective_gradient_matches_central_differences() {
    for (cam, x, w, feat) in points() {
        let (value, bar_cam, bar_x, bar_w) = objective_grad(&cam, &x, w, &feat);
        let e = reproj_err(&cam, &x, w, &feat);
        assert_eq!(value, e[0] * e[0] + e[1] * e[1]);
        check::Checker::default()
            .names(["cam", "x", "w"])
            .check(
                |(c, p, w): &([f64; 11], [f64; 3], f64)| objective(c, p, *w, &feat),
                &(cam, x, w),
                &(bar_cam, bar_x, bar_w),
            )
            .assert_ok();
    }
}

#[test]
fn helpers_match_central_differences() {
    for (cam, x, _, _) in points() {
        let rot = [cam[0], cam[1], cam[2]];
        let xo = [x[0] - cam[3], x[1] - cam[4], x[2] - cam[5]];
        for out in 0..3 {
            let mut seed = [0.0; 3];
            seed[out] = 1.0;
            let (_, bar_rot, bar_x) = rodrigues_rotate_point_vjp(&rot, &xo, seed);
            check::gradient(
                |(r, p): &([f64; 3], [f64; 3])| rodrigues_rotate_point(r, p)[out],
                &(rot, xo),
                &(bar_rot, bar_x),
            )
            .assert_ok();
        }
        let k = [cam[9], cam[10]];
        let p = [0.3 + 0.01 * cam[0], -0.2 + 0.01 * cam[1]];
        for out in 0..2 {
            let mut seed = [0.0; 2];
            seed[out] = 1.0;
            let (_, bar_k, bar_p) = radial_distort_vjp(&k, &p, seed);
            check::gradient(
                |(k, p): &([f64; 2], [f64; 2])| radial_distort(k, p)[out],
                &(k, p),
                &(bar_k, bar_p),
            )
            .assert_ok();
            let (_, bar_cam, bar_x) = project_vjp(&cam, &x, seed);
            check::gradient(
                |(c, p): &([f64; 11], [f64; 3])| project(c, p)[out],
                &(cam, x),
                &(bar_cam, bar_x),
            )
            .assert_ok();
        }
    }
}

#[test]
fn rodrigues_is_a_rotation() {
    // |R x| = |x|, and rotating by θ about an axis keeps the axis fixed.
    let rot = [0.3, -0.4, 1.2];
    let x = [1.0, 2.0, -0.5];
    let y = rodrigues_rotate_point(&rot, &x);
    let norm = |v: &[f64; 3]| (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    assert!((norm(&y) - norm(&x)).abs() < 1e-14);
    let axis = rodrigues_rotate_point(&rot, &rot);
    for i in 0..3 {
        assert!((axis[i] - rot[i]).abs() < 1e-14);
    }
    // A quarter turn about z sends e_x to e_y.
    let q = rodrigues_rotate_point(&[0.0, 0.0, std::f64::consts::FRAC_PI_2], &[1.0, 0.0, 0.0]);
    assert!(q[0].abs() < 1e-15 && (q[1] - 1.0).abs() < 1e-15 && q[2].abs() < 1e-15);
}

// ---------------------------------------------------------------------------------------------
// Split helpers against the single function
// ---------------------------------------------------------------------------------------------

/// Rounding-level agreement: both compute the same expression, in a different association.
fn assert_agree(what: &str, a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len());
    for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
        let scale = x.abs().max(y.abs()).max(1.0);
        assert!(
            (x - y).abs() <= 1e-12 * scale,
            "{what}[{i}]: split {x:e}, single {y:e}"
        );
    }
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

#[test]
fn split_and_single_agree() {
    for (cam, x, w, feat) in points() {
        for seed in [[1.0, 0.0], [0.0, 1.0], [0.7, -1.3]] {
            let (v, c, p, b) = reproj_err_vjp(&cam, &x, w, &feat, seed);
            let (v1, c1, p1, b1) = reproj_err_single_vjp(&cam, &x, w, &feat, seed);
            assert_agree(
                "reproj_err vjp",
                &flat(&v, &c, &p, b),
                &flat(&v1, &c1, &p1, b1),
            );
        }
        let (v, c, p, b) = objective_grad(&cam, &x, w, &feat);
        let (v1, c1, p1, b1) = objective_single_grad(&cam, &x, w, &feat);
        assert_agree(
            "objective gradient",
            &flat(&[v], &c, &p, b),
            &flat(&[v1], &c1, &p1, b1),
        );
    }
}

#[test]
fn split_mode_of_the_caller() {
    // The forward half, then the backward half, is the vjp.
    let problem = problem();
    let (cam, x, w, feat) = (
        problem.cams[0],
        problem.points[0],
        problem.weights[0],
        problem.features[0],
    );
    let (value, residuals) = reproj_err_fwd(&cam, &x, w, &feat);
    assert_eq!(value, reproj_err(&cam, &x, w, &feat));
    let (bar_cam, bar_x, bar_w) = reproj_err_bwd(residuals, [0.25, -2.0]);
    let (v, c, p, b) = reproj_err_vjp(&cam, &x, w, &feat, [0.25, -2.0]);
    assert_eq!((value, bar_cam, bar_x, bar_w), (v, c, p, b));
}
