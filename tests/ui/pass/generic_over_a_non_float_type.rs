//! A `#[grad]` function generic over a type that is not its float type: a type parameter is a
//! float type only where the output is of it or a float trait bounds it; `U` here is a constant's
//! type (issue 9, item 6: once "`U: Zero` is not satisfied" in the function's own expansion).
use autodiff_runtime::{Float, grad};

#[derive(Clone, Copy)]
struct Tag;

#[grad]
fn tagged<T: Float, U: Copy>(x: T, _tag: U) -> T {
    x * x
}

#[grad]
fn where_bounded<T, L>(x: &[T; 2], _label: L) -> T
where
    T: Float,
    L: Copy,
{
    x[0] * x[1]
}

fn main() {
    assert_eq!(tagged_grad(3.0_f64, Tag), (9.0, 6.0));
    assert_eq!(tagged_grad(3.0_f32, 7_u8), (9.0, 6.0));
    assert_eq!(where_bounded_grad(&[2.0, 5.0], "label"), (10.0, [5.0, 2.0]));
}
