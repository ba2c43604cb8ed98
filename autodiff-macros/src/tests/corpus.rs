//! The macro never panics: every input gives either code that parses as Rust or a
//! `compile_error!`.

use proc_macro2::TokenStream;

use crate::expand_grad;

/// Expands and checks the result parses as a file; returns whether it reported an error.
fn expands_without_panic(args: &str, item: &str) -> bool {
    let args: TokenStream = args.parse().unwrap_or_default();
    let item: TokenStream = match item.parse() {
        Ok(item) => item,
        Err(_) => return true,
    };
    let output = expand_grad(args, item);
    syn::parse2::<syn::File>(output.clone())
        .unwrap_or_else(|e| panic!("expansion does not parse ({e}):\n{output}"));
    output.to_string().contains("compile_error")
}

const ITEMS: &[&str] = &[
    "",
    "fn",
    "fn f",
    "fn f(",
    "fn f() {}",
    "fn f() -> f64 { 1.0 }",
    "fn f(x: f64) {}",
    "fn f(x: f64) -> f64 {}",
    "fn f(x: f64) -> f64 { x }",
    "fn f(x: f64) -> f64 { 2.0 }",
    "fn f(x: f64) -> f64 { let y = x; }",
    "fn f(x: f64) -> f64 { return; }",
    "fn f(x: f64) -> f64 { return x; }",
    "fn f(x: f64) -> f64 { return x }",
    "fn f(x: f64) -> f64 { let y; y }",
    "fn f(x: f64) -> f64 { let Some(y) = Some(x) else { panic!() }; y }",
    "fn f(x: f64) -> f64 { let [a, b] = [x, x]; a }",
    "fn f(x: f64) -> f64 { let (a, b) = x; a }",
    "fn f(x: f64) -> f64 { let (a, b) = (x, x, x); a }",
    "fn f(x: f64) -> f64 { let (a, _) = (x, x.ln()); a }",
    "fn f(x: f64) -> f64 { let (a, b): f64 = (x, x); a }",
    "fn f(x: f64) -> f64 { let (a, b): (f64, f64) = (x, x); a * b }",
    "fn f(x: f64) -> f64 { let (a, (b, c)) = (x, (x, x)); a }",
    "fn f(x: f64) -> f64 { let _ = x.sin(); x }",
    "fn f(x: f64) -> f64 { x.sin(); x }",
    "fn f(x: f64) -> f64 { y = x; x }",
    "fn f(x: f64) -> f64 { x = 2.0; x }",
    "fn f(x: f64) -> f64 { x[0] = 2.0; x }",
    "fn f(x: f64) -> f64 { (x += 1.0) ; x }",
    "fn f(x: f64) -> f64 { let a = (x += 1.0); x }",
    "fn f(x: f64) -> f64 { x % 2.0 }",
    "fn f(x: f64) -> f64 { x << 2 }",
    "fn f(x: f64) -> f64 { !x }",
    "fn f(x: f64) -> f64 { -(-(-x)) }",
    "fn f(x: f64) -> f64 { --x }",
    "fn f(x: f64) -> f64 { *x }",
    "fn f(x: f64) -> f64 { &x }",
    "fn f(x: f64) -> f64 { &mut x }",
    "fn f(x: f64) -> f64 { x.foo() }",
    "fn f(x: f64) -> f64 { x.sin(1.0) }",
    "fn f(x: f64) -> f64 { x.powi(x) }",
    "fn f(x: f64) -> f64 { x.powi(2) }",
    "fn f(x: f64) -> f64 { x.powf() }",
    "fn f(x: f64) -> f64 { x.sin::<f64>() }",
    "fn f(x: f64) -> f64 { f64::sin(x) }",
    "fn f(x: f64) -> f64 { f64::max(x) }",
    "fn f(x: f64) -> f64 { f64::sin() }",
    "fn f(x: f64) -> f64 { helper(x) }",
    "fn f(x: f64) -> f64 { a::b::helper(x) }",
    "fn f(x: f64) -> f64 { (x)(x) }",
    "fn f(x: f64) -> f64 { x.len() as f64 }",
    "fn f(x: f64) -> f64 { x as f32 as f64 }",
    "fn f(x: f64) -> f64 { 2 as f64 * x }",
    "fn f(x: f64) -> f64 { x[x] }",
    "fn f(x: f64) -> f64 { x[0][1] }",
    "fn f(x: f64) -> f64 { [x, x][1] }",
    "fn f(x: f64) -> f64 { [x; 3][0] }",
    "fn f(x: f64) -> f64 { (x, x) }",
    "fn f(x: f64) -> f64 { if x > 0.0 { x } else { 0.0 } }",
    "fn f(x: f64) -> f64 { match x { _ => x } }",
    "fn f(x: f64) -> f64 { for i in 0..3 {} x }",
    "fn f(x: f64) -> f64 { while true {} x }",
    "fn f(x: f64) -> f64 { loop {} }",
    "fn f(x: f64) -> f64 { (|y| y)(x) }",
    "fn f(x: f64) -> f64 { println!(\"hi\"); x }",
    "fn f(x: f64) -> f64 { vec![x][0] }",
    "fn f(x: f64) -> f64 { { x } }",
    "fn f(x: f64) -> f64 { unsafe { x } }",
    "fn f(x: f64) -> f64 { x.y }",
    "fn f(x: f64) -> f64 { x? }",
    "fn f(x: f64) -> f64 { x.await }",
    "fn f(x: f64) -> f64 { S { x } }",
    "fn f(x: f64) -> f64 { 0..1 }",
    "fn f(x: f64) -> f64 { \"s\" }",
    "fn f(x: f64) -> f64 { true }",
    "fn f(x: f64) -> f64 { 'c' }",
    "fn f(x: f64) -> f64 { fn g() {} x }",
    "fn f(x: f64) -> f64 { return x; x }",
    "fn f(x: f64) -> f64 { let y = x; return y; }",
    "fn f(x: f64) -> f64 { if true { return x; } x }",
    "fn f(x: f64) -> f64 { let x = x; let x = x; let x = x; x }",
    "fn f(x: f64, x_1: f64, bar_x: f64, t1: f64, bar_x_1: f64) -> f64 { let x = x * x_1; x * bar_x * t1 * bar_x_1 }",
    "fn f(x: f64) -> f64 { let r#type = x; r#type }",
    "fn f(r#fn: f64) -> f64 { r#fn * 2.0 }",
    "fn f(_: f64) -> f64 { 1.0 }",
    "fn f((a, b): (f64, f64)) -> f64 { a }",
    "fn f(ref x: f64) -> f64 { x }",
    "fn f(mut x: f64) -> f64 { x += 1.0; x }",
    "fn f(x: &mut f64) -> f64 { *x }",
    "fn f(x: &f64) -> f64 { *x * 2.0 }",
    "fn f(self) -> f64 { 1.0 }",
    "fn f(&self, x: f64) -> f64 { x }",
    "async fn f(x: f64) -> f64 { x }",
    "const fn f(x: f64) -> f64 { x }",
    "unsafe fn f(x: f64) -> f64 { x }",
    "extern \"C\" fn f(x: f64) -> f64 { x }",
    "fn f(x: f64, ...) -> f64 { x }",
    "fn f(n: usize) -> f64 { 1.0 }",
    "fn f(b: bool, s: &str) -> f64 { 1.0 }",
    "fn f(x: f64) -> usize { 1 }",
    "fn f(x: f64) -> &f64 { &x }",
    "fn f(x: f64) -> (f64, f64) { (x, x) }",
    "fn f(x: f64) -> Vec<f64> { x }",
    "fn f(x: f64) -> impl Sized { x }",
    "fn f(x: [f64; 2]) -> [f64; 2] { x }",
    "fn f(x: &[f64; 2]) -> [f64; 2] { *x }",
    "fn f(x: &[f64]) -> f64 { x[0] }",
    "fn f(x: Vec<f64>) -> f64 { x[0] }",
    "fn f(x: &Vec<f64>) -> f64 { x[1] * x[0] }",
    "fn f(x: [[f64; 2]; 2]) -> f64 { x[0][1] }",
    "fn f<T>(x: T) -> T { x }",
    "fn f<T: Float>(x: T, y: T) -> T { x * y.sin() }",
    "fn f<'a>(x: &'a [f64]) -> f64 { x[0] * x[1] }",
    "fn f<const N: usize>(x: [f64; N]) -> f64 { x[0] * x[1] }",
    "fn f<T>(x: T) -> T where T: Copy { x }",
    "pub(crate) fn f(x: f64) -> f64 { x }",
    "#[inline] fn f(x: f64) -> f64 { x }",
    "/// doc\nfn f(x: f64) -> f64 { x }",
    "struct S;",
    "impl S {}",
    "mod m {}",
    "trait T { fn f(x: f64) -> f64; }",
    "fn f(x: f64) -> f64;",
    "const X: f64 = 1.0;",
    "let x = 1;",
    "x + y",
    "fn f(x: f64) -> f64 { x } fn g() {}",
    "fn f(x: f64) -> f64 { 1e308 * 1e308 * x }",
    "fn f(x: f64) -> f64 { 1_f32 as f64 * x }",
    "fn f(x: f64) -> f64 { 0x10 as f64 * x }",
    "fn f(x: f64) -> f64 { let c = 2.0; let d = c; x * d }",
    "fn f(x: f64) -> f64 { let c = C; x * c }",
    "fn f(x: f64) -> f64 { let c = 2; x.powi(c) }",
    "fn f(x: &Array2<f64>, w: &Array2<f64>) -> f64 { x.dot(w).sum() }",
    "fn f(x: Array2<f64>, w: ArrayView2<f64>) -> f64 { (x.dot(&w) * 2.0).sum() }",
    "fn f(x: &Array2<f64>) -> Array2<f64> { nn::relu(x) }",
    "fn f(x: &Array2<f64>) -> Array2<f64> { x.t() }",
    "fn f(x: &ArrayD<f64>) -> f64 { x.sum() }",
    "fn f(x: &Array<f64, Ix3>) -> f64 { x.sum_axis(Axis(0)).sum() }",
    "fn f(x: &Array2<f64>) -> f64 { x.sum_axis(x) .sum() }",
    "fn f(x: &Array2<f64>) -> f64 { x.foo() }",
    "fn f(x: &Array2<f64>) -> f64 { x.sin() }",
    "fn f(x: &Array2<f64>) -> f64 { nn::nope(x) }",
    "fn f(x: &Array2<f64>) -> f64 { nn::cross_entropy(x) }",
    "fn f(x: &Array2<f64>, l: &[usize]) -> f64 { nn::cross_entropy(x, x) }",
    "fn f(x: &Array2<f64>, l: &[usize]) -> f64 { nn::cross_entropy(x, l) }",
    "fn f(x: &Array2<f64>, g: &Array1<f64>) -> f64 { nn::layer_norm(x, g, g, 1e-5).sum() }",
    "fn f(x: &Array2<f64>, e: f64) -> f64 { nn::layer_norm(x, x, x, e).sum() }",
    "fn f(x: &Array1<f64>, y: &Array1<f64>) -> f64 { x.dot(y) }",
    "fn f(x: &Array1<f64>) -> f64 { x[0] }",
    "fn f(x: &Array1<f64>, s: f64) -> f64 { (s * x + s / x - x / s).sum() }",
    "fn f(x: &Array1<f64>) -> &Array1<f64> { x }",
];

const ARGS: &[&str] = &[
    "",
    "wrt(x)",
    "wrt()",
    "wrt(y)",
    "wrt(n)",
    "wrt(x, x)",
    "wrt",
    "wrt = x",
    "wrt(x) wrt(x)",
    "wrt(x), wrt(x)",
    "wrt(1)",
    "with(x)",
    "x",
    "\"s\"",
    "wrt(x,)",
    "wrt(x)(y)",
];

#[test]
fn every_input_gives_code_or_compile_error() {
    for item in ITEMS {
        for args in ARGS {
            let result = std::panic::catch_unwind(|| expands_without_panic(args, item));
            assert!(
                result.is_ok(),
                "the macro panicked on #[grad({args})] {item}"
            );
        }
    }
}

#[test]
fn supported_inputs_give_no_error() {
    for item in [
        "fn f(x: f64) -> f64 { x }",
        "fn f(x: f64, y: f64) -> f64 { let a = x * y; let b = a.sin(); a + b }",
        "fn f(x: &[f64]) -> f64 { x[0] * x[1] }",
        "fn f(x: f64) -> f64 { let c = 2; x.powi(c) }",
    ] {
        assert!(
            !expands_without_panic("", item),
            "unexpected error for {item}"
        );
    }
}

/// Truncations of a valid function at every token: malformed inputs of every shape.
#[test]
fn every_truncation_of_a_valid_function() {
    let source = "pub fn f(x: f64, cam: &[f64; 3], n: usize) -> [f64; 2] { \
                  let (c, s) = (x.cos(), cam[n].sin()); let mut m = c * s; m += x.powi(2); \
                  return [m.atan2(cam[0]), -m / 2.0]; }";
    let tokens: Vec<proc_macro2::TokenTree> =
        source.parse::<TokenStream>().unwrap().into_iter().collect();
    for end in 0..=tokens.len() {
        let item: TokenStream = tokens[..end].iter().cloned().collect();
        let text = item.to_string();
        let result = std::panic::catch_unwind(|| expands_without_panic("", &text));
        assert!(
            result.is_ok(),
            "the macro panicked on the truncation {text}"
        );
    }
}
