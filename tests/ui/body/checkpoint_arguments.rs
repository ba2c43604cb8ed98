use autodiff_runtime::grad;

#[grad]
fn unknown(x: f64, n: usize) -> f64 {
    let mut s = x;
    #[checkpoint(often)]
    for _ in 0..n {
        s = s.sin();
    }
    s
}

#[grad]
fn unknown_with_a_value(x: f64, n: usize) -> f64 {
    let mut s = x;
    #[checkpoint(rate = 3)]
    for _ in 0..n {
        s = s.sin();
    }
    s
}

#[grad]
fn both(x: f64, n: usize) -> f64 {
    let mut s = x;
    #[checkpoint(every = 2, snapshots = 3)]
    for _ in 0..n {
        s = s.sin();
    }
    s
}

#[grad]
fn no_value(x: f64, n: usize) -> f64 {
    let mut s = x;
    #[checkpoint(every)]
    for _ in 0..n {
        s = s.sin();
    }
    s
}

#[grad]
fn twice(x: f64, n: usize) -> f64 {
    let mut s = x;
    #[checkpoint(every = 2)]
    #[checkpoint(snapshots = 3)]
    for _ in 0..n {
        s = s.sin();
    }
    s
}

fn main() {}
