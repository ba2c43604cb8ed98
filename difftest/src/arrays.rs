//! A seeded, deterministic generator of random straight-line `#[grad]` functions over ndarray
//! arrays, with the harness that checks each against central finite differences.
//!
//! **In:** a [`Config`] (a seed and a count). **Out:** [`generate`] gives that many
//! [`Function`]s, each a `#[grad] fn afN(..) -> f64` over `&Array2<f64>`, `&Array1<f64>` and
//! (rarely) `f64` parameters (sometimes with `wrt(..)` naming a subset), whose body is a random
//! expression DAG: `let` statements (fresh names or shadowing earlier ones, parameters included;
//! now and then a tuple `let`, or a `let mut` followed by `+=`, `-=`, `*=` or `x = &x op y`) that
//! reuse earlier values (fan-out) and nest small expressions, over
//!
//! - `+ - *` and unary `-` with numpy-style broadcasting (`Array1` against `Array2`, `n×1`
//!   against `1×m`, …), and with scalars (literals, `f64` parameters and values reduced from
//!   arrays) on either side;
//! - `/` only by denominators kept away from zero: `&(&y * &y + 1.0)` or `&nn::exp(&y)`;
//! - `dot` chains (matrix·matrix, matrix·vector, vector·matrix, vector·vector) with compatible
//!   random shapes, `1×n` and `n×1` included, and `.t()` both bound with `let` and inline;
//! - `sum_axis(Axis(k))` and `mean_axis(Axis(k)).unwrap()` (or `.expect(..)`) followed by
//!   broadcasting the result back against its source;
//! - ndarray's own elementwise float methods (issue 13), each in its domain: `exp`/`exp2` of
//!   bounded values, `ln`/`log2`/`log10`/`recip`/`cbrt`/`powf` of positive forms
//!   (`(x * x + 1.0)`, `nn::sigmoid(x)`, `x.exp()`), `powf` by a literal or by a scalar value (a
//!   parameter's gradient then a sum), `sqrt` of `(x * x + 1.0)`, `sin`, `cos`, `tan` of values
//!   at most 1.2, `powi(2 | 3)`, `abs` of values of known sign (and `abs`/`cbrt` of parameters,
//!   whose magnitudes are at least 0.1);
//! - `mapv` with a closure of the element (`|v| 1.0 / (1.0 + (-v).exp())`, `|v| v * v + s`
//!   capturing a scalar value, ..) or a float method's path (`f64::tanh`);
//! - views of variables: `m.row(i)`, `m.column(j)`, `m.view().reversed_axes()`,
//!   `v.view().insert_axis(Axis(k))` (`n×1` and `1×n`, then broadcast like any value; also after
//!   `to_owned()`), `m.slice(s![..])` with ranges, `a..=b`, `..;2` and indices, the last index
//!   written `m.nrows() - 1`, `m.len_of(Axis(k)) - 1`, `m.shape()[k] - 1` or `rows - 1` after
//!   `let (rows, cols) = m.dim();`;
//! - element reads `m[[i, j]]`, `v[i]`, `v[v.len() - 1]` (scalars used further on);
//! - `array![..]` of scalar values and literals and `Array1::from_elem(n, s)`, `n` a literal or
//!   `x.len()`/`x.nrows()`/`x.ncols()`;
//! - every `nn` function of the macro's table (a test in `lib.rs` checks that the default run
//!   calls each, every array method, and the forms above), the reductions among them
//!   (`nn::mean`, `nn::mse`, `nn::logsumexp(..).sum()`, `nn::cross_entropy` with fixed labels),
//!   `sum`, `mean().unwrap()` and iterator sums (`v.iter().sum::<f64>()`,
//!   `v.iter().map(|t| ..).sum::<f64>()`, `v.iter().zip(w.iter()).map(|(p, q)| ..).sum::<f64>()`
//!   over vectors of one length) ending the function: it returns a sum of such reductions of its
//!   last value and of every value never used (so that every gradient path is checked).
//!
//! The macro bugs found here (a value from an element read or a slice's reduction captured by
//! a `mapv` closure, a slice kept by the gradient, `m.shape()[k]` in an integer argument) are
//! fixed, with their cases in the root package's `tests/ndarray_idioms.rs`; the generator
//! generates them. A slice bound by `let` is still only reduced in place (`x.slice(..).sum()`,
//! bound with `: f64`) unless [`Config::known_bugs`]: `t.dot(&t)` of a bound one-axis slice is
//! ambiguous to rustc itself (E0034, without `#[grad]` too), and the generator does not track
//! which bound slices it may call `dot` on.
//!
//! Shapes are tracked, so every program type-checks and broadcasts. Domains and kinks are kept
//! by construction, not by evaluation: `ln` only of `nn::exp(..)`, `nn::sigmoid(..)` or
//! `(&y * &y + 1.0)`; `relu` only of a parameter (the harness draws inputs with magnitudes in
//! `[0.1, 1]`, far from its kink); `layer_norm`'s `eps` a literal or `s * s + 0.1`; `exp` only
//! of a value whose magnitude bound is at most 3 (otherwise of its `tanh`); likewise for the
//! elementwise methods above. A bound on every value's magnitude is carried along (inputs are at
//! most 1) and a value whose bound would pass [`LIMIT`] is squashed by `tanh`, so values stay
//! moderate and central differences meaningful.
//!
//! [`render`] writes the functions and, per function, a test case for `tests/arrays.rs`
//! (which `include!`s the file `build.rs` writes into `OUT_DIR`): fixed random inputs,
//! `f_grad` against `autodiff_runtime::check` central differences, `f_vjp` with cotangent 0.5
//! against half of `f_grad`, and `f_fwd`/`f_bwd` against `f_vjp`.
//!
//! Only `std` is used (and the [`Rng`] of the scalar generator, `testkit`'s SplitMix64), so that
//! `build.rs` can include this file with `#[path]`.

use crate::generator::Rng;
use std::fmt::Write as _;

/// The seed used when `DIFFTEST_ARRAY_SEED` is not set.
pub const DEFAULT_SEED: u64 = 0x5eed_a77a_2026_0001;

/// The largest magnitude bound a value may carry before it is squashed by `tanh`.
pub const LIMIT: f64 = 100.0;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    pub count: usize,
    /// Also generate the constructs that trip known macro bugs (`DIFFTEST_KNOWN_BUGS=1`).
    pub known_bugs: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: DEFAULT_SEED,
            count: 100,
            known_bugs: false,
        }
    }
}

/// The shape of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Scalar,
    Vec(usize),
    Mat(usize, usize),
}

impl Shape {
    fn dims(self) -> Vec<usize> {
        match self {
            Shape::Scalar => vec![],
            Shape::Vec(n) => vec![n],
            Shape::Mat(r, c) => vec![r, c],
        }
    }

    fn from_dims(d: &[usize]) -> Shape {
        match *d {
            [] => Shape::Scalar,
            [n] => Shape::Vec(n),
            [r, c] => Shape::Mat(r, c),
            _ => unreachable!("rank above 2"),
        }
    }

    fn is_array(self) -> bool {
        self != Shape::Scalar
    }

    fn len(self) -> usize {
        self.dims().iter().product()
    }

    /// The parameter type.
    fn param_type(self) -> &'static str {
        match self {
            Shape::Scalar => "f64",
            Shape::Vec(_) => "&Array1<f64>",
            Shape::Mat(..) => "&Array2<f64>",
        }
    }

    /// The owned type (in the harness).
    fn owned_type(self) -> &'static str {
        match self {
            Shape::Scalar => "f64",
            Shape::Vec(_) => "Array1<f64>",
            Shape::Mat(..) => "Array2<f64>",
        }
    }

    /// The shape as an ndarray shape argument (in the harness).
    fn shape_arg(self) -> String {
        match self {
            Shape::Scalar => String::new(),
            Shape::Vec(n) => format!("{n}"),
            Shape::Mat(r, c) => format!("({r}, {c})"),
        }
    }
}

/// The shape of `a op b` under numpy/ndarray broadcasting, if they broadcast.
fn broadcast(a: Shape, b: Shape) -> Option<Shape> {
    let (a, b) = (a.dims(), b.dims());
    let rank = a.len().max(b.len());
    let at = |d: &[usize], i: usize| (i + d.len()).checked_sub(rank).map_or(1, |j| d[j]);
    let mut out = Vec::with_capacity(rank);
    for i in 0..rank {
        let (x, y) = (at(&a, i), at(&b, i));
        out.push(match (x, y) {
            _ if x == y => x,
            (1, _) => y,
            (_, 1) => x,
            _ => return None,
        });
    }
    Some(Shape::from_dims(&out))
}

/// A value usable in an expression.
#[derive(Clone, Debug)]
struct Val {
    /// The value as an operand: a reference for arrays (`a`, `&t1`, `&(..)`, `&nn::tanh(..)`),
    /// an `f64` expression for scalars.
    operand: String,
    /// The value as a method receiver (`a`, `t1`, `(..)`).
    recv: String,
    shape: Shape,
    /// An upper bound on the magnitude of every element at the harness's inputs.
    bound: f64,
    /// A view of another array (`x.t()`, `x.row(0)`, `x.slice(..)`): not to be bound `let mut`.
    view: bool,
    /// A type written on its `let` (`: f64` on a slice's reduction).
    ty: Option<&'static str>,
}

impl Val {
    /// An owned array or scalar computed by `expr` (a call or a parenthesized expression if
    /// `atomic`).
    fn compound(expr: String, atomic: bool, shape: Shape, bound: f64) -> Val {
        let recv = if atomic { expr } else { format!("({expr})") };
        let operand = if shape.is_array() {
            format!("&{recv}")
        } else {
            recv.clone()
        };
        Val {
            operand,
            recv,
            shape,
            bound,
            view: false,
            ty: None,
        }
    }

    /// A view of a variable, computed by `expr` (`t1.row(0)`, `a.slice(s![..;2, ..])`).
    fn view(expr: String, shape: Shape, bound: f64) -> Val {
        Val {
            view: true,
            ..Val::compound(expr, true, shape, bound)
        }
    }
}

/// A named value in scope.
#[derive(Clone, Debug)]
struct Var {
    name: String,
    shape: Shape,
    bound: f64,
    /// A parameter not shadowed (a reference already, and the harness's input, so far from the
    /// kink of `relu`).
    param: bool,
    /// Picked as an operand since it was bound.
    used: bool,
    /// Bound to an element read (`x[[i, j]]`) or a slice's reduction, or to a value computed
    /// from one, which the macro cannot type when a closure captures it (a known bug).
    no_capture: bool,
}

impl Var {
    fn val(&self) -> Val {
        let operand = if self.shape.is_array() && !self.param {
            format!("&{}", self.name)
        } else {
            self.name.clone()
        };
        Val {
            operand,
            recv: self.name.clone(),
            shape: self.shape,
            bound: self.bound,
            view: false,
            ty: None,
        }
    }
}

/// A generated function.
#[derive(Clone, Debug)]
pub struct Function {
    pub index: usize,
    /// The seed of this function's generator and of its inputs.
    pub seed: u64,
    pub name: String,
    pub params: Vec<(String, Shape)>,
    /// `#[grad(wrt(..))]`: the indices of the parameters differentiated (`None`: all).
    pub wrt: Option<Vec<usize>>,
    pub body: Vec<String>,
    pub result: String,
}

impl Function {
    /// The `#[grad]` function's source.
    pub fn source(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|(n, s)| format!("{n}: {}", s.param_type()))
            .collect();
        let attribute = match &self.wrt {
            None => "#[grad]".to_string(),
            Some(w) => {
                let names: Vec<&str> = w.iter().map(|&i| self.params[i].0.as_str()).collect();
                format!("#[grad(wrt({}))]", names.join(", "))
            }
        };
        let mut s = format!(
            "{attribute}\nfn {}({}) -> f64 {{\n",
            self.name,
            params.join(", ")
        );
        for stmt in &self.body {
            let _ = writeln!(s, "    {stmt}");
        }
        let _ = writeln!(s, "    {}\n}}", self.result);
        s
    }
}

/// The seed of function `index` in a run seeded with `seed`.
fn function_seed(seed: u64, index: usize) -> u64 {
    Rng::new(seed ^ (index as u64).wrapping_mul(0xa076_1d64_78bd_642f)).next_u64()
}

/// Generates `cfg.count` functions; function `i` depends only on the seed and `i`.
pub fn generate(cfg: &Config) -> Vec<Function> {
    (0..cfg.count)
        .map(|i| Gen::new(function_seed(cfg.seed, i), cfg.known_bugs).function(i))
        .collect()
}

struct Gen {
    rng: Rng,
    seed: u64,
    vars: Vec<Var>,
    body: Vec<String>,
    fresh: usize,
    /// The statement being generated must be a single expression (no `let` of its own).
    single: bool,
    /// Generate constructs that trip known macro bugs.
    known_bugs: bool,
}

const PARAM_NAMES: [&str; 6] = ["a", "b", "c", "d", "e", "g"];

impl Gen {
    fn new(seed: u64, known_bugs: bool) -> Gen {
        Gen {
            rng: Rng::new(seed),
            seed,
            vars: Vec::new(),
            body: Vec::new(),
            fresh: 0,
            single: false,
            known_bugs,
        }
    }

    fn dim(&mut self, pool: &[usize]) -> usize {
        *self.rng.pick(pool)
    }

    fn function(mut self, index: usize) -> Function {
        // A few dimensions shared by the parameters, so that shapes meet often; 1 for the
        // `1×n` and `n×1` edges.
        let pool: Vec<usize> = (0..3)
            .map(|_| [1, 2, 2, 3, 3, 4][self.rng.below(6)])
            .collect();
        let n = 1 + self.rng.below(5);
        let mut params = Vec::new();
        for (i, name) in PARAM_NAMES.iter().take(n).enumerate() {
            let shape = match self.rng.weighted(&[6, 3, 1]) {
                // The first parameter is an array.
                2 if i > 0 => Shape::Scalar,
                1 => Shape::Vec(self.dim(&pool)),
                _ => Shape::Mat(self.dim(&pool), self.dim(&pool)),
            };
            params.push((name.to_string(), shape));
            self.vars.push(Var {
                name: name.to_string(),
                shape,
                bound: 1.0,
                param: true,
                used: false,
                no_capture: false,
            });
        }
        let statements = 2 + self.rng.below(7);
        let mut last = None;
        for _ in 0..statements {
            let Some(v) = (0..30).find_map(|_| self.statement()) else {
                continue;
            };
            // Sometimes two values in one tuple `let`. The second may not bind a value of its
            // own: that could shadow a name the first refers to.
            self.single = true;
            let second = if v.ty.is_none() && self.rng.chance(0.1) {
                (0..30).find_map(|_| self.statement())
            } else {
                None
            };
            self.single = false;
            if let Some(w) = second {
                last = Some(self.bind_pair(v, w));
            } else {
                // `let mut` and compound assignments, but not on a view (`x.t()`).
                let mutate = !v.view && self.rng.chance(0.15);
                last = Some(self.bind(v));
                if mutate {
                    self.mutate(last.expect("just bound"));
                }
            }
        }
        let result = self.result(last);
        // Sometimes differentiate a nonempty subset of the parameters only.
        let wrt = (params.len() > 1 && self.rng.chance(0.2)).then(|| {
            let keep = 1 + self.rng.below(params.len() - 1);
            let mut w: Vec<usize> = (0..params.len()).collect();
            while w.len() > keep {
                w.remove(self.rng.below(w.len()));
            }
            w
        });
        Function {
            index,
            seed: self.seed,
            name: format!("af{index}"),
            params,
            wrt,
            body: self.body,
            result,
        }
    }

    /// Binds `v` to a fresh name or (one time in four) shadows a name in scope.
    fn bind(&mut self, v: Val) -> usize {
        let v = squash(v);
        let name = self.name(None);
        let ty = v.ty.map(|t| format!(": {t}")).unwrap_or_default();
        self.body
            .push(format!("let {name}{ty} = {};", v.recv_or_expr()));
        self.declare(name, &v)
    }

    /// Binds `v` and `w` in one tuple `let`.
    fn bind_pair(&mut self, v: Val, w: Val) -> usize {
        let (v, w) = (squash(v), squash(w));
        let first = self.name(None);
        let second = self.name(Some(&first));
        self.body.push(format!(
            "let ({first}, {second}) = ({}, {});",
            v.recv_or_expr(),
            w.recv_or_expr()
        ));
        self.declare(first, &v);
        self.declare(second, &w)
    }

    /// A fresh name or (one time in four) a name in scope, other than `not`.
    fn name(&mut self, not: Option<&str>) -> String {
        if self.rng.chance(0.25) {
            let name = self.vars[self.rng.below(self.vars.len())].name.clone();
            if Some(name.as_str()) != not {
                return name;
            }
        }
        self.fresh += 1;
        format!("t{}", self.fresh)
    }

    /// Puts `name` (holding `v`) in scope, in place of what it shadows; returns its index.
    fn declare(&mut self, name: String, v: &Val) -> usize {
        // What is computed from a value the macro cannot type is untyped too.
        let tainted = v
            .recv
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|w| self.vars.iter().any(|x| x.no_capture && x.name == w));
        self.vars.retain(|x| x.name != name);
        self.vars.push(Var {
            name,
            shape: v.shape,
            bound: v.bound,
            param: false,
            used: false,
            no_capture: tainted
                || v.ty.is_some()
                || (v.shape == Shape::Scalar
                    && v.recv.ends_with(']')
                    && !v.recv.starts_with("array!")),
        });
        self.vars.len() - 1
    }

    /// Makes the binding of variable `i` a `let mut` and follows it with one or two of
    /// `x += y;`, `x -= y;`, `x *= y;` (`y` an array broadcasting into `x`, or a scalar) and
    /// `x = &x op y;`.
    fn mutate(&mut self, i: usize) {
        let x = self.vars[i].clone();
        let stmt = self.body.last_mut().expect("a binding");
        *stmt = stmt.replacen("let ", "let mut ", 1);
        let mut bound = x.bound;
        for _ in 0..1 + self.rng.below(2) {
            let s = x.shape;
            let y = match self.pick_var(|v| v.name != x.name && broadcast(s, v.shape) == Some(s)) {
                Some(y) => self.operand(&y, 1),
                None => {
                    let l = self.literal();
                    Val::compound(format!("{l:?}"), true, Shape::Scalar, l.abs())
                }
            };
            let op = *self.rng.pick(&["+", "-", "*"]);
            let b = if op == "*" {
                bound * y.bound
            } else {
                bound + y.bound
            };
            if b > LIMIT {
                continue;
            }
            bound = b;
            let name = &x.name;
            let stmt = if self.rng.chance(0.7) {
                format!("{name} {op}= {};", y.operand)
            } else {
                format!("{name} = {} {op} {};", x.val().operand, y.operand)
            };
            self.body.push(stmt);
        }
        self.vars[i].bound = bound;
    }

    fn pick_var(&mut self, ok: impl Fn(&Var) -> bool) -> Option<Var> {
        let c: Vec<usize> = (0..self.vars.len())
            .filter(|&i| ok(&self.vars[i]))
            .collect();
        if c.is_empty() {
            return None;
        }
        let v = &mut self.vars[c[self.rng.below(c.len())]];
        v.used = true;
        Some(v.clone())
    }

    fn literal(&mut self) -> f64 {
        *self.rng.pick(&[0.5, 1.5, 2.0, -0.5, 3.0, 0.25, -1.25])
    }

    /// An operand made from `v`: `v` itself, or (sometimes) a shape-preserving expression of it.
    fn operand(&mut self, v: &Var, depth: usize) -> Val {
        let base = v.val();
        if depth == 0 || !self.rng.chance(0.3) {
            return base;
        }
        let inner = self.operand(v, depth - 1);
        self.wrap(inner)
    }

    /// Like [`Gen::operand`], but a matrix is sometimes transposed (`&x.t()`), changing its shape.
    fn transposed_operand(&mut self, v: &Var) -> Val {
        let x = self.operand(v, 1);
        match x.shape {
            Shape::Mat(r, c) if self.rng.chance(0.2) => {
                let recv = format!("{}.t()", x.recv);
                Val {
                    operand: format!("&{recv}"),
                    recv,
                    shape: Shape::Mat(c, r),
                    bound: x.bound,
                    view: true,
                    ty: None,
                }
            }
            _ => x,
        }
    }

    /// A random shape-preserving expression of `x`.
    fn wrap(&mut self, x: Val) -> Val {
        let s = x.shape;
        if !s.is_array() {
            return match self.rng.below(3) {
                0 => Val::compound(format!("{}.tanh()", x.recv), true, s, 1.0),
                1 => Val::compound(format!("{}.sin()", x.recv), true, s, 1.0),
                _ => {
                    let l = self.literal();
                    Val::compound(
                        format!("{} * {l:?}", x.operand),
                        false,
                        s,
                        x.bound * l.abs(),
                    )
                }
            };
        }
        match self.rng.below(11) {
            8 | 9 => self.method(x),
            10 => self.mapv(x),
            0 => Val::compound(format!("nn::sigmoid({})", x.operand), true, s, 1.0),
            1 => Val::compound(format!("nn::tanh({})", x.operand), true, s, 1.0),
            // |x · Φ(x)| ≤ |x|, and gelu ≥ −0.17 everywhere.
            7 => Val::compound(
                format!("nn::gelu({})", x.operand),
                true,
                s,
                x.bound.max(0.2),
            ),
            2 => exp(x),
            3 => self.ln(x),
            4 => {
                let l = self.literal();
                let b = x.bound * l.abs();
                if self.rng.chance(0.5) {
                    Val::compound(format!("{l:?} * {}", x.operand), false, s, b)
                } else {
                    Val::compound(format!("{} * {l:?}", x.operand), false, s, b)
                }
            }
            6 => Val::compound(format!("-{}", x.operand), false, s, x.bound),
            _ => {
                // With a value that broadcasts into this shape.
                match self.pick_var(|v| broadcast(s, v.shape) == Some(s)) {
                    Some(y) => {
                        let op = *self.rng.pick(&["+", "-", "*"]);
                        binary(&x, op, &y.val(), s)
                    }
                    None => Val::compound(format!("nn::tanh({})", x.operand), true, s, 1.0),
                }
            }
        }
    }

    /// `ln` of something positive.
    fn ln(&mut self, x: Val) -> Val {
        let s = x.shape;
        match self.rng.below(3) {
            0 => {
                let e = exp(x);
                let b = e.bound.ln().abs().max(1.0);
                Val::compound(format!("nn::ln({})", e.operand), true, s, b)
            }
            1 => Val::compound(
                format!("nn::ln(&nn::sigmoid({}))", x.operand),
                true,
                s,
                x.bound + 1.0,
            ),
            _ => Val::compound(
                format!("nn::ln(&({0} * {0} + 1.0))", x.operand),
                true,
                s,
                (x.bound * x.bound + 1.0).ln(),
            ),
        }
    }

    /// A positive array expression made from `x`, as a method receiver, with bounds on its
    /// elements `lo ≤ y ≤ hi` (`lo > 0`): `(x * x + 1.0)`, `nn::sigmoid(x)` or `x.exp()`, of
    /// `nn::tanh(x)` if `x` may be large.
    fn positive(&mut self, x: Val) -> (String, f64, f64) {
        let x = if x.bound > 3.0 {
            Val::compound(format!("nn::tanh({})", x.operand), true, x.shape, 1.0)
        } else {
            x
        };
        let b = x.bound;
        match self.rng.below(3) {
            0 => (format!("({0} * {0} + 1.0)", x.operand), 1.0, b * b + 1.0),
            1 => (
                format!("nn::sigmoid({})", x.operand),
                1.0 / (1.0 + b.exp()),
                1.0,
            ),
            _ => (format!("{}.exp()", x.recv), (-b).exp(), b.exp()),
        }
    }

    /// One of ndarray's elementwise float methods applied to array `x`, in its domain.
    fn method(&mut self, x: Val) -> Val {
        let s = x.shape;
        let small = |x: Val, limit: f64| {
            if x.bound <= limit {
                x
            } else {
                Val::compound(format!("nn::tanh({})", x.operand), true, x.shape, 1.0)
            }
        };
        match self.rng.below(14) {
            0 => {
                let x = small(x, 3.0);
                let b = x.bound.exp();
                Val::compound(format!("{}.exp()", x.recv), true, s, b)
            }
            1 => {
                let x = small(x, 3.0);
                let b = x.bound.exp2();
                Val::compound(format!("{}.exp2()", x.recv), true, s, b)
            }
            2 | 3 => {
                let (r, lo, hi) = self.positive(x);
                let m = *self.rng.pick(&["ln", "ln", "log2", "log10"]);
                let b = lo.ln().abs().max(hi.ln().abs()).max(1.0);
                Val::compound(format!("{r}.{m}()"), true, s, b)
            }
            4 => {
                let b = (x.bound * x.bound + 1.0).sqrt();
                Val::compound(format!("({0} * {0} + 1.0).sqrt()", x.operand), true, s, b)
            }
            5 => Val::compound(format!("{}.sin()", x.recv), true, s, 1.0),
            6 => Val::compound(format!("{}.cos()", x.recv), true, s, 1.0),
            7 => {
                // tan(1.2) ≈ 2.6: far from the pole.
                let x = small(x, 1.2);
                let b = x.bound.tan();
                Val::compound(format!("{}.tan()", x.recv), true, s, b)
            }
            8 => {
                // Of a value whose sign is known.
                if self.rng.chance(0.5) {
                    Val::compound(format!("(-nn::sigmoid({})).abs()", x.operand), true, s, 1.0)
                } else {
                    let b = x.bound * x.bound + 0.5;
                    Val::compound(format!("(-0.5 - {0} * {0}).abs()", x.operand), true, s, b)
                }
            }
            9 => {
                let (r, lo, _) = self.positive(x);
                Val::compound(format!("{r}.recip()"), true, s, 1.0 / lo)
            }
            10 => {
                let k = *self.rng.pick(&[2, 3]);
                let x = small(x, 4.0);
                let b = x.bound.powi(k);
                Val::compound(format!("{}.powi({k})", x.recv), true, s, b)
            }
            11 | 12 => {
                let (r, lo, hi) = self.positive(x);
                // A literal power, or a scalar value (differentiated too: its cotangent is a
                // sum over the elements).
                let p = self.pick_var(|v| v.shape == Shape::Scalar && v.bound <= 2.0);
                let (p, b) = match p {
                    Some(p) if self.rng.chance(0.5) => {
                        let b = hi.max(1.0 / lo).powf(p.bound);
                        (p.name, b)
                    }
                    _ => {
                        let l = *self.rng.pick(&[0.5, 1.5, 2.0, -0.5, 0.25, -1.25, 2.5]);
                        (format!("{l:?}"), lo.powf(l).max(hi.powf(l)))
                    }
                };
                Val::compound(format!("{r}.powf({p})"), true, s, b)
            }
            _ => {
                let (r, _, hi) = self.positive(x);
                Val::compound(format!("{r}.cbrt()"), true, s, hi.cbrt())
            }
        }
    }

    /// `x.mapv(..)` with a closure of the element (capturing a scalar value sometimes) or a
    /// float method's path.
    fn mapv(&mut self, x: Val) -> Val {
        let s = x.shape;
        let r = &x.recv;
        // A scalar value in scope (an element read or a slice's reduction too: the macro once
        // could not type those when a closure captured them), or a literal.
        let captured = match self.pick_var(|v| v.shape == Shape::Scalar) {
            Some(v) if self.rng.chance(0.7) => (v.name, v.bound),
            _ => {
                let l = self.literal();
                (format!("{l:?}"), l.abs())
            }
        };
        let (c, cb) = captured;
        let (e, b) = match self.rng.below(6) {
            0 => ("|v| 1.0 / (1.0 + (-v).exp())".to_string(), 1.0),
            1 => {
                let f = *self.rng.pick(&["tanh", "sin", "cos"]);
                (format!("f64::{f}"), 1.0)
            }
            2 => (format!("|v| v * v + {c}"), x.bound * x.bound + cb),
            3 => (format!("|v| (v * {c}).sin()"), 1.0),
            4 => (format!("|v| v.tanh() * {c} + v"), cb + x.bound),
            _ => {
                // A closure calling float methods, kept in their domains.
                if x.bound <= 3.0 {
                    (
                        "|v| (v * v + 1.0).ln() + v.exp()".to_string(),
                        (x.bound * x.bound + 1.0).ln() + x.bound.exp(),
                    )
                } else {
                    ("|v| (v * v + 1.0).sqrt()".to_string(), x.bound + 1.0)
                }
            }
        };
        Val::compound(format!("{r}.mapv({e})"), true, s, b)
    }

    /// An index along `axis` of matrix `m`, whose length is `n`: a literal, or the last
    /// (`m.nrows() - 1`, `m.len_of(Axis(0)) - 1`, `m.shape()[0] - 1`, `rows - 1` after
    /// `let (rows, cols) = m.dim();`).
    fn index(&mut self, m: &str, n: usize, axis: usize, argument: bool) -> String {
        if !self.rng.chance(0.4) {
            return self.rng.below(n).to_string();
        }
        // `m.shape()[k]` in a method's argument or in `s![..]` too (the macro once typed it
        // `i32` there).
        let _ = argument;
        let kinds = 4;
        let count = match (self.rng.below(kinds), axis) {
            (0, 0) => format!("{m}.nrows()"),
            (0, _) => format!("{m}.ncols()"),
            (1, _) => format!("{m}.len_of(Axis({axis}))"),
            (3, _) => format!("{m}.shape()[{axis}]"),
            // `let (rows, cols) = m.dim();` before the statement.
            (2, _) if !self.single => {
                self.fresh += 1;
                let k = self.fresh;
                self.body
                    .push(format!("let (rows{k}, cols{k}) = {m}.dim();"));
                if axis == 0 {
                    format!("rows{k}")
                } else {
                    format!("cols{k}")
                }
            }
            (_, 0) => format!("{m}.nrows()"),
            _ => format!("{m}.ncols()"),
        };
        format!("{count} - 1")
    }

    /// A view of a variable: `m.row(i)`, `m.column(j)`, `m.slice(s![..])`, `m.t()`,
    /// `m.view().reversed_axes()`, `v.view().insert_axis(Axis(k))` (or owned: `to_owned()`
    /// first).
    fn view_of(&mut self) -> Option<Val> {
        let x = self.pick_var(|v| v.shape.is_array())?;
        let (m, b) = (x.name.clone(), x.bound);
        match x.shape {
            Shape::Mat(r, c) => match self.rng.below(7) {
                0 => {
                    let i = self.index(&m, r, 0, true);
                    Some(Val::view(format!("{m}.row({i})"), Shape::Vec(c), b))
                }
                1 => {
                    let j = self.index(&m, c, 1, true);
                    Some(Val::view(format!("{m}.column({j})"), Shape::Vec(r), b))
                }
                2 => {
                    let how = *self.rng.pick(&["view", "view", "to_owned"]);
                    let e = format!("{m}.{how}().reversed_axes()");
                    Some(if how == "view" {
                        Val::view(e, Shape::Mat(c, r), b)
                    } else {
                        Val::compound(e, true, Shape::Mat(c, r), b)
                    })
                }
                _ => Some(self.matrix_slice(&m, r, c, b)),
            },
            Shape::Vec(n) => match self.rng.below(4) {
                0 | 1 => {
                    let k = self.rng.below(2);
                    let shape = if k == 0 {
                        Shape::Mat(1, n)
                    } else {
                        Shape::Mat(n, 1)
                    };
                    Some(if self.rng.chance(0.7) {
                        Val::view(format!("{m}.view().insert_axis(Axis({k}))"), shape, b)
                    } else {
                        let e = format!("{m}.to_owned().insert_axis(Axis({k}))");
                        Val::compound(e, true, shape, b)
                    })
                }
                _ => {
                    let (range, len) = self.range(n);
                    Some(Val::view(
                        format!("{m}.slice(s![{range}])"),
                        Shape::Vec(len),
                        b,
                    ))
                }
            },
            Shape::Scalar => None,
        }
    }

    /// A slice argument along an axis of length `n` and the resulting length: `..`, `a..b`,
    /// `a..`, `..b`, `a..=b`, `..;2`.
    fn range(&mut self, n: usize) -> (String, usize) {
        match self.rng.below(6) {
            0 => ("..".to_string(), n),
            1 => {
                let a = self.rng.below(n);
                let b = a + 1 + self.rng.below(n - a);
                (format!("{a}..{b}"), b - a)
            }
            2 => {
                let a = self.rng.below(n);
                (format!("{a}.."), n - a)
            }
            3 => {
                let b = 1 + self.rng.below(n);
                (format!("..{b}"), b)
            }
            4 => {
                let a = self.rng.below(n);
                let b = a + self.rng.below(n - a);
                (format!("{a}..={b}"), b - a + 1)
            }
            _ => ("..;2".to_string(), n.div_ceil(2)),
        }
    }

    /// A slice of matrix `m` (`r×c`): ranges on both axes, or an index on one.
    fn matrix_slice(&mut self, m: &str, r: usize, c: usize, b: f64) -> Val {
        match self.rng.below(4) {
            0 => {
                let j = self.index(m, c, 1, true);
                let (range, len) = self.range(r);
                Val::view(format!("{m}.slice(s![{range}, {j}])"), Shape::Vec(len), b)
            }
            1 => {
                let i = self.index(m, r, 0, true);
                let (range, len) = self.range(c);
                Val::view(format!("{m}.slice(s![{i}, {range}])"), Shape::Vec(len), b)
            }
            _ => {
                let (rows, rn) = self.range(r);
                let (cols, cn) = if self.rng.chance(0.5) {
                    ("..".to_string(), c)
                } else {
                    self.range(c)
                };
                Val::view(
                    format!("{m}.slice(s![{rows}, {cols}])"),
                    Shape::Mat(rn, cn),
                    b,
                )
            }
        }
    }

    /// An element read of a variable, `m[[i, j]]` or `v[i]`: a scalar.
    fn element(&mut self) -> Option<Val> {
        let x = self.pick_var(|v| v.shape.is_array())?;
        let m = x.name.clone();
        let e = match x.shape {
            Shape::Mat(r, c) => {
                let (i, j) = (self.index(&m, r, 0, false), self.index(&m, c, 1, false));
                format!("{m}[[{i}, {j}]]")
            }
            Shape::Vec(n) => {
                let i = if self.rng.chance(0.3) {
                    format!("{m}.len() - 1")
                } else {
                    self.rng.below(n).to_string()
                };
                format!("{m}[{i}]")
            }
            Shape::Scalar => return None,
        };
        Some(Val::compound(e, true, Shape::Scalar, x.bound))
    }

    /// `array![..]` of scalar values and literals, or `Array1::from_elem(n, s)`, of a length
    /// some array in scope has (so that it meets them).
    fn constructor(&mut self) -> Option<Val> {
        let s = self.pick_var(|v| v.shape == Shape::Scalar)?;
        let lens: Vec<(String, usize)> = self
            .vars
            .iter()
            .flat_map(|v| match v.shape {
                Shape::Vec(n) => vec![(format!("{}.len()", v.name), n)],
                Shape::Mat(r, c) => vec![
                    (format!("{}.nrows()", v.name), r),
                    (format!("{}.ncols()", v.name), c),
                ],
                Shape::Scalar => vec![],
            })
            .collect();
        let (len_expr, n) = if lens.is_empty() {
            ("2".to_string(), 2)
        } else {
            lens[self.rng.below(lens.len())].clone()
        };
        let first = self.operand(&s, 1);
        if self.rng.chance(0.5) {
            let len = if self.rng.chance(0.5) {
                len_expr
            } else {
                n.to_string()
            };
            return Some(Val::compound(
                format!("Array1::from_elem({len}, {})", first.operand),
                true,
                Shape::Vec(n),
                first.bound,
            ));
        }
        let mut bound = first.bound;
        let mut items = vec![first.operand];
        for _ in 1..n {
            match self.pick_var(|v| v.shape == Shape::Scalar) {
                Some(v) if self.rng.chance(0.7) => {
                    let v = self.operand(&v, 1);
                    bound = bound.max(v.bound);
                    items.push(v.operand);
                }
                _ => {
                    let l = self.literal();
                    bound = bound.max(l.abs());
                    items.push(format!("{l:?}"));
                }
            }
        }
        Some(Val::compound(
            format!("array![{}]", items.join(", ")),
            true,
            Shape::Vec(n),
            bound,
        ))
    }

    /// One statement's right-hand side, or `None` if the operation chosen has no operands.
    fn statement(&mut self) -> Option<Val> {
        let any_array = |v: &Var| v.shape.is_array();
        let mat = |v: &Var| matches!(v.shape, Shape::Mat(..));
        match self
            .rng
            .weighted(&[6, 2, 2, 4, 2, 1, 4, 1, 2, 1, 2, 1, 3, 2, 1, 1, 3])
        {
            // Broadcasting + - * between two values (at least one an array).
            0 => {
                let x = self.pick_var(any_array)?;
                let x = self.transposed_operand(&x);
                let y = self.pick_var(|v| broadcast(x.shape, v.shape).is_some())?;
                let shape = broadcast(x.shape, y.shape)?;
                let y = self.operand(&y, 1);
                let op = *self.rng.pick(&["+", "-", "*"]);
                Some(if self.rng.chance(0.5) {
                    binary(&x, op, &y, shape)
                } else {
                    binary(&y, op, &x, shape)
                })
            }
            // Scalar–array mixing: a literal or a scalar value on either side.
            1 => {
                let x = self.pick_var(any_array)?;
                let x = self.operand(&x, 1);
                let (s, sb) = match self.pick_var(|v| v.shape == Shape::Scalar) {
                    Some(v) if self.rng.chance(0.6) => (v.name.clone(), v.bound),
                    _ => {
                        let l = self.literal();
                        (format!("{l:?}"), l.abs())
                    }
                };
                let op = *self.rng.pick(&["+", "-", "*"]);
                let b = if op == "*" {
                    x.bound * sb
                } else {
                    x.bound + sb
                };
                let e = if self.rng.chance(0.5) {
                    format!("{s} {op} {}", x.operand)
                } else {
                    format!("{} {op} {s}", x.operand)
                };
                Some(Val::compound(e, false, x.shape, b))
            }
            // Division by something kept away from zero.
            2 => self.division(),
            // An elementwise nn function (relu only of a parameter: inputs are far from 0).
            3 => {
                let x = self.pick_var(any_array)?;
                if x.param && self.rng.chance(0.3) {
                    return Some(Val::compound(
                        format!("nn::relu({})", x.name),
                        true,
                        x.shape,
                        1.0,
                    ));
                }
                let x = self.operand(&x, 1);
                Some(self.wrap(x))
            }
            // softmax / log_softmax along the last axis.
            4 => {
                let x = self.pick_var(any_array)?;
                let x = self.operand(&x, 1);
                let n = *x.shape.dims().last()? as f64;
                Some(if self.rng.chance(0.5) {
                    Val::compound(format!("nn::softmax({})", x.operand), true, x.shape, 1.0)
                } else {
                    let b = 2.0 * x.bound + n.ln();
                    Val::compound(format!("nn::log_softmax({})", x.operand), true, x.shape, b)
                })
            }
            // layer_norm with a gain and a bias of the last axis's length.
            5 => {
                let x = self.pick_var(any_array)?;
                let n = *x.shape.dims().last()?;
                let g = self.pick_var(|v| v.shape == Shape::Vec(n))?;
                let b = self.pick_var(|v| v.shape == Shape::Vec(n))?;
                let (x, g, b) = (
                    self.operand(&x, 1),
                    self.operand(&g, 1),
                    self.operand(&b, 0),
                );
                // A literal, or a positive expression of a scalar (so its gradient is checked).
                let eps = match self.pick_var(|v| v.shape == Shape::Scalar) {
                    Some(e) if e.bound <= 10.0 && self.rng.chance(0.4) => {
                        format!("{0} * {0} + 0.1", e.name)
                    }
                    _ => format!("{:?}", *self.rng.pick(&[0.1, 0.5, 1.0])),
                };
                let bound = g.bound * (n as f64).sqrt() + b.bound;
                Some(Val::compound(
                    format!(
                        "nn::layer_norm({}, {}, {}, {eps})",
                        x.operand, g.operand, b.operand
                    ),
                    true,
                    x.shape,
                    bound,
                ))
            }
            // A dot chain.
            6 => self.dot_chain(),
            // A transpose bound by `let` (a view of a variable).
            7 => {
                let x = self.pick_var(mat)?;
                let Shape::Mat(r, c) = x.shape else {
                    return None;
                };
                Some(Val::view(
                    format!("{}.t()", x.name),
                    Shape::Mat(c, r),
                    x.bound,
                ))
            }
            // sum_axis or mean_axis, and its result broadcast back against the source.
            8 if !self.single => {
                let x = self.pick_var(mat)?;
                let Shape::Mat(r, c) = x.shape else {
                    return None;
                };
                let (axis, shape, n) = if self.rng.chance(0.5) {
                    (0, Shape::Vec(c), r)
                } else {
                    (1, Shape::Vec(r), c)
                };
                let xv = self.operand(&x, 1);
                let s = if self.rng.chance(if x.param { 0.5 } else { 0.2 }) {
                    // Variance per lane (standard deviation of a parameter's lanes of two
                    // elements or more: random inputs, spread far from zero).
                    let f = if n >= 2 && x.param && self.rng.chance(0.8) {
                        "std_axis"
                    } else {
                        "var_axis"
                    };
                    Val::compound(
                        format!("{}.{f}(Axis({axis}), 0.0)", xv.recv),
                        true,
                        shape,
                        xv.bound * xv.bound,
                    )
                } else if self.rng.chance(0.4) {
                    // ndarray's `mean_axis` returns an `Option`.
                    let unwrap = if self.rng.chance(0.8) {
                        ".unwrap()"
                    } else {
                        ".expect(\"rows\")"
                    };
                    Val::compound(
                        format!("{}.mean_axis(Axis({axis})){unwrap}", xv.recv),
                        true,
                        shape,
                        xv.bound,
                    )
                } else {
                    Val::compound(
                        format!("{}.sum_axis(Axis({axis}))", xv.recv),
                        true,
                        shape,
                        xv.bound * n as f64,
                    )
                };
                let i = self.bind(s);
                let s = self.vars[i].clone();
                match broadcast(x.shape, s.shape) {
                    // Unless the binding shadowed `x`.
                    Some(shape) if s.name != x.name => {
                        let op = *self.rng.pick(&["+", "-", "*"]);
                        Some(binary(&x.val(), op, &s.val(), shape))
                    }
                    _ => Some(Val::compound(
                        format!("nn::tanh({})", s.val().operand),
                        true,
                        s.shape,
                        1.0,
                    )),
                }
            }
            // logsumexp along the last axis of a matrix.
            9 => {
                let x = self.pick_var(mat)?;
                let Shape::Mat(r, c) = x.shape else {
                    return None;
                };
                let x = self.operand(&x, 1);
                Some(Val::compound(
                    format!("nn::logsumexp({})", x.operand),
                    true,
                    Shape::Vec(r),
                    x.bound + (c as f64).ln(),
                ))
            }
            // A reduction to a scalar, used further on.
            10 => {
                let x = self.pick_var(any_array)?;
                let x = self.transposed_operand(&x);
                Some(self.reduction(&x))
            }
            // Arithmetic on scalars.
            11 => {
                let x = self.pick_var(|v| v.shape == Shape::Scalar)?;
                let y = self.pick_var(|v| v.shape == Shape::Scalar)?;
                let (x, y) = (self.operand(&x, 1), self.operand(&y, 1));
                let op = *self.rng.pick(&["+", "-", "*"]);
                Some(binary(&x, op, &y, Shape::Scalar))
            }
            // A view of a variable: a row, a column, a slice, an axis inserted, axes reversed.
            12 => {
                let v = self.view_of()?;
                if self.known_bugs || !v.recv.contains(".slice(") {
                    return Some(v);
                }
                // The macro does not infer the type of a slice (a known bug): when the gradient
                // keeps one, or `dot` is called on one, the build fails, and a closure cannot
                // capture a value computed from one. A slice is reduced in place (and bound
                // with `: f64`, a form users write), not in a tuple `let`.
                if self.single {
                    return None;
                }
                let n = v.shape.len() as f64;
                let r = match self.rng.below(3) {
                    0 => Val::compound(
                        format!("{}.sum()", v.recv),
                        true,
                        Shape::Scalar,
                        n * v.bound,
                    ),
                    1 => Val::compound(
                        format!("{}.mean().unwrap()", v.recv),
                        true,
                        Shape::Scalar,
                        v.bound,
                    ),
                    _ => Val::compound(
                        format!("nn::mean({})", v.operand),
                        true,
                        Shape::Scalar,
                        v.bound,
                    ),
                };
                Some(Val {
                    ty: Some("f64"),
                    ..r
                })
            }
            // An element read.
            13 => self.element(),
            // `array![..]` of scalars, `Array1::from_elem(n, s)`.
            14 => self.constructor(),
            // A `mapv` with a closure or a function path.
            15 => {
                let x = self.pick_var(any_array)?;
                let x = self.transposed_operand(&x);
                Some(self.mapv(x))
            }
            // One of ndarray's own elementwise float methods.
            _ => {
                let x = self.pick_var(any_array)?;
                if x.param && self.rng.chance(0.2) {
                    // A parameter is far from the kinks of `abs` and `cbrt`.
                    let m = *self.rng.pick(&["abs", "cbrt"]);
                    return Some(Val::compound(
                        format!("{}.{m}()", x.name),
                        true,
                        x.shape,
                        1.0,
                    ));
                }
                let x = self.transposed_operand(&x);
                Some(self.method(x))
            }
        }
    }

    fn division(&mut self) -> Option<Val> {
        let x = self.pick_var(|_| true)?;
        let y = self.pick_var(|v| broadcast(x.shape, v.shape).is_some())?;
        let shape = broadcast(x.shape, y.shape)?;
        let x = self.operand(&x, 1);
        let yv = y.val();
        let (den, den_bound_inv) = if !y.shape.is_array() {
            (format!("({0} * {0} + 1.0)", yv.operand), 1.0)
        } else if y.bound <= 3.0 && self.rng.chance(0.5) {
            (format!("&nn::exp({})", yv.operand), y.bound.exp())
        } else {
            (format!("&({0} * {0} + 1.0)", yv.operand), 1.0)
        };
        Some(if !x.shape.is_array() && !y.shape.is_array() {
            Val::compound(format!("{} / {den}", x.operand), false, shape, x.bound)
        } else if !x.shape.is_array() || self.rng.chance(0.2) {
            // A literal or scalar numerator over an array.
            let l = self.literal();
            Val::compound(
                format!("{l:?} / {den}"),
                false,
                y.shape,
                l.abs() * den_bound_inv,
            )
        } else {
            Val::compound(
                format!("{} / {den}", x.operand),
                false,
                shape,
                x.bound * den_bound_inv,
            )
        })
    }

    /// `x.dot(y)…` with one to three products, operands transposed sometimes.
    fn dot_chain(&mut self) -> Option<Val> {
        let x = self.pick_var(|v| matches!(v.shape, Shape::Mat(..) | Shape::Vec(_)))?;
        let mut x_val = self.operand(&x, 1);
        let mut shape = x.shape;
        let mut text = x_val.recv.clone();
        if let Shape::Mat(r, c) = shape
            && self.rng.chance(0.25)
        {
            text = format!("{text}.t()");
            shape = Shape::Mat(c, r);
        }
        let mut bound = x_val.bound;
        let products = 1 + self.rng.weighted(&[5, 3, 1]);
        let mut done = 0;
        for _ in 0..products {
            let k = *shape.dims().last()?;
            // A factor whose first axis (or, transposed, last axis) has length k.
            let y = self.pick_var(|v| match v.shape {
                Shape::Mat(r, c) => r == k || c == k,
                Shape::Vec(n) => n == k && matches!(shape, Shape::Mat(..)),
                Shape::Scalar => false,
            });
            let Some(y) = y else { break };
            x_val = self.operand(&y, 1);
            let (arg, next) = match (shape, y.shape) {
                (Shape::Mat(r, _), Shape::Vec(_)) => (x_val.operand.clone(), Shape::Vec(r)),
                (_, Shape::Mat(yr, yc)) => {
                    let transpose = yr != k || (yc == k && self.rng.chance(0.3));
                    let (arg, out) = if transpose {
                        (format!("&{}.t()", x_val.recv), yr)
                    } else {
                        (x_val.operand.clone(), yc)
                    };
                    let next = match shape {
                        Shape::Mat(r, _) => Shape::Mat(r, out),
                        _ => Shape::Vec(out),
                    };
                    (arg, next)
                }
                _ => break,
            };
            text = format!("{text}.dot({arg})");
            bound *= x_val.bound * k as f64;
            shape = next;
            done += 1;
            if shape.dims().len() == 1 {
                break;
            }
        }
        if done == 0 {
            return None;
        }
        Some(Val::compound(text, true, shape, bound))
    }

    /// A reduction of array `x` to a scalar.
    fn reduction(&mut self, x: &Val) -> Val {
        let s = x.shape;
        let n = s.len() as f64;
        // Iterator sums need a variable (not a temporary) to iterate over.
        let named = x
            .recv
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
        let params: Vec<String> = self
            .vars
            .iter()
            .filter(|v| v.param && v.shape == s)
            .map(|v| v.name.clone())
            .collect();
        let (e, b) = match (self.rng.below(12), s) {
            (1, _) => (format!("nn::mean({})", x.operand), x.bound),
            // Variance and standard deviation (the latter of two or more elements, which the
            // harness's random inputs keep apart), squares, and a reshape of a parameter (a
            // standard-layout array) to one axis.
            (10, _) => match self.rng.below(3) {
                0 => (format!("{}.var(0.0)", x.recv), x.bound * x.bound),
                // Of a parameter: random inputs, whose spread is far from zero (`std`'s
                // derivative divides by it).
                1 if s.len() >= 2 && params.contains(&x.recv) => {
                    (format!("{}.std(0.0)", x.recv), x.bound)
                }
                _ => (format!("{}.pow2().sum()", x.recv), n * x.bound * x.bound),
            },
            (11, Shape::Mat(..)) if !params.is_empty() => {
                let p = self.rng.pick(&params).clone();
                (
                    format!(
                        "{p}.to_owned().into_shape_with_order({}).unwrap().sum()",
                        s.len()
                    ),
                    n * x.bound,
                )
            }
            // ndarray's `mean` returns an `Option`.
            (7, _) => {
                let unwrap = if self.rng.chance(0.8) {
                    ".unwrap()"
                } else {
                    ".expect(\"nonempty\")"
                };
                (format!("{}.mean(){unwrap}", x.recv), x.bound)
            }
            (8, _) if named => {
                let (f, b) = match self.rng.below(3) {
                    0 => ("t * t", x.bound * x.bound),
                    1 => ("t.sin()", 1.0),
                    _ => ("t * 0.5 + 1.0", 0.5 * x.bound + 1.0),
                };
                if self.rng.chance(0.3) {
                    (format!("{}.iter().sum::<f64>()", x.recv), n * x.bound)
                } else {
                    (
                        format!("{}.iter().map(|t| {f}).sum::<f64>()", x.recv),
                        n * b,
                    )
                }
            }
            // Of two vectors of one length.
            (9, Shape::Vec(_)) if named => match self.pick_var(|v| v.shape == s) {
                Some(y) => {
                    let f = *self
                        .rng
                        .pick(&["p * q", "p * q.sin()", "(p - q) * (p - q)"]);
                    let b = n * (x.bound + y.bound).powi(2);
                    (
                        format!(
                            "{}.iter().zip({}.iter()).map(|(p, q)| {f}).sum::<f64>()",
                            x.recv, y.name
                        ),
                        b,
                    )
                }
                None => (format!("{}.sum()", x.recv), n * x.bound),
            },
            (2, _) => match self.pick_var(|v| v.shape == s) {
                Some(y) => {
                    let yv = y.val();
                    let b = (x.bound + yv.bound).powi(2);
                    (format!("nn::mse({}, {})", x.operand, yv.operand), b)
                }
                None => (format!("nn::mean({})", x.operand), x.bound),
            },
            (3, Shape::Mat(_, c)) => (
                format!("nn::logsumexp({}).sum()", x.operand),
                n * (x.bound + (c as f64).ln()),
            ),
            // Of a vector, `logsumexp` is a zero-dimensional array.
            (3, Shape::Vec(_)) => (
                format!("nn::logsumexp({}).sum()", x.operand),
                x.bound + n.ln(),
            ),
            (4, Shape::Mat(r, c)) => {
                // Unsuffixed integer labels (`&[1, 0]`), which the macro types as `usize`.
                let labels: Vec<String> = (0..r).map(|_| self.rng.below(c).to_string()).collect();
                (
                    format!("nn::cross_entropy({}, &[{}])", x.operand, labels.join(", ")),
                    2.0 * x.bound + (c as f64).ln(),
                )
            }
            (5, _) => (
                format!("({0} * {0}).sum()", x.operand),
                n * x.bound * x.bound,
            ),
            // The inner product of two vectors.
            (6, Shape::Vec(_)) => match self.pick_var(|v| v.shape == s) {
                Some(y) => {
                    let yv = self.operand(&y, 1);
                    let b = n * x.bound * yv.bound;
                    (format!("{}.dot({})", x.recv, yv.operand), b)
                }
                None => (format!("{}.sum()", x.recv), n * x.bound),
            },
            _ => (format!("{}.sum()", x.recv), n * x.bound),
        };
        Val::compound(e, true, Shape::Scalar, b)
    }

    /// The returned expression: a sum of reductions of the last value bound, of the (up to
    /// three latest) other values bound but never used, so that their gradients are checked too,
    /// and sometimes of one more value.
    fn result(&mut self, last: Option<usize>) -> String {
        let mut terms = Vec::new();
        let mut picks: Vec<Var> = last.map(|i| self.vars[i].clone()).into_iter().collect();
        let unused: Vec<Var> = self
            .vars
            .iter()
            .enumerate()
            .filter(|&(i, v)| !v.used && !v.param && Some(i) != last)
            .map(|(_, v)| v.clone())
            .collect();
        picks.extend(unused.into_iter().rev().take(3));
        if self.rng.chance(0.3) {
            let v = self.vars[self.rng.below(self.vars.len())].clone();
            picks.push(v);
        }
        if picks.is_empty() {
            picks.push(self.vars[0].clone());
        }
        for v in picks {
            let x = v.val();
            terms.push(if v.shape.is_array() {
                self.reduction(&x).recv
            } else if self.rng.chance(0.5) {
                let l = self.literal();
                format!("{} * {l:?}", x.operand)
            } else {
                x.operand
            });
        }
        terms.join(" + ")
    }
}

impl Val {
    /// The expression for a `let` right-hand side.
    fn recv_or_expr(&self) -> String {
        let r = &self.recv;
        match r.strip_prefix('(').and_then(|s| s.strip_suffix(')')) {
            // `(&a + &b)` → `&a + &b` (a compound's own parentheses).
            Some(inner) if balanced(inner) => inner.to_string(),
            _ => r.clone(),
        }
    }
}

/// Whether the parentheses in `s` balance without going negative.
fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for ch in s.chars() {
        match ch {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// `x op y` with the result shape given.
fn binary(x: &Val, op: &str, y: &Val, shape: Shape) -> Val {
    let b = if op == "*" {
        x.bound * y.bound
    } else {
        x.bound + y.bound
    };
    Val::compound(format!("{} {op} {}", x.operand, y.operand), false, shape, b)
}

/// `exp` of `x`, or of `tanh(x)` if `x` may be large.
fn exp(x: Val) -> Val {
    if x.bound <= 3.0 {
        Val::compound(
            format!("nn::exp({})", x.operand),
            true,
            x.shape,
            x.bound.exp(),
        )
    } else {
        Val::compound(
            format!("nn::exp(&nn::tanh({}))", x.operand),
            true,
            x.shape,
            1f64.exp(),
        )
    }
}

/// `tanh` of `v` if its bound passed [`LIMIT`].
fn squash(v: Val) -> Val {
    if v.bound <= LIMIT {
        v
    } else if v.shape.is_array() {
        Val::compound(format!("nn::tanh({})", v.operand), true, v.shape, 1.0)
    } else {
        // A slice's reduction keeps its `: f64` (see `Gen::statement`).
        Val {
            ty: v.ty,
            ..Val::compound(format!("{}.tanh()", v.recv), true, v.shape, 1.0)
        }
    }
}

/// The file `tests/arrays.rs` includes: the seed, the functions and one case per function.
pub fn render(cfg: &Config, funcs: &[Function]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// Generated by difftest/build.rs from src/arrays.rs: {} functions, seed {:#x}.\n",
        funcs.len(),
        cfg.seed
    );
    let _ = writeln!(out, "const ARRAY_SEED: u64 = {:#x};\n", cfg.seed);
    for f in funcs {
        let _ = writeln!(out, "{}", f.source());
        out.push_str(&render_case(f));
    }
    out.push_str("const CASES: &[Case] = &[\n");
    for f in funcs {
        let _ = writeln!(
            out,
            "    Case {{ index: {}, source: r##\"{}\"##, run: case_{} }},",
            f.index,
            f.source(),
            f.name
        );
    }
    out.push_str("];\n");
    out
}

fn render_case(f: &Function) -> String {
    let name = &f.name;
    // The differentiated parameters: their gradients, and the point of the finite differences.
    let active: Vec<&(String, Shape)> = f
        .params
        .iter()
        .enumerate()
        .filter(|(i, _)| f.wrt.as_ref().is_none_or(|w| w.contains(i)))
        .map(|(_, p)| p)
        .collect();
    let names: Vec<&str> = active.iter().map(|(n, _)| n.as_str()).collect();
    let list = |prefix: &str| -> String {
        let v: Vec<String> = names.iter().map(|n| format!("{prefix}{n}")).collect();
        v.join(", ")
    };
    // A tuple pattern or expression (one element gets a trailing comma).
    let tuple = |v: Vec<String>| {
        if v.len() == 1 {
            format!("({},)", v[0])
        } else {
            format!("({})", v.join(", "))
        }
    };
    let args: Vec<String> = f
        .params
        .iter()
        .map(|(n, s)| {
            if s.is_array() {
                format!("&{n}")
            } else {
                n.clone()
            }
        })
        .collect();
    let args = args.join(", ");
    let mut s =
        format!("fn case_{name}() -> Vec<String> {{\n    let mut p = Problems::default();\n");
    for (i, (n, shape)) in f.params.iter().enumerate() {
        let seed = f.seed ^ (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let _ = if shape.is_array() {
            writeln!(
                s,
                "    let {n}: {} = input({seed:#x}, {});",
                shape.owned_type(),
                shape.shape_arg()
            )
        } else {
            writeln!(s, "    let {n}: f64 = scalar_input({seed:#x});")
        };
    }
    let _ = writeln!(s, "    let (value, {}) = {name}_grad({args});", list("g_"));
    let _ = writeln!(s, "    p.close(\"f's value\", &{name}({args}), &value);");
    // The closure binds the active parameters (by reference) and captures the others.
    let closure_args: Vec<String> = f
        .params
        .iter()
        .map(|p @ (n, sh)| match (active.contains(&p), sh.is_array()) {
            (true, true) | (false, false) => n.clone(),
            (true, false) => format!("*{n}"),
            (false, true) => format!("&{n}"),
        })
        .collect();
    let types = tuple(
        active
            .iter()
            .map(|(_, sh)| sh.owned_type().to_string())
            .collect(),
    );
    let _ = writeln!(
        s,
        "    p.gradient(value, &{names:?}, |{}: &{types}| {name}({}), &{}, &{});",
        tuple(names.iter().map(|n| n.to_string()).collect()),
        closure_args.join(", "),
        tuple(names.iter().map(|n| format!("{n}.clone()")).collect()),
        tuple(names.iter().map(|n| format!("g_{n}.clone()")).collect()),
    );
    let _ = writeln!(
        s,
        "    let (v_value, {}) = {name}_vjp({args}, 0.5);",
        list("h_")
    );
    let _ = writeln!(s, "    p.same(\"f_vjp's value\", &v_value, &value);");
    for n in &names {
        let _ = writeln!(s, "    p.half(\"{n}\", &h_{n}, &g_{n});");
    }
    let _ = writeln!(s, "    let (s_value, residuals) = {name}_fwd({args});");
    let bwd = if names.len() == 1 {
        format!("k_{}", names[0])
    } else {
        format!("({})", list("k_"))
    };
    let _ = writeln!(s, "    let {bwd} = {name}_bwd(residuals, 0.5);");
    let _ = writeln!(s, "    p.same(\"f_fwd's value\", &s_value, &value);");
    for n in &names {
        let _ = writeln!(s, "    p.same(\"f_bwd's {n}\", &k_{n}, &h_{n});");
    }
    s.push_str("    p.0\n}\n\n");
    s
}
