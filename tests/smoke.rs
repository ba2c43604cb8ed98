use autodiff_runtime::grad;

const SCALE: f64 = 2.0;

#[grad]
fn shadow(x: f64, y: f64) -> f64 {
    let a = x * y;
    let a = a * a + SCALE;
    let (c, s) = (a.cos(), x.sin());
    let mut m = c;
    m += s;
    m *= 2.0;
    m = m - x / y;
    return m.powi(2) + std::f64::consts::PI * y.powf(1.5);
}

#[grad(wrt(cam))]
fn arr(cam: &[f64; 3], x: [f64; 2], i: usize) -> [f64; 2] {
    let u = cam[0] * x[0] + cam[i];
    let v = [u, cam[2] - x[1]];
    [v[1] * v[0], u.hypot(v[1])]
}

#[grad]
fn slice(xs: &[f64], n: usize) -> f64 {
    let k = n as f64;
    xs[0] * xs[1] / k - (-2.0) * xs[n].atan2(xs[0])
}

#[grad]
fn f32s(x: f32, y: f32) -> f32 {
    x.max(y) * x.mul_add(y, 1.0_f32)
}

#[grad]
fn unused(x: f64, y: f64) -> f64 {
    let _z = y.sin();
    x * 3.0
}

#[test]
fn smoke() {
    println!("{:?}", shadow_grad(0.3, 0.7));
    println!("{:?}", arr_vjp(&[1.0, 2.0, 3.0], [0.5, 0.25], 1, [1.0, 1.0]));
    println!("{:?}", slice_grad(&[1.0, 2.0, 3.0], 2));
    println!("{:?}", f32s_grad(1.0, 2.0));
    println!("{:?}", unused_grad(1.0, 2.0));
}
