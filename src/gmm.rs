//! ADBench's Gaussian mixture model objective (issue 14): the negative log-likelihood of `n`
//! points under a mixture of `k` Gaussians in `d` dimensions, with a Wishart prior on the inverse
//! covariance factors, written with loops over slices as a Rust user would and differentiated by
//! `#[grad]`; a reader for ADBench's input files; and, in [`hand`], the expert baseline: a port of
//! ADBench's hand-written adjoint (`src/cpp/modules/manual/gmm_d.cpp`).
//!
//! The formulas are those of ADBench's C++ reference (`src/cpp/shared/gmm.h`, commit
//! `38cb7931303a830c3700ca36ba9520868327ac87`):
//!
//! ```text
//! Q_k      = lower-triangular, diagonal exp(icf_k[0..d]), strictly lower part icf_k[d..]
//!            (column by column)
//! main_k   = alpha_k + Σ icf_k[0..d] − ½ ‖Q_k (x_i − mean_k)‖²
//! err      = −n·d·½·ln(2π) + Σ_i logsumexp_k(main_k) − n·logsumexp(alpha)
//!            + Σ_k [½γ²(‖exp(icf_k[0..d])‖² + ‖icf_k[d..]‖²) − m·Σ icf_k[0..d]] − k·C(d, γ, m)
//! C(d,γ,m) = n'·d·(ln γ − ½ ln 2) − ln Γ_d(n'/2),  n' = d + m + 1
//! ```
//!
//! `C` has no derivative; [`wishart_constant`] computes it outside the differentiated function
//! (the runtime has no `lgamma`, and ADBench's arguments are multiples of ½, where `ln Γ` is a
//! finite sum of logarithms). `π` is ADBench's `3.14159265359` ([`ADBENCH_PI`]), so that the
//! constant term matches its reference values to the last digit.
//!
//! Gradients are in ADBench's order: `alphas` (`k`), `means` (`k·d`, component-major), `icf`
//! (`k·d(d+1)/2`, component-major).

#![allow(
    clippy::needless_range_loop,
    clippy::too_many_arguments,
    reason = "the objective is written as ADBench's C++ writes it, with indices"
)]

use autodiff_runtime::grad;

pub mod hand;

/// ADBench's `PI` (`src/cpp/shared/defs.h`), used in the objective's constant terms.
///
/// ```
/// assert!((autodiff::gmm::ADBENCH_PI - std::f64::consts::PI).abs() < 1e-11);
/// ```
#[allow(clippy::approx_constant, reason = "ADBench's value, not std's")]
pub const ADBENCH_PI: f64 = 3.14159265359;

/// The Wishart prior's parameters `{γ, m}` (ADBench's `Wishart`).
///
/// ```
/// let w = autodiff::gmm::Wishart { gamma: 1.0, m: 0 }; // every ADBench GMM file's
/// assert!(autodiff::gmm::wishart_constant(10, w).is_finite());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Wishart {
    /// The scale γ.
    pub gamma: f64,
    /// The degrees of freedom beyond `d + 1`.
    pub m: i32,
}

/// One ADBench GMM instance, as [`read`] returns it.
///
/// ```
/// let input = autodiff::gmm::read(include_str!("../data/adbench/gmm/test.txt")).unwrap();
/// assert_eq!(input.icf.len(), input.k * input.d * (input.d + 1) / 2);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GmmInput {
    /// The dimension of a point.
    pub d: usize,
    /// The number of components.
    pub k: usize,
    /// The number of points.
    pub n: usize,
    /// The log mixture weights (unnormalised), `k` values.
    pub alphas: Vec<f64>,
    /// The component means, `k·d` values, component-major.
    pub means: Vec<f64>,
    /// The inverse covariance factors, `k·d(d+1)/2` values, component-major: per component `d`
    /// log-diagonal entries, then the strictly lower triangle column by column.
    pub icf: Vec<f64>,
    /// The points, `n·d` values, point-major.
    pub x: Vec<f64>,
    /// The prior's parameters.
    pub wishart: Wishart,
}

/// A parse error in an ADBench input: what was missing or malformed.
///
/// ```
/// let err = autodiff::gmm::read("2 3").unwrap_err();
/// assert_eq!(err.to_string(), "the input ends before n");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

/// Reads the next whitespace-separated token as a `T`, naming `what` in the error.
pub(crate) fn next<'a, T: std::str::FromStr>(
    tokens: &mut impl Iterator<Item = &'a str>,
    what: &str,
) -> Result<T, ParseError> {
    let token = tokens
        .next()
        .ok_or_else(|| ParseError(format!("the input ends before {what}")))?;
    token
        .parse()
        .map_err(|_| ParseError(format!("{what}: cannot parse {token:?}")))
}

/// Reads `count` floats, naming `what` in an error.
pub(crate) fn floats<'a>(
    tokens: &mut impl Iterator<Item = &'a str>,
    count: usize,
    what: &str,
) -> Result<Vec<f64>, ParseError> {
    (0..count).map(|_| next(tokens, what)).collect()
}

/// Parses an ADBench GMM file (`read_gmm_instance` of `src/cpp/shared/utils.cpp`, without
/// replicating a point): `d k n`, then `k` alphas, `k` means of `d` values, `k` icf rows of
/// `d(d+1)/2` values, `n` points of `d` values, and `γ m`.
///
/// ```
/// let text = "1 1 2\n0.5\n0.0\n0.1\n1.0\n-1.0\n1.0 0\n";
/// let input = autodiff::gmm::read(text).unwrap();
/// assert_eq!((input.d, input.k, input.n), (1, 1, 2));
/// assert_eq!(input.x, vec![1.0, -1.0]);
/// assert_eq!(input.wishart, autodiff::gmm::Wishart { gamma: 1.0, m: 0 });
/// ```
pub fn read(text: &str) -> Result<GmmInput, ParseError> {
    let mut tokens = text.split_whitespace();
    let d: usize = next(&mut tokens, "d")?;
    let k: usize = next(&mut tokens, "k")?;
    let n: usize = next(&mut tokens, "n")?;
    let icf_sz = d * (d + 1) / 2;
    let alphas = floats(&mut tokens, k, "alphas")?;
    let means = floats(&mut tokens, k * d, "means")?;
    let icf = floats(&mut tokens, k * icf_sz, "icf")?;
    let x = floats(&mut tokens, n * d, "points")?;
    let gamma = next(&mut tokens, "the Wishart gamma")?;
    let m = next(&mut tokens, "the Wishart m")?;
    Ok(GmmInput {
        d,
        k,
        n,
        alphas,
        means,
        icf,
        x,
        wishart: Wishart { gamma, m },
    })
}

/// `ln Γ(a)` for `a` a positive multiple of ½, as a sum of logarithms: `Γ(j) = (j−1)!` and
/// `Γ(j + ½) = √π·½·(3/2)···(j − ½)`.
///
/// ```
/// use autodiff::gmm::ln_gamma_half_integer;
/// assert!((ln_gamma_half_integer(5.0) - 24f64.ln()).abs() < 1e-14);
/// assert!((ln_gamma_half_integer(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-14);
/// ```
///
/// # Panics
///
/// If `a` is not a positive multiple of ½.
pub fn ln_gamma_half_integer(a: f64) -> f64 {
    let twice = 2.0 * a;
    assert!(
        twice >= 1.0 && twice.fract() == 0.0,
        "ln_gamma_half_integer({a}): not a positive multiple of 1/2"
    );
    let (mut z, mut out) = if twice % 2.0 == 0.0 {
        (1.0, 0.0)
    } else {
        (0.5, 0.5 * std::f64::consts::PI.ln())
    };
    while z < a {
        out += z.ln();
        z += 1.0;
    }
    out
}

/// ADBench's `log_gamma_distrib(a, p)`: the log of the multivariate gamma function `Γ_p(a)`,
/// for `a` a multiple of ½ (with ADBench's π in the `ln π` term).
///
/// ```
/// // Γ_1(a) = Γ(a)
/// assert!((autodiff::gmm::log_gamma_distrib(3.0, 1) - 2f64.ln()).abs() < 1e-14);
/// ```
pub fn log_gamma_distrib(a: f64, p: usize) -> f64 {
    let pf = p as f64;
    let mut out = 0.25 * pf * (pf - 1.0) * ADBENCH_PI.ln();
    for j in 1..=p {
        out += ln_gamma_half_integer(a + 0.5 * (1.0 - j as f64));
    }
    out
}

/// The Wishart prior's constant `C(d, γ, m)` of ADBench's `log_wishart_prior`; the prior
/// subtracts `k·C`.
///
/// ```
/// use autodiff::gmm::{wishart_constant, Wishart};
/// let c = wishart_constant(2, Wishart { gamma: 1.0, m: 0 });
/// assert!(c.is_finite());
/// ```
pub fn wishart_constant(d: usize, wishart: Wishart) -> f64 {
    let n = d as i64 + wishart.m as i64 + 1;
    let (n, p) = (n as f64, d as f64);
    n * p * (wishart.gamma.ln() - 0.5 * 2f64.ln()) - log_gamma_distrib(0.5 * n, d)
}

/// ADBench's GMM objective, differentiated in `alphas`, `means` and `icf` by `#[grad]`
/// ([`gmm_objective_grad`] returns the value and the three gradients).
///
/// `x` holds the `n` points (point-major), `gamma` and `m` the Wishart parameters (`m` as a
/// float), and `prior_constant` is `k·C(d, γ, m)` from [`wishart_constant`] (no derivative). Use
/// [`objective`] and [`gradient`] to call it on a [`GmmInput`].
///
/// It is written as `gmm.h`'s `gmm_objective`: scratch arrays made once, the `Q·xc` product by
/// its diagonal then its strictly lower triangle, `logsumexp` with the running maximum, the
/// prior's loop over components.
///
/// ```
/// use autodiff::gmm::{gmm_objective, gmm_objective_grad};
/// // d = 1, k = 1, n = 1: one standard normal point at x = 1.
/// let (alphas, means, icf, x) = ([0.0], [0.0], [0.0], [1.0]);
/// let value = gmm_objective(1, 1, 1, &alphas, &means, &icf, &x, 1.0, 0.0, 0.0);
/// let (v, d_alphas, d_means, d_icf) =
///     gmm_objective_grad(1, 1, 1, &alphas, &means, &icf, &x, 1.0, 0.0, 0.0);
/// assert_eq!(v, value);
/// assert_eq!(d_alphas, vec![0.0]); // logsumexp over one component cancels n·logsumexp(alphas)
/// assert!((d_means[0] - 1.0).abs() < 1e-15); // ∂/∂μ of −½(x − μ)² at x − μ = 1
/// assert!((d_icf[0] - 1.0).abs() < 1e-15); // 1 − e^{2q}(x − μ)² + γ²e^{2q} at q = 0
/// ```
#[grad(wrt(alphas, means, icf))]
pub fn gmm_objective(
    d: usize,
    k: usize,
    n: usize,
    alphas: &[f64],
    means: &[f64],
    icf: &[f64],
    x: &[f64],
    gamma: f64,
    m: f64,
    prior_constant: f64,
) -> f64 {
    let icf_sz = d * (d + 1) / 2;
    // preprocess_qs: the diagonal of each Q and the sum of its logs.
    let mut qdiags = vec![0.0; d * k];
    let mut sum_qs = vec![0.0; k];
    for ik in 0..k {
        for id in 0..d {
            let q = icf[ik * icf_sz + id];
            sum_qs[ik] += q;
            qdiags[ik * d + id] = q.exp();
        }
    }

    // Scratch, made once as gmm.h does. (Made inside the loop over components, the macro
    // loses their lengths: issue 14's `notes/adbench-macro-issues.md`, 1.)
    let mut main_term = vec![0.0; k];
    let mut xc = vec![0.0; d];
    let mut qxc = vec![0.0; d];
    let mut slse = 0.0;
    for ix in 0..n {
        for ik in 0..k {
            // Qtimesx(Q_k, x_ix − mean_k): diagonal, then the strictly lower triangle.
            for id in 0..d {
                xc[id] = x[ix * d + id] - means[ik * d + id];
                qxc[id] = qdiags[ik * d + id] * xc[id];
            }
            let mut lparams = ik * icf_sz + d;
            for i in 0..d {
                for j in i + 1..d {
                    qxc[j] += icf[lparams] * xc[i];
                    lparams += 1;
                }
            }
            let mut sqnorm = 0.0;
            for id in 0..d {
                sqnorm += qxc[id] * qxc[id];
            }
            main_term[ik] = alphas[ik] + sum_qs[ik] - 0.5 * sqnorm;
        }
        // logsumexp(main_term)
        let mut mx = main_term[0];
        for ik in 1..k {
            mx = mx.max(main_term[ik]);
        }
        let mut semx = 0.0;
        for ik in 0..k {
            semx += (main_term[ik] - mx).exp();
        }
        slse += semx.ln() + mx;
    }

    // logsumexp(alphas)
    let mut mx = alphas[0];
    for ik in 1..k {
        mx = mx.max(alphas[ik]);
    }
    let mut semx = 0.0;
    for ik in 0..k {
        semx += (alphas[ik] - mx).exp();
    }
    let lse_alphas = semx.ln() + mx;

    // log_wishart_prior, without its constant.
    let mut prior = 0.0;
    for ik in 0..k {
        let mut frobenius = 0.0;
        for id in 0..d {
            frobenius += qdiags[ik * d + id] * qdiags[ik * d + id];
        }
        for i in d..icf_sz {
            frobenius += icf[ik * icf_sz + i] * icf[ik * icf_sz + i];
        }
        prior += 0.5 * gamma * gamma * frobenius - m * sum_qs[ik];
    }

    let constant = -(n as f64) * (d as f64) * 0.5 * (2.0 * PI).ln();
    constant + slse - (n as f64) * lse_alphas + prior - prior_constant
}

/// [`gmm_objective`] with `#[checkpoint]` on the loop over points: the forward sweep keeps only
/// the running sum `slse` per point, and the reverse sweep runs each point's forward again,
/// recording, before reversing it. The same gradient to the last bit, with the records of one
/// point at a time instead of all `n` (ADBench's loop over points is a reduction).
///
/// Every float parameter is differentiated (no `wrt`), so [`gmm_objective_checkpointed_grad`]
/// also returns the gradients in `x`, `gamma`, `m` and `prior_constant`: with
/// `wrt(alphas, means, icf)` the re-run of a point in the reverse sweep does not get the point's
/// index (issue 14's `notes/adbench-macro-issues.md`, 3).
///
/// ```
/// use autodiff::gmm::{gmm_objective_checkpointed_grad, gmm_objective_grad};
/// let (alphas, means, icf) = ([0.1, -0.2], [0.0, 1.0, 0.5, -0.5], [0.1, 0.2, 0.3, -0.1, 0.0, 0.2]);
/// let x = [1.0, 0.5, -0.3, 0.2, 0.7, 0.7];
/// let stored = gmm_objective_grad(2, 2, 3, &alphas, &means, &icf, &x, 1.0, 0.0, 0.0);
/// let (v, d_alphas, d_means, d_icf, ..) =
///     gmm_objective_checkpointed_grad(2, 2, 3, &alphas, &means, &icf, &x, 1.0, 0.0, 0.0);
/// assert_eq!(stored, (v, d_alphas, d_means, d_icf));
/// ```
#[grad]
pub fn gmm_objective_checkpointed(
    d: usize,
    k: usize,
    n: usize,
    alphas: &[f64],
    means: &[f64],
    icf: &[f64],
    x: &[f64],
    gamma: f64,
    m: f64,
    prior_constant: f64,
) -> f64 {
    let icf_sz = d * (d + 1) / 2;
    // preprocess_qs: the diagonal of each Q and the sum of its logs.
    let mut qdiags = vec![0.0; d * k];
    let mut sum_qs = vec![0.0; k];
    for ik in 0..k {
        for id in 0..d {
            let q = icf[ik * icf_sz + id];
            sum_qs[ik] += q;
            qdiags[ik * d + id] = q.exp();
        }
    }

    let mut slse = 0.0;
    #[checkpoint]
    for ix in 0..n {
        // Scratch made per point: a checkpointed loop may not carry a `Vec` (issue 14's
        // `notes/adbench-macro-issues.md`, 2), and made per component the macro loses their
        // lengths (ibid., 1).
        let mut main_term = vec![0.0; k];
        let mut xc = vec![0.0; d];
        let mut qxc = vec![0.0; d];
        for ik in 0..k {
            // Qtimesx(Q_k, x_ix − mean_k): diagonal, then the strictly lower triangle.
            for id in 0..d {
                xc[id] = x[ix * d + id] - means[ik * d + id];
                qxc[id] = qdiags[ik * d + id] * xc[id];
            }
            let mut lparams = ik * icf_sz + d;
            for i in 0..d {
                for j in i + 1..d {
                    qxc[j] += icf[lparams] * xc[i];
                    lparams += 1;
                }
            }
            let mut sqnorm = 0.0;
            for id in 0..d {
                sqnorm += qxc[id] * qxc[id];
            }
            main_term[ik] = alphas[ik] + sum_qs[ik] - 0.5 * sqnorm;
        }
        // logsumexp(main_term)
        let mut mx = main_term[0];
        for ik in 1..k {
            mx = mx.max(main_term[ik]);
        }
        let mut semx = 0.0;
        for ik in 0..k {
            semx += (main_term[ik] - mx).exp();
        }
        slse += semx.ln() + mx;
    }

    // logsumexp(alphas)
    let mut mx = alphas[0];
    for ik in 1..k {
        mx = mx.max(alphas[ik]);
    }
    let mut semx = 0.0;
    for ik in 0..k {
        semx += (alphas[ik] - mx).exp();
    }
    let lse_alphas = semx.ln() + mx;

    // log_wishart_prior, without its constant.
    let mut prior = 0.0;
    for ik in 0..k {
        let mut frobenius = 0.0;
        for id in 0..d {
            frobenius += qdiags[ik * d + id] * qdiags[ik * d + id];
        }
        for i in d..icf_sz {
            frobenius += icf[ik * icf_sz + i] * icf[ik * icf_sz + i];
        }
        prior += 0.5 * gamma * gamma * frobenius - m * sum_qs[ik];
    }

    let constant = -(n as f64) * (d as f64) * 0.5 * (2.0 * PI).ln();
    constant + slse - (n as f64) * lse_alphas + prior - prior_constant
}

const PI: f64 = ADBENCH_PI;

/// The objective of `input` (through [`gmm_objective`]).
///
/// ```
/// let input = autodiff::gmm::read(include_str!("../data/adbench/gmm/test.txt")).unwrap();
/// let err = autodiff::gmm::objective(&input);
/// assert!((err - 8.073804080049758).abs() < 1e-8); // ADBench's reference value
/// ```
pub fn objective(input: &GmmInput) -> f64 {
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
    let c = k as f64 * wishart_constant(d, wishart);
    gmm_objective(
        d,
        k,
        n,
        alphas,
        means,
        icf,
        x,
        wishart.gamma,
        f64::from(wishart.m),
        c,
    )
}

/// The objective of `input` and its gradient from the code `#[grad]` generates
/// ([`gmm_objective_grad`], which keeps every point's records), the gradient in ADBench's order
/// (alphas, means, icf).
///
/// ```
/// let input = autodiff::gmm::read(include_str!("../data/adbench/gmm/test.txt")).unwrap();
/// let (err, gradient) = autodiff::gmm::gradient(&input);
/// assert_eq!(gradient.len(), 3 + 3 * 2 + 3 * 3);
/// assert!((gradient[0] - 0.10866285550865246).abs() < 1e-8); // ADBench's reference value
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
    let c = k as f64 * wishart_constant(d, wishart);
    let (err, mut g, g_means, g_icf) = gmm_objective_grad(
        d,
        k,
        n,
        alphas,
        means,
        icf,
        x,
        wishart.gamma,
        f64::from(wishart.m),
        c,
    );
    g.extend_from_slice(&g_means);
    g.extend_from_slice(&g_icf);
    (err, g)
}

/// [`gradient`] through [`gmm_objective_checkpointed_grad`] (one point's records at a time).
///
/// ```
/// let input = autodiff::gmm::read(include_str!("../data/adbench/gmm/test.txt")).unwrap();
/// assert_eq!(autodiff::gmm::gradient_checkpointed(&input), autodiff::gmm::gradient(&input));
/// ```
pub fn gradient_checkpointed(input: &GmmInput) -> (f64, Vec<f64>) {
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
    let c = k as f64 * wishart_constant(d, wishart);
    let (err, mut g, g_means, g_icf, ..) = gmm_objective_checkpointed_grad(
        d,
        k,
        n,
        alphas,
        means,
        icf,
        x,
        wishart.gamma,
        f64::from(wishart.m),
        c,
    );
    g.extend_from_slice(&g_means);
    g.extend_from_slice(&g_icf);
    (err, g)
}
