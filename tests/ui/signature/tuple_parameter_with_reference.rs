// A reference inside a tuple parameter: the error says to take the tuple by reference instead.
use autodiff_runtime::grad;

#[grad]
fn f<'a>(p: (&'a [f64; 2], f64)) -> f64 {
    p.0[0] * p.1
}

fn main() {
    let _ = f((&[1.0, 2.0], 3.0));
}
