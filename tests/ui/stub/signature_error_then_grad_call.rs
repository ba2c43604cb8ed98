use autodiff_runtime::grad;

#[grad(wrt(z))]
pub fn f(x: f64, y: f64) -> f64 {
    x * y
}

fn main() {
    let (_value, _dx, _dy) = f_grad(1.0, 2.0);
}
