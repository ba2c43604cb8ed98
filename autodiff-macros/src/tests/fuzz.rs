//! A seeded mutation fuzzer for the expansion: random and mutated function items under random
//! attribute arguments, fed to [`expand_grad`] on `proc_macro2` tokens. For every input the
//! macro must not panic, must return within [`SLOW`], and must give tokens that parse as a Rust
//! file (`syn::parse2::<syn::File>`): code, or code and `compile_error!`s.
//!
//! Inputs come from four sources, mixed:
//! - seeds: hand-written items covering the supported subset and what lies just outside it;
//! - valid functions from the differential tester's generator (`difftest/src/generator.rs`,
//!   included by path), which must also expand without any error;
//! - functions from a grammar of control flow ([`control_flow`]): `if`, `match`, `for`, `while`,
//!   `loop`, labelled jumps and early returns, nested, in statement and expression position,
//!   mostly supported and sometimes deliberately odd;
//! - mutations of either: token deletions, insertions, duplications, swaps, replacements of
//!   identifiers, literals and punctuation, groups wrapped, unwrapped or re-delimited, crossover
//!   between inputs, and truncations, applied a few at a time, at any depth.
//!
//! The default run is short and deterministic ([`DEFAULT_INPUTS`] inputs from a fixed seed).
//! `FUZZ_SECONDS=1800 cargo test -p autodiff-macros --release fuzz -- --nocapture` runs for half
//! an hour instead (`FUZZ_SEED` picks the seed; otherwise it is drawn from the clock and
//! printed). A failing input is minimized and printed, ready to paste into [`REGRESSIONS`].

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proc_macro2::{Delimiter, Group, Punct, Spacing, TokenStream, TokenTree};

use crate::expand_grad;

#[allow(
    dead_code,
    reason = "the fuzzer uses the generator's source rendering only"
)]
#[path = "../../../difftest/src/generator.rs"]
mod generator;

mod control_flow;

/// Inputs in the default (short) run.
const DEFAULT_INPUTS: u64 = 1000;

/// The share of inputs that are fresh functions of the control-flow grammar.
const GRAMMAR_SHARE: f64 = 0.35;

/// An expansion slower than this is a failure.
const SLOW: Duration = Duration::from_secs(2);

/// No progress for this long is a hang.
const HANG: Duration = Duration::from_secs(30);

/// Inputs that once made the macro panic or emit unparseable code, minimized: `(args, item)`.
/// Each must now expand to code that parses.
const REGRESSIONS: &[(&str, &str)] = &[
    // An assignment unifies the variable's types; `x = [x]` (and `x + [x]`) made a type contain
    // itself, and inference recursed until the stack overflowed. Now never made.
    ("", "fn f(x: f64) -> f64 { let mut y = x; y = [y]; y[0] }"),
    ("", "fn f(x: f64) -> f64 { let y = x + [x]; y }"),
    (
        "",
        "fn f(x: [f64; 1]) -> f64 { let mut y = x; y = [y]; y[0][0] }",
    ),
    // A call through `Self::` became `use Self::sinh as ..` beside the caller, which does not
    // parse; now an error at the call.
    ("", "fn g(x: f64) -> f64 { Self::sinh(x) }"),
    // An index, an array literal or a call whose type (from the return type or a `let`
    // annotation) is an ndarray array reached `unreachable!` in the reverse rules; now an error
    // under the statement. The first is valid Rust when `g` is a `#[grad]` function returning
    // `Array1<f64>`.
    ("", "fn f(x: f64) -> Array1<f64> { g(x) }"),
    (
        "",
        "fn f(x: f64) -> f64 { let y: Array1<f64> = [x]; y.sum() }",
    ),
    ("", "fn f(x: [f64; 2]) -> Array1<f64> { x[0] }"),
    // A function named by a raw identifier: the residuals struct's name was built from the
    // name's text, `r#type` → `R#typeResiduals`, and `Ident::new` panicked on it. Valid Rust.
    ("", "fn r#type(x: f64) -> f64 { x }"),
    (
        "",
        "fn r#match (x : f64 , cam : [f64 ; 3]) -> [f64 ; 2] { }",
    ),
    // `self` bound by a `let` (rustc parses it, then reports E0424): naming.rs made it a raw
    // identifier, and `Ident::new_raw` panicked: "`r#self` cannot be a raw identifier".
    ("", "fn f(x: f64) -> f64 { let self = x; x }"),
    // An inner attribute in the body (valid Rust) is among the function's attributes in syn,
    // and the companions copied it: `#![allow(unused)] struct FResiduals {}` does not parse.
    ("", "fn f(x: f64) -> f64 { #![allow(unused)] x }"),
];

/// Inputs that still fail, with the bug they show: `(args, item, bug)`; run by the ignored test
/// [`known_failures`]. The fuzzer counts further inputs failing the same way without reporting
/// them again.
const KNOWN_FAILURES: &[(&str, &str, &str)] = &[
    // Found by the control-flow grammar (seed 1). An arm's `let` of a name the assignment's
    // target also has, whose value is an error (`x?`; in valid Rust, an unsupported method such
    // as `x.floor()` or a cast `x as i32`), leaves the name unbound in that arm;
    // `branch` then drops the name from the environment ("an arm failed to bind it after an
    // error"), and the assignment whose value was the `if`/`match` indexes the environment by
    // its target's name: "no entry found for key", lower/mod.rs (`self.env[&name]`), in the
    // `=` arm of `expr_statement` and in the compound-assignment arm.
    (
        "",
        "fn f(x: f64) -> f64 { let mut t = x; t = if true { let t = x?; x } else { x }; t }",
        "panic: an erroring `let` in an arm drops the assigned name (lower/mod.rs, `=`)",
    ),
    (
        "",
        "fn f(x: f64) -> f64 { let mut t = x; t += if true { let t = x?; x } else { x }; t }",
        "panic: an erroring `let` in an arm drops the assigned name (lower/mod.rs, `+=`)",
    ),
    (
        "",
        "fn f(x: f64) -> f64 { let mut t = x; t = match 0 { 0 => { let t = x?; x } _ => x }; t }",
        "panic: an erroring `let` in a match arm drops the assigned name (lower/mod.rs, `=`)",
    ),
    // Valid Rust: the user gets a panic instead of the error for `floor`.
    (
        "",
        "fn f(x: f64) -> f64 { let mut t = x; t = if x > 0.0 { let t = x.floor(); x } else { x }; t }",
        "panic: an erroring `let` in an arm drops the assigned name (valid Rust)",
    ),
    // The same through a loop: a name the body assigns after an erroring `let` is not bound at
    // the body's end, and `lower_loop` drops it from the environment.
    (
        "",
        "fn f(x: f64) -> f64 { let mut t = x; t += loop { let t = x?; t += 1.0; break x; }; t }",
        "panic: an erroring `let` in a loop body drops the assigned name (lower/mod.rs, `+=`)",
    ),
];

// ------------------------------------------------------------------------------------------------
// Seeds.
// ------------------------------------------------------------------------------------------------

const SEED_ITEMS: &[&str] = &[
    "fn f(x: f64, y: f64) -> f64 { let a = x * y; let b = a.sin(); a + b }",
    "pub fn f(x: f64, cam: &[f64; 3], n: usize) -> [f64; 2] { let (c, s) = (x.cos(), cam[n].sin()); let mut m = c * s; m += x.powi(2); return [m.atan2(cam[0]), -m / 2.0]; }",
    "fn f(x: f64) -> f64 { let mut m = x; m += 1.0; m -= x; m *= 2.0; m /= 3.0; m = m * m; m }",
    "fn f(r: f64, t: f64) -> (f64, [f64; 2]) { let (c, s) = (t.cos(), t.sin()); (r * r, [r * c, r * s]) }",
    "fn f(x: f64, y: f64) -> f64 { f64::sin(x) + f64::hypot(x, y) + f64::atan2(y, x) + f64::powf(x, y) + f64::powf(2.0, x) }",
    "fn f<T: autodiff_runtime::Float>(x: T, y: T) -> T { x.sin() * y }",
    "fn f(xs: &[f64], ys: &Vec<f64>, i: usize) -> f64 { let n = xs.len() as f64; (xs[0] * ys[i] + xs[xs.len() - 1]) / n }",
    "fn f(x: f32, y: f32) -> f32 { x.max(y) * x.mul_add(y, 1.0_f32) + std::f32::consts::PI }",
    "fn f(a: [f64; 3], b: &[f64; 2], i: usize) -> f64 { a[0] * b[i] + a[2] / b[0] + a[i] * a[i] }",
    "fn f(x: [f64; 2]) -> [f64; 4] { let mut v = [x[0], x[1]]; v = [v[1] * 2.0, v[0]]; [v[0], v[1], 1.0, v[0]] }",
    "fn f(x: f64, n: i32, flag: bool, count: usize) -> f64 { let k = n as f64; x.powi(n) * k + count as f64 }",
    "fn f(x: f64) -> f64 { let (_, q): (f64, f64) = (x.exp(), x * x); let (p, _) = (q * q, x.ln()); p }",
    "fn f(x: f64, y: f64) -> f64 { g(x, y) * h(&[x, y], x.sin()) + m::k(x) }",
    "fn f(x: &Array2<f64>, w: &Array2<f64>, b: &Array1<f64>) -> f64 { let h = nn::relu(&(x.dot(w) + b)); nn::mean(&h) }",
    "fn f(logits: &Array2<f64>, labels: &[usize]) -> f64 { nn::cross_entropy(&nn::log_softmax(logits), labels) }",
    "fn f(x: &Array2<f64>, g: &Array1<f64>, b: &Array1<f64>) -> Array2<f64> { nn::layer_norm(x, g, b, 1e-5) }",
    "fn f(x: &Array2<f64>) -> Array1<f64> { x.t().sum_axis(Axis(0)) * 2.0 - x.sum() }",
    "fn f(x: f64) -> f64 { if x > 0.0 { x } else { 0.0 } }",
    "fn f(x: f64) -> f64 { for i in 0..3 { } loop { break x; } }",
    "fn f(x: f64) -> f64 { let g = |y: f64| y * 2.0; g(x) }",
    "fn f(x: f64) -> f64 { println!(\"{}\", x); x }",
    "fn f(&self, x: f64) -> f64 { x }",
    "async unsafe extern \"C\" fn f<'a, T, const N: usize>(x: &'a mut [T; N]) -> impl Sized where T: Copy { *x }",
    "#[inline] #[doc = \"d\"] pub(crate) fn f(r#type: f64, _: f64, (a, b): (f64, f64)) -> f64 { r#type * a }",
    "fn f(x: f64, x_1: f64, bar_x: f64, t1: f64) -> f64 { let x = x * x_1; let t2 = x; bar_x * t1 * t2 }",
    "fn f(x: f64) -> f64 { let s = S { x }; s.x + x.y + x? + x.await }",
    "fn f(x: f64) -> f64 { let y: f64 = 1e308 * 1e308 * x; return y; }",
    "fn f() -> f64 { 1.0 }",
    "fn f(x: f64) {}",
    "struct S { x: f64 }",
    "impl S { fn f(x: f64) -> f64 { x } }",
    // Control flow: every construct, nested, and jumps in odd places.
    "fn f(x: f64, y: f64) -> f64 { let mut s = x; if x > 0.0 && !(y < 1.0) || y == 2.0 { s = s * y; } else if x < -1.0 { s += 1.0; } s }",
    "fn f(x: f64, n: i32, b: bool) -> f64 { let a = match n { 0 => x, 1 | 2 => 2.0 * x, 3..=5 => x * x, _ => 0.0 }; let c = match b { true => a, false => -a }; a + c }",
    "fn f(x: &[f64]) -> f64 { let mut s = 0.0; for i in 0..x.len() - 1 { s += (1.0 - x[i]).powi(2) + 100.0 * (x[i + 1] - x[i] * x[i]).powi(2); } s }",
    "fn f(x: &[f64], y: &[f64]) -> f64 { let mut s = 0.0; for (i, &v) in x.iter().enumerate().rev() { s += v * i as f64; } for (&a, &b) in x.iter().zip(y.iter()) { s += a * b; } for &v in x { s = s.max(v); } s }",
    "fn f(x: f64, n: usize) -> f64 { let mut s = x; for i in (0..n).rev() { s = s.sin() + x; } for i in (1..=n).step_by(2) { s *= x; } s }",
    "fn f(x: f64) -> f64 { let mut y = x; let mut k = 0; while y < 10.0 && k < 100 { y = y * 1.5 + 0.1; k += 1; } y }",
    "fn f(x: f64) -> f64 { let mut s = x; let v = 'outer: loop { for i in 0..4 { s = s * x; if s > 2.0 { break 'outer s; } if i == 1 { continue; } } break 0.0; }; v + s }",
    "fn f(x: f64) -> f64 { let mut s = x; 'a: for i in 0..3 { 'b: for j in 0..3 { if j > i { continue 'a; } if s > 9.0 { break 'a; } s = s * x; } } s }",
    "fn f(x: f64) -> f64 { let mut s = x; for i in 0..10 { s = s.cos(); if s < 0.1 { return s * 2.0; } } while s > 0.0 { s -= 1.0; if s < 0.5 { return s; } } s }",
    "fn f(x: f64) -> f64 { let mut s = x; for i in 0..4 { s = s * match i { 0 => continue, 3 => break, _ => x }; let t = if s > 1.0 { return s } else { s * 2.0 }; s = t; } s }",
    "fn f(x: f64) -> f64 { let mut s = x; for i in 0..3 { let mut s = 1.0; s += x; } if x > 0.0 { let s = 2.0; } s }",
    "fn f(x: f64) -> f64 { while let Some(y) = Some(x) { break; } for v in x.iter().map(|v| v) {} loop {} }",
    "fn f(x: f64) -> f64 { break; continue 'a; let y = if x > 0.0 { x }; let z = for i in 0..3 { break x; }; while { k = 1; true } {} x }",
];

const SEED_ARGS: &[&str] = &[
    "",
    "",
    "",
    "wrt(x)",
    "checkpoint",
    "wrt(x), checkpoint",
    "checkpoint, checkpoint",
    "checkpoint(x)",
    "checkpoint = true",
    "wrt(x, y)",
    "wrt(y, x)",
    "wrt()",
    "wrt",
    "wrt(x,)",
    "wrt(n)",
    "wrt(x) wrt(y)",
    "wrt(x), wrt(y)",
    "wrt(1)",
    "wrt = x",
    "wrt(x)(y)",
    "wrt(r#type)",
    "wrt(self)",
    "foo",
    "\"s\"",
];

/// Fragments inserted by mutation.
const FRAGMENTS: &[&str] = &[
    "let y = x;",
    "let mut m = 0.0;",
    "m += x;",
    "x.sin()",
    "f64::ln(x)",
    "x.powi(2)",
    "x.powf(y)",
    "[x, y]",
    "[x; 3]",
    "(x, y)",
    "a[0]",
    "a[i]",
    "&a",
    "&mut x",
    "*x",
    "|y| y",
    "if x > 0.0 { x } else { y }",
    "match x { _ => x }",
    "loop {}",
    "unsafe { x }",
    "vec![x]",
    "g(x)",
    "m::g(x, y)",
    "g::<f64>(x)",
    "x.sum_axis(Axis(1))",
    "nn::softmax(&x)",
    "x as f64",
    "1 as f64",
    "return x;",
    "return;",
    "x?",
    "x.await",
    "0..n",
    "-> f64",
    "-> [f64; 2]",
    "-> (f64, f64)",
    "<T: Float>",
    "<'a>",
    "where T: Copy",
    "#[inline]",
    "#![allow(unused)]",
    "'a",
    "::",
    "..=",
    "=>",
    "r#fn",
    "S { x }",
    "x.0",
    "std::f64::consts::PI",
    "x: f64,",
    "y: &[f64; 2],",
    "n: usize,",
    "if x > 0.0 { s = s * x; }",
    "if x > 0.0 && y < 1.0 || !b { x } else if y > 2.0 { y } else { 0.0 }",
    "match n { 0 => x, 1 | 2 => y, 3..=5 => x * y, _ => 0.0 }",
    "for i in 0..n { s += x[i]; }",
    "for i in (0..3).rev().step_by(2) { }",
    "for (i, &v) in x.iter().enumerate() { s += v; }",
    "for (&a, &b) in x.iter().zip(y.iter()) { s += a * b; }",
    "for &v in &x { s = s.max(v); }",
    "while s < 10.0 { s = s * 2.0; }",
    "while k < 3 { k += 1; }",
    "loop { if s > 1.0 { break s; } s = s * 2.0; }",
    "'outer: loop { loop { break 'outer; } }",
    "'a: for i in 0..3 { continue 'a; }",
    "break;",
    "break x;",
    "break 'a;",
    "break 'a x",
    "continue;",
    "continue 'a;",
    "return x",
    "if s > 1.0 { break } else { continue }",
    "let v = loop { break x; };",
    "let mut s = 0.0;",
    "let mut k = 0;",
    "while let Some(y) = x { }",
];

/// Identifiers to insert or replace with, besides the name of every primitive of the table
/// ([`pick_ident`]).
const IDENTS: &[&str] = &[
    "x",
    "y",
    "z",
    "a",
    "b",
    "f",
    "g",
    "i",
    "n",
    "m",
    "t1",
    "t2",
    "bar_x",
    "bar_out",
    "x_1",
    "out",
    "residuals",
    "f_grad",
    "f_vjp",
    "FResiduals",
    "__private",
    "autodiff_runtime",
    "core",
    "std",
    "f64",
    "f32",
    "usize",
    "i32",
    "bool",
    "str",
    "Self",
    "self",
    "super",
    "crate",
    "fn",
    "let",
    "mut",
    "pub",
    "return",
    "if",
    "else",
    "match",
    "loop",
    "while",
    "for",
    "in",
    "as",
    "ref",
    "move",
    "const",
    "static",
    "struct",
    "impl",
    "where",
    "dyn",
    "unsafe",
    "async",
    "await",
    "type",
    "use",
    "mod",
    "trait",
    "enum",
    "extern",
    "_",
    "Axis",
    "nn",
    "Array1",
    "Array2",
    "ArrayView2",
    "Vec",
    "Some",
    "None",
    "wrt",
    "grad",
    "custom_vjp",
    "r#type",
    "r#match",
    "r#fn",
    "é",
    "ツ",
    "break",
    "continue",
    "iter",
    "enumerate",
    "zip",
    "rev",
    "step_by",
    "s",
    "k",
    "true",
    "false",
];

const LITERALS: &[&str] = &[
    "0",
    "1",
    "2",
    "3usize",
    "0.0",
    "1.0",
    "0.5",
    "-1.0",
    "2.5f32",
    "3f64",
    "1.0_f64",
    "1e308",
    "1e-320",
    "1.0e400",
    "0x1F",
    "0b101",
    "1_000",
    "1u8",
    "18446744073709551616",
    "255u8",
    "\"s\"",
    "'c'",
    "b'a'",
    "b\"bytes\"",
    "r\"raw\"",
    "c\"cstr\"",
];

const PUNCTS: &[char] = &[
    '+', '-', '*', '/', '%', '^', '!', '&', '|', '=', '<', '>', '@', '.', ',', ';', ':', '#', '$',
    '?', '~', '\'',
];

// ------------------------------------------------------------------------------------------------
// A mutable token tree.
// ------------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Tok {
    Leaf(TokenTree),
    Group(Delimiter, Vec<Tok>),
}

fn to_toks(ts: TokenStream) -> Vec<Tok> {
    ts.into_iter()
        .map(|tt| match tt {
            TokenTree::Group(g) => Tok::Group(g.delimiter(), to_toks(g.stream())),
            other => Tok::Leaf(other),
        })
        .collect()
}

fn to_stream(toks: &[Tok]) -> TokenStream {
    toks.iter()
        .map(|t| match t {
            Tok::Leaf(tt) => tt.clone(),
            Tok::Group(d, inner) => TokenTree::Group(Group::new(*d, to_stream(inner))),
        })
        .collect()
}

fn parse_toks(s: &str) -> Vec<Tok> {
    to_toks(s.parse().unwrap_or_default())
}

fn count(toks: &[Tok]) -> usize {
    toks.iter()
        .map(|t| match t {
            Tok::Leaf(_) => 1,
            Tok::Group(_, inner) => 1 + count(inner),
        })
        .sum()
}

// The workspace's SplitMix64, with the fuzzer's two extra draws.
use testkit::SplitMix64 as Rng;

/// True with probability `p`, inclusive (`unit() <= p`), as the fuzzer has always drawn.
fn chance(rng: &mut Rng, p: f64) -> bool {
    rng.unit() <= p
}

fn pick_str(rng: &mut Rng, items: &[&'static str]) -> &'static str {
    items[rng.below(items.len())]
}

/// An identifier: one of [`IDENTS`] or a primitive's name, from the table.
fn pick_ident(rng: &mut Rng) -> &'static str {
    let primitives = crate::primitives::PRIMITIVES;
    let i = rng.below(IDENTS.len() + primitives.len());
    match IDENTS.get(i) {
        Some(ident) => ident,
        None => primitives[i - IDENTS.len()].name,
    }
}

/// Every sequence in the tree (the top level and each group's contents), as paths of child
/// indices.
fn sequences(toks: &[Tok], path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(path.clone());
    for (i, t) in toks.iter().enumerate() {
        if let Tok::Group(_, inner) = t {
            path.push(i);
            sequences(inner, path, out);
            path.pop();
        }
    }
}

fn seq_at<'a>(toks: &'a mut Vec<Tok>, path: &[usize]) -> &'a mut Vec<Tok> {
    match path.split_first() {
        None => toks,
        Some((&i, rest)) => match &mut toks[i] {
            Tok::Group(_, inner) => seq_at(inner, rest),
            Tok::Leaf(_) => unreachable!("paths lead through groups"),
        },
    }
}

fn delimiter(rng: &mut Rng) -> Delimiter {
    *rng.pick(&[
        Delimiter::Parenthesis,
        Delimiter::Bracket,
        Delimiter::Brace,
        Delimiter::None,
    ])
}

fn random_leaf(rng: &mut Rng) -> Vec<Tok> {
    match rng.below(4) {
        0 => parse_toks(pick_ident(rng)),
        1 => parse_toks(pick_str(rng, LITERALS)),
        2 => {
            let spacing = if chance(rng, 0.5) {
                Spacing::Joint
            } else {
                Spacing::Alone
            };
            vec![Tok::Leaf(TokenTree::Punct(Punct::new(
                *rng.pick(PUNCTS),
                spacing,
            )))]
        }
        _ => parse_toks(pick_str(rng, FRAGMENTS)),
    }
}

/// One random edit somewhere in `toks`; `donor` supplies crossover material.
fn mutate_once(rng: &mut Rng, toks: &mut Vec<Tok>, donor: &[Tok]) {
    let mut paths = Vec::new();
    sequences(toks, &mut Vec::new(), &mut paths);
    let path = rng.pick(&paths).clone();
    let seq = seq_at(toks, &path);
    let n = seq.len();
    let i = rng.below(n + 1).min(n);
    match rng.below(13) {
        // Delete one token or a short range.
        0 | 1 if n > 0 => {
            let i = i.min(n - 1);
            let j = (i + 1 + if chance(rng, 0.3) { rng.below(4) } else { 0 }).min(n);
            seq.drain(i..j);
        }
        // Insert a random token or fragment.
        2 | 3 => {
            let new = random_leaf(rng);
            seq.splice(i..i, new);
        }
        // Replace a token with one of the same kind (mostly).
        4 | 5 if n > 0 => {
            let i = i.min(n - 1);
            let new = match &seq[i] {
                Tok::Leaf(TokenTree::Ident(_)) if chance(rng, 0.7) => parse_toks(pick_ident(rng)),
                Tok::Leaf(TokenTree::Literal(_)) if chance(rng, 0.7) => {
                    parse_toks(pick_str(rng, LITERALS))
                }
                Tok::Leaf(TokenTree::Punct(p)) if chance(rng, 0.7) => {
                    vec![Tok::Leaf(TokenTree::Punct(Punct::new(
                        *rng.pick(PUNCTS),
                        p.spacing(),
                    )))]
                }
                _ => random_leaf(rng),
            };
            seq.splice(i..=i, new);
        }
        // Duplicate a token or range.
        6 if n > 0 => {
            let i = i.min(n - 1);
            let j = (i + 1 + rng.below(3)).min(n);
            let copy: Vec<Tok> = seq[i..j].to_vec();
            let at = rng.below(n + 1);
            seq.splice(at..at, copy);
        }
        // Swap two tokens.
        7 if n > 1 => {
            let a = rng.below(n);
            let b = rng.below(n);
            seq.swap(a, b);
        }
        // Wrap a range in a new group.
        8 if n > 0 => {
            let i = i.min(n - 1);
            let j = (i + 1 + rng.below(4)).min(n);
            let inner: Vec<Tok> = seq.drain(i..j).collect();
            seq.insert(i, Tok::Group(delimiter(rng), inner));
        }
        // Unwrap, re-delimit or empty a group.
        9 => {
            let groups: Vec<usize> = (0..n)
                .filter(|&k| matches!(seq[k], Tok::Group(..)))
                .collect();
            if groups.is_empty() {
                return;
            }
            let k = *rng.pick(&groups);
            let Tok::Group(d, inner) = seq[k].clone() else {
                unreachable!()
            };
            match rng.below(3) {
                0 => {
                    seq.splice(k..=k, inner);
                }
                1 => seq[k] = Tok::Group(delimiter(rng), inner),
                _ => seq[k] = Tok::Group(d, Vec::new()),
            }
        }
        // Crossover: splice a slice of another input in.
        10 if !donor.is_empty() => {
            let a = rng.below(donor.len());
            let b = (a + 1 + rng.below(8)).min(donor.len());
            seq.splice(i..i, donor[a..b].iter().cloned());
        }
        // Flip the spacing of a punctuation mark (`+=` against `+ =`, `->` against `- >`).
        11 if n > 0 => {
            let i = i.min(n - 1);
            if let Tok::Leaf(TokenTree::Punct(p)) = &seq[i] {
                let spacing = match p.spacing() {
                    Spacing::Joint => Spacing::Alone,
                    Spacing::Alone => Spacing::Joint,
                };
                seq[i] = Tok::Leaf(TokenTree::Punct(Punct::new(p.as_char(), spacing)));
            }
        }
        // Truncate.
        12 if n > 0 => seq.truncate(i),
        _ => {}
    }
}

fn mutate(rng: &mut Rng, toks: &mut Vec<Tok>, donor: &[Tok]) {
    let most = if chance(rng, 0.2) { 8 } else { 3 };
    let edits = 1 + rng.below(most);
    for _ in 0..edits {
        mutate_once(rng, toks, donor);
        if count(toks) > 4000 {
            break;
        }
    }
}

// ------------------------------------------------------------------------------------------------
// The oracle.
// ------------------------------------------------------------------------------------------------

/// What went wrong with one input.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Failure {
    Panic(String),
    Unparseable(String),
    Slow(u128),
    /// A valid generated function was rejected.
    Rejected(String),
}

impl Failure {
    /// What makes two failures the same bug, as far as the fuzzer can tell.
    fn key(&self) -> String {
        match self {
            Failure::Panic(m) => format!("panic: {m}"),
            // The parse error without the output it quotes.
            Failure::Unparseable(m) => {
                format!("unparseable: {}", m.split(": ").next().unwrap_or(m))
            }
            other => other.kind().to_string(),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Failure::Panic(_) => "panic",
            Failure::Unparseable(_) => "unparseable output",
            Failure::Slow(_) => "slow",
            Failure::Rejected(_) => "valid function rejected",
        }
    }
}

/// Where the fuzzer thread last panicked.
static LAST_PANIC: Mutex<String> = Mutex::new(String::new());

/// Expands `#[grad(args)] item`; `Ok(true)` if the output holds a `compile_error!`.
fn run(args: &[Tok], item: &[Tok]) -> Result<bool, Failure> {
    let (args, item) = (to_stream(args), to_stream(item));
    let start = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| expand_grad(args, item)));
    let elapsed = start.elapsed();
    let output = match result {
        Ok(output) => output,
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let location = LAST_PANIC
                .lock()
                .map(|mut l| std::mem::take(&mut *l))
                .unwrap_or_default();
            return Err(Failure::Panic(if location.is_empty() {
                message
            } else {
                format!("{message} (at {location})")
            }));
        }
    };
    if elapsed > SLOW {
        return Err(Failure::Slow(elapsed.as_millis()));
    }
    if let Err(e) = syn::parse2::<syn::File>(output.clone()) {
        return Err(Failure::Unparseable(format!("{e}: {output}")));
    }
    Ok(output.to_string().contains("compile_error"))
}

fn run_str(args: &str, item: &str) -> Result<bool, Failure> {
    run(&parse_toks(args), &parse_toks(item))
}

type Input = (Vec<Tok>, Vec<Tok>);

/// `input` with `change` applied to the sequence at `path` of its args (`which == 0`) or item;
/// `None` if the path no longer exists or the change does not apply.
fn edited(
    input: &Input,
    which: usize,
    path: &[usize],
    change: impl FnOnce(&mut Vec<Tok>) -> bool,
) -> Option<Input> {
    let mut candidate = input.clone();
    let toks = if which == 0 {
        &mut candidate.0
    } else {
        &mut candidate.1
    };
    let seq = seq_at_checked(toks, path)?;
    change(seq).then_some(candidate)
}

fn seq_len(input: &Input, which: usize, path: &[usize]) -> Option<usize> {
    let mut len = None;
    edited(input, which, path, |seq| {
        len = Some(seq.len());
        false
    });
    len
}

/// The smallest input that still fails the same way: deletes ranges of tokens (halves, then
/// quarters, down to single tokens) and unwraps groups, at every depth, until nothing more
/// can go.
fn minimize(args: &[Tok], item: &[Tok], kind: &str) -> Input {
    let fails = |c: &Input| matches!(run(&c.0, &c.1), Err(f) if f.kind() == kind);
    let mut best: Input = (args.to_vec(), item.to_vec());
    let mut budget = 20_000;
    loop {
        let mut improved = false;
        for which in 0..2 {
            let mut paths = Vec::new();
            let part = if which == 0 { &best.0 } else { &best.1 };
            sequences(part, &mut Vec::new(), &mut paths);
            for path in paths {
                let Some(len) = seq_len(&best, which, &path) else {
                    continue;
                };
                let mut size = (len / 2).max(1);
                loop {
                    let mut start = 0;
                    while let Some(len) = seq_len(&best, which, &path) {
                        if start >= len || budget == 0 {
                            break;
                        }
                        budget -= 1;
                        let end = (start + size).min(len);
                        match edited(&best, which, &path, |seq| {
                            seq.drain(start..end);
                            true
                        }) {
                            Some(c) if fails(&c) => {
                                best = c;
                                improved = true;
                            }
                            _ => start += size,
                        }
                    }
                    if size == 1 {
                        break;
                    }
                    size /= 2;
                }
                let len = seq_len(&best, which, &path).unwrap_or(0);
                for k in (0..len).rev() {
                    let candidate = edited(&best, which, &path, |seq| match seq.get(k) {
                        Some(Tok::Group(_, inner)) => {
                            let inner = inner.clone();
                            seq.splice(k..=k, inner);
                            true
                        }
                        _ => false,
                    });
                    if let Some(c) = candidate
                        && fails(&c)
                    {
                        best = c;
                        improved = true;
                    }
                }
            }
        }
        if !improved || budget == 0 {
            return best;
        }
    }
}

fn seq_at_checked<'a>(toks: &'a mut Vec<Tok>, path: &[usize]) -> Option<&'a mut Vec<Tok>> {
    match path.split_first() {
        None => Some(toks),
        Some((&i, rest)) => match toks.get_mut(i) {
            Some(Tok::Group(_, inner)) => seq_at_checked(inner, rest),
            _ => None,
        },
    }
}

// ------------------------------------------------------------------------------------------------
// The loop.
// ------------------------------------------------------------------------------------------------

#[derive(Default)]
struct Stats {
    inputs: u64,
    with_error: u64,
    item_parses: u64,
    generated_valid: u64,
    /// Inputs from the control-flow grammar; of those not mutated, how many, and how many
    /// expanded without a `compile_error!`.
    grammar: u64,
    grammar_unmutated: u64,
    grammar_clean: u64,
    failures: Vec<String>,
    /// Each distinct failure and how many inputs showed it.
    distinct: Vec<(String, u64)>,
}

/// Valid functions from the differential tester's generator.
fn generated_functions(seed: u64, count: usize) -> Vec<String> {
    let cfg = generator::Config {
        seed,
        count,
        calls: true,
        // Constructs that compile wrongly are still supported input: they must expand.
        known_bugs: true,
    };
    generator::generate(&cfg)
        .iter()
        .map(|f| f.source().replacen("#[grad]\n", "", 1))
        .collect()
}

/// Splits a rendered `#[grad(args)]\nfn ...` into `(args, item)`.
fn split_attribute(source: &str) -> (String, String) {
    match source.strip_prefix("#[grad(") {
        Some(rest) => {
            let end = rest.find(")]\n").expect("attribute end");
            (rest[..end].to_string(), rest[end + 3..].to_string())
        }
        None => (String::new(), source.to_string()),
    }
}

fn fuzz(seed: u64, budget: Budget, progress: &AtomicU64, current: &Mutex<String>) -> Stats {
    let mut rng = Rng::new(seed);
    let generated: Vec<(String, String)> = generated_functions(seed, 300)
        .iter()
        .map(|s| split_attribute(s))
        .collect();
    let seeds: Vec<(Vec<Tok>, Vec<Tok>)> = SEED_ITEMS
        .iter()
        .map(|item| (Vec::new(), parse_toks(item)))
        .chain(
            generated
                .iter()
                .map(|(a, i)| (parse_toks(a), parse_toks(i))),
        )
        .collect();
    let mut stats = Stats::default();
    // The failures of the known bugs, counted but not reported again.
    for (args, item, _) in KNOWN_FAILURES {
        if let Err(f) = run_str(args, item) {
            let key = format!("(known) {}", f.key());
            if !stats.distinct.iter().any(|(k, _)| *k == key) {
                stats.distinct.push((key, 0));
            }
        }
    }
    let start = Instant::now();
    while budget.more(stats.inputs, start) {
        let donor = &seeds[rng.below(seeds.len())].1;
        let mut unmutated_generated = false;
        let mut unmutated_grammar = false;
        let (mut args, mut item);
        if chance(&mut rng, GRAMMAR_SHARE) {
            // A fresh function of the control-flow grammar, as it is or mutated.
            let (a, i) = control_flow::function(&mut rng);
            (args, item) = (parse_toks(&a), parse_toks(&i));
            stats.grammar += 1;
            if chance(&mut rng, 0.5) {
                unmutated_grammar = true;
            } else {
                mutate(&mut rng, &mut item, donor);
                if chance(&mut rng, 0.1) {
                    args = parse_toks(pick_str(&mut rng, SEED_ARGS));
                }
            }
        } else {
            let which = rng.below(seeds.len());
            let (seed_args, seed_item) = &seeds[which];
            unmutated_generated = which >= SEED_ITEMS.len() && chance(&mut rng, 0.05);
            item = seed_item.clone();
            args = if unmutated_generated || chance(&mut rng, 0.7) {
                seed_args.clone()
            } else {
                parse_toks(pick_str(&mut rng, SEED_ARGS))
            };
            if !unmutated_generated {
                if chance(&mut rng, 0.9) {
                    mutate(&mut rng, &mut item, donor);
                }
                if chance(&mut rng, 0.15) {
                    mutate(&mut rng, &mut args, &item);
                }
            }
        }
        if let Ok(mut slot) = current.lock() {
            slot.clear();
            let _ = write!(slot, "#[grad({})] {}", to_stream(&args), to_stream(&item));
        }
        let result = run(&args, &item);
        stats.inputs += 1;
        progress.store(stats.inputs, Ordering::Relaxed);
        if syn::parse2::<syn::Item>(to_stream(&item)).is_ok() {
            stats.item_parses += 1;
        }
        let failure = match result {
            Ok(true) if unmutated_generated => Some(Failure::Rejected(format!(
                "{}",
                expand_grad(to_stream(&args), to_stream(&item))
            ))),
            Ok(with_error) => {
                stats.with_error += u64::from(with_error);
                stats.generated_valid += u64::from(unmutated_generated);
                stats.grammar_unmutated += u64::from(unmutated_grammar);
                stats.grammar_clean += u64::from(unmutated_grammar && !with_error);
                None
            }
            Err(f) => Some(f),
        };
        if let Some(failure) = failure {
            // One report per distinct failure (the panic message, the parse error), counted.
            let key = failure.key();
            if let Some(seen) = stats
                .distinct
                .iter_mut()
                .find(|(k, _)| *k == key || *k == format!("(known) {key}"))
            {
                seen.1 += 1;
                continue;
            }
            stats.distinct.push((key, 1));
            let (min_args, min_item) = minimize(&args, &item, failure.kind());
            let reproduces = matches!(
                run_str(&to_stream(&min_args).to_string(), &to_stream(&min_item).to_string()),
                Err(f) if f.kind() == failure.kind()
            );
            let report = format!(
                "{} (input {}, seed {seed:#x}):\n  minimized: (\"{}\", \"{}\"){}\n  original: #[grad({})] {}\n  detail: {}",
                failure.kind(),
                stats.inputs,
                to_stream(&min_args).to_string().escape_default(),
                to_stream(&min_item).to_string().escape_default(),
                if reproduces {
                    ""
                } else {
                    " (does not reproduce from its text)"
                },
                to_stream(&args),
                to_stream(&item),
                match &failure {
                    Failure::Panic(m) | Failure::Unparseable(m) | Failure::Rejected(m) => {
                        m.chars().take(600).collect::<String>()
                    }
                    Failure::Slow(ms) => format!("{ms} ms"),
                }
            );
            eprintln!("\nfuzz: {report}");
            stats.failures.push(report);
        }
    }
    stats
}

#[derive(Clone, Copy)]
enum Budget {
    Inputs(u64),
    Time(Duration),
}

impl Budget {
    fn more(self, inputs: u64, start: Instant) -> bool {
        match self {
            Budget::Inputs(n) => inputs < n,
            Budget::Time(d) => start.elapsed() < d,
        }
    }
}

/// Runs the fuzzer on a thread of its own and watches it for hangs.
fn fuzz_watched(seed: u64, budget: Budget) -> Stats {
    // The fuzzer's own thread panics on purpose (caught); keep those quiet, and every other
    // thread's panics as they were.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("fuzz") {
            if let (Some(location), Ok(mut last)) = (info.location(), LAST_PANIC.lock()) {
                *last = location.to_string();
            }
        } else {
            default_hook(info);
        }
    }));
    let progress = Arc::new(AtomicU64::new(0));
    let current = Arc::new(Mutex::new(String::new()));
    let done = Arc::new(AtomicBool::new(false));
    let handle = {
        let (progress, current, done) = (progress.clone(), current.clone(), done.clone());
        std::thread::Builder::new()
            .name("fuzz".into())
            .stack_size(64 << 20)
            .spawn(move || {
                let stats = fuzz(seed, budget, &progress, &current);
                done.store(true, Ordering::Relaxed);
                stats
            })
            .expect("spawn the fuzzer")
    };
    let mut last = (0, Instant::now());
    while !done.load(Ordering::Relaxed) && !handle.is_finished() {
        std::thread::sleep(Duration::from_millis(50));
        let now = progress.load(Ordering::Relaxed);
        if now != last.0 {
            last = (now, Instant::now());
        } else if last.1.elapsed() > HANG {
            let input = current.lock().map(|s| s.clone()).unwrap_or_default();
            panic!(
                "the expansion made no progress for {HANG:?} (seed {seed:#x}, input {}): {input}",
                now + 1
            );
        }
    }
    handle.join().expect("the fuzzer thread does not panic")
}

#[test]
fn fuzz_the_expansion() {
    let seconds: Option<u64> = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.trim().parse().ok());
    let seed: u64 = match std::env::var("FUZZ_SEED") {
        Ok(s) => {
            let s = s.trim();
            s.strip_prefix("0x")
                .map_or_else(|| s.parse(), |h| u64::from_str_radix(h, 16))
                .expect("FUZZ_SEED is a number")
        }
        Err(_) if seconds.is_some() => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
        Err(_) => 0x00f0_220f_0220,
    };
    let budget = match seconds {
        Some(s) => Budget::Time(Duration::from_secs(s)),
        None => Budget::Inputs(DEFAULT_INPUTS),
    };
    let start = Instant::now();
    let stats = fuzz_watched(seed, budget);
    println!(
        "fuzz: seed {seed:#x}: {} inputs in {:.1} s ({} items parse as Rust items, {} expansions with a compile_error!, {} unmutated generated functions expanded cleanly; {} from the control-flow grammar, of which {} unmutated, {} of those without a compile_error!); {} distinct failures",
        stats.inputs,
        start.elapsed().as_secs_f64(),
        stats.item_parses,
        stats.with_error,
        stats.generated_valid,
        stats.grammar,
        stats.grammar_unmutated,
        stats.grammar_clean,
        stats.failures.len()
    );
    for (key, hits) in &stats.distinct {
        println!("fuzz:   {hits} inputs: {key}");
    }
    assert!(
        stats.failures.is_empty(),
        "the fuzzer found {} failing inputs (seed {seed:#x}):\n\n{}",
        stats.failures.len(),
        stats.failures.join("\n\n")
    );
}

#[test]
fn regressions_expand_to_code_that_parses() {
    for (args, item) in REGRESSIONS {
        if let Err(f) = run_str(args, item) {
            panic!("#[grad({args})] {item}: {f:?}");
        }
    }
}

/// Regression cases for the bugs the fuzzer found that are not fixed yet: each fails until its
/// bug is fixed, then moves to [`REGRESSIONS`].
#[test]
#[ignore = "bug: the macro still fails on these inputs; see KNOWN_FAILURES"]
fn known_failures() {
    let mut failing = Vec::new();
    for (args, item, bug) in KNOWN_FAILURES {
        if let Err(f) = run_str(args, item) {
            failing.push(format!("{bug}: #[grad({args})] {item}: {f:?}"));
        }
    }
    assert!(failing.is_empty(), "{}", failing.join("\n"));
}

/// The generator's functions are all in the supported subset.
#[test]
fn generated_functions_expand_without_error() {
    for source in generated_functions(generator::DEFAULT_SEED, 60) {
        let (args, item) = split_attribute(&source);
        match run_str(&args, &item) {
            Ok(false) => {}
            other => panic!("#[grad({args})] {item}\n{other:?}"),
        }
    }
}

/// `FUZZ_ITEM='fn f(..) ..' [FUZZ_ARGS='wrt(x)'] cargo test -p autodiff-macros expand_one --
/// --nocapture` expands one input and prints what happened: for minimizing by hand.
#[test]
fn expand_one() {
    let Ok(item) = std::env::var("FUZZ_ITEM") else {
        return;
    };
    let args = std::env::var("FUZZ_ARGS").unwrap_or_default();
    for item in item.split("\n---\n") {
        let result = catch_unwind(|| run_str(&args, item));
        println!("#[grad({args})] {item}\n  => {result:?}");
    }
}

/// Functions of the control-flow grammar expand to code that parses, most without an error. With
/// `FUZZ_GRAMMAR_PRINT=1`, prints each with the first error it gets, if any: for checking what
/// share of the grammar is supported input.
#[test]
fn control_flow_grammar_expands() {
    let print = std::env::var_os("FUZZ_GRAMMAR_PRINT").is_some();
    let mut rng = Rng::new(0xc047_f10e);
    let (mut clean, mut total) = (0, 0);
    for _ in 0..100 {
        let (args, item) = control_flow::function(&mut rng);
        total += 1;
        match run_str(&args, &item) {
            Ok(false) => {
                clean += 1;
                if print {
                    println!("#[grad({args})] {item}\n  => ok\n");
                }
            }
            Ok(true) => {
                if print {
                    let output = expand_grad(
                        args.parse().unwrap_or_default(),
                        item.parse().unwrap_or_default(),
                    )
                    .to_string();
                    let error = output
                        .split("compile_error !")
                        .nth(1)
                        .map(|e| e.chars().take(200).collect::<String>())
                        .unwrap_or_default();
                    println!("#[grad({args})] {item}\n  => error {error}\n");
                }
            }
            Err(f) => panic!("#[grad({args})] {item}\n{f:?}"),
        }
    }
    if print {
        println!("{clean} of {total} expanded without an error");
    }
    // Most of the grammar is supported input, so that it reaches the pipeline past lowering
    // (about three quarters when this was written).
    assert!(
        clean * 5 >= total * 2,
        "only {clean} of {total} functions of the control-flow grammar expanded without an error"
    );
}
