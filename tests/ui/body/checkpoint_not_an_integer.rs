use autodiff_runtime::grad;

#[grad]
fn a_float(x: f64, n: usize) -> f64 {
    let mut s = x;
    #[checkpoint(every = 2.5)]
    for _ in 0..n {
        s = s.sin();
    }
    s
}

#[grad]
fn a_variable(x: f64, n: usize) -> f64 {
    let mut s = x;
    #[checkpoint(snapshots = n)]
    for _ in 0..n {
        s = s.sin();
    }
    s
}

#[grad]
fn a_string(x: f64, n: usize) -> f64 {
    let mut s = x;
    #[checkpoint(every = "10")]
    for _ in 0..n {
        s = s.sin();
    }
    s
}

fn main() {}
