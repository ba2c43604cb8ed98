//! Regression tests for the macro bugs the differential tester found, kept out of the default run
//! until they are fixed (`cargo test -p difftest -- --ignored` runs them; each fails while its
//! bug is there). When one is fixed, drop its `#[ignore]`, and in `src/generator.rs` stop
//! steering around it (`Config::known_bugs`).

#![allow(
    dead_code,
    reason = "the originals are only reached through their companions"
)]

use autodiff_runtime::grad;

// A call through a callee whose `wrt` leaves out a parameter drops the cotangent of the argument
// bound to that parameter: `f = h(3, a) = 3a`, so ∂f/∂a = 3, but f_grad gives 0. `wrt` should
// narrow what `h_grad` returns, not what flows through `h` when another function calls it.
#[grad(wrt(x))]
fn h(x: f64, y: f64) -> f64 {
    x * y
}

#[grad]
fn calls_h(a: f64) -> f64 {
    h(3.0, a)
}

#[test]
#[ignore = "bug: a call drops the cotangents of arguments bound to parameters outside the callee's wrt"]
fn call_through_a_narrowed_callee() {
    assert_eq!(calls_h_grad(2.0), (6.0, 3.0));
}

/// Each of `tests/known_bugs/*.rs` should compile and run; none does yet.
#[test]
#[ignore = "bug: each case fails to compile (see the comment at the top of each file)"]
fn cases_that_do_not_compile() {
    let t = trybuild::TestCases::new();
    t.pass("tests/known_bugs/*.rs");
}
