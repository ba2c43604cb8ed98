//! `#[grad]` by finite differences: see the `cf-fd-shim` crate (`../shim`).

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as Tokens};
use quote::{format_ident, quote};
use syn::{
    FnArg, GenericArgument, Ident, ItemFn, Pat, PathArguments, ReturnType, Type, parse_macro_input,
};

/// Keeps the function as it is (the stand-in differentiates it by finite differences) and marks
/// its pullback used.
#[proc_macro_attribute]
pub fn custom_vjp(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item: Tokens = item.into();
    let mut tokens = Tokens::from(attr).into_iter();
    let mut pullback = None;
    while let Some(t) = tokens.next() {
        if let proc_macro2::TokenTree::Ident(i) = &t
            && i == "pullback"
        {
            pullback = tokens.nth(1);
        }
    }
    match pullback {
        Some(p) => quote!(#item const _: () = { let _ = #p; };).into(),
        None => item.into(),
    }
}

#[proc_macro_attribute]
pub fn grad(attr: TokenStream, item: TokenStream) -> TokenStream {
    let attr: Tokens = attr.into();
    let func = parse_macro_input!(item as ItemFn);
    match expand(attr, &func) {
        Ok(t) => t.into(),
        Err(e) => {
            let e = e.to_compile_error();
            quote!(#func #e).into()
        }
    }
}

/// The names listed in `wrt(..)`, if any.
fn wrt(attr: Tokens) -> Option<Vec<String>> {
    let mut it = attr.into_iter().peekable();
    while let Some(tt) = it.next() {
        if let proc_macro2::TokenTree::Ident(i) = &tt
            && i == "wrt"
            && let Some(proc_macro2::TokenTree::Group(g)) = it.next()
        {
            return Some(
                g.stream()
                    .into_iter()
                    .filter_map(|t| match t {
                        proc_macro2::TokenTree::Ident(i) => Some(i.to_string()),
                        _ => None,
                    })
                    .collect(),
            );
        }
    }
    None
}

fn mentions_float(ty: &Type, generics: &[String]) -> bool {
    let s = quote!(#ty).to_string();
    s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w == "f32" || w == "f64" || generics.iter().any(|g| g == w))
}

fn is_scalar(ty: &Type, generics: &[String]) -> bool {
    let s = quote!(#ty).to_string();
    s == "f32" || s == "f64" || generics.contains(&s)
}

/// How an active parameter is owned and passed back.
struct Plan {
    /// expression making the owned copy from the parameter `p`
    own: Tokens,
    /// the owned type (the gradient's type)
    owned: Type,
    /// expression passing the owned copy `q` as the parameter
    pass: Tokens,
}

fn strip_lifetimes(ty: &Type) -> Type {
    let mut ty = ty.clone();
    if let Type::Path(tp) = &mut ty {
        for seg in tp.path.segments.iter_mut() {
            if let PathArguments::AngleBracketed(a) = &mut seg.arguments {
                a.args = a
                    .args
                    .iter()
                    .filter(|g| !matches!(g, GenericArgument::Lifetime(_)))
                    .cloned()
                    .collect();
            }
        }
    }
    ty
}

fn plan(name: &Ident, ty: &Type) -> Plan {
    let q = quote!(__q);
    match ty {
        Type::Reference(r) => match &*r.elem {
            Type::Slice(s) => {
                let e = &s.elem;
                Plan {
                    own: quote!(#name.to_vec()),
                    owned: syn::parse_quote!(::std::vec::Vec<#e>),
                    pass: quote!(&#q[..]),
                }
            }
            other => {
                let other = strip_lifetimes(other);
                Plan {
                    own: quote!(::core::clone::Clone::clone(#name)),
                    owned: other,
                    pass: quote!(#q),
                }
            }
        },
        Type::Path(tp) => {
            let last = tp.path.segments.last().unwrap();
            let id = last.ident.to_string();
            if let Some(rest) = id.strip_prefix("ArrayView") {
                let mut owned = strip_lifetimes(ty);
                if let Type::Path(op) = &mut owned {
                    let seg = op.path.segments.last_mut().unwrap();
                    seg.ident = Ident::new(&format!("Array{rest}"), Span::call_site());
                }
                Plan {
                    own: quote!(#name.to_owned()),
                    owned,
                    pass: quote!(#q.view()),
                }
            } else {
                Plan {
                    own: quote!(::core::clone::Clone::clone(&#name)),
                    owned: ty.clone(),
                    pass: quote!(::core::clone::Clone::clone(#q)),
                }
            }
        }
        _ => Plan {
            own: quote!(::core::clone::Clone::clone(&#name)),
            owned: ty.clone(),
            pass: quote!(::core::clone::Clone::clone(#q)),
        },
    }
}

fn expand(attr: Tokens, func: &ItemFn) -> syn::Result<Tokens> {
    let wrt = wrt(attr);
    let sig = &func.sig;
    let vis = &func.vis;
    let name = &sig.ident;
    let generics = &sig.generics;
    let (_, ty_generics, where_clause) = generics.split_for_impl();
    let turbofish = ty_generics.as_turbofish();
    let type_params: Vec<String> = generics
        .type_params()
        .map(|t| t.ident.to_string())
        .collect();
    let mut params = Vec::new();
    for input in &sig.inputs {
        let FnArg::Typed(pt) = input else {
            return Err(syn::Error::new_spanned(input, "shim: no receivers"));
        };
        let Pat::Ident(pi) = &*pt.pat else {
            return Err(syn::Error::new_spanned(
                &pt.pat,
                "shim: plain parameter names only",
            ));
        };
        params.push((pi.ident.clone(), (*pt.ty).clone()));
    }
    let active: Vec<bool> = params
        .iter()
        .map(|(n, t)| match &wrt {
            Some(list) => list.iter().any(|w| n == w),
            None => mentions_float(t, &type_params),
        })
        .collect();
    let ret: Type = match &sig.output {
        ReturnType::Type(_, t) => (**t).clone(),
        ReturnType::Default => return Err(syn::Error::new_spanned(sig, "shim: needs an output")),
    };
    let decls: Vec<Tokens> = params.iter().map(|(n, t)| quote!(#n: #t)).collect();
    let clone_all = |replace: Option<(usize, &Tokens)>| -> Vec<Tokens> {
        params
            .iter()
            .enumerate()
            .map(|(k, (n, _))| match replace {
                Some((r, pass)) if r == k => pass.clone(),
                _ => quote!(::core::clone::Clone::clone(&#n)),
            })
            .collect()
    };
    let mut grads = Vec::new();
    let mut grad_tys = Vec::new();
    for (k, (n, t)) in params.iter().enumerate() {
        if !active[k] {
            continue;
        }
        let Plan { own, owned, pass } = plan(n, t);
        let args = clone_all(Some((k, &pass)));
        let g = format_ident!("__g_{}", n);
        grads.push((
            g.clone(),
            quote! {
                let #g: #owned = {
                    let __p: #owned = #own;
                    ::cf_fd_shim::fd(&__p, |__q: &#owned| {
                        let __out: #ret = #name #turbofish(#(#args),*);
                        ::cf_fd_shim::pair(&__out, &__bar)
                    })
                };
            },
        ));
        grad_tys.push(owned);
    }
    let value_args = clone_all(None);
    let gnames: Vec<&Ident> = grads.iter().map(|(g, _)| g).collect();
    let gcode: Vec<&Tokens> = grads.iter().map(|(_, c)| c).collect();
    let scalar = is_scalar(&ret, &type_params);
    let by_value = scalar || matches!(ret, Type::Array(_));
    let bar_decl = if by_value {
        quote!(bar_out: #ret)
    } else {
        quote!(bar_out: &#ret)
    };
    let bar_own = if by_value {
        quote!(let __bar: #ret = bar_out;)
    } else {
        quote!(let __bar: #ret = ::core::clone::Clone::clone(bar_out);)
    };
    let vjp = format_ident!("{}_vjp", name);
    let gradf = format_ident!("{}_grad", name);
    let vjp_fn = quote! {
        #[allow(dead_code, clippy::all)]
        #vis fn #vjp #generics (#(#decls,)* #bar_decl) -> (#ret, #(#grad_tys),*) #where_clause {
            #bar_own
            #(#gcode)*
            let __value: #ret = #name #turbofish(#(#value_args),*);
            (__value, #(#gnames),*)
        }
    };
    let grad_fn = if scalar {
        let args: Vec<&Ident> = params.iter().map(|(n, _)| n).collect();
        quote! {
            #[allow(dead_code, clippy::all)]
            #vis fn #gradf #generics (#(#decls),*) -> (#ret, #(#grad_tys),*) #where_clause {
                #vjp #turbofish(#(#args,)* (1.0 as #ret))
            }
        }
    } else {
        quote!()
    };
    Ok(quote! {
        #func
        #vjp_fn
        #grad_fn
    })
}
