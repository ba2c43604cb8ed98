//! Timing variants of one computation side by side, for the benchmarks' ratios.
//!
//! Criterion times one variant for seconds, then the next; on a host whose speed drifts by
//! 10-20 % over a minute, the ratio of two such figures drifts with it. [`interleaved`] instead
//! runs every variant in turn in each of many short rounds, alternating the order from one round
//! to the next (so that no variant always runs first), and keeps each round's time per call of
//! each variant: the drift cancels in each round's ratio, and the median over rounds of that
//! ratio ([`Interleaved::ratio`]) repeats between runs far better than criterion's.
//!
//! A variant is anything that implements `Fn()`: closures of one type (for example
//! `move || timed(input)` over a table of function pointers), or `&dyn Fn()` where they differ.
//! Each is called through [`time_calls`], which is never inlined, so that every variant is timed
//! by the same loop, behind the same barrier. The closure should keep its work observable
//! (`std::hint::black_box` on its inputs and result).

use std::time::Instant;

/// The first quartile, the median and the third quartile of `values`: sorted by
/// [`f64::total_cmp`], the value at the nearest rank `(len − 1)·q` rounded (half away from zero),
/// for `q` = ¼, ½, ¾. Panics if `values` is empty.
///
/// ```
/// use testkit::bench::quartiles;
///
/// assert_eq!(quartiles(vec![5.0, 1.0, 4.0, 2.0, 3.0]), [2.0, 3.0, 4.0]);
/// assert_eq!(quartiles(vec![7.0]), [7.0; 3]);
/// ```
pub fn quartiles(mut values: Vec<f64>) -> [f64; 3] {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    [at(0.25), at(0.5), at(0.75)]
}

/// The median of `values`: the middle of [`quartiles`], that is the element at `len / 2` once
/// sorted (the upper of the middle two for an even count). Panics if `values` is empty.
///
/// ```
/// use testkit::bench::median;
///
/// assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
/// assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 3.0);
/// ```
pub fn median(values: Vec<f64>) -> f64 {
    quartiles(values)[1]
}

/// The time in seconds of `calls` calls of `variant`, one after the other. Never inlined: the
/// loop is compiled once per variant type, apart from its caller, so that a variant is not
/// optimised together with the code that times it.
///
/// ```
/// use std::hint::black_box;
///
/// let t = testkit::bench::time_calls(&|| drop(black_box(black_box(2.0_f64).sqrt())), 1000);
/// assert!(t > 0.0 && t < 1.0);
/// ```
#[inline(never)]
pub fn time_calls<F: Fn()>(variant: &F, calls: usize) -> f64 {
    let start = Instant::now();
    for _ in 0..calls {
        variant();
    }
    start.elapsed().as_secs_f64()
}

/// How many calls of `variant` take about `round_seconds`, at least one. The number of calls
/// doubles from one until a batch takes a quarter of `round_seconds` (the first call warms up),
/// then the time per call is the fastest of three batches of that many calls: one batch slowed
/// by another process, or a cold first call, would otherwise shrink the rounds, and a batch
/// (rather than a single call) keeps the clock's own cost out of the estimate for calls of a few
/// nanoseconds. A variant that takes a round or more is thus called four times.
///
/// ```
/// use std::hint::black_box;
///
/// let sqrt = || drop(black_box(black_box(2.0_f64).sqrt()));
/// assert!(testkit::bench::calls_per_round(&sqrt, 1e-4) > 1);
/// let slow = || std::thread::sleep(std::time::Duration::from_millis(2));
/// assert_eq!(testkit::bench::calls_per_round(&slow, 1e-3), 1);
/// ```
pub fn calls_per_round<F: Fn()>(variant: &F, round_seconds: f64) -> usize {
    let mut calls = 1;
    // Bounded, in case the optimiser removed the variant's work.
    while time_calls(variant, calls) < round_seconds / 4.0 && calls < 1 << 40 {
        calls *= 2;
    }
    let fastest = (0..3)
        .map(|_| time_calls(variant, calls))
        .fold(f64::INFINITY, f64::min);
    ((round_seconds * calls as f64 / fastest).round() as usize).max(1)
}

/// What [`interleaved`] measured: per variant, its calls per round and its time per call in each
/// round it ran.
///
/// ```
/// use std::hint::black_box;
/// use testkit::bench::{interleaved_calls, Interleaved};
///
/// let sqrt = || drop(black_box(black_box(2.0_f64).sqrt()));
/// let t: Interleaved = interleaved_calls(&[sqrt, sqrt], &[100, 100], &[3, 2]);
/// assert_eq!(t.calls, [100, 100]);
/// assert_eq!((t.times[0].len(), t.times[1].len()), (3, 2));
/// assert_eq!(t.rounds(), 3);
/// ```
#[derive(Clone, Debug)]
pub struct Interleaved {
    /// The number of calls of each variant in each round.
    pub calls: Vec<usize>,
    /// Per variant, its time per call in seconds in each round it ran, in the order of the
    /// rounds (a variant runs in the first rounds only, as many as [`interleaved_calls`] was
    /// given for it).
    pub times: Vec<Vec<f64>>,
}

impl Interleaved {
    /// The number of rounds: those of the variant that ran in the most.
    ///
    /// ```
    /// let t = testkit::bench::interleaved_calls(&[|| {}], &[1], &[4]);
    /// assert_eq!(t.rounds(), 4);
    /// ```
    pub fn rounds(&self) -> usize {
        self.times.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// The median over rounds of `variant`'s time per call, in seconds.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let nap = || std::thread::sleep(Duration::from_micros(200));
    /// let t = testkit::bench::interleaved_calls(&[nap], &[2], &[3]);
    /// assert!(t.median(0) >= 200e-6);
    /// ```
    pub fn median(&self, variant: usize) -> f64 {
        median(self.times[variant].clone())
    }

    /// The [`quartiles`] over rounds of `a`'s time per call over `b`'s in the same round, over
    /// the rounds in which both ran. The middle one is the median ratio.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let short: &dyn Fn() = &|| std::thread::sleep(Duration::from_micros(100));
    /// let long: &dyn Fn() = &|| std::thread::sleep(Duration::from_micros(1000));
    /// let t = testkit::bench::interleaved_calls(&[short, long], &[1, 1], &[5, 5]);
    /// let [q1, median, q3] = t.ratio(1, 0);
    /// assert!(q1 <= median && median <= q3);
    /// assert!(median > 1.0);
    /// ```
    pub fn ratio(&self, a: usize, b: usize) -> [f64; 3] {
        let ratios = self.times[a]
            .iter()
            .zip(&self.times[b])
            .map(|(ta, tb)| ta / tb)
            .collect();
        quartiles(ratios)
    }
}

/// Times `variants` in turn, `rounds` times, each for about `round_seconds`, the order
/// alternating (first to last in even rounds, last to first in odd ones). The number of calls
/// per round is fixed beforehand and the same for every variant: that which takes
/// `round_seconds` for the slowest variant, by [`calls_per_round`] (so that no round of any
/// variant runs much longer than `round_seconds`, whichever variant is the slowest; sizing from
/// the fastest of three batches, after a warm-up, so that a disturbed measurement does not
/// shrink the rounds).
///
/// ```
/// use std::hint::black_box;
///
/// let one: &dyn Fn() = &|| drop(black_box(black_box(2.0_f64).sqrt()));
/// let two: &dyn Fn() = &|| {
///     black_box(black_box(2.0_f64).sqrt());
///     black_box(black_box(3.0_f64).sqrt());
/// };
/// let t = testkit::bench::interleaved(&[one, two], 5, 1e-4);
/// assert_eq!(t.rounds(), 5);
/// assert_eq!(t.calls[0], t.calls[1]);
/// let [q1, median, q3] = t.ratio(1, 0);
/// assert!(q1 <= median && median <= q3 && median > 0.0);
/// ```
pub fn interleaved<F: Fn()>(variants: &[F], rounds: usize, round_seconds: f64) -> Interleaved {
    let calls = variants
        .iter()
        .map(|variant| calls_per_round(variant, round_seconds))
        .min()
        .unwrap_or(1);
    let n = variants.len();
    interleaved_calls(variants, &vec![calls; n], &vec![rounds; n])
}

/// As [`interleaved`], with the number of calls per round of each variant given (`calls[i]` for
/// `variants[i]`), and the number of rounds of each: `variants[i]` runs in the first `rounds[i]`
/// rounds only (for a variant too slow to run in all), and the others run on after it, in the
/// same alternating order. No call warms up before the rounds.
///
/// ```
/// use std::hint::black_box;
///
/// let sqrt = || drop(black_box(black_box(2.0_f64).sqrt()));
/// let t = testkit::bench::interleaved_calls(&[sqrt, sqrt, sqrt], &[10, 10, 1], &[4, 4, 1]);
/// assert_eq!(t.times.iter().map(Vec::len).collect::<Vec<_>>(), [4, 4, 1]);
/// assert_eq!(t.ratio(2, 0).len(), 3);
/// ```
pub fn interleaved_calls<F: Fn()>(
    variants: &[F],
    calls: &[usize],
    rounds: &[usize],
) -> Interleaved {
    let n = variants.len();
    assert_eq!(calls.len(), n, "one number of calls per variant");
    assert_eq!(rounds.len(), n, "one number of rounds per variant");
    let mut times = vec![Vec::new(); n];
    for round in 0..rounds.iter().copied().max().unwrap_or(0) {
        for step in 0..n {
            let v = if round % 2 == 0 { step } else { n - 1 - step };
            if round < rounds[v] {
                let t = time_calls(&variants[v], calls[v]) / calls[v] as f64;
                times[v].push(t);
            }
        }
    }
    Interleaved {
        calls: calls.to_vec(),
        times,
    }
}

#[cfg(test)]
mod tests {
    use super::{calls_per_round, interleaved_calls};
    use std::cell::RefCell;

    /// Each round runs every variant still in its rounds once per call, first to last in even
    /// rounds and last to first in odd ones.
    #[test]
    fn alternates_the_order_and_stops_each_variant_after_its_rounds() {
        let log = RefCell::new(Vec::new());
        let variants: Vec<_> = (0..3)
            .map(|i| {
                let log = &log;
                move || log.borrow_mut().push(i)
            })
            .collect();
        let t = interleaved_calls(&variants, &[1, 2, 1], &[3, 3, 1]);
        assert_eq!(
            *log.borrow(),
            [0, 1, 1, 2, /* odd */ 1, 1, 0, /* even */ 0, 1, 1]
        );
        assert_eq!(t.times.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 1]);
    }

    /// A variant whose call takes more than a round gets one call per round, sized from three
    /// calls after the one that warms up.
    #[test]
    fn a_slow_variant_is_called_four_times_to_size_it() {
        let count = RefCell::new(0);
        let slow = || {
            *count.borrow_mut() += 1;
            std::thread::sleep(std::time::Duration::from_millis(2));
        };
        assert_eq!(calls_per_round(&slow, 1e-3), 1);
        assert_eq!(*count.borrow(), 4);
    }
}
