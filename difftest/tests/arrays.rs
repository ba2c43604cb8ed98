//! Randomized differential testing of `#[grad]` on ndarray programs: every function that
//! `src/arrays.rs` generates (broadcasting, `dot` chains, transposes, `sum_axis`, the `nn`
//! functions, and ndarray's own API: elementwise float methods, `mapv`, `mean`, views, slices,
//! element reads, `array!`, `from_elem`, iterator sums; `build.rs` writes them into
//! `OUT_DIR/arrays.rs`), at fixed random inputs, checked:
//!
//! 1. `f_grad` against central differences of the original function
//!    (`autodiff_runtime::check`, steps [`STEPS`], tolerance [`REL`] relative plus
//!    [`ABS`]·max(1, |f|) absolute), and `f_grad`'s value the function's to the same tolerance
//!    (the two may evaluate a `dot` chain in another order);
//! 2. `f_vjp` with cotangent 0.5: the same value, and half of `f_grad`'s gradient to [`HALF`]
//!    relative;
//! 3. `f_fwd` then `f_bwd` with cotangent 0.5: exactly what `f_vjp` gives.
//!
//! A failure (or a panic) prints the seed, the function's index and its source.

#![allow(
    unused,
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    reason = "generated code: any construct the generator writes is fair game"
)]

use autodiff_runtime::check::{Checker, Point};
use autodiff_runtime::ndarray::{Array, Array1, Array2, Axis, Dimension, ShapeBuilder, array, s};
use autodiff_runtime::{grad, nn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use testkit::SplitMix64;

include!(concat!(env!("OUT_DIR"), "/arrays.rs"));

/// The finite-difference steps (relative to max(1, |x|)), tried in order: the check passes at
/// the first step where every element is within tolerance. A steep function's truncation error
/// (h²·f'''/6) can exceed the tolerance at the first step and shrinks a hundredfold at the next,
/// while a wrong gradient fails at every step. (Seed 0xb, function 840, is such a function:
/// 1.9× the tolerance at 1e-5, within it at 1e-6.)
const STEPS: [f64; 2] = [1e-5, 1e-6];
/// Relative tolerance of the finite-difference check.
const REL: f64 = 1e-6;
/// Absolute tolerance of the finite-difference check, per unit of |f| (rounding in `f` at step
/// `h` gives errors of order ε·|f|/h ≈ 1e-11·|f|).
const ABS: f64 = 1e-8;
/// How far `f_vjp(.., 0.5)` may be from half of `f_grad`, relative.
const HALF: f64 = 1e-14;

/// Magnitude in [0.1, 1], either sign: bounded, and far from the kink of `relu`.
fn random_input(rng: &mut SplitMix64) -> f64 {
    let m = 0.1 + 0.9 * rng.unit();
    if rng.unit() < 0.5 { m } else { -m }
}

fn input<D: Dimension, Sh: ShapeBuilder<Dim = D>>(seed: u64, shape: Sh) -> Array<f64, D> {
    let mut rng = SplitMix64::new(seed);
    Array::from_shape_simple_fn(shape, || random_input(&mut rng))
}

fn scalar_input(seed: u64) -> f64 {
    random_input(&mut SplitMix64::new(seed))
}

/// Floats or arrays of floats, flattened for comparison.
trait Flat {
    fn flat(&self) -> Vec<f64>;
}

impl Flat for f64 {
    fn flat(&self) -> Vec<f64> {
        vec![*self]
    }
}

impl<D: Dimension> Flat for Array<f64, D> {
    fn flat(&self) -> Vec<f64> {
        self.iter().copied().collect()
    }
}

/// The problems found with one function.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    /// `a` and `b` equal bit for bit (and of one shape).
    fn same<T: Flat + std::fmt::Debug>(&mut self, what: &str, a: &T, b: &T) {
        let (x, y) = (a.flat(), b.flat());
        let equal = x.len() == y.len()
            && x.iter()
                .zip(&y)
                .all(|(p, q)| p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan()));
        if !equal {
            self.0.push(format!("{what}: {a:?}, expected {b:?}"));
        }
    }

    /// The function's value `a` against `f_grad`'s `b`, to the gradient check's tolerance:
    /// the original function and the forward sweep may evaluate a chain of `dot`s in another
    /// order, which moves the last bits.
    fn close(&mut self, what: &str, a: &f64, b: &f64) {
        let equal = a.to_bits() == b.to_bits()
            || (a.is_nan() && b.is_nan())
            || (a - b).abs() <= REL * a.abs().max(b.abs()) + ABS * a.abs().max(1.0);
        if !equal {
            self.0.push(format!("{what}: {a:?}, expected {b:?}"));
        }
    }

    /// `h` is half of `g`.
    fn half<T: Flat + std::fmt::Debug>(&mut self, param: &str, h: &T, g: &T) {
        let (x, y) = (h.flat(), g.flat());
        let ok = x.len() == y.len()
            && x.iter()
                .zip(&y)
                .all(|(h, g)| (h - 0.5 * g).abs() <= HALF * (0.5 * g).abs());
        if !ok {
            self.0.push(format!(
                "f_vjp(.., 0.5) for {param}: {h:?}, not half of f_grad's {g:?}"
            ));
        }
    }

    fn gradient<P: Point>(
        &mut self,
        value: f64,
        names: &[&str],
        f: impl FnMut(&P) -> f64,
        at: &P,
        grad: &P,
    ) {
        let mut f = f;
        let mut failures = Vec::new();
        for step in STEPS {
            let checker = Checker::default()
                .step(step)
                .tolerance(REL, ABS * value.abs().max(1.0))
                .names(names.iter().copied());
            let report = checker.check(&mut f, at, grad);
            if report.is_ok() {
                return;
            }
            failures.push(format!("at step {step:e}: {report}"));
        }
        self.0.push(format!(
            "f_grad against finite differences: {}",
            failures.join("\n  ")
        ));
    }
}

struct Case {
    index: usize,
    source: &'static str,
    run: fn() -> Vec<String>,
}

fn panic_message(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| e.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a panic without a message)".into())
}

#[test]
fn generated_array_gradients_match_finite_differences() {
    let mut failures = Vec::new();
    for case in CASES {
        let problems = match catch_unwind(AssertUnwindSafe(case.run)) {
            Ok(p) => p,
            Err(e) => vec![format!("panicked: {}", panic_message(&*e))],
        };
        if !problems.is_empty() {
            failures.push(format!(
                "seed {ARRAY_SEED:#x}, function {} (rebuild with DIFFTEST_ARRAY_SEED={ARRAY_SEED:#x}):\n  {}\n{}",
                case.index,
                problems.join("\n  "),
                case.source
            ));
        }
    }
    println!(
        "difftest arrays: seed {ARRAY_SEED:#x}: {} functions checked",
        CASES.len()
    );
    for f in failures.iter().take(10) {
        eprintln!("\n{f}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} generated array functions failed (seed {ARRAY_SEED:#x}); the first {} are above",
        failures.len(),
        CASES.len(),
        failures.len().min(10)
    );
}
