//! A seeded, deterministic generator of random `#[grad]` functions with control flow.
//!
//! The functions take `f64`, `[f64; N]`, `&[f64; N]`, `&[f64]` and `usize` parameters and
//! return an `f64`, a `[f64; N]` or an `(f64, [f64; N])`. Their bodies nest, up to three deep:
//!
//! - `if` / `else if` / `else` as statements (also without `else`) and as expressions (of floats
//!   and of arrays), on comparisons of intermediates with a threshold or with each other, on
//!   integer comparisons (`i % 2 == 0`, `i < n0`), joined by `&&`, `||`, `!`;
//! - `match` on integers (literal, `|` and range patterns, `_`), as statements and expressions;
//! - `for` over `a..b`, `a..=b`, `(a..b).rev()`, `(a..b).step_by(k)` with literal, `const`,
//!   parameter and `x.len()` bounds, and over the elements of arrays and slices (`for &v in x`,
//!   `x.iter()`, `&w`, `.enumerate()`, `.zip(..)`);
//! - `while` on an integer counter (with a float condition beside it, sometimes), `loop` with a
//!   counter guard, `let r = loop { .. break value; }`;
//! - `break` and `continue`, labelled ones leaving or continuing an outer loop, `break 'l value`
//!   from an inner loop, and `return` from anywhere, each under an `if`;
//! - carried accumulators (`let mut acc` assigned with `=`, `+=`, `-=`, `*=`, `/=` in loops and
//!   branches), carried local arrays rebuilt whole (`w = [w[1], w[0] * x0]`), indexing by loop
//!   variables (`x[i]`, `x[n - 1 - i]`, `x[(i + 1) % 3]`), `(i as f64)`, shadowing, calls to
//!   earlier generated functions (in loops and branches too), `wrt(..)` and `checkpoint`.
//!
//! - local arrays (`[e; N]`, literals, call results) written element by element (`w[i] = e`,
//!   `w[i] += e`, `w[i] *= e`) and whole, in loops and branches;
//! - loops of the shapes whose reverse may run in the forward's order (`Gen::shaped_loop`,
//!   about one `for` in eight): a local array stored at the index and a sum
//!   (`c[j] = e(w[j], x0); s += c[j] * e2;`), elements at a counter (`let mut k = 2; for j in
//!   a..b { s += x[k] * e; k += 1; }`), an element of a local array read alike in every
//!   iteration (`d[j] = c[1] * w[j]`), and near misses that must keep the reverse order (the
//!   sum read again, a read at `j - 1`, an invariant element of the array stored into);
//! - triangles whose rows the reverse keeps less of (`Gen::nested`, about one top-level statement
//!   in ten): a counter an inner loop steps, carried backwards from the outer loop's end
//!   (`let mut c = 0; for i in 0..n { for j in i + 1..n { s += q[c] * x[j]; c += 2; } }`), an
//!   array a loop fills at its index, read at the index of a loop over the same range alike in
//!   every iteration of an inner loop and computed again where each row's reverse starts
//!   (`for k in 0..n { a[k] = x[k] * t; } for i in 0..n { for j in i + 1..n { s += a[i] * x[j];
//!   } }`), and their near misses that must keep per row.
//!
//! Unlike the straight-line generator ([`super::generator`]), this one does not know values while
//! it builds: a loop body runs many times with different values. Every domain-restricted
//! primitive gets an argument that is inside its domain for *every* input (`ln((a * a + 0.5))`,
//! `asin(tanh(a) * 0.9)`, division by such a positive form); everything else is checked by
//! running the function: an interpreter ([`run`]) evaluates it at candidate test points,
//! checking at every step what the straight-line generator checks (domains, kinks of `abs`,
//! `max`, `min`, `signum`, the `atan2` cut, magnitudes below [`BOUND`]), and that every float
//! comparison that runs is away from its tie by [`MARGIN`] (relative), so that the branch taken,
//! and the trip count of a loop whose condition compares floats, is the same in a neighbourhood
//! of the point: the gradient there is that of one path, and central differences converge to it.
//! A point that fails is drawn again; a function with no three good points is generated again.
//!
//! A comparison with a threshold (`acc > 0.37`) gets its threshold from a pilot run: the first
//! time the comparison runs, the threshold is set a little above or below the value compared, so
//! that both branches are taken across the test points and iterations. The test points are drawn
//! preferring points that take different paths.
//!
//! The renderings are those of the straight-line generator: the `#[grad]` function, a twin over
//! dual numbers (the same control flow, deciding on the value part `.re`), and the harness glue
//! (that of [`super::generator::Func::harness`], which reads only the signature, the points and
//! the expected outputs).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::generator::{
    self, Bad, Bin, OutTy, PKind, POINTS, Param, Rng, Style, Val, apply_bi, apply_bin, apply_powi,
    apply_un,
};

/// A float comparison that runs must be at least this far from its tie, relative to
/// max(1, |lhs|, |rhs|).
pub const MARGIN: f64 = 0.02;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    pub count: usize,
    /// Calls from a generated function to earlier ones.
    pub calls: bool,
    /// Functions to leave out of the rendered file, with every function that calls them (for
    /// the long runs: a function the compiler rejects is reported and the rest still run).
    pub skip: BTreeSet<usize>,
    /// Also generate constructs that currently trip known macro bugs (none at the moment: the
    /// generator steers around nothing; a bug found later is steered around behind this flag,
    /// with an `#[ignore]`d case in `tests/known_bugs.rs`, until it is fixed).
    pub known_bugs: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: DEFAULT_SEED,
            count: 320,
            calls: true,
            skip: BTreeSet::new(),
            known_bugs: false,
        }
    }
}

/// The chance that a statement at most one loop deep is a nested shape of
/// [`Gen::running_loop`] or [`Gen::filled_loop`].
const NESTED: f64 = 0.1;

/// What [`Func::constructs`] calls the loops of [`Gen::running_loop`] and [`Gen::filled_loop`]
/// (the outer one, the enclosing one, and an array made for a counter): the loops in them are
/// "for of a nested shape", apart from the generator's other `for` loops.
pub const NESTED_SHAPES: [&str; 12] = [
    "running counter",
    "running counter stepped after its row",
    "running counter of a `_` row",
    "running counter of a row with step_by",
    "running counter of a row with continue before its step",
    "running counter with a continue after its step",
    "filled array read again",
    "filled array reading itself",
    "filled array stored after its fill",
    "filled array read over another range",
    "filled array refilled in a loop",
    "array made for a counter",
];

/// The seed used when `DIFFTEST_CF_SEED` is not set.
pub const DEFAULT_SEED: u64 = 0x5eed_2026_0c0f;

/// The seed of function `index` in a run seeded with `seed`.
fn function_seed(seed: u64, index: usize) -> u64 {
    let mut r = Rng::new(seed ^ (index as u64).wrapping_mul(0x9fb2_1c65_1e98_df25));
    r.next_u64()
}

/// The most interpreter steps a call may take, times the trip counts of the loops around it.
const CALL_COST: usize = 2000;

/// The `const` items the generated functions use as loop bounds.
pub const ITEMS: &str = "const N2: usize = 2;\nconst N3: usize = 3;\nconst N4: usize = 4;\n";

const CONSTS: &[(&str, usize)] = &[("N2", 2), ("N3", 3), ("N4", 4)];

// ------------------------------------------------------------------------------------------------
// The syntax tree.
// ------------------------------------------------------------------------------------------------

/// A `usize` expression.
#[derive(Clone, Debug)]
pub enum IE {
    Lit(usize),
    Var(String),
    /// A `const` item.
    Const(&'static str, usize),
    /// `x.len()`
    Len(String),
    Add(Box<IE>, Box<IE>),
    Sub(Box<IE>, Box<IE>),
    Mul(Box<IE>, Box<IE>),
    Rem(Box<IE>, usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Cmp {
    fn symbol(self) -> &'static str {
        match self {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
        }
    }
    fn holds<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
        }
    }
}

/// The right side of a float comparison.
#[derive(Clone, Debug)]
pub enum Rhs {
    /// Threshold number `k` of the function, set by the pilot run.
    Thr(usize),
    E(FE),
}

#[derive(Clone, Debug)]
pub enum Cond {
    /// A float comparison (never `==` or `!=`).
    F(FE, Cmp, Rhs),
    I(IE, Cmp, IE),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

/// A float expression.
#[derive(Clone, Debug)]
pub enum FE {
    Var(String),
    /// An element `v: &f64` of `x.iter()`: only an operand of `+ - * /` or unary `-`, or the
    /// receiver of a method (the generator wraps it at once).
    Ref(String),
    Lit(f64),
    /// `(i as f64)`
    Cast(IE),
    Neg(Box<FE>),
    Bin(Bin, Box<FE>, Box<FE>),
    Un(&'static str, Box<FE>, Style),
    Bi(&'static str, Box<FE>, Box<FE>, Style),
    Powi(Box<FE>, i32, Style),
    Index(String, IE),
    /// A call to an earlier generated function with a float output.
    Call(usize, Vec<CArg>),
    /// An `if` expression; an `else` block of no statements whose value is an `if` prints as
    /// `else if`. With `true`, written `match cond { true => .., false => .. }`.
    If(Box<Cond>, Box<Block>, Box<Block>, bool),
    Match(IE, Vec<(Pat, Block)>),
    Paren(Box<FE>),
}

/// A block giving a float: statements that assign only its own locals and do not jump out, then
/// the value.
#[derive(Clone, Debug)]
pub struct Block {
    pub stmts: Vec<S>,
    pub tail: FE,
}

#[derive(Clone, Debug)]
pub enum CArg {
    F(FE),
    I(IE),
    /// An array, by value or (`true`) borrowed: `w`, `&w`, `[a, b]`, `&[a, b]`.
    A(AE, bool),
    /// A binding that is already a reference (`&[f64; N]` or `&[f64]` parameter), as is.
    Ref(String),
}

/// An array expression.
#[derive(Clone, Debug)]
pub enum AE {
    Var(String),
    Lit(Vec<FE>),
    If(Box<Cond>, Box<AE>, Box<AE>),
    /// A call to an earlier generated function with an array output.
    Call(usize, Vec<CArg>),
    /// `[e; n]`
    Repeat(Box<FE>, usize),
}

/// A `match` arm's pattern.
#[derive(Clone, Debug)]
pub enum Pat {
    Lit(usize),
    Alt(Vec<usize>),
    /// `a..=b`
    Range(usize, usize),
    Wild,
}

impl Pat {
    fn matches(&self, v: usize) -> bool {
        match self {
            Pat::Lit(k) => v == *k,
            Pat::Alt(ks) => ks.contains(&v),
            Pat::Range(a, b) => (*a..=*b).contains(&v),
            Pat::Wild => true,
        }
    }
}

/// The elements a `for` loop visits.
#[derive(Clone, Debug)]
pub enum Head {
    /// `lo..hi`, `lo..=hi`, `(lo..hi).rev()`, `(lo..hi).step_by(k)`; `var` `None` is `_`.
    Range {
        var: Option<String>,
        lo: IE,
        hi: IE,
        inclusive: bool,
        rev: bool,
        step: Option<usize>,
    },
    /// The elements of `arr`: `for &v in arr` (`&arr` for an owned array), `for v in
    /// arr.iter()` (`v: &f64`), `for &v in arr.iter()`, `for v in &arr` / `for v in arr`.
    Elems {
        var: String,
        by_ref: bool,
        iter: bool,
        arr: String,
        owned: bool,
    },
    /// `for (i, v) in arr.iter().enumerate()` (`(i, &v)` with `by_ref` false).
    Enumerate {
        ivar: String,
        var: String,
        by_ref: bool,
        arr: String,
    },
    /// `for (a, b) in x.iter().zip(y.iter())`, both `&f64`.
    Zip {
        a: String,
        b: String,
        xa: String,
        xb: String,
    },
}

/// `else` of an `if` statement.
#[derive(Clone, Debug)]
pub enum Else {
    None,
    Block(Vec<S>),
    If(Box<S>),
}

#[derive(Clone, Debug)]
pub enum S {
    Let {
        name: String,
        mutable: bool,
        typed: bool,
        e: FE,
    },
    LetArr {
        name: String,
        mutable: bool,
        n: usize,
        a: AE,
    },
    Assign {
        name: String,
        op: Option<Bin>,
        e: FE,
    },
    AssignArr {
        name: String,
        a: AE,
    },
    /// `w[i] = e;` or `w[i] op= e;` of a local array.
    SetElem {
        name: String,
        ix: IE,
        op: Option<Bin>,
        e: FE,
    },
    /// `let mut k = init;` (`: usize` with `typed`): a loop counter.
    LetInt {
        name: String,
        typed: bool,
        init: usize,
    },
    /// `k += 1;`
    Incr(String),
    /// `c += by;` or (`down`) `c -= by;` of a `usize`: a counter stepped by an inner loop
    /// (`Gen::running_loop`).
    Step {
        name: String,
        down: bool,
        by: IE,
    },
    /// `c = e;` of a `usize` (`c = (c + 1) % 3;`).
    SetInt {
        name: String,
        e: IE,
    },
    If {
        cond: Cond,
        then: Vec<S>,
        els: Else,
    },
    Match {
        scrut: IE,
        arms: Vec<(Pat, Vec<S>)>,
    },
    For {
        label: Option<String>,
        head: Head,
        body: Vec<S>,
        /// Generated by `Gen::shaped_loop`: what it was made to test (for the report).
        shape: Option<&'static str>,
    },
    While {
        label: Option<String>,
        cond: Cond,
        body: Vec<S>,
    },
    Loop {
        label: Option<String>,
        body: Vec<S>,
    },
    /// `let name = 'label: loop { .. };`, left by `break value`.
    LetLoop {
        name: String,
        label: Option<String>,
        body: Vec<S>,
    },
    Break {
        label: Option<String>,
        value: Option<FE>,
    },
    Continue(Option<String>),
    Return(Out),
}

#[derive(Clone, Debug)]
pub enum Out {
    Scalar(FE),
    Array(AE),
    Tuple(FE, AE),
}

/// One generated function.
#[derive(Clone, Debug)]
pub struct Func {
    pub index: usize,
    pub name: String,
    pub params: Vec<Param>,
    /// The values each `usize` parameter takes at the test points and may be called with:
    /// `(lo, hi)`, inclusive (unused for the other parameters).
    pub ranges: Vec<(usize, usize)>,
    pub wrt: Option<Vec<String>>,
    pub checkpoint: bool,
    pub body: Vec<S>,
    pub out: Out,
    pub out_ty: OutTy,
    /// The thresholds of the float comparisons, by number.
    pub thresholds: Vec<f64>,
    pub points: Vec<Vec<Val>>,
    pub bar: Vec<f64>,
    pub callees: BTreeSet<usize>,
    pub expected: Vec<Vec<f64>>,
    /// How many different paths (branch decisions and trip counts) the test points take.
    pub paths: usize,
    /// How many drafts were generated before this one ran cleanly at three points.
    pub attempts: usize,
    /// The most steps the interpreter took at a test point: what a call costs.
    pub cost: usize,
}

impl Func {
    fn callable(&self) -> bool {
        matches!(self.out_ty, OutTy::Scalar | OutTy::Array(_))
            // A narrowed callee that itself calls others has no halves differentiating its
            // left-out parameters (DEVELOPMENT.md): passing active values there is a type error
            // by design.
            && (self.wrt.is_none() || self.callees.is_empty())
    }
}

// ------------------------------------------------------------------------------------------------
// The interpreter: runs a function at a point, checking domains, kinks, magnitudes and margins.
// ------------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Value {
    F(f64),
    A(Vec<f64>),
    I(usize),
}

enum Flow {
    Next,
    Break(Option<String>, Option<f64>),
    Continue(Option<String>),
    Return(Vec<f64>),
}

struct Machine<'a> {
    funcs: &'a [Func],
    thresholds: Vec<Option<f64>>,
    /// In the pilot run, a threshold not yet set is set from the value compared (with offsets
    /// drawn from this seed).
    pilot: Option<u64>,
    env: Vec<(String, Value)>,
    fuel: usize,
    /// A hash of the branch decisions and trip counts: the path.
    path: u64,
    /// The statements that ran (by address).
    covered: BTreeSet<usize>,
    /// With `Some`, every float value computed, in order (callees' too).
    trace: Option<Vec<f64>>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl Machine<'_> {
    fn get(&self, name: &str) -> &Value {
        &self
            .env
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("unbound {name}"))
            .1
    }

    fn set(&mut self, name: &str, v: Value) {
        let slot = self
            .env
            .iter_mut()
            .rev()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("unbound {name}"));
        slot.1 = v;
    }

    fn f(&self, name: &str) -> f64 {
        match self.get(name) {
            Value::F(x) => *x,
            v => panic!("{name} is not a float: {v:?}"),
        }
    }

    fn a(&self, name: &str) -> &[f64] {
        match self.get(name) {
            Value::A(x) => x,
            v => panic!("{name} is not an array: {v:?}"),
        }
    }

    fn note(&mut self, x: u64) {
        self.path = (self.path ^ x)
            .wrapping_mul(0x0100_0000_01b3)
            .rotate_left(7);
    }

    fn tick(&mut self) -> Result<(), Bad> {
        self.fuel = self.fuel.checked_sub(1).ok_or(Bad)?;
        Ok(())
    }

    fn int(&self, e: &IE) -> Result<usize, Bad> {
        Ok(match e {
            IE::Lit(k) | IE::Const(_, k) => *k,
            IE::Var(n) => match self.get(n) {
                Value::I(k) => *k,
                v => panic!("{n} is not an integer: {v:?}"),
            },
            IE::Len(n) => self.a(n).len(),
            IE::Add(a, b) => self.int(a)? + self.int(b)?,
            IE::Sub(a, b) => self.int(a)?.checked_sub(self.int(b)?).ok_or(Bad)?,
            IE::Mul(a, b) => self.int(a)? * self.int(b)?,
            IE::Rem(a, k) => self.int(a)? % k,
        })
    }

    fn cond(&mut self, c: &Cond) -> Result<bool, Bad> {
        let r = match c {
            Cond::F(l, op, rhs) => {
                let l = self.float(l)?;
                let r = match rhs {
                    Rhs::E(e) => self.float(e)?,
                    Rhs::Thr(k) => match (self.thresholds[*k], self.pilot) {
                        (Some(t), _) => t,
                        (None, Some(seed)) => {
                            let mut rng = Rng::new(seed ^ (*k as u64).wrapping_mul(0x2545_f491));
                            let off = (0.1 + 0.5 * rng.unit()) * l.abs().max(1.0);
                            let mut t = round2(if rng.chance(0.5) { l + off } else { l - off });
                            if (t - l).abs() < 2.0 * MARGIN * l.abs().max(t.abs()).max(1.0) {
                                t = l + 4.0 * MARGIN * l.abs().max(1.0);
                            }
                            self.thresholds[*k] = Some(t);
                            t
                        }
                        (None, None) => panic!("threshold {k} unset"),
                    },
                };
                if (l - r).abs() < MARGIN * l.abs().max(r.abs()).max(1.0) {
                    return Err(Bad);
                }
                op.holds(l, r)
            }
            Cond::I(a, op, b) => {
                let a = self.int(a)?;
                op.holds(a, self.int(b)?)
            }
            Cond::Not(c) => !self.cond(c)?,
            Cond::And(a, b) => self.cond(a)? && self.cond(b)?,
            Cond::Or(a, b) => self.cond(a)? || self.cond(b)?,
        };
        Ok(r)
    }

    fn float(&mut self, e: &FE) -> Result<f64, Bad> {
        let v = self.float_value(e)?;
        if let Some(t) = &mut self.trace {
            t.push(v);
        }
        Ok(v)
    }

    fn float_value(&mut self, e: &FE) -> Result<f64, Bad> {
        self.tick()?;
        Ok(match e {
            FE::Var(n) | FE::Ref(n) => self.f(n),
            FE::Lit(x) => *x,
            FE::Cast(i) => self.int(i)? as f64,
            FE::Neg(a) => -self.float(a)?,
            FE::Paren(a) => self.float(a)?,
            FE::Bin(op, a, b) => {
                let a = self.float(a)?;
                apply_bin(*op, a, self.float(b)?)?
            }
            FE::Un(name, a, _) => apply_un(name, self.float(a)?)?,
            FE::Bi(name, a, b, _) => {
                let a = self.float(a)?;
                apply_bi(name, a, self.float(b)?)?
            }
            FE::Powi(a, n, _) => apply_powi(self.float(a)?, *n)?,
            FE::Index(n, i) => {
                let k = self.int(i)?;
                *self.a(n).get(k).ok_or(Bad)?
            }
            FE::Call(j, args) => self.call(*j, args)?[0],
            FE::If(c, a, b, _) => {
                let taken = self.cond(c)?;
                self.note(taken as u64 + 2);
                self.block(if taken { a } else { b })?
            }
            FE::Match(s, arms) => {
                let v = self.int(s)?;
                let k = arms
                    .iter()
                    .position(|(p, _)| p.matches(v))
                    .expect("a `_` arm");
                self.note(k as u64 + 16);
                self.block(&arms[k].1)?
            }
        })
    }

    /// Runs function `j` at the values of `args`; its flattened output.
    fn call(&mut self, j: usize, args: &[CArg]) -> Result<Vec<f64>, Bad> {
        let mut vals = Vec::new();
        for a in args {
            vals.push(match a {
                CArg::F(e) => Val::S(self.float(e)?),
                CArg::I(i) => Val::U(self.int(i)?),
                CArg::A(a, _) => Val::A(self.array(a)?),
                CArg::Ref(n) => Val::A(self.a(n).to_vec()),
            });
        }
        let callee = &self.funcs[j];
        let mut m = Machine {
            funcs: self.funcs,
            thresholds: callee.thresholds.iter().map(|&t| Some(t)).collect(),
            pilot: None,
            env: Vec::new(),
            fuel: self.fuel,
            path: 0,
            covered: BTreeSet::new(),
            trace: self.trace.take(),
        };
        let out = m.function(callee, &vals);
        self.fuel = m.fuel;
        self.trace = m.trace.take();
        out
    }

    /// A value block: its statements (which never jump out) in a scope of their own, then its
    /// value.
    fn block(&mut self, b: &Block) -> Result<f64, Bad> {
        let mark = self.env.len();
        for s in &b.stmts {
            match self.stmt(s)? {
                Flow::Next => {}
                _ => panic!("generator bug: a jump out of a value block"),
            }
        }
        let v = self.float(&b.tail)?;
        self.env.truncate(mark);
        Ok(v)
    }

    fn array(&mut self, a: &AE) -> Result<Vec<f64>, Bad> {
        match a {
            AE::Var(n) => Ok(self.a(n).to_vec()),
            AE::Lit(es) => es.iter().map(|e| self.float(e)).collect(),
            AE::If(c, x, y) => {
                let taken = self.cond(c)?;
                self.note(taken as u64 + 4);
                self.array(if taken { x } else { y })
            }
            AE::Call(j, args) => self.call(*j, args),
            AE::Repeat(e, n) => Ok(vec![self.float(e)?; *n]),
        }
    }

    fn out(&mut self, o: &Out) -> Result<Vec<f64>, Bad> {
        Ok(match o {
            Out::Scalar(e) => vec![self.float(e)?],
            Out::Array(a) => self.array(a)?,
            Out::Tuple(e, a) => {
                let mut v = vec![self.float(e)?];
                v.extend(self.array(a)?);
                v
            }
        })
    }

    /// Statements in a scope of their own.
    fn stmts(&mut self, ss: &[S]) -> Result<Flow, Bad> {
        let mark = self.env.len();
        for s in ss {
            let flow = self.stmt(s)?;
            if !matches!(flow, Flow::Next) {
                self.env.truncate(mark);
                return Ok(flow);
            }
        }
        self.env.truncate(mark);
        Ok(Flow::Next)
    }

    /// One pass of a loop body; `Ok(None)` to go on, `Ok(Some(flow))` to leave the loop with
    /// `flow` (`Flow::Next`, or a jump to an enclosing loop or a return).
    fn body(
        &mut self,
        label: &Option<String>,
        body: &[S],
        value: &mut Option<f64>,
    ) -> Result<Option<Flow>, Bad> {
        let mine = |l: &Option<String>| l.is_none() || l == label;
        match self.stmts(body)? {
            Flow::Next => Ok(None),
            Flow::Continue(l) if mine(&l) => Ok(None),
            Flow::Break(l, v) if mine(&l) => {
                *value = v;
                Ok(Some(Flow::Next))
            }
            other => Ok(Some(other)),
        }
    }

    fn stmt(&mut self, s: &S) -> Result<Flow, Bad> {
        self.tick()?;
        self.covered.insert(s as *const S as usize);
        match s {
            S::Let { name, e, .. } => {
                let v = self.float(e)?;
                self.env.push((name.clone(), Value::F(v)));
            }
            S::LetArr { name, a, .. } => {
                let v = self.array(a)?;
                self.env.push((name.clone(), Value::A(v)));
            }
            S::Assign { name, op, e } => {
                let v = self.float(e)?;
                let v = match op {
                    None => v,
                    Some(op) => apply_bin(*op, self.f(name), v)?,
                };
                self.set(name, Value::F(v));
            }
            S::AssignArr { name, a } => {
                let v = self.array(a)?;
                self.set(name, Value::A(v));
            }
            S::SetElem { name, ix, op, e } => {
                // Rust evaluates the right side first, then the place.
                let v = self.float(e)?;
                let k = self.int(ix)?;
                let mut w = self.a(name).to_vec();
                let old = *w.get(k).ok_or(Bad)?;
                w[k] = match op {
                    None => v,
                    Some(op) => apply_bin(*op, old, v)?,
                };
                self.set(name, Value::A(w));
            }
            S::LetInt { name, init, .. } => self.env.push((name.clone(), Value::I(*init))),
            S::Incr(name) => {
                let k = self.int(&IE::Var(name.clone()))?;
                self.set(name, Value::I(k + 1));
            }
            S::SetInt { name, e } => {
                let k = self.int(e)?;
                self.set(name, Value::I(k));
            }
            S::Step { name, down, by } => {
                let (k, by) = (self.int(&IE::Var(name.clone()))?, self.int(by)?);
                let k = if *down {
                    k.checked_sub(by).ok_or(Bad)?
                } else {
                    k + by
                };
                self.set(name, Value::I(k));
            }
            S::If { cond, then, els } => {
                let taken = self.cond(cond)?;
                self.note(taken as u64 + 6);
                if taken {
                    return self.stmts(then);
                }
                return match els {
                    Else::None => Ok(Flow::Next),
                    Else::Block(b) => self.stmts(b),
                    Else::If(s) => self.stmt(s),
                };
            }
            S::Match { scrut, arms } => {
                let v = self.int(scrut)?;
                let k = arms
                    .iter()
                    .position(|(p, _)| p.matches(v))
                    .expect("a `_` arm");
                self.note(k as u64 + 32);
                return self.stmts(&arms[k].1);
            }
            S::For {
                label, head, body, ..
            } => {
                // The values of the loop variables, computed up front (the bounds and the
                // arrays cannot change in the loop).
                let items: Vec<Vec<Value>> = match head {
                    Head::Range {
                        lo,
                        hi,
                        inclusive,
                        rev,
                        step,
                        ..
                    } => {
                        let (lo, hi) = (self.int(lo)?, self.int(hi)?);
                        let mut v: Vec<usize> = if *inclusive {
                            (lo..=hi).collect()
                        } else {
                            (lo..hi).collect()
                        };
                        if *rev {
                            v.reverse();
                        }
                        if let Some(k) = step {
                            v = v.into_iter().step_by(*k).collect();
                        }
                        v.into_iter().map(|i| vec![Value::I(i)]).collect()
                    }
                    Head::Elems { arr, .. } => {
                        self.a(arr).iter().map(|&x| vec![Value::F(x)]).collect()
                    }
                    Head::Enumerate { arr, .. } => self
                        .a(arr)
                        .iter()
                        .enumerate()
                        .map(|(i, &x)| vec![Value::I(i), Value::F(x)])
                        .collect(),
                    Head::Zip { xa, xb, .. } => self
                        .a(xa)
                        .iter()
                        .zip(self.a(xb))
                        .map(|(&x, &y)| vec![Value::F(x), Value::F(y)])
                        .collect(),
                };
                let names: Vec<String> = match head {
                    Head::Range { var, .. } => vec![var.clone().unwrap_or_else(|| "_".into())],
                    Head::Elems { var, .. } => vec![var.clone()],
                    Head::Enumerate { ivar, var, .. } => vec![ivar.clone(), var.clone()],
                    Head::Zip { a, b, .. } => vec![a.clone(), b.clone()],
                };
                let mut trips = 0;
                let mut flow = Flow::Next;
                for item in items {
                    trips += 1;
                    let mark = self.env.len();
                    for (n, v) in names.iter().zip(item) {
                        self.env.push((n.clone(), v));
                    }
                    let r = self.body(label, body, &mut None);
                    self.env.truncate(mark);
                    if let Some(f) = r? {
                        flow = f;
                        break;
                    }
                }
                self.note(trips + 64);
                return Ok(flow);
            }
            S::While { label, cond, body } => {
                let mut trips = 0;
                let mut flow = Flow::Next;
                while self.cond(cond)? {
                    trips += 1;
                    if let Some(f) = self.body(label, body, &mut None)? {
                        flow = f;
                        break;
                    }
                }
                self.note(trips + 128);
                return Ok(flow);
            }
            S::Loop { label, body } | S::LetLoop { label, body, .. } => {
                let mut trips = 0;
                let mut value = None;
                let flow = loop {
                    trips += 1;
                    if let Some(f) = self.body(label, body, &mut value)? {
                        break f;
                    }
                };
                self.note(trips + 256);
                if let S::LetLoop { name, .. } = s
                    && matches!(flow, Flow::Next)
                {
                    let v = value.expect("generator bug: `break` without a value");
                    self.env.push((name.clone(), Value::F(v)));
                }
                return Ok(flow);
            }
            S::Break { label, value } => {
                let v = match value {
                    Some(e) => Some(self.float(e)?),
                    None => None,
                };
                return Ok(Flow::Break(label.clone(), v));
            }
            S::Continue(label) => return Ok(Flow::Continue(label.clone())),
            S::Return(o) => return Ok(Flow::Return(self.out(o)?)),
        }
        Ok(Flow::Next)
    }

    fn function(&mut self, f: &Func, args: &[Val]) -> Result<Vec<f64>, Bad> {
        for (p, v) in f.params.iter().zip(args) {
            let v = match v {
                Val::S(x) => Value::F(*x),
                Val::A(xs) => {
                    if xs.len() != width(p.kind) {
                        return Err(Bad);
                    }
                    Value::A(xs.clone())
                }
                Val::U(k) => Value::I(*k),
            };
            self.env.push((p.name.clone(), v));
        }
        for s in &f.body {
            match self.stmt(s)? {
                Flow::Next => {}
                Flow::Return(v) => return Ok(v),
                _ => panic!("generator bug: a jump out of the function"),
            }
        }
        self.out(&f.out)
    }
}

/// How many floats a parameter of this kind takes (an array's length).
fn width(kind: PKind) -> usize {
    match kind {
        PKind::Scalar | PKind::Index => 1,
        PKind::Array(n) | PKind::RefArray(n) | PKind::Slice(n) => n,
    }
}

/// Runs `f` at `args` with its thresholds: the flattened output, or `Bad` where a check fails.
pub fn run(funcs: &[Func], f: &Func, args: &[Val]) -> Result<Vec<f64>, Bad> {
    run_traced(funcs, f, args).map(|(out, ..)| out)
}

/// [`run`], also giving the path's hash and the statements that ran.
fn run_traced(
    funcs: &[Func],
    f: &Func,
    args: &[Val],
) -> Result<(Vec<f64>, u64, BTreeSet<usize>, usize), Bad> {
    let mut m = Machine {
        funcs,
        thresholds: f.thresholds.iter().map(|&t| Some(t)).collect(),
        pilot: None,
        env: Vec::new(),
        fuel: 200_000,
        path: 0,
        covered: BTreeSet::new(),
        trace: None,
    };
    let out = m.function(f, args)?;
    Ok((out, m.path, m.covered, 200_000 - m.fuel))
}

// ------------------------------------------------------------------------------------------------
// Generation.
// ------------------------------------------------------------------------------------------------

/// What a binding is, to the generator.
#[derive(Clone, Debug, PartialEq, Eq)]
enum BK {
    F,
    /// An element reference `&f64`.
    Ref,
    /// An array of `n` floats: `owned` (a local or a by-value parameter, borrowed with `&` for
    /// iteration and calls) or a reference parameter (`&[f64; N]`, or `&[f64]` with `slice`).
    Arr {
        n: usize,
        owned: bool,
        slice: bool,
    },
    /// A `usize` whose values lie in `lo..=hi` (a parameter, a loop variable or counter).
    Int {
        lo: usize,
        hi: usize,
    },
    /// A `usize` that only ever takes the values `0..m` (`c = (c + 1) % m`).
    Tally(usize),
}

#[derive(Clone, Debug)]
struct Binding {
    name: String,
    kind: BK,
    mutable: bool,
}

/// A loop the body being generated is in.
#[derive(Clone, Debug)]
struct LoopCx {
    label: Option<String>,
    /// `let r = loop { .. }`: its `break`s give a value.
    value: bool,
    /// `continue` would skip the counter's increment.
    no_continue: bool,
}

/// Names a user might write that the macro's own naming also uses (records of branches and
/// loops, cotangents, temporaries).
const TRICKY_NAMES: &[&str] = &[
    "t1",
    "if0",
    "if1",
    "loop0",
    "loop1",
    "rec",
    "records",
    "record",
    "bar_acc",
    "bar_x0",
    "idx",
    "iter",
    "value",
    "residuals",
    "out",
    "tmp",
    "r#type",
    "r#match",
    "acc_1",
    "s_2",
    "phi",
];

/// One-argument primitives: all the straight-line generator's.
const UNARY: &[&str] = generator::UNARY;

/// Two-argument primitives.
const BINARY: &[&str] = generator::BINARY;

struct Gen<'a> {
    rng: Rng,
    cfg: &'a Config,
    prior: &'a [Func],
    env: Vec<Binding>,
    loops: Vec<LoopCx>,
    /// Loops below this index cannot be jumped to (inside a value block).
    loop_floor: usize,
    /// Bindings below this index cannot be assigned (inside a value block).
    assign_floor: usize,
    /// Owned arrays an enclosing loop iterates over: not to be assigned.
    frozen: Vec<String>,
    /// `return` is allowed (not in a value block).
    ret_ok: bool,
    out_ty: OutTy,
    counter: usize,
    labels: usize,
    thresholds: usize,
    callees: BTreeSet<usize>,
    used: BTreeSet<String>,
    /// Statements left to generate in the whole function.
    budget: usize,
    /// The product of the largest trip counts of the enclosing loops.
    trips: usize,
    /// Expressions get shallower with each failed attempt.
    max_depth: u32,
    /// Control-flow statements generated.
    control: usize,
    /// Floats the output adds (the sums of loops of `shaped_loop` at the top level, which the
    /// output would otherwise often not read: the macro would leave their loops out).
    sinks: Vec<String>,
    /// Draws for `shaped_loop` (and whether to write one), apart from `rng`: a function with
    /// no such loop is the one the generator wrote before it had them.
    shape_rng: Rng,
    /// Draws for `nested` (and whether to write one), apart from `rng` and `shape_rng`, for the
    /// same reason.
    nest_rng: Rng,
}

impl Gen<'_> {
    fn fresh(&mut self, prefix: &str) -> String {
        if self.rng.chance(0.1) {
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

    fn label(&mut self) -> String {
        let names = ["'outer", "'inner", "'scan", "'a"];
        let k = self.labels;
        self.labels += 1;
        if k < names.len() && self.rng.chance(0.5) {
            names[k].to_string()
        } else {
            format!("'l{k}")
        }
    }

    fn bind(&mut self, name: &str, kind: BK, mutable: bool) {
        self.used.insert(name.to_string());
        self.env.push(Binding {
            name: name.to_string(),
            kind,
            mutable,
        });
    }

    /// The bindings in scope (the innermost of each name), with their positions.
    fn visible(&self) -> Vec<(usize, &Binding)> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (i, b) in self.env.iter().enumerate().rev() {
            if seen.insert(b.name.as_str()) {
                out.push((i, b));
            }
        }
        out.reverse();
        out
    }

    fn floats(&self) -> Vec<String> {
        self.visible()
            .into_iter()
            .filter(|(_, b)| b.kind == BK::F)
            .map(|(_, b)| b.name.clone())
            .collect()
    }

    fn refs(&self) -> Vec<String> {
        self.visible()
            .into_iter()
            .filter(|(_, b)| b.kind == BK::Ref)
            .map(|(_, b)| b.name.clone())
            .collect()
    }

    fn arrays(&self) -> Vec<(String, usize, bool)> {
        self.visible()
            .into_iter()
            .filter_map(|(_, b)| match b.kind {
                BK::Arr { n, owned, .. } => Some((b.name.clone(), n, owned)),
                _ => None,
            })
            .collect()
    }

    fn ints(&self) -> Vec<(String, usize, usize)> {
        self.visible()
            .into_iter()
            .filter_map(|(_, b)| match b.kind {
                BK::Int { lo, hi } => Some((b.name.clone(), lo, hi)),
                BK::Tally(m) => Some((b.name.clone(), 0, m - 1)),
                _ => None,
            })
            .collect()
    }

    /// Mutable floats this block may assign.
    fn assignable(&self) -> Vec<String> {
        self.visible()
            .into_iter()
            .filter(|(i, b)| b.kind == BK::F && b.mutable && *i >= self.assign_floor)
            .map(|(_, b)| b.name.clone())
            .collect()
    }

    /// Tallies this block may assign: `(name, m)`.
    fn tallies(&self) -> Vec<(String, usize)> {
        self.visible()
            .into_iter()
            .filter(|(i, _)| *i >= self.assign_floor)
            .filter_map(|(_, b)| match b.kind {
                BK::Tally(m) => Some((b.name.clone(), m)),
                _ => None,
            })
            .collect()
    }

    fn assignable_arrays(&self) -> Vec<(String, usize)> {
        self.visible()
            .into_iter()
            .filter(|(i, b)| b.mutable && *i >= self.assign_floor && !self.frozen.contains(&b.name))
            .filter_map(|(_, b)| match b.kind {
                BK::Arr { n, .. } => Some((b.name.clone(), n)),
                _ => None,
            })
            .collect()
    }

    // ---- integer expressions ------------------------------------------------------------------

    /// The values `e` can take: `(lo, hi)`.
    fn range(&self, e: &IE) -> (usize, usize) {
        match e {
            IE::Lit(k) | IE::Const(_, k) => (*k, *k),
            IE::Var(n) => self
                .ints()
                .into_iter()
                .find(|(m, _, _)| m == n)
                .map(|(_, lo, hi)| (lo, hi))
                .unwrap_or_else(|| panic!("unknown integer {n}")),
            IE::Len(n) => {
                let len = self
                    .arrays()
                    .into_iter()
                    .find(|(m, _, _)| m == n)
                    .expect("array")
                    .1;
                (len, len)
            }
            IE::Add(a, b) => {
                let (a, b) = (self.range(a), self.range(b));
                (a.0 + b.0, a.1 + b.1)
            }
            IE::Sub(a, b) => {
                let (a, b) = (self.range(a), self.range(b));
                assert!(a.0 >= b.1, "generator bug: a subtraction may underflow");
                (a.0 - b.1, a.1 - b.0)
            }
            IE::Mul(a, b) => {
                let (a, b) = (self.range(a), self.range(b));
                (a.0 * b.0, a.1 * b.1)
            }
            IE::Rem(a, k) => {
                let (lo, hi) = self.range(a);
                if hi < *k { (lo, hi) } else { (0, k - 1) }
            }
        }
    }

    /// An integer in scope, or a literal.
    fn int_leaf(&mut self) -> IE {
        let ints = self.ints();
        if !ints.is_empty() && self.rng.chance(0.8) {
            IE::Var(self.rng.pick(&ints).0.clone())
        } else {
            IE::Lit(self.rng.below(4))
        }
    }

    /// An index into an array of `len` elements named `arr`, from the integers in scope.
    fn index(&mut self, arr: &str, len: usize) -> IE {
        let ints = self.ints();
        if ints.is_empty() || self.rng.chance(0.2) {
            return IE::Lit(self.rng.below(len));
        }
        let (name, _lo, hi) = self.rng.pick(&ints).clone();
        let v = IE::Var(name);
        let len_e = if self.rng.chance(0.5) {
            IE::Len(arr.to_string())
        } else {
            IE::Lit(len)
        };
        match self.rng.below(5) {
            0 | 1 if hi < len => v,
            // x[len - 1 - i]
            2 if hi < len => IE::Sub(
                Box::new(IE::Sub(Box::new(len_e), Box::new(IE::Lit(1)))),
                Box::new(v),
            ),
            // x[i + 1]
            3 if hi + 1 < len => IE::Add(Box::new(v), Box::new(IE::Lit(1))),
            // x[(i + k) % len]
            4 => {
                let k = self.rng.below(3);
                let e = if k == 0 {
                    v
                } else {
                    IE::Add(Box::new(v), Box::new(IE::Lit(k)))
                };
                IE::Rem(Box::new(e), len)
            }
            _ => IE::Rem(Box::new(v), len),
        }
    }

    /// An integer condition.
    fn int_cond(&mut self) -> Option<Cond> {
        let ints = self.ints();
        if ints.is_empty() {
            return None;
        }
        let (name, lo, hi) = self.rng.pick(&ints).clone();
        let v = IE::Var(name);
        Some(match self.rng.below(4) {
            0 => {
                let m = 2 + self.rng.below(2);
                let r = self.rng.below(m);
                let op = *self.rng.pick(&[Cmp::Eq, Cmp::Ne]);
                Cond::I(IE::Rem(Box::new(v), m), op, IE::Lit(r))
            }
            1 => {
                let other = self.int_leaf();
                let op = *self
                    .rng
                    .pick(&[Cmp::Lt, Cmp::Le, Cmp::Gt, Cmp::Ge, Cmp::Ne]);
                // Not `i < 0` or `i >= 0`, which rustc calls useless.
                let op = match (&other, op) {
                    (IE::Lit(0), Cmp::Lt | Cmp::Ge) => Cmp::Gt,
                    _ => op,
                };
                Cond::I(v, op, other)
            }
            2 => {
                let k = lo + self.rng.below(hi - lo + 1);
                let op = *self.rng.pick(&[Cmp::Eq, Cmp::Ne, Cmp::Lt, Cmp::Ge]);
                let op = match (k, op) {
                    (0, Cmp::Lt | Cmp::Ge) => Cmp::Ne,
                    _ => op,
                };
                Cond::I(v, op, IE::Lit(k))
            }
            _ => {
                let other = self.int_leaf();
                let op = *self.rng.pick(&[Cmp::Lt, Cmp::Gt, Cmp::Eq]);
                let op = match (&other, op) {
                    (IE::Lit(0), Cmp::Lt) => Cmp::Gt,
                    _ => op,
                };
                Cond::I(IE::Add(Box::new(v), Box::new(IE::Lit(1))), op, other)
            }
        })
    }

    /// A float comparison: an intermediate against a threshold, or two intermediates.
    fn float_cond(&mut self) -> Cond {
        let d = self.rng.below(3) as u32;
        let lhs = self.scalar(d.min(self.max_depth), false);
        let op = *self.rng.pick(&[Cmp::Lt, Cmp::Le, Cmp::Gt, Cmp::Ge]);
        let rhs = if self.rng.chance(0.8) {
            self.thresholds += 1;
            Rhs::Thr(self.thresholds - 1)
        } else {
            Rhs::E(self.scalar(1, false))
        };
        Cond::F(lhs, op, rhs)
    }

    fn cond(&mut self) -> Cond {
        let simple = |g: &mut Self| {
            if g.rng.chance(0.3)
                && let Some(c) = g.int_cond()
            {
                return c;
            }
            g.float_cond()
        };
        match self.rng.weighted(&[70, 10, 10, 6]) {
            0 => simple(self),
            1 => Cond::And(Box::new(simple(self)), Box::new(simple(self))),
            2 => Cond::Or(Box::new(simple(self)), Box::new(simple(self))),
            _ => Cond::Not(Box::new(simple(self))),
        }
    }

    // ---- float expressions --------------------------------------------------------------------

    fn lit(&mut self) -> FE {
        FE::Lit(match self.rng.below(4) {
            0 => *self.rng.pick(&[0.5, 2.0, 1.0, 3.0, 0.25, 1.5, 0.1, 0.0]),
            1 => -*self.rng.pick(&[0.5, 2.0, 1.0, 1.5, 0.75]),
            _ => round2(self.rng.range(-2.0, 2.0)),
        })
    }

    fn style(&mut self) -> Style {
        if self.rng.chance(0.15) {
            Style::Path
        } else {
            Style::Method
        }
    }

    /// A leaf: a float in scope (recent ones and accumulators preferred), an element, an
    /// element reference wrapped in an operation, a literal, `(i as f64)`.
    fn leaf(&mut self) -> FE {
        let floats = self.floats();
        let arrays = self.arrays();
        let refs = self.refs();
        let ints = self.ints();
        let k = self.rng.weighted(&[
            if floats.is_empty() { 0 } else { 55 },
            if arrays.is_empty() { 0 } else { 22 },
            if refs.is_empty() { 0 } else { 20 },
            8,
            if ints.is_empty() { 0 } else { 7 },
        ]);
        match k {
            0 => {
                let n = floats.len();
                let i = if self.rng.chance(0.5) {
                    n - 1 - self.rng.below(n.min(3))
                } else {
                    self.rng.below(n)
                };
                FE::Var(floats[i].clone())
            }
            1 => {
                let (name, n, _) = self.rng.pick(&arrays).clone();
                let ix = self.index(&name, n);
                FE::Index(name, ix)
            }
            2 => {
                let v = FE::Ref(self.rng.pick(&refs).clone());
                let other = if floats.is_empty() || self.rng.chance(0.3) {
                    self.lit()
                } else {
                    FE::Var(self.rng.pick(&floats).clone())
                };
                match self.rng.below(7) {
                    0 => FE::Bin(Bin::Mul, Box::new(v), Box::new(other)),
                    1 => FE::Bin(Bin::Sub, Box::new(other), Box::new(v)),
                    2 => FE::Bin(Bin::Add, Box::new(v), Box::new(other)),
                    3 => FE::Neg(Box::new(v)),
                    4 => FE::Bin(Bin::Mul, Box::new(v.clone()), Box::new(v)),
                    5 => FE::Powi(Box::new(v), 2, Style::Method),
                    _ => {
                        let name = *self.rng.pick(&["sin", "cos", "tanh", "atan"]);
                        FE::Un(name, Box::new(v), Style::Method)
                    }
                }
            }
            3 => self.lit(),
            _ => FE::Cast(self.int_leaf()),
        }
    }

    fn squash(&mut self, a: FE) -> FE {
        let name = *self.rng.pick(&["tanh", "sin", "atan", "cos"]);
        FE::Un(name, Box::new(a), self.style())
    }

    fn squash1(&mut self, a: FE) -> FE {
        let name = *self.rng.pick(&["tanh", "sin", "cos"]);
        FE::Un(name, Box::new(a), self.style())
    }

    /// A form that is at least 0.36 for every finite `a` (≥ 1.5 with `big`), parenthesised.
    fn positive(&mut self, a: FE, big: bool) -> FE {
        let k = if big { 1.5 } else { 0.5 };
        let lit = |x: f64| Box::new(FE::Lit(x));
        let r = match self.rng.below(6) {
            0 => {
                let sq = FE::Bin(Bin::Mul, Box::new(a.clone()), Box::new(a));
                FE::Bin(Bin::Add, Box::new(sq), lit(k))
            }
            1 if !big => {
                let s = self.squash1(a);
                FE::Un("exp", Box::new(s), self.style())
            }
            2 if !big => {
                let s = self.squash(a);
                FE::Un("cosh", Box::new(s), self.style())
            }
            3 => FE::Bi("hypot", Box::new(a), lit(k), self.style()),
            4 => {
                let c = FE::Un("cos", Box::new(a), self.style());
                FE::Bin(Bin::Add, lit(k + 1.0), Box::new(c))
            }
            _ => {
                let s = self.squash(a);
                let e = FE::Un("exp2", Box::new(s), self.style());
                FE::Bin(Bin::Add, Box::new(e), lit(k))
            }
        };
        FE::Paren(Box::new(r))
    }

    fn unary(&mut self, name: &'static str, a: FE) -> FE {
        // `scalar::erf(2.0)` would not know its float type: see the straight-line generator.
        let name = if name == "erf" && !anchored(&a) {
            "sin"
        } else {
            name
        };
        let a = match name {
            "tan" => self.squash1(a),
            "asin" | "acos" => {
                let s = self.squash1(a);
                FE::Paren(Box::new(FE::Bin(
                    Bin::Mul,
                    Box::new(s),
                    Box::new(FE::Lit(0.9)),
                )))
            }
            "sinh" | "cosh" | "exp" | "exp2" | "exp_m1" if self.rng.chance(0.8) => self.squash(a),
            "ln" | "log2" | "log10" | "ln_1p" | "sqrt" | "cbrt" | "recip" => {
                self.positive(a, false)
            }
            _ => a,
        };
        FE::Un(name, Box::new(a), self.style())
    }

    fn binary(&mut self, name: &'static str, a: FE, b: FE) -> FE {
        let (a, b) = match name {
            "powf" => {
                let a = self.positive(a, false);
                let b = self.squash(b);
                (a, b)
            }
            "log" => {
                let a = self.positive(a, false);
                let b = self.positive(b, true);
                (a, b)
            }
            "atan2" | "hypot" if self.rng.chance(0.5) => {
                let b = self.positive(b, false);
                (a, b)
            }
            _ => (a, b),
        };
        FE::Bi(name, Box::new(a), Box::new(b), self.style())
    }

    /// An earlier function to call, with output `out`: one of the callable ones among the last
    /// 40.
    fn callee(&mut self, out: OutTy) -> Option<usize> {
        if !self.cfg.calls {
            return None;
        }
        let lo = self.prior.len().saturating_sub(40);
        let fits: Vec<usize> = (lo..self.prior.len())
            .filter(|&j| {
                let g = &self.prior[j];
                // Calls in loops multiply: bound the interpreter's work (and the test's).
                g.callable() && g.out_ty == out && g.cost * self.trips <= CALL_COST
            })
            .collect();
        (!fits.is_empty()).then(|| *self.rng.pick(&fits))
    }

    /// Arguments for a call to `j`: for each array parameter, an array in scope of its length
    /// that can be passed (or a literal); for each index, an integer whose values are among
    /// those the callee takes (or a literal).
    fn call_args(&mut self, j: usize, depth: u32) -> Vec<CArg> {
        let callee = &self.prior[j];
        let kinds: Vec<(PKind, (usize, usize))> = callee
            .params
            .iter()
            .zip(&callee.ranges)
            .map(|(p, r)| (p.kind, *r))
            .collect();
        let mut args = Vec::new();
        for (kind, (lo, hi)) in kinds {
            args.push(match kind {
                PKind::Scalar => CArg::F(self.scalar(depth.saturating_sub(1), false)),
                PKind::Index => {
                    let fits: Vec<String> = self
                        .ints()
                        .into_iter()
                        .filter(|(_, a, b)| *a >= lo && *b <= hi)
                        .map(|(n, _, _)| n)
                        .collect();
                    if !fits.is_empty() && self.rng.chance(0.6) {
                        CArg::I(IE::Var(self.rng.pick(&fits).clone()))
                    } else {
                        CArg::I(IE::Lit(lo + self.rng.below(hi - lo + 1)))
                    }
                }
                PKind::Array(n) | PKind::RefArray(n) | PKind::Slice(n) => {
                    let borrowed = kind != PKind::Array(n);
                    let fits: Vec<CArg> = self
                        .visible()
                        .into_iter()
                        .filter_map(|(_, b)| match (kind, &b.kind) {
                            (_, BK::Arr { n: m, .. }) if *m != n => None,
                            (_, BK::Arr { owned: true, .. }) => {
                                Some(CArg::A(AE::Var(b.name.clone()), borrowed))
                            }
                            (PKind::RefArray(_), BK::Arr { slice: false, .. })
                            | (PKind::Slice(_), BK::Arr { .. }) => Some(CArg::Ref(b.name.clone())),
                            _ => None,
                        })
                        .collect();
                    if !fits.is_empty() && self.rng.chance(0.6) {
                        self.rng.pick(&fits).clone()
                    } else {
                        CArg::A(self.array_lit(n, depth.saturating_sub(1)), borrowed)
                    }
                }
            });
        }
        self.callees.insert(j);
        args
    }

    /// A call to an earlier function with a float output.
    fn call(&mut self, depth: u32) -> Option<FE> {
        let j = self.callee(OutTy::Scalar)?;
        Some(FE::Call(j, self.call_args(j, depth)))
    }

    /// A float expression of at most `depth` operations; `control` allows `if` and `match`
    /// expressions.
    fn scalar(&mut self, depth: u32, control: bool) -> FE {
        if depth == 0 || self.rng.chance(0.2) {
            return self.leaf();
        }
        let d = depth - 1;
        let calls = if self.cfg.calls && !self.prior.is_empty() {
            3
        } else {
            0
        };
        let (ifs, matches) = if control {
            (6, if self.ints().is_empty() { 0 } else { 3 })
        } else {
            (0, 0)
        };
        match self
            .rng
            .weighted(&[30, 3, 24, 8, 5, calls, 2, ifs, matches])
        {
            0 => {
                let op = *self
                    .rng
                    .pick(&[Bin::Add, Bin::Sub, Bin::Mul, Bin::Mul, Bin::Div]);
                let (ca, cb) = (self.rng.chance(0.3), self.rng.chance(0.3));
                let a = self.scalar(d, control && ca);
                let b = self.scalar(d, control && cb);
                let b = if op == Bin::Div && self.rng.chance(0.8) {
                    self.positive(b, false)
                } else {
                    b
                };
                FE::Bin(op, Box::new(a), Box::new(b))
            }
            1 => FE::Neg(Box::new(self.scalar(d, false))),
            2 => {
                let name = *self.rng.pick(UNARY);
                let a = self.scalar(d, false);
                self.unary(name, a)
            }
            3 => {
                let name = *self.rng.pick(BINARY);
                let a = self.scalar(d, false);
                let b = if self.rng.chance(0.2) {
                    self.lit()
                } else {
                    self.scalar(d, false)
                };
                self.binary(name, a, b)
            }
            4 => {
                let n = *self.rng.pick(&[-2, -1, 0, 1, 2, 2, 3, 4]);
                let a = self.scalar(d, false);
                let a = if n < 0 { self.positive(a, false) } else { a };
                FE::Powi(Box::new(a), n, self.style())
            }
            5 => match self.call(d) {
                Some(e) => e,
                None => self.leaf(),
            },
            6 => FE::Paren(Box::new(self.scalar(d, false))),
            7 => self.if_expr(d),
            _ => self.match_expr(d),
        }
    }

    /// Enters a value block: no jumps out, no assignments to what is outside.
    fn value_block(&mut self, depth: u32) -> Block {
        let saved = (self.loop_floor, self.assign_floor, self.ret_ok);
        let mark = self.env.len();
        self.loop_floor = self.loops.len();
        self.assign_floor = mark;
        self.ret_ok = false;
        let mut stmts = Vec::new();
        if self.budget > 0 && self.rng.chance(0.4) {
            let n = 1 + self.rng.below(2);
            for _ in 0..n {
                self.stmt(&mut stmts, 2);
            }
        }
        let tail = self.scalar(depth, false);
        self.env.truncate(mark);
        (self.loop_floor, self.assign_floor, self.ret_ok) = saved;
        Block { stmts, tail }
    }

    fn if_expr(&mut self, depth: u32) -> FE {
        let cond = self.cond();
        let then = self.value_block(depth);
        let as_match = self.rng.chance(0.15);
        let els = if !as_match && self.rng.chance(0.2) {
            Block {
                stmts: Vec::new(),
                tail: self.if_expr(depth),
            }
        } else {
            self.value_block(depth)
        };
        FE::If(Box::new(cond), Box::new(then), Box::new(els), as_match)
    }

    /// A scrutinee and disjoint patterns covering some of its values, `_` last.
    fn patterns(&mut self) -> (IE, Vec<Pat>) {
        let ints = self.ints();
        let (name, lo, hi) = self.rng.pick(&ints).clone();
        let mut scrut = IE::Var(name);
        let (mut lo, mut hi) = (lo, hi);
        if self.rng.chance(0.4) {
            let m = 2 + self.rng.below(3);
            scrut = IE::Rem(Box::new(scrut), m);
            if hi >= m {
                (lo, hi) = (0, m - 1);
            }
        } else if self.rng.chance(0.2) {
            let k = 1 + self.rng.below(2);
            scrut = IE::Add(Box::new(scrut), Box::new(IE::Lit(k)));
            (lo, hi) = (lo + k, hi + k);
        }
        let mut values: Vec<usize> = (lo..=hi).collect();
        let mut pats = Vec::new();
        let arms = 1 + self.rng.below(3);
        while pats.len() < arms && !values.is_empty() {
            let i = self.rng.below(values.len());
            let v = values.remove(i);
            pats.push(match self.rng.below(4) {
                0 | 1 => Pat::Lit(v),
                2 => {
                    // A range of consecutive values still free.
                    let mut end = v;
                    while values.contains(&(end + 1)) && self.rng.chance(0.6) {
                        end += 1;
                        values.retain(|&x| x != end);
                    }
                    if end == v {
                        Pat::Lit(v)
                    } else {
                        Pat::Range(v, end)
                    }
                }
                _ => {
                    let mut alts = vec![v];
                    if !values.is_empty() {
                        let j = self.rng.below(values.len());
                        alts.push(values.remove(j));
                    }
                    if alts.len() == 1 {
                        // A value outside the range: an arm never taken.
                        alts.push(hi + 1 + self.rng.below(3));
                    }
                    Pat::Alt(alts)
                }
            });
        }
        pats.push(Pat::Wild);
        (scrut, pats)
    }

    fn match_expr(&mut self, depth: u32) -> FE {
        let (scrut, pats) = self.patterns();
        let arms = pats
            .into_iter()
            .map(|p| (p, self.value_block(depth)))
            .collect();
        FE::Match(scrut, arms)
    }

    fn array_lit(&mut self, n: usize, depth: u32) -> AE {
        AE::Lit((0..n).map(|_| self.scalar(depth, false)).collect())
    }

    /// An array of `n` elements: an owned array in scope, a literal, or an `if` of those.
    fn array(&mut self, n: usize, depth: u32) -> AE {
        let owned: Vec<String> = self
            .arrays()
            .into_iter()
            .filter(|(_, k, owned)| *k == n && *owned)
            .map(|(name, _, _)| name)
            .collect();
        match self.rng.below(10) {
            0..=2 if !owned.is_empty() => AE::Var(self.rng.pick(&owned).clone()),
            4 if let Some(j) = self.callee(OutTy::Array(n)) => {
                AE::Call(j, self.call_args(j, depth.max(1)))
            }
            3 => {
                let c = self.cond();
                let a = self.array(n, depth);
                let b = self.array(n, depth);
                AE::If(Box::new(c), Box::new(a), Box::new(b))
            }
            _ => self.array_lit(n, depth),
        }
    }

    fn out(&mut self) -> Out {
        let d = self.depth();
        let floats = self.floats();
        let sinks: Vec<String> = self
            .sinks
            .iter()
            .filter(|s| floats.contains(s))
            .cloned()
            .collect();
        let sink = |e: FE| {
            sinks.iter().fold(e, |e, s| {
                FE::Bin(Bin::Add, Box::new(e), Box::new(FE::Var(s.clone())))
            })
        };
        match self.out_ty {
            OutTy::Scalar => Out::Scalar(sink(self.scalar(d, true))),
            OutTy::Array(n) => match self.array(n, d.min(2)) {
                AE::Lit(mut es) => {
                    let first = std::mem::replace(&mut es[0], FE::Lit(0.0));
                    es[0] = sink(first);
                    Out::Array(AE::Lit(es))
                }
                a => Out::Array(a),
            },
            OutTy::Tuple(n) => {
                let e = sink(self.scalar(d, false));
                Out::Tuple(e, self.array(n, d.min(2)))
            }
        }
    }

    /// The value of a `break` from `let r = loop { .. }`: an expression Rust knows is an `f64`
    /// (with only literals, `r` would be a `{float}`, on which no method call compiles).
    fn break_value(&mut self) -> FE {
        for _ in 0..8 {
            let d = self.depth();
            let e = self.scalar(d, false);
            if anchored(&e) {
                return e;
            }
        }
        FE::Var(self.floats()[0].clone())
    }

    fn depth(&mut self) -> u32 {
        (*self.rng.pick(&[1, 1, 2, 2, 3])).min(self.max_depth)
    }

    // ---- statements ---------------------------------------------------------------------------

    /// A block of `n` statements in a scope of its own.
    fn block(&mut self, n: usize, nest: usize) -> Vec<S> {
        let mark = self.env.len();
        let mut out = Vec::new();
        for _ in 0..n {
            self.stmt(&mut out, nest);
        }
        self.env.truncate(mark);
        out
    }

    /// A loop body: statements, with an assignment to an accumulator from outside (at a random
    /// place) if the statements make none.
    fn loop_body(&mut self, nest: usize, trips: usize) -> Vec<S> {
        let outer = self.assignable();
        let saved = self.trips;
        self.trips *= trips.max(1);
        let mark = self.env.len();
        let n = 1 + self.rng.below(3);
        let at = self.rng.below(n + 1);
        let mut out = Vec::new();
        for i in 0..=n {
            let assigns = out.iter().any(|s| {
                matches!(
                    s,
                    S::Assign { .. } | S::AssignArr { .. } | S::SetElem { .. }
                )
            });
            // What the statements so far left assignable (a `let` may have shadowed one).
            let now = self.assignable();
            let outer: Vec<String> = outer.iter().filter(|n| now.contains(n)).cloned().collect();
            if (i == at || i == n) && !assigns && !outer.is_empty() {
                let name = self.rng.pick(&outer).clone();
                let s = self.assign_to(name);
                out.push(s);
            }
            if i < n {
                self.stmt(&mut out, nest);
            }
        }
        self.env.truncate(mark);
        self.trips = saved;
        out
    }

    fn assign_to(&mut self, name: String) -> S {
        let op = *self.rng.pick(&[
            None,
            None,
            Some(Bin::Add),
            Some(Bin::Add),
            Some(Bin::Sub),
            Some(Bin::Mul),
            Some(Bin::Div),
        ]);
        let d = self.depth();
        let e = self.scalar(d, true);
        let e = match op {
            Some(Bin::Div) => self.positive(e, false),
            // `acc *= e` over many trips: keep the factor near 1.
            Some(Bin::Mul) if self.trips > 1 || !self.loops.is_empty() => {
                let s = self.squash(e);
                FE::Paren(Box::new(FE::Bin(
                    Bin::Add,
                    Box::new(FE::Lit(1.0)),
                    Box::new(FE::Bin(Bin::Mul, Box::new(FE::Lit(0.5)), Box::new(s))),
                )))
            }
            _ => e,
        };
        S::Assign { name, op, e }
    }

    /// A trip-count bound: a literal, a `const`, a parameter, `x.len()`, with its largest value.
    fn bound(&mut self) -> (IE, usize) {
        let params: Vec<(String, usize, usize)> = self
            .ints()
            .into_iter()
            .filter(|(_, _, hi)| *hi <= 6)
            .collect();
        let arrays = self.arrays();
        match self.rng.weighted(&[
            30,
            10,
            if params.is_empty() { 0 } else { 30 },
            if arrays.is_empty() { 0 } else { 20 },
        ]) {
            0 => {
                let k = 1 + self.rng.below(5);
                (IE::Lit(k), k)
            }
            1 => {
                let (name, k) = *self.rng.pick(CONSTS);
                (IE::Const(name, k), k)
            }
            2 => {
                let (name, _, hi) = self.rng.pick(&params).clone();
                if self.rng.chance(0.2) {
                    (
                        IE::Add(Box::new(IE::Var(name)), Box::new(IE::Lit(1))),
                        hi + 1,
                    )
                } else {
                    (IE::Var(name), hi)
                }
            }
            _ => {
                let (name, n, _) = self.rng.pick(&arrays).clone();
                if n >= 2 && self.rng.chance(0.3) {
                    (
                        IE::Sub(Box::new(IE::Len(name)), Box::new(IE::Lit(1))),
                        n - 1,
                    )
                } else {
                    (IE::Len(name), n)
                }
            }
        }
    }

    fn for_loop(&mut self, out: &mut Vec<S>, nest: usize) {
        let label = self.rng.chance(0.3).then(|| self.label());
        let arrays = self.arrays();
        let two = arrays.len() >= 2;
        let kind = self.rng.weighted(&[
            60,
            if arrays.is_empty() { 0 } else { 25 },
            if two { 8 } else { 0 },
        ]);
        let mark = self.env.len();
        let frozen = self.frozen.len();
        let (head, trips) = match kind {
            0 => {
                let (hi, hmax) = self.bound();
                // From an integer in scope sometimes (`for j in i..n`: triangular nests).
                let starts: Vec<String> = self
                    .ints()
                    .into_iter()
                    .filter(|(_, lo, hi)| *hi <= hmax && *lo < hmax)
                    .map(|(n, _, _)| n)
                    .collect();
                let lo = if !starts.is_empty() && self.rng.chance(0.2) {
                    IE::Var(self.rng.pick(&starts).clone())
                } else if self.rng.chance(0.75) || hmax == 0 {
                    IE::Lit(if hmax >= 2 && self.rng.chance(0.2) {
                        1
                    } else {
                        0
                    })
                } else {
                    IE::Lit(self.rng.below(hmax))
                };
                let (lmin, _) = self.range(&lo);
                let inclusive = self.rng.chance(0.2);
                let rev = self.rng.chance(0.25);
                let step = (!rev && self.rng.chance(0.2)).then(|| 2 + self.rng.below(2));
                let top = if inclusive {
                    hmax
                } else {
                    hmax.saturating_sub(1)
                };
                let var = if self.rng.chance(0.85) && top >= lmin {
                    let v = self.fresh(if nest == 0 { "i" } else { "j" });
                    self.bind(&v, BK::Int { lo: lmin, hi: top }, false);
                    Some(v)
                } else {
                    None
                };
                (
                    Head::Range {
                        var,
                        lo,
                        hi,
                        inclusive,
                        rev,
                        step,
                    },
                    top + 1 - lmin.min(top),
                )
            }
            1 => {
                let (arr, n, owned) = self.rng.pick(&arrays).clone();
                if owned {
                    self.frozen.push(arr.clone());
                }
                let by_ref = self.rng.chance(0.5);
                if self.rng.chance(0.3) {
                    let ivar = self.fresh("i");
                    let var = self.fresh("v");
                    self.bind(&ivar, BK::Int { lo: 0, hi: n - 1 }, false);
                    self.bind(&var, if by_ref { BK::Ref } else { BK::F }, false);
                    (
                        Head::Enumerate {
                            ivar,
                            var,
                            by_ref,
                            arr,
                        },
                        n,
                    )
                } else {
                    let var = self.fresh("v");
                    self.bind(&var, if by_ref { BK::Ref } else { BK::F }, false);
                    let iter = self.rng.chance(0.5);
                    (
                        Head::Elems {
                            var,
                            by_ref,
                            iter,
                            arr,
                            owned,
                        },
                        n,
                    )
                }
            }
            _ => {
                let k = self.rng.below(arrays.len());
                let mut l = self.rng.below(arrays.len());
                if l == k {
                    l = (l + 1) % arrays.len();
                }
                let (xa, na, oa) = arrays[k].clone();
                let (xb, nb, ob) = arrays[l].clone();
                for (x, o) in [(&xa, oa), (&xb, ob)] {
                    if o {
                        self.frozen.push(x.clone());
                    }
                }
                let a = self.fresh("a");
                let b = self.fresh("b");
                self.bind(&a, BK::Ref, false);
                self.bind(&b, BK::Ref, false);
                (Head::Zip { a, b, xa, xb }, na.min(nb))
            }
        };
        self.loops.push(LoopCx {
            label: label.clone(),
            value: false,
            no_continue: false,
        });
        let body = self.loop_body(nest + 1, trips);
        self.loops.pop();
        self.frozen.truncate(frozen);
        self.env.truncate(mark);
        out.push(S::For {
            label,
            head,
            body,
            shape: None,
        });
    }

    /// `let mut k = 0;` and the bound `k` counts to.
    fn counter(&mut self, out: &mut Vec<S>) -> (String, IE, usize) {
        let (lim, lmax) = self.bound();
        let k = self.fresh("k");
        out.push(S::LetInt {
            name: k.clone(),
            typed: self.rng.chance(0.3),
            init: 0,
        });
        self.bind(
            &k,
            BK::Int {
                lo: 0,
                hi: lmax + 1,
            },
            true,
        );
        (k, lim, lmax)
    }

    fn while_loop(&mut self, out: &mut Vec<S>, nest: usize) {
        let (k, lim, lmax) = self.counter(out);
        let label = self.rng.chance(0.3).then(|| self.label());
        let mut cond = Cond::I(IE::Var(k.clone()), Cmp::Lt, lim);
        if self.rng.chance(0.3) {
            cond = Cond::And(Box::new(cond), Box::new(self.float_cond()));
        }
        let first = self.rng.chance(0.6);
        self.loops.push(LoopCx {
            label: label.clone(),
            value: false,
            no_continue: !first,
        });
        let mut body = self.loop_body(nest + 1, lmax);
        self.loops.pop();
        if first {
            body.insert(0, S::Incr(k));
        } else {
            body.push(S::Incr(k));
        }
        out.push(S::While { label, cond, body });
    }

    /// `loop { k += 1; if k > lim [|| cond] { break [value]; } .. }`, or `let r = loop ..`.
    fn loop_loop(&mut self, out: &mut Vec<S>, nest: usize, value: bool) {
        let (k, lim, lmax) = self.counter(out);
        let label = self
            .rng
            .chance(if value { 0.5 } else { 0.3 })
            .then(|| self.label());
        let mut cond = Cond::I(IE::Var(k.clone()), Cmp::Gt, lim);
        if self.rng.chance(0.3) {
            cond = Cond::Or(Box::new(cond), Box::new(self.float_cond()));
        }
        let brk = S::Break {
            label: None,
            value: value.then(|| self.break_value()),
        };
        let guard = S::If {
            cond,
            then: vec![brk],
            els: Else::None,
        };
        self.loops.push(LoopCx {
            label: label.clone(),
            value,
            no_continue: false,
        });
        let mut body = self.loop_body(nest + 1, lmax + 1);
        self.loops.pop();
        body.insert(0, S::Incr(k));
        body.insert(1, guard);
        if value {
            let name = self.fresh("r");
            out.push(S::LetLoop {
                name: name.clone(),
                label,
                body,
            });
            self.bind(&name, BK::F, false);
        } else {
            out.push(S::Loop { label, body });
        }
    }

    /// `if cond { [stmt;] break | continue | return }`.
    fn jump(&mut self, out: &mut Vec<S>, nest: usize) {
        let targets: Vec<usize> = (self.loop_floor..self.loops.len()).collect();
        let cond = self.cond();
        let mut then = Vec::new();
        if self.rng.chance(0.3) {
            then = self.block(1, nest + 1);
        }
        let kind = self.rng.weighted(&[
            if targets.is_empty() { 0 } else { 45 },
            if targets.is_empty() { 0 } else { 30 },
            if self.ret_ok { 15 } else { 0 },
        ]);
        let jump = match kind {
            0 | 1 => {
                let inner = *targets.last().expect("a loop");
                // The innermost loop, or a labelled one.
                let labelled: Vec<usize> = targets
                    .iter()
                    .copied()
                    .filter(|&t| self.loops[t].label.is_some())
                    .collect();
                // An outer `let r = 'l: loop`, left with a value from inside an inner loop.
                let outer_value: Vec<usize> = labelled
                    .iter()
                    .copied()
                    .filter(|&t| t != inner && self.loops[t].value)
                    .collect();
                let t = if !outer_value.is_empty() && self.rng.chance(0.5) {
                    *self.rng.pick(&outer_value)
                } else if !labelled.is_empty() && self.rng.chance(0.5) {
                    *self.rng.pick(&labelled)
                } else {
                    inner
                };
                let cx = self.loops[t].clone();
                let label = if t != inner || (cx.label.is_some() && self.rng.chance(0.3)) {
                    cx.label.clone()
                } else {
                    None
                };
                if kind == 1 && !cx.no_continue {
                    S::Continue(label)
                } else {
                    let value = cx.value.then(|| self.break_value());
                    S::Break { label, value }
                }
            }
            _ => S::Return(self.out()),
        };
        then.push(jump);
        out.push(S::If {
            cond,
            then,
            els: Else::None,
        });
    }

    fn if_stmt(&mut self, nest: usize) -> S {
        let cond = self.cond();
        let n = 1 + self.rng.below(3);
        let then = self.block(n, nest + 1);
        let els = match self.rng.below(10) {
            0..=3 => Else::None,
            4 | 5 => Else::If(Box::new(self.if_stmt(nest))),
            _ => {
                let n = 1 + self.rng.below(2);
                Else::Block(self.block(n, nest + 1))
            }
        };
        S::If { cond, then, els }
    }

    fn stmt(&mut self, out: &mut Vec<S>, nest: usize) {
        self.budget = self.budget.saturating_sub(1);
        let deep = nest >= 3 || self.budget == 0;
        let loops_ok = !deep && self.trips < 40;
        if loops_ok
            && nest <= 1
            && self.trips <= 8
            && self
                .nest_rng
                .chance(if nest == 0 { NESTED } else { NESTED / 3.0 })
            && self.nested(out, nest)
        {
            self.control += 1;
            return;
        }
        let assignable = self.assignable();
        let arrays = self.assignable_arrays();
        let tallies = self.tallies();
        let ints = !self.ints().is_empty();
        let in_loop = self.loops.len() > self.loop_floor;
        let weights = [
            18,                                         // let
            8,                                          // let mut
            if assignable.is_empty() { 0 } else { 24 }, // assignment
            5,                                          // array let
            if arrays.is_empty() { 0 } else { 14 },     // array or element assignment
            if deep { 0 } else { 12 },                  // if
            if deep || !ints { 0 } else { 5 },          // match
            if loops_ok { 12 } else { 0 },              // for
            if loops_ok { 4 } else { 0 },               // while
            if loops_ok { 3 } else { 0 },               // loop
            if loops_ok { 3 } else { 0 },               // let r = loop
            if in_loop {
                10
            } else if self.ret_ok {
                2
            } else {
                0
            }, // jump
            2,                                          // tally let
            if tallies.is_empty() { 0 } else { 5 },     // tally update
        ];
        let d = self.depth();
        match self.rng.weighted(&weights) {
            0 | 1 => {
                let mutable = self.rng.chance(0.3);
                let e = self.scalar(d, true);
                // Sometimes shadow a float in scope.
                let floats = self.floats();
                let name = if !floats.is_empty() && self.rng.chance(0.12) {
                    self.rng.pick(&floats).clone()
                } else {
                    self.fresh(if mutable { "acc" } else { "t" })
                };
                let typed = !anchored(&e) || self.rng.chance(0.1);
                out.push(S::Let {
                    name: name.clone(),
                    mutable,
                    typed,
                    e,
                });
                self.bind(&name, BK::F, mutable);
            }
            2 => {
                let name = self.rng.pick(&assignable).clone();
                let s = self.assign_to(name);
                out.push(s);
            }
            3 => {
                let n = 1 + self.rng.below(3);
                // `[0.0; n]` to be written element by element, sometimes (filled with a
                // constant: the macro rejects a differentiated fill).
                let repeat = self.rng.chance(0.3);
                let a = if repeat {
                    let e = FE::Lit(*self.rng.pick(&[0.0, 1.0, 0.5]));
                    AE::Repeat(Box::new(e), n)
                } else {
                    self.array(n, d.min(2))
                };
                let name = self.fresh("w");
                let mutable = repeat || self.rng.chance(0.5);
                out.push(S::LetArr {
                    name: name.clone(),
                    mutable,
                    n,
                    a,
                });
                let kind = BK::Arr {
                    n,
                    owned: true,
                    slice: false,
                };
                self.bind(&name, kind, mutable);
            }
            4 if self.rng.chance(0.6) => {
                // `w[i] = e` or `w[i] op= e`.
                let (name, n) = self.rng.pick(&arrays).clone();
                let ix = self.index(&name, n);
                let op =
                    *self
                        .rng
                        .pick(&[None, None, Some(Bin::Add), Some(Bin::Sub), Some(Bin::Mul)]);
                let e = self.scalar(d, true);
                let e = match op {
                    // Near 1, as for `acc *= e`.
                    Some(Bin::Mul) => {
                        let s = self.squash(e);
                        FE::Paren(Box::new(FE::Bin(
                            Bin::Add,
                            Box::new(FE::Lit(1.0)),
                            Box::new(FE::Bin(Bin::Mul, Box::new(FE::Lit(0.5)), Box::new(s))),
                        )))
                    }
                    _ => e,
                };
                out.push(S::SetElem { name, ix, op, e });
            }
            4 => {
                let (name, n) = self.rng.pick(&arrays).clone();
                let a = self.array_lit(n, d.min(2));
                out.push(S::AssignArr { name, a });
            }
            5 => {
                self.control += 1;
                let s = self.if_stmt(nest);
                out.push(s);
            }
            6 => {
                self.control += 1;
                let (scrut, pats) = self.patterns();
                let arms = pats
                    .into_iter()
                    .map(|p| {
                        let n = self.rng.below(3);
                        (p, self.block(n, nest + 1))
                    })
                    .collect();
                out.push(S::Match { scrut, arms });
            }
            7 => {
                self.control += 1;
                if !(self.shape_rng.chance(0.15) && self.shaped(out, nest)) {
                    self.maybe_accumulator(out);
                    self.for_loop(out, nest);
                }
            }
            8 => {
                self.control += 1;
                self.maybe_accumulator(out);
                self.while_loop(out, nest);
            }
            9 | 10 => {
                self.control += 1;
                self.maybe_accumulator(out);
                let value = self.rng.chance(0.5);
                self.loop_loop(out, nest, value);
            }
            11 => {
                self.control += 1;
                self.jump(out, nest);
            }
            12 => {
                let name = self.fresh("c");
                let m = 2 + self.rng.below(3);
                out.push(S::LetInt {
                    name: name.clone(),
                    typed: self.rng.chance(0.5),
                    init: 0,
                });
                self.bind(&name, BK::Tally(m), true);
            }
            _ => {
                let (name, m) = self.rng.pick(&tallies).clone();
                let step = if self.rng.chance(0.6) {
                    IE::Lit(1 + self.rng.below(m - 1))
                } else {
                    self.int_leaf()
                };
                let e = IE::Rem(
                    Box::new(IE::Add(Box::new(IE::Var(name.clone())), Box::new(step))),
                    m,
                );
                out.push(S::SetInt { name, e });
            }
        }
    }

    // ---- loops whose reverse may run in the forward's order -----------------------------------

    /// A float expression over `leaves` (elements read in the loop, invariants) and the
    /// immutable floats in scope, with neither control flow nor calls. Mostly sums and products
    /// of leaves, which the reverse computes again from the index (a body keeping no records),
    /// under a squashing function sometimes; else any expression of those.
    fn shaped_expr(&mut self, leaves: &[FE]) -> FE {
        let pick = |g: &mut Self| {
            if !leaves.is_empty() && g.rng.chance(0.8) {
                g.rng.pick(leaves).clone()
            } else {
                let floats: Vec<String> = g
                    .visible()
                    .into_iter()
                    .filter(|(_, b)| b.kind == BK::F && !b.mutable)
                    .map(|(_, b)| b.name.clone())
                    .collect();
                if floats.is_empty() || g.rng.chance(0.3) {
                    g.lit()
                } else {
                    FE::Var(g.rng.pick(&floats).clone())
                }
            }
        };
        if self.rng.chance(0.85) {
            let a = pick(self);
            let e = match self.rng.below(5) {
                0 => a,
                1 | 2 => FE::Bin(Bin::Mul, Box::new(a), Box::new(pick(self))),
                3 => FE::Bin(Bin::Add, Box::new(a), Box::new(pick(self))),
                _ => {
                    let b = pick(self);
                    let d = FE::Paren(Box::new(FE::Bin(Bin::Sub, Box::new(a), Box::new(b))));
                    FE::Bin(Bin::Mul, Box::new(d), Box::new(pick(self)))
                }
            };
            // Functions whose pullbacks read their argument, not their value (which the loop
            // would keep).
            return if self.rng.chance(0.3) {
                let name = *self.rng.pick(&["sin", "cos", "atan"]);
                FE::Un(name, Box::new(e), self.style())
            } else {
                e
            };
        }
        // Any expression: placeholders for the leaves, in an environment of the immutable floats
        // only, with no earlier functions to call, replaced by the leaves afterwards.
        let saved_env = self.env.clone();
        let saved_prior = self.prior;
        self.env.retain(|b| b.kind == BK::F && !b.mutable);
        let names: Vec<(String, FE)> = leaves
            .iter()
            .enumerate()
            .map(|(i, e)| (format!("\u{1}{i}"), e.clone()))
            .collect();
        for (name, _) in &names {
            self.env.push(Binding {
                name: name.clone(),
                kind: BK::F,
                mutable: false,
            });
        }
        self.prior = &[];
        let d = self.depth().min(2);
        let mut e = self.scalar(d, false);
        self.env = saved_env;
        self.prior = saved_prior;
        if !leaves.is_empty() && !mentions(&e, "\u{1}") {
            let leaf = self.rng.pick(leaves).clone();
            e = FE::Bin(Bin::Mul, Box::new(leaf), Box::new(e));
        }
        subst(e, &names)
    }

    /// `shaped_loop`, drawing from `shape_rng`.
    fn shaped(&mut self, out: &mut Vec<S>, nest: usize) -> bool {
        std::mem::swap(&mut self.rng, &mut self.shape_rng);
        let written = self.shaped_loop(out, nest);
        std::mem::swap(&mut self.rng, &mut self.shape_rng);
        written
    }

    /// An index into `arr` (of `len` elements) the reverse sees as the same in every iteration
    /// of a loop: a literal or an integer in scope, mostly; else any index.
    fn plain_index(&mut self, arr: &str, len: usize) -> IE {
        let ints: Vec<String> = self
            .ints()
            .into_iter()
            .filter(|(_, _, hi)| *hi < len)
            .map(|(n, _, _)| n)
            .collect();
        match self.rng.below(10) {
            0 => self.index(arr, len),
            1..=5 if !ints.is_empty() => IE::Var(self.rng.pick(&ints).clone()),
            _ => IE::Lit(self.rng.below(len)),
        }
    }

    /// A `for` loop of the shapes whose iterations the reverse may run in the forward's order
    /// (`independent` in the macro's `reverse/control.rs`), or close to them:
    ///
    /// - `c[j] = e(w[j], x0, ..); s += c[j] * e2;` with `c` a local array stored at the loop's
    ///   index, `s` a sum;
    /// - `let mut k = k0; for j in a..b { s += x[k] * e; k += 1; }`: elements at a counter;
    /// - `d[j] = c[i] * w[j]`: an element of a local array read alike in every iteration;
    ///
    /// and, a third of the time, the same with what must keep the reverse order: the sum read
    /// again in the body, an element read at `j - 1`, an invariant element of the array the loop
    /// stores into. Every index is in bounds for every value of the integers in scope. Returns
    /// `false` (having written nothing) where no such loop fits.
    fn shaped_loop(&mut self, out: &mut Vec<S>, nest: usize) -> bool {
        let start = self.env.len();
        let (hi, hmax) = self.bound();
        // 0: none, 1: the sum read again, 2: a read at `j - 1`, 3: an invariant element of
        // the stored array.
        let negative = if self.rng.chance(0.3) {
            1 + self.rng.below(3)
        } else {
            0
        };
        let inclusive = self.rng.chance(0.2);
        let lmin = if negative == 2 || (hmax >= 3 && self.rng.chance(0.2)) {
            1
        } else {
            0
        };
        if (!inclusive && hmax == 0) || (if inclusive { hmax } else { hmax - 1 }) < lmin {
            return false;
        }
        let top = if inclusive { hmax } else { hmax - 1 };
        let trips = top + 1 - lmin;
        let rev = self.rng.chance(0.15);
        let step = (!rev && self.rng.chance(0.1)).then_some(2);
        let mut pre = Vec::new();
        // The array stored at the index: a fresh `[0.0; n]`, or one in scope.
        let mut stored = None;
        if self.rng.chance(0.7) || negative == 3 {
            let reuse: Vec<(String, usize)> = self
                .assignable_arrays()
                .into_iter()
                .filter(|(_, n)| *n > top)
                .collect();
            stored = Some(if !reuse.is_empty() && self.rng.chance(0.3) {
                self.rng.pick(&reuse).0.clone()
            } else {
                let n = top + 1 + self.rng.below(2);
                let name = self.fresh("c");
                pre.push(S::LetArr {
                    name: name.clone(),
                    mutable: true,
                    n,
                    a: AE::Repeat(Box::new(FE::Lit(0.0)), n),
                });
                self.bind(
                    &name,
                    BK::Arr {
                        n,
                        owned: true,
                        slice: false,
                    },
                    true,
                );
                name
            });
        }
        if stored.is_none() && negative == 2 && self.arrays().iter().all(|(_, n, _)| *n <= top) {
            return false;
        }
        // `d[j] = c[i] * w[j]` beside, sometimes: a second array stored at the index.
        let second = (stored.is_some() && self.rng.chance(0.3)).then(|| {
            let n = top + 1;
            let d = self.fresh("d");
            pre.push(S::LetArr {
                name: d.clone(),
                mutable: true,
                n,
                a: AE::Repeat(Box::new(FE::Lit(0.0)), n),
            });
            let kind = BK::Arr {
                n,
                owned: true,
                slice: false,
            };
            self.bind(&d, kind, true);
            d
        });
        let apart = |a: &String| Some(a) != stored.as_ref() && Some(a) != second.as_ref();
        // Elements alike in every iteration (of local arrays mostly: the forward reads them once
        // before the loop), with indices from before the loop.
        let mut invariant = Vec::new();
        let arrays: Vec<(String, usize, bool)> = self
            .arrays()
            .into_iter()
            .filter(|(a, _, _)| apart(a))
            .collect();
        let locals: Vec<&(String, usize, bool)> = arrays.iter().filter(|a| a.2).collect();
        for _ in 0..self.rng.below(3) {
            let (name, n, _) = if !locals.is_empty() && self.rng.chance(0.7) {
                (*self.rng.pick(&locals)).clone()
            } else if !arrays.is_empty() {
                self.rng.pick(&arrays).clone()
            } else {
                break;
            };
            let ix = self.plain_index(&name, n);
            invariant.push(FE::Index(name, ix));
        }
        let mut alike = None;
        if negative == 3 {
            let c = stored.clone().expect("a stored array");
            let n = self
                .arrays()
                .into_iter()
                .find(|a| a.0 == c)
                .expect("bound")
                .1;
            let ix = self.index(&c, n);
            invariant.push(FE::Index(c.clone(), ix.clone()));
            alike = Some(FE::Index(c, ix));
        }
        // The counter: `let mut k = k0;` before the loop, `k += 1` first or last in the body.
        let mut counter = None;
        if self.rng.chance(0.4) {
            let first = self.rng.chance(0.25);
            let need = trips + first as usize;
            let fits: Vec<(String, usize, bool)> = self
                .arrays()
                .into_iter()
                .filter(|(a, n, _)| *n >= need && apart(a))
                .collect();
            if !fits.is_empty() {
                let (x, n, _) = self.rng.pick(&fits).clone();
                let k0 = self.rng.below(n - need + 1);
                let k = self.fresh("k");
                pre.push(S::LetInt {
                    name: k.clone(),
                    typed: self.rng.chance(0.3),
                    init: k0,
                });
                counter = Some((k, x, k0, first));
            }
        }
        // The sum: a fresh accumulator, or one in scope.
        let sums = self.assignable();
        let sum = if !sums.is_empty() && self.rng.chance(0.3) {
            self.rng.pick(&sums).clone()
        } else {
            self.new_accumulator("s", 0.6, &mut pre)
        };
        // A second sum, reading the first.
        let again = (negative == 1).then(|| {
            let name = self.fresh("s");
            pre.push(S::Let {
                name: name.clone(),
                mutable: true,
                typed: true,
                e: FE::Lit(0.0),
            });
            self.bind(&name, BK::F, true);
            name
        });
        // The loop variable and the elements the body reads.
        let mark = self.env.len();
        let j = self.fresh("j");
        self.bind(&j, BK::Int { lo: lmin, hi: top }, false);
        let jv = || IE::Var(j.clone());
        let mut leaves = invariant;
        let readable: Vec<(String, usize, bool)> = self
            .arrays()
            .into_iter()
            .filter(|(a, n, _)| *n > top && apart(a))
            .collect();
        for _ in 0..1 + self.rng.below(2) {
            if readable.is_empty() {
                break;
            }
            let x = self.rng.pick(&readable).0.clone();
            leaves.push(FE::Index(x, jv()));
        }
        if negative == 0 && stored.is_none() && readable.is_empty() && counter.is_none() {
            // Nothing differentiated read at the index: not a loop of the shape.
            self.env.truncate(start);
            return false;
        }
        if self.rng.chance(0.2) {
            leaves.push(FE::Cast(jv()));
        }
        let back = |x: String| {
            FE::Index(
                x,
                IE::Sub(Box::new(IE::Var(j.clone())), Box::new(IE::Lit(1))),
            )
        };
        let mut body = Vec::new();
        let mut last = Vec::new();
        let mut linear = None;
        if let Some((k, x, _, first)) = &counter {
            if *first {
                body.push(S::Incr(k.clone()));
            } else {
                last.push(S::Incr(k.clone()));
            }
            leaves.push(FE::Index(x.clone(), IE::Var(k.clone())));
        }
        if let Some(c) = &stored {
            // `*=` needs the element before it: the loop keeps records.
            let op =
                *self
                    .rng
                    .pick(&[None, None, None, None, None, Some(Bin::Add), Some(Bin::Mul)]);
            let mut e = self.shaped_expr(&leaves);
            if negative == 2 {
                // `c[j] = c[j - 1] * squash(e) + e2`, or an element of another array at `j - 1`.
                let prev = if readable.is_empty() || self.rng.chance(0.6) {
                    back(c.clone())
                } else {
                    back(self.rng.pick(&readable).0.clone())
                };
                let s = self.squash1(e);
                let e2 = self.shaped_expr(&leaves);
                e = FE::Bin(
                    Bin::Add,
                    Box::new(FE::Bin(Bin::Mul, Box::new(prev), Box::new(s))),
                    Box::new(e2),
                );
            }
            let e = if op == Some(Bin::Mul) {
                let s = self.squash(e);
                FE::Paren(Box::new(FE::Bin(
                    Bin::Add,
                    Box::new(FE::Lit(1.0)),
                    Box::new(FE::Bin(Bin::Mul, Box::new(FE::Lit(0.5)), Box::new(s))),
                )))
            } else {
                e
            };
            body.push(S::SetElem {
                name: c.clone(),
                ix: jv(),
                op,
                e,
            });
            leaves.push(FE::Index(c.clone(), jv()));
            // The sum adds the element as it is, mostly: a product with it needs its value,
            // which the loop would keep unless the reverse can compute it again.
            linear = Some(FE::Index(c.clone(), jv())).filter(|_| self.rng.chance(0.6));
        } else if negative == 2 {
            let x = self.rng.pick(&readable).0.clone();
            leaves.push(back(x));
        }
        if let Some(d) = &second {
            let e = self.shaped_expr(&leaves);
            body.push(S::SetElem {
                name: d.clone(),
                ix: jv(),
                op: None,
                e,
            });
        }
        if stored.is_none() || counter.is_some() || negative != 0 || self.rng.chance(0.8) {
            let mut e = self.shaped_expr(&leaves);
            if let Some(c) = linear {
                e = FE::Bin(Bin::Add, Box::new(c), Box::new(e));
            }
            // The near miss reads the stored array's invariant element for sure.
            if let Some(a) = alike.take() {
                e = FE::Bin(Bin::Add, Box::new(e), Box::new(a));
            }
            // A loop whose body does not read its index is not one the reverse may run forwards.
            let at_index: Vec<&FE> = leaves
                .iter()
                .filter(|l| matches!(l, FE::Index(_, IE::Var(v)) if *v == j))
                .collect();
            if !at_index.is_empty() && !reads_at(&e, &j) {
                let x = (*self.rng.pick(&at_index)).clone();
                e = FE::Bin(Bin::Mul, Box::new(x), Box::new(e));
            }
            if let Some((k, x, _, _)) = &counter
                && !reads_at(&e, k)
            {
                let xk = FE::Index(x.clone(), IE::Var(k.clone()));
                e = FE::Bin(Bin::Mul, Box::new(e), Box::new(xk));
            }
            let op = if self.rng.chance(0.8) {
                Bin::Add
            } else {
                Bin::Sub
            };
            body.push(S::Assign {
                name: sum.clone(),
                op: Some(op),
                e,
            });
            if let Some(t) = &again {
                leaves.push(FE::Var(sum.clone()));
                let e = self.shaped_expr(&leaves);
                let e = if mentions(&e, &sum) {
                    e
                } else {
                    FE::Bin(Bin::Mul, Box::new(FE::Var(sum.clone())), Box::new(e))
                };
                body.push(S::Assign {
                    name: t.clone(),
                    op: Some(Bin::Add),
                    e,
                });
            }
        }
        body.extend(last);
        self.env.truncate(mark);
        out.extend(pre);
        self.budget = self.budget.saturating_sub(body.len());
        let shape = match negative {
            0 => "loop forwards",
            1 => "loop with a sum read again",
            2 => "loop reading at j - 1",
            _ => "loop reading the stored array alike",
        };
        out.push(S::For {
            label: None,
            shape: Some(shape),
            head: Head::Range {
                var: Some(j),
                lo: IE::Lit(lmin),
                hi,
                inclusive,
                rev,
                step,
            },
            body,
        });
        // What the loop computed, into the output (or an accumulator from outside).
        for a in [&stored, &second].into_iter().flatten() {
            let ix = lmin + self.rng.below(trips);
            out.push(S::Assign {
                name: sum.clone(),
                op: Some(Bin::Add),
                e: FE::Index(a.clone(), IE::Lit(ix)),
            });
        }
        let outer: Vec<String> = self
            .visible()
            .into_iter()
            .filter(|(i, b)| *i < start && b.kind == BK::F && b.mutable && *i >= self.assign_floor)
            .map(|(_, b)| b.name.clone())
            .collect();
        for s in std::iter::once(sum).chain(again) {
            if nest == 0 {
                self.sinks.push(s);
            } else if !outer.is_empty() && self.rng.chance(0.7) {
                let name = self.rng.pick(&outer).clone();
                if name != s {
                    out.push(S::Assign {
                        name,
                        op: Some(Bin::Add),
                        e: FE::Var(s),
                    });
                }
            }
        }
        if let Some((k, _, k0, _)) = counter {
            self.bind(
                &k,
                BK::Int {
                    lo: k0,
                    hi: k0 + trips,
                },
                false,
            );
        }
        true
    }

    // ---- triangles: counters stepped by an inner loop, arrays filled and read again -----------

    /// `running_loop` or `filled_loop`, drawing from `nest_rng`.
    fn nested(&mut self, out: &mut Vec<S>, nest: usize) -> bool {
        std::mem::swap(&mut self.rng, &mut self.nest_rng);
        let written = if self.rng.chance(0.55) {
            self.running_loop(out, nest)
        } else {
            self.filled_loop(out, nest)
        };
        std::mem::swap(&mut self.rng, &mut self.nest_rng);
        written
    }

    /// The largest value `e` takes with the integer `var` at `v` and every other integer at its
    /// largest: `e` is `var`, a sum with it, or an integer [`Gen::range`] knows.
    fn at_most(&self, e: &IE, var: &str, v: usize) -> usize {
        match e {
            IE::Var(n) if n == var => v,
            IE::Add(a, b) => self.at_most(a, var, v) + self.at_most(b, var, v),
            _ => self.range(e).1,
        }
    }

    /// A bound of [`Gen::bound`], mostly one that is the same operand wherever it is written: a
    /// literal, a `const` or an integer in scope (`n + 1` and `x.len()` are values of their own
    /// at each use, so two ranges `0..x.len()` are not the same range to the macro).
    fn plain_bound(&mut self) -> (IE, usize) {
        for _ in 0..3 {
            let b = self.bound();
            if matches!(b.0, IE::Lit(_) | IE::Const(..) | IE::Var(_)) || self.rng.chance(0.15) {
                return b;
            }
        }
        let k = 1 + self.rng.below(5);
        (IE::Lit(k), k)
    }

    /// The immutable floats in scope.
    fn fixed_floats(&self) -> Vec<FE> {
        self.visible()
            .into_iter()
            .filter(|(_, b)| b.kind == BK::F && !b.mutable)
            .map(|(_, b)| FE::Var(b.name.clone()))
            .collect()
    }

    /// An element of an array in scope (not one of `not`) at the integer `var`, whose largest
    /// value is `max`: `x[var]` (`x[var + 1]`) where `x` is long enough, else (with `wrap`)
    /// `x[var % len]`, which the reverse does not compute again at another index.
    fn elem_at(&mut self, var: &str, max: usize, not: &[&str], wrap: bool) -> Option<FE> {
        let arrays: Vec<(String, usize)> = self
            .arrays()
            .into_iter()
            .filter(|(a, _, _)| !not.contains(&a.as_str()))
            .map(|(a, n, _)| (a, n))
            .collect();
        let long: Vec<&(String, usize)> = arrays.iter().filter(|(_, n)| *n > max).collect();
        if arrays.is_empty() || (long.is_empty() && !wrap) {
            return None;
        }
        let v = IE::Var(var.to_string());
        Some(if !long.is_empty() && (!wrap || self.rng.chance(0.85)) {
            let (x, n) = (*self.rng.pick(&long)).clone();
            if n > max + 1 && self.rng.chance(0.2) {
                FE::Index(x, IE::Add(Box::new(v), Box::new(IE::Lit(1))))
            } else {
                FE::Index(x, v)
            }
        } else {
            let (x, n) = self.rng.pick(&arrays).clone();
            FE::Index(x, IE::Rem(Box::new(v), n))
        })
    }

    /// Sums, products and differences of `leaves` and literals, rarely under a squashing
    /// function: mostly what the reverse can compute again at another index.
    fn plain_expr(&mut self, leaves: &[FE]) -> FE {
        if leaves.is_empty() {
            return self.lit();
        }
        let mut e = self.rng.pick(leaves).clone();
        for _ in 0..1 + self.rng.below(2) {
            let b = if self.rng.chance(0.75) {
                self.rng.pick(leaves).clone()
            } else {
                self.lit()
            };
            let op = *self.rng.pick(&[Bin::Mul, Bin::Mul, Bin::Add, Bin::Sub]);
            e = FE::Bin(op, Box::new(e), Box::new(b));
        }
        if self.rng.chance(0.1) {
            self.squash(e)
        } else {
            e
        }
    }

    /// `let mut q = [0.0; len]; for k in 0..len { q[k] = e + (k as f64) * 0.1; }` into `pre`,
    /// `e` an expression of the parameters: an array of different elements for a counter to
    /// index, longer than any parameter.
    fn prepared(&mut self, len: usize, pre: &mut Vec<S>) -> String {
        let q = self.fresh("q");
        let k = self.fresh("k");
        let mut leaves = self.fixed_floats();
        if let Some(x) = self.elem_at(&k, len - 1, &[], true) {
            leaves.push(x);
        }
        let e = self.plain_expr(&leaves);
        let e = FE::Bin(Bin::Add, Box::new(e), Box::new(ramp(IE::Var(k.clone()))));
        pre.push(S::LetArr {
            name: q.clone(),
            mutable: true,
            n: len,
            a: AE::Repeat(Box::new(FE::Lit(0.0)), len),
        });
        pre.push(S::For {
            label: None,
            head: Head::Range {
                var: Some(k.clone()),
                lo: IE::Lit(0),
                hi: IE::Lit(len),
                inclusive: false,
                rev: false,
                step: None,
            },
            body: vec![S::SetElem {
                name: q.clone(),
                ix: IE::Var(k),
                op: None,
                e,
            }],
            shape: Some("array made for a counter"),
        });
        let kind = BK::Arr {
            n: len,
            owned: true,
            slice: false,
        };
        self.bind(&q, kind, true);
        q
    }

    /// The sum a nested shape adds to: an accumulator in scope sometimes, else a fresh one
    /// declared in `pre`.
    fn nested_sum(&mut self, pre: &mut Vec<S>) -> String {
        let sums = self.assignable();
        if !sums.is_empty() && self.rng.chance(0.3) {
            self.rng.pick(&sums).clone()
        } else {
            self.new_accumulator("s", 0.6, pre)
        }
    }

    /// What a nested shape added to `sum`: into the output at the top level, else (sometimes)
    /// into an accumulator from before the shape (bound below `start`).
    fn sink(&mut self, sum: String, start: usize, nest: usize, out: &mut Vec<S>) {
        if nest == 0 {
            if !self.sinks.contains(&sum) {
                self.sinks.push(sum);
            }
            return;
        }
        let outer: Vec<String> = self
            .visible()
            .into_iter()
            .filter(|(i, b)| *i < start && b.kind == BK::F && b.mutable && *i >= self.assign_floor)
            .map(|(_, b)| b.name.clone())
            .collect();
        if !outer.is_empty() {
            let name = self.rng.pick(&outer).clone();
            if name != sum {
                out.push(S::Assign {
                    name,
                    op: Some(Bin::Add),
                    e: FE::Var(sum),
                });
            }
        }
    }

    /// The outer range of a nested shape, `lo..hi` or `lo..=hi` where `hi` is at most `hmax`:
    /// whether it is inclusive, its largest value and its start (1 at times, where it has three
    /// values or more); `None` where it would be empty.
    fn row_range(&mut self, hmax: usize) -> Option<(bool, usize, usize)> {
        let inclusive = self.rng.chance(0.2);
        if !inclusive && hmax == 0 {
            return None;
        }
        let top = if inclusive { hmax } else { hmax - 1 };
        let lo = if top >= 2 && self.rng.chance(0.2) {
            1
        } else {
            0
        };
        Some((inclusive, top, lo))
    }

    /// A counter an inner loop steps, whose value the reverse carries backwards from the outer
    /// loop's end instead of keeping it per row (`Running` in the macro's `reverse/mod.rs`,
    /// `lparams` of ADBench GMM's triangle):
    ///
    /// ```text
    /// let mut c = 0;
    /// for i in 0..n {
    ///     s += q[c] * x0;          // sometimes: read where the row starts
    ///     for j in i + 1..n {
    ///         s += q[c] * x[j];
    ///         c += 2;
    ///     }
    /// }
    /// ```
    ///
    /// stepped by 1, 2, the outer index, an integer in scope or an outer counter, different in
    /// each row (`c += m;` in the row, `m += 1;` after it), up or down (`c -= 1` from a start
    /// high enough); rows from or to the outer index (`i..n`, `i + 1..n` whose last row runs no
    /// iteration, `0..i`) or fixed, inclusive or reversed, in an outer loop reversed or not; `q`
    /// an array of the parameters made long enough for the counter ([`Gen::prepared`]), one in
    /// scope long enough, or `x[c % len]`. And, about 65% of the time, a near miss: stepped
    /// again after the row, a row with index `_` or with `step_by` (which the reverse must
    /// keep per row), a `continue` in the row before the step (must keep), after it, or in the
    /// outer loop after the row (both of which it may still carry). Indices are in bounds at
    /// the largest values of the bounds and steps, counted here.
    fn running_loop(&mut self, out: &mut Vec<S>, nest: usize) -> bool {
        let start = self.env.len();
        // 0: carried, 1: stepped after the row, 2: a row with `_`, 3: a row with `step_by`,
        // 4: a `continue` in the row before the step, 5: one after the step or in the outer
        // loop after the row.
        let variant = self.rng.weighted(&[36, 14, 14, 14, 11, 11]);
        let (hi, hmax) = self.bound();
        let Some((inclusive, top, lo)) = self.row_range(hmax) else {
            return false;
        };
        let rev = self.rng.chance(0.3);
        let i = self.fresh("i");
        let iv = || IE::Var(i.clone());
        // The row's range.
        let end = if self.rng.chance(0.7) {
            hi.clone()
        } else {
            self.bound().0
        };
        let (row_lo, row_hi) = match self.rng.below(7) {
            0 | 1 => (iv(), end),
            2 | 3 => (IE::Add(Box::new(iv()), Box::new(IE::Lit(1))), end),
            4 | 5 => (IE::Lit(0), iv()),
            _ => (IE::Lit(self.rng.below(2)), end),
        };
        let row_inclusive = self.rng.chance(0.2);
        let row_step = (variant == 3).then_some(2);
        let row_rev = variant != 3 && self.rng.chance(0.3);
        // The step, defined outside the row.
        // A step an outer counter gives, different in each row (`let mut m = 1;` before the
        // loops, `m += 1;` after the row): its name and first value.
        let mut per_row = None;
        let step = match self.rng.weighted(&[50, 18, 11, 11, 10]) {
            0 => IE::Lit(1),
            1 => IE::Lit(2),
            2 => iv(),
            4 => {
                let m = self.fresh("m");
                per_row = Some((m.clone(), self.rng.below(3)));
                IE::Var(m)
            }
            _ => {
                let ints: Vec<String> = self
                    .ints()
                    .into_iter()
                    .filter(|(_, _, h)| *h <= 3)
                    .map(|(n, _, _)| n)
                    .collect();
                if ints.is_empty() {
                    IE::Lit(1)
                } else {
                    IE::Var(self.rng.pick(&ints).clone())
                }
            }
        };
        let down = self.rng.chance(0.25);
        // At the largest bounds: the steps of all the rows, and the row's largest index.
        let mut total = 0;
        let mut jmax = 0;
        let mut rows = span(lo, top, true, None);
        if rev {
            rows.reverse();
        }
        for (at, v) in rows.into_iter().enumerate() {
            let (a, b) = (self.at_most(&row_lo, &i, v), self.at_most(&row_hi, &i, v));
            let row = span(a, b, row_inclusive, row_step);
            jmax = jmax.max(row.iter().copied().max().unwrap_or(0));
            let by = match &per_row {
                Some((_, m0)) => m0 + at,
                None => self.at_most(&step, &i, v),
            };
            total += row.len() * by + usize::from(variant == 1);
        }
        let c0 = if down {
            total + self.rng.below(3)
        } else {
            self.rng.below(3)
        };
        let cmax = if down { c0 } else { c0 + total };
        let mut pre = Vec::new();
        let c = self.fresh("c");
        let cv = || IE::Var(c.clone());
        // What the counter indexes.
        let arrays = self.arrays();
        let long: Vec<String> = arrays
            .iter()
            .filter(|(_, n, _)| *n > cmax)
            .map(|(a, _, _)| a.clone())
            .collect();
        let at_c = match self.rng.below(10) {
            0..=2 if !long.is_empty() => FE::Index(self.rng.pick(&long).clone(), cv()),
            3 if !arrays.is_empty() && self.rng.chance(0.5) => {
                let (x, n, _) = self.rng.pick(&arrays).clone();
                FE::Index(x, IE::Rem(Box::new(cv()), n))
            }
            _ => {
                let len = cmax.max(jmax).max(top) + 1 + self.rng.below(2);
                let q = self.prepared(len, &mut pre);
                FE::Index(q, cv())
            }
        };
        let FE::Index(at_c_array, _) = &at_c else {
            unreachable!()
        };
        let at_c_array = at_c_array.clone();
        pre.push(S::LetInt {
            name: c.clone(),
            typed: self.rng.chance(0.3),
            init: c0,
        });
        if let Some((m, m0)) = &per_row {
            pre.push(S::LetInt {
                name: m.clone(),
                typed: self.rng.chance(0.3),
                init: *m0,
            });
        }
        let sum = self.nested_sum(&mut pre);
        let mark = self.env.len();
        self.bind(&i, BK::Int { lo, hi: top }, false);
        let j = (variant != 2).then(|| self.fresh("j"));
        if let Some(j) = &j {
            self.bind(j, BK::Int { lo: 0, hi: jmax }, false);
        }
        // The row's sum: of the element at the counter, elements at the row's index, `(c as
        // f64)`.
        let mut leaves = vec![at_c.clone()];
        match &j {
            Some(j) => {
                for _ in 0..1 + self.rng.below(2) {
                    if let Some(x) = self.elem_at(j, jmax, &[], true) {
                        leaves.push(x);
                    }
                }
                if self.rng.chance(0.2) {
                    leaves.push(ramp(IE::Var(j.clone())));
                }
            }
            None => {
                if let Some(x) = self.elem_at(&i, top, &[], true) {
                    leaves.push(x);
                }
            }
        }
        if self.rng.chance(0.15) {
            leaves.push(ramp(cv()));
        }
        let mut e = self.shaped_expr(&leaves);
        if !reads_elem(&e, &at_c_array, &c) {
            e = FE::Bin(Bin::Mul, Box::new(at_c.clone()), Box::new(e));
        }
        let op = if self.rng.chance(0.8) {
            Bin::Add
        } else {
            Bin::Sub
        };
        let add = S::Assign {
            name: sum.clone(),
            op: Some(op),
            e,
        };
        let stepped = S::Step {
            name: c.clone(),
            down,
            by: step,
        };
        let skip = |var: &str, g: &mut Self| S::If {
            cond: Cond::I(
                IE::Rem(Box::new(IE::Var(var.to_string())), 2),
                Cmp::Eq,
                IE::Lit(g.rng.below(2)),
            ),
            then: vec![S::Continue(None)],
            els: Else::None,
        };
        // 0: a `continue` in the row before the step, 1: after it, 2: in the outer loop.
        let jump = match variant {
            4 => 0,
            5 => 1 + self.rng.below(2),
            _ => 3,
        };
        let mut row = Vec::new();
        match (jump, &j) {
            (0, Some(j)) => row.extend([skip(j, self), stepped, add]),
            (1, Some(j)) => row.extend([stepped, skip(j, self), add]),
            _ if self.rng.chance(0.3) => row.extend([stepped, add]),
            _ => row.extend([add, stepped]),
        }
        let mut body = Vec::new();
        if self.rng.chance(0.3) {
            // Read where the row starts.
            let mut l = vec![at_c.clone()];
            if let Some(x) = self.elem_at(&i, top, &[], true) {
                l.push(x);
            }
            let mut e = self.shaped_expr(&l);
            if !reads_elem(&e, &at_c_array, &c) {
                e = FE::Bin(Bin::Mul, Box::new(at_c.clone()), Box::new(e));
            }
            body.push(S::Assign {
                name: sum.clone(),
                op: Some(Bin::Add),
                e,
            });
        }
        body.push(S::For {
            label: None,
            head: Head::Range {
                var: j,
                lo: row_lo,
                hi: row_hi,
                inclusive: row_inclusive,
                rev: row_rev,
                step: row_step,
            },
            body: row,
            shape: None,
        });
        if let Some((m, _)) = per_row {
            body.push(S::Step {
                name: m,
                down: false,
                by: IE::Lit(1),
            });
        }
        if variant == 1 {
            body.push(S::Step {
                name: c.clone(),
                down,
                by: IE::Lit(1),
            });
        }
        if jump == 2 {
            body.push(skip(&i, self));
        }
        if jump == 2 || self.rng.chance(0.2) {
            // Read after the row.
            let x = self.lit();
            body.push(S::Assign {
                name: sum.clone(),
                op: Some(Bin::Add),
                e: FE::Bin(Bin::Mul, Box::new(at_c.clone()), Box::new(x)),
            });
        }
        self.env.truncate(mark);
        let shape = [
            "running counter",
            "running counter stepped after its row",
            "running counter of a `_` row",
            "running counter of a row with step_by",
            "running counter of a row with continue before its step",
            "running counter with a continue after its step",
        ][variant];
        let outer = S::For {
            label: None,
            head: Head::Range {
                var: Some(i),
                lo: IE::Lit(lo),
                hi,
                inclusive,
                rev,
                step: None,
            },
            body,
            shape: Some(shape),
        };
        out.extend(pre);
        self.budget = self
            .budget
            .saturating_sub(count_stmts(std::slice::from_ref(&outer)));
        out.push(outer);
        self.sink(sum, start, nest, out);
        true
    }

    /// An array a loop fills with one store per iteration at its index, read at the index of
    /// another loop over the same range alike in every iteration of an inner loop, which the
    /// reverse computes again from the fill's expression where each row's reverse starts,
    /// instead of keeping it per row (`Fill` and `Cx::again` in the macro's `reverse/mod.rs`,
    /// `xc[i]` of ADBench GMM's triangle):
    ///
    /// ```text
    /// let mut a = [0.0; 4];
    /// for r in 0..2 {
    ///     let t = x0 * w[r];
    ///     for k in (0..n).rev() {
    ///         a[k] = x[k] * t - x0;
    ///     }
    ///     for i in 0..n {
    ///         for j in i + 1..n {
    ///             s += a[i] * x[j];
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// in a loop of its own mostly (at the top level, where nothing changes the array after
    /// its fill, the reverse reads it again instead), with a scalar of that loop (which changes
    /// between the fill and the read sometimes: `t += e;`, read in the row too); filled
    /// forwards or backwards, from the parameters (elements at the index, scalars); read
    /// forwards or backwards, by rows from the index (`i + 1..n`, whose last row runs no
    /// iteration), to it, or fixed. And, about 45% of the time, one the reverse must keep per
    /// row: a fill reading the array itself (`a[k] = a[k] * 0.5 + e`, `a[k - 1]`), the array
    /// stored into after its fill, a read loop over another range than the fill's.
    fn filled_loop(&mut self, out: &mut Vec<S>, nest: usize) -> bool {
        let start = self.env.len();
        // 0: computed again, 1: a fill reading the array, 2: stored after the fill, 3: read
        // over another range.
        let variant = self.rng.weighted(&[46, 18, 18, 18]);
        let (hi, hmax) = self.plain_bound();
        let Some((inclusive, top, lo)) = self.row_range(hmax) else {
            return false;
        };
        // The read loop's range: the fill's, or another.
        let (mut rlo, mut rhi, mut rinclusive, mut rtop) = (lo, hi.clone(), inclusive, top);
        if variant == 3 {
            match self.rng.below(3) {
                0 if top >= 1 => rlo = 1 - lo,
                1 => {
                    let (h, m) = self.bound();
                    if ie_src(&h) == ie_src(&hi) {
                        rinclusive = !inclusive;
                    }
                    rhi = h;
                    rtop = if rinclusive { m } else { m.saturating_sub(1) };
                }
                _ => {
                    rinclusive = !inclusive;
                    rtop = if rinclusive {
                        hmax
                    } else {
                        hmax.saturating_sub(1)
                    };
                }
            }
        }
        let enclose = self.rng.chance(if nest == 0 { 0.8 } else { 0.25 });
        let declared_inside = enclose && self.rng.chance(0.4);
        let mut pre = Vec::new();
        let sum = self.nested_sum(&mut pre);
        let a = self.fresh("a");
        let len = top.max(rtop) + 1 + self.rng.below(2);
        let declare = S::LetArr {
            name: a.clone(),
            mutable: true,
            n: len,
            a: AE::Repeat(Box::new(FE::Lit(0.0)), len),
        };
        let kind = BK::Arr {
            n: len,
            owned: true,
            slice: false,
        };
        if !declared_inside {
            pre.push(declare.clone());
            self.bind(&a, kind.clone(), true);
        }
        let mark = self.env.len();
        let mut inner = Vec::new();
        let rcount = 2 + self.rng.below(2);
        let r = enclose.then(|| self.fresh("r"));
        // The scalar of the enclosing loop, and whether it changes between the fill and the read.
        let mut scalar = None;
        if let Some(r) = &r {
            self.bind(
                r,
                BK::Int {
                    lo: 0,
                    hi: rcount - 1,
                },
                false,
            );
            if self.rng.chance(0.75) {
                // A scalar of the enclosing loop.
                let mut l = self.fixed_floats();
                if let Some(x) = self.elem_at(r, rcount - 1, &[&a], variant != 0) {
                    l.extend([x.clone(), x]);
                }
                let e = self.plain_expr(&l);
                let t = self.fresh("t");
                let changes = variant == 0 && self.rng.chance(0.25);
                inner.push(S::Let {
                    name: t.clone(),
                    mutable: changes,
                    typed: !anchored(&e),
                    e,
                });
                self.bind(&t, BK::F, changes);
                scalar = Some((t, changes));
            }
        }
        if declared_inside {
            inner.push(declare);
            self.bind(&a, kind, true);
        }
        // The fill.
        let k = self.fresh("k");
        let mut leaves = self.fixed_floats();
        for _ in 0..1 + self.rng.below(2) {
            let wrap = variant != 0 || self.rng.chance(0.1);
            if let Some(x) = self.elem_at(&k, top, &[&a], wrap) {
                leaves.push(x);
            }
        }
        if self.rng.chance(0.1) {
            leaves.push(ramp(IE::Var(k.clone())));
        }
        let mut e = self.plain_expr(&leaves);
        if variant == 1 {
            let own = if lo == 1 && self.rng.chance(0.5) {
                IE::Sub(Box::new(IE::Var(k.clone())), Box::new(IE::Lit(1)))
            } else {
                IE::Var(k.clone())
            };
            let own = FE::Bin(
                Bin::Mul,
                Box::new(FE::Index(a.clone(), own)),
                Box::new(FE::Lit(0.5)),
            );
            e = FE::Bin(Bin::Add, Box::new(own), Box::new(e));
        }
        inner.push(S::For {
            label: None,
            head: Head::Range {
                var: Some(k.clone()),
                lo: IE::Lit(lo),
                hi: hi.clone(),
                inclusive,
                rev: self.rng.chance(0.35),
                step: None,
            },
            body: vec![S::SetElem {
                name: a.clone(),
                ix: IE::Var(k),
                op: None,
                e,
            }],
            shape: None,
        });
        if let Some((t, true)) = &scalar {
            // The fill's scalar changes before the read (which reads it too): the reverse
            // computes the element again from the scalar as the fill saw it.
            let l = self.fixed_floats();
            let e = self.plain_expr(&l);
            let op = *self.rng.pick(&[None, Some(Bin::Add), Some(Bin::Mul)]);
            inner.push(S::Assign {
                name: t.clone(),
                op,
                e,
            });
        }
        if variant == 2 {
            // An element the read loop reads, mostly.
            let ix = if rlo <= rtop && self.rng.chance(0.6) {
                rlo
            } else {
                self.rng.below(len)
            };
            let l = self.fixed_floats();
            let e = self.plain_expr(&l);
            let op = *self.rng.pick(&[None, Some(Bin::Add)]);
            inner.push(S::SetElem {
                name: a.clone(),
                ix: IE::Lit(ix),
                op,
                e,
            });
        }
        // The read: rows over the fill's range, reading `a[i]` in every iteration.
        let i = self.fresh("i");
        self.bind(
            &i,
            BK::Int {
                lo: rlo.min(rtop),
                hi: rtop,
            },
            false,
        );
        let iv = || IE::Var(i.clone());
        let end = if self.rng.chance(0.6) {
            rhi.clone()
        } else {
            self.bound().0
        };
        let (row_lo, row_hi) = match self.rng.below(7) {
            0..=2 => (IE::Add(Box::new(iv()), Box::new(IE::Lit(1))), end),
            3 | 4 => (iv(), end),
            5 => (IE::Lit(0), iv()),
            _ => (IE::Lit(0), IE::Lit(1 + self.rng.below(3))),
        };
        let row_inclusive = self.rng.chance(0.15);
        let mut jmax = 0;
        for v in span(rlo, rtop, true, None) {
            let (x, y) = (self.at_most(&row_lo, &i, v), self.at_most(&row_hi, &i, v));
            let row = span(x, y, row_inclusive, None);
            jmax = jmax.max(row.iter().copied().max().unwrap_or(0));
        }
        let j = self.fresh("j");
        self.bind(&j, BK::Int { lo: 0, hi: jmax }, false);
        let elem = FE::Index(a.clone(), iv());
        let mut leaves = self.fixed_floats();
        if let Some((t, true)) = &scalar {
            leaves.push(FE::Var(t.clone()));
        }
        for _ in 0..1 + self.rng.below(2) {
            if let Some(x) = self.elem_at(&j, jmax, &[&a], true) {
                leaves.push(x);
            }
        }
        if self.rng.chance(0.2) {
            leaves.push(ramp(IE::Var(j.clone())));
        }
        let e = if self.rng.chance(0.65) {
            let e = self.plain_expr(&leaves);
            FE::Bin(Bin::Mul, Box::new(elem.clone()), Box::new(e))
        } else {
            leaves.push(elem.clone());
            let e = self.shaped_expr(&leaves);
            if reads_elem(&e, &a, &i) {
                e
            } else {
                FE::Bin(Bin::Mul, Box::new(elem.clone()), Box::new(e))
            }
        };
        let op = if self.rng.chance(0.8) {
            Bin::Add
        } else {
            Bin::Sub
        };
        let mut body = Vec::new();
        if self.rng.chance(0.2) {
            // Read where the row starts too.
            let x = self.lit();
            body.push(S::Assign {
                name: sum.clone(),
                op: Some(Bin::Add),
                e: FE::Bin(Bin::Mul, Box::new(elem), Box::new(x)),
            });
        }
        body.push(S::For {
            label: None,
            head: Head::Range {
                var: Some(j),
                lo: row_lo,
                hi: row_hi,
                inclusive: row_inclusive,
                rev: self.rng.chance(0.2),
                step: None,
            },
            body: vec![S::Assign {
                name: sum.clone(),
                op: Some(op),
                e,
            }],
            shape: None,
        });
        let shape = [
            "filled array read again",
            "filled array reading itself",
            "filled array stored after its fill",
            "filled array read over another range",
        ][variant];
        inner.push(S::For {
            label: None,
            head: Head::Range {
                var: Some(i),
                lo: IE::Lit(rlo),
                hi: rhi,
                inclusive: rinclusive,
                rev: self.rng.chance(0.3),
                step: None,
            },
            body,
            shape: Some(shape),
        });
        self.env.truncate(mark);
        let written = match r {
            Some(r) => vec![S::For {
                label: None,
                head: Head::Range {
                    var: Some(r),
                    lo: IE::Lit(0),
                    hi: IE::Lit(rcount),
                    inclusive: false,
                    rev: self.rng.chance(0.2),
                    step: None,
                },
                body: inner,
                shape: Some("filled array refilled in a loop"),
            }],
            None => inner,
        };
        self.budget = self.budget.saturating_sub(count_stmts(&written));
        out.extend(pre);
        out.extend(written);
        self.sink(sum, start, nest, out);
        true
    }

    /// Before a loop: a fresh accumulator, sometimes.
    fn maybe_accumulator(&mut self, out: &mut Vec<S>) {
        if self.assignable().is_empty() || self.rng.chance(0.5) {
            self.new_accumulator("acc", 0.5, out);
        }
    }

    /// `let mut <prefix>N = e;`, a float accumulator in scope from here: `e` a literal (0, 1 or
    /// 0.5) with probability `literal`, otherwise an expression of what is in scope.
    fn new_accumulator(&mut self, prefix: &str, literal: f64, out: &mut Vec<S>) -> String {
        let e = if self.rng.chance(literal) {
            FE::Lit(*self.rng.pick(&[0.0, 1.0, 0.5]))
        } else {
            let d = self.depth();
            self.scalar(d, false)
        };
        let name = self.fresh(prefix);
        out.push(S::Let {
            name: name.clone(),
            mutable: true,
            typed: !anchored(&e),
            e,
        });
        self.bind(&name, BK::F, true);
        name
    }
}

/// A draft: the function without thresholds, points and outputs.
fn draft(cfg: &Config, prior: &[Func], index: usize, rng: &mut Rng, attempt: usize) -> Func {
    let mut params = Vec::new();
    let mut ranges = Vec::new();
    for k in 0..1 + rng.below(3) {
        params.push(Param {
            name: format!("x{k}"),
            kind: PKind::Scalar,
        });
        ranges.push((0, 0));
    }
    for k in 0..*rng.pick(&[0, 1, 1, 1, 2]) {
        let n = 1 + rng.below(5);
        let kind = match rng.below(6) {
            0 | 1 => PKind::Array(n),
            2 | 3 => PKind::RefArray(n),
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
        ranges.push((0, 0));
    }
    for k in 0..*rng.pick(&[0, 1, 1, 1, 2]) {
        params.push(Param {
            name: format!("n{k}"),
            kind: PKind::Index,
        });
        let lo = if rng.chance(0.7) { 0 } else { 1 };
        ranges.push((lo, lo + 2 + rng.below(3)));
    }
    if params.len() > 1 && rng.chance(0.5) {
        let a = rng.below(params.len());
        let b = rng.below(params.len());
        params.swap(a, b);
        ranges.swap(a, b);
    }
    let out_ty = match rng.weighted(&[75, 15, 10]) {
        0 => OutTy::Scalar,
        1 => OutTy::Array(1 + rng.below(3)),
        _ => OutTy::Tuple(1 + rng.below(2)),
    };
    let mut g = Gen {
        rng: Rng::new(rng.next_u64()),
        cfg,
        prior,
        env: Vec::new(),
        loops: Vec::new(),
        loop_floor: 0,
        assign_floor: 0,
        frozen: Vec::new(),
        ret_ok: true,
        out_ty,
        counter: 0,
        labels: 0,
        thresholds: 0,
        callees: BTreeSet::new(),
        used: BTreeSet::new(),
        budget: if attempt > 20 { 5 } else { 6 + rng.below(10) },
        trips: 1,
        max_depth: if attempt > 10 { 1 } else { 3 },
        control: 0,
        sinks: Vec::new(),
        shape_rng: Rng::new(
            function_seed(cfg.seed ^ 0x5a9e_d100_f0e0_0001, index) ^ attempt as u64,
        ),
        nest_rng: Rng::new(function_seed(cfg.seed ^ 0x7e57_ed00_c0de_0002, index) ^ attempt as u64),
    };
    for (p, r) in params.iter().zip(&ranges) {
        let kind = match p.kind {
            PKind::Scalar => BK::F,
            PKind::Array(n) => BK::Arr {
                n,
                owned: true,
                slice: false,
            },
            PKind::RefArray(n) => BK::Arr {
                n,
                owned: false,
                slice: false,
            },
            PKind::Slice(n) => BK::Arr {
                n,
                owned: false,
                slice: true,
            },
            PKind::Index => BK::Int { lo: r.0, hi: r.1 },
        };
        g.bind(&p.name, kind, false);
    }
    let mut body = Vec::new();
    let n = 2 + g.rng.below(5);
    for _ in 0..n {
        g.stmt(&mut body, 0);
    }
    if g.control == 0 {
        g.control += 1;
        g.maybe_accumulator(&mut body);
        g.for_loop(&mut body, 0);
    }
    let out = g.out();
    let floats: Vec<String> = params
        .iter()
        .filter(|p| p.kind != PKind::Index)
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
        if chosen.len() > 1 && g.rng.chance(0.5) {
            chosen.reverse();
        }
        Some(chosen)
    } else {
        None
    };
    let checkpoint = g.rng.chance(0.1);
    let bar = (0..out_ty_width(out_ty))
        .map(|_| {
            let x = g.rng.range(0.25, 1.5);
            if g.rng.chance(0.5) { -x } else { x }
        })
        .map(|x| (x * 1000.0_f64).round() / 1000.0)
        .collect();
    Func {
        index,
        name: format!("cf{index}"),
        params,
        ranges,
        wrt,
        checkpoint,
        body,
        out,
        out_ty,
        thresholds: vec![0.0; g.thresholds],
        points: Vec::new(),
        bar,
        callees: g.callees,
        expected: Vec::new(),
        paths: 0,
        attempts: attempt,
        cost: 0,
    }
}

fn out_ty_width(t: OutTy) -> usize {
    match t {
        OutTy::Scalar => 1,
        OutTy::Array(n) => n,
        OutTy::Tuple(n) => 1 + n,
    }
}

fn rand_coord(rng: &mut Rng) -> f64 {
    (rng.range(-2.0, 2.0) * 1e4).round() / 1e4
}

fn random_point(f: &Func, rng: &mut Rng) -> Vec<Val> {
    f.params
        .iter()
        .zip(&f.ranges)
        .map(|(p, &(lo, hi))| match p.kind {
            PKind::Scalar => Val::S(rand_coord(rng)),
            PKind::Array(n) | PKind::RefArray(n) | PKind::Slice(n) => {
                Val::A((0..n).map(|_| rand_coord(rng)).collect())
            }
            PKind::Index => Val::U(lo + rng.below(hi - lo + 1)),
        })
        .collect()
}

/// How many statements `ss` holds, nested ones included.
fn count_stmts(ss: &[S]) -> usize {
    fn fe(e: &FE) -> usize {
        match e {
            FE::If(_, a, b, _) => {
                count_stmts(&a.stmts) + fe(&a.tail) + count_stmts(&b.stmts) + fe(&b.tail)
            }
            FE::Match(_, arms) => arms
                .iter()
                .map(|(_, b)| count_stmts(&b.stmts) + fe(&b.tail))
                .sum(),
            FE::Neg(a) | FE::Paren(a) | FE::Un(_, a, _) | FE::Powi(a, _, _) => fe(a),
            FE::Bin(_, a, b) | FE::Bi(_, a, b, _) => fe(a) + fe(b),
            FE::Call(_, args) => args
                .iter()
                .map(|a| match a {
                    CArg::F(e) => fe(e),
                    _ => 0,
                })
                .sum(),
            _ => 0,
        }
    }
    ss.iter()
        .map(|s| {
            1 + match s {
                S::Let { e, .. } | S::Assign { e, .. } | S::SetElem { e, .. } => fe(e),
                S::If { then, els, .. } => {
                    count_stmts(then)
                        + match els {
                            Else::None => 0,
                            Else::Block(b) => count_stmts(b),
                            Else::If(s) => count_stmts(std::slice::from_ref(&**s)),
                        }
                }
                S::Match { arms, .. } => arms.iter().map(|(_, b)| count_stmts(b)).sum(),
                S::For { body, .. }
                | S::While { body, .. }
                | S::Loop { body, .. }
                | S::LetLoop { body, .. } => count_stmts(body),
                _ => 0,
            }
        })
        .sum()
}

/// The largest slope a test point may have: of every output along every float coordinate, by
/// forward differences.
const SLOPE: f64 = 1e5;

/// The largest slope of any intermediate value along any float coordinate. A chaotic loop can
/// give an intermediate slopes of 10²⁰ while a saturating function after it (`tanh`) keeps the
/// output flat: the chain rule then multiplies a huge slope by a tiny one, which the macro
/// (`1 − y²`), the dual numbers (`sech²` from `exp`) and central differences (0) each round
/// differently.
const INNER_SLOPE: f64 = 1e6;

/// `f` at `args`, with every float value it computes in order.
fn run_trace(funcs: &[Func], f: &Func, args: &[Val]) -> Result<(Vec<f64>, Vec<f64>), Bad> {
    let mut m = Machine {
        funcs,
        thresholds: f.thresholds.iter().map(|&t| Some(t)).collect(),
        pilot: None,
        env: Vec::new(),
        fuel: 200_000,
        path: 0,
        covered: BTreeSet::new(),
        trace: Some(Vec::new()),
    };
    let out = m.function(f, args)?;
    Ok((out, m.trace.unwrap_or_default()))
}

/// Whether forward differences of `f` at `pt` along every float coordinate, at a step of 1e-7
/// relative, run cleanly and take the same path (no tie nearby), with slopes of the outputs
/// below [`SLOPE`] and of every intermediate value below [`INNER_SLOPE`].
fn smooth_at(prior: &[Func], f: &Func, pt: &[Val]) -> bool {
    let Ok((out, trace)) = run_trace(prior, f, pt) else {
        return false;
    };
    let mut coords = Vec::new();
    for (k, v) in pt.iter().enumerate() {
        match v {
            Val::S(_) => coords.push((k, None)),
            Val::A(xs) => coords.extend((0..xs.len()).map(|i| (k, Some(i)))),
            Val::U(_) => {}
        }
    }
    coords.into_iter().all(|(k, i)| {
        let mut q = pt.to_vec();
        let x = match (&mut q[k], i) {
            (Val::S(x), None) => x,
            (Val::A(xs), Some(i)) => &mut xs[i],
            _ => unreachable!(),
        };
        let h = 1e-7 * x.abs().max(1.0);
        *x += h;
        let slope = |a: &f64, b: &f64| ((a - b) / h).abs();
        match run_trace(prior, f, &q) {
            Ok((o, t)) => {
                t.len() == trace.len()
                    && o.iter().zip(&out).all(|(a, b)| slope(a, b) <= SLOPE)
                    && t.iter()
                        .zip(&trace)
                        .all(|(a, b)| slope(a, b) <= INNER_SLOPE)
            }
            Err(Bad) => false,
        }
    })
}

/// Test points must run at least this fraction of the statements, together.
const COVERAGE: f64 = 0.6;

/// Sets the thresholds by pilot runs and draws the test points; `None` if the draft has no
/// three points where it runs cleanly that together run [`COVERAGE`] of its statements. Among
/// the points that run cleanly, those running the most statements not yet run are chosen, then
/// those taking a path not yet taken.
fn settle(prior: &[Func], mut f: Func, rng: &mut Rng) -> Option<Func> {
    let mut thresholds = vec![None; f.thresholds.len()];
    for _ in 0..6 {
        let pt = random_point(&f, rng);
        let mut m = Machine {
            funcs: prior,
            thresholds,
            pilot: Some(rng.next_u64()),
            env: Vec::new(),
            fuel: 200_000,
            path: 0,
            covered: BTreeSet::new(),
            trace: None,
        };
        let _ = m.function(&f, &pt);
        thresholds = m.thresholds;
    }
    f.thresholds = thresholds
        .into_iter()
        .map(|t| t.unwrap_or_else(|| round2(rng.range(-1.5, 1.5))))
        .collect();
    let mut candidates = Vec::new();
    for _ in 0..40 {
        if candidates.len() == 12 {
            break;
        }
        let pt = random_point(&f, rng);
        if let Ok((out, path, covered, cost)) = run_traced(prior, &f, &pt) {
            candidates.push((pt, out, path, covered, cost));
        }
    }
    let mut covered = BTreeSet::new();
    let mut paths = BTreeSet::new();
    while f.points.len() < POINTS {
        let best = (0..candidates.len()).max_by_key(|&k| {
            let c = &candidates[k];
            (
                c.3.difference(&covered).count(),
                !paths.contains(&c.2),
                usize::MAX - k,
            )
        })?;
        let (pt, out, path, cov, cost) = candidates.remove(best);
        // Checked only for the points chosen: it runs the function once per coordinate.
        if !smooth_at(prior, &f, &pt) {
            continue;
        }
        covered.extend(cov);
        paths.insert(path);
        f.cost = f.cost.max(cost);
        f.points.push(pt);
        f.expected.push(out);
    }
    f.paths = paths.len();
    let total = count_stmts(&f.body);
    (covered.len() as f64 >= COVERAGE * total as f64).then_some(f)
}

/// Generates function `index`, which may call functions in `prior` (the earlier ones).
pub fn generate_one(cfg: &Config, prior: &[Func], index: usize) -> Func {
    let mut rng = Rng::new(function_seed(cfg.seed, index));
    for attempt in 0..400 {
        let d = draft(cfg, prior, index, &mut rng, attempt);
        if let Some(f) = settle(prior, d, &mut rng) {
            return f;
        }
    }
    panic!("generator bug: no function {index} runs cleanly at three points");
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
// Printing: the `#[grad]` function and its dual-number twin, from one printer.
// ------------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The `#[grad]` function over `f64`.
    Src,
    /// The twin over `D`: fully parenthesised, literals `dl_k(..)`, comparisons on `.re`,
    /// elements by value.
    Dual,
}

struct Printer<'a> {
    mode: Mode,
    thresholds: &'a [f64],
}

fn float_lit(x: f64) -> String {
    let s = format!("{x:?}");
    if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

/// Whether Rust knows `e` is an `f64` without its context (a literal alone is a `{float}`, on
/// which a method call does not compile).
fn anchored(e: &FE) -> bool {
    match e {
        FE::Lit(_) => false,
        FE::Neg(a) | FE::Paren(a) => anchored(a),
        FE::Bin(_, a, b) => anchored(a) || anchored(b),
        FE::If(_, a, b, _) => anchored(&a.tail) && anchored(&b.tail),
        FE::Match(_, arms) => arms.iter().all(|(_, b)| anchored(&b.tail)),
        _ => true,
    }
}

/// Source precedence: 0 `if`/`match`, 1 `+ -`, 2 `* /`, 3 unary `-`, 4 postfix, 5 atom.
fn prec(e: &FE) -> u8 {
    match e {
        FE::If(..) | FE::Match(..) => 0,
        FE::Bin(op, ..) => match op {
            Bin::Add | Bin::Sub => 1,
            Bin::Mul | Bin::Div => 2,
        },
        FE::Neg(_) => 3,
        FE::Lit(x) if *x < 0.0 || (*x == 0.0 && x.is_sign_negative()) => 3,
        FE::Un(name, _, Style::Method) if *name != "erf" => 4,
        FE::Bi(_, _, _, Style::Method) | FE::Powi(.., Style::Method) | FE::Index(..) => 4,
        _ => 5,
    }
}

fn pad(indent: usize) -> String {
    "    ".repeat(indent)
}

fn ie_src(e: &IE) -> String {
    let sub = |e: &IE| match e {
        IE::Add(..) | IE::Sub(..) | IE::Mul(..) | IE::Rem(..) => format!("({})", ie_src(e)),
        _ => ie_src(e),
    };
    match e {
        IE::Lit(k) => k.to_string(),
        IE::Var(n) => n.clone(),
        IE::Const(n, _) => n.to_string(),
        IE::Len(n) => format!("{n}.len()"),
        IE::Add(a, b) => format!("{} + {}", ie_src(a), sub(b)),
        IE::Sub(a, b) => format!("{} - {}", ie_src(a), sub(b)),
        IE::Mul(a, b) => format!("{} * {}", sub(a), sub(b)),
        IE::Rem(a, k) => format!("{} % {k}", sub(a)),
    }
}

impl Printer<'_> {
    fn dual(&self) -> bool {
        self.mode == Mode::Dual
    }

    fn float_ty(&self) -> &'static str {
        if self.dual() { "D" } else { "f64" }
    }

    /// `e` parenthesised if its precedence is below `min` (the twin: always, but atoms).
    fn at(&self, e: &FE, min: u8, ind: usize) -> String {
        let s = self.fe(e, ind);
        if self.dual() {
            return match e {
                FE::Var(_) | FE::Ref(_) | FE::Index(..) | FE::Call(..) | FE::Lit(_) => s,
                _ => format!("({s})"),
            };
        }
        if prec(e) < min { format!("({s})") } else { s }
    }

    fn receiver(&self, e: &FE, ind: usize) -> String {
        match e {
            FE::Lit(x) if !self.dual() => {
                let s = format!("{}_f64", float_lit(*x));
                if x.is_sign_negative() {
                    format!("({s})")
                } else {
                    s
                }
            }
            _ => self.at(e, 4, ind),
        }
    }

    fn fe(&self, e: &FE, ind: usize) -> String {
        let dual = self.dual();
        match e {
            FE::Var(n) | FE::Ref(n) => n.clone(),
            FE::Lit(x) if dual => format!("dl_k({})", float_lit(*x)),
            FE::Lit(x) => float_lit(*x),
            FE::Cast(i) if dual => format!("dl_k(({}) as f64)", ie_src(i)),
            FE::Cast(i) => format!("({} as f64)", ie_src(i)),
            FE::Neg(a) => {
                let inner = self.at(a, 3, ind);
                if inner.starts_with('-') {
                    format!("-({inner})")
                } else {
                    format!("-{inner}")
                }
            }
            FE::Bin(op, a, b) => {
                let p = match op {
                    Bin::Add | Bin::Sub => 1,
                    Bin::Mul | Bin::Div => 2,
                };
                let sym = match op {
                    Bin::Add => "+",
                    Bin::Sub => "-",
                    Bin::Mul => "*",
                    Bin::Div => "/",
                };
                format!("{} {sym} {}", self.at(a, p, ind), self.at(b, p + 1, ind))
            }
            FE::Un(name, a, style) => {
                if dual {
                    return match *name {
                        "abs" | "signum" | "tanh" | "erf" => {
                            format!("dl_{name}({})", self.fe(a, ind))
                        }
                        _ => format!("{}.{name}()", self.at(a, 4, ind)),
                    };
                }
                match (*name, style) {
                    ("erf", Style::Method) => format!("scalar::erf({})", self.fe(a, ind)),
                    ("erf", _) => format!("autodiff_runtime::scalar::erf({})", self.fe(a, ind)),
                    (_, Style::Method) if method_ok(a) => {
                        format!("{}.{name}()", self.receiver(a, ind))
                    }
                    _ => format!("f64::{name}({})", self.fe(a, ind)),
                }
            }
            FE::Bi(name, a, b, style) => {
                if dual {
                    return match (*name, &**b) {
                        ("powf", FE::Lit(x)) => {
                            format!("{}.powf({})", self.at(a, 4, ind), float_lit(*x))
                        }
                        ("powf", _) => {
                            format!("{}.powd({})", self.at(a, 4, ind), self.fe(b, ind))
                        }
                        ("log", FE::Lit(x)) => {
                            format!("{}.log({})", self.at(a, 4, ind), float_lit(*x))
                        }
                        ("log", _) => format!("dl_log({}, {})", self.fe(a, ind), self.fe(b, ind)),
                        _ => format!("dl_{name}({}, {})", self.fe(a, ind), self.fe(b, ind)),
                    };
                }
                match style {
                    Style::Method if method_ok(a) => {
                        format!("{}.{name}({})", self.receiver(a, ind), self.fe(b, ind))
                    }
                    _ => format!("f64::{name}({}, {})", self.fe(a, ind), self.fe(b, ind)),
                }
            }
            FE::Powi(a, n, style) => match style {
                _ if dual => format!("{}.powi({n})", self.at(a, 4, ind)),
                Style::Method if method_ok(a) => format!("{}.powi({n})", self.receiver(a, ind)),
                _ => format!("f64::powi({}, {n})", self.fe(a, ind)),
            },
            FE::Index(n, i) => format!("{n}[{}]", ie_src(i)),
            FE::Call(j, args) => self.call(*j, args, ind),
            FE::If(c, a, b, true) => {
                let arm = |b: &Block| {
                    if b.stmts.is_empty() {
                        format!("{},", self.fe(&b.tail, ind + 1))
                    } else {
                        self.value_block(b, ind + 1)
                    }
                };
                format!(
                    "match {} {{\n{p}true => {}\n{p}false => {}\n{}}}",
                    self.cond(c, ind),
                    arm(a),
                    arm(b),
                    pad(ind),
                    p = pad(ind + 1)
                )
            }
            FE::If(c, a, b, false) => {
                let mut s = format!("if {} ", self.cond(c, ind));
                s.push_str(&self.value_block(a, ind));
                s.push_str(" else ");
                if b.stmts.is_empty()
                    && let FE::If(_, _, _, false) = b.tail
                {
                    s.push_str(&self.fe(&b.tail, ind));
                } else {
                    s.push_str(&self.value_block(b, ind));
                }
                s
            }
            FE::Match(scrut, arms) => {
                let mut s = format!("match {} {{\n", ie_src(scrut));
                for (p, b) in arms {
                    let body = if b.stmts.is_empty() {
                        format!("{},", self.fe(&b.tail, ind + 1))
                    } else {
                        self.value_block(b, ind + 1)
                    };
                    let _ = writeln!(s, "{}{} => {body}", pad(ind + 1), pat_src(p));
                }
                s.push_str(&pad(ind));
                s.push('}');
                s
            }
            FE::Paren(a) => format!("({})", self.fe(a, ind)),
        }
    }

    fn value_block(&self, b: &Block, ind: usize) -> String {
        if b.stmts.is_empty() {
            return format!("{{ {} }}", self.fe(&b.tail, ind));
        }
        let mut s = String::from("{\n");
        self.stmts(&mut s, &b.stmts, ind + 1);
        let _ = writeln!(s, "{}{}", pad(ind + 1), self.fe(&b.tail, ind + 1));
        s.push_str(&pad(ind));
        s.push('}');
        s
    }

    fn cond(&self, c: &Cond, ind: usize) -> String {
        let sub = |c: &Cond| match c {
            Cond::And(..) | Cond::Or(..) => format!("({})", self.cond(c, ind)),
            _ => self.cond(c, ind),
        };
        match c {
            Cond::F(l, op, r) => {
                let r = match r {
                    Rhs::Thr(k) => float_lit(self.thresholds[*k]),
                    Rhs::E(e) if self.dual() => format!("({}).re", self.fe(e, ind)),
                    Rhs::E(e) => self.at(e, 1, ind),
                };
                if self.dual() {
                    format!("({}).re {} {r}", self.fe(l, ind), op.symbol())
                } else {
                    format!("{} {} {r}", self.at(l, 1, ind), op.symbol())
                }
            }
            Cond::I(a, op, b) => format!("{} {} {}", ie_src(a), op.symbol(), ie_src(b)),
            Cond::Not(c) => format!("!({})", self.cond(c, ind)),
            Cond::And(a, b) => format!("{} && {}", sub(a), sub(b)),
            Cond::Or(a, b) => format!("{} || {}", sub(a), sub(b)),
        }
    }

    fn call(&self, j: usize, args: &[CArg], ind: usize) -> String {
        let args: Vec<String> = args
            .iter()
            .map(|a| match a {
                CArg::F(e) => self.fe(e, ind),
                CArg::I(i) => ie_src(i),
                CArg::A(a, true) => format!("&{}", self.ae(a, ind)),
                CArg::A(a, false) => self.ae(a, ind),
                CArg::Ref(n) => n.clone(),
            })
            .collect();
        let suffix = if self.dual() { "_dual" } else { "" };
        format!("cf{j}{suffix}({})", args.join(", "))
    }

    fn ae(&self, a: &AE, ind: usize) -> String {
        match a {
            AE::Call(j, args) => self.call(*j, args, ind),
            AE::Repeat(e, n) => format!("[{}; {n}]", self.fe(e, ind)),
            AE::Var(n) => n.clone(),
            AE::Lit(es) => {
                let items: Vec<String> = es.iter().map(|e| self.fe(e, ind)).collect();
                format!("[{}]", items.join(", "))
            }
            AE::If(c, x, y) => format!(
                "if {} {{ {} }} else {{ {} }}",
                self.cond(c, ind),
                self.ae(x, ind),
                self.ae(y, ind)
            ),
        }
    }

    fn out(&self, o: &Out, ind: usize) -> String {
        match o {
            Out::Scalar(e) => self.fe(e, ind),
            Out::Array(a) => self.ae(a, ind),
            Out::Tuple(e, a) => format!("({}, {})", self.fe(e, ind), self.ae(a, ind)),
        }
    }

    fn stmts(&self, s: &mut String, ss: &[S], ind: usize) {
        for st in ss {
            self.stmt(s, st, ind);
        }
    }

    fn body(&self, s: &mut String, head: String, body: &[S], ind: usize) {
        let _ = writeln!(s, "{}{head} {{", pad(ind));
        self.stmts(s, body, ind + 1);
        let _ = writeln!(s, "{}}}", pad(ind));
    }

    fn label(label: &Option<String>) -> String {
        label.as_ref().map_or(String::new(), |l| format!("{l}: "))
    }

    fn if_chain(&self, s: &mut String, st: &S, ind: usize, first: bool) {
        let S::If { cond, then, els } = st else {
            unreachable!()
        };
        if first {
            s.push_str(&pad(ind));
        }
        let _ = writeln!(s, "if {} {{", self.cond(cond, ind));
        self.stmts(s, then, ind + 1);
        s.push_str(&pad(ind));
        match els {
            Else::None => s.push_str("}\n"),
            Else::Block(b) => {
                s.push_str("} else {\n");
                self.stmts(s, b, ind + 1);
                let _ = writeln!(s, "{}}}", pad(ind));
            }
            Else::If(next) => {
                s.push_str("} else ");
                self.if_chain(s, next, ind, false);
            }
        }
    }

    fn stmt(&self, s: &mut String, st: &S, ind: usize) {
        let p = pad(ind);
        let ty = self.float_ty();
        match st {
            S::Let {
                name,
                mutable,
                typed,
                e,
            } => {
                let m = if *mutable { "mut " } else { "" };
                let t = if *typed && !self.dual() {
                    format!(": {ty}")
                } else {
                    String::new()
                };
                let _ = writeln!(s, "{p}let {m}{name}{t} = {};", self.fe(e, ind));
            }
            S::LetArr {
                name,
                mutable,
                n,
                a,
            } => {
                let m = if *mutable { "mut " } else { "" };
                let typed = !self.dual()
                    && match a {
                        AE::Lit(es) => !es.iter().any(anchored),
                        AE::If(..) => true,
                        AE::Repeat(e, _) => !anchored(e),
                        AE::Var(_) | AE::Call(..) => false,
                    };
                let t = if typed {
                    format!(": [{ty}; {n}]")
                } else {
                    String::new()
                };
                let _ = writeln!(s, "{p}let {m}{name}{t} = {};", self.ae(a, ind));
            }
            S::Assign { name, op, e } => {
                let sym = match op {
                    None => "",
                    Some(Bin::Add) => "+",
                    Some(Bin::Sub) => "-",
                    Some(Bin::Mul) => "*",
                    Some(Bin::Div) => "/",
                };
                let _ = writeln!(s, "{p}{name} {sym}= {};", self.fe(e, ind));
            }
            S::AssignArr { name, a } => {
                let _ = writeln!(s, "{p}{name} = {};", self.ae(a, ind));
            }
            S::SetElem { name, ix, op, e } => {
                let sym = match op {
                    None => "",
                    Some(Bin::Add) => "+",
                    Some(Bin::Sub) => "-",
                    Some(Bin::Mul) => "*",
                    Some(Bin::Div) => "/",
                };
                let _ = writeln!(s, "{p}{name}[{}] {sym}= {};", ie_src(ix), self.fe(e, ind));
            }
            S::LetInt { name, typed, init } => {
                let t = if *typed { ": usize" } else { "" };
                let _ = writeln!(s, "{p}let mut {name}{t} = {init};");
            }
            S::Incr(name) => {
                let _ = writeln!(s, "{p}{name} += 1;");
            }
            S::SetInt { name, e } => {
                let _ = writeln!(s, "{p}{name} = {};", ie_src(e));
            }
            S::Step { name, down, by } => {
                let sym = if *down { "-" } else { "+" };
                let _ = writeln!(s, "{p}{name} {sym}= {};", ie_src(by));
            }
            S::If { .. } => self.if_chain(s, st, ind, true),
            S::Match { scrut, arms } => {
                let _ = writeln!(s, "{p}match {} {{", ie_src(scrut));
                for (pat, body) in arms {
                    if body.is_empty() {
                        let _ = writeln!(s, "{}{} => {{}}", pad(ind + 1), pat_src(pat));
                    } else {
                        self.body(s, format!("{} =>", pat_src(pat)), body, ind + 1);
                    }
                }
                let _ = writeln!(s, "{p}}}");
            }
            S::For {
                label, head, body, ..
            } => {
                let l = Self::label(label);
                let head = match head {
                    Head::Range {
                        var,
                        lo,
                        hi,
                        inclusive,
                        rev,
                        step,
                    } => {
                        let var = var.as_deref().unwrap_or("_");
                        let dots = if *inclusive { "..=" } else { ".." };
                        let range = format!("{}{dots}{}", ie_src(lo), ie_src(hi));
                        let iter = match (rev, step) {
                            (true, _) => format!("({range}).rev()"),
                            (_, Some(k)) => format!("({range}).step_by({k})"),
                            _ => range,
                        };
                        format!("for {var} in {iter}")
                    }
                    Head::Elems { var, arr, .. } if self.dual() => {
                        format!("for &{var} in {arr}.iter()")
                    }
                    Head::Elems {
                        var,
                        by_ref,
                        iter,
                        arr,
                        owned,
                    } => {
                        let pat = if *by_ref {
                            var.clone()
                        } else {
                            format!("&{var}")
                        };
                        let over = match (iter, owned) {
                            (true, _) => format!("{arr}.iter()"),
                            (false, true) => format!("&{arr}"),
                            (false, false) => arr.clone(),
                        };
                        format!("for {pat} in {over}")
                    }
                    Head::Enumerate {
                        ivar,
                        var,
                        by_ref,
                        arr,
                    } => {
                        let pat = if *by_ref && !self.dual() {
                            var.clone()
                        } else {
                            format!("&{var}")
                        };
                        format!("for ({ivar}, {pat}) in {arr}.iter().enumerate()")
                    }
                    Head::Zip { a, b, xa, xb } => {
                        if self.dual() {
                            format!("for (&{a}, &{b}) in {xa}.iter().zip({xb}.iter())")
                        } else {
                            format!("for ({a}, {b}) in {xa}.iter().zip({xb}.iter())")
                        }
                    }
                };
                self.body(s, format!("{l}{head}"), body, ind);
            }
            S::While { label, cond, body } => {
                let head = format!("{}while {}", Self::label(label), self.cond(cond, ind));
                self.body(s, head, body, ind);
            }
            S::Loop { label, body } => {
                self.body(s, format!("{}loop", Self::label(label)), body, ind);
            }
            S::LetLoop { name, label, body } => {
                let _ = writeln!(s, "{p}let {name} = {}loop {{", Self::label(label));
                self.stmts(s, body, ind + 1);
                let _ = writeln!(s, "{p}}};");
            }
            S::Break { label, value } => {
                let mut b = String::from("break");
                if let Some(l) = label {
                    b.push(' ');
                    b.push_str(l);
                }
                if let Some(v) = value {
                    b.push(' ');
                    b.push_str(&self.fe(v, ind));
                }
                let _ = writeln!(s, "{p}{b};");
            }
            S::Continue(label) => match label {
                Some(l) => {
                    let _ = writeln!(s, "{p}continue {l};");
                }
                None => {
                    let _ = writeln!(s, "{p}continue;");
                }
            },
            S::Return(o) => {
                let _ = writeln!(s, "{p}return {};", self.out(o, ind));
            }
        }
    }
}

fn pat_src(p: &Pat) -> String {
    match p {
        Pat::Lit(k) => k.to_string(),
        Pat::Alt(ks) => ks
            .iter()
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .join(" | "),
        Pat::Range(a, b) => format!("{a}..={b}"),
        Pat::Wild => "_".to_string(),
    }
}

/// Whether `e` can be written as a method receiver.
fn method_ok(e: &FE) -> bool {
    matches!(e, FE::Lit(_)) || anchored(e)
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

impl Func {
    fn print(&self, mode: Mode) -> String {
        let pr = Printer {
            mode,
            thresholds: &self.thresholds,
        };
        let float = pr.float_ty();
        let params: Vec<String> = self
            .params
            .iter()
            .map(|p| format!("{}: {}", p.name, param_ty(p.kind, float)))
            .collect();
        let mut s = String::new();
        if mode == Mode::Src {
            let mut args = Vec::new();
            if let Some(w) = &self.wrt {
                args.push(format!("wrt({})", w.join(", ")));
            }
            if self.checkpoint {
                args.push("checkpoint".to_string());
            }
            if args.is_empty() {
                s.push_str("#[grad]\n");
            } else {
                let _ = writeln!(s, "#[grad({})]", args.join(", "));
            }
        }
        let suffix = if mode == Mode::Dual { "_dual" } else { "" };
        let _ = writeln!(
            s,
            "fn {}{suffix}({}) -> {} {{",
            self.name,
            params.join(", "),
            out_ty_src(self.out_ty, float)
        );
        pr.stmts(&mut s, &self.body, 1);
        let _ = writeln!(s, "    {}", pr.out(&self.out, 1));
        s.push_str("}\n");
        s
    }

    /// The `#[grad]` function, as Rust source.
    pub fn source(&self) -> String {
        self.print(Mode::Src)
    }

    /// The dual-number twin, `<name>_dual`, over `D` (`num_dual::Dual64`).
    pub fn dual_source(&self) -> String {
        self.print(Mode::Dual)
    }

    /// The harness glue: the straight-line generator's, which reads only the signature, the
    /// points, the cotangent and the expected outputs.
    pub fn harness(&self) -> String {
        generator::Func {
            index: self.index,
            name: self.name.clone(),
            params: self.params.clone(),
            wrt: self.wrt.clone(),
            checkpoint: self.checkpoint,
            stmts: Vec::new(),
            out: generator::Out::Scalar(generator::E::Lit(0.0)),
            out_ty: self.out_ty,
            ret: false,
            points: self.points.clone(),
            bar: self.bar.clone(),
            callees: self.callees.clone(),
            expected: self.expected.clone(),
        }
        .harness()
    }

    /// The statements of the body, counted by kind (for the coverage test and the summary).
    pub fn constructs(&self) -> Vec<&'static str> {
        fn walk_fe(e: &FE, out: &mut Vec<&'static str>) {
            match e {
                FE::If(c, a, b, m) => {
                    out.push(if *m { "match bool" } else { "if expression" });
                    walk_cond(c, out);
                    walk_block(a, out);
                    walk_block(b, out);
                }
                FE::Match(_, arms) => {
                    out.push("match expression");
                    for (_, b) in arms {
                        walk_block(b, out);
                    }
                }
                FE::Call(_, args) => {
                    out.push("call");
                    for a in args {
                        if let CArg::F(e) = a {
                            walk_fe(e, out);
                        }
                    }
                }
                FE::Neg(a) | FE::Paren(a) | FE::Un(_, a, _) | FE::Powi(a, _, _) => walk_fe(a, out),
                FE::Bin(_, a, b) | FE::Bi(_, a, b, _) => {
                    walk_fe(a, out);
                    walk_fe(b, out);
                }
                _ => {}
            }
        }
        fn walk_block(b: &Block, out: &mut Vec<&'static str>) {
            walk(&b.stmts, out, false);
            walk_fe(&b.tail, out);
        }
        fn walk_cond(c: &Cond, out: &mut Vec<&'static str>) {
            match c {
                Cond::F(l, _, r) => {
                    out.push(match r {
                        Rhs::Thr(_) => "float threshold",
                        Rhs::E(_) => "two intermediates",
                    });
                    walk_fe(l, out);
                }
                Cond::I(..) => out.push("integer condition"),
                Cond::Not(c) => {
                    out.push("!");
                    walk_cond(c, out);
                }
                Cond::And(a, b) | Cond::Or(a, b) => {
                    out.push(if matches!(c, Cond::And(..)) {
                        "&&"
                    } else {
                        "||"
                    });
                    walk_cond(a, out);
                    walk_cond(b, out);
                }
            }
        }
        fn walk(ss: &[S], out: &mut Vec<&'static str>, nested: bool) {
            for s in ss {
                match s {
                    S::Let { e, .. } | S::Assign { e, .. } => walk_fe(e, out),
                    S::AssignArr { .. } => out.push("array assignment"),
                    S::SetElem { op, e, .. } => {
                        out.push(if op.is_some() {
                            "element update"
                        } else {
                            "element write"
                        });
                        walk_fe(e, out);
                    }
                    S::If { cond, then, els } => {
                        out.push("if");
                        walk_cond(cond, out);
                        walk(then, out, nested);
                        match els {
                            Else::None => {}
                            Else::Block(b) => {
                                out.push("else");
                                walk(b, out, nested);
                            }
                            Else::If(s) => {
                                out.push("else if");
                                walk(std::slice::from_ref(&**s), out, nested);
                            }
                        }
                    }
                    S::Match { arms, .. } => {
                        out.push("match");
                        for (_, b) in arms {
                            walk(b, out, nested);
                        }
                    }
                    S::For {
                        label,
                        head,
                        body,
                        shape,
                    } => {
                        if let Some(shape) = shape {
                            out.push(shape);
                        }
                        if body.iter().any(|s| matches!(s, S::Incr(_))) {
                            out.push("for counter");
                        }
                        // The loops of the nested shapes apart from the generator's others.
                        let nested = nested || shape.is_some_and(|s| NESTED_SHAPES.contains(&s));
                        out.push(match head {
                            _ if nested => "for of a nested shape",
                            Head::Range { rev: true, .. } => "for rev",
                            Head::Range { step: Some(_), .. } => "for step_by",
                            Head::Range {
                                inclusive: true, ..
                            } => "for ..=",
                            Head::Range { .. } => "for range",
                            Head::Elems { .. } => "for elements",
                            Head::Enumerate { .. } => "for enumerate",
                            Head::Zip { .. } => "for zip",
                        });
                        if label.is_some() {
                            out.push("label");
                        }
                        if body
                            .iter()
                            .any(|s| matches!(s, S::For { .. } | S::While { .. } | S::Loop { .. }))
                        {
                            out.push("nested loop");
                        }
                        walk(body, out, nested);
                    }
                    S::While { cond, body, .. } => {
                        out.push("while");
                        walk_cond(cond, out);
                        walk(body, out, nested);
                    }
                    S::Loop { body, .. } => {
                        out.push("loop");
                        walk(body, out, nested);
                    }
                    S::LetLoop { body, .. } => {
                        out.push("let loop");
                        walk(body, out, nested);
                    }
                    S::Break { label, value } => out.push(match (label, value) {
                        (Some(_), Some(_)) => "break label value",
                        (Some(_), None) => "break label",
                        (None, Some(_)) => "break value",
                        (None, None) => "break",
                    }),
                    S::Continue(l) => out.push(if l.is_some() {
                        "continue label"
                    } else {
                        "continue"
                    }),
                    S::Return(_) => out.push("return"),
                    S::SetInt { .. } => out.push("integer tally"),
                    S::LetArr {
                        a: AE::Call(..), ..
                    } => out.push("array call"),
                    S::LetArr {
                        a: AE::Repeat(..), ..
                    } => out.push("array repeat"),
                    S::LetArr { .. } | S::LetInt { .. } | S::Incr(_) | S::Step { .. } => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.body, &mut out, false);
        match &self.out {
            Out::Scalar(e) | Out::Tuple(e, _) => walk_fe(e, &mut out),
            Out::Array(_) => {}
        }
        out
    }
}

/// The whole generated file for `funcs` (those with `only`, if given, and their callees; never
/// those in `cfg.skip` or calling them).
pub fn render(cfg: &Config, funcs: &[Func], only: Option<usize>) -> String {
    let selected: BTreeSet<usize> = match only {
        Some(i) => closure(funcs, i),
        None => (0..funcs.len()).collect(),
    };
    let selected: BTreeSet<usize> = selected
        .into_iter()
        .filter(|&i| closure(funcs, i).is_disjoint(&cfg.skip))
        .collect();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "// Generated by difftest/build.rs: control flow, seed {:#x}, {} functions{}{}.\n",
        cfg.seed,
        funcs.len(),
        only.map_or(String::new(), |i| format!(", only {i}")),
        if cfg.skip.is_empty() {
            String::new()
        } else {
            format!(", skipping {:?}", cfg.skip)
        }
    );
    let _ = writeln!(s, "pub const SEED: u64 = {:#x};", cfg.seed);
    let skipped = funcs.len() - selected.len();
    let _ = writeln!(s, "pub const SKIPPED: usize = {skipped};");
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
        let nested: Vec<&str> = f
            .constructs()
            .into_iter()
            .filter(|c| NESTED_SHAPES.contains(c))
            .collect();
        if !nested.is_empty() {
            let _ = writeln!(s, "// nested shapes: {}", nested.join("; "));
        }
        let _ = writeln!(s, "const SOURCE_{i}: &str = {source:?};");
        s.push_str(&f.source());
        s.push_str(&f.dual_source());
        s.push_str(&f.harness());
    }
    let cases: Vec<String> = selected.iter().map(|i| format!("CASE_{i}")).collect();
    let _ = writeln!(s, "\nconst CASES: &[Case] = &[{}];", cases.join(", "));
    s
}

/// Whether `e` names a variable starting with `prefix`.
fn mentions(e: &FE, prefix: &str) -> bool {
    match e {
        FE::Var(n) | FE::Ref(n) => n.starts_with(prefix),
        FE::Neg(a) | FE::Un(_, a, _) | FE::Powi(a, _, _) | FE::Paren(a) => mentions(a, prefix),
        FE::Bin(_, a, b) | FE::Bi(_, a, b, _) => mentions(a, prefix) || mentions(b, prefix),
        _ => false,
    }
}

/// `e` with the variables named in `names` replaced by their expressions (an expression with
/// neither control flow nor calls).
fn subst(e: FE, names: &[(String, FE)]) -> FE {
    let go = |a: Box<FE>| Box::new(subst(*a, names));
    match e {
        FE::Var(n) => match names.iter().find(|(m, _)| *m == n) {
            Some((_, e)) => e.clone(),
            None => FE::Var(n),
        },
        FE::Neg(a) => FE::Neg(go(a)),
        FE::Un(f, a, st) => FE::Un(f, go(a), st),
        FE::Powi(a, k, st) => FE::Powi(go(a), k, st),
        FE::Paren(a) => FE::Paren(go(a)),
        FE::Bin(op, a, b) => FE::Bin(op, go(a), go(b)),
        FE::Bi(f, a, b, st) => FE::Bi(f, go(a), go(b), st),
        other => other,
    }
}

/// The values `lo..hi` (`lo..=hi`) runs through, with `step_by(step)`, in the forward order
/// (`rev` changes neither their number nor their largest).
fn span(lo: usize, hi: usize, inclusive: bool, step: Option<usize>) -> Vec<usize> {
    let v: Vec<usize> = if inclusive {
        (lo..=hi).collect()
    } else {
        (lo..hi).collect()
    };
    v.into_iter().step_by(step.unwrap_or(1)).collect()
}

/// `(v as f64) * 0.1`: an integer as a float, small.
fn ramp(v: IE) -> FE {
    FE::Bin(Bin::Mul, Box::new(FE::Cast(v)), Box::new(FE::Lit(0.1)))
}

/// Whether `e` reads an element of `arr` at an index naming the integer `var`.
fn reads_elem(e: &FE, arr: &str, var: &str) -> bool {
    fn names(e: &IE, var: &str) -> bool {
        match e {
            IE::Var(v) => v == var,
            IE::Add(a, b) | IE::Sub(a, b) | IE::Mul(a, b) => names(a, var) || names(b, var),
            IE::Rem(a, _) => names(a, var),
            _ => false,
        }
    }
    match e {
        FE::Index(a, ix) => a == arr && names(ix, var),
        FE::Neg(a) | FE::Un(_, a, _) | FE::Powi(a, _, _) | FE::Paren(a) => reads_elem(a, arr, var),
        FE::Bin(_, a, b) | FE::Bi(_, a, b, _) => reads_elem(a, arr, var) || reads_elem(b, arr, var),
        _ => false,
    }
}

/// Whether `e` reads an element at the integer `var` (`x[var]`) or uses `(var as f64)`.
fn reads_at(e: &FE, var: &str) -> bool {
    match e {
        FE::Index(_, IE::Var(v)) | FE::Cast(IE::Var(v)) => v == var,
        FE::Neg(a) | FE::Un(_, a, _) | FE::Powi(a, _, _) | FE::Paren(a) => reads_at(a, var),
        FE::Bin(_, a, b) | FE::Bi(_, a, b, _) => reads_at(a, var) || reads_at(b, var),
        _ => false,
    }
}
