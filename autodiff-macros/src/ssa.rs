//! The intermediate representation: a function body in SSA form, as a tree of bodies.
//!
//! In: nothing (the lowering in `lower.rs` builds it). Out: the data the analyses
//! (`analysis.rs`), the adjoint rules (`reverse`) and the code emitter (`emit`) read. The IR holds
//! data only: no runtime paths, no code generation.
//!
//! After lowering, a body is a list of statements and an output operand. A statement binds one
//! fresh variable to one primitive operation on *operands*, or (to come: control flow) owns
//! bodies of its own. These are the only forms:
//!
//! ```text
//! operand  := var                      a variable bound exactly once (a parameter or a `let`)
//!           | const                    a literal or a path (`2.0`, `3`, `PI`, `consts::E`)
//! stmt     := let var = op             Stmt::Let
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
//! *activity* (whether it depends on a differentiated parameter, [`crate::analysis::activity`])
//! and a type slot (`types.rs`).
//!
//! Operands may be floats, fixed-size arrays or ndarray arrays (the type slot says which, and
//! the number of axes); `⊕` then broadcasts, and the array methods (`dot`, `t`, `sum`,
//! `sum_axis`) are `Method`s. A `GradCall` names its callee by the alias [`Callees`] gives it
//! and the float type it asks the callee's descriptor for; `descriptor.rs` writes the tokens.
//!
//! Control flow will be statements that own bodies, beside `Let`: `If { cond, then, else_,
//! merges }` with the φ-variables assigned in either branch, `Match`, and loops with their
//! carried variables (`../shared/design/IR.md`). Code that walks statements matches on `Stmt`,
//! so each of them is a place the compiler points at when a form is added.

use proc_macro2::{Ident, Span, TokenStream};
use quote::ToTokens;
use syn::Type;
use syn::ext::IdentExt;

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
        /// The callee's alias in [`Function::callees`].
        alias: Ident,
        /// The float type the caller asks the callee's descriptor for.
        float: Box<Type>,
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

/// A statement of a [`Body`].
#[derive(Debug)]
pub enum Stmt {
    /// `let var = op;`
    Let(Let),
}

/// `let var = op;`
#[derive(Debug)]
pub struct Let {
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

/// Statements and the operand they give.
#[derive(Debug)]
pub struct Body {
    pub stmts: Vec<Stmt>,
    pub output: Operand,
}

impl Body {
    /// Every `let` of the body, in execution order.
    pub fn lets(&self) -> impl DoubleEndedIterator<Item = &Let> {
        self.stmts.iter().map(|stmt| match stmt {
            Stmt::Let(l) => l,
        })
    }
}

#[derive(Debug)]
pub struct Function {
    pub vars: Vec<Var>,
    pub params: Vec<Param>,
    pub body: Body,
    /// The functions called, each through an alias declared beside the caller.
    pub callees: Callees,
}

/// The functions one caller calls, each reached through an alias the caller declares beside
/// itself (`descriptor::callee_items` writes the imports), so that calling a function with no
/// descriptor is an error of ours, naming it.
#[derive(Debug, Default)]
pub struct Callees {
    pub called: Vec<Callee>,
}

/// One function a caller calls.
#[derive(Debug)]
pub struct Callee {
    /// The path as written.
    pub path: syn::Path,
    /// `__<caller>_calls_<stem>`.
    pub alias: Ident,
    /// The alias's part after `__<caller>_calls_`, which names the fallback's requirement.
    pub stem: String,
}

impl Callees {
    /// The alias of `path` for the caller `caller`: `__<caller>_calls_<path segments>`.
    pub fn alias(&mut self, caller: &Ident, path: &syn::Path) -> Ident {
        let key = path.to_token_stream().to_string();
        if let Some(callee) = self
            .called
            .iter()
            .find(|c| c.path.to_token_stream().to_string() == key)
        {
            return callee.alias.clone();
        }
        // `$crate` (a callee named by a `macro_rules!` macro) is an identifier to syn.
        let segments: Vec<String> = path
            .segments
            .iter()
            .map(|s| s.ident.unraw().to_string().replace('$', ""))
            .filter(|s| !["crate", "self", "super"].contains(&s.as_str()))
            .collect();
        let base = segments.join("_");
        let mut stem = base.clone();
        let mut n = 1;
        while self.called.iter().any(|c| c.stem == stem) {
            n += 1;
            stem = format!("{base}_{n}");
        }
        let last = &path.segments.last().expect("a path has a segment").ident;
        let alias = Ident::new(&format!("__{}_calls_{stem}", caller.unraw()), last.span());
        self.called.push(Callee {
            path: path.clone(),
            alias: alias.clone(),
            stem,
        });
        alias
    }
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
