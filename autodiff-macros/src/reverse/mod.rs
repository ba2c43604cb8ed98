//! The reverse pass: from the SSA forward sweep to the reverse sweep.
//!
//! In: a lowered [`Function`]. Out: a [`Reverse`]: the reverse sweep as a list of [`Adjoint`]
//! statements in execution order, the primal variables it reads (they become the residuals), and
//! which forward statements are needed at all.
//!
//! The sweep visits the statements backwards and, for each one whose result is active and reaches
//! the output, adds its vector-Jacobian product into the cotangent of each active operand. The
//! first contribution to a cotangent *declares* it (`let mut bar_a = ..;`), so nothing is
//! initialised to zero and then added to; later ones add with `+=`. A contribution to one
//! element of an array (from indexing) declares a zero array first. Statements whose result does
//! not reach the output, or does not depend on a differentiated parameter, get no adjoint.

mod control;

pub use control::forward_range;
mod declare;
mod drops;
mod rules;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::analysis::{Scope, TypeTable};
use crate::analysis::{is_borrowed, is_ndarray};
use crate::input::{Input, Shape};
use crate::naming::Names;
use crate::ssa::{BinOp, Carried, Function, Loop, Op, Operand, Stmt, VarId};

/// One statement of the reverse sweep.
pub enum Adjoint {
    /// `drop(v);`: an array the rest of the sweep no longer reads.
    Drop(Ident),
    /// `let [mut] bar_v = value;`: the first contribution to `bar_v`.
    Declare {
        target: VarId,
        mutable: bool,
        value: TokenStream,
    },
    /// `bar_v += value;`, `bar_v[index] += value;`, `bar_v.0 += value;`, or the array form of
    /// `+=`.
    Add {
        target: VarId,
        index: Option<Part>,
        value: TokenStream,
        how: Accumulation,
    },
    /// `let (t1, _) = pullback(..);`, for pullbacks with several cotangents.
    Bind {
        names: Vec<Option<Ident>>,
        value: TokenStream,
    },
    /// `let b_recip = b.recip();`: a value contributions share, computed before the sweep;
    /// `let mut lparams_end = ..;`: a running counter ([`Running`]).
    Let {
        name: Ident,
        value: TokenStream,
        mutable: bool,
    },
    /// `lparams_end = lparams;` (`op` `=`), `lparams_end += ..;`: a running counter handed to
    /// the iteration before, or summed up.
    Set {
        name: Ident,
        op: TokenStream,
        value: TokenStream,
    },
    /// `bar_v = value;`: a loop's carried cotangent, handed to the iteration before, or the
    /// first contribution in an arm to a cotangent declared before the `if`.
    Assign { target: VarId, value: TokenStream },
    /// `let [mut] bar_v;`: a cotangent each arm of the `if` after it sets.
    DeclareLater { target: VarId, mutable: bool },
    /// `bar_v[index] = value`: the zero left where an overwritten element's cotangent was.
    Zero {
        target: VarId,
        index: TokenStream,
        value: TokenStream,
    },
    /// `match if0 { Then { .. } => { .. } Else { .. } => { .. } }`: the reverse of the arm that
    /// ran, from the `if`'s record.
    If {
        record: VarId,
        then: Vec<Adjoint>,
        else_: Vec<Adjoint>,
    },
    /// `for (i, record) in range.rev().zip(records.into_iter().rev()) { .. }`: the iterations in
    /// reverse.
    Loop {
        /// The loop's record variable, naming it.
        record: VarId,
        /// Whether the reverse sweep reads the records.
        keeps: bool,
        /// The index, where the reverse sweep reads it, with the range reversed.
        index: Option<(Option<VarId>, TokenStream)>,
        body: Vec<Adjoint>,
    },
}

pub struct Reverse {
    pub stmts: Vec<Adjoint>,
    /// Primal variables the reverse sweep reads, in definition order: the residuals.
    pub reads: BTreeSet<VarId>,
    /// Arrays whose shape (`raw_dim()`) the reverse sweep reads, with the residual's name.
    pub dims: BTreeMap<VarId, Ident>,
    /// For each variable, whether the forward sweep computes it: the output or the reverse
    /// sweep needs it.
    pub live: Vec<bool>,
    /// The name of each variable's cotangent.
    pub bars: HashMap<VarId, Ident>,
    /// The output cotangent is the parameter of `f_bwd` and the first contribution to this
    /// variable, when the output is an active variable.
    pub seeded: Option<VarId>,
    /// The name of `f_bwd`'s output-cotangent parameter when it arrives by reference (arrays).
    pub bar_out: Option<Ident>,
    /// Whether the seeded cotangent receives further contributions (so the parameter is `mut`).
    pub seed_mutable: bool,
    /// Where each variable is defined, which decides where a value the sweep reads is kept.
    pub scopes: HashMap<VarId, crate::analysis::Scope>,
}

/// The part of a cotangent a contribution adds into.
#[derive(Clone, Debug)]
pub enum Part {
    /// `bar[index]`: an element of an array (from indexing).
    Index(TokenStream),
    /// `bar.0`: a field of a tuple (from `p.0` or `let (a, b) = p;`).
    Field(usize),
    /// `bar[start..][..len][at]`: an element at a counter's value ([`Cx::window`]).
    Window(Window),
}

impl Part {
    /// The part of `bar`: `bar[index]`, `bar[start..][..len][at]`, `bar.0`.
    pub fn of(&self, bar: &TokenStream) -> TokenStream {
        match self {
            Part::Index(index) => quote!(#bar[#index]),
            Part::Window(window) => window.of(bar),
            Part::Field(i) => {
                let i = syn::Index::from(*i);
                quote!(#bar.#i)
            }
        }
    }
}

/// The values a counter takes over one run of its loop, `start..start + len`, and how many
/// iterations came before the one being reversed, `at`: an element read at the counter in every
/// iteration (`icf[lparams]` of ADBench GMM's triangle) is `icf[start..][..len][at]`. The
/// window's bounds are the same in every iteration and `at < len` follows from the loop's range,
/// so the optimiser checks the bounds once per run of the loop instead of once per iteration;
/// the forward sweep read each of those elements, so the window is in bounds.
#[derive(Clone, Debug)]
pub struct Window {
    pub start: TokenStream,
    pub len: TokenStream,
    pub at: TokenStream,
}

impl Window {
    /// The element of `base`.
    pub fn of(&self, base: &TokenStream) -> TokenStream {
        let Window { start, len, at } = self;
        quote!(#base[#start..][..#len][#at])
    }
}

/// How a contribution is added into a declared cotangent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accumulation {
    /// `bar += value` (floats of a concrete type).
    AddAssign,
    /// `bar = bar + value`: a generic float type, which `num_traits::Float` gives `+` but not
    /// `+=`.
    Plus,
    /// `Accumulate::accumulate(&mut bar, value)`: arrays, element-wise.
    Array,
    /// `AccumulateFloats::accumulate_floats(&mut bar, value)`: arrays and tuples of a generic
    /// float type, element-wise (`Accumulate` is implemented for `f32` and `f64` only).
    Floats,
    /// `bar[i] = value`: the first contribution to an element of a cotangent that was declared
    /// zero, where `0.0 + value` would cost an addition (IEEE keeps LLVM from removing it, for
    /// `-0.0`) and the zero a store.
    Set,
}

/// A contribution before declarations are decided.
pub(super) enum Raw {
    Add {
        target: VarId,
        index: Option<Part>,
        value: TokenStream,
    },
    Bind {
        names: Vec<Option<Ident>>,
        value: TokenStream,
    },
    Drop(Ident),
    /// `let [mut] name = value;`
    Let {
        name: Ident,
        value: TokenStream,
        mutable: bool,
    },
    /// `name op value;`: `=`, `+=`, `-=`
    Set {
        name: Ident,
        op: TokenStream,
        value: TokenStream,
    },
    /// `bar_v[index] = 0`: an element overwritten in the forward sweep, whose cotangent went to
    /// the value written.
    Zero {
        target: VarId,
        index: TokenStream,
    },
    /// `bar_v = value;` (a zero of `v`'s type where `None`).
    Assign {
        target: VarId,
        value: Option<TokenStream>,
    },
    If {
        record: VarId,
        /// Cotangents declared (zero) before it if not yet.
        ensure: Vec<VarId>,
        then: Vec<Raw>,
        else_: Vec<Raw>,
    },
    Loop {
        /// The loop's record variable, naming it.
        record: VarId,
        /// Whether the reverse sweep reads the records.
        keeps: bool,
        index: Option<(Option<VarId>, TokenStream)>,
        ensure: Vec<VarId>,
        body: Vec<Raw>,
    },
}

impl Raw {
    /// Every target this contribution (and those inside it) adds into or assigns.
    pub(super) fn targets(&self, out: &mut Vec<VarId>) {
        match self {
            Raw::Add { target, .. } | Raw::Assign { target, .. } | Raw::Zero { target, .. } => {
                out.push(*target)
            }
            Raw::Bind { .. } | Raw::Drop(_) | Raw::Let { .. } | Raw::Set { .. } => {}
            Raw::If {
                ensure,
                then,
                else_,
                ..
            } => {
                out.extend(ensure);
                for raw in then.iter().chain(else_) {
                    raw.targets(out);
                }
            }
            Raw::Loop { ensure, body, .. } => {
                out.extend(ensure);
                for raw in body {
                    raw.targets(out);
                }
            }
        }
    }
}

/// What [`Cx::mark`] saves.
pub(super) struct Mark {
    reads: BTreeSet<VarId>,
    last_read: HashMap<VarId, usize>,
    bound: Option<usize>,
    runs: usize,
    again: usize,
}

/// What [`Cx::enter`] saves of the enclosing body.
pub(super) struct Saved {
    raw: Vec<Raw>,
    recips: Vec<(VarId, Ident, TokenStream)>,
    reads_first: Option<Vec<(VarId, TokenStream)>>,
}

pub(super) struct Cx<'a> {
    pub function: &'a Function,
    pub types: &'a TypeTable,
    pub names: &'a mut Names,
    pub reads: BTreeSet<VarId>,
    /// For each read variable, the index in `raw` of the last contribution reading it.
    pub last_read: HashMap<VarId, usize>,
    pub dims: BTreeMap<VarId, Ident>,
    pub bars: HashMap<VarId, Ident>,
    pub raw: Vec<Raw>,
    /// `let b_recip = b.recip();` for each divisor, written before the sweep (of the body being
    /// reversed).
    pub recips: Vec<(VarId, Ident, TokenStream)>,
    /// In the reverse of a loop's iteration, the elements [`Cx::recompute`] reads again
    /// (`let t3 = x[i];`), bound before the sweep of the iteration in the order the forward
    /// read them (`None` outside a loop's body, and in an `if` within one, whose reads stay
    /// where they are): see [`Cx::enter_loop`].
    pub reads_first: Option<Vec<(VarId, TokenStream)>>,
    /// Where each variable is defined.
    pub scopes: HashMap<VarId, crate::analysis::Scope>,
    /// The operation binding each `let` variable.
    pub defs: HashMap<VarId, &'a Op>,
    /// The indices of loops the reverse sweep runs over the reversed range, which it has.
    pub recomputed_indices: std::collections::HashSet<VarId>,
    /// Integers a loop steps by the same amount in every iteration, which the reverse sweep
    /// computes from the loop's index (see [`counters`]).
    pub counters: HashMap<VarId, Counter<'a>>,
    /// Integers a loop steps by an inner loop's counter, which the reverse sweep carries
    /// backwards from the loop's end (see [`Running`]).
    pub running: HashMap<VarId, Running<'a>>,
    /// The running counters the reverse sweep reads, each once.
    pub runs: Vec<Run<'a>>,
    /// The name of each running counter's value at the end of an iteration.
    pub ends: HashMap<VarId, Ident>,
    /// The running counters whose steps [`Cx::run`] is computing.
    pub in_run: Vec<VarId>,
    /// Local arrays a loop fills, one element per iteration, with an expression of its index
    /// (see [`Fill`]).
    pub fills: HashMap<VarId, Fill<'a>>,
    /// Each value carried out of its loop as an invariant (`t_kept`), and the value it keeps
    /// ([`Function::invariants`] the other way).
    pub kept: HashMap<VarId, VarId>,
    /// Each loop by its index.
    pub indexed: HashMap<VarId, &'a Loop>,
    /// Kept values computed again where the reverse of their body starts (see [`Cx::again`]).
    pub again: Vec<Again>,
    /// While [`Cx::again`] computes a filled element: the filling loop's index, and the index
    /// the element is read at, which stands for it.
    pub substitute: Option<(VarId, TokenStream)>,
    /// Local arrays of the function's body that nothing changes or moves once made, only
    /// indexes: kept whole (moved into the residuals, not copied), an element is read again.
    pub read_only: std::collections::HashSet<VarId>,
    /// Each element read, and the first read of the same element (the same array and index
    /// variables) in the same body: `let t3 = x[i]; .. let t9 = x[i];` give `t9 → t3`, and the
    /// reverse binds that element once, as `t3` (see [`Cx::enter_loop`]).
    pub first_read: HashMap<VarId, VarId>,
    /// How many operands name each variable in the forward sweep.
    pub uses: HashMap<VarId, usize>,
    /// Statements whose adjoint the rule of a later statement wrote (`a[i] += e`: the read and
    /// the sum, reversed with the store).
    pub fused: std::collections::HashSet<VarId>,
    /// Values the same in every iteration of their loop whose cotangents add up over the
    /// iterations, declared before the loop (`control::loop_rule`).
    pub summed: std::collections::HashSet<VarId>,
    /// How deep in `if`s and loops the rule being written is.
    pub depth: usize,
    /// Where the outermost `if` or loop being reversed goes in the function's sweep: reads
    /// inside it count as reads there, for dropping arrays.
    pub compound_at: usize,
}

impl<'a> Cx<'a> {
    /// Starts the reverse of a nested body: contributions go to a list of their own.
    pub fn enter(&mut self) -> Saved {
        if self.depth == 0 {
            self.compound_at = self.raw.len();
        }
        self.depth += 1;
        Saved {
            raw: std::mem::take(&mut self.raw),
            recips: std::mem::take(&mut self.recips),
            reads_first: self.reads_first.take(),
        }
    }

    /// Starts the reverse of a loop's body, whose element reads are bound first, in the
    /// forward's order. Where they were written at each use, in the sweep's order, Rosenbrock's
    /// reverse loop checked `x[i + 1]` before `x[i]`: LLVM's IndVarSimplify turns a bounds
    /// check of `i` in `(0..n).rev()` into one test before the loop, but not one of `i + 1`
    /// (the range's own counter), and with that check first, `x[i]`'s is implied and gone, so
    /// one stayed in every iteration (1.12-1.14 x the hand-written loop, 1.06-1.08 without;
    /// `BENCHMARKS.md`). Reading as the forward did gives LLVM the checks in the order it
    /// already proved for the forward loop.
    pub fn enter_loop(&mut self) -> Saved {
        let saved = self.enter();
        self.reads_first = Some(Vec::new());
        saved
    }

    /// Ends the reverse of a nested body: its contributions, with its shared reciprocals first.
    pub fn leave(&mut self, saved: Saved) -> Vec<Raw> {
        self.depth -= 1;
        let raw = std::mem::replace(&mut self.raw, saved.raw);
        let recips = std::mem::replace(&mut self.recips, saved.recips);
        let mut reads =
            std::mem::replace(&mut self.reads_first, saved.reads_first).unwrap_or_default();
        // Variables are numbered in the order the forward defines them (`lower` pushes each
        // `let`'s variable as it lowers it).
        reads.sort_by_key(|(v, _)| *v);
        let mut body: Vec<Raw> = reads
            .into_iter()
            .map(|(v, value)| Raw::Let {
                name: self.function.var(v).name.clone(),
                value,
                mutable: false,
            })
            .collect();
        body.extend(recips.into_iter().map(|(_, name, value)| Raw::Let {
            name,
            value,
            mutable: false,
        }));
        body.extend(raw);
        body
    }

    /// `1 / b` for the variable `b`, computed once, where the reverse sweep starts: it depends
    /// on nothing the sweep computes, so its latency overlaps the sweep, where `bar / b` would
    /// put a division's on the sweep's critical path.
    pub fn recip(&mut self, b: VarId) -> Ident {
        if let Some((_, name, _)) = self.recips.iter().find(|(v, ..)| *v == b) {
            return name.clone();
        }
        let value = self.primal(&Operand::Var(b));
        let primal = self.function.var(b).name.clone();
        let name = self.names.fresh(&format!("{primal}_recip"), primal.span());
        self.recips.push((b, name.clone(), quote!(#value.recip())));
        name
    }

    /// The primal value of an operand in the reverse sweep, recording the read.
    pub fn primal(&mut self, operand: &Operand) -> TokenStream {
        if let Operand::Var(v) = operand {
            let mark = self.mark();
            let scope = self.scope(*v);
            match self.recompute(*v, 0, scope) {
                Some(tokens) => return tokens,
                // Undo what a failed attempt read.
                None => self.undo(mark),
            }
            // The same in every iteration of its loop: kept once, after the loop.
            if let Some(&after) = self.function.invariants.get(v) {
                return self.primal(&Operand::Var(after));
            }
        }
        match operand {
            Operand::Var(v) => {
                self.reads.insert(*v);
                let at = if self.depth == 0 {
                    self.raw.len()
                } else {
                    self.compound_at
                };
                self.last_read.insert(*v, at);
                let name = &self.function.var(*v).name;
                // A float behind a reference parameter (`x: &f64`) is passed by value.
                if is_borrowed(self.function, *v) && !self.types.of(*v).array {
                    return quote!((*#name));
                }
                quote!(#name)
            }
            Operand::Const(tokens) => tokens.clone(),
        }
    }

    /// Whether the reverse sweep has `operand` without keeping it for this read: a constant, a
    /// parameter, a recomputed loop index, or a value [`Cx::recompute`] computes again (`x[i]`).
    /// Reads nothing.
    pub fn at_hand(&mut self, operand: &Operand) -> bool {
        let Operand::Var(v) = operand else {
            return true;
        };
        if self.function.params.iter().any(|p| p.var == *v) || self.recomputed_indices.contains(v) {
            return true;
        }
        let mark = self.mark();
        let scope = self.scope(*v);
        let found = self.recompute(*v, 0, scope).is_some();
        self.undo(mark);
        found
    }

    /// What an attempt to compute a value again may add to: undone with [`Cx::undo`] where the
    /// attempt fails.
    fn mark(&self) -> Mark {
        Mark {
            reads: self.reads.clone(),
            last_read: self.last_read.clone(),
            bound: self.reads_first.as_ref().map(Vec::len),
            runs: self.runs.len(),
            again: self.again.len(),
        }
    }

    /// Forgets what was read, bound, carried ([`Cx::runs`]) and computed again
    /// ([`Cx::again`]) since `mark`.
    fn undo(&mut self, mark: Mark) {
        (self.reads, self.last_read) = (mark.reads, mark.last_read);
        if let (Some(reads), Some(len)) = (self.reads_first.as_mut(), mark.bound) {
            reads.truncate(len);
        }
        self.runs.truncate(mark.runs);
        self.again.truncate(mark.again);
    }

    /// A value of an `if`'s arm or a loop's iteration computed again where the reverse sweep
    /// reads it, instead of kept in a record, where that is one cheap operation on what the
    /// sweep has anyway: an element of a parameter (`x[i]`; also an array of a list parameter,
    /// a borrow no record could hold; an element of a local array nothing changes after it is
    /// made), `+ - *` and `-`, of constants, recomputed loop indices, values kept once for the
    /// whole call, and other such values, a few levels deep.
    /// Same operations on the same values: the same bits. Operands defined in a body around
    /// the one `within`, where the value is read, are read where they are kept, once per run of
    /// that body; counters ([`counters`]) are computed from their loop's index.
    fn recompute(&mut self, var: VarId, depth: usize, within: Scope) -> Option<TokenStream> {
        const DEPTH: usize = 3;
        let borrowed = self.function.var(var).borrowed;
        let in_body = self.scopes.get(&var) != Some(&Scope::Function);
        if depth > DEPTH || !(in_body || borrowed) || (self.types.of(var).array && !borrowed) {
            return None;
        }
        if let Some(counter) = self.counters.get(&var).copied() {
            // A counter of the filling loop is computed from that loop's index, not the read's.
            if self.substitute.is_some() {
                return None;
            }
            return self.counter(counter, depth, within);
        }
        if let Some(running) = self.running.get(&var).copied() {
            return self.run(running);
        }
        if let Some(&value) = self.kept.get(&var) {
            return self.again(value, var);
        }
        let op = *self.defs.get(&var)?;
        let tokens = match op {
            Op::Index {
                base: base @ Operand::Var(b),
                index,
            } if self.function.params.iter().any(|p| p.var == *b) || self.read_only.contains(b) => {
                // The index as the sweep has it anyway; or, where the parameter is
                // differentiated, as the element read's own rule keeps it (`bar_w[k] += ..`
                // reads `k`): a counter carried by a loop then costs one record, not two
                // (`icf[lparams] * xc[i]` in ADBench's GMM).
                let window = if borrowed || self.substitute.is_some() {
                    None
                } else {
                    self.window(var, base, index)
                };
                let element = match window {
                    Some(window) => window.of(&self.primal(base)),
                    None => {
                        let index = match self.available(index, depth, within) {
                            Some(index) => index,
                            None if self.function.var(*b).active
                                && self.function.var(var).active
                                && self.substitute.is_none() =>
                            {
                                self.primal(index)
                            }
                            None => return None,
                        };
                        let base = self.primal(base);
                        quote!(#base[#index])
                    }
                };
                if borrowed {
                    quote!((&#element))
                } else if let Some(reads) = self.reads_first.as_mut() {
                    // Read once where the iteration's reverse starts (see `enter_loop`), under
                    // the name of the body's first read of the element.
                    let first = self.first_read.get(&var).copied().unwrap_or(var);
                    if !reads.iter().any(|(v, _)| *v == first) {
                        reads.push((first, element));
                    }
                    let name = &self.function.var(first).name;
                    quote!(#name)
                } else {
                    element
                }
            }
            Op::Binary(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul), a, b) => {
                let (a, b) = (
                    self.available(a, depth, within)?,
                    self.available(b, depth, within)?,
                );
                let op = match op {
                    BinOp::Add => quote!(+),
                    BinOp::Sub => quote!(-),
                    _ => quote!(*),
                };
                quote!((#a #op #b))
            }
            Op::Neg(a) => {
                let a = self.available(a, depth, within)?;
                quote!((-#a))
            }
            Op::Use(a) => self.available(a, depth, within)?,
            _ => return None,
        };
        Some(tokens)
    }

    /// An operand of a value [`Cx::recompute`] computes again, if the reverse sweep has it
    /// without a record: a constant, a parameter or a value kept once for the whole call, a
    /// recomputed loop index, a scalar of a body around the one `within` (kept once per run of
    /// that body), or a value computed again in turn.
    fn available(&mut self, operand: &Operand, depth: usize, within: Scope) -> Option<TokenStream> {
        let Operand::Var(v) = operand else {
            return Some(self.primal(operand));
        };
        if let Some((index, at)) = &self.substitute
            && index == v
        {
            return Some(at.clone());
        }
        if self.scopes.get(v) == Some(&Scope::Function)
            || self.recomputed_indices.contains(v)
            || (!self.types.of(*v).array && self.encloses(self.scope(*v), within))
        {
            return Some(self.primal(operand));
        }
        // Not a value kept anyway: computed again, or not at all (the caller keeps its own).
        if self.defs.get(v).is_some_and(|op| {
            !matches!(
                op,
                Op::Index { .. } | Op::Binary(..) | Op::Neg(_) | Op::Use(_)
            )
        }) {
            return None;
        }
        self.recompute(*v, depth + 1, within)
    }

    /// A running counter's value in the iteration being reversed, by the name the forward gave
    /// it: `control::loop_rule` binds it at the start of each iteration's reverse from the
    /// value at the iteration's end (`let lparams_1 = lparams_1_end - ..;`). `None` where the
    /// inner loop's steps are not at hand where the iteration's reverse starts.
    fn run(&mut self, running: Running<'a>) -> Option<TokenStream> {
        let name = self.function.var(running.carried.inside).name.clone();
        if self
            .runs
            .iter()
            .any(|r| r.inside() == running.carried.inside)
        {
            return Some(quote!(#name));
        }
        // Not while its own steps are being computed: a row whose range or step reads the
        // counter (`for j in 0..c { ..; c += 1; }`) is kept.
        if self.substitute.is_some() || self.in_run.contains(&running.carried.inside) {
            return None;
        }
        let Counter {
            looped: inner,
            step,
            ..
        } = running.inner;
        let range = inner.range.as_ref()?;
        let within = Scope::Loop(running.looped.records);
        // Named once: an attempt that fails is undone, and this may be asked again.
        let end = match self.ends.get(&running.carried.inside) {
            Some(end) => end.clone(),
            None => {
                let end = self.names.fresh(&format!("{name}_end"), name.span());
                self.ends.insert(running.carried.inside, end.clone());
                end
            }
        };
        self.in_run.push(running.carried.inside);
        let steps = self.at_start(|cx| {
            let reads = cx.reads.clone();
            let step = cx.available(step, 0, within)?;
            let (first, last) = (
                cx.available(&range.start, 0, within)?,
                cx.available(&range.end, 0, within)?,
            );
            let range = if range.inclusive {
                quote!(#first..=#last)
            } else {
                quote!(#first..#last)
            };
            let mut trips = quote!(::core::iter::Iterator::size_hint(&(#range)).0);
            let ty = cx.types.of(running.carried.inside).written.clone()?;
            if ty.to_string() != "usize" {
                trips = quote!((#trips as #ty));
            }
            let steps = if step.to_string() == "1" {
                trips
            } else {
                quote!(#trips * #step)
            };
            // The steps read nothing the loop's body defines but its index: the end can be
            // summed up from the start where the loop's reverse starts.
            let summable = cx.reads.difference(&reads).all(|v| {
                Some(*v) == running.looped.index
                    || !crate::analysis::defined_within(&cx.scopes, *v, running.looped.records)
            });
            Some((steps, summable))
        });
        self.in_run.pop();
        let (steps, summable) = steps?;
        self.runs.push(Run {
            running,
            end,
            steps,
            summable,
        });
        Some(quote!(#name))
    }

    /// The statements that declare a running counter's value at the end of its loop, before the
    /// loop's reverse: summed up from its value before the loop where the loop is in another
    /// loop's body, whose records would otherwise keep it once per run (`let mut lparams_1_end
    /// = ((ik * icf_sz) + d); for i in 0..d { lparams_1_end += ..; }`, integer
    /// additions the optimiser may fold, where a record costs a store and a load); the value
    /// the forward left (`after`) otherwise.
    pub fn end_of(&mut self, run: &Run) -> Vec<Raw> {
        let Running {
            looped, carried, ..
        } = run.running;
        let end = &run.end;
        let around = self.scope(looped.records);
        if run.summable
            && matches!(around, Scope::Loop(_))
            && let Some(range) = &looped.range
        {
            let mark = self.mark();
            let before = self.available(&carried.before, 0, around);
            // Only what the reverse has anyway: no new record.
            let kept = self
                .reads
                .difference(&mark.reads)
                .any(|v| !self.recomputed_indices.contains(v) && self.scope(*v) != Scope::Function);
            match before {
                Some(before) if !kept => {
                    let range = control::forward_range(range, |o| self.primal(o));
                    let steps = &run.steps;
                    let op = if run.running.inner.add {
                        quote!(+=)
                    } else {
                        quote!(-=)
                    };
                    let index = looped
                        .index
                        .filter(|i| mentions(steps, &self.function.var(*i).name));
                    return vec![
                        Raw::Let {
                            name: end.clone(),
                            value: before,
                            mutable: true,
                        },
                        Raw::Loop {
                            // No record: no loop has this variable for its record.
                            record: carried.inside,
                            keeps: false,
                            index: Some((index, range)),
                            ensure: Vec::new(),
                            body: vec![Raw::Set {
                                name: end.clone(),
                                op,
                                value: steps.clone(),
                            }],
                        },
                    ];
                }
                _ => self.undo(mark),
            }
        }
        let value = self.primal(&Operand::Var(carried.after));
        vec![Raw::Let {
            name: end.clone(),
            value,
            mutable: true,
        }]
    }

    /// A value carried out of its loop as an invariant (`t25_kept` of `xc[i]` in ADBench GMM's
    /// triangle), computed again where the reverse of the body around the loop starts, in
    /// each iteration of that body, instead of kept in its record: where the value is an
    /// element of an array a loop filled ([`Fill`]), read at the index of a loop over the same
    /// range, and the filling loop's expression, at that index, is one [`Cx::recompute`]
    /// computes there (`x[ix * d + i] - means[ik * d + i]`). The forward sweep computed that
    /// expression at that index, so it is in bounds, and gives the same bits again.
    fn again(&mut self, value: VarId, kept: VarId) -> Option<TokenStream> {
        let name = self.function.var(kept).name.clone();
        if self.again.iter().any(|a| a.kept == kept) {
            return Some(quote!(#name));
        }
        let within @ Scope::Loop(_) = self.scope(kept) else {
            return None;
        };
        if self.substitute.is_some() {
            return None;
        }
        let Some(Op::Index {
            base: Operand::Var(array),
            index: Operand::Var(at),
        }) = self.defs.get(&value).copied()
        else {
            return None;
        };
        let fill = self.fills.get(array).copied()?;
        let over = self.indexed.get(at).copied()?;
        let same_range = match (&over.range, &fill.looped.range) {
            (Some(a), Some(b)) => {
                a.start.same_as(&b.start)
                    && a.end.same_as(&b.end)
                    && a.inclusive == b.inclusive
                    && [a, b].iter().all(|r| {
                        r.adaptors
                            .iter()
                            .all(|adaptor| matches!(adaptor, crate::ssa::Adaptor::Rev))
                    })
            }
            _ => false,
        };
        if !same_range {
            return None;
        }
        let filled_at = fill.looped.index?;
        let again = self.at_start(|cx| {
            let at = cx.available(&Operand::Var(*at), 0, within)?;
            cx.substitute = Some((filled_at, at));
            // A value of the filling loop's body is computed again; one from outside it (a
            // parameter, `a[k] = x0`) is at hand as it is.
            let again = match fill.value {
                Operand::Var(v)
                    if crate::analysis::defined_within(&cx.scopes, *v, fill.looped.records) =>
                {
                    cx.recompute(*v, 0, within)
                }
                outside => cx.available(outside, 0, within),
            };
            cx.substitute = None;
            again
        })?;
        self.again.push(Again {
            scope: within,
            kept,
            value: again,
        });
        Some(quote!(#name))
    }

    /// `compute`, for a value bound where an iteration's reverse starts ([`Cx::run`],
    /// [`Cx::again`]): no element read is bound in the reverse of the inner body being written
    /// ([`Cx::reads_first`] is set aside), and what it read is forgotten where it fails.
    fn at_start<T>(&mut self, compute: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let mark = self.mark();
        let reads_first = self.reads_first.take();
        let value = compute(self);
        self.reads_first = reads_first;
        if value.is_none() {
            self.undo(mark);
        }
        value
    }

    /// Where `var` is defined.
    fn scope(&self, var: VarId) -> Scope {
        self.scopes.get(&var).copied().unwrap_or(Scope::Function)
    }

    /// Whether the body `outer` strictly encloses the body `inner`.
    fn encloses(&self, outer: Scope, inner: Scope) -> bool {
        let mut scope = inner;
        while let Scope::Then(r) | Scope::Else(r) | Scope::Loop(r) = scope {
            scope = self.scope(r);
            if scope == outer {
                return true;
            }
        }
        false
    }

    /// A counter's value in the iteration the reverse sweep is reversing: its value before the
    /// loop, plus (or minus) the step times the number of iterations before this one, which
    /// the index gives.
    fn counter(&mut self, counter: Counter, depth: usize, within: Scope) -> Option<TokenStream> {
        let step = self.available(counter.step, depth, within)?;
        let (before, done) = self.counter_parts(counter, depth, within)?;
        let delta = if step.to_string() == "1" {
            done
        } else {
            quote!(#done * #step)
        };
        Some(if counter.add {
            quote!((#before + #delta))
        } else {
            quote!((#before - #delta))
        })
    }

    /// Where the element `element` reads (or adds into, or stores) the array `base` at `index`,
    /// the window of the values `index` takes ([`Window`]): where `index` is a counter stepped
    /// up by 1 and `element` is read in every iteration of the counter's loop (in its body, not
    /// an `if`), so that the forward sweep read every element of the window. Reads nothing
    /// otherwise. (A loop's own index needs no window: the reverse reads elements in the
    /// forward's order, `Cx::enter_loop`, and LLVM checks those bounds once per loop.)
    pub fn window(&mut self, element: VarId, base: &Operand, index: &Operand) -> Option<Window> {
        // ndarray's arrays are not indexed by ranges.
        let (Operand::Var(base), Operand::Var(i)) = (base, index) else {
            return None;
        };
        if self.types.of(*base).ndarray.is_some() {
            return None;
        }
        let counter = self.counters.get(i).copied()?;
        let within = Scope::Loop(counter.looped.records);
        let unit = matches!(counter.step, Operand::Const(c) if c.to_string() == "1");
        if !counter.add || !unit || self.scope(element) != within {
            return None;
        }
        let range = counter.looped.range.as_ref()?;
        let mark = self.mark();
        let window = (|| {
            let (start, at) = self.counter_parts(counter, 0, within)?;
            let (first, last) = (
                self.available(&range.start, 0, within)?,
                self.available(&range.end, 0, within)?,
            );
            let len = self.difference(counter, &last, &first)?;
            let len = if range.inclusive {
                quote!((#len + 1))
            } else {
                len
            };
            Some(Window { start, len, at })
        })();
        if window.is_none() {
            self.undo(mark);
        }
        window
    }

    /// The element of an array `base[index]` that the element read (or store) `element`
    /// names, as the reverse sweep writes it in a cotangent: through the window of `index`'s
    /// values where [`Cx::window`] finds one, at `index` itself otherwise.
    pub fn element(&mut self, element: VarId, base: &Operand, index: &Operand) -> Part {
        match self.window(element, base, index) {
            Some(window) => Part::Window(window),
            None => Part::Index(self.primal(index)),
        }
    }

    /// A counter's value before its loop, and the number of iterations before the one the
    /// reverse sweep is reversing (in the counter's type).
    fn counter_parts(
        &mut self,
        counter: Counter,
        depth: usize,
        within: Scope,
    ) -> Option<(TokenStream, TokenStream)> {
        let Counter {
            looped, carried, ..
        } = counter;
        let range = looped.range.as_ref()?;
        let index = looped.index?;
        let before = self.available(&carried.before, depth, within)?;
        let index = self.primal(&Operand::Var(index));
        let reversed = range
            .adaptors
            .iter()
            .filter(|a| matches!(a, crate::ssa::Adaptor::Rev))
            .count()
            % 2
            == 1;
        let done = if reversed {
            let end = self.available(&range.end, depth, within)?;
            let after = self.difference(counter, &end, &index)?;
            if range.inclusive {
                after
            } else {
                quote!((#after - 1))
            }
        } else {
            let start = self.available(&range.start, depth, within)?;
            self.difference(counter, &index, &start)?
        };
        Some((before, done))
    }

    /// `a - b` (`a` where `b` is `0`), of values of the type of the counter's loop index, in the
    /// counter's type: where the two differ, each cast first and subtracted wrapping, so that
    /// the difference is right wherever it fits the counter's type (`255u8 - 0 + 1` as `usize`,
    /// `3i64 - -5`).
    fn difference(
        &self,
        counter: Counter,
        a: &TokenStream,
        b: &TokenStream,
    ) -> Option<TokenStream> {
        let zero = b.to_string() == "0";
        let types = (
            self.types
                .of(counter.looped.index?)
                .written
                .as_ref()
                .map(|t| t.to_string()),
            self.types.of(counter.carried.inside).written.clone(),
        );
        match types {
            (Some(a_ty), Some(ty)) if a_ty == ty.to_string() => {
                Some(if zero { a.clone() } else { quote!((#a - #b)) })
            }
            (_, Some(ty)) if zero => Some(quote!((#a as #ty))),
            (_, Some(ty)) => Some(quote!((#a as #ty).wrapping_sub(#b as #ty))),
            (_, None) => None,
        }
    }

    /// The operand as a primitive's argument: arrays by reference, floats by value.
    pub fn argument(&mut self, operand: &Operand) -> TokenStream {
        let value = self.primal(operand);
        match operand {
            Operand::Var(v) if self.is_array(operand) && !is_borrowed(self.function, *v) => {
                quote!(&#value)
            }
            _ => value,
        }
    }

    pub fn is_array(&mut self, operand: &Operand) -> bool {
        is_ndarray(self.types, operand)
    }

    /// The shape of an array operand, kept as a residual of its own instead of the array.
    pub fn dim(&mut self, operand: &Operand) -> TokenStream {
        let Operand::Var(v) = operand else {
            return quote!(::core::unreachable!());
        };
        if let Some(name) = self.dims.get(v) {
            return quote!(#name);
        }
        let primal = self.function.var(*v).name.clone();
        let name = self.names.fresh(&format!("{primal}_dim"), primal.span());
        self.dims.insert(*v, name.clone());
        quote!(#name)
    }

    pub fn bar(&mut self, var: VarId) -> Ident {
        if let Some(name) = self.bars.get(&var) {
            return name.clone();
        }
        let primal = &self.function.var(var).name;
        let name = self.names.cotangent(primal);
        self.bars.insert(var, name.clone());
        name
    }

    /// Adds `value` into the cotangent of `operand`, if it is active.
    pub fn add(&mut self, operand: &Operand, value: TokenStream) {
        if let Operand::Var(target) = operand
            && self.function.var(*target).active
        {
            self.bar(*target);
            self.raw.push(Raw::Add {
                target: *target,
                index: None,
                value,
            });
        }
    }
}

/// An integer a loop steps by the same amount in every iteration: `lparams += 1;` of
/// ADBench's GMM, where the loop runs its range to the end. The reverse sweep computes its value
/// from the index, rather than keeping it in every iteration's record.
#[derive(Clone, Copy)]
pub(super) struct Counter<'a> {
    looped: &'a Loop,
    carried: &'a Carried,
    /// What each iteration adds (or subtracts): defined outside the loop.
    step: &'a Operand,
    add: bool,
}

/// An integer a loop steps, in each iteration, by a counter ([`Counter`]) of an inner loop run
/// to its end: `lparams` of ADBench GMM's triangle, which `for j in i + 1..d { ..; lparams +=
/// 1; }` steps by the row's length. Its value where an iteration starts is its value where the
/// iteration ends less the inner loop's steps (its trip count times the step), so the reverse
/// sweep, which runs the iterations backwards, carries it from the loop's end (summed up from
/// its start, or the `after` the forward left: [`Cx::end_of`]) instead of keeping it in every
/// iteration's record.
#[derive(Clone, Copy)]
pub(super) struct Running<'a> {
    looped: &'a Loop,
    carried: &'a Carried,
    /// The inner loop's counter, whose value after the inner loop is the next value.
    inner: Counter<'a>,
}

/// A running counter the reverse sweep reads: `control::loop_rule` declares `end` before
/// the loop ([`Cx::end_of`]) and binds `inside` to [`Run::start`] where each iteration's
/// reverse starts.
#[derive(Clone)]
pub(super) struct Run<'a> {
    pub running: Running<'a>,
    /// The counter's value at the end of the iteration being reversed.
    pub end: Ident,
    /// The inner loop's steps in the iteration: its trip count times the step.
    pub steps: TokenStream,
    /// Whether `steps` reads nothing the loop's body defines but the index ([`Cx::end_of`]).
    pub summable: bool,
}

impl Run<'_> {
    /// The loop's record variable, naming it.
    pub fn records(&self) -> VarId {
        self.running.looped.records
    }

    /// The counter where the iteration starts.
    pub fn inside(&self) -> VarId {
        self.running.carried.inside
    }

    /// Its value at the start of the iteration being reversed, from `end`.
    pub fn start(&self) -> TokenStream {
        let (end, steps) = (&self.end, &self.steps);
        if self.running.inner.add {
            quote!(#end - #steps)
        } else {
            quote!(#end + #steps)
        }
    }
}

/// Whether `tokens` name `ident` anywhere.
fn mentions(tokens: &TokenStream, ident: &Ident) -> bool {
    tokens.clone().into_iter().any(|tree| match tree {
        proc_macro2::TokenTree::Ident(i) => i == *ident,
        proc_macro2::TokenTree::Group(g) => mentions(&g.stream(), ident),
        _ => false,
    })
}

/// A local array a loop fills with one store per iteration, at its index, of a value computed
/// in the body (`for id in 0..d { xc[id] = x[ix * d + id] - means[ik * d + id]; }`), running its
/// range to the end: once it has run, element `i` of the array, for `i` in the range, is that
/// value computed at `id = i`.
#[derive(Clone, Copy)]
pub(super) struct Fill<'a> {
    looped: &'a Loop,
    value: &'a Operand,
}

/// A kept value [`Cx::again`] computes again: bound to `kept`'s name where the reverse of each
/// iteration of the loop whose body is `scope` starts.
pub(super) struct Again {
    pub scope: Scope,
    pub kept: VarId,
    pub value: TokenStream,
}

/// The counters of every loop whose range the reverse sweep runs backwards: a carried integer
/// whose next value is its value plus or minus a step defined outside the loop, computed in
/// the body itself (not in an `if`, so in every iteration).
fn counters<'a>(
    function: &'a Function,
    types: &TypeTable,
    scopes: &HashMap<VarId, Scope>,
    defs: &HashMap<VarId, &'a Op>,
) -> HashMap<VarId, Counter<'a>> {
    let mut out = HashMap::new();
    for stmt in function.body.compounds() {
        let Stmt::Loop(looped) = stmt else { continue };
        if !looped.recomputes_index() || looped.index.is_none() {
            continue;
        }
        for carried in &looped.carried {
            let integer = types
                .of(carried.inside)
                .written
                .as_ref()
                .is_some_and(|t| crate::types::INTEGER_TYPES.contains(&t.to_string().as_str()));
            let Operand::Var(next) = &carried.next else {
                continue;
            };
            if !integer || scopes.get(next) != Some(&Scope::Loop(looped.records)) {
                continue;
            }
            let inside = |o: &Operand| matches!(o, Operand::Var(v) if *v == carried.inside);
            let (step, add) = match defs.get(next) {
                Some(Op::Binary(BinOp::Add, a, b)) if inside(a) => (b, true),
                Some(Op::Binary(BinOp::Add, a, b)) if inside(b) => (a, true),
                Some(Op::Binary(BinOp::Sub, a, b)) if inside(a) => (b, false),
                _ => continue,
            };
            let outside = match step {
                Operand::Var(v) => !crate::analysis::defined_within(scopes, *v, looped.records),
                Operand::Const(_) => true,
            };
            if outside {
                out.insert(
                    carried.inside,
                    Counter {
                        looped,
                        carried,
                        step,
                        add,
                    },
                );
            }
        }
    }
    out
}

/// The running counters ([`Running`]): a carried integer of a loop that runs its range to the
/// end (not checkpointed) whose next value is the value after an inner loop, in the body itself,
/// of that loop's counter started from it.
fn running<'a>(
    function: &'a Function,
    counters: &HashMap<VarId, Counter<'a>>,
    scopes: &HashMap<VarId, Scope>,
) -> HashMap<VarId, Running<'a>> {
    let mut out = HashMap::new();
    for stmt in function.body.compounds() {
        let Stmt::Loop(looped) = stmt else { continue };
        if !looped.recomputes_index() || looped.checkpoint.is_some() {
            continue;
        }
        for carried in &looped.carried {
            let Operand::Var(next) = &carried.next else {
                continue;
            };
            let inner = counters.values().find(|c| {
                c.carried.after == *next
                    && matches!(c.carried.before, Operand::Var(v) if v == carried.inside)
                    && c.looped.checkpoint.is_none()
                    && scopes.get(&c.looped.records) == Some(&Scope::Loop(looped.records))
            });
            if let Some(&inner) = inner {
                out.insert(
                    carried.inside,
                    Running {
                        looped,
                        carried,
                        inner,
                    },
                );
            }
        }
    }
    out
}

/// The filled arrays ([`Fill`]), by the version the filling loop leaves: a carried array
/// (`Vec` or fixed-size, not ndarray's) of a loop that runs its range to the end, not
/// checkpointed, whose next version is the inside version with one element set, at the index,
/// in the body itself.
fn fills<'a>(
    function: &'a Function,
    types: &TypeTable,
    scopes: &HashMap<VarId, Scope>,
    defs: &HashMap<VarId, &'a Op>,
) -> HashMap<VarId, Fill<'a>> {
    let mut out = HashMap::new();
    for stmt in function.body.compounds() {
        let Stmt::Loop(looped) = stmt else { continue };
        let Some(index) = looped.index else { continue };
        if !looped.recomputes_index() || looped.checkpoint.is_some() {
            continue;
        }
        for carried in &looped.carried {
            let ty = types.of(carried.inside);
            let Operand::Var(next) = &carried.next else {
                continue;
            };
            if !ty.array || ty.ndarray.is_some() || ty.opaque {
                continue;
            }
            if scopes.get(next) != Some(&Scope::Loop(looped.records)) {
                continue;
            }
            if let Some(Op::Store {
                base: Operand::Var(base),
                index: Operand::Var(at),
                value,
            }) = defs.get(next).copied()
                && *base == carried.inside
                && *at == index
            {
                out.insert(carried.after, Fill { looped, value });
            }
        }
    }
    out
}

/// [`Cx::first_read`]: in each body, each element read and the body's first read of the same
/// element.
fn first_reads(function: &Function) -> HashMap<VarId, VarId> {
    fn walk(body: &crate::ssa::Body, out: &mut HashMap<VarId, VarId>) {
        let mut seen: Vec<(&Operand, &Operand, VarId)> = Vec::new();
        for stmt in &body.stmts {
            match stmt {
                Stmt::Let(l) => {
                    if let Op::Index { base, index } = &l.op {
                        let first = seen
                            .iter()
                            .find(|(b, i, _)| b.same_as(base) && i.same_as(index))
                            .map(|(.., v)| *v);
                        match first {
                            Some(first) => {
                                out.insert(l.var, first);
                            }
                            None => seen.push((base, index, l.var)),
                        }
                    }
                }
                Stmt::If(branch) => {
                    walk(&branch.then, out);
                    walk(&branch.else_, out);
                }
                Stmt::Loop(looped) => walk(&looped.body, out),
            }
        }
    }
    let mut out = HashMap::new();
    walk(&function.body, &mut out);
    out
}

/// The local arrays (`Vec`s and fixed-size arrays, not ndarray's) made in the function's own
/// body whose every use is an element read: `qdiags` of ADBench's GMM, filled by one loop and
/// read by the next (the version the first loop leaves is never changed after).
fn read_only(
    function: &Function,
    types: &TypeTable,
    scopes: &HashMap<VarId, Scope>,
    defs: &HashMap<VarId, &Op>,
) -> std::collections::HashSet<VarId> {
    let mut candidates: std::collections::HashSet<VarId> = scopes
        .iter()
        .filter(|&(v, s)| {
            *s == Scope::Function
                && types.of(*v).array
                && types.of(*v).ndarray.is_none()
                && !types.of(*v).opaque
                && !function.var(*v).borrowed
                && !function.params.iter().any(|p| p.var == *v)
        })
        .map(|(v, _)| *v)
        .collect();
    if let Operand::Var(v) = &function.body.output {
        candidates.remove(v);
    }
    for (bound, operands) in function.body.uses() {
        for operand in operands {
            let Operand::Var(v) = operand else { continue };
            if !candidates.contains(v) {
                continue;
            }
            let indexed = bound.and_then(|b| defs.get(&b)).is_some_and(|op| {
                matches!(op, Op::Index { base: Operand::Var(base), index }
                    if base == v && !matches!(index, Operand::Var(i) if i == v))
            });
            if !indexed {
                candidates.remove(v);
            }
        }
    }
    candidates
}

pub fn reverse(
    input: &Input,
    function: &Function,
    types: &TypeTable,
    names: &mut Names,
) -> Reverse {
    let scopes = crate::analysis::scopes(function);
    let defs: HashMap<VarId, &Op> = function.body.lets().map(|l| (l.var, &l.op)).collect();
    let counters = counters(function, types, &scopes, &defs);
    let running = running(function, &counters, &scopes);
    let fills = fills(function, types, &scopes, &defs);
    let indexed = function
        .body
        .compounds()
        .into_iter()
        .filter_map(|s| match s {
            Stmt::Loop(l) => l.index.map(|i| (i, l)),
            _ => None,
        })
        .collect();
    let read_only = read_only(function, types, &scopes, &defs);
    let mut uses: HashMap<VarId, usize> = HashMap::new();
    for (_, operands) in function.body.uses() {
        for operand in operands {
            if let Operand::Var(v) = operand {
                *uses.entry(*v).or_default() += 1;
            }
        }
    }
    let mut cx = Cx {
        function,
        types,
        names,
        counters,
        running,
        runs: Vec::new(),
        ends: HashMap::new(),
        in_run: Vec::new(),
        fills,
        kept: function
            .invariants
            .iter()
            .map(|(value, kept)| (*kept, *value))
            .collect(),
        indexed,
        again: Vec::new(),
        substitute: None,
        read_only,
        first_read: first_reads(function),
        uses,
        fused: Default::default(),
        summed: Default::default(),
        reads: BTreeSet::new(),
        last_read: HashMap::new(),
        dims: BTreeMap::new(),
        bars: HashMap::new(),
        raw: Vec::new(),
        recips: Vec::new(),
        reads_first: None,
        scopes,
        defs,
        recomputed_indices: function
            .body
            .compounds()
            .into_iter()
            .filter_map(|s| match s {
                // A loop checkpointed with `every` or `snapshots` keeps its index in the record
                // the reverse reads (the rerun of a segment has it), so `x[i]` is computed again
                // from it rather than kept (a borrow no record could hold).
                crate::ssa::Stmt::Loop(l)
                    if l.recomputes_index()
                        || l.checkpoint.as_ref().is_some_and(|c| c.segments()) =>
                {
                    l.index
                }
                _ => None,
            })
            .collect(),
        depth: 0,
        compound_at: 0,
    };

    // Which cotangents the sweep needs: the output's, then those of active operands of
    // statements that need one.
    let needs_bar = crate::analysis::adjoint_needed(function);
    let mut bar_out = None;
    let seeded = match &function.body.output {
        // An array's cotangent arrives borrowed: its first use copies it, once.
        Operand::Var(v)
            if function.var(*v).active && matches!(input.output_shape, Shape::NdArray(_)) =>
        {
            let name = cx.names.fresh("bar_out", Span::call_site());
            cx.add(&Operand::Var(*v), quote!(#name.to_owned()));
            bar_out = Some(name);
            None
        }
        Operand::Var(v) if function.var(*v).active => {
            cx.bar(*v);
            Some(*v)
        }
        _ => None,
    };
    control::body(&mut cx, &function.body, &needs_bar);

    drops::insert(&mut cx);

    let (stmts, seed_mutable) = declare::declare(&mut cx, input, seeded);

    let live = crate::analysis::forward_liveness(function, &cx.reads, &cx.dims);

    Reverse {
        stmts,
        reads: cx.reads,
        dims: cx.dims,
        live,
        bars: cx.bars,
        seeded,
        bar_out,
        seed_mutable,
        scopes: cx.scopes,
    }
}
