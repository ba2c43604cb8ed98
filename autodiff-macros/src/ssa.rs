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
//!           | if operand { body } else { body } ; merges
//!                                      Stmt::If: `merges` are φ-variables, `var = φ(a, b)` the
//!                                      value `a` of the `then` arm or `b` of the `else` arm
//!           | for var in range { body } ; carried
//!                                      Stmt::Loop over `a..b`, `a..=b`, `.rev()`, `.step_by(k)`;
//!                                      each carried variable is `inside` in the body (`before`
//!                                      on the first iteration, `next` of the one before),
//!                                      `after` once the loop has run
//! op       := operand                  Use: rebinding (`let a = x;`, `s = s0;`)
//!           | *operand                 Deref: the value behind a reference parameter
//!           | operand ⊕ operand        Binary, ⊕ ∈ { + - * / }
//!           | -operand                 Neg
//!           | operand.m(operand, ..)   Method, m from the table in `primitives.rs`
//!           | nn::f(operand, ..)       Call of an `nn` function from the same table
//!           | g(operand, ..)           GradCall of a `#[grad]` function: also binds g's residuals
//!           | operand[operand]         Index, the index an integer constant or inactive variable
//!           | [operand, ..]            Array literal
//!           | (operand, ..)            Tuple (the outputs of a function returning several, an
//!                                      argument to a tuple parameter)
//!           | operand.k                Field of a tuple: a tuple parameter's elements, read once
//!                                      at the start; `x.dim().0`
//!           | operand.mapv(f)          Map of a closure's body made a function: also binds the
//!                                      array of its derivatives where the reverse sweep reads it
//!           | operand as type          Cast, of an inactive operand only
//!           | operand ⋈ operand        Compare, ⋈ ∈ { == != < <= > >= }: a `bool`
//!           | !operand                 Not, of a `bool`
//!           | operand || operand       Or, of two flags (`break`, `continue`, `return` set
//!                                      flags; what follows a jump runs under `if !flag`)
//!           | min(operand, operand)    MinLen, of two lengths (how far `zip` runs)
//!           | [operand; len]           Filled: `[v; N]` or `vec![v; n]`, a local array
//!           | Array1::zeros(operand)   Zeros: a local ndarray array
//!           | operand.clone()          Copy (also `to_vec`, `to_owned`)
//!           | operand[operand] := operand
//!                                      Store: the array with one element set (`y[i] = e`; `+=`
//!                                      and the others read the element first)
//!           | matches!(operand, pat)   Matches: a `match` arm's test (a `match` is a chain of
//!                                      `if`s, its last arm the final `else`)
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
//! `a && b` is `if a { b } else { false }` and `a || b` is `if a { true } else { b }`, so `b` runs
//! only where Rust runs it. Each `if` and loop has a record variable: the enum of the arm that
//! ran, or the `Vec` of per-iteration records, which the residuals keep where the reverse sweep
//! reads them (`analysis::Scope` says where each variable lives). `match`, `while` and `loop`
//! are to come beside these (`../shared/design/IR.md`); code that walks statements matches on
//! `Stmt`, so each is a place the compiler points at when a form is added.

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
    /// A borrow of an array inside a parameter (`&ws[l]` of `ws: &[Array2<f64>]`), used as
    /// reference parameters are: never copied, never kept (read again from the parameter).
    pub borrowed: bool,
}

#[derive(Clone, Debug)]
pub enum Operand {
    Var(VarId),
    /// A literal or path, emitted as written.
    Const(TokenStream),
}

impl Operand {
    /// The same variable, or the same constant as written (`i` and `i`, `0` and `0`).
    pub fn same_as(&self, other: &Operand) -> bool {
        match (self, other) {
            (Operand::Var(a), Operand::Var(b)) => a == b,
            (Operand::Const(a), Operand::Const(b)) => a.to_string() == b.to_string(),
            _ => false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    /// `%`, of integers only (inactive operands).
    Rem,
}

/// A comparison, giving a `bool` (never differentiated).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
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
        /// For a [fallible](Primitive::fallible) row: the `.unwrap()` or `.expect(..)` the
        /// user wrote after it.
        unwrap: Option<proc_macro2::TokenStream>,
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
    /// `array![..]`: an ndarray array of the given shape (one to three axes), its elements in
    /// row-major order.
    NdArray {
        items: Vec<Operand>,
        shape: Vec<usize>,
    },
    Tuple(Vec<Operand>),
    /// `base.slice(s![..])`: a copy of the part of `base` the elements select.
    Slice {
        base: Operand,
        elems: Vec<SliceElem>,
    },
    /// `concatenate(Axis(k), &[a.view(), b.view()])` (`stack` where `stack`), or the macros
    /// `concatenate![Axis(k), a, b]`, `stack![..]`: the arrays joined along axis `k`.
    Concat {
        axis: Operand,
        items: Vec<Operand>,
        stack: bool,
        /// The `.unwrap()` or `.expect(..)` the user wrote after the function (the macros
        /// have none).
        unwrap: Option<proc_macro2::TokenStream>,
    },
    /// `value.k`: a field of a tuple: a tuple parameter's element (`let p_0 = p.0;`, which
    /// `p.0` and `let (a, b) = p;` then name), a field of a tuple bound whole (`let q = if c
    /// { p } else { (..) };`), or of a value with no derivative (`let (m, n) = x.dim();`). Its
    /// cotangent goes to that field of the tuple's.
    Field(Operand, usize),
    /// `receiver.mapv(..)`: the function `helper` (a closure's body made a `#[grad]` function
    /// of its own, `lower/closures.rs`) applied to each element, with the captured values after
    /// the element.
    Map {
        helper: proc_macro2::Ident,
        receiver: Operand,
        captures: Vec<Capture>,
        /// The function's float type, which the closure's function takes and returns.
        float: Box<Type>,
        /// The array of the closure's partial derivatives, of the receiver's shape: per element,
        /// `[F; K]`, by each of its `K` differentiated inputs ([`Function::map_inputs`]). The
        /// forward half binds it with `var`, in the same pass (`helper`'s vjp with seed one per
        /// element), where the reverse sweep reads it, which multiplies the cotangent by it
        /// instead of applying the vjp again.
        derivative: VarId,
    },
    Cast(Operand, Box<Type>),
    /// `a < b` and the other comparisons: a `bool`, with no derivative.
    Compare(CmpOp, Operand, Operand),
    /// `!c` of a `bool`.
    Not(Operand),
    /// `a || b` of two `bool` variables (flags of jumps; `||` the user writes is an `if`).
    Or(Operand, Operand),
    /// `min(a, b)` of two lengths: how far `zip` runs.
    MinLen(Operand, Operand),
    /// `matches!(a, pattern)`: a `match` arm's test.
    Matches(Operand, Box<syn::Pat>),
    /// `[value; len]` (`len` as written) or `vec![value; len]`: a local array.
    Filled {
        value: Operand,
        len: Operand,
        vec: bool,
    },
    /// `Array1::zeros(shape)`, the constructor as the user wrote it: a local ndarray array.
    Zeros {
        constructor: syn::Path,
        shape: Operand,
    },
    /// `Array2::from_elem(shape, value)`: an ndarray array of one value, maybe differentiated.
    FromElem {
        constructor: syn::Path,
        shape: Operand,
        value: Operand,
    },
    /// `Vec::new()`, `Vec::with_capacity(n)`: an empty local `Vec`.
    NewVec {
        capacity: Option<Operand>,
    },
    /// `base` with `value` pushed at its end: `v.push(e)`.
    Push {
        base: Operand,
        value: Operand,
    },
    /// `a.clone()`, `a.to_vec()`, `a.to_owned()`: a local copy of an array.
    Copy(Operand, syn::Ident),
    /// `base` with the element at `index` set to `value`: `y[i] = e` (compound assignments
    /// read the element first). The new version of the array; the old one is not read after.
    Store {
        base: Operand,
        index: Operand,
        value: Operand,
    },
}

impl Op {
    /// The operands in order (receiver first for methods).
    pub fn operands(&self) -> Vec<&Operand> {
        match self {
            Op::Use(a)
            | Op::Deref(a)
            | Op::Neg(a)
            | Op::Cast(a, _)
            | Op::Not(a)
            | Op::Copy(a, _)
            | Op::Field(a, _)
            | Op::Matches(a, _) => vec![a],
            Op::Filled { value, len, .. } => vec![value, len],
            Op::Zeros { shape, .. } => vec![shape],
            Op::FromElem { shape, value, .. } => vec![shape, value],
            Op::NewVec { capacity } => capacity.iter().collect(),
            Op::Push { base, value } => vec![base, value],
            Op::Store { base, index, value } => vec![base, index, value],
            Op::Binary(_, a, b) | Op::Compare(_, a, b) | Op::MinLen(a, b) | Op::Or(a, b) => {
                vec![a, b]
            }
            Op::Method { receiver, args, .. } => std::iter::once(receiver).chain(args).collect(),
            Op::Concat { axis, items, .. } => std::iter::once(axis).chain(items).collect(),
            Op::Slice { base, elems } => std::iter::once(base)
                .chain(elems.iter().flat_map(SliceElem::operands))
                .collect(),
            Op::Map {
                receiver, captures, ..
            } => std::iter::once(receiver)
                .chain(captures.iter().map(|c| &c.value))
                .collect(),
            Op::Index { base, index } => vec![base, index],
            Op::Array(items)
            | Op::NdArray { items, .. }
            | Op::Tuple(items)
            | Op::Call { args: items, .. }
            | Op::GradCall { args: items, .. } => items.iter().collect(),
        }
    }
}

/// One element of `s![..]` ([`Op::Slice`]), its integers lowered.
#[derive(Clone, Debug)]
pub enum SliceElem {
    /// `i`: one index, which removes the axis.
    Index(Operand),
    /// `a..b`, `a..`, `..b`, `..`, `a..=b`, each with an optional `;step`.
    Range {
        start: Option<Operand>,
        end: Option<Operand>,
        inclusive: bool,
        step: Option<Operand>,
    },
    /// `NewAxis`.
    NewAxis,
}

impl SliceElem {
    /// The integers it reads.
    pub fn operands(&self) -> Vec<&Operand> {
        match self {
            SliceElem::Index(i) => vec![i],
            SliceElem::Range {
                start, end, step, ..
            } => [start, end, step].into_iter().flatten().collect(),
            SliceElem::NewAxis => Vec::new(),
        }
    }
}

/// A value a closure reads from the enclosing function ([`Op::Map`]).
#[derive(Clone, Debug)]
pub struct Capture {
    pub value: Operand,
    /// A float of the function's type, which gets a cotangent (an integer does not).
    pub float: bool,
}

/// A statement of a [`Body`].
#[derive(Debug)]
pub enum Stmt {
    /// `let var = op;`
    Let(Let),
    /// `if cond { then } else { else_ }`, merging the variables either arm assigns.
    If(If),
    /// `for index in range { body }`, carrying the variables the body assigns.
    Loop(Loop),
}

/// `if cond { then } else { else_ }`. An `if` without `else` has an empty `else_`; `else if`
/// is an `If` alone in `else_`.
#[derive(Debug)]
pub struct If {
    /// Numbers the record types in the order `cargo expand` shows them (`<F>If0`).
    pub id: usize,
    /// A `bool` operand, evaluated before either arm.
    pub cond: Operand,
    pub then: Body,
    pub else_: Body,
    /// The variables after the `if`, each from the arm that ran.
    pub merges: Vec<Phi>,
    /// The record of the arm that ran (an enum), where the reverse sweep reads one.
    pub record: VarId,
    pub span: Span,
}

/// `var = φ(then, else_)`: `var` is `then` if the `then` arm ran, `else_` otherwise.
#[derive(Debug)]
pub struct Phi {
    pub var: VarId,
    pub then: Operand,
    pub else_: Operand,
}

/// A loop: `for index in range { body }` over a range of integers, `while cond { body }`, or
/// `loop { body }`, each iteration ending early where a `break` or `continue` set a flag (the
/// statements after it are guarded by `if`s on the flags).
#[derive(Debug)]
pub struct Loop {
    /// Numbers the record types (`<F>Loop0`).
    pub id: usize,
    /// The loop variable, if named; the reverse sweep recomputes it from the range where the
    /// loop always runs to its end, and keeps it in the records otherwise.
    pub index: Option<VarId>,
    /// `for` loops: the range.
    pub range: Option<Range>,
    /// `while` loops: the condition, computed at the start of every iteration.
    pub cond: Option<Cond>,
    pub body: Body,
    pub carried: Vec<Carried>,
    /// Carried flags (`inside` variables) that end the loop after the iteration that set them:
    /// its own `break`, and jumps out of it to an enclosing loop or out of the function.
    pub exits: Vec<VarId>,
    /// Inside another loop.
    pub nested: bool,
    /// `#[checkpoint]`: what the forward sweep keeps instead of every iteration's record.
    pub checkpoint: Option<crate::checkpoint::Checkpoint>,
    /// One record per iteration (a `Vec`), where the reverse sweep reads one.
    pub records: VarId,
    pub span: Span,
}

/// A `while` loop's condition: statements, then the `bool` operand.
#[derive(Debug)]
pub struct Cond {
    pub body: Body,
    pub value: Operand,
}

impl Range {
    /// The bounds and the step.
    pub fn operands(&self) -> Vec<&Operand> {
        let mut operands = vec![&self.start, &self.end];
        for adaptor in &self.adaptors {
            if let Adaptor::StepBy(step) = adaptor {
                operands.push(step);
            }
        }
        operands
    }
}

impl Loop {
    /// Whether the reverse sweep can run the range backwards for the index: a `for` loop with
    /// no early exit and no `step_by` (`StepBy` runs backwards only over ranges whose length
    /// is exact, which `a..=b` and ranges of 64-bit integers are not; those loops keep the index).
    /// A loop checkpointed with `every` or `snapshots` keeps the index in its records: the
    /// reverse sweep takes back a segment of iterations at a time.
    pub fn recomputes_index(&self) -> bool {
        !self.checkpoint.as_ref().is_some_and(|c| c.segments())
            && self.range.as_ref().is_some_and(|range| {
                !range
                    .adaptors
                    .iter()
                    .any(|a| matches!(a, Adaptor::StepBy(_)))
            })
            && self.exits.is_empty()
    }

    /// Whether the records of all its runs go in one `Vec` for the whole call, declared with
    /// the function's residuals, rather than one per run of the enclosing loop: a nested loop
    /// over a range known only at run time, whose reverse takes its records back off the end
    /// (the range says how many).
    pub fn flat_records(&self) -> bool {
        self.nested && self.recomputes_index() && self.static_trip_bound().is_none()
    }

    /// At most how many iterations run, where the source says it as a constant: `0..N`,
    /// `2..10`, `0..=3` (with `.rev()`, `.step_by(k)` after them), so that the records fit in an
    /// array on the stack. Not past [`STACK_RECORDS`] iterations of a literal.
    pub fn static_trip_bound(&self) -> Option<proc_macro2::TokenStream> {
        // Checkpointed with `every` or `snapshots`: records of a segment at a time, in a `Vec`.
        if self.checkpoint.as_ref().is_some_and(|c| c.segments()) {
            return None;
        }
        let range = self.range.as_ref()?;
        let literal = |o: &Operand| match o {
            Operand::Const(tokens) => syn::parse2::<syn::LitInt>(tokens.clone())
                .ok()?
                .base10_parse::<u64>()
                .ok(),
            Operand::Var(_) => None,
        };
        literal(&range.start)?;
        match (&range.end, literal(&range.end), range.inclusive) {
            (_, Some(end), inclusive) => {
                let bound = end + u64::from(inclusive);
                (bound <= STACK_RECORDS).then(|| {
                    let bound = proc_macro2::Literal::u64_unsuffixed(bound);
                    quote::quote!(#bound)
                })
            }
            // A constant's name (`N`, `STEPS`), which may be a const generic parameter.
            (Operand::Const(tokens), None, false)
                if syn::parse2::<syn::Path>(tokens.clone()).is_ok() =>
            {
                Some(tokens.clone())
            }
            _ => None,
        }
    }
}

/// The most iterations of a loop with a literal trip count whose records are kept on the stack;
/// longer loops keep them in a `Vec`.
pub const STACK_RECORDS: u64 = 4096;

/// `start..end`, `start..=end`, with `.rev()` and `.step_by(step)` after it.
#[derive(Clone, Debug)]
pub struct Range {
    pub start: Operand,
    pub end: Operand,
    pub inclusive: bool,
    pub adaptors: Vec<Adaptor>,
}

#[derive(Clone, Debug)]
pub enum Adaptor {
    Rev,
    StepBy(Operand),
}

/// A variable a loop body assigns: `inside` is its value at the start of an iteration
/// (`before` on the first), `next` at the end, `after` once the loop has run.
#[derive(Debug)]
pub struct Carried {
    pub before: Operand,
    pub inside: VarId,
    pub next: Operand,
    pub after: VarId,
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
    /// Every `let` of the body and of the bodies inside it, in the order they appear.
    pub fn lets(&self) -> impl DoubleEndedIterator<Item = &Let> {
        let mut all = Vec::new();
        self.collect_lets(&mut all);
        all.into_iter()
    }

    fn collect_lets<'a>(&'a self, all: &mut Vec<&'a Let>) {
        for stmt in &self.stmts {
            match stmt {
                Stmt::Let(l) => all.push(l),
                Stmt::If(i) => {
                    i.then.collect_lets(all);
                    i.else_.collect_lets(all);
                }
                Stmt::Loop(f) => {
                    if let Some(cond) = &f.cond {
                        cond.body.collect_lets(all);
                    }
                    f.body.collect_lets(all);
                }
            }
        }
    }

    /// Every place the body reads operands, in the order they appear, with the variable the
    /// reading statement binds (`None` for a condition, a range or a loop's carried values).
    pub fn uses(&self) -> impl Iterator<Item = (Option<VarId>, Vec<&Operand>)> {
        let mut all = Vec::new();
        self.collect_uses(&mut all);
        all.into_iter()
    }

    fn collect_uses<'a>(&'a self, all: &mut Vec<(Option<VarId>, Vec<&'a Operand>)>) {
        for stmt in &self.stmts {
            stmt.collect_uses(all);
        }
    }

    /// [`Body::uses`], into `all`.
    pub fn collect_uses_into<'a>(&'a self, all: &mut Vec<(Option<VarId>, Vec<&'a Operand>)>) {
        self.collect_uses(all);
    }
}

impl Stmt {
    /// [`Body::uses`] of one statement.
    pub fn collect_uses<'a>(&'a self, all: &mut Vec<(Option<VarId>, Vec<&'a Operand>)>) {
        {
            let stmt = self;
            match stmt {
                Stmt::Let(l) => all.push((Some(l.var), l.op.operands())),
                Stmt::If(i) => {
                    all.push((None, vec![&i.cond]));
                    i.then.collect_uses(all);
                    i.else_.collect_uses(all);
                    for phi in &i.merges {
                        all.push((Some(phi.var), vec![&phi.then, &phi.else_]));
                    }
                }
                Stmt::Loop(f) => {
                    if let Some(range) = &f.range {
                        all.push((None, range.operands()));
                    }
                    all.push((None, f.carried.iter().map(|c| &c.before).collect()));
                    if let Some(cond) = &f.cond {
                        cond.body.collect_uses(all);
                        all.push((None, vec![&cond.value]));
                    }
                    f.body.collect_uses(all);
                    all.push((None, f.carried.iter().map(|c| &c.next).collect()));
                }
            }
        }
    }
}

impl Body {
    /// Every `if` and loop of the body and of the bodies inside it, in the order they appear.
    pub fn compounds(&self) -> Vec<&Stmt> {
        let mut all = Vec::new();
        self.collect_compounds(&mut all);
        all
    }

    fn collect_compounds<'a>(&'a self, all: &mut Vec<&'a Stmt>) {
        for stmt in &self.stmts {
            match stmt {
                Stmt::Let(_) => {}
                Stmt::If(i) => {
                    all.push(stmt);
                    i.then.collect_compounds(all);
                    i.else_.collect_compounds(all);
                }
                Stmt::Loop(f) => {
                    all.push(stmt);
                    if let Some(cond) = &f.cond {
                        cond.body.collect_compounds(all);
                    }
                    f.body.collect_compounds(all);
                }
            }
        }
    }
}

#[derive(Debug)]
pub struct Function {
    pub vars: Vec<Var>,
    pub params: Vec<Param>,
    pub body: Body,
    /// The functions called, each through an alias declared beside the caller.
    pub callees: Callees,
    /// The closures' bodies made functions ([`Op::Map`]), as items for `#[grad]` to expand
    /// beside the caller.
    pub closures: Vec<proc_macro2::TokenStream>,
    /// Loop-invariant values carried out of their loop (`lower::invariants`): each value, and
    /// the variable holding it after the loop, which the reverse sweep reads in its place.
    pub invariants: std::collections::HashMap<VarId, VarId>,
    /// Of those, the element reads the forward sweep takes once before their loop, if it runs
    /// an iteration (`lower::invariants`): in the loop, the element would be read again in
    /// every iteration, as a store to another array may change it for all rustc knows.
    pub hoisted: std::collections::HashSet<VarId>,
    /// For a float method whose row names a value kept beside it
    /// ([`Primitive::beside`]) and whose input is differentiated: that value, which the reverse
    /// sweep reads instead of the input where it would otherwise keep the input. Unread, it is
    /// not computed (liveness).
    pub beside: std::collections::BTreeMap<VarId, Beside>,
}

/// The value kept beside a result ([`Function::beside`]).
#[derive(Clone, Copy, Debug)]
pub struct Beside {
    pub var: VarId,
    /// Bound by a `let` added right after the result's (`let s_1_cos = s_1.cos();` after
    /// `let t2 = s_1.sin();`), which only the reverse sweep reads; not added where the body
    /// computes that value itself (`s.cos()` written beside `s.sin()`).
    pub added: bool,
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

    /// The inputs of a map's closure that get derivatives ([`Op::Map`]): the receiver, then
    /// each float captured, each with whether it is differentiated. The differentiated ones,
    /// in this order, are the `K` derivatives of each element.
    pub fn map_inputs<'a>(
        &self,
        receiver: &'a Operand,
        captures: &'a [Capture],
    ) -> Vec<(&'a Operand, bool)> {
        std::iter::once(receiver)
            .chain(captures.iter().filter(|c| c.float).map(|c| &c.value))
            .map(|input| (input, self.is_active(input)))
            .collect()
    }
}
