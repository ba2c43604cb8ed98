// A closure called where it is written, neither bound by `let` nor given to `mapv`.
use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    (|y: f64| y * y)(x)
}

fn main() {
    let _ = f(1.0);
}
