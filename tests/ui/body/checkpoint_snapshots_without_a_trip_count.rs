use autodiff_runtime::grad;

#[grad]
fn a_while_loop(x: f64) -> f64 {
    let mut s = x;
    #[checkpoint(snapshots = 4)]
    while s > 0.1 {
        s = 0.5 * s;
    }
    s
}

#[grad]
fn a_loop(x: f64) -> f64 {
    let mut s = x;
    #[checkpoint(snapshots = 4)]
    loop {
        s = 0.5 * s;
        if s < 0.1 {
            break;
        }
    }
    s
}

fn main() {}
