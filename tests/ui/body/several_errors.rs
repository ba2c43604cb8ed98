use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let a = x % 2.0;
    let b = x.atanh();
    let c = (|y: f64| y)(a + b);
    c
}

fn main() {
    let _ = f(1.0);
}
