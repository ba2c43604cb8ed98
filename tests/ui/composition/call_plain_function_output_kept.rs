// A plain function whose output the caller keeps for its reverse sweep (indexed, multiplied):
// one error at the call, and nothing about the uses of its result.
use autodiff_runtime::grad;

fn project(cam: &[f64; 3], x: f64) -> [f64; 2] {
    [cam[0] * x, cam[1] * x + cam[2]]
}

#[grad]
fn objective(cam: &[f64; 3], x: f64) -> f64 {
    let e = project(cam, x);
    e[0] * e[0] + e[1] * e[1]
}

fn main() {
    let _ = objective(&[1.0, 2.0, 3.0], 1.0);
}
