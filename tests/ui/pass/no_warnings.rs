//! The generated companions add no warnings of their own, even under `deny(warnings)` and
//! `deny(missing_docs)`: callers' aliases and fallbacks, descriptors of functions callers cannot
//! call, and the public halves of public functions.
#![deny(warnings, missing_docs)]

use autodiff_runtime::grad;

#[grad]
fn f(x: f64, y: f64) -> f64 {
    let a = x * y;
    let a = a.sin() + 2.0;
    let (c, s) = (a.cos(), x.sin());
    c * s
}

/// Public functions, documented as `missing_docs` asks.
pub mod api {
    use autodiff_runtime::grad;

    /// The square.
    #[grad]
    pub fn square(x: f64) -> f64 {
        x * x
    }

    /// Calls `square`.
    #[grad]
    pub fn caller(x: f64, y: f64) -> f64 {
        square(x) * y
    }

    /// A tuple output, which callers cannot differentiate through.
    #[grad]
    pub fn polar(r: f64, t: f64) -> (f64, f64) {
        (r * t.cos(), r * t.sin())
    }
}

fn main() {
    let (value, _dx, _dy) = f_grad(1.0, 2.0);
    assert_eq!(value, f(1.0, 2.0));
    assert_eq!(api::caller_grad(3.0, 2.0), (18.0, 12.0, 9.0));
    let _ = api::polar(1.0, 0.5);
}
