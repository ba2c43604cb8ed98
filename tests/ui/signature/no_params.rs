use autodiff_runtime::grad;

#[grad]
fn f() -> f64 {
    1.0
}

fn main() {
    let _ = f();
}
