// A method the table does not have and whose name is near none it has: the error lists every
// float method, and for an array every array method and `nn` function. This is the one case
// whose expected output spells out the lists (a name near one the table has gets a suggestion
// instead: `array_unknown_method`, `several_errors`, `nn_user_module`).
use autodiff_runtime::grad;
use autodiff_runtime::ndarray::Array1;

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

#[grad]
fn g(a: &Array1<f64>) -> f64 {
    a.product()
}

fn main() {
    let _ = f(1.0);
    let _ = g(&Array1::zeros(3));
}
