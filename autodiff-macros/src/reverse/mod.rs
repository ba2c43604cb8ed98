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

use crate::analysis::TypeTable;
use crate::analysis::{is_borrowed, is_ndarray};
use crate::input::{Input, Shape};
use crate::naming::Names;
use crate::ssa::{BinOp, Function, Op, Operand, VarId};

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
    /// `bar_v += value;`, `bar_v[index] += value;`, or the array form of `+=`.
    Add {
        target: VarId,
        index: Option<TokenStream>,
        value: TokenStream,
        how: Accumulation,
    },
    /// `let (t1, _) = pullback(..);`, for pullbacks with several cotangents.
    Bind {
        names: Vec<Option<Ident>>,
        value: TokenStream,
    },
    /// `let b_recip = b.recip();`: a value contributions share, computed before the sweep.
    Let { name: Ident, value: TokenStream },
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
    /// `bar[i] = value`: the first contribution to an element of a cotangent that was declared
    /// zero, where `0.0 + value` would cost an addition (IEEE keeps LLVM from removing it, for
    /// `-0.0`) and the zero a store.
    Set,
}

/// A contribution before declarations are decided.
pub(super) enum Raw {
    Add {
        target: VarId,
        index: Option<TokenStream>,
        value: TokenStream,
    },
    Bind {
        names: Vec<Option<Ident>>,
        value: TokenStream,
    },
    Drop(Ident),
    /// `let name = value;`
    Let {
        name: Ident,
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
            Raw::Bind { .. } | Raw::Drop(_) | Raw::Let { .. } => {}
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

/// What [`Cx::enter`] saves of the enclosing body.
pub(super) struct Saved {
    raw: Vec<Raw>,
    recips: Vec<(VarId, Ident, TokenStream)>,
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
    /// Where each variable is defined.
    pub scopes: HashMap<VarId, crate::analysis::Scope>,
    /// The operation binding each `let` variable.
    pub defs: HashMap<VarId, &'a Op>,
    /// The indices of loops the reverse sweep runs over the reversed range, which it has.
    pub recomputed_indices: std::collections::HashSet<VarId>,
    /// How deep in `if`s and loops the rule being written is.
    pub depth: usize,
    /// Where the outermost `if` or loop being reversed goes in the function's sweep: reads
    /// inside it count as reads there, for dropping arrays.
    pub compound_at: usize,
}

impl Cx<'_> {
    /// Starts the reverse of a nested body: contributions go to a list of their own.
    pub fn enter(&mut self) -> Saved {
        if self.depth == 0 {
            self.compound_at = self.raw.len();
        }
        self.depth += 1;
        Saved {
            raw: std::mem::take(&mut self.raw),
            recips: std::mem::take(&mut self.recips),
        }
    }

    /// Ends the reverse of a nested body: its contributions, with its shared reciprocals first.
    pub fn leave(&mut self, saved: Saved) -> Vec<Raw> {
        self.depth -= 1;
        let raw = std::mem::replace(&mut self.raw, saved.raw);
        let recips = std::mem::replace(&mut self.recips, saved.recips);
        let mut body: Vec<Raw> = recips
            .into_iter()
            .map(|(_, name, value)| Raw::Let { name, value })
            .collect();
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
            let before = (self.reads.clone(), self.last_read.clone());
            match self.recompute(*v, 0) {
                Some(tokens) => return tokens,
                // Undo what a failed attempt read.
                None => (self.reads, self.last_read) = before,
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
        let before = (self.reads.clone(), self.last_read.clone());
        let found = self.recompute(*v, 0).is_some();
        (self.reads, self.last_read) = before;
        found
    }

    /// A value of an `if`'s arm or a loop's iteration computed again where the reverse sweep
    /// reads it, instead of kept in a record, where that is one cheap operation on what the
    /// sweep has anyway: an element of a parameter (`x[i]`; also an array of a list parameter,
    /// a borrow no record could hold), `+ - *` and `-`, a cast, of constants, recomputed loop
    /// indices, values kept once for the whole call, and other such values, a few levels deep.
    /// Same operations on the same values: the same bits.
    fn recompute(&mut self, var: VarId, depth: usize) -> Option<TokenStream> {
        const DEPTH: usize = 3;
        let borrowed = self.function.var(var).borrowed;
        let in_body = self.scopes.get(&var) != Some(&crate::analysis::Scope::Function);
        if depth > DEPTH || !(in_body || borrowed) || (self.types.of(var).array && !borrowed) {
            return None;
        }
        let op = *self.defs.get(&var)?;
        let tokens = match op {
            Op::Index {
                base: base @ Operand::Var(b),
                index,
            } if self.function.params.iter().any(|p| p.var == *b) => {
                // The index as the sweep has it anyway; or, where the parameter is
                // differentiated, as the element read's own rule keeps it (`bar_w[k] += ..`
                // reads `k`): a counter carried by a loop then costs one record, not two
                // (`icf[lparams] * xc[i]` in ADBench's GMM).
                let index = match self.available(index, depth) {
                    Some(index) => index,
                    None if self.function.var(*b).active && self.function.var(var).active => {
                        self.primal(index)
                    }
                    None => return None,
                };
                let base = self.primal(base);
                if borrowed {
                    quote!((&#base[#index]))
                } else {
                    quote!(#base[#index])
                }
            }
            Op::Binary(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul), a, b) => {
                let (a, b) = (self.available(a, depth)?, self.available(b, depth)?);
                let op = match op {
                    BinOp::Add => quote!(+),
                    BinOp::Sub => quote!(-),
                    _ => quote!(*),
                };
                quote!((#a #op #b))
            }
            Op::Neg(a) => {
                let a = self.available(a, depth)?;
                quote!((-#a))
            }
            Op::Use(a) => self.available(a, depth)?,
            _ => return None,
        };
        Some(tokens)
    }

    /// An operand of a value [`Cx::recompute`] computes again, if the reverse sweep has it
    /// without a record: a constant, a parameter or a value kept once for the whole call, a
    /// recomputed loop index, or a value computed again in turn.
    fn available(&mut self, operand: &Operand, depth: usize) -> Option<TokenStream> {
        let Operand::Var(v) = operand else {
            return Some(self.primal(operand));
        };
        if self.scopes.get(v) == Some(&crate::analysis::Scope::Function)
            || self.recomputed_indices.contains(v)
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
        self.recompute(*v, depth + 1)
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

pub fn reverse(
    input: &Input,
    function: &Function,
    types: &TypeTable,
    names: &mut Names,
) -> Reverse {
    let mut cx = Cx {
        function,
        types,
        names,
        reads: BTreeSet::new(),
        last_read: HashMap::new(),
        dims: BTreeMap::new(),
        bars: HashMap::new(),
        raw: Vec::new(),
        recips: Vec::new(),
        scopes: crate::analysis::scopes(function),
        defs: function.body.lets().map(|l| (l.var, &l.op)).collect(),
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
