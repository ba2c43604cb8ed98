use autodiff_runtime::grad;

mod nn {
    pub fn relu6(x: f64) -> f64 {
        x
    }
}

#[grad]
fn f(x: f64) -> f64 {
    nn::relu6(x)
}

fn main() {
    let _ = f(1.0);
}
