use autodiff_runtime::grad;

#[grad]
fn f(x: f64, n: usize) -> f64 {
    let mut s = x;
    let mut k = n;
    while let 1.. = k {
        s = s * 0.5;
        k -= 1;
    }
    s
}

fn main() {
    let _ = f(1.0, 3);
}
