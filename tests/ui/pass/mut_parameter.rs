use autodiff_runtime::grad;

#[grad]
fn f(mut x: f64, y: f64) -> f64 {
    x = x * y;
    x *= 2.0;
    x
}

fn main() {
    let (value, dx, dy) = f_grad(3.0, 5.0);
    assert_eq!(value, 30.0);
    assert_eq!(dx, 10.0);
    assert_eq!(dy, 6.0);
}
