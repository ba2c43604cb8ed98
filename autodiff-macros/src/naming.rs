//! Names in the generated code.
//!
//! In: every identifier the user wrote in the function (signature and body). Out: fresh,
//! deterministic names that never equal any of them, so the expansion reads the same with or
//! without hygiene (`cargo expand` drops it): user variables keep their name, a rebound one gets a
//! numbered suffix (`a`, `a_1`, …), cotangents are `bar_<name>`, temporaries `t1, t2, …`.
//! Every generated identifier has `Span::mixed_site()` resolution, so it cannot capture or be
//! captured by a name at the call site, located at the user's tokens it stands for.

use std::collections::HashSet;

use proc_macro2::{Ident, Span, TokenStream, TokenTree};

pub struct Names {
    taken: HashSet<String>,
    next_temp: usize,
}

impl Names {
    /// Starts from the identifiers that appear anywhere in `tokens`.
    pub fn new(tokens: TokenStream) -> Self {
        let mut taken = HashSet::new();
        collect(tokens, &mut taken);
        Names {
            taken,
            next_temp: 1,
        }
    }

    /// A name for a binding of the user variable `base`: `base` itself the first time it is
    /// bound, then `base_1`, `base_2`, … skipping anything already taken.
    pub fn variable(&mut self, base: &str, span: Span, first_binding: bool) -> Ident {
        let base = unraw(base);
        if first_binding && self.claim_own(base) {
            return ident(base, span);
        }
        self.numbered(base, span)
    }

    /// A fresh `tN` temporary.
    pub fn temp(&mut self, span: Span) -> Ident {
        loop {
            let name = format!("t{}", self.next_temp);
            self.next_temp += 1;
            if self.taken.insert(name.clone()) {
                return ident(&name, span);
            }
        }
    }

    /// A fresh name built from `base` (`bar_x`, `residuals`, …).
    pub fn fresh(&mut self, base: &str, span: Span) -> Ident {
        let base = unraw(base);
        if self.taken.insert(base.to_owned()) {
            return ident(base, span);
        }
        self.numbered(base, span)
    }

    /// The cotangent of `primal`: `bar_<primal>`, or a numbered variant if the user took it.
    pub fn cotangent(&mut self, primal: &Ident) -> Ident {
        let name = format!("bar_{}", unraw(&primal.to_string()));
        self.fresh(&name, primal.span())
    }

    /// A fresh lifetime name (without the quote) built from `base`.
    pub fn fresh_lifetime(&mut self, base: &str) -> String {
        let mut candidate = base.to_owned();
        let mut n = 1;
        while !self.taken.insert(candidate.clone()) {
            candidate = format!("{base}{n}");
            n += 1;
        }
        candidate
    }

    /// The user's own name for the first binding of a variable is theirs to use: it is taken
    /// only by the user, and we reuse it exactly once.
    fn claim_own(&mut self, base: &str) -> bool {
        self.taken.insert(format!("\u{0}own:{base}"))
    }

    fn numbered(&mut self, base: &str, span: Span) -> Ident {
        let mut n = 1;
        loop {
            let name = format!("{base}_{n}");
            if self.taken.insert(name.clone()) {
                return ident(&name, span);
            }
            n += 1;
        }
    }
}

/// Builds an identifier; a keyword the user wrote as a raw identifier (`r#type`) stays raw.
fn ident(name: &str, located_at: Span) -> Ident {
    let span = Span::mixed_site().located_at(located_at);
    // `self`, `super`, `crate` and `Self` are identifiers that cannot be raw; rustc reports
    // binding them in the original function.
    if syn::parse_str::<Ident>(name).is_ok() || ["self", "Self", "super", "crate"].contains(&name) {
        Ident::new(name, span)
    } else {
        Ident::new_raw(name, span)
    }
}

/// `r#type` → `type`: names are compared and suffixed without the raw prefix.
fn unraw(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

fn collect(tokens: TokenStream, taken: &mut HashSet<String>) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) => {
                taken.insert(unraw(&ident.to_string()).to_owned());
            }
            TokenTree::Group(group) => collect(group.stream(), taken),
            TokenTree::Punct(_) | TokenTree::Literal(_) => {}
        }
    }
}

/// `snake_case` → `SnakeCase`, for the residuals struct named after the function.
pub fn upper_camel(snake: &str) -> String {
    snake
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(chars).collect::<String>()
        })
        .collect()
}

/// `::autodiff_runtime`, the crate generated code names the runtime by, located at `span`.
pub fn runtime(span: Span) -> TokenStream {
    quote::quote_spanned!(span=> ::autodiff_runtime)
}

/// `::autodiff_runtime::__private`, the runtime's items for generated code only, located at
/// `span`. The one place the macro writes this path.
pub fn private(span: Span) -> TokenStream {
    quote::quote_spanned!(span=> ::autodiff_runtime::__private)
}
