//! Tuple parameters (issue 13): `p: (f64, f64)` gets a gradient that is a tuple of the same
//! shape. Floats and fixed-size arrays inside, nested tuples, a reference to a tuple, a generic
//! float type, `wrt`, the split halves, loops and branches over the elements, a tuple bound
//! whole and passed on, and calls between `#[grad]` functions with a tuple argument.
//!
//! Every gradient is checked against central differences of the *original* function
//! (`autodiff_runtime::check`, `Checker::default()`: step 1e-6, an element passes when
//! `|analytic − numeric| ≤ 1e-7 + 1e-5 · max(|analytic|, |numeric|)`; the `f32` cases use
//! `Checker::f32()`, rel 2e-2 and abs 1e-3), and the value against the original.

use autodiff_runtime::check::{self, Checker};
use autodiff_runtime::ndarray::{Array1, array};
use autodiff_runtime::{Float, grad};

const POINTS: [(f64, f64, f64); 4] = [
    (0.7, -1.3, 0.4),
    (1.9, 0.4, -0.8),
    (-0.35, 2.2, 1.1),
    (0.05, 0.6, -2.0),
];

// ---------------------------------------------------------------------------------------------
// Two floats.

/// The example: the tuple destructured, and read field by field.
#[grad]
fn pair(p: (f64, f64), x: f64) -> f64 {
    let (a, b) = p;
    a * x + b.sin() + p.0 * p.1
}

#[test]
fn a_pair_of_floats_has_a_pair_for_gradient() {
    for (a, b, x) in POINTS {
        let (value, bar_p, bar_x): (f64, (f64, f64), f64) = pair_grad((a, b), x);
        assert_eq!(value, pair((a, b), x));
        check::gradient(
            |(p, x): &((f64, f64), f64)| pair(*p, *x),
            &((a, b), x),
            &(bar_p, bar_x),
        )
        .assert_ok();
    }
}

/// The closed form at one point: ∂a = x + b, ∂b = cos b + a, ∂x = a.
#[test]
fn a_pair_of_floats_matches_the_closed_form() {
    let (a, b, x) = (0.5, -0.25, 2.0);
    let (_, (da, db), dx) = pair_grad((a, b), x);
    assert_eq!(da, x + b);
    assert_eq!(db, b.cos() + a);
    assert_eq!(dx, a);
}

// ---------------------------------------------------------------------------------------------
// A float and an array, under `wrt`.

/// The second example.
#[grad(wrt(p))]
fn float_and_array(p: (f64, [f64; 3])) -> f64 {
    p.0 * p.1[2]
}

#[test]
fn a_float_and_an_array_under_wrt() {
    let p = (1.5, [0.25, -2.0, 3.0]);
    let (value, bar_p): (f64, (f64, [f64; 3])) = float_and_array_grad(p);
    assert_eq!(value, 4.5);
    assert_eq!(bar_p, (3.0, [0.0, 0.0, 1.5]));
    check::gradient(|p: &(f64, [f64; 3])| float_and_array(*p), &p, &bar_p).assert_ok();
}

/// Arrays and floats mixed, every element read, some twice, with array methods of the
/// elements' own.
#[grad]
fn arrays_and_floats(p: ([f64; 2], f64, [f64; 3]), s: f64) -> f64 {
    let (u, k, v) = p;
    let dot = u[0] * v[0] + u[1] * v[1];
    dot * k + (v[2] * s).exp() + p.0[1] * p.2[1] / p.1
}

#[test]
fn a_tuple_of_arrays_and_floats() {
    for (a, b, c) in POINTS {
        let p = ([a, b], 1.0 + c * c, [c, a * b, 0.5 * a]);
        let s = b - c;
        let (value, bar_p, bar_s) = arrays_and_floats_grad(p, s);
        assert_eq!(value, arrays_and_floats(p, s));
        check::gradient(
            |(p, s): &(([f64; 2], f64, [f64; 3]), f64)| arrays_and_floats(*p, *s),
            &(p, s),
            &(bar_p, bar_s),
        )
        .assert_ok();
    }
}

// ---------------------------------------------------------------------------------------------
// A reference to a tuple, as `&[f64; 3]` parameters are taken: the gradient is owned.

#[grad]
fn by_reference(p: &(f64, [f64; 2]), x: f64) -> f64 {
    let (k, v) = *p;
    k * (v[0] * x).sin() + p.1[1] * p.0
}

#[test]
fn a_reference_to_a_tuple_has_an_owned_tuple_for_gradient() {
    for (a, b, x) in POINTS {
        let p = (a, [b, a - b]);
        let (value, bar_p, bar_x): (f64, (f64, [f64; 2]), f64) = by_reference_grad(&p, x);
        assert_eq!(value, by_reference(&p, x));
        check::gradient(
            |(p, x): &((f64, [f64; 2]), f64)| by_reference(p, *x),
            &(p, x),
            &(bar_p, bar_x),
        )
        .assert_ok();
    }
}

// ---------------------------------------------------------------------------------------------
// A generic float type.

#[grad]
fn generic<T: Float>(p: (T, [T; 2]), x: T) -> T {
    let (k, v) = p;
    k * v[0] * x + (v[1] * x).sin() * p.0
}

#[test]
fn a_tuple_of_a_generic_float_type() {
    for (a, b, x) in POINTS {
        let p = (a, [b, a * b]);
        let (value, bar_p, bar_x) = generic_grad(p, x);
        assert_eq!(value, generic(p, x));
        check::gradient(
            |(p, x): &((f64, [f64; 2]), f64)| generic(*p, *x),
            &(p, x),
            &(bar_p, bar_x),
        )
        .assert_ok();

        let (a, b, x) = (a as f32, b as f32, x as f32);
        let p = (a, [b, a * b]);
        let (_, bar_p, bar_x) = generic_grad(p, x);
        Checker::f32()
            .check(
                |(p, x): &((f32, [f32; 2]), f32)| f64::from(generic(*p, *x)),
                &(p, x),
                &(bar_p, bar_x),
            )
            .assert_ok();
    }
}

// ---------------------------------------------------------------------------------------------
// `wrt` leaving the tuple out, and naming it alone.

#[grad(wrt(x))]
fn tuple_left_out(p: (f64, f64), x: f64) -> f64 {
    p.0 * x * x + p.1
}

#[grad(wrt(p))]
fn tuple_alone(p: (f64, f64), x: f64) -> f64 {
    p.0 * x * x + p.1 * p.0
}

#[test]
fn wrt_leaves_a_tuple_out_or_names_it_alone() {
    for (a, b, x) in POINTS {
        let (_, bar_x) = tuple_left_out_grad((a, b), x);
        check::gradient(|x: &f64| tuple_left_out((a, b), *x), &x, &bar_x).assert_ok();
        let (_, bar_p) = tuple_alone_grad((a, b), x);
        check::gradient(|p: &(f64, f64)| tuple_alone(*p, x), &(a, b), &bar_p).assert_ok();
    }
}

/// A caller differentiates through the parameter `wrt` leaves out.
#[grad]
fn calls_tuple_left_out(p: (f64, f64), x: f64) -> f64 {
    tuple_left_out(p, x) * p.1
}

#[test]
fn a_caller_differentiates_through_a_tuple_wrt_left_out() {
    for (a, b, x) in POINTS {
        let (_, bar_p, bar_x) = calls_tuple_left_out_grad((a, b), x);
        check::gradient(
            |(p, x): &((f64, f64), f64)| calls_tuple_left_out(*p, *x),
            &((a, b), x),
            &(bar_p, bar_x),
        )
        .assert_ok();
    }
}

// ---------------------------------------------------------------------------------------------
// The split halves and the vector-Jacobian product.

#[grad]
fn halves(p: (f64, [f64; 2]), x: f64) -> [f64; 2] {
    [p.0 * p.1[0] * x, (p.1[1] * x).cos()]
}

#[test]
fn the_split_halves_and_vjp_give_tuple_cotangents() {
    for (a, b, x) in POINTS {
        let p = (a, [b, 0.5 * a]);
        let bar_out = [0.75, -1.25];
        let (value, residuals) = halves_fwd(p, x);
        assert_eq!(value, halves(p, x));
        let (bar_p, bar_x): ((f64, [f64; 2]), f64) = halves_bwd(residuals, bar_out);
        let (value_vjp, bar_p_vjp, bar_x_vjp) = halves_vjp(p, x, bar_out);
        assert_eq!((value_vjp, bar_p_vjp, bar_x_vjp), (value, bar_p, bar_x));
        let projected = |(p, x): &((f64, [f64; 2]), f64)| {
            let y = halves(*p, *x);
            y[0] * bar_out[0] + y[1] * bar_out[1]
        };
        check::gradient(projected, &(p, x), &(bar_p, bar_x)).assert_ok();
    }
}

/// A tuple parameter and a tuple output.
#[grad]
fn tuple_in_tuple_out(p: (f64, f64)) -> (f64, [f64; 2]) {
    (p.0 * p.1, [p.0.sin(), p.1 * p.1])
}

#[test]
fn a_tuple_parameter_with_a_tuple_output() {
    for (a, b, _) in POINTS {
        let bar_out = (0.5, [2.0, -1.0]);
        let (_, bar_p) = tuple_in_tuple_out_vjp((a, b), bar_out);
        let projected = |p: &(f64, f64)| {
            let (y, z) = tuple_in_tuple_out(*p);
            y * bar_out.0 + z[0] * bar_out.1[0] + z[1] * bar_out.1[1]
        };
        check::gradient(projected, &(a, b), &bar_p).assert_ok();
    }
}

// ---------------------------------------------------------------------------------------------
// Loops and branches over the elements.

#[grad]
fn in_a_loop(p: (f64, [f64; 4]), n: usize) -> f64 {
    let mut total = 0.0;
    for i in 0..n {
        total += p.1[i] * p.0.powi(i as i32);
    }
    let mut k = 0;
    while k < n {
        if p.1[k] > 0.0 {
            total += p.1[k].sqrt() * p.0;
        } else {
            total -= p.1[k] * p.1[k];
        }
        k += 1;
    }
    total
}

#[test]
fn tuple_elements_in_loops_and_branches() {
    for (a, b, c) in POINTS {
        let p = (a, [b, c, a * c, 0.3]);
        for n in [0, 2, 4] {
            let (value, bar_p) = in_a_loop_grad(p, n);
            assert_eq!(value, in_a_loop(p, n));
            check::gradient(|p: &(f64, [f64; 4])| in_a_loop(*p, n), &p, &bar_p).assert_ok();
        }
    }
}

/// The elements of an array in a tuple, iterated over.
#[grad]
fn iterated(p: ([f64; 3], f64)) -> f64 {
    let mut total = 0.0;
    for v in p.0 {
        total += (v * p.1).tanh();
    }
    total
}

#[test]
fn an_array_in_a_tuple_iterated_over() {
    for (a, b, c) in POINTS {
        let p = ([a, b, c], c - a);
        let (value, bar_p) = iterated_grad(p);
        assert_eq!(value, iterated(p));
        check::gradient(|p: &([f64; 3], f64)| iterated(*p), &p, &bar_p).assert_ok();
    }
}

/// A tuple chosen by a branch, and a tuple carried by a loop: whole tuple values.
#[grad]
fn whole_tuples(p: (f64, f64), x: f64) -> f64 {
    let q = if x > 0.0 { p } else { (p.1, p.0 * x) };
    let mut r = q;
    for _ in 0..3 {
        r = (r.1, r.0 * 0.5 + r.1.sin());
    }
    let (u, v) = r;
    u * v + q.0
}

#[test]
fn tuples_chosen_by_a_branch_and_carried_by_a_loop() {
    for (a, b, x) in POINTS {
        let (value, bar_p, bar_x) = whole_tuples_grad((a, b), x);
        assert_eq!(value, whole_tuples((a, b), x));
        check::gradient(
            |(p, x): &((f64, f64), f64)| whole_tuples(*p, *x),
            &((a, b), x),
            &(bar_p, bar_x),
        )
        .assert_ok();
    }
}

// ---------------------------------------------------------------------------------------------
// Nested tuples.

#[grad]
fn nested(p: ((f64, f64), [f64; 2]), x: f64) -> f64 {
    let ((a, b), c) = p;
    a * b * x + c[1] * p.0.1 + (p.1[0] * x).cos()
}

#[test]
fn a_nested_tuple_has_a_nested_gradient() {
    for (a, b, x) in POINTS {
        let p = ((a, b), [x * a, b - a]);
        let (value, bar_p, bar_x): (f64, ((f64, f64), [f64; 2]), f64) = nested_grad(p, x);
        assert_eq!(value, nested(p, x));
        check::gradient(
            |(p, x): &(((f64, f64), [f64; 2]), f64)| nested(*p, *x),
            &(p, x),
            &(bar_p, bar_x),
        )
        .assert_ok();
    }
}

// ---------------------------------------------------------------------------------------------
// Calls between `#[grad]` functions with a tuple argument.

#[grad]
fn callee(p: (f64, [f64; 2]), s: f64) -> f64 {
    p.0 * p.1[0] + (p.1[1] * s).sin()
}

#[grad]
fn callee_by_reference(p: &(f64, f64)) -> f64 {
    p.0 * p.0 * p.1
}

/// The caller passes its own tuple, a tuple it builds, and a reference to one, in a loop too.
#[grad]
fn caller(p: (f64, [f64; 2]), q: (f64, f64), x: f64) -> f64 {
    let mut total = callee(p, x);
    total += callee((x * q.0, [q.1, p.0]), 2.0);
    for i in 0..2 {
        total += callee(p, x + i as f64) * callee_by_reference(&q);
    }
    total
}

#[test]
fn calls_with_tuple_arguments() {
    for (a, b, x) in POINTS {
        let p = (a, [b, x - a]);
        let q = (b * x, 0.5 + a);
        let (value, bar_p, bar_q, bar_x) = caller_grad(p, q, x);
        assert_eq!(value, caller(p, q, x));
        check::gradient(
            |(p, q, x): &((f64, [f64; 2]), (f64, f64), f64)| caller(*p, *q, *x),
            &(p, q, x),
            &(bar_p, bar_q, bar_x),
        )
        .assert_ok();
    }
}

/// A checkpointed callee, which callers keep the arguments of (the tuple a reference points to
/// as a copy) and run again in the reverse sweep.
#[grad(checkpoint)]
fn checkpointed(p: (f64, [f64; 2]), q: &(f64, f64)) -> f64 {
    p.0 * p.1[1] * q.1 + (q.0 * p.1[0]).sin()
}

#[grad]
fn calls_checkpointed(p: (f64, [f64; 2]), x: f64) -> f64 {
    checkpointed(p, &(x, x * x)) * x
}

#[test]
fn a_checkpointed_callee_with_tuple_parameters() {
    for (a, b, x) in POINTS {
        let p = (a, [b, a + b]);
        let (value, bar_p, bar_x) = calls_checkpointed_grad(p, x);
        assert_eq!(value, calls_checkpointed(p, x));
        check::gradient(
            |(p, x): &((f64, [f64; 2]), f64)| calls_checkpointed(*p, *x),
            &(p, x),
            &(bar_p, bar_x),
        )
        .assert_ok();
    }
}

/// A callee generic over its float type, given tuples an `f32` caller builds.
#[grad]
fn generic_callee<T: Float>(p: (T, T)) -> T {
    p.0 * p.1.sin()
}

#[grad]
fn calls_generic_callee(x: f32, y: f32) -> f32 {
    generic_callee((x, y)) + generic_callee((y * y, x))
}

#[test]
fn an_f32_caller_of_a_generic_callee_with_a_tuple_parameter() {
    for (a, b, _) in POINTS {
        let (x, y) = (a as f32, b as f32);
        let (_, bar_x, bar_y) = calls_generic_callee_grad(x, y);
        Checker::f32()
            .check(
                |&(x, y): &(f32, f32)| f64::from(calls_generic_callee(x, y)),
                &(x, y),
                &(bar_x, bar_y),
            )
            .assert_ok();
    }
}

/// A `mapv` closure reads a tuple's elements, taken out of it first (a closure cannot capture
/// the tuple whole: `tests/ui/body/mapv_closure_captures_a_tuple.rs`).
#[grad]
fn closure_over_elements(a: &Array1<f64>, p: (f64, f64)) -> f64 {
    let (k, m) = p;
    a.mapv(|v| (v * k + m).tanh()).sum()
}

#[test]
fn a_mapv_closure_reads_the_elements_of_a_tuple() {
    for (a, b, c) in POINTS {
        let x = array![a, b, c];
        let p = (b, c);
        let (value, bar_x, bar_p) = closure_over_elements_grad(&x, p);
        assert_eq!(value, closure_over_elements(&x, p));
        check::gradient(
            |(x, p): &(Array1<f64>, (f64, f64))| closure_over_elements(x, *p),
            &(x, p),
            &(bar_x, bar_p),
        )
        .assert_ok();
    }
}

/// A reference to a tuple of a generic float type, its array read whole and by element.
#[grad]
fn generic_by_reference<T: Float>(p: &(T, [T; 2]), x: T) -> T {
    let (k, v) = *p;
    k * (v[0] * x).sin() + p.1[1] * p.0
}

#[test]
fn a_reference_to_a_tuple_of_a_generic_float_type() {
    for (a, b, x) in POINTS {
        let p = (a, [b, a * b]);
        let (value, bar_p, bar_x) = generic_by_reference_grad(&p, x);
        assert_eq!(value, generic_by_reference(&p, x));
        check::gradient(
            |(p, x): &((f64, [f64; 2]), f64)| generic_by_reference(p, *x),
            &(p, x),
            &(bar_p, bar_x),
        )
        .assert_ok();
    }
}

/// The accumulation the generic tuple above needs, on a plain array of a generic float type:
/// `v` and `x` are the same array, whose cotangents add up element-wise.
#[grad]
fn generic_array_read_twice<T: Float>(x: [T; 2]) -> T {
    let v = x;
    v[0] * x[1] + v[1].sin()
}

#[test]
fn an_array_of_a_generic_float_type_read_under_two_names() {
    for (a, b, _) in POINTS {
        let (value, bar_x) = generic_array_read_twice_grad([a, b]);
        assert_eq!(value, generic_array_read_twice([a, b]));
        check::gradient(|x: &[f64; 2]| generic_array_read_twice(*x), &[a, b], &bar_x).assert_ok();
    }
}

// ---------------------------------------------------------------------------------------------
// Edge cases, against closed forms worked out in the comments (exact in f64).

/// A tuple the body never reads has a zero gradient.
#[grad]
fn unread(_p: (f64, f64), x: f64) -> f64 {
    x * 2.0
}

/// The tuple itself is the output: the cotangent passes through; swapped, it swaps back.
#[grad]
fn identity(p: (f64, f64)) -> (f64, f64) {
    p
}

#[grad]
fn swap(p: (f64, [f64; 2])) -> ([f64; 2], f64) {
    (p.1, p.0)
}

/// Each arm reads the tuple its own way.
#[grad]
fn matched(p: (f64, f64), n: usize) -> f64 {
    match n {
        0 => p.0,
        1 => {
            let (a, b) = p;
            a * b
        }
        _ => p.1 * p.1,
    }
}

/// An early `return` of one element.
#[grad]
fn early(p: (f64, f64)) -> f64 {
    if p.0 > 1.0 {
        return p.1;
    }
    p.0 * p.1
}

/// The parameter's name shadowed by a float after an element was read.
#[grad]
fn shadowed(p: (f64, f64)) -> f64 {
    let a = p.0;
    let p = a * 2.0;
    p + a
}

/// Five elements.
#[grad]
fn five(p: (f64, f64, f64, f64, f64)) -> f64 {
    p.0 * p.1 + p.2 * p.3 * p.4
}

#[test]
fn edge_cases_match_their_closed_forms() {
    assert_eq!(unread_grad((1.0, 2.0), 3.0), (6.0, (0.0, 0.0), 2.0));
    assert_eq!(
        identity_vjp((1.0, 2.0), (3.0, 4.0)),
        ((1.0, 2.0), (3.0, 4.0))
    );
    assert_eq!(
        swap_vjp((1.0, [2.0, 3.0]), ([5.0, 6.0], 7.0)),
        (([2.0, 3.0], 1.0), (7.0, [5.0, 6.0]))
    );
    // p.0 → (1, 0); a·b → (b, a); p.1² → (0, 2·p.1).
    assert_eq!(matched_grad((2.0, 3.0), 0), (2.0, (1.0, 0.0)));
    assert_eq!(matched_grad((2.0, 3.0), 1), (6.0, (3.0, 2.0)));
    assert_eq!(matched_grad((2.0, 3.0), 2), (9.0, (0.0, 6.0)));
    // p.0 > 1 returns p.1; otherwise p.0·p.1.
    assert_eq!(early_grad((2.0, 3.0)), (3.0, (0.0, 1.0)));
    assert_eq!(early_grad((0.5, 3.0)), (1.5, (3.0, 0.5)));
    // 2·p.0 + p.0 = 3·p.0.
    assert_eq!(shadowed_grad((2.0, 3.0)), (6.0, (3.0, 0.0)));
    assert_eq!(
        five_grad((1.0, 2.0, 3.0, 4.0, 5.0)),
        (62.0, (2.0, 1.0, 20.0, 15.0, 12.0))
    );
}
