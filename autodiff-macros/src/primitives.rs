//! The table of methods `#[grad]` knows.
//!
//! In: a method name from the user's body. Out: a [`Method`] row saying which arguments carry a
//! cotangent and how its pullback is named. This table is the only place the macro knows about a
//! float method: adding a primitive is one row here and its `<name>_pullback` function (forward
//! and rule side by side) in `autodiff-runtime/src/scalar.rs`.

/// What an argument of a method is, for differentiation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// A float of the receiver's type: it gets a cotangent.
    Float,
    /// An integer (the exponent of `powi`): passed to the pullback, gets no cotangent.
    Int,
}

/// How a method's result relates to differentiation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A float function of float arguments with a pullback `scalar::<name>_pullback` taking
    /// `(receiver, args.., output, bar_output)`.
    Differentiable,
    /// A method whose result is not a float (`len`): its result is a constant.
    Constant,
}

/// One method `#[grad]` knows.
#[derive(Debug)]
pub struct Method {
    pub name: &'static str,
    /// The arguments after the receiver.
    pub args: &'static [Arg],
    pub kind: Kind,
}

impl Method {
    /// Whether the result has the receiver's type (every float method here does).
    pub fn result_is_receiver_type(&self) -> bool {
        self.kind == Kind::Differentiable
    }
}

const UNARY: &[Arg] = &[];
const BINARY: &[Arg] = &[Arg::Float];

macro_rules! methods {
    ($($name:ident: $args:expr, $kind:ident;)*) => {
        /// Every method the body of a `#[grad]` function may call.
        pub static METHODS: &[Method] = &[
            $(Method { name: stringify!($name), args: $args, kind: Kind::$kind },)*
        ];
    };
}

methods! {
    sin: UNARY, Differentiable;
    cos: UNARY, Differentiable;
    tan: UNARY, Differentiable;
    asin: UNARY, Differentiable;
    acos: UNARY, Differentiable;
    atan: UNARY, Differentiable;
    atan2: BINARY, Differentiable;
    sinh: UNARY, Differentiable;
    cosh: UNARY, Differentiable;
    tanh: UNARY, Differentiable;
    exp: UNARY, Differentiable;
    exp2: UNARY, Differentiable;
    exp_m1: UNARY, Differentiable;
    ln: UNARY, Differentiable;
    ln_1p: UNARY, Differentiable;
    log2: UNARY, Differentiable;
    log10: UNARY, Differentiable;
    log: BINARY, Differentiable;
    sqrt: UNARY, Differentiable;
    cbrt: UNARY, Differentiable;
    powi: &[Arg::Int], Differentiable;
    powf: BINARY, Differentiable;
    recip: UNARY, Differentiable;
    abs: UNARY, Differentiable;
    hypot: BINARY, Differentiable;
    mul_add: &[Arg::Float, Arg::Float], Differentiable;
    max: BINARY, Differentiable;
    min: BINARY, Differentiable;
    signum: UNARY, Differentiable;
    len: UNARY, Constant;
}

/// The row for `name`, if `#[grad]` knows that method.
pub fn lookup(name: &str) -> Option<&'static Method> {
    METHODS.iter().find(|m| m.name == name)
}

/// The differentiable method names, for error messages.
pub fn differentiable_names() -> String {
    let names: Vec<&str> = METHODS
        .iter()
        .filter(|m| m.kind == Kind::Differentiable)
        .map(|m| m.name)
        .collect();
    names.join(", ")
}
