use autodiff_runtime::grad;

mod m {
    pub fn helper(x: f64) -> f64 {
        x
    }
}

#[grad]
fn f(x: f64) -> f64 {
    m::helper(x)
}

fn main() {
    let _ = f(1.0);
}
