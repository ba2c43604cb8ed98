use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    println!("x = {x}");
    x * x
}

fn main() {
    let _ = f(1.0);
}
