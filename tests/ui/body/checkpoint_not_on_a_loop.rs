use autodiff_runtime::grad;

#[grad]
fn f(x: f64) -> f64 {
    #[checkpoint]
    let y = x.sin();
    y * y
}

fn main() {}
