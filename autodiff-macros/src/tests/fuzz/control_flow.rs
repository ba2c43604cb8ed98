//! The fuzzer's grammar of control flow: random function items whose bodies nest `if` (statement
//! and expression, `else if`, without `else`), `match` (literals, ranges, `|`, `_`, a binding
//! last arm), `for` (ranges with `..`, `..=`, `.rev()`, `.step_by(k)`; elements with `iter`,
//! `&x`, `enumerate`, `zip`), `while`, `loop` with `break value`, labelled `break`/`continue` and
//! `return`, in statement and in expression position (`s = s * if c { continue } else { y };`),
//! over carried accumulators, shadowed names and loop indices.
//!
//! Most of what it writes is supported input; a fraction is deliberately odd or malformed: jumps
//! outside any loop, labels nobody declares, `break value` out of `for`/`while`, `while let`,
//! assignments and blocks in conditions, closures and items in loop bodies, unsupported
//! iterators (`map`, `windows`, open ranges), `loop`s that never `break`, empty bodies, bodies
//! that only jump, `if` without `else` as a value, match guards and binding patterns, local array
//! writes. The fuzzer then mutates some of these further at the token level.

use super::Rng;

/// A loop the statements being written are inside.
struct Frame {
    label: Option<String>,
    /// A `loop` used as a value: its `break`s carry one.
    value: bool,
}

struct Gen<'r> {
    rng: &'r mut Rng,
    out: String,
    /// Float names in scope, and which of them may be assigned.
    floats: Vec<(String, bool)>,
    /// Integer names in scope (loop indices, counters, parameters), and which may be assigned.
    ints: Vec<(String, bool)>,
    /// Float array and slice parameters and locals.
    arrays: Vec<String>,
    /// `bool` parameters.
    bools: Vec<String>,
    loops: Vec<Frame>,
    /// The counter fresh names and labels are numbered by.
    names: usize,
    /// Statement nesting depth left.
    depth: usize,
    /// The chance of each deliberate oddity.
    odd: f64,
    /// The float type (`f64`, `f32` or `T`).
    float: &'static str,
    /// The output type.
    output: &'static str,
}

/// A random function item with control flow, and the attribute arguments to expand it under.
pub(super) fn function(rng: &mut Rng) -> (String, String) {
    let odd = if rng.chance(0.5) {
        0.0
    } else {
        *rng.pick(&[0.02, 0.05, 0.15])
    };
    let depth = 1 + rng.below(3);
    let mut g = Gen {
        rng,
        out: String::new(),
        floats: Vec::new(),
        ints: Vec::new(),
        arrays: Vec::new(),
        bools: Vec::new(),
        loops: Vec::new(),
        names: 0,
        depth,
        odd,
        float: "f64",
        output: "f64",
    };
    let args = g.signature();
    g.out.push_str(" {\n");
    g.prelude();
    let n = 1 + g.rng.below(4);
    for _ in 0..n {
        g.statement();
    }
    g.tail();
    g.out.push_str("\n}");
    (args, g.out)
}

impl Gen<'_> {
    fn chance(&mut self, p: f64) -> bool {
        self.rng.chance(p)
    }

    fn odd(&mut self) -> bool {
        self.odd > 0.0 && self.rng.chance(self.odd)
    }

    fn fresh(&mut self, base: &str) -> String {
        self.names += 1;
        format!("{base}{}", self.names)
    }

    fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// The parameters, the output type and the attribute arguments.
    fn signature(&mut self) -> String {
        let (params, output, args): (&str, &str, &str) = match self.rng.below(9) {
            0 => ("x: f64, y: f64", "f64", ""),
            1 => ("x: &[f64], y: f64, n: usize", "f64", ""),
            2 => ("x: [f64; 3], y: &[f64; 3], n: i32, b: bool", "f64", ""),
            3 => ("x: f64, y: f64", "[f64; 2]", "wrt(x)"),
            4 => ("x: f32, y: f32, n: usize", "f32", ""),
            5 => ("mut x: f64, y: f64, b: bool", "(f64, f64)", ""),
            6 => ("x: &Vec<f64>, y: &[f64], n: usize", "f64", "wrt(y)"),
            7 => ("x: f64, y: f64, n: i64", "f64", "checkpoint"),
            _ => ("x: T, y: T, n: usize", "T", ""),
        };
        let generics = if output == "T" {
            self.float = "T";
            "<T: autodiff_runtime::Float>"
        } else {
            if params.contains("f32") {
                self.float = "f32";
            }
            ""
        };
        for param in params.split(", ") {
            let (name, ty) = param.split_once(": ").unwrap_or((param, ""));
            let name = name.trim_start_matches("mut ").to_string();
            let mutable = param.starts_with("mut ");
            match ty {
                "f64" | "f32" | "T" => self.floats.push((name, mutable)),
                "usize" | "i32" | "i64" => self.ints.push((name, false)),
                "bool" => self.bools.push(name),
                _ => self.arrays.push(name),
            }
        }
        self.out = format!("fn f{generics}({params}) -> {output}");
        self.output = output;
        args.to_string()
    }

    /// `let mut s = ..; let mut t = ..; let mut k = 0;` and sometimes a local array.
    fn prelude(&mut self) {
        for name in ["s", "t"] {
            let e = self.expr(1);
            self.push(&format!("let mut {name} = {e};\n"));
            self.floats.push((name.to_string(), true));
        }
        self.push("let mut k = 0;\n");
        self.ints.push(("k".into(), true));
        if self.odd() {
            // A local array (`[e; N]` is not supported yet).
            let e = self.literal();
            self.push(&format!("let mut a = [{e}; 3];\n"));
            self.arrays.push("a".into());
        }
    }

    /// The tail: the function's value, of its output type, sometimes through control flow.
    fn tail(&mut self) {
        let value = |g: &mut Self| match g.output {
            "[f64; 2]" => {
                let (a, b) = (g.expr(2), g.expr(2));
                format!("[{a}, {b}]")
            }
            "(f64, f64)" => {
                let (a, b) = (g.expr(2), g.expr(2));
                format!("({a}, {b})")
            }
            _ => g.expr(2),
        };
        let tail = match self.rng.below(6) {
            0 if self.output == "f64" || self.output == "f32" || self.output == "T" => {
                let c = self.cond(1);
                let (a, b) = (value(self), value(self));
                format!("if {c} {{ {a} }} else {{ {b} }}")
            }
            1 => {
                let v = value(self);
                format!("return {v};")
            }
            2 if self.odd() => String::new(),
            _ => value(self),
        };
        self.push(&tail);
    }

    // --------------------------------------------------------------------------------------------
    // Statements.
    // --------------------------------------------------------------------------------------------

    fn block(&mut self) -> String {
        let saved = std::mem::take(&mut self.out);
        let (floats, ints, arrays) = (self.floats.len(), self.ints.len(), self.arrays.len());
        self.push("{ ");
        if self.depth > 0 && !self.odd() {
            self.depth -= 1;
            let n = 1 + self.rng.below(2);
            for _ in 0..n {
                self.statement();
            }
            self.depth += 1;
        } else if self.chance(0.5) {
            self.assign();
        }
        self.push("}");
        self.floats.truncate(floats);
        self.ints.truncate(ints);
        self.arrays.truncate(arrays);
        std::mem::replace(&mut self.out, saved)
    }

    fn statement(&mut self) {
        if self.odd() {
            self.odd_statement();
            return;
        }
        let in_loop = !self.loops.is_empty();
        let weights = [
            30,
            8,
            if self.depth > 0 { 14 } else { 0 },
            if self.depth > 0 { 7 } else { 0 },
            if self.depth > 0 { 12 } else { 0 },
            if self.depth > 0 { 7 } else { 0 },
            if self.depth > 0 { 6 } else { 0 },
            if in_loop { 12 } else { 2 },
            3,
        ];
        match self.rng.weighted(&weights) {
            0 => self.assign(),
            1 => self.let_statement(),
            2 => self.if_statement(),
            3 => self.match_statement(),
            4 => self.for_loop(),
            5 => self.while_loop(),
            6 => self.loop_statement(),
            7 => {
                let j = self.jump();
                self.push(&format!("{j};\n"));
            }
            _ => {
                // An expression statement whose value is dropped, or (oddly) an empty one.
                let e = if self.odd() {
                    String::new()
                } else {
                    self.expr(2)
                };
                self.push(&format!("{e};\n"));
            }
        }
    }

    fn assign(&mut self) {
        let targets: Vec<String> = self
            .floats
            .iter()
            .filter(|(_, m)| *m)
            .map(|(n, _)| n.clone())
            .collect();
        if targets.is_empty() || self.chance(0.15) {
            let k = self.int_target();
            let op = *self.rng.pick(&["+=", "-=", "="]);
            let rhs = if op == "=" { "k + 1" } else { "1" };
            self.push(&format!("{k} {op} {rhs};\n"));
            return;
        }
        let v = self.rng.pick(&targets).clone();
        let op = *self.rng.pick(&["=", "=", "+=", "-=", "*=", "/="]);
        let e = if op == "/=" {
            let e = self.expr(2);
            format!("({e} * {e} + 1.0)")
        } else if self.chance(0.2) {
            // A value with control flow, and possibly a jump, in expression position.
            self.control_expr(2)
        } else {
            self.expr(3)
        };
        self.push(&format!("{v} {op} {e};\n"));
    }

    fn int_target(&mut self) -> String {
        let ints: Vec<String> = self
            .ints
            .iter()
            .filter(|(_, m)| *m)
            .map(|(n, _)| n.clone())
            .collect();
        if ints.is_empty() {
            "k".into()
        } else {
            self.rng.pick(&ints).clone()
        }
    }

    fn let_statement(&mut self) {
        match self.rng.below(5) {
            // Shadowing a carried name (mutable or not), then sometimes assigning it.
            0 => {
                let v = self.rng.pick(&["s", "t", "x"]).to_string();
                let e = self.expr(2);
                let m = self.chance(0.5);
                self.push(&format!("let {}{v} = {e};\n", if m { "mut " } else { "" }));
                self.floats.push((v, m));
            }
            // A tuple pattern.
            1 => {
                let (a, b) = (self.fresh("u"), self.fresh("u"));
                let (e1, e2) = (self.expr(2), self.expr(2));
                self.push(&format!("let ({a}, {b}) = ({e1}, {e2});\n"));
                self.floats.push((a, false));
                self.floats.push((b, false));
            }
            // A value through control flow.
            2 => {
                let u = self.fresh("u");
                let e = self.control_expr(2);
                let ty = if self.chance(0.3) {
                    format!(": {}", self.float)
                } else {
                    String::new()
                };
                self.push(&format!("let {u}{ty} = {e};\n"));
                self.floats.push((u, false));
            }
            // An integer.
            3 => {
                let u = self.fresh("j");
                let i = self.int_expr();
                self.push(&format!("let mut {u} = {i};\n"));
                self.ints.push((u, true));
            }
            _ => {
                let u = self.fresh("u");
                let e = self.expr(3);
                self.push(&format!("let mut {u} = {e};\n"));
                self.floats.push((u, true));
            }
        }
    }

    fn if_statement(&mut self) {
        let c = self.cond(2);
        let then = self.block();
        self.push(&format!("if {c} {then}"));
        let mut more = self.rng.below(3);
        while more > 0 && self.chance(0.5) {
            let c = self.cond(2);
            let b = self.block();
            self.push(&format!(" else if {c} {b}"));
            more -= 1;
        }
        if self.chance(0.6) {
            let b = self.block();
            self.push(&format!(" else {b}"));
        }
        self.push("\n");
    }

    /// The scrutinee and arms of a `match` on an integer or a `bool`.
    fn match_arms(&mut self, arm: &mut dyn FnMut(&mut Self) -> String) -> String {
        let on_bool = !self.bools.is_empty() && self.chance(0.25);
        let scrutinee = if on_bool {
            self.bools[0].clone()
        } else {
            self.int_leaf()
        };
        let mut arms = String::new();
        if on_bool {
            let (a, b) = (arm(self), arm(self));
            arms.push_str(&format!("true => {a}, false => {b},"));
        } else {
            let n = 1 + self.rng.below(4);
            for _ in 0..n {
                let pat = *self
                    .rng
                    .pick(&["0", "1 | 2", "3..=5", "-1", "6..", "10..=20 | 7"]);
                let a = arm(self);
                arms.push_str(&format!("{pat} => {a}, "));
            }
            let last = if self.chance(0.2) { "m" } else { "_" };
            let a = arm(self);
            arms.push_str(&format!("{last} => {a},"));
        }
        if self.odd() {
            // Guards, bindings before the last arm, or no arms at all.
            match self.rng.below(3) {
                0 => arms = arms.replacen(" =>", " if k > 0 =>", 1),
                1 => arms = format!("q => {{}}, {arms}"),
                _ => arms.clear(),
            }
        }
        format!("match {scrutinee} {{ {arms} }}")
    }

    fn match_statement(&mut self) {
        let m = self.match_arms(&mut |g| {
            if g.chance(0.3) {
                // A single statement-like expression arm: an assignment or a jump.
                if !g.loops.is_empty() && g.chance(0.5) {
                    g.jump()
                } else {
                    let t = g.assign_target();
                    let e = g.expr(2);
                    format!("{t} = {e}")
                }
            } else {
                g.block()
            }
        });
        self.push(&format!("{m}\n"));
    }

    fn assign_target(&mut self) -> String {
        let targets: Vec<String> = self
            .floats
            .iter()
            .filter(|(_, m)| *m)
            .map(|(n, _)| n.clone())
            .collect();
        if targets.is_empty() {
            "s".into()
        } else {
            self.rng.pick(&targets).clone()
        }
    }

    fn label(&mut self) -> Option<String> {
        self.chance(0.3).then(|| self.fresh("'l"))
    }

    fn labelled(label: &Option<String>) -> String {
        label.as_ref().map(|l| format!("{l}: ")).unwrap_or_default()
    }

    /// Runs `body` with a loop frame pushed.
    fn in_loop(&mut self, label: Option<String>, value: bool) -> String {
        self.loops.push(Frame { label, value });
        let b = self.block();
        self.loops.pop();
        b
    }

    fn for_loop(&mut self) {
        let label = self.label();
        let i = self.fresh("i");
        let (iter, pat, bound): (String, String, Vec<(String, bool)>) =
            if self.arrays.is_empty() || self.chance(0.5) {
                let (a, b) = (self.int_bound(), self.int_bound());
                let range = match self.rng.below(5) {
                    0 => format!("{a}..{b}"),
                    1 => format!("{a}..={b}"),
                    2 => format!("({a}..{b}).rev()"),
                    3 => {
                        let step = 1 + self.rng.below(3);
                        format!("({a}..{b}).step_by({step})")
                    }
                    _ => format!("0..{b}"),
                };
                let pat = if self.chance(0.15) {
                    "_".into()
                } else {
                    i.clone()
                };
                (range, pat, vec![(i, false)])
            } else {
                let x = self.rng.pick(&self.arrays).clone();
                let v = self.fresh("v");
                match self.rng.below(6) {
                    0 => (format!("{x}.iter()"), format!("&{v}"), vec![(v, true)]),
                    1 => (format!("&{x}"), format!("&{v}"), vec![(v, true)]),
                    2 => (
                        format!("{x}.iter().enumerate()"),
                        format!("({i}, &{v})"),
                        vec![(i, false), (v, true)],
                    ),
                    3 => {
                        let y = self.rng.pick(&self.arrays).clone();
                        let w = self.fresh("w");
                        (
                            format!("{x}.iter().zip({y}.iter())"),
                            format!("(&{v}, &{w})"),
                            vec![(v, true), (w, true)],
                        )
                    }
                    4 => (
                        format!("{x}.iter().rev()"),
                        format!("&{v}"),
                        vec![(v, true)],
                    ),
                    _ => (x, format!("&{v}"), vec![(v, true)]),
                }
            };
        let (floats, ints) = (self.floats.len(), self.ints.len());
        for (name, is_float) in bound {
            if is_float {
                self.floats.push((name, false));
            } else {
                self.ints.push((name, false));
            }
        }
        let l = Self::labelled(&label);
        let body = self.in_loop(label, false);
        self.floats.truncate(floats);
        self.ints.truncate(ints);
        self.push(&format!("{l}for {pat} in {iter} {body}\n"));
    }

    fn while_loop(&mut self) {
        let label = self.label();
        let l = Self::labelled(&label);
        // A counter keeps most of them finite; the condition is any condition.
        let c = self.cond(2);
        let counter = if self.chance(0.8) {
            let j = self.fresh("c");
            self.push(&format!("let mut {j} = 0;\n"));
            Some(j)
        } else {
            None
        };
        let body = self.in_loop(label, false);
        match counter {
            Some(j) => {
                let body = body.replacen("{ ", &format!("{{ {j} += 1; "), 1);
                self.push(&format!("{l}while {j} < 4 && {c} {body}\n"));
            }
            None => self.push(&format!("{l}while {c} {body}\n")),
        }
    }

    fn loop_statement(&mut self) {
        let label = self.label();
        let l = Self::labelled(&label);
        let value = self.chance(0.4);
        let body = self.in_loop(label.clone(), value);
        // Make sure it ends (almost always): a `break` at the end of the body.
        let end = if self.odd() {
            String::new()
        } else if value {
            let e = self.expr(2);
            format!("break {e}; ")
        } else {
            "break; ".into()
        };
        let body = format!("{}{end}}}", body.strip_suffix('}').unwrap_or(&body));
        if value {
            let u = self.fresh("u");
            self.push(&format!("let {u} = {l}loop {body};\n"));
            self.floats.push((u, false));
        } else {
            self.push(&format!("{l}loop {body}\n"));
        }
    }

    /// `break`, `continue` or `return`, to an enclosing loop (by label or not); oddly, to one
    /// that is not there, or with a value where none is taken.
    fn jump(&mut self) -> String {
        if self.odd() {
            let e = self.expr(1);
            return self
                .rng
                .pick(&[
                    "break".to_string(),
                    "continue".to_string(),
                    "break 'nowhere".to_string(),
                    "continue 'nowhere".to_string(),
                    format!("break {e}"),
                    "return".to_string(),
                    format!("return return {e}"),
                    format!("break 'nowhere {e}"),
                ])
                .clone();
        }
        if self.loops.is_empty() || self.chance(0.15) {
            let e = self.tail_value();
            return format!("return {e}");
        }
        // A loop at any depth: by its label (the innermost also without one); an outer loop
        // without a label gives an unlabelled jump, to the innermost.
        let at = self.rng.below(self.loops.len());
        let innermost = at + 1 == self.loops.len();
        let label = match &self.loops[at].label {
            Some(l) if !innermost || self.rng.chance(0.7) => Some(l.clone()),
            _ => None,
        };
        let target = if label.is_some() {
            &self.loops[at]
        } else {
            &self.loops[self.loops.len() - 1]
        };
        let value = target.value;
        let l = label.map(|l| format!(" {l}")).unwrap_or_default();
        if self.chance(0.35) {
            format!("continue{l}")
        } else if value {
            let e = self.expr(2);
            format!("break{l} {e}")
        } else {
            format!("break{l}")
        }
    }

    /// A value of the function's output type, for `return`.
    fn tail_value(&mut self) -> String {
        match self.output {
            "[f64; 2]" => {
                let (a, b) = (self.expr(1), self.expr(1));
                format!("[{a}, {b}]")
            }
            "(f64, f64)" => {
                let (a, b) = (self.expr(1), self.expr(1));
                format!("({a}, {b})")
            }
            _ => self.expr(2),
        }
    }

    fn odd_statement(&mut self) {
        let e = self.expr(1);
        let c = self.cond(1);
        let s = match self.rng.below(24) {
            0 => format!("let g = |z: {}| z * {e};\n", self.float),
            1 => format!("for i in 0..3 {{ let g = || {e}; s = g(); }}\n"),
            2 => "while let Some(z) = Some(s) { s = z; break; }\n".into(),
            3 => "for v in x.iter().map(|v| v * 2.0) { s += v; }\n".into(),
            4 => "for v in x.windows(2) { s += v[0]; }\n".into(),
            5 => "for i in 0.. { if i > 3 { break; } }\n".into(),
            6 => "loop { }\n".into(),
            7 => "loop { continue; }\n".into(),
            8 => "'outer: loop { loop { break 'outer; } }\n".into(),
            9 => format!("while {{ k += 1; k < 3 }} {{ s = s * {e}; }}\n"),
            10 => format!("while (k = k + 1) == () {{ s += {e}; }}\n"),
            11 => format!("let u = if {c} {{ {e} }};\n"),
            12 => format!("'b: {{ if {c} {{ break 'b; }} s = {e}; }}\n"),
            13 => "for i in 0..3 { }\n".into(),
            14 => "while false { }\n".into(),
            15 => format!("for i in 0..3 {{ fn g() {{ loop {{ break; }} }} s += {e}; }}\n"),
            16 => format!("a[k] = {e};\n"),
            17 => format!("for i in 0..3 {{ a[i] += {e}; }}\n"),
            18 => format!("let mut z = [0.0; 3]; for i in 0..3 {{ z[i] = {e}; }} s = z[1];\n"),
            19 => format!("match s {{ _ if {c} => {{}}, _ => {{}} }}\n"),
            20 => "while let 0 = k { k += 1; }\n".into(),
            21 => format!("for await v in x {{ s += {e}; }}\n"),
            22 => format!("if let Some(z) = Some({e}) {{ s = z; }}\n"),
            _ => format!("let v = for i in 0..3 {{ break {e}; }};\n"),
        };
        self.push(&s);
    }

    // --------------------------------------------------------------------------------------------
    // Expressions.
    // --------------------------------------------------------------------------------------------

    fn literal(&mut self) -> String {
        let lit = *self.rng.pick(&["0.5", "1.0", "2.0", "0.25", "3.0", "1.5"]);
        // Float literals do not type-check against a type parameter.
        if self.float == "T" && !self.odd() {
            "y".to_string()
        } else {
            lit.to_string()
        }
    }

    fn float_leaf(&mut self) -> String {
        let n = self.floats.len();
        match self.rng.below(6) {
            0 => self.literal(),
            1 if !self.arrays.is_empty() => {
                let a = self.rng.pick(&self.arrays).clone();
                let i = if self.chance(0.5) {
                    self.int_leaf()
                } else {
                    "0".into()
                };
                format!("{a}[{i}]")
            }
            2 if self.float == "f64" && !self.ints.is_empty() => {
                let i = self.int_leaf();
                format!("({i} as f64)")
            }
            _ if n > 0 => self.floats[self.rng.below(n)].0.clone(),
            _ => self.literal(),
        }
    }

    /// A float expression of depth at most `depth`.
    fn expr(&mut self, depth: usize) -> String {
        if depth == 0 || self.chance(0.3) {
            return self.float_leaf();
        }
        match self.rng.below(8) {
            0 | 1 => {
                let (a, b) = (self.expr(depth - 1), self.expr(depth - 1));
                let op = *self.rng.pick(&["+", "-", "*"]);
                format!("{a} {op} {b}")
            }
            2 => {
                let a = self.expr(depth - 1);
                format!("-{a}")
            }
            3 | 4 => {
                let a = self.expr(depth - 1);
                let (name, arity) = self.method();
                let args: Vec<String> = (0..arity).map(|_| self.expr(depth - 1)).collect();
                if name.ends_with(')') {
                    format!("({a}).{name}")
                } else {
                    format!("({a}).{name}({})", args.join(", "))
                }
            }
            5 if depth >= 2 && self.chance(0.5) => self.control_expr(depth - 1),
            6 => {
                let a = self.expr(depth - 1);
                format!("({a})")
            }
            _ => {
                let (a, b) = (self.expr(depth - 1), self.expr(depth - 1));
                format!("{a} / ({b} * {b} + 1.0)")
            }
        }
    }

    /// A float method of the table taking only floats after the receiver, and its arity.
    fn method(&mut self) -> (&'static str, usize) {
        if self.chance(0.1) {
            return ("powi(2)", 0);
        }
        use crate::primitives::{Arg, PRIMITIVES, Syntax};
        let rows: Vec<_> = PRIMITIVES
            .iter()
            .filter(|p| {
                matches!(p.syntax, Syntax::FloatMethod)
                    && p.args.iter().all(|a| matches!(a, Arg::Float))
                    && p.name != "len"
            })
            .collect();
        let p = rows[self.rng.below(rows.len())];
        (p.name, p.args.len())
    }

    /// A float value through control flow: an `if`/`match`/`loop` expression, sometimes with a
    /// jump in one of its arms.
    fn control_expr(&mut self, depth: usize) -> String {
        let arm = |g: &mut Self| -> String {
            if !g.loops.is_empty() && g.chance(0.15) {
                let j = g.jump();
                format!("{{ {j} }}")
            } else if g.chance(0.2) && g.depth > 0 {
                // A block arm with statements before its value.
                let saved = std::mem::take(&mut g.out);
                g.depth -= 1;
                g.statement();
                g.depth += 1;
                let stmts = std::mem::replace(&mut g.out, saved);
                let e = g.expr(depth.saturating_sub(1));
                format!("{{ {stmts}{e} }}")
            } else {
                let e = g.expr(depth.saturating_sub(1));
                format!("{{ {e} }}")
            }
        };
        match self.rng.below(4) {
            0 | 1 => {
                let c = self.cond(1);
                let (a, b) = (arm(self), arm(self));
                if self.chance(0.3) {
                    let c2 = self.cond(1);
                    let d = arm(self);
                    format!("if {c} {a} else if {c2} {d} else {b}")
                } else {
                    format!("if {c} {a} else {b}")
                }
            }
            2 => self.match_arms(&mut |g| arm(g)),
            _ => {
                let label = self.label();
                let l = Self::labelled(&label);
                self.loops.push(Frame { label, value: true });
                let pre = if self.chance(0.5) && self.depth > 0 {
                    let saved = std::mem::take(&mut self.out);
                    self.depth -= 1;
                    self.statement();
                    self.depth += 1;
                    std::mem::replace(&mut self.out, saved)
                } else {
                    String::new()
                };
                let e = self.expr(depth.saturating_sub(1));
                self.loops.pop();
                format!("{l}loop {{ {pre}break {e}; }}")
            }
        }
    }

    fn int_leaf(&mut self) -> String {
        let n = self.ints.len();
        if n == 0 || self.chance(0.2) {
            return self.rng.below(4).to_string();
        }
        self.ints[self.rng.below(n)].0.clone()
    }

    fn int_expr(&mut self) -> String {
        let a = self.int_leaf();
        match self.rng.below(4) {
            0 => format!("{a} + 1"),
            1 => format!("{a} * 2"),
            _ => a,
        }
    }

    /// A loop bound: a literal, a parameter, a counter or a length.
    fn int_bound(&mut self) -> String {
        match self.rng.below(5) {
            0 if !self.arrays.is_empty() => {
                let a = self.rng.pick(&self.arrays).clone();
                format!("{a}.len()")
            }
            1 => self.int_leaf(),
            _ => (1 + self.rng.below(4)).to_string(),
        }
    }

    /// A `bool` condition of depth at most `depth`.
    fn cond(&mut self, depth: usize) -> String {
        if self.odd() {
            let e = self.expr(1);
            return self
                .rng
                .pick(&[
                    e.clone(),
                    format!("{{ k += 1; {e} > 0.0 }}"),
                    format!("s = {e}"),
                    format!("let Some(z) = Some({e})"),
                    format!("if {e} > 0.0 {{ return {e}; }} else {{ true }}"),
                    "break".into(),
                    "continue".into(),
                    format!("{e} > 0.0 && {{ return {e} }}"),
                ])
                .clone();
        }
        if depth > 0 && self.chance(0.3) {
            let (a, b) = (self.cond(depth - 1), self.cond(depth - 1));
            return match self.rng.below(3) {
                0 => format!("{a} && {b}"),
                1 => format!("{a} || {b}"),
                _ => format!("!({a})"),
            };
        }
        match self.rng.below(5) {
            0 if !self.bools.is_empty() => self.bools[0].clone(),
            1 | 2 => {
                let (a, b) = (self.int_leaf(), self.int_leaf());
                let op = *self.rng.pick(&["<", "<=", "==", "!=", ">", ">="]);
                format!("{a} {op} {b}")
            }
            _ => {
                let (a, b) = (self.expr(1), self.expr(1));
                let op = *self.rng.pick(&["<", "<=", ">", ">="]);
                format!("{a} {op} {b}")
            }
        }
    }
}
