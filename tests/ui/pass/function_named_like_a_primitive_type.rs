// Regression (found by difftest, whose 65th function was called `f64`): a `#[grad]` function
// named like a primitive type is valid Rust, but the macro's descriptor, an `enum` of the same
// name in the type namespace, shadowed the primitive in the whole module, so `x * 2.0` no longer
// type-checked (E0369). Such a function now has no descriptor (other `#[grad]` functions cannot
// call it).
#![allow(non_camel_case_types)]
use autodiff_runtime::grad;

#[grad]
fn f64(x: f64) -> f64 {
    x * 2.0
}

fn main() {
    assert_eq!(f64_grad(1.5), (3.0, 2.0));
}
