use autodiff_runtime::grad;

#[grad]
pub fn f(x: f64) {
    let _ = x;
}

fn main() {
    f(1.0);
    let _ = f_grad(1.0);
}
