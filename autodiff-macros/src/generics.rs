//! The generics and lifetimes of the items written beside a function.
//!
//! In: the function's generics and parameter types. Out: the companions' generics (a float type
//! parameter bounded `'static`), and parameter types with every elided lifetime named, so that
//! the residuals struct and the descriptor can spell them.

use syn::{Generics, Lifetime, Type};

/// The companions' generics: the function's own, with `T: 'static` where it is generic over
/// its float type alone, as the descriptors of generic callees require (residuals keep callees'
/// residuals at `'static`). Float types are `'static`.
pub fn companion_generics(sig: &syn::Signature) -> Generics {
    let mut generics = sig.generics.clone();
    let Some(float) = crate::input::float_type_param(sig).cloned() else {
        return generics;
    };
    let bound: syn::TypeParamBound = syn::parse_quote!('static);
    // Where the user wrote the bounds, so that they stay in one place (clippy:
    // multiple_bound_locations).
    let in_where = generics.where_clause.as_mut().and_then(|w| {
        w.predicates.iter_mut().find_map(|p| match p {
            syn::WherePredicate::Type(t)
                if matches!(&t.bounded_ty, Type::Path(p) if p.path.is_ident(&float)) =>
            {
                Some(&mut t.bounds)
            }
            _ => None,
        })
    });
    match in_where {
        Some(bounds) => bounds.push(bound),
        None => {
            if let Some(param) = generics.type_params_mut().next() {
                param.bounds.push(bound);
            }
        }
    }
    generics
}

/// Whether `ty` has a reference or an ndarray view without a written lifetime (which a stored
/// field must name).
pub fn has_elided_reference(ty: &Type) -> bool {
    match ty {
        Type::Path(_) => elided_view_lifetime(ty),
        Type::Reference(r) => {
            r.lifetime.as_ref().is_none_or(|l| l.ident == "_") || has_elided_reference(&r.elem)
        }
        Type::Paren(p) => has_elided_reference(&p.elem),
        Type::Group(g) => has_elided_reference(&g.elem),
        Type::Array(a) => has_elided_reference(&a.elem),
        Type::Slice(s) => has_elided_reference(&s.elem),
        _ => false,
    }
}

/// `ArrayView2<'a, f64>`, written with its lifetime or not.
pub fn is_view(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident.to_string().starts_with("ArrayView")))
}

/// `ArrayView2<f64>` or `ArrayView2<'_, f64>`: a view whose lifetime is not written.
fn elided_view_lifetime(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    if !is_view(ty) {
        return false;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => !args
            .args
            .iter()
            .any(|a| matches!(a, syn::GenericArgument::Lifetime(l) if l.ident != "_")),
        _ => false,
    }
}

/// Gives every elided lifetime in `ty` a named one from `fresh`, which is told whether the
/// lifetime is covariant (a reference's) or not (a view's).
pub fn with_lifetimes(ty: &Type, fresh: &mut dyn FnMut(bool) -> Lifetime) -> Type {
    let mut ty = ty.clone();
    fn visit(ty: &mut Type, fresh: &mut dyn FnMut(bool) -> Lifetime) {
        match ty {
            Type::Reference(r) => {
                if r.lifetime.as_ref().is_none_or(|l| l.ident == "_") {
                    r.lifetime = Some(fresh(true));
                }
                visit(&mut r.elem, fresh);
            }
            Type::Path(p) if elided_view_lifetime(&Type::Path(p.clone())) => {
                if let Some(syn::PathArguments::AngleBracketed(args)) =
                    p.path.segments.last_mut().map(|s| &mut s.arguments)
                {
                    let args_list = &mut args.args;
                    let kept: Vec<syn::GenericArgument> = args_list
                        .iter()
                        .filter(|a| !matches!(a, syn::GenericArgument::Lifetime(_)))
                        .cloned()
                        .collect();
                    args_list.clear();
                    args_list.push(syn::GenericArgument::Lifetime(fresh(false)));
                    args_list.extend(kept);
                }
            }
            Type::Paren(p) => visit(&mut p.elem, fresh),
            Type::Group(g) => visit(&mut g.elem, fresh),
            Type::Array(a) => visit(&mut a.elem, fresh),
            Type::Slice(s) => visit(&mut s.elem, fresh),
            _ => {}
        }
    }
    visit(&mut ty, fresh);
    ty
}

/// The named lifetimes written in a type (`'a` of `ArrayView1<'a, f64>` or `&'a [f64]`), other
/// than `'static` and `'_`.
pub fn written_lifetimes(ty: &Type) -> Vec<Lifetime> {
    let mut found = Vec::new();
    fn visit(ty: &Type, found: &mut Vec<Lifetime>) {
        match ty {
            Type::Reference(r) => {
                if let Some(l) = &r.lifetime {
                    found.push(l.clone());
                }
                visit(&r.elem, found);
            }
            Type::Path(p) => {
                for segment in &p.path.segments {
                    if let syn::PathArguments::AngleBracketed(args) = &segment.arguments {
                        for arg in &args.args {
                            match arg {
                                syn::GenericArgument::Lifetime(l) => found.push(l.clone()),
                                syn::GenericArgument::Type(t) => visit(t, found),
                                _ => {}
                            }
                        }
                    }
                }
            }
            Type::Paren(p) => visit(&p.elem, found),
            Type::Group(g) => visit(&g.elem, found),
            Type::Array(a) => visit(&a.elem, found),
            Type::Slice(s) => visit(&s.elem, found),
            _ => {}
        }
    }
    visit(ty, &mut found);
    found.retain(|l| l.ident != "static" && l.ident != "_");
    found
}

/// Whether a parameter's type has an `impl Trait` in it (`impl Copy`, `&impl Float`,
/// `(impl Copy, f64)`): a generic parameter that cannot be named.
pub fn takes_impl_trait(input: &crate::input::Input) -> bool {
    fn mentions_impl(tokens: proc_macro2::TokenStream) -> bool {
        tokens.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => i == "impl",
            proc_macro2::TokenTree::Group(g) => mentions_impl(g.stream()),
            _ => false,
        })
    }
    input.params.iter().any(|p| {
        let ty = &p.ty;
        mentions_impl(quote::quote!(#ty))
    })
}
