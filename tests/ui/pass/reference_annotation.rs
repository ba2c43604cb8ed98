use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let r: &f64 = &x;
    *r * 2.0
}

fn main() {
    let (value, dx) = f_grad(3.0);
    assert_eq!(value, 6.0);
    assert_eq!(dx, 2.0);
}
