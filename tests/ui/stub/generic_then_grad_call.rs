use autodiff_runtime::grad;

#[grad]
pub fn f<T: autodiff_runtime::Float>(x: T, y: T) -> T {
    let square = (|v: T| v * v)(x);
    square * y
}

fn main() {
    let (_value, _dx, _dy) = f_grad(1.0_f64, 2.0);
}
