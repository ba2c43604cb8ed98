//! ADBench's GMM and LSTM (issue 14): the objectives of `src/gmm.rs` and `src/lstm.rs` timed
//! alone (`objective`), through the code `#[grad]` generates (`generated`; for GMM also
//! `checkpointed`, `#[checkpoint]` on the loop over points), and through the hand-written
//! adjoints (`hand`: the port of ADBench's Manual `gmm_d.cpp`, `src/gmm/hand.rs`; the BPTT
//! reverse sweep of `src/lstm/hand.rs`). Beside them, on the small GMM inputs and LSTM l2 c1024,
//! the alternatives a Rust user has: `num-dual` (forward mode, one `Dual64` pass per parameter)
//! and `reverse` (a tape crate), through generic twins of the objectives written below.
//!
//! Inputs: every GMM file in `data/adbench/gmm/1k/`, `data/adbench/gmm/10k/gmm_d2_K5.txt` (or
//! the file named by `ADBENCH_GMM_10K`), and the four LSTM files of `data/adbench/lstm/`.
//!
//! Per input, three measurements:
//!
//! 1. a check that every variant's value and gradient agree with the hand-written one (ADBench's
//!    ρ < 1e-8), so that every variant does the same work;
//! 2. peak heap bytes and allocations of one call of each variant (a counting global allocator,
//!    as in `benches/control_flow.rs`);
//! 3. interleaved timing: in each round every variant runs (enough calls to take about 2 ms, or
//!    one), the order alternating between rounds, and the medians over rounds are reported:
//!    each variant's time per call, R = t_gradient / t_objective, and generated / hand, with
//!    quartiles. This host's speed drifts over a minute; side by side in each round the drift
//!    cancels. The alternatives (num-dual, reverse) run in the first 5 rounds only.
//!
//! `ADBENCH_SECONDS` (default 4) sets the time spent timing each input; `ADBENCH_FILTER=gmm_d2`
//! runs the inputs whose name contains it.
//!
//! Run with `cargo bench --bench adbench`; see `BENCHMARKS.md` for results.

#![allow(
    clippy::needless_range_loop,
    clippy::too_many_arguments,
    reason = "the twins are written as ADBench's C++ writes them, with indices"
)]

use std::hint::black_box;
use std::ops::{Add, Div, Mul, Neg, Sub};
use testkit::alloc::{CountingAllocator, peak_heap};
use testkit::bench;

use autodiff::adbench::rho;
use autodiff::gmm::{self, GmmInput};
use autodiff::lstm::{self, LstmInput};
use num_dual::{Dual64, DualNum};
use reverse::{Gradient, Tape, Var};

// ---------------------------------------------------------------------------------------------
// The objectives over a generic scalar, for num-dual and reverse
// ---------------------------------------------------------------------------------------------

/// What the twins need of a scalar: arithmetic with itself and with `f64`, `exp`, `ln`, `tanh`,
/// comparison.
trait Real:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + Add<f64, Output = Self>
    + Sub<f64, Output = Self>
    + Mul<f64, Output = Self>
    + PartialOrd
{
    fn exp(self) -> Self;
    fn ln(self) -> Self;
    fn tanh(self) -> Self;
}

impl Real for Dual64 {
    fn exp(self) -> Self {
        DualNum::exp(&self)
    }
    fn ln(self) -> Self {
        DualNum::ln(&self)
    }
    fn tanh(self) -> Self {
        DualNum::tanh(&self)
    }
}

impl Real for Var<'_> {
    fn exp(self) -> Self {
        Var::exp(&self)
    }
    fn ln(self) -> Self {
        Var::ln(&self)
    }
    fn tanh(self) -> Self {
        Var::tanh(&self)
    }
}

/// `logsumexp` with the running maximum, as `gmm.h`.
fn logsumexp<T: Real>(x: &[T]) -> T {
    let mut mx = x[0];
    for &v in &x[1..] {
        if v > mx {
            mx = v;
        }
    }
    let mut semx = (x[0] - mx).exp();
    for &v in &x[1..] {
        semx = semx + (v - mx).exp();
    }
    semx.ln() + mx
}

/// ADBench's GMM objective (as `gmm::gmm_objective`) over `T`; `zero` is a zero of `T`.
fn gmm_twin<T: Real>(
    input: &GmmInput,
    alphas: &[T],
    means: &[T],
    icf: &[T],
    zero: T,
    prior_constant: f64,
) -> T {
    let (d, k, n) = (input.d, input.k, input.n);
    let icf_sz = d * (d + 1) / 2;
    let mut qdiags = Vec::with_capacity(d * k);
    let mut sum_qs = Vec::with_capacity(k);
    for ik in 0..k {
        let mut s = zero;
        for id in 0..d {
            let q = icf[ik * icf_sz + id];
            s = s + q;
            qdiags.push(q.exp());
        }
        sum_qs.push(s);
    }
    let mut slse = zero;
    let mut main_term = vec![zero; k];
    let mut xc = vec![zero; d];
    let mut qxc = vec![zero; d];
    for ix in 0..n {
        for ik in 0..k {
            for id in 0..d {
                xc[id] = -(means[ik * d + id] - input.x[ix * d + id]);
                qxc[id] = qdiags[ik * d + id] * xc[id];
            }
            let mut lparams = ik * icf_sz + d;
            for i in 0..d {
                for j in i + 1..d {
                    qxc[j] = qxc[j] + icf[lparams] * xc[i];
                    lparams += 1;
                }
            }
            let mut sqnorm = qxc[0] * qxc[0];
            for id in 1..d {
                sqnorm = sqnorm + qxc[id] * qxc[id];
            }
            main_term[ik] = alphas[ik] + sum_qs[ik] - sqnorm * 0.5;
        }
        slse = slse + logsumexp(&main_term);
    }
    let lse_alphas = logsumexp(alphas);
    let gamma = input.wishart.gamma;
    let m = f64::from(input.wishart.m);
    let mut prior = zero;
    for ik in 0..k {
        let mut frobenius = zero;
        for id in 0..d {
            frobenius = frobenius + qdiags[ik * d + id] * qdiags[ik * d + id];
        }
        for i in d..icf_sz {
            frobenius = frobenius + icf[ik * icf_sz + i] * icf[ik * icf_sz + i];
        }
        prior = prior + frobenius * (0.5 * gamma * gamma) - sum_qs[ik] * m;
    }
    let constant = -(n as f64) * (d as f64) * 0.5 * (2.0 * gmm::ADBENCH_PI).ln();
    slse + constant - lse_alphas * n as f64 + prior - prior_constant
}

fn sigmoid<T: Real>(x: T) -> T {
    let one_plus = (-x).exp() + 1.0;
    // 1 / (1 + e^{−x}) as (1 + e^{−x})⁻¹ without an f64 / T operator.
    (one_plus * 0.0 + 1.0) / one_plus
}

/// ADBench's LSTM loss (as `lstm::lstm_objective`) over `T`.
fn lstm_twin<T: Real>(input: &LstmInput, main_params: &[T], extra_params: &[T], zero: T) -> T {
    let (l, c, b) = (input.l, input.c, input.b);
    let mut s: Vec<T> = input.state.iter().map(|&v| zero + v).collect();
    let mut ypred = vec![zero; b];
    let mut total = zero;
    for t in 0..c - 1 {
        for i in 0..b {
            ypred[i] = extra_params[i] * input.sequence[t * b + i];
        }
        for layer in 0..l {
            let w = 8 * b * layer;
            let h = 2 * b * layer;
            for i in 0..b {
                let x = if layer == 0 {
                    ypred[i]
                } else {
                    s[h - 2 * b + i]
                };
                let hidden = s[h + i];
                let forget = sigmoid(x * main_params[w + i] + main_params[w + 4 * b + i]);
                let ingate = sigmoid(hidden * main_params[w + b + i] + main_params[w + 5 * b + i]);
                let outgate = sigmoid(x * main_params[w + 2 * b + i] + main_params[w + 6 * b + i]);
                let change =
                    (hidden * main_params[w + 3 * b + i] + main_params[w + 7 * b + i]).tanh();
                s[h + b + i] = s[h + b + i] * forget + ingate * change;
                s[h + i] = outgate * s[h + b + i].tanh();
            }
        }
        let last = 2 * b * (l - 1);
        for i in 0..b {
            ypred[i] = s[last + i] * extra_params[b + i] + extra_params[2 * b + i];
        }
        let mut sum = ypred[0].exp();
        for i in 1..b {
            sum = sum + ypred[i].exp();
        }
        let lse = (sum + 2.0).ln();
        for i in 0..b {
            total = total + (ypred[i] - lse) * input.sequence[(t + 1) * b + i];
        }
    }
    -total * (1.0 / ((c - 1) * b) as f64)
}

/// The gradient of `f` at `x` by forward mode: one `Dual64` pass per parameter.
fn dual_gradient(x: &[f64], f: impl Fn(&[Dual64]) -> Dual64) -> (f64, Vec<f64>) {
    let mut duals: Vec<Dual64> = x.iter().map(|&v| Dual64::from_re(v)).collect();
    let mut value = 0.0;
    let mut g = vec![0.0; x.len()];
    for i in 0..x.len() {
        duals[i].eps = 1.0;
        let y = f(&duals);
        duals[i].eps = 0.0;
        value = y.re;
        g[i] = y.eps;
    }
    (value, g)
}

/// The gradient of `f` at `x` by the `reverse` crate's tape.
fn tape_gradient(x: &[f64], f: impl for<'a> Fn(&[Var<'a>], Var<'a>) -> Var<'a>) -> (f64, Vec<f64>) {
    let tape = Tape::new();
    let vars = tape.add_vars(x);
    let zero = tape.add_var(0.0);
    let y = f(&vars, zero);
    let grads = y.grad();
    (y.val(), grads.wrt(&vars))
}

fn gmm_split(input: &GmmInput) -> (usize, usize) {
    (input.k, input.k + input.k * input.d)
}

fn gmm_params(input: &GmmInput) -> Vec<f64> {
    [&input.alphas[..], &input.means, &input.icf].concat()
}

fn gmm_prior_constant(input: &GmmInput) -> f64 {
    input.k as f64 * gmm::wishart_constant(input.d, input.wishart)
}

fn gmm_dual(input: &GmmInput) -> (f64, Vec<f64>) {
    let (a, m) = gmm_split(input);
    let c = gmm_prior_constant(input);
    dual_gradient(&gmm_params(input), |p| {
        gmm_twin(input, &p[..a], &p[a..m], &p[m..], Dual64::from_re(0.0), c)
    })
}

fn gmm_tape(input: &GmmInput) -> (f64, Vec<f64>) {
    let (a, m) = gmm_split(input);
    let c = gmm_prior_constant(input);
    tape_gradient(&gmm_params(input), |p, zero| {
        gmm_twin(input, &p[..a], &p[a..m], &p[m..], zero, c)
    })
}

fn lstm_params(input: &LstmInput) -> Vec<f64> {
    [&input.main_params[..], &input.extra_params].concat()
}

fn lstm_dual(input: &LstmInput) -> (f64, Vec<f64>) {
    let m = input.main_params.len();
    dual_gradient(&lstm_params(input), |p| {
        lstm_twin(input, &p[..m], &p[m..], Dual64::from_re(0.0))
    })
}

fn lstm_tape(input: &LstmInput) -> (f64, Vec<f64>) {
    let m = input.main_params.len();
    tape_gradient(&lstm_params(input), |p, zero| {
        lstm_twin(input, &p[..m], &p[m..], zero)
    })
}

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

enum Input {
    Gmm(GmmInput),
    Lstm(LstmInput),
}

/// A variant: its name and what it runs (the value, and the gradient where it has one).
type Run = fn(&Input) -> (f64, Vec<f64>);

struct Case {
    name: String,
    input: Input,
    /// `objective` first, then the gradients; `hand` among them.
    variants: Vec<(&'static str, Run)>,
}

fn gmm_of(input: &Input) -> &GmmInput {
    match input {
        Input::Gmm(i) => i,
        Input::Lstm(_) => unreachable!("a GMM variant on an LSTM input"),
    }
}

fn lstm_of(input: &Input) -> &LstmInput {
    match input {
        Input::Lstm(i) => i,
        Input::Gmm(_) => unreachable!("an LSTM variant on a GMM input"),
    }
}

const GMM_1K: [&str; 11] = [
    "gmm_d2_K5",
    "gmm_d2_K10",
    "gmm_d2_K200",
    "gmm_d10_K5",
    "gmm_d10_K25",
    "gmm_d10_K50",
    "gmm_d20_K10",
    "gmm_d32_K10",
    "gmm_d64_K5",
    "gmm_d64_K10",
    "gmm_d64_K25",
];

/// The GMM inputs on which the alternatives (num-dual, reverse) run too.
const GMM_WITH_ALTERNATIVES: [&str; 3] = ["gmm_d2_K5", "gmm_d2_K10", "gmm_d10_K5"];

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn cases() -> Vec<Case> {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut gmm_variants: Vec<(&'static str, Run)> = vec![
        ("objective", |i| (gmm::objective(gmm_of(i)), Vec::new())),
        ("generated", |i| gmm::gradient(gmm_of(i))),
        ("checkpointed", |i| gmm::gradient_checkpointed(gmm_of(i))),
        ("hand", |i| gmm::hand::gradient(gmm_of(i))),
    ];
    let mut cases = Vec::new();
    let mut gmm_files: Vec<(String, String)> = GMM_1K
        .iter()
        .map(|n| {
            (
                format!("1k/{n}"),
                format!("{root}/data/adbench/gmm/1k/{n}.txt"),
            )
        })
        .collect();
    let ten_k = std::env::var("ADBENCH_GMM_10K")
        .unwrap_or_else(|_| format!("{root}/data/adbench/gmm/10k/gmm_d2_K5.txt"));
    let ten_k_name = std::path::Path::new(&ten_k)
        .file_stem()
        .map_or("10k".into(), |s| format!("10k/{}", s.to_string_lossy()));
    gmm_files.push((ten_k_name, ten_k));
    for (name, path) in gmm_files {
        let input = gmm::read(&read(&path)).expect("an ADBench GMM file");
        let mut variants = gmm_variants.clone();
        if name.starts_with("1k/") && GMM_WITH_ALTERNATIVES.iter().any(|n| name.ends_with(n)) {
            variants.push(("num-dual", |i| gmm_dual(gmm_of(i))));
            variants.push(("reverse", |i| gmm_tape(gmm_of(i))));
        }
        cases.push(Case {
            name,
            input: Input::Gmm(input),
            variants,
        });
    }
    gmm_variants.clear();
    for name in [
        "lstm_l2_c1024",
        "lstm_l4_c1024",
        "lstm_l2_c4096",
        "lstm_l4_c4096",
    ] {
        let input = lstm::read(&read(&format!("{root}/data/adbench/lstm/{name}.txt")))
            .expect("an ADBench LSTM file");
        let mut variants: Vec<(&'static str, Run)> = vec![
            ("objective", |i| (lstm::objective(lstm_of(i)), Vec::new())),
            ("generated", |i| lstm::gradient(lstm_of(i))),
            ("checkpointed", |i| lstm::gradient_checkpointed(lstm_of(i))),
            ("hand", |i| lstm::hand::gradient(lstm_of(i))),
            ("adbench-manual", |i| lstm::manual::gradient(lstm_of(i))),
        ];
        if name == "lstm_l2_c1024" {
            variants.push(("num-dual", |i| lstm_dual(lstm_of(i))));
            variants.push(("reverse", |i| lstm_tape(lstm_of(i))));
        }
        cases.push(Case {
            name: name.into(),
            input: Input::Lstm(input),
            variants,
        });
    }
    if let Ok(filter) = std::env::var("ADBENCH_FILTER") {
        cases.retain(|c| c.name.contains(&filter));
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/// Every variant's value and gradient against the hand-written one.
fn verify(case: &Case) {
    let find = |name: &str| {
        case.variants
            .iter()
            .find(|(n, _)| *n == name)
            .map(|v| v.1)
            .expect("a variant")
    };
    let (value, gradient) = find("hand")(&case.input);
    for &(name, run) in &case.variants {
        let (v, g) = run(&case.input);
        assert!(
            rho(v, value) < 1e-8,
            "{}: {name}: value {v} against {value}",
            case.name
        );
        if name != "objective" {
            let worst = g
                .iter()
                .zip(&gradient)
                .map(|(a, b)| rho(*a, *b))
                .fold(0.0, f64::max);
            assert_eq!(g.len(), gradient.len(), "{}: {name}: length", case.name);
            assert!(
                worst < 1e-8,
                "{}: {name}: gradient off by rho {worst:e}",
                case.name
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Peak heap memory: a counting global allocator
// ---------------------------------------------------------------------------------------------

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn bytes(b: isize) -> String {
    let b = b as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{b} B")
    }
}

// ---------------------------------------------------------------------------------------------
// Timing, interleaved
// ---------------------------------------------------------------------------------------------

fn seconds(t: f64) -> String {
    if t >= 1.0 {
        format!("{t:.2} s")
    } else if t >= 1e-3 {
        format!("{:.2} ms", t * 1e3)
    } else {
        format!("{:.1} µs", t * 1e6)
    }
}

/// One variant's medians: time per call, R, time over hand's, peak heap bytes.
type Summary = Vec<(&'static str, f64, f64, f64, isize)>;

fn run_case(case: &Case, budget: f64) -> Summary {
    verify(case);
    // Memory.
    let mut memory = Vec::new();
    for &(name, run) in &case.variants {
        let (peak, n) = peak_heap(|| drop(black_box(run(black_box(&case.input)))));
        memory.push((name, peak, n));
    }
    // Each variant as a closure of one type, timed by `testkit::bench`.
    let input = &case.input;
    let variants: Vec<_> = case
        .variants
        .iter()
        .map(|&(_, run)| move || drop(black_box(run(black_box(input)))))
        .collect();
    // Calls per round: about 2 ms, or one call.
    let calls: Vec<usize> = variants
        .iter()
        .map(|variant| bench::calls_per_round(variant, 2e-3))
        .collect();
    // The alternatives (num-dual, reverse) are 10–1000× slower: they run in the first
    // `ALTERNATIVE_ROUNDS` rounds only, and the number of rounds is set by the others.
    const ALTERNATIVE_ROUNDS: usize = 5;
    let alternative = |name: &str| name == "num-dual" || name == "reverse";
    let round: f64 = case
        .variants
        .iter()
        .zip(&variants)
        .zip(&calls)
        .filter(|(((name, _), _), _)| !alternative(name))
        .map(|((_, variant), &c)| bench::time_calls(variant, c))
        .sum();
    let rounds = ((budget / round) as usize).clamp(ALTERNATIVE_ROUNDS, 301);
    let rounds_of: Vec<usize> = case
        .variants
        .iter()
        .map(|&(name, _)| {
            if alternative(name) {
                ALTERNATIVE_ROUNDS
            } else {
                rounds
            }
        })
        .collect();
    let hand = case
        .variants
        .iter()
        .position(|(n, _)| *n == "hand")
        .unwrap();
    let timed = bench::interleaved_calls(&variants, &calls, &rounds_of);
    println!("{} ({rounds} rounds)", case.name);
    let mut summary = Vec::new();
    for (j, &(name, _)) in case.variants.iter().enumerate() {
        let t = timed.median(j);
        let [f1, fm, f3] = timed.ratio(j, 0);
        let [h1, hm, h3] = timed.ratio(j, hand);
        summary.push((name, t, fm, hm, memory[j].1));
        let (_, peak, n) = memory[j];
        if j == 0 {
            println!(
                "  {name:<14} {:>10}   peak heap {:>9} in {n} allocations",
                seconds(t),
                bytes(peak)
            );
        } else {
            println!(
                "  {name:<14} {:>10}   R {fm:>7.2} ({f1:.2}–{f3:.2})   /hand {hm:>6.3} \
                 ({h1:.3}–{h3:.3})   peak heap {:>9} in {n} allocations",
                seconds(t),
                bytes(peak)
            );
        }
    }
    summary
}

/// The summary as a Markdown table: per input, each variant's time, R and ratio to hand.
fn print_table(rows: &[(String, Summary)]) {
    let names = [
        "generated",
        "checkpointed",
        "hand",
        "adbench-manual",
        "num-dual",
        "reverse",
    ];
    println!();
    println!(
        "| input | t_objective | {} |",
        names
            .iter()
            .map(|n| format!("{n}: t, R, /hand, peak heap"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("| --- | ---: |{}", " ---: |".repeat(names.len()));
    for (case, summary) in rows {
        let t_f = summary[0].1;
        let cells: Vec<String> = names
            .iter()
            .map(|n| match summary.iter().find(|v| v.0 == *n) {
                Some(&(_, t, r, h, peak)) => {
                    format!("{}, {r:.2}, {h:.2}, {}", seconds(t), bytes(peak))
                }
                None => "—".into(),
            })
            .collect();
        println!("| {case} | {} | {} |", seconds(t_f), cells.join(" | "));
    }
}

fn main() {
    // `cargo bench -- --test` (and `cargo test --benches`) only check that the bench runs.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--test");
    let budget: f64 = std::env::var("ADBENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4.0);
    let mut rows = Vec::new();
    for case in cases() {
        if quick {
            // The smallest inputs only: a debug build takes seconds on the larger ones.
            if case.name.ends_with("d2_K5") || case.name == "lstm_l2_c1024" {
                verify(&case);
                println!("{}: ok", case.name);
            }
        } else {
            let summary = run_case(&case, budget);
            rows.push((case.name.clone(), summary));
        }
    }
    if !quick {
        print_table(&rows);
    }
}
