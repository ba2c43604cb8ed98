use autodiff_runtime::grad;

mod nn {
    pub fn softplus(x: f64) -> f64 {
        x
    }
}

#[grad]
fn f(x: f64) -> f64 {
    nn::softplus(x)
}

fn main() {
    let _ = f(1.0);
}
