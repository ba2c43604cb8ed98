//! Randomized differential testing of `#[grad]`.
//!
//! [`generator`] writes random straight-line `#[grad]` functions with a dual-number twin of each;
//! `build.rs` runs it and `tests/generated.rs` checks every gradient of every function at several
//! points against forward-mode dual numbers (`num-dual`) and central differences.
//!
//! [`control`] writes random `#[grad]` functions with control flow (branches, loops, `match`,
//! `break`, `continue`, `return`), checked by `tests/control_flow.rs` in the same way.
//!
//! [`arrays`] does the same for ndarray programs (broadcasting, `dot` chains, `nn` functions,
//! and ndarray's own methods, `mapv`, views, slices, element reads and iterator sums), checked by
//! `tests/arrays.rs` against central differences. See `DEVELOPMENT.md` for the
//! commands.

pub mod arrays;
pub mod control;
pub mod generator;

#[cfg(test)]
mod tests {
    use crate::generator::{Config, generate, render};
    use autodiff_runtime::__private::primitives;

    fn config(seed: u64, count: usize) -> Config {
        Config {
            seed,
            count,
            ..Config::default()
        }
    }

    #[test]
    fn generation_is_deterministic() {
        let cfg = config(7, 60);
        let a = render(&cfg, &generate(&cfg), None);
        let b = render(&cfg, &generate(&cfg), None);
        assert_eq!(a, b);
        let other = config(8, 60);
        assert_ne!(a, render(&other, &generate(&other), None));
    }

    #[test]
    fn a_function_does_not_depend_on_the_count() {
        let few = generate(&config(3, 20));
        let many = generate(&config(3, 80));
        for (a, b) in few.iter().zip(&many) {
            assert_eq!(a.source(), b.source());
        }
    }

    #[test]
    fn array_generation_is_deterministic_and_per_function() {
        use crate::arrays;
        let cfg = |seed, count| arrays::Config {
            seed,
            count,
            ..arrays::Config::default()
        };
        let a = arrays::render(&cfg(7, 40), &arrays::generate(&cfg(7, 40)));
        assert_eq!(
            a,
            arrays::render(&cfg(7, 40), &arrays::generate(&cfg(7, 40)))
        );
        assert_ne!(
            a,
            arrays::render(&cfg(8, 40), &arrays::generate(&cfg(8, 40)))
        );
        let few = arrays::generate(&cfg(3, 10));
        for (x, y) in few.iter().zip(&arrays::generate(&cfg(3, 30))) {
            assert_eq!(x.source(), y.source());
        }
    }

    /// Every primitive and construct shows up in the default run's functions.
    #[test]
    fn the_default_run_covers_every_construct() {
        let funcs = generate(&Config::default());
        let all: String = funcs.iter().map(|f| f.source()).collect();
        // Every float method and scalar function of the macro's table.
        for m in primitives("float method") {
            assert!(
                all.contains(&format!(".{m}(")) && all.contains(&format!("f64::{m}(")),
                "{m} is never generated in both syntaxes"
            );
        }
        for f in primitives("scalar function") {
            assert!(
                all.contains(&format!("scalar::{f}(")),
                "scalar::{f} is never generated"
            );
        }
        for construct in [
            "let mut ",
            " += ",
            " -= ",
            " *= ",
            " /= ",
            "let (",
            ", _",
            "return ",
            "#[grad(wrt(",
            "checkpoint)]",
            ": [f64; ",
            ": &[f64; ",
            ": &[f64]",
            ": usize",
            "[i0]",
            " as f64)",
            "_f64",
            "C0",
            "S0",
            "std::f64::consts::PI",
            "-> [f64; ",
            "-> (f64, [f64; ",
            "let _",
            "r#",
            "t1",
            "bar_",
        ] {
            assert!(all.contains(construct), "{construct:?} is never generated");
        }
        let calls = funcs.iter().filter(|f| !f.callees.is_empty()).count();
        assert!(calls > 50, "only {calls} functions call others");
    }

    /// The scalar generator's lists of primitives are the macro's table's float methods and
    /// scalar functions (`powi` and `mul_add` have generators of their own): a new row fails
    /// here until the generator knows its domain.
    #[test]
    fn the_scalar_generator_picks_from_every_float_primitive() {
        use crate::generator::{BINARY, UNARY};
        let mut generated: Vec<&str> = UNARY.iter().chain(BINARY).copied().collect();
        generated.extend(["powi", "mul_add", "clamp"]);
        generated.sort_unstable();
        let mut table: Vec<&str> = primitives("float method")
            .chain(primitives("scalar function"))
            .collect();
        table.sort_unstable();
        assert_eq!(generated, table);
    }

    /// Every array method and `nn` function of the macro's table shows up in the default run
    /// of the ndarray generator.
    #[test]
    fn the_default_array_run_covers_every_array_primitive() {
        use crate::arrays;
        let all: String = arrays::generate(&arrays::Config::default())
            .iter()
            .map(|f| f.source())
            .collect();
        for m in primitives("array method") {
            assert!(
                all.contains(&format!(".{m}(")),
                ".{m}(..) is never generated"
            );
        }
        for f in primitives("nn function") {
            assert!(
                all.contains(&format!("nn::{f}(")),
                "nn::{f} is never generated"
            );
        }
        // ndarray's own forms (issue 13): elementwise float methods, `mapv`, views, slices,
        // element reads, constructors and iterator sums.
        for construct in [
            ".exp()",
            ".exp2()",
            ".ln()",
            ".log2()",
            ".log10()",
            ".sqrt()",
            ".sin()",
            ".cos()",
            ".tan()",
            ".abs()",
            ".recip()",
            ".powi(",
            ".powf(",
            ".cbrt()",
            ".mapv(|v| 1.0 / (1.0 + (-v).exp()))",
            ".mapv(f64::",
            ".mapv(|v| v * v + ",
            ".mean().unwrap()",
            ".mean_axis(Axis(",
            ".view().insert_axis(Axis(",
            ".to_owned().insert_axis(Axis(",
            ".view().reversed_axes()",
            ".slice(s![",
            "..;2",
            "..=",
            "]]",
            ".len() - 1]",
            "array![",
            "Array1::from_elem(",
            ".iter().map(|t| ",
            ".iter().zip(",
            ".sum::<f64>()",
            "let (rows",
        ] {
            assert!(all.contains(construct), "{construct:?} is never generated");
        }
    }

    fn control_config(seed: u64, count: usize) -> crate::control::Config {
        crate::control::Config {
            seed,
            count,
            ..crate::control::Config::default()
        }
    }

    #[test]
    fn control_flow_generation_is_deterministic_and_per_function() {
        use crate::control::{generate, render};
        let cfg = control_config(7, 30);
        let a = render(&cfg, &generate(&cfg), None);
        assert_eq!(a, render(&cfg, &generate(&cfg), None));
        let other = control_config(8, 30);
        assert_ne!(a, render(&other, &generate(&other), None));
        let few = generate(&control_config(3, 10));
        for (x, y) in few.iter().zip(&generate(&control_config(3, 30))) {
            assert_eq!(x.source(), y.source());
        }
    }

    /// The kinds of `for` loop the control-flow generator writes.
    const FORS: [&str; 7] = [
        "for range",
        "for ..=",
        "for rev",
        "for step_by",
        "for elements",
        "for enumerate",
        "for zip",
    ];

    /// The loops of the shapes whose reverse may run in the forward's order, and the near misses.
    const SHAPED: [&str; 4] = [
        "loop forwards",
        "loop with a sum read again",
        "loop reading at j - 1",
        "loop reading the stored array alike",
    ];

    /// Every construct of the control-flow generator shows up in its default run, most of the
    /// functions' test points take more than one path between them, and each function's
    /// test points reproduce the outputs the generator recorded.
    #[test]
    fn the_default_control_flow_run_covers_every_construct() {
        use crate::control::{Config, generate, run};
        let funcs = generate(&Config::default());
        let mut counts = std::collections::BTreeMap::new();
        for f in &funcs {
            for c in f.constructs() {
                *counts.entry(c).or_insert(0) += 1;
            }
        }
        for construct in [
            "if",
            "else",
            "else if",
            "if expression",
            "match bool",
            "match",
            "match expression",
            "nested loop",
            "label",
            "while",
            "loop",
            "let loop",
            "break",
            "break value",
            "break label",
            "break label value",
            "continue",
            "continue label",
            "return",
            "float threshold",
            "two intermediates",
            "integer condition",
            "&&",
            "||",
            "!",
            "call",
            "array call",
            "array assignment",
            "array repeat",
            "element write",
            "element update",
            "integer tally",
            "for counter",
        ]
        .into_iter()
        .chain(FORS)
        .chain(SHAPED)
        .chain(crate::control::NESTED_SHAPES)
        {
            assert!(
                counts.contains_key(construct),
                "{construct:?} is never generated: {counts:?}"
            );
        }
        // A fair share of the `for` loops have the shapes whose reverse may run forwards.
        let fors: usize = FORS.iter().map(|k| counts[k]).sum();
        let shaped: usize = SHAPED.iter().map(|k| counts[k]).sum();
        assert!(
            (fors / 10..=fors / 4).contains(&shaped),
            "{shaped} of {fors} `for` loops are shaped"
        );
        let all: String = funcs.iter().map(|f| f.source()).collect();
        for text in [
            "#[grad(wrt(",
            "checkpoint)]",
            ": [f64; ",
            ": &[f64; ",
            ": &[f64]",
            ": usize",
            "-> [f64; ",
            "-> (f64, [f64; ",
            ".len()",
            "N3",
            " % ",
            "..=",
            " | ",
            "for &",
            ".iter()",
        ] {
            assert!(all.contains(text), "{text:?} is never generated");
        }
        let several = funcs.iter().filter(|f| f.paths > 1).count();
        assert!(
            several * 2 > funcs.len(),
            "only {several} of {} functions take more than one path",
            funcs.len()
        );
        for f in &funcs {
            for (pt, expected) in f.points.iter().zip(&f.expected) {
                let out = run(&funcs, f, pt).expect("a test point runs cleanly");
                assert_eq!(&out, expected, "{}", f.source());
            }
        }
    }
}
