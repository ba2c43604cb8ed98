// Regression (found by the fuzzer): a function named by a raw identifier made the macro panic
// (`R#matchResiduals` is not an identifier); the companions drop the `r#`. An inner attribute
// of the body was copied onto the companion items, where it does not parse.
#![allow(dead_code)]
use autodiff_runtime::grad;

#[grad]
fn r#match(x: f64) -> f64 {
    x * x
}

#[grad]
fn inner_attribute(x: f64) -> f64 {
    #![allow(unused_variables)]
    let unused = 1.0;
    x.sin()
}

fn main() {
    assert_eq!(match_grad(3.0), (9.0, 6.0));
    let _: MatchResiduals = match_fwd(3.0).1;
    assert_eq!(inner_attribute_grad(0.0), (0.0, 1.0));
}
