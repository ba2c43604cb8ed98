use autodiff_runtime::grad;

trait Foo {
    fn foo(self) -> f64;
}

impl Foo for f64 {
    fn foo(self) -> f64 {
        self
    }
}

#[grad]
fn f(x: f64) -> f64 {
    x.foo() * 2.0
}

fn main() {
    let _ = f(1.0);
}
