//! A finite-difference gradient checker for your own functions.
//!
//! [`gradient`] perturbs every element of every parameter by ±h, compares the central difference
//! `(f(p + h) − f(p − h)) / 2h` with the gradient you computed, and reports the worst element by
//! parameter, index and both values. Parameters are floats, fixed-size arrays, `Vec`s, ndarray
//! arrays of any shape, or tuples of those.
//!
//! ```
//! use autodiff_runtime::{check, grad, ndarray::{array, Array1}};
//!
//! #[grad]
//! fn energy(w: &Array1<f64>, s: f64) -> f64 {
//!     let y = w * s;
//!     (&y * &y).sum()
//! }
//!
//! let (w, s) = (array![1.0, -2.0, 0.5], 1.5);
//! let (_, bar_w, bar_s) = energy_grad(&w, s);
//! check::gradient(|(w, s): &(Array1<f64>, f64)| energy(w, *s), &(w, s), &(bar_w, bar_s))
//!     .assert_ok();
//! ```

use std::fmt;

use ndarray::{Array, Dimension};

/// Tolerances and step of a check. The check of one element passes when
/// `|analytic − numeric| ≤ abs + rel · max(|analytic|, |numeric|)`.
#[derive(Clone, Debug)]
pub struct Checker {
    /// The finite-difference step `h` (relative to `max(1, |x|)`).
    pub step: f64,
    pub rel: f64,
    pub abs: f64,
    /// Names of the parameters for the report, in order.
    pub names: Vec<String>,
}

impl Default for Checker {
    /// Tolerances suited to `f64` functions: step 1e-6, rel 1e-5, abs 1e-7.
    fn default() -> Self {
        Checker {
            step: 1e-6,
            rel: 1e-5,
            abs: 1e-7,
            names: Vec::new(),
        }
    }
}

impl Checker {
    /// Tolerances suited to `f32` functions: step 1e-2, rel 2e-2, abs 1e-3.
    ///
    /// ```
    /// let checker = autodiff_runtime::check::Checker::f32();
    /// assert!(checker.step > 1e-4);
    /// ```
    pub fn f32() -> Self {
        Checker {
            step: 1e-2,
            rel: 2e-2,
            abs: 1e-3,
            names: Vec::new(),
        }
    }

    /// Names the parameters in the report.
    ///
    /// ```
    /// let checker = autodiff_runtime::check::Checker::default().names(["w", "b"]);
    /// assert_eq!(checker.names, ["w", "b"]);
    /// ```
    pub fn names<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.names = names.into_iter().map(Into::into).collect();
        self
    }

    /// Checks `analytic` against central differences of `f` at `at`.
    ///
    /// ```
    /// use autodiff_runtime::check::Checker;
    /// let report = Checker::default().check(|x: &f64| x * x, &3.0, &6.0);
    /// assert!(report.is_ok());
    /// ```
    pub fn check<P: Point>(&self, mut f: impl FnMut(&P) -> f64, at: &P, analytic: &P) -> Report {
        assert_eq!(
            at.len(),
            analytic.len(),
            "check: the point has {} elements but the gradient has {}",
            at.len(),
            analytic.len()
        );
        let mut point = at.clone();
        let mut report = Report {
            checked: 0,
            failures: Vec::new(),
            worst: None,
        };
        for i in 0..at.len() {
            let x = at.get(i);
            let h = self.step * x.abs().max(1.0);
            point.set(i, x + h);
            let plus = f(&point);
            point.set(i, x - h);
            let minus = f(&point);
            point.set(i, x);
            let numeric = (plus - minus) / (2.0 * h);
            let value = analytic.get(i);
            let error = (value - numeric).abs();
            let allowed = self.abs + self.rel * value.abs().max(numeric.abs());
            let (parameter, index) = at.locate(i);
            let entry = Entry {
                parameter,
                name: self.names.get(parameter).cloned(),
                index,
                analytic: value,
                numeric,
                excess: error / allowed,
            };
            report.checked += 1;
            let worse = report
                .worst
                .as_ref()
                .is_none_or(|w| entry.excess.is_nan() || entry.excess > w.excess);
            // A NaN on either side is a failure, not a pass.
            if error.is_nan() || error > allowed {
                report.failures.push(entry.clone());
            }
            if worse {
                report.worst = Some(entry);
            }
        }
        report
    }
}

/// Checks `analytic` against central differences of `f` at `at`, with the default tolerances.
///
/// ```
/// use autodiff_runtime::check;
/// let report = check::gradient(|x: &[f64; 2]| x[0] * x[1], &[2.0, 3.0], &[3.0, 2.0]);
/// assert!(report.is_ok());
/// assert_eq!(report.checked, 2);
/// ```
pub fn gradient<P: Point>(f: impl FnMut(&P) -> f64, at: &P, analytic: &P) -> Report {
    Checker::default().check(f, at, analytic)
}

/// One checked element.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The position of the parameter.
    pub parameter: usize,
    pub name: Option<String>,
    /// The element's index inside the parameter (empty for a float).
    pub index: Vec<usize>,
    pub analytic: f64,
    pub numeric: f64,
    /// The error as a multiple of what the tolerance allows (above 1 fails).
    pub excess: f64,
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{name}")?,
            None => write!(f, "parameter {}", self.parameter)?,
        }
        if !self.index.is_empty() {
            write!(f, "{:?}", self.index)?;
        }
        write!(
            f,
            ": analytic {:e}, finite difference {:e} ({:.2}× the tolerance)",
            self.analytic, self.numeric, self.excess
        )
    }
}

/// The outcome of a check.
#[derive(Clone, Debug)]
pub struct Report {
    pub checked: usize,
    pub failures: Vec<Entry>,
    /// The element furthest from its finite difference, relative to the tolerance.
    pub worst: Option<Entry>,
}

impl Report {
    /// Whether every element was within tolerance.
    ///
    /// ```
    /// let report = autodiff_runtime::check::gradient(|x: &f64| x * x, &1.0, &5.0);
    /// assert!(!report.is_ok());
    /// ```
    pub fn is_ok(&self) -> bool {
        self.failures.is_empty()
    }

    /// Panics with the report unless every element was within tolerance.
    ///
    /// ```should_panic
    /// autodiff_runtime::check::gradient(|x: &f64| x * x, &1.0, &5.0).assert_ok();
    /// ```
    #[track_caller]
    pub fn assert_ok(&self) {
        assert!(self.is_ok(), "{self}");
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "gradient check: {} of {} elements outside tolerance",
            self.failures.len(),
            self.checked
        )?;
        for failure in self.failures.iter().take(10) {
            writeln!(f, "  {failure}")?;
        }
        if self.failures.len() > 10 {
            writeln!(f, "  … and {} more", self.failures.len() - 10)?;
        }
        if let Some(worst) = &self.worst {
            write!(f, "worst: {worst}")?;
        }
        Ok(())
    }
}

/// A point a function is checked at: its elements, flattened, readable and writable as `f64`.
pub trait Point: Clone {
    fn len(&self) -> usize;
    fn get(&self, i: usize) -> f64;
    fn set(&mut self, i: usize, value: f64);
    /// The parameter and the index inside it of flat element `i`.
    fn locate(&self, i: usize) -> (usize, Vec<usize>);
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A float a point is made of.
pub trait Scalar: Copy {
    fn to_f64(self) -> f64;
    fn from_f64(value: f64) -> Self;
}

impl Scalar for f64 {
    fn to_f64(self) -> f64 {
        self
    }
    fn from_f64(value: f64) -> Self {
        value
    }
}

impl Scalar for f32 {
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn from_f64(value: f64) -> Self {
        value as f32
    }
}

macro_rules! scalar_point {
    ($($t:ty),*) => {$(
        impl Point for $t {
            fn len(&self) -> usize { 1 }
            fn get(&self, _: usize) -> f64 { self.to_f64() }
            fn set(&mut self, _: usize, value: f64) { *self = <$t>::from_f64(value) }
            fn locate(&self, _: usize) -> (usize, Vec<usize>) { (0, Vec::new()) }
        }
    )*};
}
scalar_point!(f32, f64);

impl<T: Scalar, const N: usize> Point for [T; N] {
    fn len(&self) -> usize {
        N
    }
    fn get(&self, i: usize) -> f64 {
        self[i].to_f64()
    }
    fn set(&mut self, i: usize, value: f64) {
        self[i] = T::from_f64(value);
    }
    fn locate(&self, i: usize) -> (usize, Vec<usize>) {
        (0, vec![i])
    }
}

impl<T: Scalar> Point for Vec<T> {
    fn len(&self) -> usize {
        self.len()
    }
    fn get(&self, i: usize) -> f64 {
        self[i].to_f64()
    }
    fn set(&mut self, i: usize, value: f64) {
        self[i] = T::from_f64(value);
    }
    fn locate(&self, i: usize) -> (usize, Vec<usize>) {
        (0, vec![i])
    }
}

impl<T: Scalar, D: Dimension> Point for Array<T, D> {
    fn len(&self) -> usize {
        self.len()
    }
    fn get(&self, i: usize) -> f64 {
        self.iter().nth(i).expect("index within the array").to_f64()
    }
    fn set(&mut self, i: usize, value: f64) {
        *self.iter_mut().nth(i).expect("index within the array") = T::from_f64(value);
    }
    fn locate(&self, i: usize) -> (usize, Vec<usize>) {
        (0, unravel(i, self.shape()))
    }
}

/// The multi-index of flat (row-major) position `i`.
fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (slot, &extent) in index.iter_mut().zip(shape).rev() {
        *slot = i % extent.max(1);
        i /= extent.max(1);
    }
    index
}

macro_rules! tuple_point {
    ($($name:ident $idx:tt),+) => {
        impl<$($name: Point),+> Point for ($($name,)+) {
            fn len(&self) -> usize { 0 $(+ self.$idx.len())+ }
            fn get(&self, mut i: usize) -> f64 {
                $(if i < self.$idx.len() { return self.$idx.get(i); } i -= self.$idx.len();)+
                panic!("check: element {i} past the end of the point")
            }
            fn set(&mut self, mut i: usize, value: f64) {
                $(if i < self.$idx.len() { return self.$idx.set(i, value); } i -= self.$idx.len();)+
                panic!("check: element {i} past the end of the point")
            }
            fn locate(&self, mut i: usize) -> (usize, Vec<usize>) {
                $(if i < self.$idx.len() { return ($idx, self.$idx.locate(i).1); } i -= self.$idx.len();)+
                panic!("check: element {i} past the end of the point")
            }
        }
    };
}
tuple_point!(A 0);
tuple_point!(A 0, B 1);
tuple_point!(A 0, B 1, C 2);
tuple_point!(A 0, B 1, C 2, D 3);
tuple_point!(A 0, B 1, C 2, D 3, E 4);
tuple_point!(A 0, B 1, C 2, D 3, E 4, F 5);
