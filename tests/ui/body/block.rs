use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let y = {
        let z = x * x;
        z + 1.0
    };
    y
}

fn main() {
    let _ = f(1.0);
}
