use autodiff_runtime::grad;

#[grad]
fn f(xs: &[f64], n: usize) -> f64 {
    let k = n * 2 - 1;
    let e = (n as i32) + 1;
    xs[k].powi(e) + xs.len() as f64
}

fn main() {
    let (value, dxs) = f_grad(&[1.0, 2.0, 3.0, 4.0], 2);
    assert_eq!(value, 64.0 + 4.0);
    assert_eq!(dxs, vec![0.0, 0.0, 0.0, 48.0]);
}
