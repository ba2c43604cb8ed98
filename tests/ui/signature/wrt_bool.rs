use autodiff_runtime::grad;

#[grad(wrt(flag))]
fn f(x: f64, flag: bool) -> f64 {
    let _ = flag;
    x
}

fn main() {
    let _ = f_grad(1.0, true);
}
