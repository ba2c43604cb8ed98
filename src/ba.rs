//! ADBench's bundle-adjustment objective (issue 4), shared by `tests/ba.rs` (which checks it
//! against ADBench's reference values, central differences and itself) and `benches/ba.rs`
//! (which times it): written as `#[grad]` helpers that call each other, and again as one
//! `#[grad]` function.
//!
//! The formulas are those of ADBench's C++ reference (`src/cpp/shared/ba.h`):
//!
//! ```text
//! Xcam = R(r) · (X − C)          r = cam[0..3], C = cam[3..6], R by Rodrigues' formula
//! p    = Xcam[0..2] / Xcam[2]
//! p   ← p · (1 + k1·|p|² + k2·|p|⁴)  k1 = cam[9], k2 = cam[10]
//! proj = p · f + (u0, v0)        f = cam[6], (u0, v0) = cam[7..9]
//! reproj_err = w · (proj − feat),    w_err = 1 − w²
//! ```
//!
//! Only the `θ² ≠ 0` branch of Rodrigues' formula is written (`if` is not supported in a
//! `#[grad]` body).

use autodiff_runtime::grad;

// ---------------------------------------------------------------------------------------------
// The objective, split into helpers
// ---------------------------------------------------------------------------------------------

/// Rotates `x` by the axis-angle vector `rot` (Rodrigues' formula, `|rot| ≠ 0` branch).
#[grad]
pub fn rodrigues_rotate_point(rot: &[f64; 3], x: &[f64; 3]) -> [f64; 3] {
    let sqtheta = rot[0] * rot[0] + rot[1] * rot[1] + rot[2] * rot[2];
    let theta = sqtheta.sqrt();
    let costheta = theta.cos();
    let sintheta = theta.sin();
    let theta_inverse = 1.0 / theta;
    let w0 = rot[0] * theta_inverse;
    let w1 = rot[1] * theta_inverse;
    let w2 = rot[2] * theta_inverse;
    // w × x
    let c0 = w1 * x[2] - w2 * x[1];
    let c1 = w2 * x[0] - w0 * x[2];
    let c2 = w0 * x[1] - w1 * x[0];
    let tmp = (w0 * x[0] + w1 * x[1] + w2 * x[2]) * (1.0 - costheta);
    [
        x[0] * costheta + c0 * sintheta + w0 * tmp,
        x[1] * costheta + c1 * sintheta + w1 * tmp,
        x[2] * costheta + c2 * sintheta + w2 * tmp,
    ]
}

/// ADBench's two-parameter radial distortion of a projected point.
#[grad]
pub fn radial_distort(k: &[f64; 2], p: &[f64; 2]) -> [f64; 2] {
    let rsq = p[0] * p[0] + p[1] * p[1];
    let l = 1.0 + k[0] * rsq + k[1] * rsq * rsq;
    [p[0] * l, p[1] * l]
}

/// The pixel of point `x` seen by camera `cam`.
#[grad]
pub fn project(cam: &[f64; 11], x: &[f64; 3]) -> [f64; 2] {
    let rot = [cam[0], cam[1], cam[2]];
    let xo = [x[0] - cam[3], x[1] - cam[4], x[2] - cam[5]];
    let xcam = rodrigues_rotate_point(&rot, &xo);
    let p = [xcam[0] / xcam[2], xcam[1] / xcam[2]];
    let k = [cam[9], cam[10]];
    let distorted = radial_distort(&k, &p);
    [
        distorted[0] * cam[6] + cam[7],
        distorted[1] * cam[6] + cam[8],
    ]
}

/// ADBench's reprojection residual `w · (proj − feat)`; `feat` is data.
#[grad(wrt(cam, x, w))]
pub fn reproj_err(cam: &[f64; 11], x: &[f64; 3], w: f64, feat: &[f64; 2]) -> [f64; 2] {
    let proj = project(cam, x);
    [w * (proj[0] - feat[0]), w * (proj[1] - feat[1])]
}

/// ADBench's weight residual `1 − w²`.
#[grad]
pub fn w_err(w: f64) -> f64 {
    1.0 - w * w
}

/// The squared norm of one observation's residual, `e0² + e1²` (a scalar objective calling the
/// whole chain).
#[grad(wrt(cam, x, w))]
pub fn objective(cam: &[f64; 11], x: &[f64; 3], w: f64, feat: &[f64; 2]) -> f64 {
    let e = reproj_err(cam, x, w, feat);
    e[0] * e[0] + e[1] * e[1]
}

// ---------------------------------------------------------------------------------------------
// The same objective as one function
// ---------------------------------------------------------------------------------------------

/// [`reproj_err`] with every helper inlined by hand.
#[grad(wrt(cam, x, w))]
pub fn reproj_err_single(cam: &[f64; 11], x: &[f64; 3], w: f64, feat: &[f64; 2]) -> [f64; 2] {
    let x0 = x[0] - cam[3];
    let x1 = x[1] - cam[4];
    let x2 = x[2] - cam[5];
    let sqtheta = cam[0] * cam[0] + cam[1] * cam[1] + cam[2] * cam[2];
    let theta = sqtheta.sqrt();
    let costheta = theta.cos();
    let sintheta = theta.sin();
    let theta_inverse = 1.0 / theta;
    let w0 = cam[0] * theta_inverse;
    let w1 = cam[1] * theta_inverse;
    let w2 = cam[2] * theta_inverse;
    let c0 = w1 * x2 - w2 * x1;
    let c1 = w2 * x0 - w0 * x2;
    let c2 = w0 * x1 - w1 * x0;
    let tmp = (w0 * x0 + w1 * x1 + w2 * x2) * (1.0 - costheta);
    let xc0 = x0 * costheta + c0 * sintheta + w0 * tmp;
    let xc1 = x1 * costheta + c1 * sintheta + w1 * tmp;
    let xc2 = x2 * costheta + c2 * sintheta + w2 * tmp;
    let p0 = xc0 / xc2;
    let p1 = xc1 / xc2;
    let rsq = p0 * p0 + p1 * p1;
    let l = 1.0 + cam[9] * rsq + cam[10] * rsq * rsq;
    let proj0 = p0 * l * cam[6] + cam[7];
    let proj1 = p1 * l * cam[6] + cam[8];
    [w * (proj0 - feat[0]), w * (proj1 - feat[1])]
}

/// [`objective`] as one function (no calls).
#[grad(wrt(cam, x, w))]
pub fn objective_single(cam: &[f64; 11], x: &[f64; 3], w: f64, feat: &[f64; 2]) -> f64 {
    let x0 = x[0] - cam[3];
    let x1 = x[1] - cam[4];
    let x2 = x[2] - cam[5];
    let sqtheta = cam[0] * cam[0] + cam[1] * cam[1] + cam[2] * cam[2];
    let theta = sqtheta.sqrt();
    let costheta = theta.cos();
    let sintheta = theta.sin();
    let theta_inverse = 1.0 / theta;
    let w0 = cam[0] * theta_inverse;
    let w1 = cam[1] * theta_inverse;
    let w2 = cam[2] * theta_inverse;
    let c0 = w1 * x2 - w2 * x1;
    let c1 = w2 * x0 - w0 * x2;
    let c2 = w0 * x1 - w1 * x0;
    let tmp = (w0 * x0 + w1 * x1 + w2 * x2) * (1.0 - costheta);
    let xc0 = x0 * costheta + c0 * sintheta + w0 * tmp;
    let xc1 = x1 * costheta + c1 * sintheta + w1 * tmp;
    let xc2 = x2 * costheta + c2 * sintheta + w2 * tmp;
    let p0 = xc0 / xc2;
    let p1 = xc1 / xc2;
    let rsq = p0 * p0 + p1 * p1;
    let l = 1.0 + cam[9] * rsq + cam[10] * rsq * rsq;
    let proj0 = p0 * l * cam[6] + cam[7];
    let proj1 = p1 * l * cam[6] + cam[8];
    let e0 = w * (proj0 - feat[0]);
    let e1 = w * (proj1 - feat[1]);
    e0 * e0 + e1 * e1
}
