use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> usize {
    x as usize
}

fn main() {
    let _ = f(1.0);
}
