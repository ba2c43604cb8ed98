#![allow(unused_assignments)]

use autodiff_runtime::grad;

// CONTROL_FLOW.md §5 #6 (clad#746): active work in a loop condition is an error, never a
// silent zero.
#[grad]
fn f(a: f64, b: f64) -> f64 {
    let mut r = 0.0;
    let mut c = 0;
    while {
        r = a * b;
        c < 1
    } {
        c += 1;
    }
    r
}

fn main() {
    let _ = f(1.0, 2.0);
}
