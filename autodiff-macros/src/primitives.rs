//! The table of operations `#[grad]` knows beyond float `+ - * /`.
//!
//! In: a method, `nn::` or `scalar::` function name from the user's body, or an operator on
//! ndarray arrays. Out: a [`Primitive`] row (an [`Operator`] row for `a ⊕ b` of arrays): how it
//! is written, which arguments carry a cotangent, what its result is, and its [`Pullback`]: which
//! runtime function differentiates it and what that function reads. This table is the only
//! place the macro knows about a primitive: `reverse` builds every call from the row, with no
//! name of its own. Adding one is a row here and its `<name>_pullback` (forward and rule side
//! by side) in the runtime's `scalar`, `array` or `nn` module.
//!
//! # The pullback convention
//!
//! A pullback is `<module>::<name>_pullback` (or `<name>_pullback_<role>`, one per input, for
//! [`Pullback::PerInput`]) and takes, in this order:
//!
//! 1. the inputs it reads, in the operation's order (receiver first), each as its row's
//!    [`Read`] says: the value ([`Read::Value`]: an array by reference, a float, an integer,
//!    labels as `&[usize]`, an axis as `Axis(k)`), or only an array's shape
//!    ([`Read::Shape`]: `&a.raw_dim()`, or `&()` for a float broadcast over an array); an
//!    input it does not read ([`Read::Nothing`]) is not passed;
//! 2. the output, if it reads it ([`Reads::output`]), passed as an input would be;
//! 3. the output cotangent: by value (its buffer can be reused), except that the per-input
//!    pullbacks of one operation but the last called receive it borrowed.
//!
//! and returns the cotangents of the float inputs: all of them, in order (a tuple when there are
//! several), for [`Pullback::One`]; its input's alone for each of [`Pullback::PerInput`]. What a
//! pullback does not read is not kept for the reverse sweep: `exp` keeps only its output,
//! `sum` only its input's shape, `t` nothing.
//!
//! `sin_pullback(x, bar)`, `exp_pullback(y, bar)`, `sum_axis_pullback(&a_dim, Axis(k), bar)`,
//! `mul_pullback_lhs(&a_dim, b, bar)`, `dot_pullback_rhs(a, b, &bar)`.
//!
//! # A value kept beside the result
//!
//! A float method whose derivative is another method of the same input, which costs little
//! more computed together with the result than alone, names it in its row: `beside(cos)` for
//! `sin` (LLVM makes `x.sin()` and `x.cos()` one `sincos` call, as `f64::sin_cos` is). Where
//! the input is differentiated and the reverse sweep would have to keep it (it is not a
//! parameter, nor a value the sweep computes again, such as `x[i]`), the forward sweep also
//! binds that method of the same input (`let s_1_cos = s_1.cos();`, or the body's own
//! `s.cos()` where it computes one; [`Function::beside`]), and the reverse sweep keeps it
//! instead of the input and calls `<name>_pullback_from_<beside>(value beside, bar)`:
//! `sin_pullback_from_cos(s_1_cos, bar)`, no `cos` in the sweep. Otherwise (an input the sweep
//! has anyway; an array, whose `x.sin()` is a pass of its own; a constant) the row's pullback
//! reads what it says. Where another pullback reads the input too, the sweep keeps both (one
//! float more, one libm call less).
//!
//! [`Function::beside`]: crate::ssa::Function::beside

/// What an argument is, for differentiation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// A float or an array of floats: it gets a cotangent.
    Float,
    /// An integer (the exponent of `powi`): passed to the pullback, gets no cotangent.
    Int,
    /// Integer labels (`&[usize]`), passed as a slice.
    Labels,
    /// An `Axis(k)`, written as the user wrote it.
    Axis,
}

/// How the primitive is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// `x.name(args)` on a float.
    FloatMethod,
    /// `a.name(args)` on an ndarray array.
    ArrayMethod,
    /// `nn::name(args)`, a function of `autodiff_runtime::nn`.
    NnFunction,
    /// `scalar::name(args)`, a function of floats in `autodiff_runtime::scalar` (`erf`).
    ScalarFunction,
}

impl Syntax {
    /// Written as a call of a runtime function (all arguments in the row's `args`), not as a
    /// method on a receiver.
    pub fn is_function(self) -> bool {
        matches!(self, Syntax::NnFunction | Syntax::ScalarFunction)
    }

    /// The runtime module holding the forward (for functions) and the `<name>_pullback`.
    pub fn module(self) -> &'static str {
        match self {
            Syntax::FloatMethod | Syntax::ScalarFunction => "scalar",
            Syntax::ArrayMethod => "array",
            Syntax::NnFunction => "nn",
        }
    }

    /// What the runtime's list of primitives calls this kind (`__primitive_table!`), and the
    /// argument that asks for its names.
    pub fn kind(self) -> &'static str {
        match self {
            FloatMethod => "float method",
            ArrayMethod => "array method",
            NnFunction => "nn function",
            ScalarFunction => "scalar function",
        }
    }

    /// The syntax of a call whose path's second-to-last segment is `module` (`nn::relu`,
    /// `autodiff_runtime::scalar::erf`), if it names one of the runtime's modules of functions.
    pub fn of_function_module(module: &str) -> Option<Syntax> {
        match module {
            "nn" => Some(Syntax::NnFunction),
            "scalar" => Some(Syntax::ScalarFunction),
            _ => None,
        }
    }
}

/// The result of a primitive, given its first argument (the receiver for methods).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// The type of the first argument.
    SameAsFirst,
    /// A float: the element type of the first argument (`sum`, `mean`, `cross_entropy`).
    Element,
    /// An array with one axis fewer than the first argument (`sum_axis`, `logsumexp`).
    OneAxisFewer,
    /// A `usize` (`len`): a constant.
    Usize,
    /// A constant of a type only rustc knows (`dim`, `shape`).
    Constant,
    /// An array with one axis more than the first argument (`insert_axis`).
    OneAxisMore,
    /// An array of the shape its argument gives (`into_shape_with_order(shape)`): as many
    /// axes as a tuple has elements, one for an integer.
    Reshaped,
    /// The product of the two arguments (`dot`).
    MatrixProduct,
}

/// What a pullback reads of one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read {
    /// Its value.
    Value,
    /// Only its shape: `raw_dim()` for an array (kept instead of the array), `()` for a float.
    Shape,
    /// Nothing: it is not passed.
    Nothing,
}

/// What one runtime pullback reads, besides the output cotangent it always takes.
#[derive(Debug)]
pub struct Reads {
    /// One per input, receiver first.
    pub inputs: &'static [Read],
    /// Whether it reads the output.
    pub output: bool,
}

/// How a primitive is differentiated: see the module's documentation for the convention.
#[derive(Debug)]
pub enum Pullback {
    /// No pullback: the result is a constant (`len`).
    Constant,
    /// One `<name>_pullback` returning the cotangents of all float inputs.
    One(Reads),
    /// One `<name>_pullback_<role>` per float input (the roles in order), each called only for
    /// an active input and returning its cotangent alone, so an inactive side costs nothing (a
    /// constant operand of `dot` costs no matrix product). They are called in order of their
    /// input's number of axes, fewest first (a later input first among equal ones): the last
    /// takes the output cotangent by value, and is the input with the result's shape where
    /// broadcasting makes one, which can reuse the cotangent's buffer.
    PerInput(&'static [(&'static str, Reads)]),
}

/// One primitive.
#[derive(Debug)]
pub struct Primitive {
    pub name: &'static str,
    pub syntax: Syntax,
    /// The arguments after the receiver (methods), or all of them (functions).
    pub args: &'static [Arg],
    pub output: Output,
    /// The method returns a view of its receiver (`t`, `row`): the forward makes it owned
    /// (`.view().row(i).to_owned()`), so it can be kept for the reverse sweep.
    pub view: bool,
    /// A float method ndarray also has on float arrays, element by element (`x.exp()`): on an
    /// array it is differentiated with the same pullback, applied to each element.
    pub elementwise: bool,
    /// ndarray returns an `Option` or a `Result` (`mean`), which the user unwraps:
    /// `x.mean().unwrap()`, `.expect("..")`.
    pub fallible: bool,
    pub pullback: Pullback,
    /// The float method of the same inputs the forward sweep computes beside the result for
    /// the reverse sweep, where that spares keeping an input (`cos` beside `sin`; see the
    /// module's documentation).
    pub beside: Option<&'static str>,
}

impl Primitive {
    /// Whether the result is a constant whatever the inputs.
    pub fn is_constant(&self) -> bool {
        matches!(self.output, Output::Usize | Output::Constant)
    }

    /// What each input is (receiver first, for methods).
    pub fn inputs(&self) -> Vec<Arg> {
        if self.syntax.is_function() {
            self.args.to_vec()
        } else {
            std::iter::once(Float)
                .chain(self.args.iter().copied())
                .collect()
        }
    }
}

/// `a ⊕ b` with an ndarray array result, beside its forward `array::<name>` (which checks that
/// the shapes broadcast together).
#[derive(Debug)]
pub struct Operator {
    /// `add`, `sub`, `mul`, `div`.
    pub name: &'static str,
    pub pullback: Pullback,
}

use Arg::{Axis, Float, Int, Labels};
use Output::*;
use Read::{Nothing, Shape, Value};
use Syntax::*;

/// `Reads` from `(Value, Shape; output)`.
macro_rules! reads {
    ($($read:ident),* ; output) => {
        Reads { inputs: &[$($read),*], output: true }
    };
    ($($read:ident),*) => {
        Reads { inputs: &[$($read),*], output: false }
    };
}

/// `Pullback` from `constant`, `pullback(reads)` or `per_input(role(reads), ..)`.
macro_rules! pullback {
    (constant) => {
        Pullback::Constant
    };
    (pullback($($reads:tt)*)) => {
        Pullback::One(reads!($($reads)*))
    };
    (per_input($($role:ident($($reads:tt)*)),+)) => {
        Pullback::PerInput(&[$((stringify!($role), reads!($($reads)*))),+])
    };
}

/// Whether a row carries the flag `$want` (`view`, `elementwise`, `fallible`) among its flags.
macro_rules! flag {
    ($want:ident $($flag:ident)*) => {
        false $(|| flag_is!($want $flag))*
    };
}

macro_rules! flag_is {
    (view view) => {
        true
    };
    (elementwise elementwise) => {
        true
    };
    (fallible fallible) => {
        true
    };
    ($want:ident $flag:ident) => {
        false
    };
}

/// `Primitive::beside` from the row's `beside(method)`, if it has one.
macro_rules! beside {
    () => {
        None
    };
    ($beside:ident) => {
        Some(stringify!($beside))
    };
}

macro_rules! table {
    ($($name:ident: $syntax:ident($($arg:ident),*) -> $output:ident $($flag:ident)*
        => $kind:ident $(($($rule:tt)*))? $(beside($beside:ident))?;)*) => {
        /// Every primitive the body of a `#[grad]` function may use.
        pub static PRIMITIVES: &[Primitive] = &[
            $(Primitive {
                name: stringify!($name),
                syntax: $syntax,
                args: &[$($arg),*],
                output: $output,
                view: flag!(view $($flag)*),
                elementwise: flag!(elementwise $($flag)*),
                fallible: flag!(fallible $($flag)*),
                pullback: pullback!($kind $(($($rule)*))?),
                beside: beside!($($beside)?),
            },)*
        ];
    };
}

// Each row: `name: how it is written(arguments after a receiver) -> result => pullback`, the
// pullback's reads one per input (receiver first), then `; output` if it reads the output, and
// `beside(method)` where the forward computes that method of the same input for the pullback
// instead of keeping the input. A float method marked `elementwise` is one ndarray 0.16 has on
// float arrays too.
table! {
    sin: FloatMethod() -> SameAsFirst elementwise => pullback(Value) beside(cos);
    cos: FloatMethod() -> SameAsFirst elementwise => pullback(Value) beside(sin);
    tan: FloatMethod() -> SameAsFirst elementwise => pullback(Nothing; output);
    asin: FloatMethod() -> SameAsFirst => pullback(Value);
    acos: FloatMethod() -> SameAsFirst => pullback(Value);
    atan: FloatMethod() -> SameAsFirst => pullback(Value);
    atan2: FloatMethod(Float) -> SameAsFirst => pullback(Value, Value);
    sinh: FloatMethod() -> SameAsFirst => pullback(Value);
    cosh: FloatMethod() -> SameAsFirst => pullback(Value);
    tanh: FloatMethod() -> SameAsFirst => pullback(Nothing; output);
    exp: FloatMethod() -> SameAsFirst elementwise => pullback(Nothing; output);
    exp2: FloatMethod() -> SameAsFirst elementwise => pullback(Nothing; output);
    exp_m1: FloatMethod() -> SameAsFirst => pullback(Nothing; output);
    ln: FloatMethod() -> SameAsFirst elementwise => pullback(Value);
    ln_1p: FloatMethod() -> SameAsFirst => pullback(Value);
    log2: FloatMethod() -> SameAsFirst elementwise => pullback(Value);
    log10: FloatMethod() -> SameAsFirst elementwise => pullback(Value);
    log: FloatMethod(Float) -> SameAsFirst elementwise => pullback(Value, Value; output);
    sqrt: FloatMethod() -> SameAsFirst elementwise => pullback(Nothing; output);
    cbrt: FloatMethod() -> SameAsFirst elementwise => pullback(Nothing; output);
    powi: FloatMethod(Int) -> SameAsFirst elementwise => pullback(Value, Value);
    powf: FloatMethod(Float) -> SameAsFirst elementwise => pullback(Value, Value; output);
    recip: FloatMethod() -> SameAsFirst elementwise => pullback(Nothing; output);
    abs: FloatMethod() -> SameAsFirst elementwise => pullback(Value);
    hypot: FloatMethod(Float) -> SameAsFirst => pullback(Value, Value; output);
    mul_add: FloatMethod(Float, Float) -> SameAsFirst => pullback(Value, Value, Nothing);
    max: FloatMethod(Float) -> SameAsFirst => pullback(Value, Value);
    min: FloatMethod(Float) -> SameAsFirst => pullback(Value, Value);
    signum: FloatMethod() -> SameAsFirst elementwise => pullback(Nothing);
    clamp: FloatMethod(Float, Float) -> SameAsFirst elementwise => pullback(Value, Value, Value);
    len: FloatMethod() -> Usize => constant;

    dot: ArrayMethod(Float) -> MatrixProduct => per_input(lhs(Value, Value), rhs(Value, Value));
    t: ArrayMethod() -> SameAsFirst view => pullback(Nothing);
    sum: ArrayMethod() -> Element => pullback(Shape);
    sum_axis: ArrayMethod(Axis) -> OneAxisFewer => pullback(Shape, Value);
    mean: ArrayMethod() -> Element fallible => pullback(Shape);
    mean_axis: ArrayMethod(Axis) -> OneAxisFewer fallible => pullback(Shape, Value);
    var: ArrayMethod(Float) -> Element => pullback(Value, Value; output);
    std: ArrayMethod(Float) -> Element => pullback(Value, Value; output);
    var_axis: ArrayMethod(Axis, Float) -> OneAxisFewer => pullback(Value, Value, Value; output);
    std_axis: ArrayMethod(Axis, Float) -> OneAxisFewer => pullback(Value, Value, Value; output);
    pow2: ArrayMethod() -> SameAsFirst => pullback(Value);
    reversed_axes: ArrayMethod() -> SameAsFirst view => pullback(Nothing);
    insert_axis: ArrayMethod(Axis) -> OneAxisMore view => pullback(Nothing, Value);
    row: ArrayMethod(Int) -> OneAxisFewer view => pullback(Shape, Value);
    column: ArrayMethod(Int) -> OneAxisFewer view => pullback(Shape, Value);
    into_shape_with_order: ArrayMethod(Int) -> Reshaped view fallible => pullback(Shape, Nothing);
    dim: ArrayMethod() -> Constant => constant;
    nrows: ArrayMethod() -> Usize => constant;
    ncols: ArrayMethod() -> Usize => constant;
    len_of: ArrayMethod(Axis) -> Usize => constant;
    shape: ArrayMethod() -> Constant => constant;

    relu: NnFunction(Float) -> SameAsFirst => pullback(Value);
    sigmoid: NnFunction(Float) -> SameAsFirst => pullback(Nothing; output);
    tanh: NnFunction(Float) -> SameAsFirst => pullback(Nothing; output);
    exp: NnFunction(Float) -> SameAsFirst => pullback(Nothing; output);
    ln: NnFunction(Float) -> SameAsFirst => pullback(Value);
    softmax: NnFunction(Float) -> SameAsFirst => pullback(Nothing; output);
    log_softmax: NnFunction(Float) -> SameAsFirst => pullback(Nothing; output);
    logsumexp: NnFunction(Float) -> OneAxisFewer => pullback(Value; output);
    mean: NnFunction(Float) -> Element => pullback(Shape);
    mse: NnFunction(Float, Float) -> Element => pullback(Value, Value);
    cross_entropy: NnFunction(Float, Labels) -> Element => pullback(Value, Value);
    layer_norm: NnFunction(Float, Float, Float, Float) -> SameAsFirst
        => pullback(Value, Value, Shape, Value);
    gelu: NnFunction(Float) -> SameAsFirst => pullback(Value);

    erf: ScalarFunction(Float) -> SameAsFirst => pullback(Value);
}

macro_rules! operators {
    ($($name:ident => $kind:ident($($rule:tt)*);)*) => {
        /// The rules of `+ - * /` where the result is an ndarray array (a float operand is
        /// broadcast over the whole array).
        pub static OPERATORS: &[Operator] = &[
            $(Operator { name: stringify!($name), pullback: pullback!($kind($($rule)*)) },)*
        ];
    };
}

operators! {
    add => per_input(lhs(Shape, Nothing), rhs(Nothing, Shape));
    sub => per_input(lhs(Shape, Nothing), rhs(Nothing, Shape));
    mul => per_input(lhs(Shape, Value), rhs(Value, Shape));
    div => per_input(lhs(Shape, Value), rhs(Nothing, Value; output));
}

/// The row of the operator `name` (`add`, `sub`, `mul`, `div`).
pub fn operator(name: &str) -> &'static Operator {
    OPERATORS
        .iter()
        .find(|o| o.name == name)
        .expect("the four operators have rows")
}

/// The expansion of `__primitive_table!` (see there): the rows with a pullback as
/// `&[(name, kind)]`, or the names of one kind as a doc string.
pub fn expand_table(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let rows: Vec<&Primitive> = PRIMITIVES.iter().filter(|p| !p.is_constant()).collect();
    if input.is_empty() {
        let names = rows.iter().map(|p| p.name);
        let kinds = rows.iter().map(|p| p.syntax.kind());
        return quote::quote!(&[#((#names, #kinds)),*]);
    }
    let asked = input.to_string().replace('_', " ");
    let Some(syntax) = [FloatMethod, ArrayMethod, NnFunction, ScalarFunction]
        .into_iter()
        .find(|s| s.kind() == asked)
    else {
        return quote::quote!(::core::compile_error!(
            "expected one of `float_method`, `array_method`, `nn_function`, `scalar_function`"
        ));
    };
    let names: Vec<String> = rows
        .iter()
        .filter(|p| p.syntax == syntax)
        .map(|p| format!("`{}`", p.name))
        .collect();
    let doc = format!(" {}", names.join(", "));
    quote::quote!(#doc)
}

/// The row for `name` written as `syntax`.
pub fn lookup(name: &str, syntax: Syntax) -> Option<&'static Primitive> {
    PRIMITIVES
        .iter()
        .find(|p| p.name == name && p.syntax == syntax)
}

/// The names written as `syntax`, for error messages.
fn names(syntax: Syntax) -> String {
    let names: Vec<&str> = PRIMITIVES
        .iter()
        .filter(|p| p.syntax == syntax && !p.is_constant())
        .map(|p| p.name)
        .collect();
    names.join(", ")
}

/// The error for `name`, which the table does not have written as `syntax`: the primitives
/// whose names are near it (among those written that way, and the kind a user confuses with
/// it: a float method for a `scalar::` function, an `nn::` function for an array method, and
/// back), or, where none is, every name of its kind.
pub fn unknown(name: &str, syntax: Syntax) -> String {
    let what = match syntax {
        FloatMethod => format!("`{name}` is not a method #[grad] can differentiate"),
        ArrayMethod => format!("`{name}` is not an array method #[grad] can differentiate"),
        NnFunction | ScalarFunction => format!(
            "`{name}` is not a function of `autodiff_runtime::{}`",
            syntax.module()
        ),
    };
    // A fold along an axis is how ndarray users take a maximum (for a shifted softmax): the
    // runtime's stable functions do that.
    if syntax == ArrayMethod && (name == "fold_axis" || name == "fold") {
        return format!(
            "{what}: a closure folded over the elements has no pullback here; for the maximum \
             of a numerically stable softmax use `nn::softmax`, `nn::log_softmax` or \
             `nn::logsumexp`, and for a sum or a product write `sum`, `sum_axis` or a loop"
        );
    }
    let near = near(name, syntax);
    if !near.is_empty() {
        return format!("{what}; did you mean {near}?");
    }
    match syntax {
        FloatMethod => format!(
            "{what}; the supported float methods are {}",
            names(FloatMethod)
        ),
        ArrayMethod => {
            let elementwise: Vec<&str> = PRIMITIVES
                .iter()
                .filter(|p| p.elementwise)
                .map(|p| p.name)
                .collect();
            format!(
                "{what}; the supported array methods are {}, ndarray's elementwise {}, `mapv` \
                 with a closure or a function, and `autodiff_runtime::nn` has {}",
                names(ArrayMethod),
                elementwise.join(", "),
                names(NnFunction)
            )
        }
        NnFunction | ScalarFunction => {
            format!("{what}; the differentiable ones are {}", names(syntax))
        }
    }
}

/// Up to three primitives nearest to `name` (see [`unknown`]), as `` `sin` or `sinh` ``
/// (another kind's as written: `` `nn::mean` ``, `` the method `sum` ``); empty if none is.
fn near(name: &str, syntax: Syntax) -> String {
    let related = match syntax {
        FloatMethod => ScalarFunction,
        ScalarFunction => FloatMethod,
        ArrayMethod => NnFunction,
        NnFunction => ArrayMethod,
    };
    let length = name.chars().count();
    let allowed = match length {
        0..=3 => 1,
        4..=6 => 2,
        _ => 3,
    };
    let mut near: Vec<(usize, &Primitive)> = PRIMITIVES
        .iter()
        .filter(|p| !p.is_constant() && (p.syntax == syntax || p.syntax == related))
        .map(|p| (edit_distance(name, p.name), p))
        .filter(|(d, p)| *d <= allowed && (*d > 0 || p.syntax != syntax))
        .collect();
    // Only the nearest: `sin` and `sinh` for `sine`, not `asin` too.
    let nearest = near.iter().map(|(d, _)| *d).min();
    near.retain(|(d, _)| Some(*d) == nearest);
    let written: Vec<String> = near
        .iter()
        .take(3)
        .map(|(_, p)| match p.syntax {
            _ if p.syntax == syntax => format!("`{}`", p.name),
            FloatMethod | ArrayMethod => format!("the method `{}`", p.name),
            NnFunction | ScalarFunction => format!("`{}::{}`", p.syntax.module(), p.name),
        })
        .collect();
    match written.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The Levenshtein distance: the fewest insertions, deletions and substitutions of characters
/// that turn `a` into `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pullback's reads name each input once; only a float's shape can be read alone.
    fn check(what: &str, reads: &Reads, inputs: &[Arg]) {
        assert_eq!(
            reads.inputs.len(),
            inputs.len(),
            "{what}: one read per input"
        );
        for (read, kind) in reads.inputs.iter().zip(inputs) {
            assert!(
                *kind == Float || *read != Shape,
                "{what}: only a float input's shape can be read"
            );
        }
    }

    #[test]
    fn every_row_says_what_its_pullback_reads_of_each_input() {
        let rows = PRIMITIVES
            .iter()
            .map(|p| (p.name, p.inputs(), &p.pullback, p.is_constant()))
            .chain(
                OPERATORS
                    .iter()
                    .map(|o| (o.name, vec![Float, Float], &o.pullback, false)),
            );
        for (name, inputs, pullback, constant) in rows {
            let floats = inputs.iter().filter(|k| **k == Float).count();
            match pullback {
                Pullback::Constant => assert!(constant, "{name}: a pullback"),
                Pullback::One(reads) => check(name, reads, &inputs),
                Pullback::PerInput(roles) => {
                    assert_eq!(roles.len(), floats, "{name}: one role per float input");
                    for (role, reads) in *roles {
                        check(&format!("{name}_{role}"), reads, &inputs);
                    }
                }
            }
            assert_eq!(
                constant,
                matches!(pullback, Pullback::Constant),
                "{name}: a constant has no pullback"
            );
        }
    }

    /// A value kept beside a result is a float method of the same arguments and result type,
    /// of a float method whose pullback is one function.
    #[test]
    fn a_value_beside_is_a_float_method_of_the_same_inputs() {
        let mut rows = 0;
        for p in PRIMITIVES {
            let Some(beside) = p.beside else { continue };
            rows += 1;
            let other = lookup(beside, p.syntax)
                .unwrap_or_else(|| panic!("{}: `{beside}` is a row", p.name));
            assert_eq!(p.syntax, FloatMethod, "{}", p.name);
            assert_eq!(other.args, p.args, "{}: the same arguments", p.name);
            assert_eq!(other.output, p.output, "{}: the same result type", p.name);
            assert!(matches!(p.pullback, Pullback::One(_)), "{}", p.name);
        }
        assert_eq!(rows, 2, "sin and cos");
    }

    #[test]
    fn an_unknown_name_gets_the_near_ones_or_the_list() {
        assert_eq!(edit_distance("sine", "sin"), 1);
        assert_eq!(edit_distance("log1p", "ln_1p"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        let message = unknown("sine", FloatMethod);
        assert!(
            message.ends_with("did you mean `sin` or `sinh`?"),
            "{message}"
        );
        let message = unknown("means", ArrayMethod);
        assert!(
            message.ends_with("did you mean `mean` or `nn::mean`?"),
            "{message}"
        );
        let message = unknown("sum", NnFunction);
        assert!(
            message.ends_with("did you mean the method `sum`?"),
            "{message}"
        );
        let message = unknown("erf", FloatMethod);
        assert!(
            message.ends_with("did you mean `scalar::erf`?"),
            "{message}"
        );
        let message = unknown("foo", FloatMethod);
        assert!(message.contains("are sin, cos, tan"), "{message}");
    }
}
