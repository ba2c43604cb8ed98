use autodiff_runtime::grad;

#[grad]
pub fn f(x: f64, y: f64) -> [f64; 2] {
    let v = [x, y];
    (|w: [f64; 2]| w)(v)
}

fn main() {
    let (_value, _dx, _dy) = f_vjp(1.0, 2.0, [1.0, 0.0]);
}
