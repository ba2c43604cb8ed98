//! Memory and time of checkpointed loops (issue 12, "Memory and time"): the gradient of
//!
//! * `ode`: 10,000 explicit-Euler steps of a small ODE (two coupled Lotka–Volterra-like
//!   populations with a damped pair, 4 carried floats, 4 parameters), and
//! * `rnn`: a 256-step tanh RNN over 64×64 `Array2` states (`h ← tanh(h·W + b)`),
//!
//! each written five times: store-all (no attribute), `#[checkpoint]`, `#[checkpoint(every =
//! 100)]`, `#[checkpoint(snapshots = 8)]` and `#[checkpoint(snapshots = 32)]`. For each, one
//! call's peak heap bytes above what was allocated before it (the high-water mark of a counting
//! global allocator, the gradient's own output included) and its number of allocations, then
//! the median time of the gradient (and of the function alone) over rounds in which the
//! variants run in turn, so the host's drift cancels between them.
//!
//! Every variant's gradient is checked equal, bit for bit, to the store-all one at startup.
//!
//! Run with `cargo bench --bench checkpoint`; results in `BENCHMARKS.md`.

#![allow(
    clippy::needless_range_loop,
    reason = "the #[grad] functions are written as users write them"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use testkit::bench;

use autodiff_runtime::checkpoint::Revolve;
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, Array2};
use autodiff_runtime::nn;

// ---------------------------------------------------------------------------------------------
// The counting allocator: bytes live now, their high-water mark, and allocations made.
// ---------------------------------------------------------------------------------------------

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the same arguments.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        grew(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        grew(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        if new_size >= layout.size() {
            grew(new_size - layout.size());
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        // SAFETY: `ptr` was allocated by this allocator, that is by `System`, with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as for `realloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Peak heap bytes above the start, and allocations, of one call of `f`.
fn heap<R>(f: impl FnOnce() -> R) -> (usize, usize) {
    let start = LIVE.load(Ordering::Relaxed);
    PEAK.store(start, Ordering::Relaxed);
    let allocations = ALLOCATIONS.load(Ordering::Relaxed);
    drop(black_box(f()));
    (
        PEAK.load(Ordering::Relaxed) - start,
        ALLOCATIONS.load(Ordering::Relaxed) - allocations,
    )
}

// ---------------------------------------------------------------------------------------------
// The two loops, each written once and instantiated per attribute.
// ---------------------------------------------------------------------------------------------

const ODE_STEPS: usize = 10_000;
const RNN_STEPS: usize = 256;
const RNN_SIZE: usize = 64;

macro_rules! ode {
    ($name:ident $(, $($checkpoint:tt)+)?) => {
        #[grad(wrt(x0, p))]
        fn $name(x0: &[f64; 4], p: &[f64; 4], steps: usize) -> f64 {
            let mut x = *x0;
            $(#[$($checkpoint)+])?
            for _ in 0..steps {
                let prey = p[0] * x[0] - p[1] * x[0] * x[1];
                let predator = p[1] * x[0] * x[1] - p[2] * x[1];
                let spring = -p[3] * x[2] - 0.1 * x[3] + 0.05 * x[0];
                x[0] += 0.001 * prey;
                x[1] += 0.001 * predator;
                x[2] += 0.001 * x[3];
                x[3] += 0.001 * spring;
            }
            x[0] * x[0] + x[1] + x[2] * x[3]
        }
    };
}
ode!(ode_store_all);
ode!(ode_each, checkpoint);
ode!(ode_every_100, checkpoint(every = 100));
ode!(ode_snapshots_8, checkpoint(snapshots = 8));
ode!(ode_snapshots_32, checkpoint(snapshots = 32));

macro_rules! rnn {
    ($name:ident $(, $($checkpoint:tt)+)?) => {
        #[grad(wrt(w, b))]
        fn $name(w: &Array2<f64>, b: &Array1<f64>, h0: &Array2<f64>, steps: usize) -> f64 {
            let mut h = h0.clone();
            $(#[$($checkpoint)+])?
            for _ in 0..steps {
                h = nn::tanh(&(h.dot(w) + b));
            }
            h.sum()
        }
    };
}
rnn!(rnn_store_all);
rnn!(rnn_each, checkpoint);
rnn!(rnn_every_100, checkpoint(every = 100));
rnn!(rnn_snapshots_8, checkpoint(snapshots = 8));
rnn!(rnn_snapshots_32, checkpoint(snapshots = 32));

type OdeGrad = fn(&[f64; 4], &[f64; 4], usize) -> (f64, [f64; 4], [f64; 4]);
type RnnGrad =
    fn(&Array2<f64>, &Array1<f64>, &Array2<f64>, usize) -> (f64, Array2<f64>, Array1<f64>);

const NAMES: [&str; 5] = [
    "store-all",
    "#[checkpoint]",
    "every = 100",
    "snapshots = 8",
    "snapshots = 32",
];

/// Median of the per-variant times (seconds) over rounds, each round running every variant
/// once in turn (order alternating), plus the function alone as `primal`, run last in even
/// rounds (`testkit::bench::interleaved_calls`, one call per round).
fn interleaved(primal: &dyn Fn(), variants: &[&dyn Fn()], rounds: usize) -> (f64, Vec<f64>) {
    let all: Vec<&dyn Fn()> = variants.iter().copied().chain([primal]).collect();
    let n = all.len();
    let timed = bench::interleaved_calls(&all, &vec![1; n], &vec![rounds; n]);
    (
        timed.median(n - 1),
        (0..n - 1).map(|v| timed.median(v)).collect(),
    )
}

fn report(
    case: &str,
    steps: usize,
    state_bytes: usize,
    memory: &[(usize, usize)],
    primal: f64,
    times: &[f64],
) {
    println!("\n{case}: {steps} steps, carried state {state_bytes} B");
    println!(
        "{:<16} {:>14} {:>12} {:>12} {:>10} {:>22}",
        "variant", "peak heap (B)", "allocations", "time (ms)", "× f", "forward steps (theory)"
    );
    println!(
        "{:<16} {:>14} {:>12} {:>12.3} {:>10}",
        "f alone",
        "-",
        "-",
        primal * 1e3,
        "1.00"
    );
    for (i, name) in NAMES.iter().enumerate() {
        let forward = match i {
            0 => steps,
            1 | 2 => 2 * steps,
            3 => steps + Revolve::<()>::forward_steps(steps, 8) + 1,
            _ => steps + Revolve::<()>::forward_steps(steps, 32) + 1,
        };
        println!(
            "{:<16} {:>14} {:>12} {:>12.3} {:>10.2} {:>22}",
            name,
            memory[i].0,
            memory[i].1,
            times[i] * 1e3,
            times[i] / primal,
            forward
        );
    }
}

fn main() {
    // The ODE.
    let x0 = [1.0, 0.5, 0.2, 0.0];
    let p = [0.6, 0.4, 0.3, 2.0];
    let ode: [OdeGrad; 5] = [
        ode_store_all_grad,
        ode_each_grad,
        ode_every_100_grad,
        ode_snapshots_8_grad,
        ode_snapshots_32_grad,
    ];
    let reference = ode[0](&x0, &p, ODE_STEPS);
    for g in &ode[1..] {
        assert_eq!(g(&x0, &p, ODE_STEPS), reference, "bit-identical gradients");
    }
    let memory: Vec<(usize, usize)> = ode
        .iter()
        .map(|g| heap(|| g(black_box(&x0), black_box(&p), black_box(ODE_STEPS))))
        .collect();
    let calls: Vec<Box<dyn Fn()>> = ode
        .iter()
        .map(|&g| {
            Box::new(move || {
                black_box(g(black_box(&x0), black_box(&p), black_box(ODE_STEPS)));
            }) as Box<dyn Fn()>
        })
        .collect();
    let refs: Vec<&dyn Fn()> = calls.iter().map(|c| c.as_ref()).collect();
    let (primal, times) = interleaved(
        &|| {
            black_box(ode_store_all(
                black_box(&x0),
                black_box(&p),
                black_box(ODE_STEPS),
            ));
        },
        &refs,
        301,
    );
    report("ode", ODE_STEPS, 32, &memory, primal, &times);

    // The RNN.
    let n = RNN_SIZE;
    let w = Array2::from_shape_fn((n, n), |(i, j)| ((i * n + j) as f64 * 0.37).sin() * 0.2);
    let b = Array1::from_shape_fn(n, |i| 0.01 * i as f64 - 0.3);
    let h0 = Array2::from_shape_fn((n, n), |(i, j)| ((i + 2 * j) as f64 * 0.11).cos());
    let rnn: [RnnGrad; 5] = [
        rnn_store_all_grad,
        rnn_each_grad,
        rnn_every_100_grad,
        rnn_snapshots_8_grad,
        rnn_snapshots_32_grad,
    ];
    let reference = rnn[0](&w, &b, &h0, RNN_STEPS);
    for g in &rnn[1..] {
        assert_eq!(
            g(&w, &b, &h0, RNN_STEPS),
            reference,
            "bit-identical gradients"
        );
    }
    let memory: Vec<(usize, usize)> = rnn
        .iter()
        .map(|g| heap(|| g(black_box(&w), black_box(&b), black_box(&h0), RNN_STEPS)))
        .collect();
    let calls: Vec<Box<dyn Fn() + '_>> = rnn
        .iter()
        .map(|&g| {
            let (w, b, h0) = (&w, &b, &h0);
            Box::new(move || {
                black_box(g(black_box(w), black_box(b), black_box(h0), RNN_STEPS));
            }) as Box<dyn Fn()>
        })
        .collect();
    let refs: Vec<&dyn Fn()> = calls.iter().map(|c| c.as_ref()).collect();
    let (primal, times) = interleaved(
        &|| {
            black_box(rnn_store_all(
                black_box(&w),
                black_box(&b),
                black_box(&h0),
                RNN_STEPS,
            ));
        },
        &refs,
        15,
    );
    report("rnn", RNN_STEPS, n * n * 8, &memory, primal, &times);
}
