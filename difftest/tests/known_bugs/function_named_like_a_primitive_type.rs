// Bug: a `#[grad]` function named like a primitive type (`f64`, `f32`, `usize`, ...) is valid
// Rust, but the macro's descriptor is an `enum` of the same name in the type namespace, which
// shadows the primitive in the whole module: `x * 2.0` no longer type-checks (E0369). Found by
// difftest (its 65th function was called `f64`).
#![allow(non_camel_case_types)]
use autodiff_runtime::grad;

#[grad]
fn f64(x: f64) -> f64 {
    x * 2.0
}

fn main() {
    assert_eq!(f64_grad(1.5), (3.0, 2.0));
}
