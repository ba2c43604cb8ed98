//! The intermediate representation: a function body in SSA form.
//!
//! In: nothing (the lowering in `lower.rs` builds it). Out: the data the adjoint rules
//! (`reverse.rs`) and the code emitter (`emit.rs`) read.
//!
//! After lowering, a body is a list of statements, each binding one fresh variable to one
//! primitive operation on *operands*, and an output operand. These are the only forms:
//!
//! ```text
//! operand  := var                      a variable bound exactly once (a parameter or a `let`)
//!           | const                    a literal or a path (`2.0`, `3`, `PI`, `consts::E`)
//! stmt     := let var = op
//! op       := operand                  Use: rebinding (`let a = x;`, `s = s0;`)
//!           | *operand                 Deref: the value behind a reference parameter
//!           | operand ⊕ operand        Binary, ⊕ ∈ { + - * / }
//!           | -operand                 Neg
//!           | operand.m(operand, ..)   Method, m from the table in `primitives.rs`
//!           | nn::f(operand, ..)       Call of an `nn` function from the same table
//!           | g(operand, ..)           GradCall of a `#[grad]` function: also binds g's residuals
//!           | operand[operand]         Index, the index an integer constant or inactive variable
//!           | [operand, ..]            Array literal
//!           | (operand, ..)            Tuple (the outputs of a function returning several)
//!           | operand as type          Cast, of an inactive operand only
//! body     := stmt* ; output operand
//! ```
//!
//! Shadowing, `let mut` reassignment and compound assignment (`s += x`) all become new
//! variables; tuple `let`s become one statement per element. Every variable carries its
//! *activity* (whether it depends on a differentiated parameter), computed in `lower.rs` while the
//! statement is built, and a type slot (`types.rs`) for the residuals struct.
//!
//! # Planned forms
//!
//! The IR is meant to grow without a rewrite; each planned form fits the shape above:
//!
//! - `GradCall` covers `#[grad]` and `#[custom_vjp]` callees, generic over their float type or
//!   not, with float, fixed-size array and ndarray outputs; callees generic in anything else
//!   would need their descriptor to carry those parameters too.
//!
//! Operands may be floats or ndarray arrays (the type slot says which, and the number of axes);
//! `⊕` then broadcasts, and the array methods (`dot`, `t`, `sum`, `sum_axis`) are `Method`s.
//! - Structured control flow as statements that own nested bodies: `If { cond, then, else,
//!   merges }`, where the forward records the branch taken (a `bool` variable) and `merges` are
//!   the φ-variables assigned in either branch; `For { range, body, carried }` and `While { .. }`,
//!   where the forward records the trip count and, per iteration, the residuals the body's adjoint
//!   needs (a `Vec` of them), and the reverse sweep runs the body's adjoint that many times
//!   backwards. Cotangents of carried variables are then zero-initialised before the loop instead
//!   of moved in on their first contribution.

use proc_macro2::{Ident, Span, TokenStream};
use syn::Type;

use crate::primitives::Primitive;

/// Index of a variable in [`Function::vars`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VarId(pub usize);

#[derive(Debug)]
pub struct Var {
    /// The name in the generated code: the user's name, a rebinding `a_1`, or a temporary `t1`.
    pub name: Ident,
    /// Depends on a differentiated parameter.
    pub active: bool,
    /// Type slot, resolved by `types.rs`.
    pub ty: crate::types::Slot,
}

#[derive(Clone, Debug)]
pub enum Operand {
    Var(VarId),
    /// A literal or path, emitted as written.
    Const(TokenStream),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug)]
pub enum Op {
    Use(Operand),
    Deref(Operand),
    Binary(BinOp, Operand, Operand),
    Neg(Operand),
    Method {
        prim: &'static Primitive,
        receiver: Operand,
        args: Vec<Operand>,
    },
    /// A call to another `#[grad]` function: its forward half binds `var` and `residuals`.
    GradCall {
        path: syn::Path,
        /// `<alias as Differentiable<F>>`, with `F` the caller's float type and the alias from
        /// [`Function::callees`].
        descriptor: TokenStream,
        /// `<alias as Kept<F>>`, which names the callee's output and residuals types.
        kept: TokenStream,
        args: Vec<Operand>,
        /// Whether each argument was written `&arg`.
        borrowed: Vec<bool>,
        residuals: VarId,
    },
    Call {
        prim: &'static Primitive,
        /// The path as the user wrote it (`nn::relu`), checked to be the runtime's function.
        path: TokenStream,
        args: Vec<Operand>,
    },
    Index {
        base: Operand,
        index: Operand,
    },
    Array(Vec<Operand>),
    Tuple(Vec<Operand>),
    Cast(Operand, Box<Type>),
}

impl Op {
    /// The operands in order (receiver first for methods).
    pub fn operands(&self) -> Vec<&Operand> {
        match self {
            Op::Use(a) | Op::Deref(a) | Op::Neg(a) | Op::Cast(a, _) => vec![a],
            Op::Binary(_, a, b) => vec![a, b],
            Op::Method { receiver, args, .. } => std::iter::once(receiver).chain(args).collect(),
            Op::Index { base, index } => vec![base, index],
            Op::Array(items)
            | Op::Tuple(items)
            | Op::Call { args: items, .. }
            | Op::GradCall { args: items, .. } => items.iter().collect(),
        }
    }
}

#[derive(Debug)]
pub struct Stmt {
    pub var: VarId,
    pub op: Op,
    /// A type the user wrote on the `let`, kept in the forward sweep.
    pub annotation: Option<Box<Type>>,
    /// The user's tokens this statement came from, for error and type-error locations.
    pub span: Span,
}

/// A parameter of the differentiated function.
#[derive(Debug)]
pub struct Param {
    pub var: VarId,
    /// The written type is a reference (`&Array2<f64>`): the variable is already a borrow.
    pub by_reference: bool,
    /// Gets a gradient.
    pub active: bool,
}

#[derive(Debug)]
pub struct Function {
    pub vars: Vec<Var>,
    pub params: Vec<Param>,
    pub stmts: Vec<Stmt>,
    pub output: Operand,
    /// The functions called, each through an alias declared beside the caller.
    pub callees: crate::descriptor::Callees,
}

impl Function {
    pub fn var(&self, id: VarId) -> &Var {
        &self.vars[id.0]
    }

    pub fn is_active(&self, operand: &Operand) -> bool {
        match operand {
            Operand::Var(v) => self.var(*v).active,
            Operand::Const(_) => false,
        }
    }
}
