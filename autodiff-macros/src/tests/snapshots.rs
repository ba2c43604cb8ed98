//! Expansion snapshots: every change to the generated code shows in review.
//! Regenerate with `cargo insta test --accept -p autodiff-macros` (or `INSTA_UPDATE=always`).

use quote::ToTokens;

use super::expand;

/// The network of the digits example (`src/mlp.rs`), whose `loss` the JAX reference test
/// (`tests/nn_reference.rs`, through `tests/fixtures`) checks too.
const FIXTURES: &str = include_str!("../../../src/mlp.rs");

/// The fixture function `name`, as the arguments of its `#[grad(..)]` and its item without
/// attributes, ready for [`expand`].
fn fixture(name: &str) -> (String, String) {
    let file = syn::parse_file(FIXTURES).expect("src/mlp.rs parses");
    let mut item = file
        .items
        .into_iter()
        .find_map(|item| match item {
            syn::Item::Fn(f) if f.sig.ident == name => Some(f),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no function `{name}` in src/mlp.rs"));
    let args = item
        .attrs
        .iter()
        .find(|a| a.path().is_ident("grad"))
        .map(|a| match &a.meta {
            syn::Meta::List(list) => list.tokens.to_string(),
            _ => String::new(),
        })
        .unwrap_or_else(|| panic!("fixture `{name}` has no #[grad]"));
    item.attrs.clear();
    (args, item.into_token_stream().to_string())
}

macro_rules! snapshot {
    ($name:ident, $args:literal, $($item:tt)*) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(expand($args, stringify!($($item)*)));
        }
    };
}

snapshot!(
    seed_example,
    "",
    pub fn f(x: f64, y: f64) -> f64 {
        let a = x * y;
        let b = a.sin();
        a + b
    }
);

snapshot!(
    square_of_affine,
    "",
    fn l(a: f64, b: f64, c: f64) -> f64 {
        let y = a * b + c;
        y * y
    }
);

snapshot!(
    shadowing_and_reassignment,
    "",
    fn g(x: f64, y: f64) -> f64 {
        let a = x * y;
        let a = a.exp();
        let (c, s) = (a.cos(), y.sin());
        let mut m = c;
        m += s;
        m *= x;
        return m / y;
    }
);

snapshot!(
    arrays_with_wrt,
    "wrt(cam)",
    fn project(cam: &[f64; 3], x: [f64; 2], i: usize) -> [f64; 2] {
        let u = cam[0] * x[0] + cam[i];
        [u.atan2(x[1]), cam[2] - u]
    }
);

snapshot!(
    slice_and_constants,
    "",
    pub(crate) fn mean_sq(xs: &[f64], n: usize) -> f64 {
        let k = n as f64;
        let s = xs[0] * xs[0] + xs[1] * xs[1];
        s / k
    }
);

snapshot!(
    generated_names_avoid_user_names,
    "",
    fn h(x: f64, bar_x: f64, t1: f64) -> f64 {
        let x_1 = x * bar_x;
        let x = x_1 + t1 * x;
        x * 2.0
    }
);

snapshot!(
    error_keeps_original_and_stubs,
    "",
    fn bad(x: f64) -> f64 {
        let square = (|y: f64| y * y)(x);
        square
    }
);

// The MLP of the README, shared with `tests/nn_reference.rs` (the fixture `loss`).
#[test]
fn mlp_loss() {
    let (args, item) = fixture("loss");
    insta::assert_snapshot!(expand(&args, &item));
}

snapshot!(
    array_output,
    "",
    fn layer(x: &Array2<f64>, w: &Array2<f64>, b: &Array1<f64>) -> Array2<f64> {
        let z = x.dot(w) + b;
        nn::tanh(&z) * 2.0
    }
);

snapshot!(
    caller_of_grad_functions,
    "",
    fn objective(cam: &[f64; 3], x: &[f64; 3], w: f64) -> f64 {
        let e = camera::project(cam, x);
        w * (e[0] * e[0] + e[1] * e[1]) + sq(w)
    }
);

// Array arguments and an array output: `b` is made in the forward half, so the reverse half runs
// `weighted`'s forward again on the kept `b` instead of keeping residuals that borrow it.
snapshot!(
    caller_of_array_functions,
    "",
    fn two_layers(x: &Array2<f64>, w: &Array2<f64>, c: &Array1<f64>) -> f64 {
        let h: Array2<f64> = affine(x, w, c);
        let b = nn::tanh(&h).sum_axis(Axis(0));
        weighted(&b, c)
    }
);

#[test]
fn custom_vjp_softplus() {
    let item: proc_macro2::TokenStream = "fn softplus(x: f64) -> f64 { (1.0 + x.exp()).ln() }"
        .parse()
        .unwrap();
    let output = crate::custom_vjp::expand("pullback = softplus_pullback".parse().unwrap(), item);
    let file: syn::File = syn::parse2(output).expect("the expansion parses");
    insta::assert_snapshot!(prettyplease::unparse(&file));
}

// Control flow: the forward loop pushes one record per iteration, the reverse loop walks them
// backwards; a branch's record is an enum. Rosenbrock's iterations keep nothing, but two of
// them add into each element of `bar_x`, so its reverse runs them backwards, reading the
// elements first in the forward's order.
snapshot!(
    loop_over_a_slice,
    "",
    fn rosenbrock(x: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() - 1 {
            s += (1.0 - x[i]).powi(2) + 100.0 * (x[i + 1] - x[i] * x[i]).powi(2);
        }
        s
    }
);

snapshot!(
    branch,
    "",
    fn leaky(x: f64) -> f64 {
        let y = if x > 0.0 { x.sqrt() } else { 0.1 * x };
        y * y
    }
);

snapshot!(
    loop_with_a_branch,
    "",
    fn huber(r: &[f64], delta: f64) -> f64 {
        let mut total = 0.0;
        for i in 0..r.len() {
            let v = r[i];
            if v.abs() <= delta {
                total += 0.5 * v * v;
            } else {
                total += delta * (v.abs() - 0.5 * delta);
            }
        }
        total
    }
);

snapshot!(
    nested_loop,
    "",
    fn power_sums(x: &[f64], n: usize) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            let mut p = 1.0;
            for _ in 0..n {
                p = p * x[i];
            }
            s += p;
        }
        s
    }
);

// ADBench GMM's triangle: `xc[i]`, the same in every iteration of `for j` while the loop stores
// into `qx`, read once before the loop (if it runs); the counter computed from the index, and the
// elements at it read through the window of its values over the row (`l[lparams_1..][..len]
// [at]`); its value at the start of each row carried backwards from the triangle's end
// (`lparams_1_end`), not kept per row; the cotangent of `xc[i]` summed over the row; the
// reverses of the row's iterations, which touch `bar_qx[j]` and sums only, in the forward's
// order.
snapshot!(
    triangle,
    "wrt(l, x)",
    fn triangle(d: usize, l: &[f64], x: &[f64]) -> f64 {
        let mut xc = vec![0.0; d];
        let mut qx = vec![0.0; d];
        for i in 0..d {
            xc[i] = x[i] - 1.0;
            qx[i] = xc[i];
        }
        let mut lparams = 0;
        for i in 0..d {
            for j in i + 1..d {
                qx[j] += l[lparams] * xc[i];
                lparams += 1;
            }
        }
        let mut s = 0.0;
        for i in 0..d {
            s += qx[i] * qx[i];
        }
        s
    }
);

// An array a loop fills with an expression of its index (`xc[k] = x[p * d + k] - 1.0`), read
// alike in every iteration of an inner loop over points: the reverse of each row computes
// `xc[i]` again from `x` where it starts, keeping nothing per row (the loop over `k` ran that
// expression at `k = i`, so the read is in bounds and gives the same bits).
snapshot!(
    filled_again,
    "wrt(x)",
    fn filled(x: &[f64], n: usize, d: usize) -> f64 {
        let mut xc = vec![0.0; d];
        let mut s = 0.0;
        for p in 0..n {
            for k in 0..d {
                xc[k] = x[p * d + k] - 1.0;
            }
            for i in 0..d {
                for j in i..d {
                    s += xc[i] * x[j];
                }
            }
        }
        s
    }
);

// `#[checkpoint]`: the forward keeps the carried state per iteration; the reverse runs each
// iteration again before reversing it.
snapshot!(
    checkpointed_loop,
    "",
    fn simulate(x0: &[f64; 2], k: f64, steps: usize) -> f64 {
        let mut x = *x0;
        #[checkpoint]
        for _ in 0..steps {
            let v = x[1];
            x[1] = v - 0.1 * k * x[0].sin();
            x[0] += 0.1 * v;
        }
        x[0] * x[0] + x[1] * x[1]
    }
);

// `mapv` with a closure capturing a differentiated scalar: the closure's body becomes a function
// of its own (`logistic_closure0`, with its own companions); the forward maps it, the reverse
// calls its vjp per element in one `Zip` pass, summing the captured scalar's cotangent.
snapshot!(
    mapv_closure,
    "",
    fn logistic(x: &Array1<f64>, scale: f64) -> f64 {
        let p = x.mapv(|z| 1.0 / (1.0 + (-scale * z).exp()));
        p.ln().sum()
    }
);

// `slice(s![..])` with a bound from a variable: the forward copies the slice; the reverse
// scatters its cotangent into zeros of the input's shape.
snapshot!(
    ndarray_slice,
    "",
    fn tail_mean(x: &Array2<f64>) -> f64 {
        let (rows, _) = x.dim();
        let tail = x.slice(s![1..rows, ..;2]);
        tail.mean().unwrap() * x[[0, 0]]
    }
);

// `#[checkpoint(every = k)]`: the forward keeps the carried state every k iterations in a
// runtime `Periodic`; the reverse runs each segment again from its snapshot, last first,
// recording into one buffer, then reverses the segment from it.
snapshot!(
    checkpointed_every,
    "",
    fn simulate(x0: &[f64; 2], k: f64, steps: usize) -> f64 {
        let mut x = *x0;
        #[checkpoint(every = 100)]
        for _ in 0..steps {
            let v = x[1];
            x[1] = v - 0.1 * k * x[0].sin();
            x[0] += 0.1 * v;
        }
        x[0] * x[0] + x[1] * x[1]
    }
);

// `#[checkpoint(snapshots = s)]`: the forward loop runs revolve's first sweep, keeping the
// snapshots it asks for; the reverse follows the schedule's actions (advance, keep, restore,
// and reverse one step from its records).
snapshot!(
    checkpointed_snapshots,
    "",
    fn simulate(x0: &[f64; 2], k: f64, steps: usize) -> f64 {
        let mut x = *x0;
        #[checkpoint(snapshots = 8)]
        for _ in 0..steps {
            let v = x[1];
            x[1] = v - 0.1 * k * x[0].sin();
            x[0] += 0.1 * v;
        }
        x[0] * x[0] + x[1] * x[1]
    }
);

// A tuple parameter: its elements read once at the start (`let p_0 = p.0;`), an array element
// indexed where it lives, and the tuple's cotangent made of its elements' at the end.
snapshot!(
    tuple_parameter,
    "",
    fn spring(p: (f64, [f64; 2]), x: f64) -> f64 {
        let (k, rest) = p;
        let stretch = x - rest[0];
        0.5 * k * stretch * stretch + p.1[1] * x
    }
);

// `sin` and `cos` of a value the reverse sweep would have to keep: the forward computes the
// other one beside it (one `sincos`) and the record keeps that instead of the input
// (`RecurrenceLoop0 { t2, s_1_cos }`); `x[i].cos()` reads its input again from `x`, keeping
// nothing.
snapshot!(
    sin_keeps_cos_in_a_loop,
    "",
    fn recurrence(x: &[f64], s0: f64) -> f64 {
        let mut s = s0;
        for i in 0..x.len() {
            s = s.sin() * x[i] + x[i].cos();
        }
        s
    }
);

// Where the body computes both `t.cos()` and `t.sin()`, each is the other's value beside: no
// statement is added. `k.sin()` of a constant (`wrt(x)`) stays a plain `sin`.
snapshot!(
    sin_and_cos_written_together,
    "wrt(x)",
    fn rotate(x: &[f64], k: f64) -> f64 {
        let mut y = 0.0;
        for i in 0..x.len() {
            let t = x[i] * y + k.sin();
            let (c, s) = (t.cos(), t.sin());
            y = c * x[i] - s;
        }
        y
    }
);
