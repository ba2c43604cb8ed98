//! The checks of the randomized differential tests over dual numbers (`tests/generated.rs`, the
//! straight-line programs, and `tests/control_flow.rs`, the programs with control flow): every
//! gradient of every generated `#[grad]` function, at each of its test points, against two
//! independent references:
//!
//! 1. forward-mode dual numbers (`num_dual::Dual64`) run through a twin of the function written
//!    over dual numbers: one forward pass per input coordinate gives a column of the Jacobian,
//!    and `Jᵀ·bar` must equal the macro's VJP to 1e-10 relative;
//! 2. fourth-order central differences of the original function, a looser second check.
//!
//! Besides: the VJP's value equals the original function's bit for bit, the split halves
//! (`f_fwd`, `f_bwd`) give exactly what `f_vjp` gives, and `f_grad` agrees with the Jacobian.
//!
//! The generated code (`include!`d by each test beside `use harness::*`) names the dual-number
//! vocabulary below (`D`, `dl_k`, `dl_abs`, ...), [`Flat`] and [`Case`].

#![allow(
    dead_code,
    reason = "each test binary uses its own part of the dual-number vocabulary"
)]

use autodiff_runtime::check::{Checker, Stencil};
pub use num_dual::{Dual64 as D, DualNum};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};

// ---- the dual-number twin's vocabulary ---------------------------------------------------------

/// A constant.
pub fn dl_k(x: f64) -> D {
    D::from_re(x)
}

/// `abs`, `signum`, `max`, `min`: the generators keep test points away from their kinks, so
/// which side is taken never depends on a tie.
pub fn dl_abs(x: D) -> D {
    if x.re < 0.0 { -x } else { x }
}

pub fn dl_signum(x: D) -> D {
    D::from_re(x.re.signum())
}

pub fn dl_max(a: D, b: D) -> D {
    if a.re >= b.re { a } else { b }
}

pub fn dl_min(a: D, b: D) -> D {
    if a.re <= b.re { a } else { b }
}

/// `x.clamp(lo, hi)` of literal bounds.
pub fn dl_clamp(x: D, lo: f64, hi: f64) -> D {
    if x.re < lo {
        D::from_re(lo)
    } else if x.re > hi {
        D::from_re(hi)
    } else {
        x
    }
}

/// `atan2` from `atan`: num-dual's own divides by `x` and so is NaN where `x` is 0 (a smooth
/// point); dividing by the larger of the two avoids that. Only the derivative part matters (the
/// value is set from `f64::atan2`).
pub fn dl_atan2(y: D, x: D) -> D {
    let mut r = if x.re.abs() >= y.re.abs() {
        (y / x).atan()
    } else {
        -(x / y).atan()
    };
    r.re = y.re.atan2(x.re);
    r
}

/// `tanh` from `exp`: num-dual's is `sinh / cosh`, NaN where `cosh²` overflows (|x| > 355);
/// `(1 − e^(−2|x|)) / (1 + e^(−2|x|))` with the sign outside is not. The value is set from
/// `f64::tanh`, so that a branch on it goes the way the function's does.
pub fn dl_tanh(x: D) -> D {
    let e = (dl_k(-2.0) * dl_abs(x)).exp();
    let t = (dl_k(1.0) - e) / (dl_k(1.0) + e);
    let mut r = if x.re < 0.0 { -t } else { t };
    r.re = x.re.tanh();
    r
}

/// `erf`, which num-dual lacks: the value from `libm::erf`, the derivative part by the chain
/// rule with erf′(x) = 2/√π · e^(−x²).
pub fn dl_erf(x: D) -> D {
    let slope = std::f64::consts::FRAC_2_SQRT_PI * (-x.re * x.re).exp();
    D::new(libm::erf(x.re), x.eps * slope)
}

/// `hypot` and `log` with a non-constant base, composed from primitives num-dual has (the
/// values set from `f64`'s, as for [`dl_tanh`]).
pub fn dl_hypot(a: D, b: D) -> D {
    let mut r = (a * a + b * b).sqrt();
    r.re = a.re.hypot(b.re);
    r
}

pub fn dl_log(a: D, base: D) -> D {
    let mut r = a.ln() / base.ln();
    r.re = a.re.log(base.re);
    r
}

// ---- flattening outputs and gradients ----------------------------------------------------------

pub trait Flat<T> {
    fn flat(self, out: &mut Vec<T>);
}

macro_rules! flat_impls {
    ($($t:ty),*) => {$(
        impl Flat<$t> for $t {
            fn flat(self, out: &mut Vec<$t>) {
                out.push(self);
            }
        }
        impl<const N: usize> Flat<$t> for [$t; N] {
            fn flat(self, out: &mut Vec<$t>) {
                out.extend(self);
            }
        }
        impl Flat<$t> for Vec<$t> {
            fn flat(self, out: &mut Vec<$t>) {
                out.extend(self);
            }
        }
        impl<A: Flat<$t>, B: Flat<$t>> Flat<$t> for (A, B) {
            fn flat(self, out: &mut Vec<$t>) {
                self.0.flat(out);
                self.1.flat(out);
            }
        }
    )*};
}
flat_impls!(f64, D);

// ---- the checks --------------------------------------------------------------------------------

/// Flattened adapters: floats `p` (all float parameters in order, arrays element by element),
/// indices `u`, output cotangent `b`. The VJP-like adapters return (value, gradient of the active
/// parameters, flattened in parameter order).
pub type Eval = fn(&[f64], &[usize]) -> Vec<f64>;
pub type Dual = fn(&[D], &[usize]) -> Vec<D>;
pub type Vjp = fn(&[f64], &[usize], &[f64]) -> (Vec<f64>, Vec<f64>);
pub type Grad = fn(&[f64], &[usize]) -> (Vec<f64>, Vec<f64>);

/// One generated function, as the generated glue describes it.
pub struct Case {
    pub index: usize,
    pub source: &'static str,
    /// Positions in `p` of the active parameters' elements.
    pub active: &'static [usize],
    pub points: &'static [&'static [f64]],
    pub indices: &'static [&'static [usize]],
    /// The output at each point, as the generator computed it.
    pub expected: &'static [&'static [f64]],
    pub bar: &'static [f64],
    pub eval: Eval,
    pub dual: Dual,
    pub vjp: Vjp,
    pub split: Vjp,
    pub grad: Option<Grad>,
}

/// Dual numbers against the macro: 1e-10 relative.
const DUAL_REL: f64 = 1e-10;
/// Central differences against the macro.
const FD_REL: f64 = 1e-5;

/// `|a − b| ≤ rel·max(|a|, |b|) + rel·10⁻²·scale`: relative, with a floor at a hundredth of
/// the gradient's largest element (an element that is the difference of large terms is only
/// accurate relative to those). A thousandth was too tight for dual numbers: an element of
/// −1.4e-12 from cancellation in a `tan(tanh(..))` chain differed by 2.4e-13 (seed 5, function
/// 1459 of the 10,000-program run), with the floor at 1e-13.
fn close(a: f64, b: f64, rel: f64, scale: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()) + rel * 1e-2 * scale.max(1.0)
}

fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

/// The function's value against the generator's: bit for bit in a debug build (as CI runs), to
/// 1e-12 relative in an optimised one. The generator evaluates in the build script, unoptimised;
/// in a release build LLVM folds constant subexpressions such as `(-0.56_f64).powi(-2)` with
/// exact arithmetic, an ulp away from the run-time `powi`, and an ill-conditioned chain after it
/// (`exp`, `tan`, `asin`) can grow that to a few dozen ulps. A generator bug is far larger.
fn matches_generator(a: &[f64], b: &[f64]) -> bool {
    if cfg!(debug_assertions) {
        return same_bits(a, b);
    }
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.to_bits() == y.to_bits()
                || (x.is_nan() && y.is_nan())
                || (x - y).abs() <= 1e-12 * x.abs().max(y.abs())
        })
}

/// `Jᵀ·bar` by forward mode: one dual pass per active coordinate.
fn dual_vjp(c: &Case, p: &[f64], u: &[usize], bar: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut value = Vec::new();
    let mut g = Vec::new();
    for &k in c.active {
        let seeded: Vec<D> = p
            .iter()
            .enumerate()
            .map(|(i, &x)| D::new(x, if i == k { 1.0 } else { 0.0 }))
            .collect();
        let out = (c.dual)(&seeded, u);
        value = out.iter().map(|d| d.re).collect();
        g.push(out.iter().zip(bar).map(|(d, b)| d.eps * b).sum());
    }
    if c.active.is_empty() {
        value = (c.dual)(&p.iter().map(|&x| D::from_re(x)).collect::<Vec<_>>(), u)
            .iter()
            .map(|d| d.re)
            .collect();
    }
    (value, g)
}

/// `bar·f` differentiated along coordinate `k` by the fourth-order central stencil of
/// `autodiff_runtime::check`, at steps from 10⁻² to 10⁻⁶ (relative to the coordinate).
fn fd_partials(c: &Case, p: &[f64], u: &[usize], bar: &[f64], k: usize) -> [f64; 5] {
    let f = |q: &Vec<f64>| {
        let out = (c.eval)(q, u);
        out.iter().zip(bar).map(|(o, b)| o * b).sum::<f64>()
    };
    let at = p.to_vec();
    [1e-2, 1e-3, 1e-4, 1e-5, 1e-6].map(|step: f64| {
        Checker::default()
            .step(step)
            .stencil(Stencil::FourthOrder)
            .partial(f, &at, k)
    })
}

/// The central-difference verdict on a gradient element `a`.
enum Fd {
    Agrees,
    /// The differences have not converged at any step (a function steep or wiggly at the
    /// scale of the steps): no verdict. The dual numbers still check the element.
    Inconclusive,
    Disagrees,
}

/// Large steps lose to truncation error where the function is steep, small ones to rounding
/// error where it is flat. The element agrees if one of the differences is within [`FD_REL`];
/// else the two consecutive small steps that agree best give an estimate and its error, and the
/// element disagrees only if that error is small and the element is outside it.
fn fd_verdict(a: f64, fd: &[f64; 5], scale: f64) -> Fd {
    if fd.iter().any(|&d| close(a, d, FD_REL, scale)) {
        return Fd::Agrees;
    }
    // Only the three smallest steps: at large ones two estimates can agree on the same
    // truncation error.
    let (estimate, error) = fd[2..]
        .windows(2)
        .map(|w| (w[1], (w[0] - w[1]).abs()))
        .min_by(|x, y| x.1.total_cmp(&y.1))
        .expect("three steps");
    if !(error <= 1e-4 * estimate.abs().max(scale)) {
        Fd::Inconclusive
    } else if (a - estimate).abs() <= 10.0 * error + FD_REL * a.abs().max(estimate.abs()) {
        Fd::Agrees
    } else {
        Fd::Disagrees
    }
}

/// Gradient elements on which central differences gave no verdict.
static INCONCLUSIVE: AtomicUsize = AtomicUsize::new(0);

/// The kinds of failure, as the summary counts them (a function is counted once per kind it
/// shows).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// The compiled function panicked (its forward, its VJP, its split halves or `f_grad`).
    Panic,
    /// The function's value differs from what the generator computed (a generator bug).
    Value,
    /// `f_vjp`'s value differs from the function's.
    VjpValue,
    /// `f_fwd`/`f_bwd` differ from `f_vjp`.
    Split,
    /// The dual twin's value differs from the function's (a harness or generator bug).
    Twin,
    /// A gradient element differs from the dual numbers'.
    Dual,
    /// A gradient element differs from central differences.
    CentralDifferences,
    /// `f_grad` differs from the function or the dual numbers.
    Grad,
}

pub const KINDS: [Kind; 8] = [
    Kind::Panic,
    Kind::Value,
    Kind::VjpValue,
    Kind::Split,
    Kind::Twin,
    Kind::Dual,
    Kind::CentralDifferences,
    Kind::Grad,
];

/// What went wrong with one case, each problem with its kind.
fn problems(c: &Case) -> Vec<(Kind, String)> {
    let mut problems = Vec::new();
    for (pi, ((&p, &u), &expected)) in c.points.iter().zip(c.indices).zip(c.expected).enumerate() {
        let mut say =
            |kind, what: String| problems.push((kind, format!("  point {pi} {p:?} {u:?}: {what}")));
        let value = (c.eval)(p, u);
        if !matches_generator(&value, expected) {
            say(
                Kind::Value,
                format!(
                    "the function gives {value:?}, the generator computed {expected:?} (generator bug?)"
                ),
            );
        }
        let (vjp_value, g) = (c.vjp)(p, u, c.bar);
        if !same_bits(&vjp_value, &value) {
            say(
                Kind::VjpValue,
                format!("f_vjp's value {vjp_value:?} differs from the function's {value:?}"),
            );
        }
        let (split_value, split_g) = (c.split)(p, u, c.bar);
        if !same_bits(&split_value, &vjp_value) || !same_bits(&split_g, &g) {
            say(
                Kind::Split,
                format!(
                    "f_fwd/f_bwd give {split_value:?}, {split_g:?}; f_vjp gives {vjp_value:?}, {g:?}"
                ),
            );
        }
        let (dual_value, reference) = dual_vjp(c, p, u, c.bar);
        let vscale = value.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
        if dual_value.len() != value.len()
            || dual_value
                .iter()
                .zip(&value)
                .any(|(a, b)| !close(*a, *b, 1e-9, vscale))
        {
            say(
                Kind::Twin,
                format!(
                    "the dual twin's value {dual_value:?} differs from the function's {value:?} (harness bug?)"
                ),
            );
        }
        let scale = reference.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
        if g.len() != reference.len() {
            say(
                Kind::Dual,
                format!(
                    "f_vjp gives {} gradient elements, expected {}",
                    g.len(),
                    reference.len()
                ),
            );
            continue;
        }
        for (j, (&a, &r)) in g.iter().zip(&reference).enumerate() {
            if !close(a, r, DUAL_REL, scale) {
                say(
                    Kind::Dual,
                    format!(
                        "gradient element {j} (input p[{}]) with cotangent {:?}: f_vjp gives {a:e}, dual numbers {r:e} (rel. error {:.1e})",
                        c.active[j],
                        c.bar,
                        (a - r).abs() / r.abs().max(1e-300)
                    ),
                );
            }
            let fd = fd_partials(c, p, u, c.bar, c.active[j]);
            let verdict = fd_verdict(a, &fd, scale);
            if matches!(verdict, Fd::Inconclusive) {
                INCONCLUSIVE.fetch_add(1, Ordering::Relaxed);
            }
            if matches!(verdict, Fd::Disagrees) {
                say(
                    Kind::CentralDifferences,
                    format!(
                        "gradient element {j} (input p[{}]) with cotangent {:?}: f_vjp gives {a:e}, central differences {fd:?}",
                        c.active[j], c.bar
                    ),
                );
            }
        }
        if let Some(grad) = c.grad {
            let (gv, gg) = grad(p, u);
            let (_, unit) = dual_vjp(c, p, u, &[1.0]);
            let uscale = unit.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
            if !same_bits(&gv, &value)
                || gg.len() != unit.len()
                || gg
                    .iter()
                    .zip(&unit)
                    .any(|(a, r)| !close(*a, *r, DUAL_REL, uscale))
            {
                say(
                    Kind::Grad,
                    format!(
                        "f_grad gives {gv:?}, {gg:?}; the function {value:?} and dual numbers {unit:?}"
                    ),
                );
            }
        }
    }
    problems
}

/// Checks every case; prints a summary (with the failures counted by kind) and the smallest
/// failing functions, then panics if any failed. `rebuild(i)` is the command that rebuilds
/// function `i` alone.
pub fn check_all(what: &str, seed: u64, cases: &[Case], rebuild: impl Fn(usize) -> String) {
    let mut failures = Vec::new();
    let mut counts = [0usize; KINDS.len()];
    let mut elements = 0;
    for c in cases {
        elements += c.active.len() * c.points.len();
        let found = match catch_unwind(AssertUnwindSafe(|| problems(c))) {
            Ok(found) => found,
            Err(e) => {
                let message = e
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| e.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)");
                vec![(Kind::Panic, format!("  panicked: {message}"))]
            }
        };
        if found.is_empty() {
            continue;
        }
        for (k, count) in KINDS.iter().zip(&mut counts) {
            if found.iter().any(|(kind, _)| kind == k) {
                *count += 1;
            }
        }
        let text: Vec<&str> = found.iter().map(|(_, t)| t.as_str()).collect();
        failures.push((
            c.source.len(),
            format!(
                "function {} (seed {seed:#x}; rebuild it alone with {}):\n{}\n{}",
                c.index,
                rebuild(c.index),
                text.join("\n"),
                c.source
            ),
        ));
    }
    // The smallest failing function first: the easiest to read.
    failures.sort();
    println!(
        "{what}: seed {seed:#x}: {} functions, {} points, {elements} gradient elements checked \
         against dual numbers ({} of them too steep for central differences to judge); \
         {} passed, {} failed",
        cases.len(),
        cases.iter().map(|c| c.points.len()).sum::<usize>(),
        INCONCLUSIVE.load(Ordering::Relaxed),
        cases.len() - failures.len(),
        failures.len(),
    );
    if !failures.is_empty() {
        let by_kind: Vec<String> = KINDS
            .iter()
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| format!("{k:?}: {n}"))
            .collect();
        println!("{what}: failed functions by kind: {}", by_kind.join(", "));
        // `DIFFTEST_SHOW=n` prints the n smallest instead of 10.
        let show = std::env::var("DIFFTEST_SHOW")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10);
        for (_, f) in failures.iter().take(show) {
            eprintln!("\n{f}");
        }
        panic!(
            "{} of {} generated functions failed (seed {seed:#x}; by kind: {}); the {} smallest are above",
            failures.len(),
            cases.len(),
            by_kind.join(", "),
            failures.len().min(show)
        );
    }
}
