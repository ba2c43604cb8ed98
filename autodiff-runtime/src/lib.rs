//! Compile-time reverse-mode automatic differentiation.
//!
//! Put [`grad`] on an ordinary numeric function and the attribute emits, beside it, companion
//! functions that compute its gradient: a forward sweep that keeps the intermediate values, then a
//! reverse sweep that accumulates each statement's vector-Jacobian product. The gradient is plain
//! Rust, with no tape and no allocation for functions of floats and fixed-size float arrays.
//!
//! ```
//! use autodiff_runtime::grad;
//!
//! #[grad]
//! fn f(x: f64, y: f64) -> f64 {
//!     let a = x * y;
//!     let b = a.sin();
//!     a + b
//! }
//!
//! let (value, dx, dy) = f_grad(2.0, 3.0);
//! assert_eq!(value, f(2.0, 3.0));
//! // ∂f/∂x = y·(1 + cos(xy)), ∂f/∂y = x·(1 + cos(xy))
//! assert!((dx - 3.0 * (1.0 + 6.0_f64.cos())).abs() < 1e-12);
//! assert!((dy - 2.0 * (1.0 + 6.0_f64.cos())).abs() < 1e-12);
//! ```
//!
//! What `#[grad]` emits and which bodies it accepts is described on [`grad`]; the pullbacks of the
//! float methods, with their conventions at nonsmooth points, are in [`scalar`].

pub use autodiff_macros::grad;
pub use ndarray;
pub use num_traits;
pub use num_traits::Float;

pub mod scalar;

/// Items the generated code names by absolute path. Not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::scalar;
    pub use num_traits::{One, Zero};

    /// Adds a contribution into a cotangent: `+=` for floats, element-wise for arrays. The
    /// generated code uses `+=` directly on floats and this for arrays.
    pub trait Accumulate<Rhs = Self> {
        fn accumulate(&mut self, contribution: Rhs);
    }

    macro_rules! accumulate_float {
        ($($t:ty),*) => {$(
            impl Accumulate for $t {
                #[inline]
                fn accumulate(&mut self, contribution: $t) {
                    *self += contribution;
                }
            }
        )*};
    }
    accumulate_float!(f32, f64);

    impl<T: Accumulate, const N: usize> Accumulate for [T; N] {
        #[inline]
        fn accumulate(&mut self, contribution: [T; N]) {
            for (a, b) in self.iter_mut().zip(contribution) {
                a.accumulate(b);
            }
        }
    }

    impl<T: Accumulate> Accumulate for ::std::vec::Vec<T> {
        #[inline]
        fn accumulate(&mut self, contribution: ::std::vec::Vec<T>) {
            ::std::assert_eq!(
                self.len(),
                contribution.len(),
                "cotangent accumulation: lengths {} and {} differ",
                self.len(),
                contribution.len()
            );
            for (a, b) in self.iter_mut().zip(contribution) {
                a.accumulate(b);
            }
        }
    }

    /// A zero cotangent shaped like `value`, for containers whose length is only known at run
    /// time (`&[f64]` gives `Vec<f64>`).
    #[inline]
    pub fn zeros_like<T: num_traits::Zero + Copy>(value: &[T]) -> ::std::vec::Vec<T> {
        ::std::vec![T::zero(); value.len()]
    }
}
