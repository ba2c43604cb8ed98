// A call none of whose arguments depends on the differentiated parameters is a constant, so it
// may call any function, marked or not (here an integer lookup and a float helper).
use autodiff_runtime::grad;

fn weight(n: usize) -> f64 {
    1.0 / (n as f64 + 1.0)
}

fn offset(a: f64, b: f64) -> f64 {
    a * b
}

#[grad]
fn f(x: f64, n: usize) -> f64 {
    x * weight(n) + x * x
}

#[grad(wrt(x))]
fn g(x: f64, c: f64) -> f64 {
    let o = offset(c, 2.0);
    x.sin() * o
}

fn main() {
    // d/dx (x/(n+1) + x²) = 1/(n+1) + 2x; at x = 2, n = 3: 0.25 + 4.
    assert_eq!(f_grad(2.0, 3), (2.0 * 0.25 + 4.0, 4.25));
    // d/dx sin(x)·2c = 2c·cos x.
    let (_, dx) = g_grad(0.5, 1.5);
    assert!((dx - 3.0 * 0.5_f64.cos()).abs() < 1e-15);
}
