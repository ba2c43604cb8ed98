//! The ndarray operations `#[grad]` differentiates, each forward beside its pullback: the
//! broadcasting arithmetic `+ - * /` ([`add`] … [`div`] check the shapes; `<op>_pullback_lhs`
//! and `<op>_pullback_rhs`), the array methods of the macro's table (`dot`, `sum`, …), and
//! [`unbroadcast`], which reduces a cotangent to a broadcast operand's shape.
//!
//! Every pullback takes, in order, what it reads of the inputs (receiver first; a value, or
//! only an array's shape `&a.raw_dim()`, `&()` for a float operand broadcast over an array),
//! the output if it reads it, and the output cotangent, and returns the input cotangents: the
//! convention of the macro's table (`autodiff-macros/src/primitives.rs`), which says what each
//! reads. `t_pullback(bar)` reads nothing, `sum_pullback(&dim, bar)` a shape,
//! `sum_axis_pullback(&dim, axis, bar)` a shape and the axis, `div_pullback_rhs(b, &r, bar)` the
//! divisor and the output. `dot` and the four operations have one pullback per operand, so an
//! inactive operand costs nothing; of those of one operation, all but the last called borrow
//! the cotangent ([`Cotangent`]).
//!
//! Cotangents arrive by value where they can, so a pullback can reuse the buffer: `unbroadcast`
//! of a cotangent that already has the operand's shape moves it through without copying. Shapes
//! that do not fit panic with a message naming the operation and both shapes.
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

use std::borrow::Borrow;
use std::ops::{Div, Mul, Neg};

use ndarray::{
    Array, Array1, Array2, ArrayBase, Axis, Data, Dimension, Ix0, Ix1, Ix2, Ix3, Ix4, Ix5, Ix6,
    IxDyn, LinalgScalar, RemoveAxis,
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

/// Pullback of `a.sum_axis(axis)` with respect to `a`, from `a`'s shape `dim` and the axis: the
/// cotangent repeated along `axis`.
///
/// ```
/// use autodiff_runtime::array::sum_axis_pullback;
/// use autodiff_runtime::ndarray::{array, Axis, Ix2};
/// let bar = array![1.0_f64, 2.0];
/// assert_eq!(sum_axis_pullback(&Ix2(2, 3), Axis(1), bar), array![[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]);
/// ```
pub fn sum_axis_pullback<A, D>(dim: &D, axis: Axis, bar: Array<A, D::Smaller>) -> Array<A, D>
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

/// Pullback of `a.mean()` (which ndarray returns as an `Option`, unwrapped) with respect to
/// `a`: the cotangent over the number of elements, spread over `a`'s shape.
///
/// ```
/// use autodiff_runtime::array::mean_pullback;
/// use autodiff_runtime::ndarray::{array, Ix1};
/// assert_eq!(mean_pullback(&Ix1(4), 2.0_f64), array![0.5, 0.5, 0.5, 0.5]);
/// ```
pub fn mean_pullback<A: Float, D: Dimension>(dim: &D, bar: A) -> Array<A, D> {
    let n = A::from(dim.size()).expect("an element count is a float");
    Array::from_elem(dim.clone(), bar / n)
}

/// Pullback of `a.mean_axis(axis)` (unwrapped) with respect to `a`, from `a`'s shape `dim`:
/// the cotangent over the axis' length, repeated along `axis`.
///
/// ```
/// use autodiff_runtime::array::mean_axis_pullback;
/// use autodiff_runtime::ndarray::{array, Axis, Ix2};
/// let bar = array![3.0_f64, 6.0];
/// assert_eq!(mean_axis_pullback(&Ix2(2, 3), Axis(1), bar), array![[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]);
/// ```
pub fn mean_axis_pullback<A, D>(dim: &D, axis: Axis, bar: Array<A, D::Smaller>) -> Array<A, D>
where
    A: Float,
    D: Dimension + RemoveAxis,
{
    let n = A::from(dim[axis.index()]).expect("an axis length is a float");
    sum_axis_pullback(dim, axis, bar.mapv_into(|b| b / n))
}

/// Pullback of `a.reversed_axes()`: the cotangent's axes reversed back, without copying.
///
/// ```
/// use autodiff_runtime::array::reversed_axes_pullback;
/// use autodiff_runtime::ndarray::array;
/// assert_eq!(reversed_axes_pullback(array![[1.0_f64, 2.0]]), array![[1.0], [2.0]]);
/// ```
pub fn reversed_axes_pullback<A, D: Dimension>(bar: Array<A, D>) -> Array<A, D> {
    bar.reversed_axes()
}

/// Pullback of `a.insert_axis(axis)`: the cotangent with that axis (of length one) removed.
///
/// ```
/// use autodiff_runtime::array::insert_axis_pullback;
/// use autodiff_runtime::ndarray::{array, Axis};
/// assert_eq!(insert_axis_pullback(Axis(1), array![[1.0_f64], [2.0]]), array![1.0, 2.0]);
/// ```
pub fn insert_axis_pullback<A, D: Dimension + RemoveAxis>(
    axis: Axis,
    bar: Array<A, D>,
) -> Array<A, D::Smaller> {
    assert_eq!(
        bar.len_of(axis),
        1,
        "insert_axis pullback: a cotangent of shape {:?} has no axis {} of length 1 to remove",
        bar.shape(),
        axis.index()
    );
    bar.remove_axis(axis)
}

/// Pullback of `a.row(i)` with respect to the matrix `a` of shape `dim`: zeros, with the
/// cotangent in row `i`.
///
/// ```
/// use autodiff_runtime::array::row_pullback;
/// use autodiff_runtime::ndarray::{array, Ix2};
/// assert_eq!(row_pullback(&Ix2(2, 2), 1, array![1.0_f64, 2.0]), array![[0.0, 0.0], [1.0, 2.0]]);
/// ```
pub fn row_pullback<A: Float>(dim: &Ix2, i: usize, bar: Array1<A>) -> Array2<A> {
    let mut out = Array2::zeros(*dim);
    out.row_mut(i).assign(&bar);
    out
}

/// Pullback of `a.column(j)` with respect to the matrix `a` of shape `dim`: zeros, with the
/// cotangent in column `j`.
///
/// ```
/// use autodiff_runtime::array::column_pullback;
/// use autodiff_runtime::ndarray::{array, Ix2};
/// assert_eq!(column_pullback(&Ix2(2, 2), 0, array![1.0_f64, 2.0]), array![[1.0, 0.0], [2.0, 0.0]]);
/// ```
pub fn column_pullback<A: Float>(dim: &Ix2, j: usize, bar: Array1<A>) -> Array2<A> {
    let mut out = Array2::zeros(*dim);
    out.column_mut(j).assign(&bar);
    out
}

/// Pullback of `a.slice(info)` with respect to `a` of shape `dim`: the cotangent scattered
/// into zeros of `a`'s shape, where the slice took its elements.
///
/// ```
/// use autodiff_runtime::array::slice_pullback;
/// use autodiff_runtime::ndarray::{array, s, Ix2};
/// let bar = array![1.0_f64, 2.0];
/// assert_eq!(
///     slice_pullback(&Ix2(2, 3), s![1, 1..], bar),
///     array![[0.0, 0.0, 0.0], [0.0, 1.0, 2.0]]
/// );
/// ```
pub fn slice_pullback<A, D, I>(dim: &D, info: I, bar: Array<A, I::OutDim>) -> Array<A, D>
where
    A: Float,
    D: Dimension,
    I: ndarray::SliceArg<D>,
{
    let mut out = Array::zeros(dim.clone());
    let mut part = out.slice_mut(info);
    assert_eq!(
        part.shape(),
        bar.shape(),
        "slice pullback: a cotangent of shape {:?} does not fit the slice's shape {:?}",
        bar.shape(),
        part.shape()
    );
    part.assign(&bar);
    out
}

/// Pullback of `v.push(value)` on a local `Vec`: the cotangent of the `Vec` before the push
/// (the cotangent with its last element removed) and of `value` (that last element).
///
/// ```
/// use autodiff_runtime::array::push_pullback;
/// assert_eq!(push_pullback(vec![1.0_f64, 2.0, 3.0]), (vec![1.0, 2.0], 3.0));
/// ```
pub fn push_pullback<A>(mut bar: Vec<A>) -> (Vec<A>, A) {
    let last = bar
        .pop()
        .expect("push pullback: the cotangent of a Vec after a push is not empty");
    (bar, last)
}

/// Pullback of `a.into_shape_with_order(shape)` (row-major, unwrapped) with respect to `a` of
/// shape `dim`: the cotangent's elements, in row-major order, in `a`'s shape.
///
/// ```
/// use autodiff_runtime::array::into_shape_with_order_pullback;
/// use autodiff_runtime::ndarray::{array, Ix2};
/// let bar = array![1.0_f64, 2.0, 3.0, 4.0, 5.0, 6.0];
/// assert_eq!(
///     into_shape_with_order_pullback(&Ix2(2, 3), bar),
///     array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
/// );
/// ```
pub fn into_shape_with_order_pullback<A, D, E>(dim: &D, bar: Array<A, E>) -> Array<A, D>
where
    A: Clone,
    D: Dimension,
    E: Dimension,
{
    let shape = bar.shape().to_vec();
    let elements: Vec<A> = bar.iter().cloned().collect();
    Array::from_shape_vec(dim.clone(), elements).unwrap_or_else(|_| {
        panic!(
            "into_shape_with_order pullback: a cotangent of shape {:?} does not fit an input of \
             shape {:?}",
            shape,
            dim.slice()
        )
    })
}

/// Pullback of `concatenate(axis, &[a0, a1, ..])` (unwrapped) with respect to the `i`th array,
/// from the shapes `dims` of all of them: its part of the cotangent, cut out along `axis`.
///
/// ```
/// use autodiff_runtime::array::concatenate_pullback;
/// use autodiff_runtime::ndarray::{array, Axis, Ix1};
/// let bar = array![1.0_f64, 2.0, 3.0];
/// assert_eq!(concatenate_pullback(Axis(0), &[&Ix1(1), &Ix1(2)], 1, &bar), array![2.0, 3.0]);
/// ```
pub fn concatenate_pullback<A, D>(
    axis: Axis,
    dims: &[&D],
    i: usize,
    bar: &Array<A, D>,
) -> Array<A, D>
where
    A: Clone,
    D: Dimension,
{
    let start: usize = dims[..i].iter().map(|d| d[axis.index()]).sum();
    let end = start + dims[i][axis.index()];
    assert!(
        end <= bar.len_of(axis),
        "concatenate pullback: a cotangent of shape {:?} is too short along axis {} for inputs \
         of shapes {:?}",
        bar.shape(),
        axis.index(),
        dims.iter().map(|d| d.slice().to_vec()).collect::<Vec<_>>()
    );
    bar.slice_axis(axis, ndarray::Slice::from(start..end))
        .to_owned()
}

/// Pullback of `stack(axis, &[a0, a1, ..])` (unwrapped) with respect to the `i`th array: the
/// cotangent's `i`th subview along `axis`.
///
/// ```
/// use autodiff_runtime::array::stack_pullback;
/// use autodiff_runtime::ndarray::{array, Axis};
/// let bar = array![[1.0_f64, 2.0], [3.0, 4.0]];
/// assert_eq!(stack_pullback(Axis(0), 1, &bar), array![3.0, 4.0]);
/// ```
pub fn stack_pullback<A, D>(axis: Axis, i: usize, bar: &Array<A, D>) -> Array<A, D::Smaller>
where
    A: Clone,
    D: Dimension + RemoveAxis,
{
    bar.index_axis(axis, i).to_owned()
}

/// `x.mapv(f)` where `f` gives each element's value and `K` partial derivatives (those of the
/// function a `mapv` closure makes, by the element and by floats it captures): the array of
/// values and the array of the derivatives, `K` per element, both of `x`'s shape, in one pass
/// over `x`. The forward half of a `#[grad]` function makes `x.mapv(|v| ..)` so where the
/// gradient needs it, and its reverse half multiplies the cotangent by the derivatives kept,
/// instead of applying the closure's vector-Jacobian product to each element again.
///
/// ```
/// use autodiff_runtime::array::mapv_with_derivatives;
/// use autodiff_runtime::ndarray::array;
///
/// // v³, and its derivatives by v and by a factor 2 it was scaled by.
/// let x = array![[1.0_f64, 2.0], [-1.0, 0.5]];
/// let (y, d) = mapv_with_derivatives(&x, |v| (2.0 * v * v * v, [6.0 * v * v, v * v * v]));
/// assert_eq!(y, array![[2.0, 16.0], [-2.0, 0.25]]);
/// assert_eq!(d[[0, 1]], [24.0, 8.0]);
/// assert_eq!(d[[1, 1]], [1.5, 0.125]);
/// ```
pub fn mapv_with_derivatives<A, S, D, F, const K: usize>(
    x: &ArrayBase<S, D>,
    mut f: F,
) -> (Array<A, D>, Array<[A; K], D>)
where
    A: Float,
    S: Data<Elem = A>,
    D: Dimension,
    F: FnMut(A) -> (A, [A; K]),
{
    let mut derivatives = Array::uninit(x.raw_dim());
    let values = ndarray::Zip::from(&mut derivatives)
        .and(x)
        .map_collect(|derivative, &element| {
            let (value, parts) = f(element);
            derivative.write(parts);
            value
        });
    // SAFETY: the `Zip` visited every element of `derivatives` (it has `x`'s shape) and wrote
    // it. Had `f` panicked, the array would have been dropped uninitialised, which is sound.
    (values, unsafe { derivatives.assume_init() })
}

/// Pullback of `a.pow2()` (each element squared) with respect to `a`: `2·a·bar`.
///
/// ```
/// use autodiff_runtime::array::pow2_pullback;
/// use autodiff_runtime::ndarray::array;
/// assert_eq!(pow2_pullback(&array![1.0_f64, -2.0], array![1.0, 0.5]), array![2.0, -2.0]);
/// ```
pub fn pow2_pullback<A, S, D>(a: &ArrayBase<S, D>, mut bar: Array<A, D>) -> Array<A, D>
where
    A: Float,
    S: Data<Elem = A>,
    D: Dimension,
{
    let two = A::one() + A::one();
    bar.zip_mut_with(a, |b, &x| *b = two * x * *b);
    bar
}

/// Pullback of `a.var(ddof)`, the variance `Σ(a − mean)² / (n − ddof)`: the cotangents of `a`,
/// `2(a − mean)/(n − ddof)·bar`, and of `ddof`, `var/(n − ddof)·bar`.
///
/// ```
/// use autodiff_runtime::array::var_pullback;
/// use autodiff_runtime::ndarray::array;
/// let a = array![1.0_f64, 3.0];
/// // mean 2, var (ddof 0) 1.
/// assert_eq!(var_pullback(&a, 0.0, 1.0, 1.0), (array![-1.0, 1.0], 0.5));
/// ```
pub fn var_pullback<A, S, D>(a: &ArrayBase<S, D>, ddof: A, var: A, bar: A) -> (Array<A, D>, A)
where
    A: Float,
    S: Data<Elem = A>,
    D: Dimension,
{
    let n = A::from(a.len()).expect("an element count is a float");
    let mean = a.sum() / n;
    let scale = (A::one() + A::one()) * bar / (n - ddof);
    (a.mapv(|x| scale * (x - mean)), var / (n - ddof) * bar)
}

/// Pullback of `a.std(ddof)`, the square root of [`var`](ArrayBase::var): the variance's
/// pullback with `bar / (2·std)`.
///
/// ```
/// use autodiff_runtime::array::std_pullback;
/// use autodiff_runtime::ndarray::array;
/// let a = array![1.0_f64, 3.0];
/// // std (ddof 0) 1: ∂a = (a − mean)/(n·std).
/// assert_eq!(std_pullback(&a, 0.0, 1.0, 1.0), (array![-0.5, 0.5], 0.25));
/// ```
pub fn std_pullback<A, S, D>(a: &ArrayBase<S, D>, ddof: A, std: A, bar: A) -> (Array<A, D>, A)
where
    A: Float,
    S: Data<Elem = A>,
    D: Dimension,
{
    let two = A::one() + A::one();
    var_pullback(a, ddof, std * std, bar / (two * std))
}

/// Pullback of `a.var_axis(axis, ddof)`: per lane along `axis`, the variance's pullback; the
/// cotangent of `ddof` summed over the lanes.
///
/// ```
/// use autodiff_runtime::array::var_axis_pullback;
/// use autodiff_runtime::ndarray::{array, Axis};
/// let a = array![[1.0_f64, 3.0], [2.0, 2.0]];
/// let var = array![1.0, 0.0];
/// let (bar_a, bar_ddof) = var_axis_pullback(&a, Axis(1), 0.0, &var, array![1.0, 1.0]);
/// assert_eq!(bar_a, array![[-1.0, 1.0], [0.0, 0.0]]);
/// assert_eq!(bar_ddof, 0.5);
/// ```
pub fn var_axis_pullback<A, S, D>(
    a: &ArrayBase<S, D>,
    axis: Axis,
    ddof: A,
    var: &Array<A, D::Smaller>,
    bar: Array<A, D::Smaller>,
) -> (Array<A, D>, A)
where
    A: Float,
    S: Data<Elem = A>,
    D: Dimension + RemoveAxis,
{
    let n = A::from(a.len_of(axis)).expect("an axis length is a float");
    let two = A::one() + A::one();
    let mut bar_a = Array::zeros(a.raw_dim());
    ndarray::Zip::from(bar_a.lanes_mut(axis))
        .and(a.lanes(axis))
        .and(&bar)
        .for_each(|mut out, lane, &b| {
            let mean = lane.sum() / n;
            let scale = two * b / (n - ddof);
            ndarray::Zip::from(&mut out)
                .and(&lane)
                .for_each(|o, &x| *o = scale * (x - mean));
        });
    let bar_ddof = ndarray::Zip::from(var)
        .and(&bar)
        .fold(A::zero(), |acc, &v, &b| acc + v / (n - ddof) * b);
    (bar_a, bar_ddof)
}

/// Pullback of `a.std_axis(axis, ddof)`: [`var_axis_pullback`] with `bar / (2·std)` per lane.
///
/// ```
/// use autodiff_runtime::array::std_axis_pullback;
/// use autodiff_runtime::ndarray::{array, Axis};
/// let a = array![[1.0_f64, 3.0]];
/// let (bar_a, _) = std_axis_pullback(&a, Axis(1), 0.0, &array![1.0], array![1.0]);
/// assert_eq!(bar_a, array![[-0.5, 0.5]]);
/// ```
pub fn std_axis_pullback<A, S, D>(
    a: &ArrayBase<S, D>,
    axis: Axis,
    ddof: A,
    std: &Array<A, D::Smaller>,
    bar: Array<A, D::Smaller>,
) -> (Array<A, D>, A)
where
    A: Float,
    S: Data<Elem = A>,
    D: Dimension + RemoveAxis,
{
    let two = A::one() + A::one();
    let var = std.mapv(|s| s * s);
    let bar = ndarray::Zip::from(&bar)
        .and(std)
        .map_collect(|&b, &s| b / (two * s));
    var_axis_pullback(a, axis, ddof, &var, bar)
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
        if !self.is_standard_layout() {
            return self.t().dot(bar);
        }
        // `selfᵀ · bar` as `Σ_i bar_i · row_i`: a row-major matrix read row by row, where
        // `self.t().dot(bar)` would read it a column at a time (without BLAS, ndarray's
        // matrix–vector product follows the transposed view's strides).
        let mut out = Array1::zeros(self.ncols());
        for (row, &b) in self.rows().into_iter().zip(bar) {
            out.scaled_add(b, &row);
        }
        out
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

/// `lhs.dot(rhs)`'s cotangent with respect to `lhs`. The cotangent `bar` is borrowed (`&bar`)
/// when [`dot_pullback_rhs`] still reads it, or moved in (and dropped here) by the last of the two.
///
/// ```
/// use autodiff_runtime::array::dot_pullback_lhs;
/// use autodiff_runtime::ndarray::array;
/// let (a, b) = (array![[1.0_f64, 2.0]], array![[3.0], [4.0]]);
/// assert_eq!(dot_pullback_lhs(&a, &b, &array![[1.0]]), array![[3.0, 4.0]]);
/// assert_eq!(dot_pullback_lhs(&a, &b, array![[1.0]]), array![[3.0, 4.0]]);
/// ```
#[inline]
pub fn dot_pullback_lhs<L, R, B>(lhs: &L, rhs: &R, bar: B) -> L::LhsBar
where
    L: DotPullback<R>,
    B: Borrow<L::Output>,
{
    lhs.dot_pullback_lhs(rhs, bar.borrow())
}

/// `lhs.dot(rhs)`'s cotangent with respect to `rhs`; `bar` as for [`dot_pullback_lhs`].
///
/// ```
/// use autodiff_runtime::array::dot_pullback_rhs;
/// use autodiff_runtime::ndarray::array;
/// let (a, b) = (array![[1.0_f64, 2.0]], array![[3.0], [4.0]]);
/// assert_eq!(dot_pullback_rhs(&a, &b, &array![[1.0]]), array![[1.0], [2.0]]);
/// ```
#[inline]
pub fn dot_pullback_rhs<L, R, B>(lhs: &L, rhs: &R, bar: B) -> L::RhsBar
where
    L: DotPullback<R>,
    B: Borrow<L::Output>,
{
    lhs.dot_pullback_rhs(rhs, bar.borrow())
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

/// The shape an operand's cotangent is reduced to, by the pullbacks of the broadcasting
/// operations: an array operand's `raw_dim()` ([`unbroadcast`]), or `()` for a float operand
/// that the operation broadcast over the whole array (its cotangent is the sum).
pub trait Shape<A> {
    /// The operand's cotangent: an array of this shape, or a float for `()`.
    type Cotangent;
    /// `bar`, at the result's shape, reduced to this shape; it moves through where no reduction
    /// is needed.
    fn reduce<D: Dimension>(&self, bar: Array<A, D>) -> Self::Cotangent;
    /// The same of a borrowed `bar` (which a later pullback still reads): copies only where no
    /// reduction is needed ([`unbroadcast_ref`]).
    fn reduce_ref<D: Dimension>(&self, bar: &Array<A, D>) -> Self::Cotangent;
}

macro_rules! array_shapes {
    ($($dim:ty),*) => {$(
        impl<A: Float> Shape<A> for $dim {
            type Cotangent = Array<A, $dim>;
            #[inline]
            fn reduce<D: Dimension>(&self, bar: Array<A, D>) -> Array<A, $dim> {
                unbroadcast(bar, self)
            }
            #[inline]
            fn reduce_ref<D: Dimension>(&self, bar: &Array<A, D>) -> Array<A, $dim> {
                unbroadcast_ref(bar, self)
            }
        }
    )*};
}

array_shapes!(Ix0, Ix1, Ix2, Ix3, Ix4, Ix5, Ix6, IxDyn);

impl<A: Float> Shape<A> for () {
    type Cotangent = A;
    #[inline]
    fn reduce<D: Dimension>(&self, bar: Array<A, D>) -> A {
        bar.sum()
    }
    #[inline]
    fn reduce_ref<D: Dimension>(&self, bar: &Array<A, D>) -> A {
        bar.sum()
    }
}

/// The output cotangent as one of several per-operand pullbacks of an operation receives it:
/// borrowed (`&bar`) while a later one still reads it, moved (`bar`) into the last, which can
/// then reuse its buffer.
pub trait Cotangent<A> {
    /// The cotangent reduced to `shape` ([`Shape::reduce`] or [`Shape::reduce_ref`]).
    fn reduce_to<S: Shape<A>>(self, shape: &S) -> S::Cotangent;
}

impl<A, D: Dimension> Cotangent<A> for Array<A, D> {
    #[inline]
    fn reduce_to<S: Shape<A>>(self, shape: &S) -> S::Cotangent {
        shape.reduce(self)
    }
}

impl<A, D: Dimension> Cotangent<A> for &Array<A, D> {
    #[inline]
    fn reduce_to<S: Shape<A>>(self, shape: &S) -> S::Cotangent {
        shape.reduce_ref(self)
    }
}

/// An operand of a broadcasting operation as a pullback reads its value: an array by reference
/// or a float, told apart by the marker `K` ([`OfArray`], [`OfFloat`]), which the call infers.
pub trait Operand<A, K> {
    /// Its shape, for [`Shape::reduce`].
    type Shape: Shape<A>;
    /// Its shape: `raw_dim()` for an array, `()` for a float.
    fn shape(&self) -> Self::Shape;
}

/// [`Operand`]'s marker for an array.
pub enum OfArray {}

/// [`Operand`]'s marker for a float.
pub enum OfFloat {}

impl<A, S, E> Operand<A, OfArray> for &ArrayBase<S, E>
where
    S: Data<Elem = A>,
    E: Dimension + Shape<A>,
{
    type Shape = E;
    #[inline]
    fn shape(&self) -> E {
        self.raw_dim()
    }
}

impl<A: Float> Operand<A, OfFloat> for A {
    type Shape = ();
    #[inline]
    fn shape(&self) {}
}

/// Pullback of `a + b` (see [`add`]) with respect to `a`, from `a`'s shape ([`Shape`]): the
/// cotangent reduced over the axes broadcasting added or stretched.
///
/// Like every pullback of the four operations, it takes what it reads of the operands (a
/// shape, a value), then the cotangent, owned or borrowed ([`Cotangent`]); an operand is an array
/// or a float ([`Operand`], [`Shape`] of `()`).
///
/// ```
/// use autodiff_runtime::array::add_pullback_lhs;
/// use autodiff_runtime::ndarray::{array, Ix1};
/// let bar = array![[1.0_f64, 2.0], [3.0, 4.0]];
/// // `a` was a row broadcast over two rows; `()` for a float operand.
/// assert_eq!(add_pullback_lhs(&Ix1(2), &bar), array![4.0, 6.0]);
/// assert_eq!(add_pullback_lhs(&(), bar), 10.0);
/// ```
#[inline]
pub fn add_pullback_lhs<A, S, B>(a_shape: &S, bar: B) -> S::Cotangent
where
    S: Shape<A>,
    B: Cotangent<A>,
{
    bar.reduce_to(a_shape)
}

/// Pullback of `a + b` with respect to `b`, from `b`'s shape.
///
/// ```
/// use autodiff_runtime::array::add_pullback_rhs;
/// use autodiff_runtime::ndarray::{array, Ix2};
/// assert_eq!(add_pullback_rhs(&Ix2(1, 2), array![[1.0_f64, 2.0]]), array![[1.0, 2.0]]);
/// ```
#[inline]
pub fn add_pullback_rhs<A, S, B>(b_shape: &S, bar: B) -> S::Cotangent
where
    S: Shape<A>,
    B: Cotangent<A>,
{
    bar.reduce_to(b_shape)
}

/// Pullback of `a - b` with respect to `a`, from `a`'s shape: as [`add_pullback_lhs`].
///
/// ```
/// use autodiff_runtime::array::sub_pullback_lhs;
/// use autodiff_runtime::ndarray::{array, Ix1};
/// assert_eq!(sub_pullback_lhs(&Ix1(2), array![1.0_f64, 2.0]), array![1.0, 2.0]);
/// ```
#[inline]
pub fn sub_pullback_lhs<A, S, B>(a_shape: &S, bar: B) -> S::Cotangent
where
    S: Shape<A>,
    B: Cotangent<A>,
{
    bar.reduce_to(a_shape)
}

/// Pullback of `a - b` with respect to `b`, from `b`'s shape: `−bar`, reduced.
///
/// ```
/// use autodiff_runtime::array::sub_pullback_rhs;
/// use autodiff_runtime::ndarray::{array, Ix1};
/// assert_eq!(sub_pullback_rhs(&Ix1(2), array![1.0_f64, 2.0]), array![-1.0, -2.0]);
/// ```
#[inline]
pub fn sub_pullback_rhs<A, S, B, D>(b_shape: &S, bar: B) -> S::Cotangent
where
    S: Shape<A>,
    B: Neg<Output = Array<A, D>>,
    D: Dimension,
{
    b_shape.reduce(-bar)
}

/// Pullback of `a * b` with respect to `a`, from `a`'s shape and `b`: `bar · b`, reduced.
///
/// ```
/// use autodiff_runtime::array::mul_pullback_lhs;
/// use autodiff_runtime::ndarray::{array, Ix1};
/// let b = array![[1.0_f64, 2.0], [3.0, 4.0]];
/// assert_eq!(mul_pullback_lhs(&Ix1(2), &b, array![[1.0, 1.0], [1.0, 1.0]]), array![4.0, 6.0]);
/// assert_eq!(mul_pullback_lhs(&(), &b, array![[1.0, 1.0], [1.0, 1.0]]), 10.0);
/// ```
#[inline]
pub fn mul_pullback_lhs<A, S, O, B, D>(a_shape: &S, b: O, bar: B) -> S::Cotangent
where
    S: Shape<A>,
    B: Mul<O, Output = Array<A, D>>,
    D: Dimension,
{
    a_shape.reduce(bar * b)
}

/// Pullback of `a * b` with respect to `b`, from `a` and `b`'s shape: `bar · a`, reduced.
///
/// ```
/// use autodiff_runtime::array::mul_pullback_rhs;
/// use autodiff_runtime::ndarray::{array, Ix1};
/// assert_eq!(mul_pullback_rhs(2.0_f64, &Ix1(2), array![1.0, 3.0]), array![2.0, 6.0]);
/// ```
#[inline]
pub fn mul_pullback_rhs<A, S, O, B, D>(a: O, b_shape: &S, bar: B) -> S::Cotangent
where
    S: Shape<A>,
    B: Mul<O, Output = Array<A, D>>,
    D: Dimension,
{
    b_shape.reduce(bar * a)
}

/// Pullback of `a / b` with respect to `a`, from `a`'s shape and `b`: `bar / b`, reduced.
///
/// ```
/// use autodiff_runtime::array::div_pullback_lhs;
/// use autodiff_runtime::ndarray::{array, Ix1};
/// assert_eq!(div_pullback_lhs(&Ix1(2), 2.0_f64, array![1.0, 3.0]), array![0.5, 1.5]);
/// ```
#[inline]
pub fn div_pullback_lhs<A, S, O, B, D>(a_shape: &S, b: O, bar: B) -> S::Cotangent
where
    S: Shape<A>,
    B: Div<O, Output = Array<A, D>>,
    D: Dimension,
{
    a_shape.reduce(bar / b)
}

/// Pullback of `r = a / b` with respect to `b`, from `b` and the result `r`: `−bar · r / b`,
/// reduced to `b`'s shape.
///
/// ```
/// use autodiff_runtime::array::div_pullback_rhs;
/// use autodiff_runtime::ndarray::array;
/// let (a, b) = (array![1.0_f64, 3.0], array![2.0, 4.0]);
/// let r = &a / &b;
/// assert_eq!(div_pullback_rhs(&b, &r, array![1.0, 1.0]), array![-0.25, -0.1875]);
/// // A float divisor broadcast over the array: the sum.
/// assert_eq!(div_pullback_rhs(2.0, &(&a / 2.0), array![1.0, 1.0]), -1.0);
/// ```
#[inline]
pub fn div_pullback_rhs<'r, A, K, O, B, D, E, F>(
    b: O,
    r: &'r Array<A, D>,
    bar: B,
) -> <O::Shape as Shape<A>>::Cotangent
where
    A: Float,
    O: Operand<A, K>,
    B: Mul<&'r Array<A, D>, Output = Array<A, E>>,
    Array<A, E>: Div<O, Output = Array<A, F>>,
    D: Dimension,
    E: Dimension,
    F: Dimension,
{
    let b_shape = b.shape();
    b_shape.reduce(-(bar * r / b))
}
