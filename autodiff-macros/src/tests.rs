//! Tests that drive the expansion on `proc_macro2` tokens: snapshots of the generated code, and a
//! corpus of unusual and malformed inputs that must give code or `compile_error!`, never a panic.

use proc_macro2::TokenStream;

use crate::expand_grad;

/// The expansion of `#[grad(args)] item`, pretty-printed.
fn expand(args: &str, item: &str) -> String {
    let args: TokenStream = args.parse().expect("attribute arguments tokenize");
    let item: TokenStream = item.parse().expect("item tokenizes");
    let output = expand_grad(args, item);
    let file: syn::File = syn::parse2(output.clone())
        .unwrap_or_else(|e| panic!("the expansion does not parse as Rust ({e}):\n{output}"));
    prettyplease::unparse(&file)
}

mod corpus;
mod fuzz;
mod snapshots;

/// `EXPAND_ITEM='fn f(..) ..' [EXPAND_ARGS='wrt(x)'] cargo test -p autodiff-macros print_expansion
/// -- --nocapture` prints what the attribute writes for one function, as `cargo expand` would
/// (without a crate to expand in).
#[test]
fn print_expansion() {
    let Ok(item) = std::env::var("EXPAND_ITEM") else {
        return;
    };
    let args = std::env::var("EXPAND_ARGS").unwrap_or_default();
    println!("{}", expand(&args, &item));
}
