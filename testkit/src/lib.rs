//! Test utilities shared by the workspace's tests, benchmarks, examples, the difftest generator
//! (and its build script) and the macro's fuzzer.
//!
//! Only `std` is used. Gradient checks are `autodiff_runtime::check`'s (with its fourth-order
//! stencil where a sharp reference is needed) and closeness is the `approx` crate's; this crate
//! holds what neither has: the one seeded generator, the benchmarks' counting allocator
//! ([`alloc`]) and their interleaved timing ([`bench`]).

pub mod bench;

/// SplitMix64 (Steele, Lea, Flood 2014): a small, fast, seeded generator, good enough for test
/// points, shuffles and random programs. The same seed gives the same sequence on every
/// platform, so tests that depend on exact values stay reproducible.
///
/// ```
/// use testkit::SplitMix64;
///
/// let mut rng = SplitMix64::new(7);
/// let x = rng.range(-1.0, 1.0);
/// assert!((-1.0..1.0).contains(&x));
/// assert_eq!(SplitMix64::new(7).range(-1.0, 1.0), x);
/// ```
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator whose sequence is determined by `seed`.
    ///
    /// ```
    /// let mut rng = testkit::SplitMix64::new(0);
    /// assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf);
    /// ```
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    ///
    /// ```
    /// let mut rng = testkit::SplitMix64::new(1);
    /// assert_ne!(rng.next_u64(), rng.next_u64());
    /// ```
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (by the remainder of [`SplitMix64::next_u64`]); 0 when `n` is 0.
    ///
    /// ```
    /// let mut rng = testkit::SplitMix64::new(2);
    /// assert!(rng.below(10) < 10);
    /// assert_eq!(rng.below(0), 0);
    /// ```
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// Uniform in `[0, 1)`: the top 53 bits of [`SplitMix64::next_u64`] over 2⁵³.
    ///
    /// ```
    /// let u = testkit::SplitMix64::new(3).unit();
    /// assert!((0.0..1.0).contains(&u));
    /// ```
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[lo, hi)`: `lo + (hi − lo) · unit()`.
    ///
    /// ```
    /// let x = testkit::SplitMix64::new(4).range(0.2, 2.0);
    /// assert!((0.2..2.0).contains(&x));
    /// ```
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// True with probability `p` (`unit() < p`).
    ///
    /// ```
    /// let mut rng = testkit::SplitMix64::new(5);
    /// assert!(!rng.chance(0.0));
    /// assert!(rng.chance(1.0));
    /// ```
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A uniformly chosen element of a non-empty slice.
    ///
    /// ```
    /// let mut rng = testkit::SplitMix64::new(6);
    /// assert!(["a", "b"].contains(rng.pick(&["a", "b"])));
    /// ```
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An index drawn with the given weights (their sum positive).
    ///
    /// ```
    /// let mut rng = testkit::SplitMix64::new(7);
    /// assert_eq!(rng.weighted(&[0, 3, 0]), 1);
    /// ```
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut r = self.below(total as usize) as u32;
        for (i, &w) in weights.iter().enumerate() {
            if r < w {
                return i;
            }
            r -= w;
        }
        weights.len() - 1
    }

    /// Shuffles `items` in place (Fisher–Yates).
    ///
    /// ```
    /// let mut items = [1, 2, 3, 4];
    /// testkit::SplitMix64::new(8).shuffle(&mut items);
    /// items.sort();
    /// assert_eq!(items, [1, 2, 3, 4]);
    /// ```
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SplitMix64;

    /// The reference sequence of SplitMix64 from seed 1234567 (the values of the C reference
    /// implementation, also those of Java's `SplittableRandom` and Vigna's test vectors).
    #[test]
    fn matches_the_reference_sequence() {
        let mut rng = SplitMix64::new(1234567);
        let got: Vec<u64> = (0..5).map(|_| rng.next_u64()).collect();
        assert_eq!(
            got,
            [
                6457827717110365317,
                3203168211198807973,
                9817491932198370423,
                4593380528125082431,
                16408922859458223821,
            ]
        );
    }
}

/// Peak heap memory: a counting global allocator, for the benchmarks' memory figures.
pub mod alloc {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;
    use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};

    /// A global allocator that forwards to `System`; while `MEASURING` is set and this thread's
    /// `COUNTING` flag is on (inside [`peak_heap`]), it adds the bytes of each allocation to `LIVE`
    /// (subtracting those freed), keeps the high-water mark in `PEAK`, and counts the allocations.
    /// The global flag keeps timed loops to one relaxed load per allocation. Install it with
    /// `#[global_allocator]` in the binary that measures (see [`peak_heap`]).
    pub struct CountingAllocator;

    static MEASURING: AtomicBool = AtomicBool::new(false);
    static LIVE: AtomicIsize = AtomicIsize::new(0);
    static PEAK: AtomicIsize = AtomicIsize::new(0);
    static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

    thread_local! {
        // `const`-initialised and without a destructor: reading it never allocates.
        static COUNTING: Cell<bool> = const { Cell::new(false) };
    }

    fn counting() -> bool {
        MEASURING.load(Ordering::Relaxed) && COUNTING.try_with(Cell::get).unwrap_or(false)
    }

    fn note(bytes: isize, allocation: bool) {
        let live = LIVE.fetch_add(bytes, Ordering::SeqCst) + bytes;
        PEAK.fetch_max(live, Ordering::SeqCst);
        if allocation {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
    }

    // SAFETY: every method forwards to `System` with the same arguments.
    unsafe impl GlobalAlloc for CountingAllocator {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            if counting() {
                note(layout.size() as isize, true);
            }
            // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
            unsafe { System.alloc(layout) }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            if counting() {
                note(layout.size() as isize, true);
            }
            // SAFETY: as for `alloc`.
            unsafe { System.alloc_zeroed(layout) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            if counting() {
                note(new_size as isize - layout.size() as isize, true);
            }
            // SAFETY: `ptr` was allocated by this allocator, that is by `System`, with `layout`.
            unsafe { System.realloc(ptr, layout, new_size) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            if counting() {
                note(-(layout.size() as isize), false);
            }
            // SAFETY: `ptr` was allocated by this allocator, that is by `System`, with `layout`.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    /// The peak of the heap bytes live during `f` (above those live when it starts, returned value
    /// included) and the number of allocations it makes, on this thread; `(0, 0)` unless
    /// [`CountingAllocator`] is the global allocator.
    ///
    /// ```
    /// use testkit::alloc::{peak_heap, CountingAllocator};
    ///
    /// #[global_allocator]
    /// static GLOBAL: CountingAllocator = CountingAllocator;
    ///
    /// fn main() {
    ///     let (bytes, count) = peak_heap(|| drop(std::hint::black_box(Vec::<f64>::with_capacity(10))));
    ///     assert_eq!((bytes, count), (80, 1));
    /// }
    /// ```
    pub fn peak_heap(f: impl FnOnce()) -> (isize, usize) {
        LIVE.store(0, Ordering::SeqCst);
        PEAK.store(0, Ordering::SeqCst);
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        MEASURING.store(true, Ordering::SeqCst);
        COUNTING.with(|c| c.set(true));
        f();
        COUNTING.with(|c| c.set(false));
        MEASURING.store(false, Ordering::SeqCst);
        (
            PEAK.load(Ordering::SeqCst),
            ALLOCATIONS.load(Ordering::SeqCst) - before,
        )
    }
}
