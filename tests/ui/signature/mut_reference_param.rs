use autodiff_runtime::grad;

#[grad]
fn f(x: &mut f64) -> f64 {
    *x * 2.0
}

fn main() {
    let _ = f(&mut 1.0);
}
