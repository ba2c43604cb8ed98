//! A stand-in for `autodiff_runtime::grad` used only to validate the oracles of the pending
//! control-flow tests before the real implementation exists: `#[grad]` keeps the function and
//! emits `f_grad` / `f_vjp` with the same signatures as the real macro, whose gradients are
//! fourth-order central differences of the plain function. A test whose oracle (closed form or
//! finite differences) is right passes against it.

pub use cf_fd_shim_macros::{custom_vjp, grad};
use ndarray::{Array, Dimension};

/// Floats, fixed arrays, `Vec`s and ndarray arrays of them, and nestings, as flat elements.
pub trait Flat: Clone {
    fn flat_len(&self) -> usize;
    fn flat_get(&self, i: usize) -> f64;
    fn flat_set(&mut self, i: usize, v: f64);
    /// Whether the elements are `f32` (the step is chosen for that precision).
    fn single(&self) -> bool;
}

impl Flat for f64 {
    fn flat_len(&self) -> usize {
        1
    }
    fn flat_get(&self, _: usize) -> f64 {
        *self
    }
    fn flat_set(&mut self, _: usize, v: f64) {
        *self = v;
    }
    fn single(&self) -> bool {
        false
    }
}

impl Flat for f32 {
    fn flat_len(&self) -> usize {
        1
    }
    fn flat_get(&self, _: usize) -> f64 {
        f64::from(*self)
    }
    fn flat_set(&mut self, _: usize, v: f64) {
        *self = v as f32;
    }
    fn single(&self) -> bool {
        true
    }
}

fn locate<T: Flat>(items: &[T], mut i: usize) -> (usize, usize) {
    for (k, item) in items.iter().enumerate() {
        let n = item.flat_len();
        if i < n {
            return (k, i);
        }
        i -= n;
    }
    panic!("flat index past the end")
}

impl<T: Flat, const N: usize> Flat for [T; N] {
    fn flat_len(&self) -> usize {
        self.iter().map(Flat::flat_len).sum()
    }
    fn flat_get(&self, i: usize) -> f64 {
        let (k, j) = locate(self, i);
        self[k].flat_get(j)
    }
    fn flat_set(&mut self, i: usize, v: f64) {
        let (k, j) = locate(self, i);
        self[k].flat_set(j, v);
    }
    fn single(&self) -> bool {
        self.first().is_some_and(Flat::single)
    }
}

impl<T: Flat> Flat for Vec<T> {
    fn flat_len(&self) -> usize {
        self.iter().map(Flat::flat_len).sum()
    }
    fn flat_get(&self, i: usize) -> f64 {
        let (k, j) = locate(self, i);
        self[k].flat_get(j)
    }
    fn flat_set(&mut self, i: usize, v: f64) {
        let (k, j) = locate(self, i);
        self[k].flat_set(j, v);
    }
    fn single(&self) -> bool {
        self.first().is_some_and(Flat::single)
    }
}

impl<T: Flat, D: Dimension> Flat for Array<T, D> {
    fn flat_len(&self) -> usize {
        self.len()
    }
    fn flat_get(&self, i: usize) -> f64 {
        self.iter().nth(i).unwrap().flat_get(0)
    }
    fn flat_set(&mut self, i: usize, v: f64) {
        self.iter_mut().nth(i).unwrap().flat_set(0, v);
    }
    fn single(&self) -> bool {
        self.iter().next().is_some_and(Flat::single)
    }
}

macro_rules! tuple_flat {
    ($($name:ident $idx:tt),+) => {
        impl<$($name: Flat),+> Flat for ($($name,)+) {
            fn flat_len(&self) -> usize { 0 $(+ self.$idx.flat_len())+ }
            fn flat_get(&self, mut i: usize) -> f64 {
                $(if i < self.$idx.flat_len() { return self.$idx.flat_get(i); } i -= self.$idx.flat_len();)+
                panic!("flat index past the end")
            }
            fn flat_set(&mut self, mut i: usize, v: f64) {
                $(if i < self.$idx.flat_len() { return self.$idx.flat_set(i, v); } i -= self.$idx.flat_len();)+
                panic!("flat index past the end")
            }
            fn single(&self) -> bool { self.0.single() }
        }
    };
}
tuple_flat!(A 0, B 1);
tuple_flat!(A 0, B 1, C 2);

/// `⟨out, bar⟩` over the flat elements.
pub fn pair<T: Flat>(out: &T, bar: &T) -> f64 {
    (0..out.flat_len())
        .map(|i| out.flat_get(i) * bar.flat_get(i))
        .sum()
}

/// The gradient of `f` at `p` by finite differences, in the shape of `p`. For `f64` it is more
/// accurate than the tests' own differences (`tests/common`: fourth order, `h = 10⁻³·max(1, |x|)`),
/// so that validation also catches a test whose finite-difference reference is too coarse: the
/// fourth-order stencil at `h` and `h/2` combined by Richardson extrapolation (sixth order), with
/// `h = 10⁻³·max(|x|, 0.1)` relative to the element itself.
pub fn fd<P: Flat>(p: &P, mut f: impl FnMut(&P) -> f64) -> P {
    let mut point = p.clone();
    let mut grad = p.clone();
    for i in 0..p.flat_len() {
        let x = p.flat_get(i);
        let mut stencil = |h: f64| {
            let mut at = |v: f64| {
                point.flat_set(i, v);
                f(&point)
            };
            let (m2, m1, p1, p2) = (at(x - 2.0 * h), at(x - h), at(x + h), at(x + 2.0 * h));
            // Differences first, so that a function constant along this element gives exactly 0.
            (8.0 * (p1 - m1) - (p2 - m2)) / (12.0 * h)
        };
        let d = if p.single() {
            stencil((1e-2 * x.abs().max(1.0)).log2().round().exp2())
        } else {
            let h = 1e-3 * x.abs().max(0.1);
            let (coarse, fine) = (stencil(h), stencil(0.5 * h));
            fine + (fine - coarse) / 15.0
        };
        point.flat_set(i, x);
        grad.flat_set(i, d);
    }
    grad
}
