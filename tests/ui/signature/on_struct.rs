use autodiff_runtime::grad;

#[grad]
struct S {
    x: f64,
}

fn main() {
    let _ = S { x: 1.0 }.x;
}
