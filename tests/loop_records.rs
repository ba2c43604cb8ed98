//! What the reverse sweep keeps of a loop's iterations, and that the gradient is still right
//! when it keeps less: a value the same in every iteration of a loop (`xc[i]` inside `for j`)
//! kept once per run of the loop, not per iteration; a counter stepped by a constant
//! (`lparams += 1`) computed from the loop's index, not kept; an element read twice read once;
//! an element just stored read as the value stored; a local array nothing changes after it is
//! made read again by the reverse sweep rather than kept element by element; a counter stepped by
//! an inner loop's counter carried backwards from the loop's end, and an element of an array a
//! loop filled computed again from the filling expression, rather than kept per row (issue 14:
//! ADBench GMM's `Qtimesx`).
//!
//! Gradients against central differences of the original function (`check_f64`, relative
//! 1e-7), over shapes where inner loops run zero times; the memory test counts the bytes the
//! gradient holds at its peak with a counting allocator, which per-iteration records of the
//! triangle would multiply by `d`.

#![allow(
    clippy::needless_range_loop,
    clippy::useless_vec,
    clippy::explicit_counter_loop,
    clippy::mut_range_bound,
    reason = "the #[grad] functions spell out the loops, counters and local arrays under test"
)]

mod common;

use autodiff_runtime::grad;
use common::check_f64;
use testkit::alloc::{CountingAllocator, peak_heap};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// `‖Q x‖²` for the lower-triangular `Q` with diagonal `exp(l[0..d])` and strictly lower part
/// `l[d..]` column by column: ADBench GMM's `Qtimesx` with its counter.
#[grad(wrt(l, x))]
fn triangular(d: usize, l: &[f64], x: &[f64]) -> f64 {
    let mut xc = vec![0.0; d];
    let mut qx = vec![0.0; d];
    for i in 0..d {
        xc[i] = x[i] * 2.0 - 1.0;
        qx[i] = l[i].exp() * xc[i];
    }
    let mut lparams = d;
    for i in 0..d {
        for j in i + 1..d {
            qx[j] += l[lparams] * xc[i];
            lparams += 1;
        }
    }
    let mut s = 0.0;
    for i in 0..d {
        s += qx[i] * qx[i];
    }
    s
}

fn triangular_point(d: usize) -> (Vec<f64>, Vec<f64>) {
    let l: Vec<f64> = (0..d * (d + 1) / 2)
        .map(|k| 0.3 * ((k as f64) * 0.7).sin())
        .collect();
    let x: Vec<f64> = (0..d).map(|k| 0.5 + 0.25 * (k as f64).cos()).collect();
    (l, x)
}

#[test]
fn triangular_counter_and_invariant() {
    for d in [1, 2, 3, 5, 8] {
        let (l, x) = triangular_point(d);
        let (_, bar_l, bar_x) = triangular_grad(d, &l, &x);
        let nl = l.len();
        let at = [l.clone(), x.clone()].concat();
        let grad = [bar_l, bar_x].concat();
        check_f64(
            &format!("triangular d = {d}"),
            |p: &[f64]| triangular(d, &p[..nl], &p[nl..]),
            &at,
            &grad,
        );
    }
}

/// The triangle's records would be 16 B per entry (`d(d−1)/2` of them); kept once per row and
/// read again, the gradient holds a few arrays of `d` floats and the returned gradient.
#[test]
fn triangular_keeps_nothing_per_entry() {
    let d = 64;
    let (l, x) = triangular_point(d);
    let (bytes, _) = peak_heap(|| drop(std::hint::black_box(triangular_grad(d, &l, &x))));
    let gradient = 8 * (l.len() + x.len());
    let per_row = 8 * 16 * d;
    assert!(
        (bytes as usize) < gradient + per_row,
        "peak heap {bytes} B: more than the gradient ({gradient} B) and {per_row} B of rows; \
         per-entry records would add {} B",
        16 * d * (d - 1) / 2
    );
}

/// Counters over a reversed range, an inclusive range, stepping down, by a step from outside
/// the loop, of another integer type than the index, and stepped by 1 (read through windows).
#[grad(wrt(w))]
fn counters(w: &[f64], step: usize) -> f64 {
    let mut s = 0.0;
    let mut up = 0;
    for i in (0..4).rev() {
        s += w[up] * (i as f64 + 1.0);
        up += 2;
    }
    let mut down = 9;
    for i in 1..=3 {
        s += w[down] * w[i];
        down -= 1;
    }
    let mut k = 1;
    for _j in 0..3 {
        s += w[k].sin();
        k += step;
    }
    let mut m: i64 = 2;
    for i in 0..3usize {
        s += w[m as usize] * w[i + 1];
        m += 3;
    }
    // A counter of another type than its loop's index: computed as `(i as usize) * 1 + 4`.
    let mut u: usize = 4;
    for i in 0..3i32 {
        s += w[u] * (i as f64 + 0.5);
        u += 1;
    }
    // Counters stepped by 1 over a reversed inclusive range and a range not from 0: the
    // elements at them are read through the window of the counter's values.
    let mut r = 2;
    for i in (1..=3).rev() {
        s += w[r] * w[i];
        r += 1;
    }
    let mut q = 5;
    for i in 2..5 {
        s += w[q] * w[q] * w[i];
        q += 1;
    }
    s
}

#[test]
fn counters_of_every_shape() {
    let w: Vec<f64> = (0..12).map(|k| 0.1 * k as f64 - 0.4).collect();
    let (_, grad) = counters_grad(&w, 3);
    check_f64("counters", |p: &[f64]| counters(p, 3), &w, &grad);
}

/// Invariants of a loop that can end early, of a `while` loop, and computed by a method: kept
/// once per run of the loop, they are right however many iterations ran (none included).
#[grad(wrt(x))]
fn invariants(x: &[f64], limit: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let mut j = i;
        while j < x.len() {
            let e = x[i].exp();
            s += e * x[j];
            j += 2;
        }
        for k in 0..x.len() {
            let c = x[i] * x[i];
            s += c * x[k];
            if s > limit {
                break;
            }
        }
    }
    s
}

#[test]
fn invariants_of_while_loops_and_early_exits() {
    let x = [0.3, -0.2, 0.5, 0.1, -0.4];
    for limit in [f64::INFINITY, 2.0, 0.0] {
        let (_, grad) = invariants_grad(&x, limit);
        check_f64(
            &format!("invariants, limit {limit}"),
            |p: &[f64]| invariants(p, limit),
            &x,
            &grad,
        );
    }
}

/// A stored literal read back is not forwarded (`(0.5).exp()` would be ambiguous); the gradient
/// with respect to `x` only goes through `x`.
#[grad]
fn stored_literal(x: f64) -> f64 {
    let mut w = [x, 0.0];
    w[1] = 0.5;
    x * w[1].exp() + w[0].sqrt()
}

#[test]
fn a_stored_literal_read_back() {
    let (_, bar_x) = stored_literal_grad(0.7);
    let exact = 0.5_f64.exp() + 0.5 / 0.7_f64.sqrt();
    assert!((bar_x - exact).abs() < 1e-15, "{bar_x} against {exact}");
}

/// An element read twice is read once; an element just stored is the value stored; a local
/// array filled once and read after is read again by the reverse sweep.
#[grad(wrt(x))]
fn elements(x: &[f64]) -> f64 {
    let mut a = vec![0.0; 3];
    for i in 0..3 {
        a[i] = x[i].exp();
    }
    let mut b = [0.0; 3];
    let mut s = 0.0;
    for i in 0..3 {
        b[i] = a[i] * x[i];
        s += b[i] * b[i] + a[i] * a[(i + 1) % 3];
    }
    s
}

#[test]
fn elements_read_again() {
    let x = [0.3, -0.7, 0.2];
    let (_, grad) = elements_grad(&x);
    check_f64("elements", elements, &x, &grad);
}

/// `x[0]`, the same in every iteration, has its cotangent summed over them and added once after
/// the loop, if the loop ran: with no iteration, `x[0]` is never read (here it does not exist).
#[grad(wrt(x))]
fn around_first(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for j in 1..x.len() {
        s += x[j] * x[0];
    }
    s
}

#[test]
fn a_summed_invariant_of_a_loop_that_ran_no_iteration() {
    let (value, grad) = around_first_grad(&[]);
    assert_eq!((value, grad), (0.0, vec![]));
    let (_, grad) = around_first_grad(&[2.0]);
    assert_eq!(grad, vec![0.0]);
    let x = [0.5, -1.5, 2.0, 0.25];
    let (_, grad) = around_first_grad(&x);
    check_f64("around_first", around_first, &x, &grad);
}

/// A loop that runs no iteration adds nothing, not `0 · ∞`: the factor `1 / c` is infinite.
#[grad(wrt(x))]
fn scaled_steps(x: f64, c: f64, n: usize) -> f64 {
    let inv = 1.0 / c;
    let mut s = x;
    for _ in 0..n {
        s += x * inv;
    }
    s
}

#[test]
fn no_nan_from_a_loop_that_ran_no_iteration() {
    let (value, grad) = scaled_steps_grad(1.0, 0.0, 0);
    assert_eq!((value, grad), (1.0, 1.0));
    let (_, grad) = scaled_steps_grad(1.0, 4.0, 3);
    assert_eq!(grad, 1.75);
}

/// `a[k]`, an element of a local array the same in every iteration of `for j` while the loop
/// stores into another (`c[j] = ..`), is read once before the loop, if it runs: with the loop
/// empty and `k` out of bounds, nothing panics. `b[0]`, which the loop stores, is read in every
/// iteration.
#[grad(wrt(x))]
fn local_reads(x: &[f64], k: usize, m: usize) -> f64 {
    let mut a = vec![0.0; x.len()];
    for i in 0..x.len() {
        a[i] = x[i].sin();
    }
    let mut b = vec![1.0; 1];
    let mut c = vec![0.0; m];
    for j in 0..m {
        c[j] = a[k] * x[j] + b[0];
        b[0] *= x[j];
    }
    let mut s = 0.0;
    for j in 0..m {
        s += c[j] * c[j];
    }
    s
}

#[test]
fn a_local_element_read_once_before_its_loop() {
    let x = [0.5, -1.5, 2.0, 0.25];
    let (value, grad) = local_reads_grad(&x, 7, 0);
    assert_eq!((value, grad), (0.0, vec![0.0; 4]));
    for (k, m) in [(0, 4), (2, 3), (3, 1)] {
        let (_, grad) = local_reads_grad(&x, k, m);
        check_f64(
            &format!("local_reads k = {k}, m = {m}"),
            |p: &[f64]| local_reads(p, k, m),
            &x,
            &grad,
        );
    }
}

/// The reverse runs a loop's iterations in the forward's order where their reverses touch
/// nothing another's does but sums (`s += ..`; `c[j]`, stored and read at the index only), and
/// backwards otherwise: a sum whose new value the body reads again (`s2 += t` after `t += w[j]`),
/// an array read at another element (`p[j - 1]`), a sum read before it is added to.
#[grad(wrt(w))]
fn orders(w: &[f64]) -> f64 {
    let n = w.len();
    // In any order: a sum, and `c[j]` stored and read at `j` only.
    let mut c = vec![0.0; n];
    let mut s = 0.0;
    for j in 0..n {
        c[j] = w[j] * w[j];
        c[j] += w[j].sin();
        s += c[j] * 0.5;
    }
    // Backwards: `t`'s new value feeds `s2`, so its cotangent grows from one iteration to the
    // next.
    let mut t = 0.0;
    let mut s2 = 0.0;
    for j in 0..n {
        t += w[j];
        s2 += t * 2.0;
    }
    // Backwards: a prefix sum reads the element before.
    let mut p = vec![0.0; n];
    for j in 1..n {
        p[j] = p[j - 1] + w[j] * c[j];
    }
    // Backwards: `u` is read before it is added to.
    let mut u = 1.0;
    for j in 0..n {
        u = u + u * w[j];
    }
    s + s2 + p[n - 1] + u
}

#[test]
fn iterations_reversed_in_either_order() {
    for n in [1, 2, 5] {
        let w: Vec<f64> = (0..n).map(|k| 0.3 * k as f64 - 0.2).collect();
        let (_, grad) = orders_grad(&w);
        check_f64(&format!("orders n = {n}"), orders, &w, &grad);
    }
}

/// A `bool` element read alike in every iteration stays in the loop (only differentiated
/// elements are read before it: `t_seen` starts as a zero); the review's case.
#[grad(wrt(x))]
fn masked(x: &[f64]) -> f64 {
    let mut mask = vec![false; x.len()];
    for i in 0..x.len() {
        mask[i] = x[i] > 0.4;
    }
    let mut s = 0.0;
    for j in 0..x.len() {
        if mask[0] {
            s += x[j] * x[j];
        }
    }
    s
}

/// Windows over counters whose loop index has another type: an inclusive `u8` range over all
/// of `u8` (256 iterations: the length is computed in the counter's `usize`, not `u8`), and an
/// `i64` range from below zero.
#[grad(wrt(x))]
fn counted_in_other_types(x: &[f64], n: u8, lo: i64) -> f64 {
    let mut k: usize = 0;
    let mut s = 0.0;
    for j in 0..=n {
        s += x[k] * x[k] * (j as f64 + 1.0);
        k += 1;
    }
    let mut m: usize = 0;
    for j in lo..lo + 4 {
        s += x[m].sin() * (j as f64);
        m += 1;
    }
    s
}

#[test]
fn a_bool_element_and_counters_of_other_index_types() {
    let x = [0.5, -1.5, 2.0, 0.25];
    let (_, grad) = masked_grad(&x);
    check_f64("masked", masked, &x, &grad);
    let (_, grad) = masked_grad(&[0.1, 2.0]);
    assert_eq!(grad, vec![0.0, 0.0]);

    let x: Vec<f64> = (0..256).map(|k| 0.01 * k as f64 - 0.505).collect();
    for (n, lo) in [(255u8, -100i64), (3, -2), (0, 5)] {
        let (_, grad) = counted_in_other_types_grad(&x, n, lo);
        check_f64(
            &format!("counted_in_other_types n = {n}, lo = {lo}"),
            |p: &[f64]| counted_in_other_types(p, n, lo),
            &x,
            &grad,
        );
    }
}

/// Counters stepped by an inner loop's counter, which the reverse carries backwards from the
/// loop's end instead of keeping per row (`lparams` of ADBench GMM's triangle): by the row's
/// length and read where the row starts too; by 2 over an inclusive, reversed inner range in a
/// reversed outer loop; stepping down, with a first row that runs no iteration; one the reverse
/// must keep, stepped again after its inner loop (`c4 += 1` after the row); and in a loop, where
/// the end is summed up from the start, or kept where the start or the rows' lengths are not
/// computed again.
#[grad(wrt(w))]
fn running(w: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    let mut c = 0;
    for i in 0..n {
        s += w[c] * 0.5;
        for j in i..n {
            s += w[c] * w[j];
            c += 1;
        }
    }
    let mut c2 = 1;
    for i in (0..n).rev() {
        for k in (i..=n).rev() {
            s += w[c2].sin() * (k as f64);
            c2 += 2;
        }
    }
    let mut c3 = 40;
    for i in 0..n {
        for k in 0..i {
            s += w[c3] * w[i + k];
            c3 -= 1;
        }
    }
    let mut c4 = 0;
    for i in 0..n {
        for k in i..n {
            s += w[c4].cos() * w[k];
            c4 += 1;
        }
        c4 += 1;
    }
    for r in 0..2 {
        // In a loop: its end summed up from its start, `r * 3`.
        let mut c5 = r * 3;
        for i in 0..n {
            for j in i + 1..n {
                s += w[c5] * w[j] * 0.5;
                c5 += 1;
            }
        }
        // A start the reverse does not compute again (`%`): the end is kept.
        let mut c6 = (r + n) % 3;
        for i in 0..n {
            for j in i..n {
                s += w[c6 + 20].sin() * w[j];
                c6 += 1;
            }
        }
        // Rows whose length the body computes with `%`: the end is kept.
        let mut c7 = 0;
        for i in 0..n {
            let m = (i + r) % 3;
            for j in 0..m {
                s += w[c7 + 30] * w[j];
                c7 += 1;
            }
        }
    }
    s
}

#[test]
fn counters_stepped_by_inner_loops() {
    let w: Vec<f64> = (0..48).map(|k| 0.4 * ((k as f64) * 0.9).sin()).collect();
    for n in [0, 1, 2, 5] {
        let (_, grad) = running_grad(&w, n);
        check_f64(
            &format!("running n = {n}"),
            |p: &[f64]| running(p, n),
            &w,
            &grad,
        );
    }
}

/// Elements of an array a loop filled with an expression of its index, which the reverse
/// computes again at the read's index where the row's reverse starts, instead of keeping them
/// per row: filled backwards in an enclosing loop, from a scalar of that loop (`scale`), read
/// alike in every iteration of an inner loop over the fill's range, in rows that run no
/// iteration (the last); filled with a value from outside the filling loop (`e[k] = scale`).
/// And reads it must keep: a fill that reads the array itself (a prefix
/// sum), an array stored into after its fill, a read over another range than the fill's.
#[grad(wrt(x, w))]
fn filled(x: &[f64], w: &[f64], n: usize, m: usize) -> f64 {
    let mut a = vec![0.0; n];
    let mut p = vec![0.0; n];
    let mut s = 0.0;
    for r in 0..2 {
        let scale = w[r] * 2.0;
        for k in (0..n).rev() {
            a[k] = x[k] * scale - w[k + 2];
        }
        for i in 0..n {
            for j in i + 1..n {
                s += a[i] * w[j];
            }
        }
        for k in 0..n {
            p[k] = p[k] * 0.5 + x[k];
        }
        for i in 0..n {
            for j in i..n {
                s += p[i] * w[j] * 0.25;
            }
        }
        let mut b = a.clone();
        b[0] = w[r] * 3.0;
        for i in 0..n {
            for j in 0..2 {
                s += b[i] * w[j] * 0.125;
            }
        }
        for i in 0..m {
            for j in 0..2 {
                s += a[i] * x[j].sin();
            }
        }
        let mut e = vec![0.0; n];
        for k in 0..n {
            e[k] = scale;
        }
        for i in 0..n {
            for j in i..n {
                s += e[i] * x[j] * 0.5;
            }
        }
    }
    s
}

#[test]
fn filled_elements_computed_again() {
    let x: Vec<f64> = (0..6).map(|k| 0.3 + 0.2 * (k as f64).cos()).collect();
    let w: Vec<f64> = (0..8)
        .map(|k| 0.5 * ((k as f64) * 1.3).sin() + 0.1)
        .collect();
    for (n, m) in [(2, 1), (3, 2), (6, 6)] {
        let (_, bar_x, bar_w) = filled_grad(&x, &w, n, m);
        let at = [x.clone(), w.clone()].concat();
        check_f64(
            &format!("filled n = {n}, m = {m}"),
            |p: &[f64]| filled(&p[..6], &p[6..], n, m),
            &at,
            &[bar_x, bar_w].concat(),
        );
    }
}

/// Both inside a checkpointed loop, whose reverse runs each iteration's forward again before
/// reversing it: the row's counter carried backwards and `a[i]` computed again there too.
#[grad(wrt(x, w))]
fn checkpointed_rows(x: &[f64], w: &[f64], n: usize) -> f64 {
    let mut a = vec![0.0; n];
    let mut s: f64 = 0.0;
    #[checkpoint]
    for r in 0..3 {
        for k in 0..n {
            a[k] = x[k] * w[r];
        }
        let mut c = 0;
        for i in 0..n {
            for j in i + 1..n {
                s += a[i] * w[c + 3] * x[j] + (s * 0.1).sin();
                c += 1;
            }
        }
    }
    s
}

#[test]
fn rows_of_a_checkpointed_loop() {
    let x: Vec<f64> = (0..5).map(|k| 0.3 + 0.2 * (k as f64).cos()).collect();
    let w: Vec<f64> = (0..14)
        .map(|k| 0.5 * ((k as f64) * 1.3).sin() + 0.1)
        .collect();
    for n in [0, 1, 2, 5] {
        let (_, bar_x, bar_w) = checkpointed_rows_grad(&x, &w, n);
        let at = [x.clone(), w.clone()].concat();
        check_f64(
            &format!("checkpointed_rows n = {n}"),
            |p: &[f64]| checkpointed_rows(&p[..5], &p[5..], n),
            &at,
            &[bar_x, bar_w].concat(),
        );
    }
}

/// Rows whose range or step reads the counter itself (`for j in 0..c`, `c..c + 2`, `let st = c +
/// 1`): the counter is kept per row, not carried backwards (the macro recursed without end on
/// these, found by review).
#[grad(wrt(x))]
fn self_counted_rows(x: &[f64], n: usize) -> f64 {
    let mut s: f64 = 0.0;
    let mut c = 0;
    for i in 0..n {
        for j in 0..c {
            s += x[j] * (i as f64 + 1.0);
            c += 1;
        }
        c += 1;
    }
    let mut c2 = 0;
    for _ in 0..n {
        for j in c2..c2 + 2 {
            s += x[j].sin();
            c2 += 1;
        }
    }
    let mut c3 = 0;
    for _ in 0..n {
        let m = c3;
        for j in 0..m {
            s += x[j] * x[c3 % 4];
            c3 += 1;
        }
        c3 += 1;
    }
    let mut c4 = 0;
    for _ in 0..n {
        let st = c4 + 1;
        for _ in 0..2 {
            s += x[c4 % 8] * s * 0.1;
            c4 += st;
        }
    }
    s
}

#[test]
fn rows_that_read_their_own_counter() {
    let x: Vec<f64> = (0..16).map(|k| 0.2 + 0.1 * (k as f64).sin()).collect();
    for n in [0, 1, 2, 3] {
        let (_, grad) = self_counted_rows_grad(&x, n);
        check_f64(
            &format!("self_counted_rows n = {n}"),
            |p: &[f64]| self_counted_rows(p, n),
            &x,
            &grad,
        );
    }
}
