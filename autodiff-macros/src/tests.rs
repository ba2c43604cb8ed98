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
