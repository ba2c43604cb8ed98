// Callers reach each callee through an alias they import beside themselves (so that a callee
// with no derivative is an error naming it). That import must find every callee an expression
// can: through a glob import, from a child module's `use super::*`, inside a block (as in a
// doctest, where everything lives in `main`), by `self::`, `super::` and `crate::` paths, and a
// callee two callers in one module share.
use autodiff_runtime::grad;

mod shapes {
    use autodiff_runtime::grad;

    #[grad]
    pub fn square(x: f64) -> f64 {
        x * x
    }

    pub mod inner {
        use autodiff_runtime::grad;

        #[grad]
        pub fn via_super(x: f64) -> f64 {
            super::square(x) + 1.0
        }
    }
}

use shapes::*;

// `square` comes from the glob import.
#[grad]
fn through_glob(x: f64) -> f64 {
    3.0 * square(x)
}

// A second caller of the same callee in the same module.
#[grad]
fn through_glob_again(x: f64) -> f64 {
    square(x) - x
}

#[grad]
fn by_paths(x: f64) -> f64 {
    self::shapes::square(x) + crate::shapes::inner::via_super(x)
}

mod tests_like {
    use super::*;

    // `through_glob` comes from `use super::*`.
    #[grad]
    pub fn from_parent(x: f64) -> f64 {
        through_glob(x) * 2.0
    }
}

// A callee named through `$crate`, from a caller a `macro_rules!` macro writes.
macro_rules! define_caller {
    ($name:ident) => {
        #[grad]
        fn $name(x: f64) -> f64 {
            $crate::shapes::square(x) * 2.0
        }
    };
}

define_caller!(from_macro);

// A caller compiled out: the imports written beside it go with it (`helper` does not exist).
#[grad]
#[cfg(any())]
fn compiled_out(x: f64) -> f64 {
    helper(x)
}

// A module that shadows a callee of its parent with its own calls it as `self::square`
// (`square` alone is ambiguous to the import beside the caller: ui case
// `composition/callee_shadowing_a_glob_import.rs`).
mod shadowing {
    use super::*;

    #[grad]
    pub fn square(x: f64) -> f64 {
        2.0 * x
    }

    #[grad]
    pub fn calls_own(x: f64) -> f64 {
        self::square(x) + through_glob(x)
    }
}

fn main() {
    // Caller and callee both local to a block.
    #[grad]
    fn local_cube(x: f64) -> f64 {
        x * x * x
    }

    #[grad]
    fn local_caller(x: f64) -> f64 {
        local_cube(x) + square(x)
    }

    let x = 1.5;
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
    // Closed forms: d/dx 3x² = 6x; x² - x → 2x - 1; 2x² + 1 → 4x; 6x² → 12x; x³ + x² → 3x² + 2x.
    assert!(close(through_glob_grad(x).1, 6.0 * x));
    assert!(close(through_glob_again_grad(x).1, 2.0 * x - 1.0));
    assert!(close(by_paths_grad(x).1, 4.0 * x));
    assert!(close(tests_like::from_parent_grad(x).1, 12.0 * x));
    assert!(close(local_caller_grad(x).1, 3.0 * x * x + 2.0 * x));
    assert!(close(from_macro_grad(x).1, 4.0 * x));
    // 2x + 3x² → 2 + 6x.
    assert!(close(shadowing::calls_own_grad(x).1, 2.0 + 6.0 * x));
}
