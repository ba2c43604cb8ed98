//! Pullbacks of the ndarray operations `#[grad]` differentiates: broadcasting arithmetic, `dot`,
//! `t`, `sum`, `sum_axis`.
//!
//! Cotangents arrive by value, so a pullback can reuse the buffer: `unbroadcast` of a cotangent
//! that already has the operand's shape moves it through without copying. Shapes that do not fit
//! panic with a message naming the operation and both shapes.
//!
//! ```
//! use autodiff_runtime::array::unbroadcast;
//! use autodiff_runtime::ndarray::{array, Array2, Ix1};
//!
//! // `h = x + b` broadcast a bias of shape [3] over rows: its cotangent sums over the rows.
//! let bar_h: Array2<f64> = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
//! let bar_b = unbroadcast(bar_h, &Ix1(3));
//! assert_eq!(bar_b, array![5.0, 7.0, 9.0]);
//! ```

use ndarray::{
    Array, Array1, Array2, ArrayBase, Axis, Data, Dimension, Ix1, Ix2, LinalgScalar, RemoveAxis,
};
use num_traits::Float;

/// Reduces a cotangent computed at a broadcast result's shape back to an operand's shape `dim`,
/// summing over the axes broadcasting added or stretched (numpy rules: leading axes are added,
/// axes of length 1 are stretched). A cotangent already of that shape moves through unchanged.
///
/// # Panics
///
/// If `dim` does not broadcast to the cotangent's shape.
///
/// ```
/// use autodiff_runtime::array::unbroadcast;
/// use autodiff_runtime::ndarray::{array, Ix2};
///
/// // An operand of shape [2, 1] stretched to [2, 3].
/// let bar = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
/// assert_eq!(unbroadcast(bar, &Ix2(2, 1)), array![[6.0], [15.0]]);
/// ```
pub fn unbroadcast<A, D, E>(bar: Array<A, D>, dim: &E) -> Array<A, E>
where
    A: Float,
    D: Dimension,
    E: Dimension,
{
    let shape = bar.shape().to_vec();
    let target = dim.slice();
    let fits = target.len() <= shape.len()
        && target
            .iter()
            .rev()
            .zip(shape.iter().rev())
            .all(|(&t, &s)| t == s || t == 1);
    assert!(
        fits,
        "unbroadcast: a cotangent of shape {shape:?} cannot come from an operand of shape \
         {target:?} (the shapes do not broadcast)"
    );
    if shape.as_slice() == target {
        return bar
            .into_dimensionality::<E>()
            .expect("same shape, so the same dimensionality");
    }
    let mut reduced = bar.into_dyn();
    // Leading axes that broadcasting added.
    while reduced.ndim() > target.len() {
        reduced = reduced.sum_axis(Axis(0));
    }
    // Axes of length 1 that broadcasting stretched.
    for (axis, &t) in target.iter().enumerate() {
        if t == 1 && reduced.shape()[axis] != 1 {
            reduced = reduced.sum_axis(Axis(axis)).insert_axis(Axis(axis));
        }
    }
    reduced
        .into_dimensionality::<E>()
        .expect("reduced to the operand's number of axes")
}

/// [`unbroadcast`] of a borrowed cotangent, for when the cotangent has other uses after this
/// one: copies only if no reduction is needed.
///
/// ```
/// use autodiff_runtime::array::unbroadcast_ref;
/// use autodiff_runtime::ndarray::{array, Ix1};
/// let bar = array![[1.0_f64, 2.0], [3.0, 4.0]];
/// assert_eq!(unbroadcast_ref(&bar, &Ix1(2)), array![4.0, 6.0]);
/// ```
pub fn unbroadcast_ref<A, D, E>(bar: &Array<A, D>, dim: &E) -> Array<A, E>
where
    A: Float,
    D: Dimension,
    E: Dimension,
{
    if bar.shape() == dim.slice() {
        return unbroadcast(bar.clone(), dim);
    }
    // The common case, a bias of shape [n] broadcast over the rows of [m, n]: sum the rows
    // without copying `bar` first.
    if let Ok(matrix) = bar.view().into_dimensionality::<Ix2>()
        && dim.slice() == [matrix.ncols()]
    {
        return matrix
            .sum_axis(Axis(0))
            .into_dimensionality::<E>()
            .expect("one axis, as the operand");
    }
    unbroadcast(bar.clone(), dim)
}

/// Pullback of `a.sum()` with respect to `a`: the cotangent spread over `a`'s shape.
///
/// ```
/// use autodiff_runtime::array::sum_pullback;
/// use autodiff_runtime::ndarray::{array, Ix1};
/// assert_eq!(sum_pullback(&Ix1(3), 2.0_f64), array![2.0, 2.0, 2.0]);
/// ```
pub fn sum_pullback<A: Float, D: Dimension>(dim: &D, bar: A) -> Array<A, D> {
    Array::from_elem(dim.clone(), bar)
}

/// Pullback of `a.sum_axis(axis)` with respect to `a`: the cotangent repeated along `axis`.
///
/// ```
/// use autodiff_runtime::array::sum_axis_pullback;
/// use autodiff_runtime::ndarray::{array, Axis, Ix2};
/// let bar = array![1.0_f64, 2.0];
/// assert_eq!(sum_axis_pullback(bar, Axis(1), &Ix2(2, 3)), array![[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]);
/// ```
pub fn sum_axis_pullback<A, D>(bar: Array<A, D::Smaller>, axis: Axis, dim: &D) -> Array<A, D>
where
    A: Float,
    D: Dimension + RemoveAxis,
{
    let expanded = bar.insert_axis(axis);
    let view = expanded.broadcast(dim.clone()).unwrap_or_else(|| {
        panic!(
            "sum_axis pullback: a cotangent of shape {:?} does not fit an input of shape {:?}",
            expanded.shape(),
            dim.slice()
        )
    });
    view.to_owned()
        .into_dimensionality::<D>()
        .expect("broadcast to the input's shape")
}

/// Pullback of `a.t()`: the cotangent transposed back, without copying.
///
/// ```
/// use autodiff_runtime::array::t_pullback;
/// use autodiff_runtime::ndarray::array;
/// assert_eq!(t_pullback(array![[1.0_f64, 2.0]]), array![[1.0], [2.0]]);
/// ```
pub fn t_pullback<A, D: Dimension>(bar: Array<A, D>) -> Array<A, D> {
    bar.reversed_axes()
}

/// The matrix products `dot` differentiates, with their pullbacks: one per operand, so that a
/// constant operand (a batch of inputs) costs no product in the reverse sweep.
///
/// Implemented for matrix·matrix, matrix·vector, vector·matrix and vector·vector.
pub trait DotPullback<Rhs> {
    /// The type of the product.
    type Output;
    /// The cotangent of the left operand.
    type LhsBar;
    /// The cotangent of the right operand.
    type RhsBar;
    /// The cotangent of the left operand: `bar · rhsᵀ` for matrices.
    fn dot_pullback_lhs(&self, rhs: &Rhs, bar: &Self::Output) -> Self::LhsBar;
    /// The cotangent of the right operand: `lhsᵀ · bar` for matrices.
    fn dot_pullback_rhs(&self, rhs: &Rhs, bar: &Self::Output) -> Self::RhsBar;
}

fn check_matmul(lhs: &[usize], rhs: &[usize], bar: &[usize], expected: &[usize]) {
    assert!(
        bar == expected,
        "dot pullback: the cotangent has shape {bar:?} but the product of shapes {lhs:?} and \
         {rhs:?} has shape {expected:?}"
    );
}

impl<A, S, S2> DotPullback<ArrayBase<S2, Ix2>> for ArrayBase<S, Ix2>
where
    A: LinalgScalar,
    S: Data<Elem = A>,
    S2: Data<Elem = A>,
{
    type Output = Array2<A>;
    type LhsBar = Array2<A>;
    type RhsBar = Array2<A>;
    fn dot_pullback_lhs(&self, rhs: &ArrayBase<S2, Ix2>, bar: &Array2<A>) -> Array2<A> {
        check_matmul(
            self.shape(),
            rhs.shape(),
            bar.shape(),
            &[self.nrows(), rhs.ncols()],
        );
        bar.dot(&rhs.t())
    }
    fn dot_pullback_rhs(&self, rhs: &ArrayBase<S2, Ix2>, bar: &Array2<A>) -> Array2<A> {
        check_matmul(
            self.shape(),
            rhs.shape(),
            bar.shape(),
            &[self.nrows(), rhs.ncols()],
        );
        self.t().dot(bar)
    }
}

impl<A, S, S2> DotPullback<ArrayBase<S2, Ix1>> for ArrayBase<S, Ix2>
where
    A: LinalgScalar,
    S: Data<Elem = A>,
    S2: Data<Elem = A>,
{
    type Output = Array1<A>;
    type LhsBar = Array2<A>;
    type RhsBar = Array1<A>;
    fn dot_pullback_lhs(&self, rhs: &ArrayBase<S2, Ix1>, bar: &Array1<A>) -> Array2<A> {
        check_matmul(self.shape(), rhs.shape(), bar.shape(), &[self.nrows()]);
        bar.view()
            .insert_axis(Axis(1))
            .dot(&rhs.view().insert_axis(Axis(0)))
    }
    fn dot_pullback_rhs(&self, rhs: &ArrayBase<S2, Ix1>, bar: &Array1<A>) -> Array1<A> {
        check_matmul(self.shape(), rhs.shape(), bar.shape(), &[self.nrows()]);
        self.t().dot(bar)
    }
}

impl<A, S, S2> DotPullback<ArrayBase<S2, Ix2>> for ArrayBase<S, Ix1>
where
    A: LinalgScalar,
    S: Data<Elem = A>,
    S2: Data<Elem = A>,
{
    type Output = Array1<A>;
    type LhsBar = Array1<A>;
    type RhsBar = Array2<A>;
    fn dot_pullback_lhs(&self, rhs: &ArrayBase<S2, Ix2>, bar: &Array1<A>) -> Array1<A> {
        check_matmul(self.shape(), rhs.shape(), bar.shape(), &[rhs.ncols()]);
        rhs.dot(bar)
    }
    fn dot_pullback_rhs(&self, rhs: &ArrayBase<S2, Ix2>, bar: &Array1<A>) -> Array2<A> {
        check_matmul(self.shape(), rhs.shape(), bar.shape(), &[rhs.ncols()]);
        self.view()
            .insert_axis(Axis(1))
            .dot(&bar.view().insert_axis(Axis(0)))
    }
}

impl<A, S, S2> DotPullback<ArrayBase<S2, Ix1>> for ArrayBase<S, Ix1>
where
    A: LinalgScalar,
    S: Data<Elem = A>,
    S2: Data<Elem = A>,
{
    type Output = A;
    type LhsBar = Array1<A>;
    type RhsBar = Array1<A>;
    fn dot_pullback_lhs(&self, rhs: &ArrayBase<S2, Ix1>, bar: &A) -> Array1<A> {
        rhs.mapv(|r| r * *bar)
    }
    fn dot_pullback_rhs(&self, _rhs: &ArrayBase<S2, Ix1>, bar: &A) -> Array1<A> {
        self.mapv(|l| l * *bar)
    }
}

/// `lhs.dot(rhs)`'s cotangent with respect to `lhs`.
///
/// ```
/// use autodiff_runtime::array::dot_pullback_lhs;
/// use autodiff_runtime::ndarray::array;
/// let (a, b) = (array![[1.0_f64, 2.0]], array![[3.0], [4.0]]);
/// assert_eq!(dot_pullback_lhs(&a, &b, &array![[1.0]]), array![[3.0, 4.0]]);
/// ```
pub fn dot_pullback_lhs<L, R>(lhs: &L, rhs: &R, bar: &L::Output) -> L::LhsBar
where
    L: DotPullback<R>,
{
    lhs.dot_pullback_lhs(rhs, bar)
}

/// `lhs.dot(rhs)`'s cotangent with respect to `rhs`.
///
/// ```
/// use autodiff_runtime::array::dot_pullback_rhs;
/// use autodiff_runtime::ndarray::array;
/// let (a, b) = (array![[1.0_f64, 2.0]], array![[3.0], [4.0]]);
/// assert_eq!(dot_pullback_rhs(&a, &b, &array![[1.0]]), array![[1.0], [2.0]]);
/// ```
pub fn dot_pullback_rhs<L, R>(lhs: &L, rhs: &R, bar: &L::Output) -> L::RhsBar
where
    L: DotPullback<R>,
{
    lhs.dot_pullback_rhs(rhs, bar)
}

/// Panics unless `a` and `b` co-broadcast (numpy rules), naming the operation and both shapes.
fn check_broadcast(op: &str, a: &[usize], b: &[usize]) {
    let fits = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .all(|(&x, &y)| x == y || x == 1 || y == 1);
    assert!(
        fits,
        "`{op}`: shapes {a:?} and {b:?} do not broadcast together"
    );
}

macro_rules! broadcasting_op {
    ($($name:ident, $trait:ident, $symbol:literal;)*) => {$(
        #[doc = concat!("`&a ", $symbol, " &b` with broadcasting, as the forward sweep computes it, \
                         panicking with both shapes when they do not broadcast.")]
        ///
        /// ```
        /// use autodiff_runtime::ndarray::array;
        #[doc = concat!("let c = autodiff_runtime::array::", stringify!($name), "(&array![[4.0_f64, 6.0]], &array![2.0, 3.0]);")]
        /// assert_eq!(c.shape(), &[1, 2]);
        /// ```
        pub fn $name<A, S1, S2, D1, D2>(
            a: &ArrayBase<S1, D1>,
            b: &ArrayBase<S2, D2>,
        ) -> Array<A, <D1 as ndarray::DimMax<D2>>::Output>
        where
            A: Clone + std::ops::$trait<Output = A>,
            S1: Data<Elem = A>,
            S2: Data<Elem = A>,
            D1: Dimension + ndarray::DimMax<D2>,
            D2: Dimension,
        {
            check_broadcast($symbol, a.shape(), b.shape());
            std::ops::$trait::$name(a, b)
        }
    )*};
}

broadcasting_op! {
    add, Add, "+";
    sub, Sub, "-";
    mul, Mul, "*";
    div, Div, "/";
}
