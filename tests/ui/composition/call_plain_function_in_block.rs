// A plain function called from a #[grad] function where both live in a block (as in a doctest):
// the error names the function and the two ways to fix it, once.
use autodiff_runtime::grad;

fn main() {
    fn helper(x: f64) -> f64 {
        x * x
    }

    #[grad]
    fn f(x: f64) -> f64 {
        helper(x) * 2.0
    }

    let _ = f(1.0);
}
