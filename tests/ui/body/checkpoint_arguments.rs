use autodiff_runtime::grad;

#[grad]
fn every(x: f64, n: usize) -> f64 {
    let mut s = x;
    #[checkpoint(every = 4)]
    for _ in 0..n {
        s = s.sin();
    }
    s
}

#[grad]
fn unknown(x: f64, n: usize) -> f64 {
    let mut s = x;
    #[checkpoint(often)]
    for _ in 0..n {
        s = s.sin();
    }
    s
}

fn main() {}
