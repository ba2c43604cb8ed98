//! Compile-fail cases for `#[grad]`: every error the macro reports, one program per error, with
//! the compiler's output beside it, and a few programs that must compile and run.
//!
//! Regenerate with `TRYBUILD=overwrite cargo test --test ui` and read every changed `.stderr`:
//! is the error under the offending tokens, does it say what to write instead, and is it the
//! only thing reported (no warnings or second errors caused by the expansion)?
//!
//! - `body/`: constructs outside the straight-line subset;
//! - `signature/`: the attribute's arguments and the function's signature;
//! - `stub/`: a failing `#[grad]` whose companions are called: only the `#[grad]` error shows;
//! - `user_error/`: an error in the user's own code lands on the user's tokens;
//! - `pass/`: programs that must compile and run.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/body/*.rs");
    t.compile_fail("tests/ui/signature/*.rs");
    t.compile_fail("tests/ui/stub/*.rs");
    t.compile_fail("tests/ui/user_error/*.rs");
    t.compile_fail("tests/ui/composition/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
