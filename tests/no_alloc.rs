//! The generated gradient of a function of floats and fixed-size float arrays makes no heap
//! allocation: `f_grad`, `f_vjp`, and the split halves `f_fwd` + `f_bwd`, loops with a literal
//! or `const` trip count and branches included (their records are on the stack). A loop whose
//! trip count is known only at run time (`0..n`) allocates once per call, whatever `n` is.
//!
//! This test binary installs a counting global allocator. The test harness allocates on its own
//! threads (and on this one, between tests), so an allocation is counted only while the
//! thread-local flag `COUNTING` is set on the calling thread, and only around the calls under test.

#![allow(clippy::needless_range_loop)] // numeric loops, as users write them

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use autodiff_runtime::grad;

struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // `const`-initialised and without a destructor: reading it never allocates.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn note_allocation() {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
    }
}

// SAFETY: every method forwards to `System` with the same arguments.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: `ptr` was allocated by this allocator, that is by `System`, with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator, that is by `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// The number of heap allocations (`alloc`, `alloc_zeroed`, `realloc`) `f` makes on this thread.
fn allocations_in<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    COUNTING.with(|c| c.set(true));
    let r = f();
    COUNTING.with(|c| c.set(false));
    (ALLOCATIONS.load(Ordering::SeqCst) - before, r)
}

/// The seed example.
#[grad]
fn f(x: f64, y: f64) -> f64 {
    let a = x * y;
    let b = a.sin();
    a + b
}

/// A scalar function with most of the float methods, shadowing and reassignment.
#[grad]
fn busy(x: f64, y: f64, z: f64) -> f64 {
    let a = x * y - z / 3.0;
    let (c, s) = (a.cos(), a.sin());
    let mut m = c * x.exp() + s * y.ln();
    m += z.sqrt().powi(3);
    m *= x.atan2(y);
    let m = m.tanh() + x.hypot(z) - y.powf(1.5);
    m / (1.0 + z * z)
}

/// A function of fixed-size float arrays, by reference and by value, with an array output.
#[grad]
fn g(cam: &[f64; 3], x: [f64; 2]) -> [f64; 2] {
    let u = cam[0] * x[0] + cam[1];
    let v = cam[2] * x[1] - u.sin();
    [u / v, u * v.exp()]
}

/// Arrays with a constant integer index and `wrt`.
#[grad(wrt(cam))]
fn project(cam: &[f64; 4], p: [f64; 3], i: usize) -> f64 {
    let z = p[2] + cam[3];
    let u = cam[0] * p[0] / z + cam[i];
    u * u + (cam[1] * p[1] / z).powi(2)
}

const STEPS: usize = 8;

/// Loops with literal and `const` trip counts, a branch in them, a local fixed-size array.
#[grad]
fn stepped(x: [f64; 2], k: f64) -> f64 {
    let mut state = x;
    for _ in 0..STEPS {
        let v = state[1];
        state[1] = v - 0.1 * k * state[0];
        state[0] += 0.1 * v;
    }
    let mut s = 0.0;
    for i in 0..=1 {
        s += if state[i] > 0.0 {
            state[i] * state[i]
        } else {
            -state[i]
        };
    }
    s
}

/// A const generic trip count.
#[grad]
fn powers<const N: usize>(x: [f64; N], y: f64) -> f64 {
    let mut p = 1.0;
    let mut s = 0.0;
    for i in 0..N {
        p *= y;
        s += (p * x[i]).sin();
    }
    s
}

/// A trip count known at run time.
#[grad]
fn recurrence(x: f64, n: usize) -> f64 {
    let mut s = x;
    for i in 0..n {
        s = s.sin() * x + (i as f64) * 0.01;
    }
    s
}

/// Nested loops with run-time trip counts: one `Vec` of records per nesting level for the call.
#[grad]
fn grid(x: &[f64], n: usize) -> f64 {
    let mut s: f64 = 0.0;
    for i in 0..n {
        for j in 0..n {
            s += (x[i] * x[j]).sin() * s.cos();
        }
    }
    s
}

/// Every test is in one function: the counter is global, and no other test runs meanwhile on
/// this thread (the flag is thread-local in any case).
#[test]
fn generated_gradients_do_not_allocate() {
    // The counter sees allocations made while counting ...
    let (n, v) = allocations_in(|| black_box(Vec::<f64>::with_capacity(10)));
    assert!(
        n >= 1,
        "the counting allocator missed Vec::with_capacity: {n}"
    );
    drop(v);
    let (n, b) = allocations_in(|| black_box(Box::new(black_box(1.0_f64))));
    assert!(n >= 1, "the counting allocator missed Box::new: {n}");
    drop(b);
    // ... and only those.
    let (n, ()) = allocations_in(|| {});
    assert_eq!(n, 0, "allocations counted around an empty closure");

    // Scalar functions.
    let (n, out) = allocations_in(|| {
        let (x, y) = (black_box(2.0), black_box(3.0));
        let grad = f_grad(x, y);
        let vjp = f_vjp(x, y, black_box(0.5));
        let (value, residuals) = f_fwd(x, y);
        let split = f_bwd(black_box(residuals), black_box(1.0));
        black_box((grad, vjp, value, split))
    });
    assert_eq!(n, 0, "f_grad / f_vjp / f_fwd + f_bwd allocated {n} times");
    let (grad, vjp, value, split) = out;
    assert_eq!(grad.0, f(2.0, 3.0));
    assert_eq!((value, split.0, split.1), grad);
    assert_eq!(vjp.1, 0.5 * grad.1);

    let (n, out) = allocations_in(|| {
        let (x, y, z) = (black_box(0.7), black_box(1.3), black_box(2.1));
        let grad = busy_grad(x, y, z);
        let vjp = busy_vjp(x, y, z, black_box(2.0));
        let (value, residuals) = busy_fwd(x, y, z);
        let split = busy_bwd(black_box(residuals), black_box(1.0));
        black_box((grad, vjp, value, split))
    });
    assert_eq!(
        n, 0,
        "busy_grad / busy_vjp / busy_fwd + busy_bwd allocated {n} times"
    );
    let (grad, _, value, split) = out;
    assert_eq!(grad.0, busy(0.7, 1.3, 2.1));
    assert_eq!((value, split.0, split.1, split.2), grad);

    // Fixed-size arrays in and out.
    let (n, out) = allocations_in(|| {
        let cam = black_box([1.5, -0.25, 0.75]);
        let x = black_box([0.4, 0.9]);
        let vjp = g_vjp(&cam, x, black_box([1.0, -2.0]));
        let (value, residuals) = g_fwd(&cam, x);
        let split = g_bwd(black_box(residuals), black_box([1.0, -2.0]));
        black_box((vjp, value, split))
    });
    assert_eq!(n, 0, "g_vjp / g_fwd + g_bwd allocated {n} times");
    let (vjp, value, split) = out;
    assert_eq!(vjp.0, g(&[1.5, -0.25, 0.75], [0.4, 0.9]));
    assert_eq!((value, split.0, split.1), vjp);

    let (n, out) = allocations_in(|| {
        let cam = black_box([2.0, 1.0, -0.5, 3.0]);
        let p = black_box([0.3, -0.6, 1.2]);
        let i = black_box(2);
        let grad = project_grad(&cam, p, i);
        let vjp = project_vjp(&cam, p, i, black_box(0.25));
        let (value, residuals) = project_fwd(&cam, p, i);
        let split = project_bwd(black_box(residuals), black_box(1.0));
        black_box((grad, vjp, value, split))
    });
    assert_eq!(
        n, 0,
        "project_grad / project_vjp / project_fwd + project_bwd allocated {n} times"
    );
    let (grad, vjp, value, split) = out;
    assert_eq!(grad.0, project(&[2.0, 1.0, -0.5, 3.0], [0.3, -0.6, 1.2], 2));
    assert_eq!((value, split), grad);
    assert_eq!(vjp.1.map(|g| g * 4.0), grad.1);

    // Loops with literal and `const` trip counts, branches in them: records on the stack.
    let (n, out) = allocations_in(|| {
        let (x, k) = (black_box([0.8, -0.3]), black_box(1.7));
        let grad = stepped_grad(x, k);
        let vjp = stepped_vjp(x, k, black_box(2.0));
        let (value, residuals) = stepped_fwd(x, k);
        let split = stepped_bwd(black_box(residuals), black_box(1.0));
        black_box((grad, vjp, value, split))
    });
    assert_eq!(
        n, 0,
        "stepped_grad / stepped_vjp / stepped_fwd + stepped_bwd allocated {n} times"
    );
    let (grad, vjp, value, split) = out;
    assert_eq!(grad.0, stepped([0.8, -0.3], 1.7));
    assert_eq!((value, split.0, split.1), grad);
    assert_eq!(vjp.2, 2.0 * grad.2);

    let x = [0.5, -1.0, 2.0, 0.25, 1.5];
    let (n, out) = allocations_in(|| black_box(powers_grad(black_box(x), black_box(0.9))));
    assert_eq!(n, 0, "powers_grad::<5> allocated {n} times");
    assert_eq!(out.0, powers(x, 0.9));

    // Nested `0..n` loops: the inner loop's records for every outer iteration in one `Vec`,
    // sized the first time; with the gradient's `Vec` and the outer loop's records, the same
    // count at any `n`.
    let counts: Vec<usize> = [4, 300]
        .into_iter()
        .map(|size| {
            let x: Vec<f64> = (0..size).map(|k| 0.01 * k as f64).collect();
            let (n, out) = allocations_in(|| black_box(grid_grad(black_box(&x), size)));
            assert_eq!(out.0, grid(&x, size));
            n
        })
        .collect();
    assert_eq!(
        counts[0], counts[1],
        "grid_grad allocated {} times at n = 4 and {} at n = 300",
        counts[0], counts[1]
    );
    assert!(counts[0] <= 3, "grid_grad allocated {} times", counts[0]);

    // `0..n`: one allocation for the records, sized when the loop starts, at any `n`.
    for steps in [10, 10_000] {
        let (n, out) = allocations_in(|| black_box(recurrence_grad(black_box(0.4), steps)));
        assert_eq!(n, 1, "recurrence_grad(.., {steps}) allocated {n} times");
        assert_eq!(out.0, recurrence(0.4, steps));
    }
}
