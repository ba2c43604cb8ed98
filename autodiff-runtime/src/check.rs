//! A finite-difference gradient checker for your own functions.
//!
//! [`gradient`] perturbs every element of every parameter by ±h, compares the central difference
//! `(f(p + h) − f(p − h)) / 2h` with the gradient you computed, and reports the worst element by
//! parameter, index and both values. Parameters are floats, fixed-size arrays, `Vec`s, ndarray
//! arrays of any shape, or tuples of those. A [`Checker`] chooses the step, the tolerances and
//! the [`Stencil`] (the fourth-order one is far more accurate on smooth functions), and also
//! gives the differences themselves ([`Checker::differences`], [`Checker::partial`]).
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

/// The finite-difference formula for one partial derivative, with `h` the step.
///
/// ```
/// use autodiff_runtime::check::{Checker, Stencil};
/// let second = Checker::default().step(1e-2).partial(|x: &f64| x.exp(), &0.0, 0);
/// let fourth = Checker::default()
///     .step(1e-2)
///     .stencil(Stencil::FourthOrder)
///     .partial(|x: &f64| x.exp(), &0.0, 0);
/// assert!((fourth - 1.0).abs() < (second - 1.0).abs() / 1000.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Stencil {
    /// `(f(x + h) − f(x − h)) / 2h`: two evaluations, truncation error `h²·f‴/6`.
    #[default]
    SecondOrder,
    /// `(f(x − 2h) − 8 f(x − h) + 8 f(x + h) − f(x + 2h)) / 12h`: four evaluations,
    /// truncation error `h⁴·f⁽⁵⁾/30`, so a larger step (less rounding error) reaches the same
    /// accuracy.
    FourthOrder,
}

/// Tolerances, step and stencil of a check. The check of one element passes when
/// `|analytic − numeric| ≤ abs + rel · max(|analytic|, |numeric|)`.
///
/// ```
/// use autodiff_runtime::check::{Checker, Stencil};
/// let checker = Checker::default().step(1e-3).stencil(Stencil::FourthOrder);
/// checker.check(|x: &[f64; 2]| x[0].sin() * x[1], &[0.5, 2.0], &[0.5_f64.cos() * 2.0, 0.5_f64.sin()])
///     .assert_ok();
/// ```
#[derive(Clone, Debug)]
pub struct Checker {
    /// The finite-difference step `h` (relative to `max(1, |x|)`).
    pub step: f64,
    pub rel: f64,
    pub abs: f64,
    /// Names of the parameters for the report, in order.
    pub names: Vec<String>,
    /// The finite-difference formula.
    pub stencil: Stencil,
    /// Rounds each element's step to the nearest power of two, so that `x ± h` and `x ± 2h` are
    /// (all but always) exact in the point's own float type: suited to `f32` points.
    pub power_of_two_step: bool,
}

impl Default for Checker {
    /// Tolerances suited to `f64` functions: step 1e-6, rel 1e-5, abs 1e-7, second-order
    /// stencil.
    fn default() -> Self {
        Checker {
            step: 1e-6,
            rel: 1e-5,
            abs: 1e-7,
            names: Vec::new(),
            stencil: Stencil::SecondOrder,
            power_of_two_step: false,
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
            stencil: Stencil::SecondOrder,
            power_of_two_step: false,
        }
    }

    /// Sets the step (relative to `max(1, |x|)`).
    ///
    /// ```
    /// let checker = autodiff_runtime::check::Checker::default().step(1e-3);
    /// assert_eq!(checker.step, 1e-3);
    /// ```
    pub fn step(mut self, step: f64) -> Self {
        self.step = step;
        self
    }

    /// Sets the tolerances: an element passes when
    /// `|analytic − numeric| ≤ abs + rel · max(|analytic|, |numeric|)`.
    ///
    /// ```
    /// let checker = autodiff_runtime::check::Checker::default().tolerance(1e-7, 1e-9);
    /// assert_eq!((checker.rel, checker.abs), (1e-7, 1e-9));
    /// ```
    pub fn tolerance(mut self, rel: f64, abs: f64) -> Self {
        self.rel = rel;
        self.abs = abs;
        self
    }

    /// Sets the finite-difference formula.
    ///
    /// ```
    /// use autodiff_runtime::check::{Checker, Stencil};
    /// let checker = Checker::default().stencil(Stencil::FourthOrder);
    /// assert_eq!(checker.stencil, Stencil::FourthOrder);
    /// ```
    pub fn stencil(mut self, stencil: Stencil) -> Self {
        self.stencil = stencil;
        self
    }

    /// Rounds each element's step to the nearest power of two (see
    /// [`Checker::power_of_two_step`](Checker#structfield.power_of_two_step)).
    ///
    /// ```
    /// use autodiff_runtime::check::Checker;
    /// let checker = Checker::default().step(1e-2).power_of_two();
    /// // The step at 0.3 is 2⁻⁷ = 0.0078125, the power of two nearest 10⁻².
    /// let d = checker.partial(|x: &f32| f64::from(*x) * 2.0, &0.3_f32, 0);
    /// assert!((d - 2.0).abs() < 1e-5);
    /// ```
    pub fn power_of_two(mut self) -> Self {
        self.power_of_two_step = true;
        self
    }

    /// The step for an element of value `x`.
    fn step_at(&self, x: f64) -> f64 {
        let h = self.step * x.abs().max(1.0);
        if self.power_of_two_step {
            h.log2().round().exp2()
        } else {
            h
        }
    }

    /// The finite difference of `f` along flat element `i` of `at` (the point is left as it
    /// was).
    ///
    /// ```
    /// use autodiff_runtime::check::Checker;
    /// let d = Checker::default().partial(|x: &[f64; 2]| x[0] * x[1], &[2.0, 3.0], 1);
    /// assert!((d - 2.0).abs() < 1e-8);
    /// ```
    pub fn partial<P: Point>(&self, mut f: impl FnMut(&P) -> f64, at: &P, i: usize) -> f64 {
        let mut point = at.clone();
        self.partial_in(&mut f, &mut point, i)
    }

    /// [`Checker::partial`] on a scratch copy of the point, restored before returning.
    fn partial_in<P: Point>(&self, f: &mut impl FnMut(&P) -> f64, point: &mut P, i: usize) -> f64 {
        let x = point.get(i);
        let h = self.step_at(x);
        let mut at = |x: f64| {
            point.set(i, x);
            f(point)
        };
        let numeric = match self.stencil {
            Stencil::SecondOrder => {
                let plus = at(x + h);
                let minus = at(x - h);
                (plus - minus) / (2.0 * h)
            }
            Stencil::FourthOrder => {
                let minus2 = at(x - 2.0 * h);
                let minus = at(x - h);
                let plus = at(x + h);
                let plus2 = at(x + 2.0 * h);
                (minus2 - 8.0 * minus + 8.0 * plus - plus2) / (12.0 * h)
            }
        };
        point.set(i, x);
        numeric
    }

    /// The finite differences of `f` along every flat element of `at`, in order.
    ///
    /// ```
    /// use autodiff_runtime::check::{Checker, Stencil};
    /// let d = Checker::default()
    ///     .step(1e-3)
    ///     .stencil(Stencil::FourthOrder)
    ///     .differences(|x: &Vec<f64>| x[0] * x[1].sin(), &vec![2.0, 0.5]);
    /// assert!((d[0] - 0.5_f64.sin()).abs() < 1e-10);
    /// assert!((d[1] - 2.0 * 0.5_f64.cos()).abs() < 1e-10);
    /// ```
    pub fn differences<P: Point>(&self, mut f: impl FnMut(&P) -> f64, at: &P) -> Vec<f64> {
        let mut point = at.clone();
        (0..at.len())
            .map(|i| self.partial_in(&mut f, &mut point, i))
            .collect()
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

    /// Checks `analytic` against central differences of `f` at `at` (the evaluations of
    /// [`Checker::differences`]).
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
            let numeric = self.partial_in(&mut f, &mut point, i);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// On a smooth function the fourth-order stencil's error shrinks as h⁴, the second-order
    /// one's as h²: at every step where truncation dominates rounding, the fourth-order
    /// difference is much closer to the exact derivative.
    #[test]
    fn the_fourth_order_stencil_is_more_accurate_on_a_smooth_function() {
        let f = |x: &f64| x.sin() * x.exp();
        let exact = |x: f64| x.exp() * (x.sin() + x.cos());
        for x in [-1.3, 0.2, 0.7, 2.5] {
            for step in [1e-2, 1e-3] {
                let checker = Checker::default().step(step);
                let second = (checker.partial(f, &x, 0) - exact(x)).abs();
                let fourth = (checker
                    .clone()
                    .stencil(Stencil::FourthOrder)
                    .partial(f, &x, 0)
                    - exact(x))
                .abs();
                assert!(
                    fourth * 100.0 < second,
                    "at x = {x}, step {step}: fourth-order error {fourth:e}, second-order {second:e}"
                );
            }
        }
        // And a check that fails at a coarse step with the second-order stencil passes with the
        // fourth-order one.
        let tight = Checker::default().step(1e-2).tolerance(1e-8, 1e-10);
        let grad = [exact(0.7), exact(-0.4)];
        let g = |p: &[f64; 2]| f(&p[0]) + f(&p[1]);
        assert!(!tight.check(g, &[0.7, -0.4], &grad).is_ok());
        tight
            .stencil(Stencil::FourthOrder)
            .check(g, &[0.7, -0.4], &grad)
            .assert_ok();
    }

    /// The point a check leaves behind is unchanged, and the evaluations are where the stencil
    /// says.
    #[test]
    fn the_fourth_order_stencil_evaluates_at_two_steps_each_side() {
        let mut seen = Vec::new();
        let d = Checker::default()
            .step(0.5)
            .stencil(Stencil::FourthOrder)
            .partial(
                |x: &[f64; 2]| {
                    seen.push(*x);
                    x[0] * x[0] * x[0]
                },
                &[2.0, 1.0],
                0,
            );
        assert_eq!(seen, [[0.0, 1.0], [1.0, 1.0], [3.0, 1.0], [4.0, 1.0]]);
        // Exact for a cubic: (0 − 8 + 216 − 64) / 12 = 12 = 3·2².
        assert_eq!(d, 12.0);
    }

    #[test]
    fn a_power_of_two_step_is_exact_in_f32() {
        let mut seen = Vec::new();
        Checker::default().step(1e-2).power_of_two().partial(
            |x: &f32| {
                seen.push(*x);
                f64::from(*x)
            },
            &0.3_f32,
            0,
        );
        // 2⁻⁷ is the power of two nearest 10⁻².
        assert_eq!(seen, [0.3 + 0.0078125, 0.3 - 0.0078125]);
    }
}
