//! The expert baseline: ADBench's hand-written GMM gradient (`src/cpp/modules/manual/gmm_d.cpp`,
//! the "Manual" tool), ported line for line to plain Rust.
//!
//! For each point and component it computes `Q·xc` once and from it the component's derivative
//! terms (`Qᵀ Q xc` for the mean, `1 − Q_ii·xc_i·(Q xc)_i` for the log-diagonal, `−xc_i·(Q xc)_j`
//! for the lower triangle), then scales them by the component's softmax weight
//! (`logsumexp_d`) and adds them into the gradient. Nothing is kept from one point to the next.

#![allow(
    clippy::needless_range_loop,
    clippy::too_many_arguments,
    reason = "a port of ADBench's C++, indices as there"
)]

use super::{ADBENCH_PI, GmmInput, Wishart, wishart_constant};

/// `out = Qᵀ·x` for `Q` given by its diagonal `ldiag` and the component's `icf` row (its
/// strictly lower triangle from index `d`).
fn q_transpose_times_x(d: usize, ldiag: &[f64], icf: &[f64], x: &[f64], out: &mut [f64]) {
    let mut lparams = d;
    for i in 0..d {
        out[i] = ldiag[i] * x[i];
    }
    for i in 0..d {
        for j in i + 1..d {
            out[i] += icf[lparams] * x[j];
            lparams += 1;
        }
    }
}

/// `out = Q·x` (ADBench's `Qtimesx`), `ltri` the strictly lower triangle.
fn q_times_x(d: usize, qdiag: &[f64], ltri: &[f64], x: &[f64], out: &mut [f64]) {
    for id in 0..d {
        out[id] = qdiag[id] * x[id];
    }
    let mut lparams = 0;
    for i in 0..d {
        for j in i + 1..d {
            out[j] += ltri[lparams] * x[i];
            lparams += 1;
        }
    }
}

/// The softmax of `x` into `partial` and `logsumexp(x)` (ADBench's `logsumexp_d`; `partial`
/// may not alias `x` in Rust, so the caller copies).
fn logsumexp_d(x: &[f64], partial: &mut [f64]) -> f64 {
    let n = x.len();
    let mut max_elem = 0;
    for i in 1..n {
        if x[max_elem] < x[i] {
            max_elem = i;
        }
    }
    let mx = x[max_elem];
    let mut semx = 0.0;
    for i in 0..n {
        partial[i] = (x[i] - mx).exp();
        semx += partial[i];
    }
    if semx == 0.0 {
        partial.fill(0.0);
    } else {
        partial[max_elem] -= semx;
        for p in partial.iter_mut() {
            *p /= semx;
        }
    }
    partial[max_elem] += 1.0;
    semx.ln() + mx
}

fn sqnorm(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum()
}

/// ADBench's `gmm_objective_d`: the objective and its gradient, written into `j` (length
/// `k + k·d + k·d(d+1)/2`, ADBench's order).
///
/// ```
/// use autodiff::gmm::{hand::gmm_objective_d, Wishart};
/// let mut j = [0.0; 3];
/// let w = Wishart { gamma: 1.0, m: 0 };
/// let err = gmm_objective_d(1, 1, 1, &[0.0], &[0.0], &[0.0], &[1.0], w, &mut j);
/// let c = autodiff::gmm::wishart_constant(1, w);
/// let f = autodiff::gmm::gmm_objective(1, 1, 1, &[0.0], &[0.0], &[0.0], &[1.0], 1.0, 0.0, c);
/// assert!((err - f).abs() < 1e-14);
/// assert!((j[1] - 1.0).abs() < 1e-15 && (j[2] - 1.0).abs() < 1e-15);
/// ```
pub fn gmm_objective_d(
    d: usize,
    k: usize,
    n: usize,
    alphas: &[f64],
    means: &[f64],
    icf: &[f64],
    x: &[f64],
    wishart: Wishart,
    j: &mut [f64],
) -> f64 {
    let constant = -(n as f64) * (d as f64) * 0.5 * (2.0 * ADBENCH_PI).ln();
    let icf_sz = d * (d + 1) / 2;

    // preprocess_qs
    let mut qdiags = vec![0.0; d * k];
    let mut sum_qs = vec![0.0; k];
    for ik in 0..k {
        for id in 0..d {
            let q = icf[ik * icf_sz + id];
            sum_qs[ik] += q;
            qdiags[ik * d + id] = q.exp();
        }
    }
    let mut main_term = vec![0.0; k];
    let mut weights = vec![0.0; k];
    let mut xcentered = vec![0.0; d];
    let mut qxcentered = vec![0.0; d];

    j.fill(0.0);
    let mut curr_means_d = vec![0.0; d * k];
    let mut curr_q_d = vec![0.0; d * k];
    let mut curr_l_d = vec![0.0; (icf_sz - d) * k];
    let (alphas_d, rest) = j.split_at_mut(k);
    let (means_d, icf_d) = rest.split_at_mut(k * d);

    let mut slse = 0.0;
    for ix in 0..n {
        let curr_x = &x[ix * d..ix * d + d];
        for ik in 0..k {
            let icf_off = ik * icf_sz;
            let qdiag = &qdiags[ik * d..ik * d + d];
            for id in 0..d {
                xcentered[id] = curr_x[id] - means[ik * d + id];
            }
            q_times_x(
                d,
                qdiag,
                &icf[icf_off + d..icf_off + icf_sz],
                &xcentered,
                &mut qxcentered,
            );
            q_transpose_times_x(
                d,
                qdiag,
                &icf[icf_off..icf_off + icf_sz],
                &qxcentered,
                &mut curr_means_d[ik * d..ik * d + d],
            );
            // compute_q_inner_term
            for i in 0..d {
                curr_q_d[ik * d + i] = 1.0 - qdiag[i] * xcentered[i] * qxcentered[i];
            }
            // compute_L_inner_term
            let l_d = &mut curr_l_d[ik * (icf_sz - d)..(ik + 1) * (icf_sz - d)];
            let mut lparams = 0;
            for i in 0..d {
                let n_curr_elems = d - i - 1;
                for jj in 0..n_curr_elems {
                    l_d[lparams] = -xcentered[i] * qxcentered[d - n_curr_elems + jj];
                    lparams += 1;
                }
            }
            main_term[ik] = alphas[ik] + sum_qs[ik] - 0.5 * sqnorm(&qxcentered);
        }
        slse += logsumexp_d(&main_term, &mut weights);
        for ik in 0..k {
            let means_off = ik * d;
            let icf_off = ik * icf_sz;
            let w = weights[ik];
            alphas_d[ik] += w;
            for id in 0..d {
                means_d[means_off + id] += curr_means_d[means_off + id] * w;
                icf_d[icf_off + id] += curr_q_d[ik * d + id] * w;
            }
            for i in d..icf_sz {
                icf_d[icf_off + i] += curr_l_d[ik * (icf_sz - d) + (i - d)] * w;
            }
        }
    }

    let mut lse_alphas_d = vec![0.0; k];
    let lse_alphas = logsumexp_d(alphas, &mut lse_alphas_d);
    let gamma2 = wishart.gamma * wishart.gamma;
    let m = f64::from(wishart.m);
    for ik in 0..k {
        alphas_d[ik] -= n as f64 * lse_alphas_d[ik];
        for id in 0..d {
            icf_d[ik * icf_sz + id] += gamma2 * qdiags[ik * d + id] * qdiags[ik * d + id] - m;
        }
        for i in d..icf_sz {
            icf_d[ik * icf_sz + i] += gamma2 * icf[ik * icf_sz + i];
        }
    }

    // log_wishart_prior
    let mut prior = 0.0;
    for ik in 0..k {
        let frobenius =
            sqnorm(&qdiags[ik * d..ik * d + d]) + sqnorm(&icf[ik * icf_sz + d..(ik + 1) * icf_sz]);
        prior += 0.5 * gamma2 * frobenius - m * sum_qs[ik];
    }
    prior -= k as f64 * wishart_constant(d, wishart);

    constant + slse - n as f64 * lse_alphas + prior
}

/// The objective of `input` and its gradient by [`gmm_objective_d`], the gradient in ADBench's
/// order.
///
/// ```
/// let input = autodiff::gmm::read(include_str!("../../data/adbench/gmm/test.txt")).unwrap();
/// let (err, gradient) = autodiff::gmm::hand::gradient(&input);
/// let (err_generated, gradient_generated) = autodiff::gmm::gradient(&input);
/// assert!((err - err_generated).abs() < 1e-12);
/// assert!(gradient.iter().zip(&gradient_generated).all(|(a, b)| (a - b).abs() < 1e-12));
/// ```
pub fn gradient(input: &GmmInput) -> (f64, Vec<f64>) {
    let GmmInput {
        d,
        k,
        n,
        ref alphas,
        ref means,
        ref icf,
        ref x,
        wishart,
    } = *input;
    let mut j = vec![0.0; k + k * d + k * d * (d + 1) / 2];
    let err = gmm_objective_d(d, k, n, alphas, means, icf, x, wishart, &mut j);
    (err, j)
}
