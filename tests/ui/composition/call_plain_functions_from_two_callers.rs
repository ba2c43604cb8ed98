// Two #[grad] functions in one module call the same plain function, and one of them also a
// #[grad] function: an error for each call of the plain function, naming it.
use autodiff_runtime::grad;

mod m {
    pub fn helper(x: f64) -> f64 {
        x.exp()
    }
}

use m::*;

#[grad]
fn square(x: f64) -> f64 {
    x * x
}

#[grad]
fn f(x: f64) -> f64 {
    square(x) + helper(x)
}

#[grad]
fn g(x: f64) -> f64 {
    m::helper(x) * x
}

fn main() {
    let _ = (f(1.0), g(1.0));
}
