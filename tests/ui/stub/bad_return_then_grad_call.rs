use autodiff_runtime::grad;

#[grad]
pub fn f(x: f64, y: f64) -> usize {
    (x * y) as usize
}

fn main() {
    let (_value, _dx, _dy) = f_grad(1.0, 2.0);
}
