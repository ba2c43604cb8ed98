use autodiff_runtime::grad;

#[grad]
pub fn f(x: f64, y: f64) -> f64 {
    let square = (|v: f64| v * v)(x);
    square * y
}

fn main() {
    let (_value, _dx, _dy) = f_grad(1.0, 2.0);
    let (_value, _dx, _dy) = f_vjp(1.0, 2.0, 1.0);
    let (_value, residuals): (f64, FResiduals) = f_fwd(1.0, 2.0);
    let (_dx, _dy) = f_bwd(residuals, 1.0);
}
