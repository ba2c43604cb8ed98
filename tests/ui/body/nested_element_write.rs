use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    let mut m = [[0.0; 2]; 2];
    m[0][1] = x;
    m[0][1] * x
}

fn main() {
    let _ = f(1.0);
}
