//! What the gradient of ndarray code written with ndarray's own API costs (issue 13,
//! "Performance"):
//!
//! * `logistic`: the logistic regression, as the issue writes it (`mapv` with a closure,
//!   `ln`, scalar–array `-`, `mean().unwrap()`), at 10,000 × 100, `wrt(w, b)`. Four variants: the
//!   function alone (`f`), the generated gradient (`f_grad`), and a hand-written ndarray adjoint
//!   (`hand`): the forward keeps `p`, then `bar_z = (p − y)/n`, `bar_w = xᵀ·bar_z`
//!   (`x.t().dot(&bar_z)`), `bar_b = Σ bar_z`; and the same adjoint with `bar_w` accumulated
//!   row by row (`hand_rows`), which shows what ndarray's product with a transposed matrix costs;
//! * `sigmoid`: the gradient of the sum of the logistic function of a 1000 × 100 array, written as
//!   `x.mapv(|z| 1.0 / (1.0 + (-z).exp()))` (its derivative the closure's, per element, kept by
//!   the forward half) and as `nn::sigmoid(x)` (its pullback `bar·y·(1 − y)` from the kept
//!   output). Five variants: each function alone, each gradient, and (`mapv recomputed`) the
//!   mapv gradient as `#[grad]` wrote it before it kept the closure's derivatives (the reverse
//!   sweep applies the closure's vjp to each element, running its forward again), by hand; on
//!   entries in (−6, 6) (`sigmoid_1000x100`) and in (0, 6) (`sigmoid_1000x100_positive`), since
//!   `nn::sigmoid` branches on the sign;
//! * `scaled`: the same with a differentiated scalar captured by the closure,
//!   `x.mapv(|z| 1.0 / (1.0 + (-(a * z)).exp())).sum()` (two derivative arrays kept, by `z` and
//!   by `a`), against `nn::sigmoid(&(x * a)).sum()` and the closure's vjp recomputed per element
//!   (`mapv recomputed`, as before), on entries in (−6, 6).
//!
//! At startup both hand-written logistic gradients are checked against the generated one, and the
//! sigmoid gradients against each other (1e-12 relative per element, or 1e-12 of the largest
//! element), at several points and sizes.
//!
//! Every variant runs behind a function pointer with its inputs through `black_box`, and the
//! gradient is dropped inside the timed call (its deallocation is timed for all).
//!
//! Three measurements, in this order:
//!
//! 1. Peak heap bytes and allocation count of one call of each variant, outside any timing, by the
//!    counting global allocator below (as in `benches/control_flow.rs`);
//! 2. criterion groups `nd_<case>` (medians in criterion's report);
//! 3. `interleaved`: the variants of a case timed in turn in rounds of about 5 ms each, the order
//!    alternating, and the median over rounds of the ratios of interest printed with quartiles,
//!    and each variant's median time per call. This host's speed drifts over a minute (see
//!    `BENCHMARKS.md`, BA), which moves criterion's sequential ratios; side by side in each round
//!    the drift cancels.
//!
//! Run with `cargo bench --bench ndarray_idioms`; see `BENCHMARKS.md` for results.

use std::hint::black_box;
use std::time::Duration;
use testkit::alloc::{CountingAllocator, peak_heap};
use testkit::bench;

use autodiff_runtime::ndarray::{Array1, Array2, Zip};
use autodiff_runtime::{grad, nn};
use criterion::Criterion;
use testkit::SplitMix64;

// ---------------------------------------------------------------------------------------------
// (a) The logistic regression
// ---------------------------------------------------------------------------------------------

/// As the issue writes it.
#[grad(wrt(w, b))]
fn logistic(x: &Array2<f64>, y: &Array1<f64>, w: &Array1<f64>, b: f64) -> f64 {
    let p = (x.dot(w) + b).mapv(|z| 1.0 / (1.0 + (-z).exp()));
    -(y * &p.ln() + (1.0 - y) * &(1.0 - &p).ln()).mean().unwrap()
}

/// The value and the gradient in `w` and `b` by hand, with ndarray as one writes it without the
/// library: the forward computes `p = σ(x·w + b)` in place of `z` and keeps it, the loss is one
/// pass over `p` and `y`, then `bar_z = (p − y)/n` (σ's derivative and the cross-entropy's
/// merged) in place, `bar_w = xᵀ·bar_z`, `bar_b = Σ bar_z`.
#[inline]
fn logistic_hand(
    x: &Array2<f64>,
    y: &Array1<f64>,
    w: &Array1<f64>,
    b: f64,
) -> (f64, Array1<f64>, f64) {
    let n = x.nrows() as f64;
    let mut p = x.dot(w);
    p.mapv_inplace(|z| 1.0 / (1.0 + (-(z + b)).exp()));
    let mut sum = 0.0;
    Zip::from(&p)
        .and(y)
        .for_each(|&p, &y| sum += y * p.ln() + (1.0 - y) * (1.0 - p).ln());
    let loss = -sum / n;
    let mut bar_z = p;
    Zip::from(&mut bar_z)
        .and(y)
        .for_each(|p, &y| *p = (*p - y) / n);
    let bar_w = x.t().dot(&bar_z);
    let bar_b = bar_z.sum();
    (loss, bar_w, bar_b)
}

/// As [`logistic_hand`], but `bar_w` accumulated row by row (`bar_w += bar_zᵢ · xᵢ`, one
/// `scaled_add` per row of `x`) instead of by `x.t().dot(&bar_z)`. Without a BLAS, ndarray
/// computes a product with the transposed matrix as one strided dot per column of `x` (row-major
/// 10,000 × 100: 100 passes each reading one element 800 bytes apart from every row), which is
/// the whole difference; the row-wise loop reads `x` once, contiguously, as the forward's
/// `x.dot(w)` does. Not the baseline: what the `dot` pullback could cost.
#[inline]
fn logistic_hand_rows(
    x: &Array2<f64>,
    y: &Array1<f64>,
    w: &Array1<f64>,
    b: f64,
) -> (f64, Array1<f64>, f64) {
    let n = x.nrows() as f64;
    let mut p = x.dot(w);
    p.mapv_inplace(|z| 1.0 / (1.0 + (-(z + b)).exp()));
    let mut sum = 0.0;
    Zip::from(&p)
        .and(y)
        .for_each(|&p, &y| sum += y * p.ln() + (1.0 - y) * (1.0 - p).ln());
    let loss = -sum / n;
    let mut bar_z = p;
    Zip::from(&mut bar_z)
        .and(y)
        .for_each(|p, &y| *p = (*p - y) / n);
    let mut bar_w = Array1::zeros(x.ncols());
    for (row, &g) in x.rows().into_iter().zip(&bar_z) {
        bar_w.scaled_add(g, &row);
    }
    let bar_b = bar_z.sum();
    (loss, bar_w, bar_b)
}

// ---------------------------------------------------------------------------------------------
// (b) The logistic function by `mapv` with a closure and by `nn::sigmoid`
// ---------------------------------------------------------------------------------------------

#[grad]
fn sigmoid_mapv(x: &Array2<f64>) -> f64 {
    x.mapv(|z| 1.0 / (1.0 + (-z).exp())).sum()
}

#[grad]
fn sigmoid_nn(x: &Array2<f64>) -> f64 {
    nn::sigmoid(x).sum()
}

/// [`sigmoid_mapv`]'s gradient as `#[grad]` generated it before the forward half kept the
/// closure's derivatives: the forward maps the closure's function (`sigmoid_mapv_closure0`,
/// generated) and keeps only `x`, the reverse fills `sum`'s cotangent and applies the closure's
/// vjp (`sigmoid_mapv_closure0_vjp`, generated) to each element in one `Zip`, running the
/// closure's forward again (one more `exp` and division per element). Written by hand from that
/// expansion: the baseline of the change, measured in the same run.
#[inline]
fn sigmoid_mapv_recomputed(x: &Array2<f64>) -> (f64, Array2<f64>) {
    let value = x.mapv(sigmoid_mapv_closure0).sum();
    let mut bar = Array2::from_elem(x.raw_dim(), 1.0);
    Zip::from(&mut bar).and(x).for_each(|bar, &z| {
        let (_, bar_z) = sigmoid_mapv_closure0_vjp(z, *bar);
        *bar = bar_z;
    });
    (value, bar)
}

/// The logistic function of `a·z`, `a` a differentiated scalar the closure captures.
#[grad]
fn scaled_mapv(x: &Array2<f64>, a: f64) -> f64 {
    x.mapv(|z| 1.0 / (1.0 + (-(a * z)).exp())).sum()
}

#[grad]
fn scaled_nn(x: &Array2<f64>, a: f64) -> f64 {
    nn::sigmoid(&(x * a)).sum()
}

/// [`scaled_mapv`]'s gradient as `#[grad]` generated it before the forward half kept the
/// closure's derivatives (as [`sigmoid_mapv_recomputed`]): the closure's vjp per element in the
/// reverse sweep, `a`'s cotangent summed over the elements.
#[inline]
fn scaled_mapv_recomputed(x: &Array2<f64>, a: f64) -> (f64, Array2<f64>, f64) {
    let value = x.mapv(|z| scaled_mapv_closure0(z, a)).sum();
    let mut bar = Array2::from_elem(x.raw_dim(), 1.0);
    let mut bar_a = 0.0;
    Zip::from(&mut bar).and(x).for_each(|bar, &z| {
        let (_, bar_z, part) = scaled_mapv_closure0_vjp(z, a, *bar);
        *bar = bar_z;
        bar_a += part;
    });
    (value, bar, bar_a)
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

const ROWS: usize = 10_000;
const FEATURES: usize = 100;

/// A logistic-regression problem: `x` normal-ish entries in (−1, 1), labels 0/1 drawn from the
/// model at a weight vector near `w` (so the loss is neither 0 nor huge), `w` small.
fn logistic_input(
    rows: usize,
    features: usize,
    seed: u64,
) -> (Array2<f64>, Array1<f64>, Array1<f64>, f64) {
    let mut rng = SplitMix64::new(seed);
    let x = Array2::from_shape_simple_fn((rows, features), || rng.range(-1.0, 1.0));
    let truth = Array1::from_shape_simple_fn(features, || rng.range(-0.3, 0.3));
    let z = x.dot(&truth);
    let y = z.mapv(|z| {
        if rng.unit() < 1.0 / (1.0 + (-z).exp()) {
            1.0
        } else {
            0.0
        }
    });
    let w = Array1::from_shape_simple_fn(features, || rng.range(-0.2, 0.2));
    (x, y, w, 0.1)
}

/// Entries in (`low`, 6): from −6, half of them negative in random order (`nn::sigmoid` takes
/// one of two formulas by the sign, a branch the predictor misses about half the time); from 0,
/// all positive (the branch always taken).
fn sigmoid_input(rows: usize, cols: usize, seed: u64, low: f64) -> Array2<f64> {
    let mut rng = SplitMix64::new(seed);
    Array2::from_shape_simple_fn((rows, cols), || rng.range(low, 6.0))
}

enum Input {
    Logistic(Array2<f64>, Array1<f64>, Array1<f64>, f64),
    Sigmoid(Array2<f64>),
    Scaled(Array2<f64>, f64),
}

fn logistic_point(input: &Input) -> (&Array2<f64>, &Array1<f64>, &Array1<f64>, f64) {
    match input {
        Input::Logistic(x, y, w, b) => (black_box(x), black_box(y), black_box(w), black_box(*b)),
        _ => unreachable!(),
    }
}

fn sigmoid_point(input: &Input) -> &Array2<f64> {
    match input {
        Input::Sigmoid(x) => black_box(x),
        _ => unreachable!(),
    }
}

fn scaled_point(input: &Input) -> (&Array2<f64>, f64) {
    match input {
        Input::Scaled(x, a) => (black_box(x), black_box(*a)),
        _ => unreachable!(),
    }
}

// ---------------------------------------------------------------------------------------------
// Equal work
// ---------------------------------------------------------------------------------------------

/// Within 1e-12 relatively, or 1e-12 of `scale`.
fn close(a: f64, b: f64, scale: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(scale)
}

fn assert_all_close<'a>(
    what: &str,
    a: impl IntoIterator<Item = &'a f64>,
    b: impl IntoIterator<Item = &'a f64>,
) {
    let (a, b): (Vec<f64>, Vec<f64>) = (
        a.into_iter().copied().collect(),
        b.into_iter().copied().collect(),
    );
    assert_eq!(a.len(), b.len(), "{what}: lengths differ");
    let scale = a.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    for (i, (&a, &b)) in a.iter().zip(&b).enumerate() {
        assert!(close(a, b, scale), "{what}[{i}]: {a:e} against {b:e}");
    }
}

/// The hand-written adjoint equals the generated gradient, and the two sigmoid gradients agree,
/// at several points and sizes, so that the variants do the same work.
fn verify() {
    for (rows, features, seed) in [(7, 3, 1), (100, 10, 2), (ROWS, FEATURES, 3)] {
        let (x, y, w, b) = logistic_input(rows, features, seed);
        let (value, bar_w, bar_b) = logistic_grad(&x, &y, &w, b);
        let (hand_value, hand_w, hand_b) = logistic_hand(&x, &y, &w, b);
        assert_eq!(value, logistic(&x, &y, &w, b));
        assert!(
            close(value, hand_value, 0.0),
            "logistic value: {value:e} against {hand_value:e}"
        );
        assert_all_close("logistic ∂/∂w", &bar_w, &hand_w);
        assert!(
            close(bar_b, hand_b, 0.0),
            "logistic ∂/∂b: {bar_b:e} against {hand_b:e}"
        );
        let (rows_value, rows_w, rows_b) = logistic_hand_rows(&x, &y, &w, b);
        assert!(close(value, rows_value, 0.0));
        assert_all_close("logistic ∂/∂w (rows)", &bar_w, &rows_w);
        assert!(close(bar_b, rows_b, 0.0));
    }
    for (rows, cols, seed) in [(3, 4, 4), (1000, 100, 5)] {
        let x = sigmoid_input(rows, cols, seed, -6.0);
        let (value_mapv, bar_mapv) = sigmoid_mapv_grad(&x);
        let (value_nn, bar_nn) = sigmoid_nn_grad(&x);
        assert!(
            close(value_mapv, value_nn, 0.0),
            "sigmoid sums: {value_mapv:e} against {value_nn:e}"
        );
        assert_all_close("sigmoid gradients", &bar_mapv, &bar_nn);
        let (value_recomputed, bar_recomputed) = sigmoid_mapv_recomputed(&x);
        assert!(close(value_mapv, value_recomputed, 0.0));
        assert_all_close("sigmoid gradients (recomputed)", &bar_mapv, &bar_recomputed);
        let a = 0.8;
        let (value, bar_x, bar_a) = scaled_mapv_grad(&x, a);
        let (value_nn, bar_x_nn, bar_a_nn) = scaled_nn_grad(&x, a);
        let (value_recomputed, bar_x_recomputed, bar_a_recomputed) = scaled_mapv_recomputed(&x, a);
        for (what, other, other_x, other_a) in [
            ("nn", value_nn, &bar_x_nn, bar_a_nn),
            (
                "recomputed",
                value_recomputed,
                &bar_x_recomputed,
                bar_a_recomputed,
            ),
        ] {
            assert!(close(value, other, 0.0), "scaled sums ({what})");
            assert_all_close(&format!("scaled ∂/∂x ({what})"), &bar_x, other_x);
            // A sum over all elements: the summation order differs.
            assert!(
                (bar_a - other_a).abs() <= 1e-10 * bar_a.abs().max(1.0),
                "scaled ∂/∂a ({what}): {bar_a:e} against {other_a:e}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------

type Timed = fn(&Input);

/// A benchmark case: its name, its input, its variants, and the ratios of interest (pairs of
/// indices into `variants`, numerator first).
struct Case {
    name: &'static str,
    input: Input,
    variants: &'static [(&'static str, Timed)],
    ratios: &'static [(usize, usize)],
}

const LOGISTIC: [(&str, Timed); 4] = [
    ("f", |i| {
        let (x, y, w, b) = logistic_point(i);
        black_box(logistic(x, y, w, b));
    }),
    ("f_grad", |i| {
        let (x, y, w, b) = logistic_point(i);
        black_box(logistic_grad(x, y, w, b));
    }),
    ("hand", |i| {
        let (x, y, w, b) = logistic_point(i);
        black_box(logistic_hand(x, y, w, b));
    }),
    ("hand_rows", |i| {
        let (x, y, w, b) = logistic_point(i);
        black_box(logistic_hand_rows(x, y, w, b));
    }),
];

const SIGMOID: [(&str, Timed); 5] = [
    ("mapv f", |i| {
        black_box(sigmoid_mapv(sigmoid_point(i)));
    }),
    ("nn f", |i| {
        black_box(sigmoid_nn(sigmoid_point(i)));
    }),
    ("mapv grad", |i| {
        black_box(sigmoid_mapv_grad(sigmoid_point(i)));
    }),
    ("nn grad", |i| {
        black_box(sigmoid_nn_grad(sigmoid_point(i)));
    }),
    ("mapv recomputed", |i| {
        black_box(sigmoid_mapv_recomputed(sigmoid_point(i)));
    }),
];

const SCALED: [(&str, Timed); 5] = [
    ("mapv f", |i| {
        let (x, a) = scaled_point(i);
        black_box(scaled_mapv(x, a));
    }),
    ("nn f", |i| {
        let (x, a) = scaled_point(i);
        black_box(scaled_nn(x, a));
    }),
    ("mapv grad", |i| {
        let (x, a) = scaled_point(i);
        black_box(scaled_mapv_grad(x, a));
    }),
    ("nn grad", |i| {
        let (x, a) = scaled_point(i);
        black_box(scaled_nn_grad(x, a));
    }),
    ("mapv recomputed", |i| {
        let (x, a) = scaled_point(i);
        black_box(scaled_mapv_recomputed(x, a));
    }),
];

fn cases() -> Vec<Case> {
    let (x, y, w, b) = logistic_input(ROWS, FEATURES, 3);
    vec![
        Case {
            name: "logistic_10000x100",
            input: Input::Logistic(x, y, w, b),
            variants: &LOGISTIC,
            ratios: &[(1, 2), (1, 0), (2, 0), (1, 3), (3, 0)],
        },
        Case {
            name: "sigmoid_1000x100",
            input: Input::Sigmoid(sigmoid_input(1000, 100, 5, -6.0)),
            variants: &SIGMOID,
            ratios: &[(2, 3), (0, 1), (2, 0), (3, 1), (4, 3), (2, 4)],
        },
        Case {
            name: "sigmoid_1000x100_positive",
            input: Input::Sigmoid(sigmoid_input(1000, 100, 5, 0.0)),
            variants: &SIGMOID,
            ratios: &[(2, 3), (0, 1), (2, 0), (3, 1), (4, 3), (2, 4)],
        },
        Case {
            name: "scaled_1000x100",
            input: Input::Scaled(sigmoid_input(1000, 100, 5, -6.0), 0.8),
            variants: &SCALED,
            ratios: &[(2, 3), (0, 1), (2, 0), (3, 1), (4, 3), (2, 4)],
        },
    ]
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
        let line: Vec<String> = case
            .variants
            .iter()
            .map(|&(variant, timed)| {
                let (bytes, n) = peak_heap(|| timed(&case.input));
                format!("{variant} {bytes} B in {n} allocations")
            })
            .collect();
        println!("{}: peak heap {}", case.name, line.join(", "));
    }
}

// ---------------------------------------------------------------------------------------------
// Criterion
// ---------------------------------------------------------------------------------------------

fn bench_case(c: &mut Criterion, case: &Case) {
    let mut group = c.benchmark_group(format!("nd_{}", case.name));
    // A logistic gradient takes milliseconds: fewer samples keep the groups near their budget.
    group.sample_size(if case.name.starts_with("logistic") {
        20
    } else {
        30
    });
    for &(variant, timed) in case.variants {
        group.bench_function(variant, |b| b.iter(|| timed(&case.input)));
    }
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// Ratios measured interleaved
// ---------------------------------------------------------------------------------------------

/// Times the variants in turn, `ROUNDS` times, each for about `ROUND` seconds (the number of
/// calls fixed beforehand from the slowest variant's time), alternating the order
/// (`testkit::bench::interleaved`), and prints the median over rounds of each ratio of interest,
/// and each variant's median time per call.
fn interleaved(case: &Case) {
    const ROUNDS: usize = 200;
    const ROUND: f64 = 5e-3;
    let input = &case.input;
    let variants: Vec<_> = case
        .variants
        .iter()
        .map(|&(_, timed)| move || timed(input))
        .collect();
    let timed = bench::interleaved(&variants, ROUNDS, ROUND);
    let mut line = format!(
        "{}, interleaved ({ROUNDS} rounds of {} calls):",
        case.name, timed.calls[0]
    );
    for &(a, b) in case.ratios {
        let [q1, median, q3] = timed.ratio(a, b);
        line += &format!(
            " {} / {} median {median:.3} (quartiles {q1:.3} to {q3:.3});",
            case.variants[a].0, case.variants[b].0
        );
    }
    line += " per call";
    for (v, &(name, _)) in case.variants.iter().enumerate() {
        line += &format!(" {name} {:.1} µs", timed.median(v) * 1e6);
    }
    println!("{line}");
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
