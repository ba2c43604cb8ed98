//! The first example of the README: a function, its value and its gradient.
//!
//! Run with `cargo run --example quickstart`.

use autodiff_runtime::grad;

/// `f(x, y) = xy + sin(xy)`.
#[grad]
fn f(x: f64, y: f64) -> f64 {
    let a = x * y;
    let b = a.sin();
    a + b
}

fn main() {
    let (l, dx, dy) = f_grad(2.0, 3.0);
    assert_eq!(l, f(2.0, 3.0));
    println!("f(2, 3)     = {l:.6}");
    println!(
        "∂f/∂x       = {dx:.6}   (by hand: y·(1 + cos xy) = {:.6})",
        3.0 * (1.0 + 6.0_f64.cos())
    );
    println!(
        "∂f/∂y       = {dy:.6}   (by hand: x·(1 + cos xy) = {:.6})",
        2.0 * (1.0 + 6.0_f64.cos())
    );

    let (_, dx, dy) = f_vjp(2.0, 3.0, 0.5);
    println!("with output cotangent 0.5: ({dx:.6}, {dy:.6})");
}
