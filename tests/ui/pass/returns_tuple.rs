use autodiff_runtime::grad;

// Several outputs: `f_vjp` takes one cotangent per output.
#[grad]
fn f(x: f64) -> (f64, f64) {
    (x, x * x)
}

fn main() {
    let _ = f(1.0);
    // d/dx [x, x²] · (2, 3) = 2 + 3·2x = 14 at x = 2
    assert_eq!(f_vjp(2.0, (2.0, 3.0)), ((2.0, 4.0), 14.0));
}
