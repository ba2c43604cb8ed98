//! A seeded, deterministic generator of random straight-line `#[grad]` functions.
//!
//! Each generated function comes in three renderings of one syntax tree:
//!
//! - the `#[grad]` function itself, over `f64` and `[f64; N]` (what is under test);
//! - a twin over forward-mode dual numbers (`num_dual::Dual64`, named `D` in the generated code),
//!   the independent oracle: the same operations, differentiated by a different method;
//! - the harness glue: flat-vector adapters for the value, the VJP, the split halves, `f_grad`
//!   and the dual twin, with the test points and output cotangents baked in.
//!
//! The generator evaluates every expression it builds at the function's test points (in `f64`, with
//! the same `std` functions as the compiled code, and `libm::erf` for `scalar::erf`) and keeps every domain-restricted or nonsmooth
//! primitive away from the edge of its domain and from its kinks by a margin: an argument that is
//! not safely inside is wrapped in a form that is inside for *every* input (`ln(a*a + 0.5)`,
//! `asin(tanh(a) * 0.9)`), and a kink that would come near a test point (`abs`, `max`, `signum`,
//! the `atan2` branch cut) makes the generator choose again. Values stay below [`BOUND`] in
//! magnitude. So the gradient is defined and smooth in a neighbourhood of each test point, and
//! central differences are meaningful there.
//!
//! Only `std`, `testkit` (the shared SplitMix64) and `libm` are used, so that `build.rs` (and the
//! macro's fuzz test) can include this file with `#[path]`, each with those among its
//! dependencies.

use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The largest magnitude a generated value may have at a test point.
pub const BOUND: f64 = 1e4;

/// How many test points each function is checked at.
pub const POINTS: usize = 3;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    pub count: usize,
    /// Calls from a generated function to earlier ones.
    pub calls: bool,
    /// Also generate constructs that currently trip known macro bugs (see DEVELOPMENT.md; none
    /// at the moment: the generator steers around nothing).
    pub known_bugs: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: DEFAULT_SEED,
            count: 500,
            calls: true,
            known_bugs: false,
        }
    }
}

/// The seed used when `DIFFTEST_SEED` is not set.
pub const DEFAULT_SEED: u64 = 0x5eed_2026_0005;

// ------------------------------------------------------------------------------------------------
// Random numbers: SplitMix64.
// ------------------------------------------------------------------------------------------------

/// The workspace's one SplitMix64 ([`testkit::SplitMix64`]).
pub use testkit::SplitMix64 as Rng;

/// The seed of function `index` in a run seeded with `seed`.
fn function_seed(seed: u64, index: usize) -> u64 {
    let mut r = Rng::new(seed ^ (index as u64).wrapping_mul(0xd6e8_feb8_6659_fd93));
    r.next_u64()
}

// ------------------------------------------------------------------------------------------------
// The syntax tree.
// ------------------------------------------------------------------------------------------------

/// A parameter's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PKind {
    Scalar,
    /// `[f64; N]`
    Array(usize),
    /// `&[f64; N]`
    RefArray(usize),
    /// `&[f64]`, called with `N` elements.
    Slice(usize),
    /// `usize`, used as an index.
    Index,
}

impl PKind {
    fn is_float(self) -> bool {
        !matches!(self, PKind::Index)
    }
    fn width(self) -> usize {
        match self {
            PKind::Scalar => 1,
            PKind::Array(n) | PKind::RefArray(n) | PKind::Slice(n) => n,
            PKind::Index => 0,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub kind: PKind,
}

/// How a one-argument float method is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// `x.sin()`
    Method,
    /// `f64::sin(x)`
    Path,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bin {
    Add,
    Sub,
    Mul,
    Div,
}

impl Bin {
    fn symbol(self) -> &'static str {
        match self {
            Bin::Add => "+",
            Bin::Sub => "-",
            Bin::Mul => "*",
            Bin::Div => "/",
        }
    }
    fn precedence(self) -> u8 {
        match self {
            Bin::Add | Bin::Sub => 1,
            Bin::Mul | Bin::Div => 2,
        }
    }
}

/// An index: a literal or a `usize` parameter.
#[derive(Clone, Debug)]
pub enum Ix {
    Lit(usize),
    Param(String),
}

/// A scalar expression.
#[derive(Clone, Debug)]
pub enum E {
    Var(String),
    Lit(f64),
    /// A `const`, a `static` or a path, with its value.
    Named(&'static str, f64),
    /// `(i as f64)` of a `usize` parameter.
    Cast(String),
    Neg(Box<E>),
    Bin(Bin, Box<E>, Box<E>),
    /// A one-argument method: `sin`, `ln`, ...
    Un(&'static str, Box<E>, Style),
    /// A two-argument method: `atan2`, `hypot`, `max`, `min`, `powf`, `log`.
    Bi(&'static str, Box<E>, Box<E>, Style),
    MulAdd(Box<E>, Box<E>, Box<E>, Style),
    /// `a.clamp(lo, hi)` with literal bounds, `lo < hi`.
    Clamp(Box<E>, f64, f64, Style),
    Powi(Box<E>, i32, Style),
    Index(String, Ix),
    /// A call to an earlier generated function with a scalar output.
    Call(usize, Vec<Arg>),
    /// Redundant parentheses.
    Paren(Box<E>),
}

/// An array expression.
#[derive(Clone, Debug)]
pub enum A {
    Var(String),
    Lit(Vec<E>),
}

/// A call argument.
#[derive(Clone, Debug)]
pub enum Arg {
    S(E),
    /// An array, by value or (`true`) borrowed.
    Arr(A, bool),
    /// A binding that is already a reference (`&[f64; N]` or `&[f64]` parameter), passed as is.
    Ref(String),
    Ix(Ix),
}

#[derive(Clone, Debug)]
pub enum Stmt {
    Let {
        name: String,
        mutable: bool,
        typed: bool,
        e: E,
    },
    LetArr {
        name: String,
        mutable: bool,
        typed: bool,
        a: A,
    },
    /// `let (p, q) = (e1, e2);` with `None` for `_`.
    LetTuple {
        names: Vec<Option<String>>,
        typed: bool,
        es: Vec<E>,
    },
    /// `name = e;` or `name op= e;`
    Assign {
        name: String,
        op: Option<Bin>,
        e: E,
    },
    AssignArr {
        name: String,
        a: A,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutTy {
    Scalar,
    Array(usize),
    /// `(f64, [f64; N])`
    Tuple(usize),
}

impl OutTy {
    fn width(self) -> usize {
        match self {
            OutTy::Scalar => 1,
            OutTy::Array(n) => n,
            OutTy::Tuple(n) => 1 + n,
        }
    }
}

#[derive(Clone, Debug)]
pub enum Out {
    Scalar(E),
    Array(A),
    Tuple(E, A),
}

/// A value at one point.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    S(f64),
    A(Vec<f64>),
    U(usize),
}

impl Val {
    fn s(&self) -> f64 {
        match self {
            Val::S(x) => *x,
            _ => panic!("not a scalar: {self:?}"),
        }
    }
    fn a(&self) -> &[f64] {
        match self {
            Val::A(x) => x,
            _ => panic!("not an array: {self:?}"),
        }
    }
    fn u(&self) -> usize {
        match self {
            Val::U(x) => *x,
            _ => panic!("not an index: {self:?}"),
        }
    }
}

/// One generated function.
#[derive(Clone, Debug)]
pub struct Func {
    pub index: usize,
    pub name: String,
    pub params: Vec<Param>,
    /// The parameters named in `wrt(..)`, if the attribute narrows.
    pub wrt: Option<Vec<String>>,
    /// `#[grad(checkpoint)]`: callers recompute its forward sweep.
    pub checkpoint: bool,
    pub stmts: Vec<Stmt>,
    pub out: Out,
    pub out_ty: OutTy,
    /// Ends with `return ...;` rather than a tail expression.
    pub ret: bool,
    /// The arguments at each test point, one value per parameter.
    pub points: Vec<Vec<Val>>,
    /// The output cotangent, flattened.
    pub bar: Vec<f64>,
    /// The functions it calls, directly.
    pub callees: BTreeSet<usize>,
    /// The flattened output at each point, as the generator computed it.
    pub expected: Vec<Vec<f64>>,
}

impl Func {
    fn is_active(&self, p: &Param) -> bool {
        p.kind.is_float() && self.wrt.as_ref().is_none_or(|w| w.contains(&p.name))
    }
    fn active(&self) -> Vec<&Param> {
        self.params.iter().filter(|p| self.is_active(p)).collect()
    }
}

// ------------------------------------------------------------------------------------------------
// Primitives: evaluation with domain and kink margins.
// ------------------------------------------------------------------------------------------------

/// A value outside a primitive's safe domain, near a kink, or too large.
#[derive(Debug)]
pub struct Bad;

fn bounded(x: f64) -> Result<f64, Bad> {
    if x.is_finite() && x.abs() <= BOUND {
        Ok(x)
    } else {
        Err(Bad)
    }
}

/// The one-argument float primitives the generator picks from, and [`BINARY`] the two-argument
/// ones (`powi` and `mul_add` have generators of their own); a test in `lib.rs` checks that
/// together they are the macro's table.
pub const UNARY: &[&str] = &[
    "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "exp2", "exp_m1",
    "ln", "ln_1p", "log2", "log10", "sqrt", "cbrt", "recip", "abs", "signum", "erf",
];

pub const BINARY: &[&str] = &["atan2", "hypot", "max", "min", "powf", "log"];

/// Checks the argument of a one-argument primitive, then evaluates it.
pub fn apply_un(name: &str, a: f64) -> Result<f64, Bad> {
    let ok = match name {
        "sin" | "cos" | "atan" | "tanh" | "erf" => true,
        "tan" => a.cos().abs() >= 0.15,
        "asin" | "acos" => a.abs() <= 0.95,
        "sinh" | "cosh" | "exp" | "exp2" | "exp_m1" => a.abs() <= 8.0,
        "ln" | "log2" | "log10" => a >= 0.1,
        "ln_1p" => a >= -0.9,
        "sqrt" => a >= 0.05,
        "cbrt" => a.abs() >= 0.05,
        "recip" => a.abs() >= 0.25,
        "abs" | "signum" => a.abs() >= 0.02,
        _ => panic!("unknown primitive {name}"),
    };
    if !ok {
        return Err(Bad);
    }
    bounded(match name {
        "sin" => a.sin(),
        "cos" => a.cos(),
        "tan" => a.tan(),
        "asin" => a.asin(),
        "acos" => a.acos(),
        "atan" => a.atan(),
        "sinh" => a.sinh(),
        "cosh" => a.cosh(),
        "tanh" => a.tanh(),
        "exp" => a.exp(),
        "exp2" => a.exp2(),
        "exp_m1" => a.exp_m1(),
        "ln" => a.ln(),
        "ln_1p" => a.ln_1p(),
        "log2" => a.log2(),
        "log10" => a.log10(),
        "sqrt" => a.sqrt(),
        "cbrt" => a.cbrt(),
        "recip" => a.recip(),
        "abs" => a.abs(),
        "signum" => a.signum(),
        // `scalar::erf`, whose forward is `libm::erf`.
        "erf" => libm::erf(a),
        _ => unreachable!(),
    })
}

/// `x.clamp(lo, hi)`, with `x` kept 0.02 from either bound (the kinks).
pub fn apply_clamp(x: f64, lo: f64, hi: f64) -> Result<f64, Bad> {
    if (x - lo).abs() < 0.02 || (x - hi).abs() < 0.02 {
        return Err(Bad);
    }
    Ok(x.clamp(lo, hi))
}

/// Checks the arguments of a two-argument primitive, then evaluates it.
pub fn apply_bi(name: &str, a: f64, b: f64) -> Result<f64, Bad> {
    let ok = match name {
        // Away from the origin, and from the branch cut on the negative x axis (`a` is y).
        "atan2" => a.hypot(b) >= 0.1 && !(b < 0.0 && a.abs() < 0.05),
        "hypot" => a.hypot(b) >= 0.1,
        "max" | "min" => (a - b).abs() >= 0.02,
        "powf" => a >= 0.1 && b.abs() <= 4.0,
        "log" => a >= 0.1 && b >= 0.1 && b.ln().abs() >= 0.2,
        _ => panic!("unknown primitive {name}"),
    };
    if !ok {
        return Err(Bad);
    }
    bounded(match name {
        "atan2" => a.atan2(b),
        "hypot" => a.hypot(b),
        "max" => a.max(b),
        "min" => a.min(b),
        "powf" => a.powf(b),
        "log" => a.log(b),
        _ => unreachable!(),
    })
}

pub fn apply_bin(op: Bin, a: f64, b: f64) -> Result<f64, Bad> {
    bounded(match op {
        Bin::Add => a + b,
        Bin::Sub => a - b,
        Bin::Mul => a * b,
        Bin::Div => {
            if b.abs() < 0.25 {
                return Err(Bad);
            }
            a / b
        }
    })
}

pub fn apply_powi(a: f64, n: i32) -> Result<f64, Bad> {
    if n < 0 && a.abs() < 0.25 {
        return Err(Bad);
    }
    bounded(a.powi(n))
}

// ------------------------------------------------------------------------------------------------
// An interpreter, for calls: a callee is re-checked at the arguments its caller passes.
// ------------------------------------------------------------------------------------------------

struct Interp<'a> {
    funcs: &'a [Func],
    env: Vec<(String, Val)>,
}

impl Interp<'_> {
    fn get(&self, name: &str) -> &Val {
        &self
            .env
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("unbound {name}"))
            .1
    }

    fn set(&mut self, name: &str, v: Val) {
        self.env.retain(|(n, _)| n != name);
        self.env.push((name.to_string(), v));
    }

    fn ix(&self, ix: &Ix) -> usize {
        match ix {
            Ix::Lit(k) => *k,
            Ix::Param(p) => self.get(p).u(),
        }
    }

    fn expr(&self, e: &E) -> Result<f64, Bad> {
        Ok(match e {
            E::Var(n) => self.get(n).s(),
            E::Lit(x) | E::Named(_, x) => *x,
            E::Cast(n) => self.get(n).u() as f64,
            E::Neg(a) => -self.expr(a)?,
            E::Paren(a) => self.expr(a)?,
            E::Bin(op, a, b) => apply_bin(*op, self.expr(a)?, self.expr(b)?)?,
            E::Un(name, a, _) => apply_un(name, self.expr(a)?)?,
            E::Bi(name, a, b, _) => apply_bi(name, self.expr(a)?, self.expr(b)?)?,
            E::MulAdd(a, b, c, _) => bounded(self.expr(a)?.mul_add(self.expr(b)?, self.expr(c)?))?,
            E::Clamp(a, lo, hi, _) => apply_clamp(self.expr(a)?, *lo, *hi)?,
            E::Powi(a, n, _) => apply_powi(self.expr(a)?, *n)?,
            E::Index(n, ix) => {
                let k = self.ix(ix);
                *self.get(n).a().get(k).ok_or(Bad)?
            }
            E::Call(j, args) => {
                let vals = args
                    .iter()
                    .map(|a| self.arg(a))
                    .collect::<Result<Vec<_>, _>>()?;
                run(self.funcs, &self.funcs[*j], &vals)?[0]
            }
        })
    }

    fn array(&self, a: &A) -> Result<Vec<f64>, Bad> {
        match a {
            A::Var(n) => Ok(self.get(n).a().to_vec()),
            A::Lit(es) => es.iter().map(|e| self.expr(e)).collect(),
        }
    }

    fn arg(&self, a: &Arg) -> Result<Val, Bad> {
        Ok(match a {
            Arg::S(e) => Val::S(self.expr(e)?),
            Arg::Arr(a, _) => Val::A(self.array(a)?),
            Arg::Ref(n) => self.get(n).clone(),
            Arg::Ix(ix) => Val::U(self.ix(ix)),
        })
    }
}

/// Runs a generated function on the given arguments, checking every primitive's domain; returns
/// the flattened output.
pub fn run(funcs: &[Func], f: &Func, args: &[Val]) -> Result<Vec<f64>, Bad> {
    let mut it = Interp {
        funcs,
        env: Vec::new(),
    };
    for (p, v) in f.params.iter().zip(args) {
        // A callee's array-like parameter must be long enough for its indices.
        if let (Val::A(xs), k) = (v, p.kind.width())
            && p.kind != PKind::Scalar
            && xs.len() != k
        {
            return Err(Bad);
        }
        it.set(&p.name, v.clone());
    }
    for s in &f.stmts {
        match s {
            Stmt::Let { name, e, .. } => {
                let v = it.expr(e)?;
                it.set(name, Val::S(v));
            }
            Stmt::LetArr { name, a, .. } | Stmt::AssignArr { name, a } => {
                let v = it.array(a)?;
                it.set(name, Val::A(v));
            }
            Stmt::LetTuple { names, es, .. } => {
                let vals = es
                    .iter()
                    .map(|e| it.expr(e))
                    .collect::<Result<Vec<_>, _>>()?;
                for (n, v) in names.iter().zip(vals) {
                    if let Some(n) = n {
                        it.set(n, Val::S(v));
                    }
                }
            }
            Stmt::Assign { name, op, e } => {
                let v = it.expr(e)?;
                let v = match op {
                    None => v,
                    Some(op) => apply_bin(*op, it.get(name).s(), v)?,
                };
                it.set(name, Val::S(v));
            }
        }
    }
    Ok(match &f.out {
        Out::Scalar(e) => vec![it.expr(e)?],
        Out::Array(a) => it.array(a)?,
        Out::Tuple(e, a) => {
            let mut v = vec![it.expr(e)?];
            v.extend(it.array(a)?);
            v
        }
    })
}

// ------------------------------------------------------------------------------------------------
// Generation.
// ------------------------------------------------------------------------------------------------

/// An expression with its values at the test points.
#[derive(Clone, Debug)]
struct V {
    e: E,
    vals: Vec<f64>,
}

/// An array expression with its values at the test points.
#[derive(Clone, Debug)]
struct AV {
    a: A,
    vals: Vec<Vec<f64>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BKind {
    Scalar,
    /// An owned array: indexable, usable whole.
    Array(usize),
    /// A `&[f64; N]` parameter.
    RefArray(usize),
    /// A `&[f64]` parameter.
    Slice(usize),
    Index,
}

#[derive(Clone, Debug)]
struct Binding {
    name: String,
    kind: BKind,
    mutable: bool,
    vals: Vec<Val>,
}

/// Names a user might write that the macro's own naming scheme also uses.
const TRICKY_NAMES: &[&str] = &[
    "t1",
    "t2",
    "t3",
    "bar_x0",
    "bar_out",
    "bar_v1",
    "x0_1",
    "v1_1",
    "m_1",
    "out",
    "value",
    "residuals",
    "grad",
    "bar",
    "t",
    "r",
    "sin",
    "exp",
    "ln",
    "tmp",
    "result",
    "input",
    "seed",
    "zero",
    "one",
    "self_",
    "r#type",
    "r#match",
];

const CONSTS: &[(&str, f64)] = &[
    ("C0", 0.75),
    ("C1", -1.25),
    ("C2", 2.5),
    ("S0", 0.3),
    ("std::f64::consts::PI", std::f64::consts::PI),
    ("std::f64::consts::E", std::f64::consts::E),
    ("std::f64::consts::FRAC_PI_4", std::f64::consts::FRAC_PI_4),
];

/// The `const` and `static` items the generated functions refer to.
pub const ITEMS: &str =
    "const C0: f64 = 0.75;\nconst C1: f64 = -1.25;\nconst C2: f64 = 2.5;\nstatic S0: f64 = 0.3;\n";

struct Gen<'a> {
    rng: Rng,
    cfg: &'a Config,
    prior: &'a [Func],
    env: Vec<Binding>,
    stmts: Vec<Stmt>,
    counter: usize,
    callees: BTreeSet<usize>,
    /// Names ever bound, so that fresh names are fresh.
    used: BTreeSet<String>,
}

impl Gen<'_> {
    fn fresh(&mut self, prefix: &str) -> String {
        if self.rng.chance(0.15) {
            let name = self.rng.pick(TRICKY_NAMES).to_string();
            if !self.used.contains(&name) {
                self.used.insert(name.clone());
                return name;
            }
        }
        loop {
            let name = format!("{prefix}{}", self.counter);
            self.counter += 1;
            if !self.used.contains(&name) {
                self.used.insert(name.clone());
                return name;
            }
        }
    }

    fn bind(&mut self, name: &str, kind: BKind, mutable: bool, vals: Vec<Val>) {
        self.env.retain(|b| b.name != name);
        self.used.insert(name.to_string());
        self.env.push(Binding {
            name: name.to_string(),
            kind,
            mutable,
            vals,
        });
    }

    fn scalars(&self) -> Vec<&Binding> {
        self.env
            .iter()
            .filter(|b| b.kind == BKind::Scalar)
            .collect()
    }

    fn arrays(&self) -> Vec<&Binding> {
        self.env
            .iter()
            .filter(|b| {
                matches!(
                    b.kind,
                    BKind::Array(_) | BKind::RefArray(_) | BKind::Slice(_)
                )
            })
            .collect()
    }

    fn owned_arrays(&self, n: Option<usize>) -> Vec<&Binding> {
        self.env
            .iter()
            .filter(|b| matches!(b.kind, BKind::Array(k) if n.is_none_or(|n| n == k)))
            .collect()
    }

    fn index_params(&self) -> Vec<&Binding> {
        self.env.iter().filter(|b| b.kind == BKind::Index).collect()
    }

    // ---- leaves --------------------------------------------------------------------------------

    fn lit(&mut self) -> V {
        let x = match self.rng.below(4) {
            0 => *self
                .rng
                .pick(&[0.5, 2.0, 1.0, 3.0, 0.25, 1.5, 0.1, 10.0, 0.0, 1e-3]),
            1 => -*self.rng.pick(&[0.5, 2.0, 1.0, 1.5, 0.75]),
            _ => (self.rng.range(-3.0, 3.0) * 100.0).round() / 100.0,
        };
        V {
            e: E::Lit(x),
            vals: vec![x; POINTS],
        }
    }

    fn leaf(&mut self) -> V {
        let arrays = self.arrays().len();
        let kind = self
            .rng
            .weighted(&[60, if arrays > 0 { 22 } else { 0 }, 10, 6, 2]);
        match kind {
            0 => {
                let n = self.scalars().len();
                if n == 0 {
                    return self.lit();
                }
                // Prefer recent bindings: long chains and fan-out of fresh values.
                let i = if self.rng.chance(0.5) {
                    n - 1 - self.rng.below(n.min(3))
                } else {
                    self.rng.below(n)
                };
                let b = self.scalars()[i].clone();
                V {
                    e: E::Var(b.name.clone()),
                    vals: b.vals.iter().map(Val::s).collect(),
                }
            }
            1 => {
                let k = self.rng.below(arrays);
                let b = self.arrays()[k].clone();
                let len = b.vals[0].a().len();
                let ix = self.index_for(len);
                let vals = b
                    .vals
                    .iter()
                    .enumerate()
                    .map(|(p, v)| v.a()[self.ix_val(&ix, p)])
                    .collect();
                V {
                    e: E::Index(b.name.clone(), ix),
                    vals,
                }
            }
            2 => self.lit(),
            3 => {
                let (name, x) = *self.rng.pick(CONSTS);
                V {
                    e: E::Named(name, x),
                    vals: vec![x; POINTS],
                }
            }
            _ => {
                let n = self.index_params().len();
                if n == 0 {
                    return self.lit();
                }
                let k = self.rng.below(n);
                let b = self.index_params()[k].clone();
                V {
                    e: E::Cast(b.name.clone()),
                    vals: b.vals.iter().map(|v| v.u() as f64).collect(),
                }
            }
        }
    }

    /// An index into an array of `len` elements: an index parameter if one is in range.
    fn index_for(&mut self, len: usize) -> Ix {
        let fits: Vec<String> = self
            .index_params()
            .iter()
            .filter(|b| b.vals.iter().all(|v| v.u() < len))
            .map(|b| b.name.clone())
            .collect();
        if !fits.is_empty() && self.rng.chance(0.4) {
            Ix::Param(self.rng.pick(&fits).clone())
        } else {
            Ix::Lit(self.rng.below(len))
        }
    }

    fn ix_val(&self, ix: &Ix, p: usize) -> usize {
        match ix {
            Ix::Lit(k) => *k,
            Ix::Param(n) => self
                .env
                .iter()
                .find(|b| &b.name == n)
                .expect("index parameter")
                .vals[p]
                .u(),
        }
    }

    // ---- wrappers that put a value inside a domain for every input ----------------------------

    /// A bounded smooth function of `v`: |result| ≤ π/2.
    fn squash(&mut self, v: V) -> V {
        let name = *self.rng.pick(&["tanh", "sin", "atan", "cos"]);
        self.un_raw(name, v).expect("squash is total")
    }

    /// A squash into [-1, 1] (for `tan` and the unit interval).
    fn squash1(&mut self, v: V) -> V {
        let name = *self.rng.pick(&["tanh", "sin", "cos"]);
        self.un_raw(name, v).expect("squash is total")
    }

    /// A value ≥ 0.36 (≥ 1.5 with `big`) for every input.
    fn positive(&mut self, v: V, big: bool) -> V {
        let small = v.vals.iter().all(|x| x.abs() <= 5.0);
        let s = if small && self.rng.chance(0.6) {
            v
        } else {
            self.squash(v)
        };
        let k = if big { 1.5 } else { 0.5 };
        let r = match self.rng.below(6) {
            // (s * s + k)
            0 => {
                let sq = self.bin_raw(Bin::Mul, s.clone(), s).expect("bounded");
                self.bin_raw(Bin::Add, sq, lit(k)).expect("bounded")
            }
            1 if !big => {
                // exp(s) ≥ e^(−1) > 0.36 for s in [−1, 1] only.
                let s = if s.vals.iter().all(|x| x.abs() <= 1.0) {
                    s
                } else {
                    self.squash1(s)
                };
                self.un_raw("exp", s).expect("bounded")
            }
            2 if !big => self.un_raw("cosh", s).expect("bounded"),
            3 => self.bi_raw("hypot", s, lit(k)).expect("bounded"),
            4 => {
                let c = self.un_raw("cos", s).expect("total");
                self.bin_raw(Bin::Add, lit(k + 1.0), c).expect("bounded")
            }
            _ => {
                let e = self.un_raw("exp2", s).expect("bounded");
                self.bin_raw(Bin::Add, e, lit(k)).expect("bounded")
            }
        };
        self.paren(r)
    }

    /// Keeps `v` if every value passes `ok`, else wraps it with `wrap`.
    fn fit(&mut self, v: V, ok: impl Fn(f64) -> bool, wrap: impl FnOnce(&mut Self, V) -> V) -> V {
        if v.vals.iter().all(|&x| ok(x)) {
            v
        } else {
            let w = wrap(self, v);
            assert!(
                w.vals.iter().all(|&x| ok(x)),
                "generator bug: wrapper out of domain: {w:?}"
            );
            w
        }
    }

    fn paren(&mut self, v: V) -> V {
        V {
            e: E::Paren(Box::new(v.e)),
            vals: v.vals,
        }
    }

    // ---- raw node constructors: evaluate, fail on a domain violation --------------------------

    fn style(&mut self) -> Style {
        if self.rng.chance(0.15) {
            Style::Path
        } else {
            Style::Method
        }
    }

    fn un_raw(&mut self, name: &'static str, a: V) -> Result<V, Bad> {
        let vals = a
            .vals
            .iter()
            .map(|&x| apply_un(name, x))
            .collect::<Result<_, _>>()?;
        let style = self.style();
        Ok(V {
            e: E::Un(name, Box::new(a.e), style),
            vals,
        })
    }

    fn bi_raw(&mut self, name: &'static str, a: V, b: V) -> Result<V, Bad> {
        let vals = a
            .vals
            .iter()
            .zip(&b.vals)
            .map(|(&x, &y)| apply_bi(name, x, y))
            .collect::<Result<_, _>>()?;
        let style = self.style();
        Ok(V {
            e: E::Bi(name, Box::new(a.e), Box::new(b.e), style),
            vals,
        })
    }

    fn bin_raw(&mut self, op: Bin, a: V, b: V) -> Result<V, Bad> {
        let vals = a
            .vals
            .iter()
            .zip(&b.vals)
            .map(|(&x, &y)| apply_bin(op, x, y))
            .collect::<Result<_, _>>()?;
        Ok(V {
            e: E::Bin(op, Box::new(a.e), Box::new(b.e)),
            vals,
        })
    }

    // ---- safe node constructors: wrap arguments into the domain -------------------------------

    fn unary(&mut self, name: &'static str, a: V) -> V {
        // `scalar::erf(2.0)` would not know its float type (a literal's `{float}` does not pick
        // the generic `T` before a method call on the result); an argument of literals alone is
        // a constant anyway, so such an `erf` becomes a `sin`.
        let name = if name == "erf" && !anchored(&a.e) {
            "sin"
        } else {
            name
        };
        let a = match name {
            "tan" => self.fit(a, |x| x.cos().abs() >= 0.15, |g, v| g.squash1(v)),
            "asin" | "acos" => self.fit(
                a,
                |x| x.abs() <= 0.95,
                |g, v| {
                    let s = g.squash1(v);
                    let m = g.bin_raw(Bin::Mul, s, lit(0.9)).expect("bounded");
                    g.paren(m)
                },
            ),
            "sinh" | "cosh" | "exp" | "exp2" | "exp_m1" => {
                self.fit(a, |x| x.abs() <= 6.0, |g, v| g.squash(v))
            }
            "ln" | "log2" | "log10" => self.fit(a, |x| x >= 0.15, |g, v| g.positive(v, false)),
            "ln_1p" => self.fit(a, |x| x >= -0.85, |g, v| g.positive(v, false)),
            "sqrt" => self.fit(a, |x| x >= 0.1, |g, v| g.positive(v, false)),
            "cbrt" => self.fit(a, |x| x.abs() >= 0.1, |g, v| g.positive(v, false)),
            "recip" => self.fit(a, |x| x.abs() >= 0.3, |g, v| g.positive(v, false)),
            "abs" | "signum" => self.fit(a, |x| x.abs() >= 0.05, |g, v| g.positive(v, false)),
            _ => a,
        };
        match self.un_raw(name, a.clone()) {
            Ok(v) => v,
            // Too large: keep the argument, squashed.
            Err(Bad) => self.squash(a),
        }
    }

    fn binary_method(&mut self, name: &'static str, a: V, b: V) -> V {
        let (a, b) = match name {
            "atan2" => {
                let near = a
                    .vals
                    .iter()
                    .zip(&b.vals)
                    .any(|(&y, &x)| y.hypot(x) < 0.15 || (x < 0.0 && y.abs() < 0.1));
                let b = if near { self.positive(b, false) } else { b };
                (a, b)
            }
            "hypot" => {
                let near = a.vals.iter().zip(&b.vals).any(|(&x, &y)| x.hypot(y) < 0.15);
                let b = if near { self.positive(b, false) } else { b };
                (a, b)
            }
            "max" | "min" => {
                let near = a
                    .vals
                    .iter()
                    .zip(&b.vals)
                    .any(|(&x, &y)| (x - y).abs() < 0.05);
                if near {
                    // A tie is too close to a test point: add instead.
                    return self.arith(Bin::Add, a, b);
                }
                (a, b)
            }
            "powf" => {
                let a = self.fit(a, |x| x >= 0.15, |g, v| g.positive(v, false));
                let b = self.fit(b, |x| x.abs() <= 2.5, |g, v| g.squash(v));
                (a, b)
            }
            "log" => {
                let a = self.fit(a, |x| x >= 0.15, |g, v| g.positive(v, false));
                let b = self.fit(
                    b,
                    |x| x >= 0.15 && x.ln().abs() >= 0.3,
                    |g, v| g.positive(v, true),
                );
                (a, b)
            }
            _ => (a, b),
        };
        match self.bi_raw(name, a.clone(), b.clone()) {
            Ok(v) => v,
            Err(Bad) => {
                let a = self.squash(a);
                let b = self.squash(b);
                self.arith(Bin::Add, a, b)
            }
        }
    }

    fn arith(&mut self, op: Bin, a: V, b: V) -> V {
        let b = if op == Bin::Div {
            self.fit(b, |x| x.abs() >= 0.3, |g, v| g.positive(v, false))
        } else {
            b
        };
        match self.bin_raw(op, a.clone(), b.clone()) {
            Ok(v) => v,
            Err(Bad) => {
                let a = self.squash(a);
                let b = self.squash(b);
                self.bin_raw(op, a, b)
                    .unwrap_or_else(|_| panic!("squashed operands are bounded"))
            }
        }
    }

    fn neg(&mut self, a: V) -> V {
        V {
            e: E::Neg(Box::new(a.e)),
            vals: a.vals.iter().map(|x| -x).collect(),
        }
    }

    fn powi(&mut self, a: V) -> V {
        let n = *self.rng.pick(&[-3, -2, -1, 0, 1, 2, 2, 3, 4]);
        let a = self.fit(a, |x| x.abs() <= 8.0, |g, v| g.squash(v));
        let a = if n < 0 {
            self.fit(a, |x| x.abs() >= 0.3, |g, v| g.positive(v, false))
        } else {
            a
        };
        let vals = a
            .vals
            .iter()
            .map(|&x| apply_powi(x, n))
            .collect::<Result<_, _>>()
            .expect("bounded powi");
        V {
            e: E::Powi(Box::new(a.e), n, self.style()),
            vals,
        }
    }

    /// `a.clamp(lo, hi)` with literal bounds around some of `a`'s values, each value kept
    /// 0.02 from a bound (the kinks), else squashed and tried again.
    fn clamp(&mut self, a: V) -> V {
        let lo = (self.rng.below(9) as f64 - 6.0) * 0.25;
        let hi = lo + 0.5 + self.rng.below(6) as f64 * 0.25;
        let vals: Result<Vec<f64>, Bad> = (0..POINTS)
            .map(|p| apply_clamp(a.vals[p], lo, hi))
            .collect();
        match vals {
            Ok(vals) => V {
                e: E::Clamp(Box::new(a.e), lo, hi, self.style()),
                vals,
            },
            // A value too near a bound somewhere: clamp the midpoint instead.
            Err(Bad) => V {
                e: E::Clamp(Box::new(E::Lit((lo + hi) / 2.0)), lo, hi, self.style()),
                vals: vec![(lo + hi) / 2.0; POINTS],
            },
        }
    }

    fn mul_add(&mut self, a: V, b: V, c: V) -> V {
        let vals: Result<Vec<f64>, Bad> = (0..POINTS)
            .map(|p| bounded(a.vals[p].mul_add(b.vals[p], c.vals[p])))
            .collect();
        match vals {
            Ok(vals) => V {
                e: E::MulAdd(Box::new(a.e), Box::new(b.e), Box::new(c.e), self.style()),
                vals,
            },
            Err(Bad) => {
                let a = self.squash(a);
                let b = self.squash(b);
                self.mul_add(a, b, c)
            }
        }
    }

    /// A call to an earlier function with a scalar output, if one fits.
    fn call(&mut self, depth: u32) -> Option<V> {
        if !self.cfg.calls || self.prior.is_empty() {
            return None;
        }
        // Candidates: recent functions, so chains of calls form.
        let lo = self.prior.len().saturating_sub(40);
        let j = lo + self.rng.below(self.prior.len() - lo);
        let callee = &self.prior[j];
        if callee.out_ty != OutTy::Scalar {
            return None;
        }
        // A narrowed callee that itself calls others has no halves differentiating its left-out
        // parameters (DEVELOPMENT.md): passing active values there is a type error by design.
        if callee.wrt.is_some() && !callee.callees.is_empty() {
            return None;
        }
        let mut args = Vec::new();
        let mut vals: Vec<Vec<Val>> = vec![Vec::new(); POINTS];
        for p in &callee.params {
            match p.kind {
                PKind::Scalar => {
                    let v = self.scalar(depth.saturating_sub(1));
                    for (k, x) in v.vals.iter().enumerate() {
                        vals[k].push(Val::S(*x));
                    }
                    args.push(Arg::S(v.e));
                }
                PKind::Array(n) | PKind::RefArray(n) | PKind::Slice(n) => {
                    let borrowed = p.kind != PKind::Array(n);
                    // An existing binding of the right shape, or an array literal.
                    let same: Vec<Binding> = self
                        .env
                        .iter()
                        .filter(|b| match (p.kind, b.kind) {
                            (PKind::Array(n), BKind::Array(k)) => n == k,
                            (PKind::RefArray(n), BKind::RefArray(k)) => n == k,
                            (PKind::RefArray(n), BKind::Array(k)) => n == k,
                            (PKind::Slice(n), BKind::Slice(k)) => n == k,
                            // An array passed to a `&[f64]` parameter (once a known bug).
                            (PKind::Slice(n), BKind::Array(k) | BKind::RefArray(k)) => n == k,
                            _ => false,
                        })
                        .cloned()
                        .collect();
                    if !same.is_empty() && self.rng.chance(0.6) {
                        let b = self.rng.pick(&same).clone();
                        for (k, v) in b.vals.iter().enumerate() {
                            vals[k].push(v.clone());
                        }
                        let arg = match b.kind {
                            BKind::Array(_) => Arg::Arr(A::Var(b.name.clone()), borrowed),
                            _ => Arg::Ref(b.name.clone()),
                        };
                        args.push(arg);
                    } else {
                        let av = self.array_lit(n, depth.saturating_sub(1));
                        for (k, v) in av.vals.into_iter().enumerate() {
                            vals[k].push(Val::A(v));
                        }
                        args.push(Arg::Arr(av.a, borrowed));
                    }
                }
                PKind::Index => {
                    // The callee's own points tell the range it indexes safely; the
                    // interpreter re-checks.
                    let max = callee
                        .points
                        .iter()
                        .map(|pt| {
                            pt.iter()
                                .filter_map(|v| match v {
                                    Val::U(u) => Some(*u),
                                    _ => None,
                                })
                                .max()
                                .unwrap_or(0)
                        })
                        .max()
                        .unwrap_or(0);
                    let own: Vec<Binding> = self
                        .index_params()
                        .into_iter()
                        .filter(|b| b.vals.iter().all(|v| v.u() <= max))
                        .cloned()
                        .collect();
                    if !own.is_empty() && self.rng.chance(0.6) {
                        let b = self.rng.pick(&own).clone();
                        for (k, v) in b.vals.iter().enumerate() {
                            vals[k].push(v.clone());
                        }
                        args.push(Arg::Ix(Ix::Param(b.name.clone())));
                    } else {
                        let k = self.rng.below(max + 1);
                        for v in vals.iter_mut() {
                            v.push(Val::U(k));
                        }
                        args.push(Arg::Ix(Ix::Lit(k)));
                    }
                }
            }
        }
        let mut out = Vec::new();
        for v in &vals {
            out.push(run(self.prior, callee, v).ok()?[0]);
        }
        self.callees.insert(j);
        Some(V {
            e: E::Call(j, args),
            vals: out,
        })
    }

    // ---- expressions ----------------------------------------------------------------------------

    fn scalar(&mut self, depth: u32) -> V {
        if depth == 0 || self.rng.chance(0.2) {
            return self.leaf();
        }
        let d = depth - 1;
        let calls = if self.cfg.calls && !self.prior.is_empty() {
            4
        } else {
            0
        };
        match self.rng.weighted(&[30, 4, 26, 12, 3, 4, calls, 2, 2]) {
            0 => {
                let op = *self
                    .rng
                    .pick(&[Bin::Add, Bin::Sub, Bin::Mul, Bin::Mul, Bin::Div]);
                let a = self.scalar(d);
                let b = self.scalar(d);
                self.arith(op, a, b)
            }
            1 => {
                let a = self.scalar(d);
                self.neg(a)
            }
            2 => {
                let name = *self.rng.pick(UNARY);
                let a = self.scalar(d);
                self.unary(name, a)
            }
            3 => {
                let name = *self.rng.pick(BINARY);
                let a = self.scalar(d);
                let b = if self.rng.chance(0.2) {
                    self.lit()
                } else {
                    self.scalar(d)
                };
                self.binary_method(name, a, b)
            }
            4 => {
                let a = self.scalar(d);
                let b = self.scalar(d);
                let c = self.scalar(d);
                self.mul_add(a, b, c)
            }
            5 => {
                let a = self.scalar(d);
                self.powi(a)
            }
            6 => match self.call(d) {
                Some(v) => v,
                None => self.leaf(),
            },
            8 => {
                let a = self.scalar(d);
                self.clamp(a)
            }
            _ => {
                let a = self.scalar(d);
                self.paren(a)
            }
        }
    }

    fn array_lit(&mut self, n: usize, depth: u32) -> AV {
        let items: Vec<V> = (0..n).map(|_| self.scalar(depth)).collect();
        let vals = (0..POINTS)
            .map(|p| items.iter().map(|v| v.vals[p]).collect())
            .collect();
        AV {
            a: A::Lit(items.into_iter().map(|v| v.e).collect()),
            vals,
        }
    }

    /// An array of `n` elements: an existing owned array (sometimes), or a literal.
    fn array(&mut self, n: usize, depth: u32) -> AV {
        let owned: Vec<Binding> = self.owned_arrays(Some(n)).into_iter().cloned().collect();
        if !owned.is_empty() && self.rng.chance(0.3) {
            let b = self.rng.pick(&owned).clone();
            return AV {
                a: A::Var(b.name.clone()),
                vals: b.vals.iter().map(|v| v.a().to_vec()).collect(),
            };
        }
        self.array_lit(n, depth)
    }

    // ---- statements ------------------------------------------------------------------------------

    fn depth(&mut self) -> u32 {
        *self.rng.pick(&[1, 2, 2, 3, 3])
    }

    fn statement(&mut self) {
        let muts: Vec<Binding> = self
            .env
            .iter()
            .filter(|b| b.mutable && b.kind == BKind::Scalar)
            .cloned()
            .collect();
        let mut_arrays: Vec<Binding> = self
            .env
            .iter()
            .filter(|b| b.mutable && matches!(b.kind, BKind::Array(_)))
            .cloned()
            .collect();
        let d = self.depth();
        let weights = [
            30,                                        // let
            8,                                         // let shadowing
            10,                                        // let mut
            if muts.is_empty() { 0 } else { 30 },      // assignment
            8,                                         // tuple let
            7,                                         // array literal let
            if mut_arrays.is_empty() { 0 } else { 4 }, // array reassignment
            4,                                         // unused value
            if self.owned_arrays(None).is_empty() {
                0
            } else {
                2
            }, // array copy
        ];
        match self.rng.weighted(&weights) {
            0 | 2 | 7 => {
                let v = self.scalar(d);
                let (name, mutable) = match self.rng.below(10) {
                    0..=5 => (self.fresh("v"), false),
                    6..=8 => (self.fresh("m"), true),
                    _ => {
                        let name = self.fresh("u");
                        let name = if name.starts_with("r#") {
                            name
                        } else {
                            format!("_{name}")
                        };
                        (name, false)
                    }
                };
                let typed = self.rng.chance(0.1);
                let vals = v.vals.iter().map(|&x| Val::S(x)).collect();
                self.stmts.push(Stmt::Let {
                    name: name.clone(),
                    mutable,
                    typed,
                    e: v.e,
                });
                self.bind(&name, BKind::Scalar, mutable, vals);
            }
            1 => {
                // Rebind an existing scalar name, often in terms of itself.
                let scalars: Vec<String> = self.scalars().iter().map(|b| b.name.clone()).collect();
                let Some(name) = (!scalars.is_empty()).then(|| self.rng.pick(&scalars).clone())
                else {
                    return;
                };
                let v = self.scalar(d);
                let vals = v.vals.iter().map(|&x| Val::S(x)).collect();
                let mutable = self.rng.chance(0.2);
                self.stmts.push(Stmt::Let {
                    name: name.clone(),
                    mutable,
                    typed: false,
                    e: v.e,
                });
                self.bind(&name, BKind::Scalar, mutable, vals);
            }
            3 => {
                let b = self.rng.pick(&muts).clone();
                let op = *self.rng.pick(&[
                    None,
                    Some(Bin::Add),
                    Some(Bin::Sub),
                    Some(Bin::Mul),
                    Some(Bin::Div),
                    Some(Bin::Add),
                ]);
                let v = self.scalar(d);
                let old = V {
                    e: E::Var(b.name.clone()),
                    vals: b.vals.iter().map(Val::s).collect(),
                };
                let (e, vals) = match op {
                    None => (v.e, v.vals),
                    Some(op) => {
                        let rhs = if op == Bin::Div {
                            self.fit(v, |x| x.abs() >= 0.3, |g, v| g.positive(v, false))
                        } else {
                            v
                        };
                        match self.bin_raw(op, old, rhs.clone()) {
                            Ok(r) => (rhs.e, r.vals),
                            Err(Bad) => {
                                // Would grow too large: assign instead.
                                self.stmts.push(Stmt::Assign {
                                    name: b.name.clone(),
                                    op: None,
                                    e: rhs.e,
                                });
                                let vals = rhs.vals.iter().map(|&x| Val::S(x)).collect();
                                self.bind(&b.name, BKind::Scalar, true, vals);
                                return;
                            }
                        }
                    }
                };
                self.stmts.push(Stmt::Assign {
                    name: b.name.clone(),
                    op,
                    e,
                });
                let vals = vals.iter().map(|&x| Val::S(x)).collect();
                self.bind(&b.name, BKind::Scalar, true, vals);
            }
            4 => {
                let scalars: Vec<String> = self.scalars().iter().map(|b| b.name.clone()).collect();
                if scalars.len() >= 2 && self.rng.chance(0.25) {
                    // A swap: the right side must read the old values.
                    let p = self.rng.pick(&scalars).clone();
                    let q = self.rng.pick(&scalars).clone();
                    if p == q {
                        return;
                    }
                    let get = |n: &str| {
                        let b = self.env.iter().find(|b| b.name == n).expect("bound");
                        b.vals.clone()
                    };
                    let (pv, qv) = (get(&p), get(&q));
                    self.stmts.push(Stmt::LetTuple {
                        names: vec![Some(p.clone()), Some(q.clone())],
                        typed: false,
                        es: vec![E::Var(q.clone()), E::Var(p.clone())],
                    });
                    self.bind(&p, BKind::Scalar, false, qv);
                    self.bind(&q, BKind::Scalar, false, pv);
                    return;
                }
                let n = if self.rng.chance(0.8) { 2 } else { 3 };
                let items: Vec<V> = (0..n).map(|_| self.scalar(d)).collect();
                let mut names = Vec::new();
                for _ in 0..n {
                    names.push(if self.rng.chance(0.15) {
                        None
                    } else {
                        Some(self.fresh("p"))
                    });
                }
                let typed = self.rng.chance(0.15);
                self.stmts.push(Stmt::LetTuple {
                    names: names.clone(),
                    typed,
                    es: items.iter().map(|v| v.e.clone()).collect(),
                });
                for (name, v) in names.iter().zip(items) {
                    if let Some(name) = name {
                        let vals = v.vals.iter().map(|&x| Val::S(x)).collect();
                        self.bind(name, BKind::Scalar, false, vals);
                    }
                }
            }
            5 => {
                let n = 1 + self.rng.below(4);
                let av = self.array_lit(n, d.min(2));
                let name = self.fresh("w");
                let mutable = self.rng.chance(0.3);
                let typed = self.rng.chance(0.2);
                self.stmts.push(Stmt::LetArr {
                    name: name.clone(),
                    mutable,
                    typed,
                    a: av.a,
                });
                let vals = av.vals.into_iter().map(Val::A).collect();
                self.bind(&name, BKind::Array(n), mutable, vals);
            }
            6 => {
                let b = self.rng.pick(&mut_arrays).clone();
                let BKind::Array(n) = b.kind else {
                    unreachable!()
                };
                let av = self.array_lit(n, d.min(2));
                self.stmts.push(Stmt::AssignArr {
                    name: b.name.clone(),
                    a: av.a,
                });
                let vals = av.vals.into_iter().map(Val::A).collect();
                self.bind(&b.name, BKind::Array(n), true, vals);
            }
            _ => {
                let owned: Vec<Binding> = self.owned_arrays(None).into_iter().cloned().collect();
                let b = self.rng.pick(&owned).clone();
                let name = self.fresh("w");
                self.stmts.push(Stmt::LetArr {
                    name: name.clone(),
                    mutable: false,
                    typed: false,
                    a: A::Var(b.name.clone()),
                });
                self.bind(&name, b.kind, false, b.vals.clone());
            }
        }
    }
}

fn lit(x: f64) -> V {
    V {
        e: E::Lit(x),
        vals: vec![x; POINTS],
    }
}

/// Generates function `index`, which may call functions in `prior` (the earlier ones).
pub fn generate_one(cfg: &Config, prior: &[Func], index: usize) -> Func {
    let mut rng = Rng::new(function_seed(cfg.seed, index));
    // Parameters.
    let mut params = Vec::new();
    let scalars = 1 + rng.below(4);
    for k in 0..scalars {
        params.push(Param {
            name: format!("x{k}"),
            kind: PKind::Scalar,
        });
    }
    let arrays = *rng.pick(&[0, 0, 1, 1, 2]);
    for k in 0..arrays {
        let n = 1 + rng.below(4);
        let kind = match rng.below(6) {
            0..=2 => PKind::Array(n),
            3 | 4 => PKind::RefArray(n),
            _ => PKind::Slice(n),
        };
        let prefix = match kind {
            PKind::Array(_) => "a",
            PKind::RefArray(_) => "r",
            _ => "s",
        };
        params.push(Param {
            name: format!("{prefix}{k}"),
            kind,
        });
    }
    let min_len = params
        .iter()
        .filter(|p| p.kind != PKind::Scalar && p.kind.is_float())
        .map(|p| p.kind.width())
        .min();
    if let Some(min_len) = min_len
        && rng.chance(0.4)
    {
        params.push(Param {
            name: "i0".into(),
            kind: PKind::Index,
        });
        let _ = min_len;
    }
    // Shuffle the parameter order a little.
    if params.len() > 1 && rng.chance(0.5) {
        let a = rng.below(params.len());
        let b = rng.below(params.len());
        params.swap(a, b);
    }
    // Test points.
    let points: Vec<Vec<Val>> = (0..POINTS)
        .map(|_| {
            params
                .iter()
                .map(|p| match p.kind {
                    PKind::Scalar => Val::S(rand_coord(&mut rng)),
                    PKind::Array(n) | PKind::RefArray(n) | PKind::Slice(n) => {
                        Val::A((0..n).map(|_| rand_coord(&mut rng)).collect())
                    }
                    PKind::Index => Val::U(rng.below(min_len.unwrap_or(1))),
                })
                .collect()
        })
        .collect();
    let mut g = Gen {
        rng,
        cfg,
        prior,
        env: Vec::new(),
        stmts: Vec::new(),
        counter: 0,
        callees: BTreeSet::new(),
        used: BTreeSet::new(),
    };
    for (k, p) in params.iter().enumerate() {
        let kind = match p.kind {
            PKind::Scalar => BKind::Scalar,
            PKind::Array(n) => BKind::Array(n),
            PKind::RefArray(n) => BKind::RefArray(n),
            PKind::Slice(n) => BKind::Slice(n),
            PKind::Index => BKind::Index,
        };
        let vals = points.iter().map(|pt| pt[k].clone()).collect();
        g.bind(&p.name, kind, false, vals);
    }
    // The body.
    let n_stmts = 2 + g.rng.below(7);
    for _ in 0..n_stmts {
        g.statement();
    }
    // The output.
    let out_ty = match g.rng.weighted(&[75, 17, 8]) {
        0 => OutTy::Scalar,
        1 => OutTy::Array(1 + g.rng.below(3)),
        _ => OutTy::Tuple(1 + g.rng.below(2)),
    };
    let d = g.depth();
    let (out, expected) = match out_ty {
        OutTy::Scalar => {
            let v = g.scalar(d);
            (Out::Scalar(v.e), v.vals.iter().map(|&x| vec![x]).collect())
        }
        OutTy::Array(n) => {
            let a = g.array(n, d.min(2));
            (Out::Array(a.a), a.vals)
        }
        OutTy::Tuple(n) => {
            let v = g.scalar(d);
            let a = g.array(n, d.min(2));
            let expected = (0..POINTS)
                .map(|p| {
                    let mut o = vec![v.vals[p]];
                    o.extend(&a.vals[p]);
                    o
                })
                .collect();
            (Out::Tuple(v.e, a.a), expected)
        }
    };
    let ret = g.rng.chance(0.15);
    // `wrt` narrows sometimes (to a nonempty subset of the float parameters).
    let floats: Vec<String> = params
        .iter()
        .filter(|p| p.kind.is_float())
        .map(|p| p.name.clone())
        .collect();
    let wrt = if g.rng.chance(0.2) {
        let mut chosen: Vec<String> = floats
            .iter()
            .filter(|_| g.rng.chance(0.6))
            .cloned()
            .collect();
        if chosen.is_empty() {
            chosen.push(g.rng.pick(&floats).clone());
        }
        // Any order: the gradients come in parameter order whatever `wrt` says.
        if chosen.len() > 1 && g.rng.chance(0.5) {
            chosen.reverse();
        }
        Some(chosen)
    } else {
        None
    };
    let checkpoint = g.rng.chance(0.15);
    let bar = (0..out_ty.width())
        .map(|_| {
            let x = g.rng.range(0.25, 1.5);
            if g.rng.chance(0.5) { -x } else { x }
        })
        .map(|x| (x * 1000.0_f64).round() / 1000.0)
        .collect();
    let f = Func {
        index,
        name: format!("g{index}"),
        params,
        wrt,
        checkpoint,
        stmts: g.stmts,
        out,
        out_ty,
        ret,
        points,
        bar,
        callees: g.callees,
        expected,
    };
    // The interpreter agrees with what generation computed (a check of the generator).
    for (p, pt) in f.points.iter().enumerate() {
        let got = run(prior, &f, pt).unwrap_or_else(|_| {
            panic!(
                "generator bug: function {index} leaves its domain at point {p}:\n{}",
                f.source()
            )
        });
        assert_eq!(
            got.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            f.expected[p]
                .iter()
                .map(|x| x.to_bits())
                .collect::<Vec<_>>(),
            "generator bug: function {index} evaluates differently at point {p}:\n{}",
            f.source()
        );
    }
    f
}

fn rand_coord(rng: &mut Rng) -> f64 {
    // Short decimals, so that the points print exactly and read easily.
    (rng.range(-2.0, 2.0) * 1e4).round() / 1e4
}

/// Generates `cfg.count` functions.
pub fn generate(cfg: &Config) -> Vec<Func> {
    let mut funcs: Vec<Func> = Vec::with_capacity(cfg.count);
    for i in 0..cfg.count {
        let f = generate_one(cfg, &funcs, i);
        funcs.push(f);
    }
    funcs
}

/// The indices of `f` and every function it calls, directly or not, ascending.
pub fn closure(funcs: &[Func], index: usize) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    let mut todo = vec![index];
    while let Some(i) = todo.pop() {
        if out.insert(i) {
            todo.extend(funcs[i].callees.iter().copied());
        }
    }
    out
}

// ------------------------------------------------------------------------------------------------
// Printing: the `#[grad]` source.
// ------------------------------------------------------------------------------------------------

fn float_lit(x: f64) -> String {
    let s = format!("{x:?}");
    if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

fn ix_src(ix: &Ix) -> String {
    match ix {
        Ix::Lit(k) => k.to_string(),
        Ix::Param(p) => p.clone(),
    }
}

/// Precedence: 1 `+ -`, 2 `* /`, 3 unary `-`, 4 postfix (method, index, call), 5 atom.
fn prec(e: &E) -> u8 {
    match e {
        E::Bin(op, ..) => op.precedence(),
        E::Neg(_) => 3,
        E::Lit(x) if *x < 0.0 || (*x == 0.0 && x.is_sign_negative()) => 3,
        E::Un(_, _, Style::Method) | E::Bi(_, _, _, Style::Method) => 4,
        E::MulAdd(.., Style::Method)
        | E::Clamp(.., Style::Method)
        | E::Powi(.., Style::Method)
        | E::Index(..) => 4,
        _ => 5,
    }
}

/// The source of `e`, parenthesised if its precedence is below `min`.
fn src_at(e: &E, min: u8) -> String {
    let s = src(e);
    if prec(e) < min { format!("({s})") } else { s }
}

/// Whether Rust knows `e` is an `f64` without looking at its context (a literal alone is a
/// `{float}`, on which a method call does not compile).
fn anchored(e: &E) -> bool {
    match e {
        E::Lit(_) => false,
        E::Neg(a) | E::Paren(a) => anchored(a),
        E::Bin(_, a, b) => anchored(a) || anchored(b),
        _ => true,
    }
}

/// A method receiver: a literal needs a suffix to have a type.
fn receiver(e: &E) -> String {
    match e {
        E::Lit(x) => {
            let s = format!("{}_f64", float_lit(*x));
            if x.is_sign_negative() {
                format!("({s})")
            } else {
                s
            }
        }
        _ => src_at(e, 4),
    }
}

pub fn src(e: &E) -> String {
    match e {
        E::Var(n) => n.clone(),
        E::Lit(x) => float_lit(*x),
        E::Named(n, _) => n.to_string(),
        E::Cast(n) => format!("({n} as f64)"),
        E::Neg(a) => {
            // `- -x` would be fine; `--x` would not lex as intended.
            let inner = src_at(a, 3);
            if inner.starts_with('-') {
                format!("-({inner})")
            } else {
                format!("-{inner}")
            }
        }
        E::Bin(op, a, b) => {
            let p = op.precedence();
            // Left-associative: the right operand needs parentheses at equal precedence.
            format!("{} {} {}", src_at(a, p), op.symbol(), src_at(b, p + 1))
        }
        // A function of the runtime's `scalar` module, not a method: `scalar::erf(x)`, or the
        // full path.
        E::Un(name @ "erf", a, Style::Method) => format!("scalar::{name}({})", src(a)),
        E::Un(name @ "erf", a, _) => format!("autodiff_runtime::scalar::{name}({})", src(a)),
        // A receiver Rust cannot type by itself is written `f64::name(receiver, ..)`.
        E::Un(name, a, Style::Method) if method_ok(a) => format!("{}.{name}()", receiver(a)),
        E::Un(name, a, _) => format!("f64::{name}({})", src(a)),
        E::Bi(name, a, b, Style::Method) if method_ok(a) => {
            format!("{}.{name}({})", receiver(a), src(b))
        }
        E::Bi(name, a, b, _) => format!("f64::{name}({}, {})", src(a), src(b)),
        E::MulAdd(a, b, c, Style::Method) if method_ok(a) => {
            format!("{}.mul_add({}, {})", receiver(a), src(b), src(c))
        }
        E::MulAdd(a, b, c, _) => format!("f64::mul_add({}, {}, {})", src(a), src(b), src(c)),
        E::Clamp(a, lo, hi, Style::Method) if method_ok(a) => {
            format!(
                "{}.clamp({}, {})",
                receiver(a),
                float_lit(*lo),
                float_lit(*hi)
            )
        }
        E::Clamp(a, lo, hi, _) => format!(
            "f64::clamp({}, {}, {})",
            src(a),
            float_lit(*lo),
            float_lit(*hi)
        ),
        E::Powi(a, n, Style::Method) if method_ok(a) => format!("{}.powi({n})", receiver(a)),
        E::Powi(a, n, _) => format!("f64::powi({}, {n})", src(a)),
        E::Index(n, ix) => format!("{n}[{}]", ix_src(ix)),
        E::Call(j, args) => {
            let args: Vec<String> = args.iter().map(arg_src).collect();
            format!("g{j}({})", args.join(", "))
        }
        E::Paren(a) => format!("({})", src(a)),
    }
}

/// Whether `e` can be written as a method receiver.
fn method_ok(e: &E) -> bool {
    matches!(e, E::Lit(_)) || anchored(e)
}

fn arr_src(a: &A) -> String {
    match a {
        A::Var(n) => n.clone(),
        A::Lit(es) => {
            let items: Vec<String> = es.iter().map(src).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

fn arg_src(a: &Arg) -> String {
    match a {
        Arg::S(e) => src(e),
        Arg::Arr(a, true) => format!("&{}", arr_src(a)),
        Arg::Arr(a, false) => arr_src(a),
        Arg::Ref(n) => n.clone(),
        Arg::Ix(ix) => ix_src(ix),
    }
}

fn param_ty(kind: PKind, float: &str) -> String {
    match kind {
        PKind::Scalar => float.to_string(),
        PKind::Array(n) => format!("[{float}; {n}]"),
        PKind::RefArray(n) => format!("&[{float}; {n}]"),
        PKind::Slice(_) => format!("&[{float}]"),
        PKind::Index => "usize".to_string(),
    }
}

fn out_ty_src(t: OutTy, float: &str) -> String {
    match t {
        OutTy::Scalar => float.to_string(),
        OutTy::Array(n) => format!("[{float}; {n}]"),
        OutTy::Tuple(n) => format!("({float}, [{float}; {n}])"),
    }
}

fn tuple_names(names: &[Option<String>]) -> String {
    let names: Vec<&str> = names.iter().map(|n| n.as_deref().unwrap_or("_")).collect();
    format!("({})", names.join(", "))
}

/// Renders the statements and output with the given expression printer.
fn body(f: &Func, float: &str, expr: &dyn Fn(&E) -> String, arr: &dyn Fn(&A) -> String) -> String {
    let mut s = String::new();
    for st in &f.stmts {
        let line = match st {
            Stmt::Let {
                name,
                mutable,
                typed,
                e,
            } => format!(
                "let {}{name}{} = {};",
                if *mutable { "mut " } else { "" },
                if *typed || !anchored(e) {
                    format!(": {float}")
                } else {
                    String::new()
                },
                expr(e)
            ),
            Stmt::LetArr {
                name,
                mutable,
                typed,
                a,
            } => {
                let (n, typed) = match a {
                    A::Lit(es) => (Some(es.len()), *typed || !es.iter().any(anchored)),
                    A::Var(_) => (None, false),
                };
                format!(
                    "let {}{name}{} = {};",
                    if *mutable { "mut " } else { "" },
                    match (typed, n) {
                        (true, Some(n)) => format!(": [{float}; {n}]"),
                        _ => String::new(),
                    },
                    arr(a)
                )
            }
            Stmt::LetTuple { names, typed, es } => {
                let items: Vec<String> = es.iter().map(expr).collect();
                let ty = if *typed || !es.iter().all(anchored) {
                    let tys = vec![float; es.len()];
                    format!(": ({})", tys.join(", "))
                } else {
                    String::new()
                };
                format!("let {}{ty} = ({});", tuple_names(names), items.join(", "))
            }
            Stmt::Assign { name, op, e } => match op {
                None => format!("{name} = {};", expr(e)),
                Some(op) => format!("{name} {}= {};", op.symbol(), expr(e)),
            },
            Stmt::AssignArr { name, a } => format!("{name} = {};", arr(a)),
        };
        let _ = writeln!(s, "    {line}");
    }
    let tail = match &f.out {
        Out::Scalar(e) => expr(e),
        Out::Array(a) => arr(a),
        Out::Tuple(e, a) => format!("({}, {})", expr(e), arr(a)),
    };
    if f.ret {
        let _ = writeln!(s, "    return {tail};");
    } else {
        let _ = writeln!(s, "    {tail}");
    }
    s
}

impl Func {
    /// The `#[grad]` function, as Rust source.
    pub fn source(&self) -> String {
        let mut args = Vec::new();
        if let Some(w) = &self.wrt {
            args.push(format!("wrt({})", w.join(", ")));
        }
        if self.checkpoint {
            args.push("checkpoint".to_string());
        }
        let attr = if args.is_empty() {
            "#[grad]".to_string()
        } else {
            format!("#[grad({})]", args.join(", "))
        };
        let params: Vec<String> = self
            .params
            .iter()
            .map(|p| format!("{}: {}", p.name, param_ty(p.kind, "f64")))
            .collect();
        format!(
            "{attr}\nfn {}({}) -> {} {{\n{}}}\n",
            self.name,
            params.join(", "),
            out_ty_src(self.out_ty, "f64"),
            body(self, "f64", &src, &arr_src)
        )
    }

    /// The dual-number twin, `<name>_dual`, over `D` (`num_dual::Dual64`).
    pub fn dual_source(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|p| format!("{}: {}", p.name, param_ty(p.kind, "D")))
            .collect();
        format!(
            "fn {}_dual({}) -> {} {{\n{}}}\n",
            self.name,
            params.join(", "),
            out_ty_src(self.out_ty, "D"),
            body(self, "D", &dual, &arr_dual)
        )
    }
}

// ------------------------------------------------------------------------------------------------
// Printing: the dual-number twin. Fully parenthesised; literals become `dl_k(x)`, and the
// primitives num-dual lacks are composed from those it has (see the harness).
// ------------------------------------------------------------------------------------------------

fn dual(e: &E) -> String {
    match e {
        E::Var(n) => n.clone(),
        E::Lit(x) => format!("dl_k({})", float_lit(*x)),
        E::Named(n, _) => format!("dl_k({n})"),
        E::Cast(n) => format!("dl_k({n} as f64)"),
        E::Neg(a) => format!("(-{})", dual(a)),
        E::Bin(op, a, b) => format!("({} {} {})", dual(a), op.symbol(), dual(b)),
        E::Un(name, a, _) => match *name {
            "abs" | "signum" | "tanh" | "erf" => format!("dl_{name}({})", dual(a)),
            _ => format!("{}.{name}()", dual(a)),
        },
        E::Bi(name, a, b, _) => match *name {
            "powf" => match &**b {
                E::Lit(x) => format!("{}.powf({})", dual(a), float_lit(*x)),
                _ => format!("{}.powd({})", dual(a), dual(b)),
            },
            "log" => match &**b {
                E::Lit(x) => format!("{}.log({})", dual(a), float_lit(*x)),
                _ => format!("dl_log({}, {})", dual(a), dual(b)),
            },
            _ => format!("dl_{name}({}, {})", dual(a), dual(b)),
        },
        E::MulAdd(a, b, c, _) => format!("{}.mul_add({}, {})", dual(a), dual(b), dual(c)),
        E::Clamp(a, lo, hi, _) => {
            format!(
                "dl_clamp({}, {}, {})",
                dual(a),
                float_lit(*lo),
                float_lit(*hi)
            )
        }
        E::Powi(a, n, _) => format!("{}.powi({n})", dual(a)),
        E::Index(n, ix) => format!("{n}[{}]", ix_src(ix)),
        E::Call(j, args) => {
            let args: Vec<String> = args
                .iter()
                .map(|a| match a {
                    Arg::S(e) => dual(e),
                    Arg::Arr(a, true) => format!("&{}", arr_dual(a)),
                    Arg::Arr(a, false) => arr_dual(a),
                    Arg::Ref(n) => n.clone(),
                    Arg::Ix(ix) => ix_src(ix),
                })
                .collect();
            format!("g{j}_dual({})", args.join(", "))
        }
        E::Paren(a) => dual(a),
    }
}

fn arr_dual(a: &A) -> String {
    match a {
        A::Var(n) => n.clone(),
        A::Lit(es) => {
            let items: Vec<String> = es.iter().map(dual).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Printing: the harness glue.
// ------------------------------------------------------------------------------------------------

/// The arguments of `f` from flat slices `p` (floats) and `u` (indices), over `float`.
fn call_args(f: &Func) -> (String, String) {
    let mut prelude = String::new();
    let mut args = Vec::new();
    let (mut k, mut ui) = (0, 0);
    for p in &f.params {
        let a = match p.kind {
            PKind::Scalar => {
                k += 1;
                format!("p[{}]", k - 1)
            }
            PKind::Array(n) | PKind::RefArray(n) | PKind::Slice(n) => {
                let items: Vec<String> = (k..k + n).map(|i| format!("p[{i}]")).collect();
                k += n;
                let lit = format!("[{}]", items.join(", "));
                if p.kind == PKind::Array(n) {
                    lit
                } else {
                    // The residuals of the split halves borrow it: a block keeps it alive.
                    let _ = write!(prelude, "let arg_{} = {lit}; ", args.len());
                    format!("&arg_{}", args.len())
                }
            }
            PKind::Index => {
                ui += 1;
                format!("u[{}]", ui - 1)
            }
        };
        args.push(a);
    }
    (prelude, args.join(", "))
}

fn bar_arg(f: &Func) -> String {
    match f.out_ty {
        OutTy::Scalar => "b[0]".into(),
        OutTy::Array(n) => {
            let items: Vec<String> = (0..n).map(|i| format!("b[{i}]")).collect();
            format!("[{}]", items.join(", "))
        }
        OutTy::Tuple(n) => {
            let items: Vec<String> = (1..=n).map(|i| format!("b[{i}]")).collect();
            format!("(b[0], [{}])", items.join(", "))
        }
    }
}

impl Func {
    /// The harness adapters and the `Case` describing this function.
    pub fn harness(&self) -> String {
        let name = &self.name;
        let i = self.index;
        let (pre, args) = call_args(self);
        let active = self.active();
        let gs: Vec<String> = (0..active.len()).map(|k| format!("d{k}")).collect();
        let gpat = if gs.len() == 1 {
            gs[0].clone()
        } else {
            format!("({})", gs.join(", "))
        };
        let gflat: String = gs.iter().map(|g| format!("{g}.flat(&mut o);")).collect();
        let mut s = String::new();
        let _ = writeln!(
            s,
            "fn eval_{i}(p: &[f64], u: &[usize]) -> Vec<f64> {{ {pre}let mut o = Vec::new(); {name}({args}).flat(&mut o); o }}"
        );
        let _ = writeln!(
            s,
            "fn dual_{i}(p: &[D], u: &[usize]) -> Vec<D> {{ {pre}let mut o = Vec::new(); {name}_dual({args}).flat(&mut o); o }}"
        );
        let _ = writeln!(
            s,
            "fn vjp_{i}(p: &[f64], u: &[usize], b: &[f64]) -> (Vec<f64>, Vec<f64>) {{ {pre}let (v, {}) = {name}_vjp({args}, {}); let mut o = Vec::new(); v.flat(&mut o); let mut g = Vec::new(); {{ let o = &mut g; {} }} (o, g) }}",
            gs.join(", "),
            bar_arg(self),
            gflat.replace("&mut o", "o")
        );
        let _ = writeln!(
            s,
            "fn split_{i}(p: &[f64], u: &[usize], b: &[f64]) -> (Vec<f64>, Vec<f64>) {{ {pre}let (v, r) = {name}_fwd({args}); let {gpat} = {name}_bwd(r, {}); let mut o = Vec::new(); v.flat(&mut o); let mut g = Vec::new(); {{ let o = &mut g; {} }} (o, g) }}",
            bar_arg(self),
            gflat.replace("&mut o", "o")
        );
        let grad = if self.out_ty == OutTy::Scalar {
            let _ = writeln!(
                s,
                "fn grad_{i}(p: &[f64], u: &[usize]) -> (Vec<f64>, Vec<f64>) {{ {pre}let (v, {}) = {name}_grad({args}); let mut g = Vec::new(); {{ let o = &mut g; {} }} (vec![v], g) }}",
                gs.join(", "),
                gflat.replace("&mut o", "o")
            );
            format!("Some(grad_{i})")
        } else {
            "None".into()
        };
        // Flat positions of the active parameters.
        let mut active_flat = Vec::new();
        let mut k = 0;
        for p in &self.params {
            let w = p.kind.width();
            if self.is_active(p) {
                active_flat.extend(k..k + w);
            }
            k += w;
        }
        let points: Vec<String> = self
            .points
            .iter()
            .map(|pt| {
                let fl: Vec<String> = pt
                    .iter()
                    .flat_map(|v| match v {
                        Val::S(x) => vec![float_lit(*x)],
                        Val::A(xs) => xs.iter().map(|x| float_lit(*x)).collect(),
                        Val::U(_) => vec![],
                    })
                    .collect();
                format!("&[{}]", fl.join(", "))
            })
            .collect();
        let idx: Vec<String> = self
            .points
            .iter()
            .map(|pt| {
                let us: Vec<String> = pt
                    .iter()
                    .filter_map(|v| match v {
                        Val::U(u) => Some(u.to_string()),
                        _ => None,
                    })
                    .collect();
                format!("&[{}]", us.join(", "))
            })
            .collect();
        let expected: Vec<String> = self
            .expected
            .iter()
            .map(|o| {
                let items: Vec<String> = o.iter().map(|x| float_lit(*x)).collect();
                format!("&[{}]", items.join(", "))
            })
            .collect();
        let bar: Vec<String> = self.bar.iter().map(|x| float_lit(*x)).collect();
        let active_flat: Vec<String> = active_flat.iter().map(|k| k.to_string()).collect();
        let _ = writeln!(
            s,
            "const CASE_{i}: Case = Case {{ index: {i}, source: SOURCE_{i}, active: &[{}], points: &[{}], indices: &[{}], expected: &[{}], bar: &[{}], eval: eval_{i}, dual: dual_{i}, vjp: vjp_{i}, split: split_{i}, grad: {grad} }};",
            active_flat.join(", "),
            points.join(", "),
            idx.join(", "),
            expected.join(", "),
            bar.join(", ")
        );
        s
    }
}

/// The whole generated file for `funcs` (those with `only`, if given, and their callees).
pub fn render(cfg: &Config, funcs: &[Func], only: Option<usize>) -> String {
    let selected: BTreeSet<usize> = match only {
        Some(i) => closure(funcs, i),
        None => (0..funcs.len()).collect(),
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "// Generated by difftest/build.rs: seed {:#x}, {} functions{}.\n",
        cfg.seed,
        funcs.len(),
        only.map_or(String::new(), |i| format!(", only {i}"))
    );
    let _ = writeln!(s, "pub const SEED: u64 = {:#x};", cfg.seed);
    s.push_str(ITEMS);
    for &i in &selected {
        let f = &funcs[i];
        let mut source = String::new();
        for j in closure(funcs, i) {
            if j != i {
                source.push_str(&funcs[j].source());
                source.push('\n');
            }
        }
        source.push_str(&f.source());
        let _ = writeln!(s, "\n// ---- {} ----", f.name);
        let _ = writeln!(s, "const SOURCE_{i}: &str = {source:?};");
        s.push_str(&f.source());
        s.push_str(&f.dual_source());
        s.push_str(&f.harness());
    }
    let cases: Vec<String> = selected.iter().map(|i| format!("CASE_{i}")).collect();
    let _ = writeln!(s, "\nconst CASES: &[Case] = &[{}];", cases.join(", "));
    s
}
