use autodiff_runtime::grad;

// Assigning to a field of a tuple: the error says to assign the whole tuple.
#[grad]
fn f(p: (f64, f64)) -> f64 {
    let mut q = p;
    q.0 = 1.0;
    q.0 * q.1
}

fn main() {
    let _ = f((1.0, 2.0));
}
