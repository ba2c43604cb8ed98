use autodiff_runtime::grad;

#[grad]
fn every_zero(x: f64, n: usize) -> f64 {
    let mut s = x;
    #[checkpoint(every = 0)]
    for _ in 0..n {
        s = s.sin();
    }
    s
}

#[grad]
fn no_snapshots(x: f64, n: usize) -> f64 {
    let mut s = x;
    #[checkpoint(snapshots = 0)]
    for _ in 0..n {
        s = s.sin();
    }
    s
}

fn main() {}
