use autodiff_runtime::grad;

pub struct Settings {
    pub scale: f64,
}

// A named field (tuple fields, `p.0`, are supported).
#[grad]
fn f(x: f64, settings: &Settings) -> f64 {
    x * settings.scale
}

fn main() {
    let _ = f(1.0, &Settings { scale: 2.0 });
}
