// A known limit: a #[grad] function that shadows one a glob import brings in (`use super::*`),
// called by its bare name from another #[grad] function in the same module. The caller imports
// its callee (`use square as ..`), and rustc finds a macro-expanded name shadowing a glob import
// ambiguous in an import, though not in an expression. Its hint, `self::square`, is the fix.
mod parent {
    use autodiff_runtime::grad;

    #[grad]
    pub fn square(x: f64) -> f64 {
        x * x
    }

    pub mod child {
        use super::*;

        #[grad]
        pub fn square(x: f64) -> f64 {
            2.0 * x
        }

        #[grad]
        pub fn calls_own(x: f64) -> f64 {
            square(x) + 1.0
        }
    }
}

fn main() {
    let _ = parent::child::calls_own(1.0);
}
