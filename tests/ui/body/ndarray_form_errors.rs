// The ndarray and closure forms #[grad] rejects, each with what to write instead.
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::{Array1, Axis, array, concatenate};

// `slice` takes `s![..]`.
#[grad]
fn slice_without_s(a: &Array1<f64>) -> f64 {
    a.slice(0..2).sum()
}

// `array!` with rows of different lengths.
#[grad]
fn ragged_array(x: f64) -> f64 {
    let m = array![[x, 1.0], [2.0]];
    m.sum()
}

// `concatenate` returns a `Result`.
#[grad]
fn concatenate_not_unwrapped(a: &Array1<f64>) -> f64 {
    let c = concatenate(Axis(0), &[a.view(), a.view()]);
    c.sum()
}

// `push` on something that is not a local `Vec`.
#[grad]
fn push_on_an_array(a: &Array1<f64>, x: f64) -> f64 {
    let mut b = a.to_owned();
    b.push(x);
    b.sum()
}

// A closure called with the wrong number of arguments.
#[grad]
fn closure_arity(x: f64) -> f64 {
    let g = |a: f64, b: f64| a * b;
    g(x)
}

// A `mapv` closure reading a reference to a differentiated float.
#[grad]
fn captured_reference(a: &Array1<f64>, s: &f64) -> f64 {
    a.mapv(|v| v * s).sum()
}

// An iterator sum in a function generic over its float type.
#[grad]
fn generic_sum<T: autodiff_runtime::Float>(x: &[T]) -> T {
    x.iter().map(|v| *v * *v).sum::<T>()
}

fn main() {}
