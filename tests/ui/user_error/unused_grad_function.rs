// A `#[grad]` function used nowhere, neither itself nor its companions, is reported once, for
// the function (issue 9, item 3), and not again for each companion.
#![deny(dead_code)]

use autodiff_runtime::grad;

#[grad]
fn unused(x: f64, y: f64) -> f64 {
    x.sin() * y
}

fn main() {}
