use autodiff_runtime::grad;

#[grad(wrt(z))]
async unsafe fn f(x: &mut f64, (a, b): (f64, f64)) -> f64 {
    *x * a * b
}

fn main() {
    let mut x = 1.0;
    let _ = unsafe { f(&mut x, (2.0, 3.0)) };
}
