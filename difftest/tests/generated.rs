//! Randomized differential testing: every gradient of every generated `#[grad]` function (see
//! `src/generator.rs`), at each of its test points, against two independent references:
//!
//! 1. forward-mode dual numbers (`num_dual::Dual64`) run through a twin of the function written
//!    over dual numbers: one forward pass per input coordinate gives a column of the Jacobian,
//!    and `Jᵀ·bar` must equal the macro's VJP to 1e-10 relative;
//! 2. fourth-order central differences of the original function, a looser second check.
//!
//! Besides: the VJP's value equals the original function's bit for bit, the split halves
//! (`f_fwd`, `f_bwd`) give exactly what `f_vjp` gives, and `f_grad` agrees with the Jacobian.
//!
//! A failure prints the seed, the function's index and its source (with the functions it calls),
//! and the command that rebuilds that function alone.

#![allow(
    unused,
    non_snake_case,
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    reason = "generated code: any construct the generator writes is fair game"
)]

use autodiff_runtime::check::{Checker, Stencil};
use autodiff_runtime::{grad, scalar};
use num_dual::{Dual64 as D, DualNum};
use std::sync::atomic::{AtomicUsize, Ordering};

include!(concat!(env!("OUT_DIR"), "/generated.rs"));

// ---- the dual-number twin's vocabulary ---------------------------------------------------------

/// A constant.
fn dl_k(x: f64) -> D {
    D::from_re(x)
}

/// `abs`, `signum`, `max`, `min`: the generator keeps test points away from their kinks, so
/// which side is taken never depends on a tie.
fn dl_abs(x: D) -> D {
    if x.re < 0.0 { -x } else { x }
}

fn dl_signum(x: D) -> D {
    D::from_re(x.re.signum())
}

fn dl_max(a: D, b: D) -> D {
    if a.re >= b.re { a } else { b }
}

fn dl_min(a: D, b: D) -> D {
    if a.re <= b.re { a } else { b }
}

/// `atan2` from `atan`: num-dual's own divides by `x` and so is NaN where `x` is 0 (a smooth
/// point); dividing by the larger of the two avoids that. Only the derivative part matters (the
/// value is set from `f64::atan2`).
fn dl_atan2(y: D, x: D) -> D {
    let mut r = if x.re.abs() >= y.re.abs() {
        (y / x).atan()
    } else {
        -(x / y).atan()
    };
    r.re = y.re.atan2(x.re);
    r
}

/// `tanh` from `exp`: num-dual's is `sinh / cosh`, NaN where `cosh²` overflows (|x| > 355);
/// `(1 − e^(−2|x|)) / (1 + e^(−2|x|))` with the sign outside is not.
fn dl_tanh(x: D) -> D {
    let e = (dl_k(-2.0) * dl_abs(x)).exp();
    let t = (dl_k(1.0) - e) / (dl_k(1.0) + e);
    if x.re < 0.0 { -t } else { t }
}

/// `erf`, which num-dual lacks: the value from `libm::erf`, the derivative part by the chain
/// rule with erf′(x) = 2/√π · e^(−x²).
fn dl_erf(x: D) -> D {
    let slope = std::f64::consts::FRAC_2_SQRT_PI * (-x.re * x.re).exp();
    D::new(libm::erf(x.re), x.eps * slope)
}

/// `hypot` and `log` with a non-constant base, composed from primitives num-dual has.
fn dl_hypot(a: D, b: D) -> D {
    (a * a + b * b).sqrt()
}

fn dl_log(a: D, base: D) -> D {
    a.ln() / base.ln()
}

// ---- flattening outputs and gradients ----------------------------------------------------------

trait Flat<T> {
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
type Eval = fn(&[f64], &[usize]) -> Vec<f64>;
type Dual = fn(&[D], &[usize]) -> Vec<D>;
type Vjp = fn(&[f64], &[usize], &[f64]) -> (Vec<f64>, Vec<f64>);
type Grad = fn(&[f64], &[usize]) -> (Vec<f64>, Vec<f64>);

struct Case {
    index: usize,
    source: &'static str,
    /// Positions in `p` of the active parameters' elements.
    active: &'static [usize],
    points: &'static [&'static [f64]],
    indices: &'static [&'static [usize]],
    /// The output at each point, as the generator computed it.
    expected: &'static [&'static [f64]],
    bar: &'static [f64],
    eval: Eval,
    dual: Dual,
    vjp: Vjp,
    split: Vjp,
    grad: Option<Grad>,
}

/// Dual numbers against the macro: 1e-10 relative.
const DUAL_REL: f64 = 1e-10;
/// Central differences against the macro.
const FD_REL: f64 = 1e-5;

/// `|a − b| ≤ rel·max(|a|, |b|) + rel·10⁻³·scale`: relative, with a floor at a thousandth of
/// the gradient's largest element (an element that is the difference of large terms is only
/// accurate relative to those).
fn close(a: f64, b: f64, rel: f64, scale: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()) + rel * 1e-3 * scale.max(1.0)
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

/// What went wrong with one case, or `None`.
fn check(c: &Case) -> Option<String> {
    let mut problems = Vec::new();
    for (pi, ((&p, &u), &expected)) in c.points.iter().zip(c.indices).zip(c.expected).enumerate() {
        let mut say = |what: String| problems.push(format!("  point {pi} {p:?} {u:?}: {what}"));
        let value = (c.eval)(p, u);
        if !matches_generator(&value, expected) {
            say(format!(
                "the function gives {value:?}, the generator computed {expected:?} (generator bug?)"
            ));
        }
        let (vjp_value, g) = (c.vjp)(p, u, c.bar);
        if !same_bits(&vjp_value, &value) {
            say(format!(
                "f_vjp's value {vjp_value:?} differs from the function's {value:?}"
            ));
        }
        let (split_value, split_g) = (c.split)(p, u, c.bar);
        if !same_bits(&split_value, &vjp_value) || !same_bits(&split_g, &g) {
            say(format!(
                "f_fwd/f_bwd give {split_value:?}, {split_g:?}; f_vjp gives {vjp_value:?}, {g:?}"
            ));
        }
        let (dual_value, reference) = dual_vjp(c, p, u, c.bar);
        let vscale = value.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
        if dual_value.len() != value.len()
            || dual_value
                .iter()
                .zip(&value)
                .any(|(a, b)| !close(*a, *b, 1e-9, vscale))
        {
            say(format!(
                "the dual twin's value {dual_value:?} differs from the function's {value:?} (harness bug?)"
            ));
        }
        let scale = reference.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
        if g.len() != reference.len() {
            say(format!(
                "f_vjp gives {} gradient elements, expected {}",
                g.len(),
                reference.len()
            ));
            continue;
        }
        for (j, (&a, &r)) in g.iter().zip(&reference).enumerate() {
            if !close(a, r, DUAL_REL, scale) {
                say(format!(
                    "gradient element {j} (input p[{}]) with cotangent {:?}: f_vjp gives {a:e}, dual numbers {r:e} (rel. error {:.1e})",
                    c.active[j],
                    c.bar,
                    (a - r).abs() / r.abs().max(1e-300)
                ));
            }
            let fd = fd_partials(c, p, u, c.bar, c.active[j]);
            let verdict = fd_verdict(a, &fd, scale);
            if matches!(verdict, Fd::Inconclusive) {
                INCONCLUSIVE.fetch_add(1, Ordering::Relaxed);
            }
            if matches!(verdict, Fd::Disagrees) {
                say(format!(
                    "gradient element {j} (input p[{}]) with cotangent {:?}: f_vjp gives {a:e}, central differences {fd:?}",
                    c.active[j], c.bar
                ));
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
                say(format!(
                    "f_grad gives {gv:?}, {gg:?}; the function {value:?} and dual numbers {unit:?}"
                ));
            }
        }
    }
    if problems.is_empty() {
        None
    } else {
        Some(format!(
            "function {} (seed {SEED:#x}; rebuild it alone with DIFFTEST_SEED={SEED:#x} DIFFTEST_ONLY={} cargo test -p difftest):\n{}\n{}",
            c.index,
            c.index,
            problems.join("\n"),
            c.source
        ))
    }
}

#[test]
fn generated_gradients_match_dual_numbers_and_central_differences() {
    let mut failures = Vec::new();
    let mut elements = 0;
    for c in CASES {
        elements += c.active.len() * c.points.len();
        if let Some(f) = check(c) {
            failures.push((c.source.len(), f));
        }
    }
    // The smallest failing function first: the easiest to read.
    failures.sort();
    println!(
        "difftest: seed {SEED:#x}: {} functions, {} points, {elements} gradient elements checked \
         against dual numbers ({} of them too steep for central differences to judge)",
        CASES.len(),
        CASES.iter().map(|c| c.points.len()).sum::<usize>(),
        INCONCLUSIVE.load(Ordering::Relaxed)
    );
    if !failures.is_empty() {
        for (_, f) in failures.iter().take(10) {
            eprintln!("\n{f}");
        }
        panic!(
            "{} of {} generated functions failed (seed {SEED:#x}); the {} smallest are above",
            failures.len(),
            CASES.len(),
            failures.len().min(10)
        );
    }
}
