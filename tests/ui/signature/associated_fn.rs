use autodiff_runtime::grad;

struct S;

impl S {
    #[grad]
    fn f(x: f64) -> f64 {
        x * x
    }
}

fn main() {
    let _ = S::f(1.0);
}
