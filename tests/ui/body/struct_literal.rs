use autodiff_runtime::grad;

struct P {
    v: f64,
}

#[grad]
fn f(x: f64) -> f64 {
    let p = P { v: x };
    p.v
}

fn main() {
    let _ = f(1.0);
}
