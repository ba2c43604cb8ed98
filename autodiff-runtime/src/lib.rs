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
//! float methods and the scalar functions (`scalar::erf`), with their conventions at nonsmooth
//! points and at NaN and ±∞, are in [`scalar`]; empty arrays and non-finite logits in [`nn`].

/// Differentiates a function: emits its gradient beside it, at compile time.
///
/// `#[grad]` keeps the function exactly as written and adds, with the same visibility and
/// generics:
///
/// | emitted | returns |
/// | --- | --- |
/// | `f_grad(x, y)` | `(value, ∂f/∂x, ∂f/∂y)`, for a float output |
/// | `f_vjp(x, y, bar_out)` | `(value, bar_x, bar_y)`: the vector-Jacobian product with `bar_out` |
/// | `f_fwd(x, y)` | `(value, FResiduals)`: the forward half |
/// | `f_bwd(residuals, bar_out)` | `(bar_x, bar_y)`: the reverse half, consuming the residuals |
///
/// With one differentiated parameter the gradient is not wrapped in a tuple: `f_grad` returns
/// `(value, grad)`. `f_grad` exists for float outputs; a function returning an array or a tuple
/// of outputs has `f_vjp`, taking a cotangent of the same shape (an ndarray output's by
/// reference).
///
/// ```
/// use autodiff_runtime::grad;
///
/// #[grad]
/// pub fn f(x: f64, y: f64) -> f64 {
///     let a = x * y;
///     let b = a.sin();
///     a + b
/// }
///
/// let (l, dx, dy) = f_grad(2.0, 3.0);
/// let (_, dx_half, _) = f_vjp(2.0, 3.0, 0.5);
/// assert_eq!(dx_half, 0.5 * dx);
///
/// // The two halves, for callers that decide between them whether to run the reverse sweep.
/// let (value, residuals) = f_fwd(2.0, 3.0);
/// let (bx, by) = f_bwd(residuals, 1.0);
/// assert_eq!((value, bx, by), (l, dx, dy));
/// ```
///
/// # Which parameters get a gradient
///
/// Parameters of type `f32`, `f64`, a generic type parameter, `[f64; N]`, `&[f64; N]`,
/// `&[f64]` or `Vec<f64>`, ndarray arrays, and tuples of floats and fixed-size arrays (nested
/// too, or behind a reference: `(f64, [f64; 3])`, `&((f64, f64), f64)`) are differentiated;
/// integers, `bool` and the like are constants. A gradient has the owned type of its parameter
/// (`&[f64]` gives `Vec<f64>`, `&(f64, f64)` gives `(f64, f64)`): a tuple's is a tuple of the
/// same shape. The body reads a tuple by field (`p.0`, `p.1[2]`) or takes it apart with `let`
/// (`let (k, v) = p;`), and may pass it on to another `#[grad]` function whole.
///
/// ```
/// use autodiff_runtime::grad;
///
/// #[grad]
/// fn spring(p: (f64, [f64; 2]), x: f64) -> f64 {
///     let (k, rest) = p;
///     let stretch = x - rest[0];
///     0.5 * k * stretch * stretch + p.1[1] * x
/// }
///
/// let (_, bar_p, bar_x) = spring_grad((2.0, [1.0, 0.5]), 3.0);
/// // ∂k = stretch²/2, ∂rest[0] = −k·stretch, ∂rest[1] = x; ∂x = k·stretch + rest[1].
/// assert_eq!(bar_p, (2.0, [-4.0, 3.0]));
/// assert_eq!(bar_x, 4.5);
/// ```
///
/// Inside a tuple, arrays of other kinds (`Vec`, slices, ndarray arrays), references and
/// integers are compile errors that say to pass them as parameters of their own. `wrt` narrows
/// the set:
///
/// ```
/// use autodiff_runtime::grad;
///
/// #[grad(wrt(cam))]
/// fn project(cam: &[f64; 3], point: [f64; 2], i: usize) -> [f64; 2] {
///     let u = cam[0] * point[0] + cam[i];
///     [u, cam[2] * point[1]]
/// }
///
/// // An array output takes its cotangent as an array; the only gradient is `cam`'s.
/// let (value, bar_cam) = project_vjp(&[1.0, 2.0, 3.0], [0.5, 0.25], 1, [1.0, 0.0]);
/// assert_eq!(value, [2.5, 0.75]);
/// assert_eq!(bar_cam, [0.5, 1.0, 0.0]);
/// ```
///
/// # Calls between `#[grad]` functions
///
/// A `#[grad]` function may call another one (or a [`custom_vjp`] function) by name or path;
/// the gradient flows through the call. By default the caller runs the callee's forward half
/// and keeps its residuals, so no forward work is repeated. `#[grad(checkpoint)]` on the callee
/// trades that memory for time: callers keep only its arguments and run its forward half again
/// in the reverse sweep (one more forward of the callee, no stored intermediates).
///
/// ```
/// use autodiff_runtime::grad;
///
/// #[grad(checkpoint)]
/// fn norm2(v: &[f64; 2]) -> f64 {
///     v[0] * v[0] + v[1] * v[1]
/// }
///
/// #[grad]
/// fn energy(v: &[f64; 2], k: f64) -> f64 {
///     k * norm2(v)
/// }
///
/// let (_, bar_v, bar_k) = energy_grad(&[3.0, 4.0], 0.5);
/// assert_eq!((bar_v, bar_k), ([3.0, 4.0], 25.0));
/// ```
///
/// `wrt` on a callee chooses what its own `_grad` returns, not what flows through a call: a
/// caller differentiates through every float argument (the attribute writes hidden halves for
/// that), so the caller's gradient is the true one. Where such halves cannot be written (a
/// left-out parameter used without a derivative, as in `n as i32`, or a callee that itself
/// calls `#[grad]` functions), passing a differentiated value to a left-out parameter is a type
/// error, never a silently zero gradient.
///
/// ```
/// use autodiff_runtime::grad;
///
/// #[grad(wrt(x))]
/// fn scale(x: f64, s: f64) -> f64 {
///     x * s * s
/// }
///
/// #[grad]
/// fn caller(x: f64, s: f64) -> f64 {
///     scale(x, s)
/// }
///
/// assert_eq!(scale_grad(3.0, 2.0), (12.0, 4.0)); // ∂x only
/// assert_eq!(caller_grad(3.0, 2.0), (12.0, 4.0, 12.0)); // ∂s = 2xs through the call
/// ```
///
/// Callees take and return floats, fixed-size arrays and ndarray arrays. The attribute cannot see
/// a callee's signature, so the type of an array a call returns is written on its `let`:
///
/// ```
/// use autodiff_runtime::{grad, nn, ndarray::{array, Array1, Array2}};
///
/// #[grad]
/// fn affine(x: &Array2<f64>, w: &Array2<f64>, b: &Array1<f64>) -> Array2<f64> {
///     x.dot(w) + b
/// }
///
/// #[grad]
/// fn loss(x: &Array2<f64>, w: &Array2<f64>, b: &Array1<f64>) -> f64 {
///     let y: Array2<f64> = affine(x, w, b);
///     nn::mean(&(&y * &y))
/// }
///
/// let (l, _bar_x, bar_w, bar_b) = loss_grad(&array![[1.0, 2.0]], &array![[0.5], [0.25]], &array![0.0]);
/// // y = 1: l = y², ∂w = 2y·xᵀ, ∂b = 2y.
/// assert_eq!((l, bar_w, bar_b), (1.0, array![[2.0], [4.0]], array![2.0]));
/// ```
///
/// An array the caller makes and passes by reference (`g(&b)`) cannot be borrowed by residuals
/// that outlive the forward half: there the reverse half runs the callee's forward again on the
/// kept argument. A callee may be generic over its float type alone (`fn f<T: Float>(..)`, called
/// from `f64` and `f32` code alike). A call to a function with neither attribute, on values
/// that depend on the differentiated parameters, does not compile; the error is at the call,
/// names the function and says to mark it `#[grad]` or give it a pullback with `#[custom_vjp]`
/// (a call whose arguments are all constants may call any function):
///
/// ```compile_fail,E0277
/// use autodiff_runtime::grad;
///
/// fn helper(x: f64) -> f64 {
///     x * x
/// }
///
/// #[grad]
/// fn f(x: f64) -> f64 {
///     helper(x) + 1.0 // error: `helper` cannot be differentiated: it is marked neither ...
/// }
/// ```
///
/// # What the body may contain
///
/// Straight-line code: `let` bindings (with shadowing, tuple patterns such as
/// `let (c, s) = (t.cos(), t.sin());`, and `let mut` reassignment with `=`, `+=`, `-=`, `*=`,
/// `/=`), `+ - * /`, unary `-`, literals, constants and paths (`std::f64::consts::PI`), the float
/// methods
#[doc = autodiff_macros::__primitive_table!(float_method)]
/// (also as `f64::sin(x)`), the functions of floats of [`scalar`]
#[doc = autodiff_macros::__primitive_table!(scalar_function)]
/// (`scalar::erf(x)`), indexing of arrays and slices by an integer literal or an integer
/// parameter, array literals, tuples and their fields (`p.0`, `let (a, (b, c)) = p;`), `as`
/// casts of constants, and a tail expression or a final
/// `return`. On ndarray arrays: broadcasting arithmetic, the methods
#[doc = autodiff_macros::__primitive_table!(array_method)]
/// and the functions of [`nn`]
#[doc = autodiff_macros::__primitive_table!(nn_function)]
/// (`nn::relu(&a)`). These lists are the macro's table of primitives. A call whose path ends in
/// `nn::name` or `scalar::name` is the runtime's function of that name (a module of your own
/// called `nn` or `scalar` is not reached that way), and a name the table does not have is an
/// error naming the nearest names it has (`sin` and `sinh` for `x.sine()`, `mean` and
/// `nn::mean` for `a.means()`), or listing them all where none is near.
///
/// # ndarray as its users write it
///
/// ndarray's own API works on arrays: the float methods ndarray has elementwise (`x.exp()`,
/// `x.ln()`, `x.powf(p)`, `x.clamp(lo, hi)`, …, each differentiated by the float method's rule
/// per element), `mapv` (also `map`, `mapv_into`, `mapv_inplace`) with a closure of the
/// element, a float method's path (`x.mapv(f64::tanh)`), a `#[grad]` function or a closure
/// bound by `let` (the closure's body is differentiated as a scalar function of its own, with
/// the floats it captures; the forward applies it per element in one pass that also keeps its
/// derivatives, one array of them, 8 bytes an element per differentiated input, which the
/// reverse multiplies the cotangent by: no tape, no boxed closure, no second run of the closure),
/// `mean()`/`mean_axis(..)`/`into_shape_with_order(..)`/`concatenate`/`stack` with the
/// `.unwrap()` or `.expect(..)` ndarray requires, `slice(s![..])`, `row`, `column`,
/// `insert_axis`, `reversed_axes`, `view`, `to_owned`, `dim`/`shape`/`len`, element reads
/// `m[[i, j]]`, `Array::zeros`/`ones`/`from_elem`, `array![..]` of differentiated scalars,
/// iterator sums (`x.iter().map(|v| v * v).sum::<f64>()`, with `zip`), and a local `Vec`
/// built with `push`.
///
/// ```
/// use autodiff_runtime::grad;
/// use autodiff_runtime::ndarray::{array, Array1, Array2};
///
/// #[grad(wrt(w, b))]
/// fn logistic(x: &Array2<f64>, y: &Array1<f64>, w: &Array1<f64>, b: f64) -> f64 {
///     let p = (x.dot(w) + b).mapv(|z| 1.0 / (1.0 + (-z).exp()));
///     -(y * &p.ln() + (1.0 - y) * &(1.0 - &p).ln()).mean().unwrap()
/// }
///
/// let x = array![[1.0, 0.0], [0.0, 1.0]];
/// let y = array![1.0, 0.0];
/// let (loss, bar_w, bar_b) = logistic_grad(&x, &y, &array![0.0, 0.0], 0.0);
/// // p = 1/2 everywhere: the loss is ln 2, ∂w = xᵀ(p − y)/2, ∂b = mean(p − y) = 0.
/// assert!((loss - 2f64.ln()).abs() < 1e-15);
/// assert_eq!(bar_w, array![-0.25, 0.25]);
/// assert_eq!(bar_b, 0.0);
/// ```
///
/// ```
/// use autodiff_runtime::{grad, nn, scalar, ndarray::{array, Array1}};
///
/// #[grad]
/// fn f(x: f64, a: &Array1<f64>) -> f64 {
///     scalar::erf(x) * nn::gelu(a).sum()
/// }
///
/// let (value, dx, bar_a) = f_grad(0.0, &array![1.0, 2.0]);
/// // erf 0 = 0, erf′(0) = 2/√π.
/// assert_eq!(value, 0.0);
/// assert_eq!(dx, std::f64::consts::FRAC_2_SQRT_PI * nn::gelu(&array![1.0, 2.0]).sum());
/// assert_eq!(bar_a, array![0.0, 0.0]);
/// ```
///
/// # Loops and branches
///
/// `if` / `else if` / `else`, as a statement (also without `else`) or an expression, with
/// conditions made of comparisons, `&&`, `||`, `!` and `bool` values; `match` on integers,
/// `bool`s and field-less enums; `for` loops over integer ranges (`a..b`, `a..=b`,
/// `(a..b).rev()`, `(a..b).step_by(k)`) and over the elements of arrays, slices, `Vec`s and
/// one-axis ndarray arrays (`enumerate`, `zip`); `while` and `loop`; `break` (with a value),
/// `continue` and `return` anywhere, labelled too. Bodies may assign variables of the function
/// (`s += ..`) and elements of local arrays. The gradient is that of the path that ran: a
/// condition or a trip count has no derivative, and the arm that did not run is never
/// evaluated, in either sweep. The forward sweep keeps one record per iteration (a struct
/// holding only what that iteration's adjoint reads) and one per `if` (an enum, a variant an
/// arm); the reverse sweep walks the records backwards, recomputing the loop index.
///
/// ```
/// use autodiff_runtime::grad;
///
/// #[grad]
/// fn huber(r: &[f64], delta: f64) -> f64 {
///     let mut total = 0.0;
///     for i in 0..r.len() {
///         let v = r[i];
///         total += if v.abs() <= delta { 0.5 * v * v } else { delta * (v.abs() - 0.5 * delta) };
///     }
///     total
/// }
///
/// let (_, bar_r, bar_delta) = huber_grad(&[0.5, -3.0], 1.0);
/// // Inside the band the residual itself; outside, ±delta, and ∂/∂delta = |v| - delta.
/// assert_eq!((bar_r, bar_delta), (vec![0.5, -1.0], 2.0));
/// ```
///
/// Anything else (macros other than `array!`, `vec!`, `s!`, `concatenate!` and `stack!`, calls
/// to functions marked neither `#[grad]` nor `#[custom_vjp]` on differentiated values, items in
/// the body, …) is a compile error under the offending tokens that says what to write instead.
///
/// ```compile_fail
/// use autodiff_runtime::grad;
///
/// #[grad]
/// fn square(x: f64) -> f64 {
///     println!("{x}"); // error: macros are not supported in the body of a #[grad] function
///     x * x
/// }
/// ```
///
/// # Checkpointing a loop
///
/// By default a loop's records are all kept until the reverse sweep. An attribute on a `for`,
/// `while` or `loop` statement trades that memory for recomputation, with the same gradient to
/// the last bit:
///
/// | written on the loop | the forward sweep keeps | extra work |
/// | --- | --- | --- |
/// | `#[checkpoint]` | the loop-carried variables at each iteration | one more forward of each iteration |
/// | `#[checkpoint(every = k)]` | the carried variables every `k` iterations, and one segment's records at a time in the reverse sweep | one more forward of the loop |
/// | `#[checkpoint(snapshots = s)]` | at most `s` snapshots of the carried variables, on the binomial (revolve) schedule, and one iteration's records | r·n − C(s + r, s + 1) steps again (r the least with C(s + r, s) ≥ n), the fewest for `s` snapshots; `for` loops only |
///
/// The schedules are [`checkpoint::Periodic`] and [`checkpoint::Revolve`]. A checkpointed body
/// may only assign loop-carried variables and its own locals (what an iteration writes that
/// outlives it is carried, and kept), so running it again gives the same values. Nested loops
/// may be checkpointed too, each with its own attribute.
///
/// ```
/// use autodiff_runtime::grad;
///
/// #[grad]
/// fn simulate(x0: &[f64; 2], k: f64, steps: usize) -> f64 {
///     let mut x = *x0;
///     #[checkpoint(snapshots = 4)]
///     for _ in 0..steps {
///         let v = x[1];
///         x[1] = v - 0.01 * k * x[0].sin();
///         x[0] += 0.01 * v;
///     }
///     x[0] * x[0] + x[1] * x[1]
/// }
///
/// #[grad]
/// fn simulate_store_all(x0: &[f64; 2], k: f64, steps: usize) -> f64 {
///     let mut x = *x0;
///     for _ in 0..steps {
///         let v = x[1];
///         x[1] = v - 0.01 * k * x[0].sin();
///         x[0] += 0.01 * v;
///     }
///     x[0] * x[0] + x[1] * x[1]
/// }
///
/// assert_eq!(simulate_grad(&[0.3, 0.0], 2.0, 500), simulate_store_all_grad(&[0.3, 0.0], 2.0, 500));
/// ```
///
/// # Nonsmooth points
///
/// `abs` and `signum` have the subgradient 0 at 0; `max` and `min` send the whole cotangent to
/// their first argument on a tie; each pullback in [`scalar`] documents its convention.
///
/// # The generated code
///
/// `cargo expand` shows a forward sweep in SSA form keeping your variable names (a rebound name
/// gets a suffix: `a_1`), then the reverse sweep over the same statements backwards, where each
/// statement adds its vector-Jacobian product into cotangents named `bar_<name>`; temporaries are
/// `t1, t2, …`. No generated name equals one you wrote in the function.
#[doc(inline)]
pub use autodiff_macros::grad;

/// Gives a function a pullback you write, so that `#[grad]` functions can call it.
///
/// The pullback receives the inputs, the output and the output cotangent, and returns the
/// cotangents of the float parameters in order (a tuple for several). It is used exactly as
/// given, also when it is deliberately not the derivative. Parameters are floats, fixed-size
/// arrays or references (`&Array2<f64>`); an ndarray output and its cotangent reach the pullback
/// by reference (`fn p(x: &Array1<f64>, y: &Array1<f64>, bar_y: &Array1<f64>) -> Array1<f64>`),
/// and the forward half keeps a copy of that output for it.
///
/// ```
/// use autodiff_runtime::{custom_vjp, grad};
///
/// #[custom_vjp(pullback = softplus_pullback)]
/// fn softplus(x: f64) -> f64 {
///     (1.0 + x.exp()).ln()
/// }
/// fn softplus_pullback(x: f64, _y: f64, bar_y: f64) -> f64 {
///     bar_y / (1.0 + (-x).exp())
/// }
///
/// // A straight-through estimator: rounds forward, passes the cotangent through backward.
/// #[custom_vjp(pullback = straight_through)]
/// fn round(x: f64) -> f64 {
///     x.round()
/// }
/// fn straight_through(_x: f64, _y: f64, bar_y: f64) -> f64 {
///     bar_y
/// }
///
/// #[grad]
/// fn f(x: f64) -> f64 {
///     softplus(x) * round(x)
/// }
///
/// let (value, dx) = f_grad(1.3);
/// let sigmoid = 1.0 / (1.0 + (-1.3_f64).exp());
/// assert_eq!(value, softplus(1.3) * 1.0);
/// assert!((dx - (sigmoid * 1.0 + softplus(1.3) * 1.0)).abs() < 1e-12);
/// ```
///
/// A `#[grad]` function that calls a function with neither attribute does not compile: the call
/// has nothing to differentiate it with, and the error there names the function.
#[doc(inline)]
pub use autodiff_macros::custom_vjp;
pub use ndarray;
pub use num_traits;
pub use num_traits::Float;

pub mod array;
pub mod check;
pub mod checkpoint;
pub mod nn;
pub mod scalar;

/// The fallback a `#[grad]` caller declares for one of its callees, seen where the callee has
/// no descriptor (it is marked neither `#[grad]` nor `#[custom_vjp]`): an uninhabited `$alias`
/// whose [`Kept`](__private::Kept) types are plain, so the caller's residuals struct stays
/// well-formed, and whose [`Differentiable`](__private::Differentiable) impl requires
/// `$requirement`, which nothing implements, so that the call fails to compile with the message
/// given, naming the callee. (The `()` impl only keeps rustc from suggesting to implement it.)
/// `#[grad]` also writes one as the descriptor of a function callers cannot differentiate
/// through (it returns a tuple, say), with a message that says why.
#[doc(hidden)]
#[macro_export]
macro_rules! __callee_without_descriptor {
    (
        $vis:vis $alias:ident,
        $requirement:ident,
        message = $message:literal,
        label = $label:literal,
        note = $note:literal $(,)?
    ) => {
        #[doc(hidden)]
        #[allow(dead_code, non_camel_case_types)]
        $vis enum $alias {}

        #[doc(hidden)]
        #[allow(dead_code, non_camel_case_types)]
        #[diagnostic::on_unimplemented(message = $message, label = $label, note = $note)]
        $vis trait $requirement<F> {
            type Missing;
        }

        #[diagnostic::do_not_recommend]
        impl<F> $requirement<F> for () {
            type Missing = ();
        }

        impl<F> $crate::__private::Kept<F> for $alias {
            type Output = [F; 0];
            type Residuals<'r> = ();
            type Owned = ();
        }

        impl<F> $crate::__private::Differentiable<F> for $alias
        where
            Self: $requirement<F>,
        {
            type Value = <Self as $requirement<F>>::Missing;
            type BarOut = <Self as $requirement<F>>::Missing;
            type Args<'r> = <Self as $requirement<F>>::Missing;
            type Cotangents = <Self as $requirement<F>>::Missing;
            fn forward(_: Self::Args<'_>) -> (Self::Value, Self::Residuals<'_>) {
                ::core::unreachable!()
            }
            fn backward(_: Self::Residuals<'_>, _: Self::BarOut) -> Self::Cotangents {
                ::core::unreachable!()
            }
        }

        impl<F> $crate::__private::Ownable<F> for $alias
        where
            Self: $requirement<F>,
        {
            fn forward_owned(_: Self::Args<'_>) -> (Self::Value, Self::Owned) {
                ::core::unreachable!()
            }
            fn backward_owned(_: Self::Owned, _: Self::BarOut) -> Self::Cotangents {
                ::core::unreachable!()
            }
        }
    };
}

/// Items the generated code names by absolute path. Not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::__callee_without_descriptor as callee_without_descriptor;
    pub use crate::{array, nn, scalar};
    pub use arrayvec::ArrayVec;
    pub use num_traits::{One, Zero};

    /// Every primitive `#[grad]` differentiates, `(name, kind)` with the kind `"float method"`
    /// (`x.sin()`), `"array method"` (`a.dot(b)`), `"nn function"` (`nn::relu(a)`) or
    /// `"scalar function"` (`scalar::erf(x)`): the rows of the macro's table
    /// (`autodiff-macros/src/primitives.rs`), for the tests and difftest to read the list from.
    pub const PRIMITIVES: &[(&str, &str)] = autodiff_macros::__primitive_table!();

    /// The names of one kind of [`PRIMITIVES`] (`"float method"`, ..).
    pub fn primitives(kind: &str) -> impl Iterator<Item = &'static str> + '_ {
        PRIMITIVES
            .iter()
            .filter(move |(_, k)| *k == kind)
            .map(|(name, _)| *name)
    }

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

    macro_rules! accumulate_tuple {
        ($(($($t:ident $i:tt),+))*) => {$(
            impl<$($t: Accumulate),+> Accumulate for ($($t,)+) {
                #[inline]
                fn accumulate(&mut self, contribution: ($($t,)+)) {
                    $(self.$i.accumulate(contribution.$i);)+
                }
            }
        )*};
    }
    accumulate_tuple!(
        (A 0)
        (A 0, B 1)
        (A 0, B 1, C 2)
        (A 0, B 1, C 2, D 3)
        (A 0, B 1, C 2, D 3, E 4)
        (A 0, B 1, C 2, D 3, E 4, G 5)
    );

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

    impl<A, D> Accumulate for ndarray::Array<A, D>
    where
        A: Copy + ::core::ops::AddAssign,
        D: ndarray::Dimension,
    {
        #[inline]
        fn accumulate(&mut self, contribution: ndarray::Array<A, D>) {
            ::std::assert!(
                self.shape() == contribution.shape(),
                "cotangent accumulation: shapes {:?} and {:?} differ",
                self.shape(),
                contribution.shape()
            );
            ndarray::Zip::from(self)
                .and(&contribution)
                .for_each(|a, &b| *a += b);
        }
    }

    /// [`Accumulate`] for cotangents whose floats are of a type parameter (`[T; 3]`,
    /// `(T, [T; 2])` in a function generic over `T: Float`), which `Accumulate` cannot serve:
    /// it is implemented for `f32` and `f64`, and an impl for every `T: Float` could not stand
    /// beside those for arrays and tuples (rustc cannot rule out that `Float` gets implemented
    /// for an array some day). `S` is the shape of `Self`, a marker rustc infers that keeps the
    /// impls apart: [`Leaf`] for a float.
    ///
    /// ```
    /// use autodiff_runtime::{Float, __private::AccumulateFloats};
    ///
    /// fn add<T: Float>(bar: &mut (T, [T; 2]), contribution: (T, [T; 2])) {
    ///     AccumulateFloats::accumulate_floats(bar, contribution);
    /// }
    ///
    /// let mut bar = (1.0, [2.0, 3.0]);
    /// add(&mut bar, (0.5, [0.25, -3.0]));
    /// assert_eq!(bar, (1.5, [2.25, 0.0]));
    /// ```
    pub trait AccumulateFloats<F, S> {
        fn accumulate_floats(&mut self, contribution: Self);
    }

    /// The shape of a float, for [`AccumulateFloats`].
    pub struct Leaf;

    impl<F: num_traits::Float> AccumulateFloats<F, Leaf> for F {
        #[inline]
        fn accumulate_floats(&mut self, contribution: F) {
            *self = *self + contribution;
        }
    }

    impl<F, S, T: AccumulateFloats<F, S>, const N: usize> AccumulateFloats<F, [S; N]> for [T; N] {
        #[inline]
        fn accumulate_floats(&mut self, contribution: [T; N]) {
            for (a, b) in self.iter_mut().zip(contribution) {
                a.accumulate_floats(b);
            }
        }
    }

    impl<F, S, T: AccumulateFloats<F, S>> AccumulateFloats<F, ::std::vec::Vec<S>>
        for ::std::vec::Vec<T>
    {
        #[inline]
        fn accumulate_floats(&mut self, contribution: ::std::vec::Vec<T>) {
            ::std::assert_eq!(
                self.len(),
                contribution.len(),
                "cotangent accumulation: lengths {} and {} differ",
                self.len(),
                contribution.len()
            );
            for (a, b) in self.iter_mut().zip(contribution) {
                a.accumulate_floats(b);
            }
        }
    }

    impl<F: num_traits::Float, D: ndarray::Dimension> AccumulateFloats<F, (Leaf, D)>
        for ndarray::Array<F, D>
    {
        #[inline]
        fn accumulate_floats(&mut self, contribution: ndarray::Array<F, D>) {
            ::std::assert!(
                self.shape() == contribution.shape(),
                "cotangent accumulation: shapes {:?} and {:?} differ",
                self.shape(),
                contribution.shape()
            );
            ndarray::Zip::from(self)
                .and(&contribution)
                .for_each(|a, &b| *a = *a + b);
        }
    }

    macro_rules! accumulate_floats_tuple {
        ($(($($t:ident $s:ident $i:tt),+))*) => {$(
            impl<F, $($s, $t: AccumulateFloats<F, $s>),+> AccumulateFloats<F, ($($s,)+)>
                for ($($t,)+)
            {
                #[inline]
                fn accumulate_floats(&mut self, contribution: ($($t,)+)) {
                    $(self.$i.accumulate_floats(contribution.$i);)+
                }
            }
        )*};
    }
    accumulate_floats_tuple!(
        (A SA 0)
        (A SA 0, B SB 1)
        (A SA 0, B SB 1, C SC 2)
        (A SA 0, B SB 1, C SC 2, D SD 3)
        (A SA 0, B SB 1, C SC 2, D SD 3, E SE 4)
        (A SA 0, B SB 1, C SC 2, D SD 3, E SE 4, G SG 5)
    );

    /// The "cotangent" a callee gives for a float parameter its `wrt` leaves out where it could
    /// not write halves differentiating it (the parameter is used without a derivative, as in
    /// `n as i32`, or the callee calls other `#[grad]` functions). A caller that passes a
    /// differentiated value to such a parameter fails to compile with this type in the error:
    /// pass a value that does not depend on the differentiated parameters, or add the parameter
    /// to the callee's `wrt`.
    #[derive(Clone, Copy, Debug)]
    pub struct NoDerivative;

    /// What a `#[grad]` function offers a caller that differentiates through it. `#[grad]`
    /// implements it for a type named after the function (an uninhabited `enum`, in the type
    /// namespace, beside the function in the value namespace). `F` is the float type the caller
    /// computes in: a function generic over its float type implements it for every `F` its
    /// bounds allow, any other for every `F` alike.
    ///
    /// A caller reaches a callee through an alias it imports, beside a fallback of the same name
    /// that stands in where the callee has no descriptor; the fallback implements [`Kept`], so
    /// the caller's residuals struct stays well-formed, and `Differentiable` only under a
    /// requirement that fails at the call with a message naming the callee.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not differentiable: it is neither a `#[grad]` function nor a \
                   `#[custom_vjp]` function",
        label = "called from a #[grad] function here",
        note = "add #[grad] to the function, or give it a pullback with #[custom_vjp(pullback = ...)]"
    )]
    pub trait Differentiable<F>: Kept<F> {
        /// The function's output as `forward` returns it: [`Kept::Output`].
        type Value;
        /// The output cotangent `f_bwd` takes.
        type BarOut;
        /// The arguments, as a tuple, borrowing for `'r`.
        type Args<'r>;
        /// One cotangent per parameter, in order: `()` for a parameter that has none.
        type Cotangents;
        /// The forward half: the output, and what `backward` needs (everything the reverse sweep
        /// reads, or for a `#[grad(checkpoint)]` function only the arguments).
        fn forward(args: Self::Args<'_>) -> (Self::Value, Self::Residuals<'_>);
        /// The reverse half, with a cotangent for every parameter.
        fn backward(residuals: Self::Residuals<'_>, bar_out: Self::BarOut) -> Self::Cotangents;
    }

    /// The halves for a caller whose arguments are all plain data (floats, fixed-size arrays,
    /// references to them), which may be its own locals: what it keeps borrows nothing
    /// ([`Kept::Owned`]). Every descriptor implements it whose parameters plain data can be
    /// passed to (floats, fixed-size arrays, slices); a caller that takes an argument for plain
    /// data where the callee wants an array fails to compile here, saying so.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` takes an ndarray array or another borrowed value, where #[grad] sees only \
                   floats and fixed-size arrays passed to it",
        label = "the arguments of this call",
        note = "write the type of each argument on its `let` (an array a #[grad] function returns: \
                `let h: Array1<f64> = layer(x);`)"
    )]
    pub trait Ownable<F>: Differentiable<F> {
        /// The forward half, keeping what borrows nothing.
        fn forward_owned(args: Self::Args<'_>) -> (Self::Value, Self::Owned);
        /// The reverse half from what [`forward_owned`](Self::forward_owned) kept.
        fn backward_owned(owned: Self::Owned, bar_out: Self::BarOut) -> Self::Cotangents;
    }

    /// The types of a function's descriptor that a caller names in its residuals struct.
    pub trait Kept<F> {
        /// The function's output.
        type Output;
        /// What the forward half keeps, borrowing the arguments for `'r`.
        type Residuals<'r>;
        /// What a caller passing only plain data keeps: the residuals themselves where they
        /// borrow nothing (parameters of plain data are kept as copies), and where they would
        /// borrow (a slice parameter, given a caller's fixed-size array), copies of the
        /// arguments, from which [`Ownable::backward_owned`] runs the forward half again (`()`
        /// where the function takes arguments plain data cannot be passed to).
        type Owned;
    }

    /// A callee's cotangent for an argument its caller passed as a fixed-size array `[T; N]`:
    /// the array itself, or, where the callee took the argument as a slice, the `Vec` it
    /// returns, of the same length.
    pub trait ArrayCotangent<T, const N: usize> {
        fn into_array(self) -> [T; N];
    }

    impl<T, const N: usize> ArrayCotangent<T, N> for [T; N] {
        #[inline(always)]
        fn into_array(self) -> [T; N] {
            self
        }
    }

    impl<T, const N: usize> ArrayCotangent<T, N> for ::std::vec::Vec<T> {
        #[inline]
        fn into_array(self) -> [T; N] {
            let len = self.len();
            self.try_into().unwrap_or_else(|_| {
                ::std::panic!("the cotangent of a slice has {len} elements where its array has {N}")
            })
        }
    }

    /// A callee's cotangent as the type of the argument it is for, where the caller cannot see
    /// that type (another callee's output): the cotangent itself, or, where the callee took a
    /// fixed-size array as a slice, its `Vec` as the array.
    pub trait CotangentOf<T> {
        fn cotangent_of(self) -> T;
    }

    impl<T> CotangentOf<T> for T {
        #[inline(always)]
        fn cotangent_of(self) -> T {
            self
        }
    }

    impl<T, const N: usize> CotangentOf<[T; N]> for ::std::vec::Vec<T> {
        #[inline]
        fn cotangent_of(self) -> [T; N] {
            ArrayCotangent::into_array(self)
        }
    }

    /// [`CotangentOf::cotangent_of`], naming the type.
    #[inline(always)]
    pub fn cotangent_as<T, C: CotangentOf<T>>(cotangent: C) -> T {
        cotangent.cotangent_of()
    }

    /// [`ArrayCotangent::into_array`], with the array's type inferred from where it goes.
    #[inline(always)]
    pub fn array_cotangent<C: ArrayCotangent<T, N>, T, const N: usize>(cotangent: C) -> [T; N] {
        cotangent.into_array()
    }

    /// Element type of an indexable value, for naming the type of `e[i]` in residuals.
    pub trait Element {
        type Type;
    }

    impl<T, const N: usize> Element for [T; N] {
        type Type = T;
    }

    impl<T> Element for [T] {
        type Type = T;
    }

    impl<T> Element for ::std::vec::Vec<T> {
        type Type = T;
    }

    /// A zero of a type whose size is static (floats and fixed-size arrays of them).
    pub trait Zeros {
        fn zeros() -> Self;
    }

    impl Zeros for f32 {
        fn zeros() -> Self {
            0.0
        }
    }

    impl Zeros for f64 {
        fn zeros() -> Self {
            0.0
        }
    }

    impl<T: Zeros, const N: usize> Zeros for [T; N] {
        fn zeros() -> Self {
            ::core::array::from_fn(|_| T::zeros())
        }
    }

    /// Returns `user`, which must be the same function as `runtime`: the generated code calls an
    /// `nn::` function through this, so a path that names a user's own `nn` module does not
    /// compile instead of being differentiated with the runtime's pullback.
    #[inline(always)]
    pub fn runtime_fn<F>(user: F, runtime: F) -> F {
        let _ = runtime;
        user
    }

    /// Values whose zero cotangent is sized at run time.
    pub trait ZerosLike {
        type Output;
        fn zeros_like(&self) -> Self::Output;
    }

    impl<T: num_traits::Zero + Copy> ZerosLike for [T] {
        type Output = ::std::vec::Vec<T>;
        fn zeros_like(&self) -> ::std::vec::Vec<T> {
            ::std::vec![T::zero(); self.len()]
        }
    }

    impl<T: num_traits::Zero + Copy> ZerosLike for ::std::vec::Vec<T> {
        type Output = ::std::vec::Vec<T>;
        fn zeros_like(&self) -> ::std::vec::Vec<T> {
            self.as_slice().zeros_like()
        }
    }

    impl<A, S, D> ZerosLike for ndarray::ArrayBase<S, D>
    where
        A: num_traits::Zero + Clone,
        S: ndarray::Data<Elem = A>,
        D: ndarray::Dimension,
    {
        type Output = ndarray::Array<A, D>;
        fn zeros_like(&self) -> ndarray::Array<A, D> {
            ndarray::Array::zeros(self.raw_dim())
        }
    }

    impl<T: ZerosLike + ?Sized> ZerosLike for &T {
        type Output = T::Output;
        fn zeros_like(&self) -> T::Output {
            (**self).zeros_like()
        }
    }

    /// Arrays that can be elements of a list parameter (`&[Array2<f64>]`, `&[[f64; 3]]`).
    pub trait ElementZeros {
        type Output;
        fn element_zeros(&self) -> Self::Output;
    }

    impl<T: num_traits::Zero + Copy, const N: usize> ElementZeros for [T; N] {
        type Output = [T; N];
        fn element_zeros(&self) -> [T; N] {
            [T::zero(); N]
        }
    }

    impl<A, S, D> ElementZeros for ndarray::ArrayBase<S, D>
    where
        A: num_traits::Zero + Clone,
        S: ndarray::Data<Elem = A>,
        D: ndarray::Dimension,
    {
        type Output = ndarray::Array<A, D>;
        fn element_zeros(&self) -> ndarray::Array<A, D> {
            ndarray::Array::zeros(self.raw_dim())
        }
    }

    /// The zero cotangent of a list parameter: one zero array per element, shaped like it.
    #[inline]
    pub fn zeros_list<T: ElementZeros>(items: &[T]) -> ::std::vec::Vec<T::Output> {
        items.iter().map(ElementZeros::element_zeros).collect()
    }

    /// A zero cotangent shaped like `value`, for values whose size is only known at run time
    /// (`&[f64]` gives `Vec<f64>`, an array an array of zeros).
    #[inline]
    pub fn zeros_like<T: ZerosLike + ?Sized>(value: &T) -> T::Output {
        value.zeros_like()
    }
}
