use autodiff_runtime::grad;

#[grad(wrt(w))]
fn f(w: f64, x: f64, n: i32) -> f64 {
    (w * x).powi(n)
}

fn main() {
    let (value, dw) = f_grad(2.0, 3.0, 2);
    assert_eq!(value, 36.0);
    assert_eq!(dw, 36.0);
}
