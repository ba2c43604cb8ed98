//! The table of operations `#[grad]` knows beyond `+ - * /`.
//!
//! In: a method, `nn::` or `scalar::` function name from the user's body. Out: a [`Primitive`]
//! row: how it is written, which arguments carry a cotangent, what its result is, and which
//! runtime pullback differentiates it. This table is the only place the macro knows about a
//! primitive: adding one is a row here and its `<name>_pullback` (forward and rule side by side)
//! in the runtime's `scalar`, `array` or `nn` module.

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
    /// The product of the two arguments (`dot`).
    MatrixProduct,
}

/// One primitive.
#[derive(Debug)]
pub struct Primitive {
    pub name: &'static str,
    pub syntax: Syntax,
    /// The arguments after the receiver (methods), or all of them (functions).
    pub args: &'static [Arg],
    pub output: Output,
}

impl Primitive {
    /// Whether the result is a constant whatever the inputs.
    pub fn is_constant(&self) -> bool {
        self.output == Output::Usize
    }
}

use Arg::{Axis, Float, Int, Labels};
use Output::*;
use Syntax::*;

macro_rules! table {
    ($($name:ident: $syntax:ident($($arg:ident),*) -> $output:ident;)*) => {
        /// Every primitive the body of a `#[grad]` function may use.
        pub static PRIMITIVES: &[Primitive] = &[
            $(Primitive {
                name: stringify!($name),
                syntax: $syntax,
                args: &[$($arg),*],
                output: $output,
            },)*
        ];
    };
}

table! {
    sin: FloatMethod() -> SameAsFirst;
    cos: FloatMethod() -> SameAsFirst;
    tan: FloatMethod() -> SameAsFirst;
    asin: FloatMethod() -> SameAsFirst;
    acos: FloatMethod() -> SameAsFirst;
    atan: FloatMethod() -> SameAsFirst;
    atan2: FloatMethod(Float) -> SameAsFirst;
    sinh: FloatMethod() -> SameAsFirst;
    cosh: FloatMethod() -> SameAsFirst;
    tanh: FloatMethod() -> SameAsFirst;
    exp: FloatMethod() -> SameAsFirst;
    exp2: FloatMethod() -> SameAsFirst;
    exp_m1: FloatMethod() -> SameAsFirst;
    ln: FloatMethod() -> SameAsFirst;
    ln_1p: FloatMethod() -> SameAsFirst;
    log2: FloatMethod() -> SameAsFirst;
    log10: FloatMethod() -> SameAsFirst;
    log: FloatMethod(Float) -> SameAsFirst;
    sqrt: FloatMethod() -> SameAsFirst;
    cbrt: FloatMethod() -> SameAsFirst;
    powi: FloatMethod(Int) -> SameAsFirst;
    powf: FloatMethod(Float) -> SameAsFirst;
    recip: FloatMethod() -> SameAsFirst;
    abs: FloatMethod() -> SameAsFirst;
    hypot: FloatMethod(Float) -> SameAsFirst;
    mul_add: FloatMethod(Float, Float) -> SameAsFirst;
    max: FloatMethod(Float) -> SameAsFirst;
    min: FloatMethod(Float) -> SameAsFirst;
    signum: FloatMethod() -> SameAsFirst;
    len: FloatMethod() -> Usize;

    dot: ArrayMethod(Float) -> MatrixProduct;
    t: ArrayMethod() -> SameAsFirst;
    sum: ArrayMethod() -> Element;
    sum_axis: ArrayMethod(Axis) -> OneAxisFewer;

    relu: NnFunction(Float) -> SameAsFirst;
    sigmoid: NnFunction(Float) -> SameAsFirst;
    tanh: NnFunction(Float) -> SameAsFirst;
    exp: NnFunction(Float) -> SameAsFirst;
    ln: NnFunction(Float) -> SameAsFirst;
    softmax: NnFunction(Float) -> SameAsFirst;
    log_softmax: NnFunction(Float) -> SameAsFirst;
    logsumexp: NnFunction(Float) -> OneAxisFewer;
    mean: NnFunction(Float) -> Element;
    mse: NnFunction(Float, Float) -> Element;
    cross_entropy: NnFunction(Float, Labels) -> Element;
    layer_norm: NnFunction(Float, Float, Float, Float) -> SameAsFirst;
    gelu: NnFunction(Float) -> SameAsFirst;

    erf: ScalarFunction(Float) -> SameAsFirst;
}

/// The row for `name` written as `syntax`.
pub fn lookup(name: &str, syntax: Syntax) -> Option<&'static Primitive> {
    PRIMITIVES
        .iter()
        .find(|p| p.name == name && p.syntax == syntax)
}

/// The names written as `syntax`, for error messages.
pub fn names(syntax: Syntax) -> String {
    let names: Vec<&str> = PRIMITIVES
        .iter()
        .filter(|p| p.syntax == syntax && !p.is_constant())
        .map(|p| p.name)
        .collect();
    names.join(", ")
}
