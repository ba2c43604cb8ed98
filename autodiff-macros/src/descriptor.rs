//! The descriptor that lets other `#[grad]` functions call this one.
//!
//! In: the [`Input`] and the names of the residuals struct and the halves. Out: an uninhabited
//! `enum` named like the function (types and functions live in different namespaces, so
//! `path::f` names both) implementing the runtime's `Kept` (the output type, the residuals type
//! at one lifetime) and `Differentiable` (`forward`, and a `backward` that returns a cotangent
//! for every parameter, `()` for constants), so a caller needs to know nothing of this
//! function's `wrt`: where `wrt` narrows the function, the descriptor wraps the hidden halves that
//! differentiate every float parameter ([`Variant::Full`](crate::input::Variant::Full)).
//!
//! Only for functions that are not generic, or generic over their float type alone, whose output
//! is a float, a fixed-size array or an ndarray array; calls to other functions are reported
//! where they are made.
//!
//! Also the caller's side: how it reaches its callees' descriptors ([`callee_items`]).

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;

use crate::input::{Input, Shape, float_type_param, gradient_type};
use crate::ssa::Callees;
use crate::types::{PRIMITIVE_TYPES, copied_reference};

/// `<alias as Differentiable<F>>`: the descriptor of a callee (reached through its
/// [`Callees`] alias), asked for by a caller computing in the float type `F`
/// ([`Input::float_type`]).
pub fn of(alias: &Ident, float: &syn::Type) -> TokenStream {
    // At the callee's name, where an error about the callee belongs.
    let private = crate::naming::private(alias.span());
    quote_spanned!(alias.span()=> <#alias as #private::Differentiable<#float>>)
}

/// `<alias as Ownable<F>>`, the halves a caller passing only plain data uses (`owned`), or
/// [`of`].
pub fn for_call(alias: &Ident, float: &syn::Type, owned: bool) -> TokenStream {
    let private = crate::naming::private(alias.span());
    if owned {
        quote_spanned!(alias.span()=> <#alias as #private::Ownable<#float>>)
    } else {
        of(alias, float)
    }
}

/// The callee's name in the call, where [`of`] puts it (`or` where the tokens are empty).
pub fn callee_span(descriptor: &TokenStream, or: Span) -> Span {
    descriptor
        .clone()
        .into_iter()
        .next()
        .map_or(or, |t| t.span())
}

/// `<alias as Kept<F>>`: the callee's output and residuals types, for the caller's residuals
/// struct, named even where the callee turns out to have no descriptor.
pub fn kept(alias: &Ident, float: &syn::Type) -> TokenStream {
    let private = crate::naming::private(alias.span());
    quote_spanned!(alias.span()=> <#alias as #private::Kept<#float>>)
}

/// The imports and the hidden module of fallbacks a caller declares beside itself, under its
/// `cfg` attributes, for its [`Callees`].
///
/// A function is a value and its descriptor a type of the same name; a plain function has
/// nothing in the type namespace, and asking for `<helper as Differentiable>` there would only
/// get rustc's "expected type, found function". So the caller imports each callee under an alias
/// (`use helper as __f_calls_helper;`), which brings the descriptor along if there is one, and
/// glob-imports a fallback of the same name from a hidden module. An explicit import shadows a
/// glob, so the fallback is seen only where no descriptor exists, and its `Differentiable` impl
/// requires a trait nobody implements, whose `#[diagnostic::on_unimplemented]` message names
/// the callee and the two ways to make it callable.
pub fn callee_items(callees: &Callees, caller: &syn::ItemFn) -> TokenStream {
    if callees.called.is_empty() {
        return TokenStream::new();
    }
    let attrs: Vec<&syn::Attribute> = cfg_attrs(caller).collect();
    let caller = &caller.sig.ident;
    // `use` paths start where the macro's edition says (relative to this module), not the
    // caller's: in a 2015-edition crate they would start at the crate root.
    let module = format_ident!(
        "__{}_callees",
        caller.unraw(),
        span = Span::mixed_site().located_at(caller.span())
    );
    let imports = callees.called.iter().map(|callee| {
        let alias = &callee.alias;
        let mut path = callee.path.clone();
        if let Some(first) = path.segments.first_mut()
            && !["crate", "self", "super", "Self", "$crate"]
                .contains(&first.ident.to_string().as_str())
        {
            first
                .ident
                .set_span(Span::mixed_site().located_at(first.ident.span()));
        }
        quote! {
            #(#attrs)*
            #[allow(unused_imports)]
            use #path as #alias;
        }
    });
    let fallbacks = callees
        .called
        .iter()
        .map(|callee| fallback(&callee.path, &callee.alias, &callee.stem));
    quote! {
        #(#imports)*
        #(#attrs)*
        #[allow(unused_imports)]
        use #module::*;
        #(#attrs)*
        #[doc(hidden)]
        #[allow(non_camel_case_types, non_snake_case, dead_code)]
        mod #module {
            #(#fallbacks)*
        }
    }
}

/// What `alias` names where `path` has no descriptor: a type whose `Differentiable` impl
/// cannot be used, reporting why at the call (the runtime's `callee_without_descriptor!`);
/// `called` names the requirement it misses.
fn fallback(path: &syn::Path, alias: &Ident, called: &str) -> TokenStream {
    let name = path.to_token_stream().to_string().replace(' ', "");
    let last = &path.segments.last().expect("a path has a segment").ident;
    let message = format!(
        "`{name}` cannot be differentiated: it is marked neither #[grad] nor #[custom_vjp]"
    );
    let note = format!(
        "mark `{last}` #[grad] to differentiate through its body, or give it a pullback of your \
         own with #[custom_vjp(pullback = {last}_pullback)]"
    );
    let requirement = Ident::new(
        &format!("{called}_is_marked_grad_or_custom_vjp"),
        last.span(),
    );
    let private = crate::naming::private(last.span());
    quote! {
        #private::callee_without_descriptor! {
            pub #alias,
            #requirement,
            message = #message,
            label = "called from a #[grad] function",
            note = #note,
        }
    }
}

/// The function's `cfg` attributes, which the items written beside it share.
fn cfg_attrs(function: &syn::ItemFn) -> impl Iterator<Item = &syn::Attribute> {
    function
        .attrs
        .iter()
        .filter(|a| matches!(a.style, syn::AttrStyle::Outer) && a.path().is_ident("cfg"))
}

/// Whether a caller can differentiate through this function.
pub fn callable(input: &Input) -> bool {
    not_callable(input).is_none()
}

/// Why a caller cannot differentiate through this function, if it cannot.
fn not_callable(input: &Input) -> Option<&'static str> {
    let generics = &input.item.sig.generics;
    // `impl Trait` parameters are generics too.
    if crate::generics::takes_impl_trait(input) {
        Some("it takes an `impl Trait` parameter")
    } else if !generics.params.is_empty() && float_type_param(&input.item.sig).is_none() {
        Some("it has generic parameters other than one float type")
    } else {
        match input.output_shape {
            Shape::Scalar | Shape::FixedArray | Shape::NdArray(_) => None,
            Shape::Tuple => Some("it returns a tuple"),
            Shape::DynArray | Shape::List => Some("it returns a slice or a `Vec`"),
            Shape::Constant => Some("it returns no float"),
        }
    }
}

/// Where a `#[grad]` function cannot be called from another: a descriptor all the same, so that
/// callers find one, whose `Differentiable` impl requires a trait nobody implements, whose
/// message says why (the runtime's `callee_without_descriptor!`, as for plain functions).
/// `function` is the function as written (for its name and `cfg` attributes).
pub fn uncallable(function: &syn::ItemFn, reason: &str) -> TokenStream {
    let name = &function.sig.ident;
    if PRIMITIVE_TYPES.iter().any(|ty| name == ty) {
        return TokenStream::new();
    }
    let requirement = format_ident!("{}_is_callable_from_grad", name.unraw());
    let message = format!("`{name}` cannot be called from a #[grad] function: {reason}");
    let note = "a #[grad] function can call #[grad] functions that return a float, a fixed-size \
                array or an ndarray array, generic over their float type alone; call this one \
                outside, or split it into such functions";
    let attrs = cfg_attrs(function);
    let vis = &function.vis;
    let private = crate::naming::private(Span::call_site());
    quote! {
        #(#attrs)*
        #private::callee_without_descriptor! {
            #vis #name,
            #requirement,
            message = #message,
            label = "called from a #[grad] function",
            note = #note,
        }
    }
}

/// The descriptor and its `Differentiable` impl around the halves `fwd` and `bwd`;
/// `residual_lifetimes` is how many lifetime parameters the residuals struct has.
pub fn descriptor(
    input: &Input,
    fwd: &syn::Ident,
    bwd: &syn::Ident,
    residuals: &syn::Ident,
    residual_lifetimes: usize,
    bodies: bool,
) -> TokenStream {
    let private = crate::naming::private(Span::call_site());
    let name = &input.item.sig.ident;
    // A function may be named like a primitive type; an `enum f64` would shadow the type in the
    // whole module.
    if PRIMITIVE_TYPES.iter().any(|ty| name == ty) {
        return TokenStream::new();
    }
    if let Some(reason) = not_callable(input) {
        return uncallable(&input.item, reason);
    }
    let vis = &input.item.vis;
    let item = &input.item;
    let mut names = crate::naming::Names::new(quote!(#item));
    let args = names.fresh("args", Span::call_site());
    let residuals_name = names.fresh("residuals", Span::call_site());
    let bar_out = names.fresh("bar_out", Span::call_site());
    let params: Vec<syn::Ident> = input
        .params
        .iter()
        .map(|p| names.variable(&p.ident.to_string(), Span::call_site(), true))
        .collect();
    let lifetime = syn::Lifetime::new("'r", Span::call_site());
    let arg_types: Vec<syn::Type> = input
        .params
        .iter()
        .map(|p| crate::generics::with_lifetimes(&p.ty, &mut |_| lifetime.clone()))
        .collect();
    let out = &input.output;
    // The float type callers ask for: the function's type parameter (bounded `'static`, which
    // float types are, so that `Args<'r>` may hold `&'r T`), or any (`F`) where the function is
    // not generic.
    let generics = &crate::generics::companion_generics(&input.item.sig);
    let (float, impl_generics, where_clause) = match generics.type_params().next() {
        Some(param) => {
            let (impl_generics, _, where_clause) = generics.split_for_impl();
            let float = &param.ident;
            (
                quote!(#float),
                quote!(#impl_generics),
                quote!(#where_clause),
            )
        }
        None => {
            let float = names.fresh("F", Span::call_site());
            (quote!(#float), quote!(<#float>), quote!())
        }
    };
    let lifetimes = (0..residual_lifetimes).map(|_| quote!('r));
    let type_params = generics.type_params().map(|p| &p.ident);
    let residual_generics: Vec<TokenStream> =
        lifetimes.chain(type_params.map(|t| quote!(#t))).collect();
    let residuals_ty = if residual_generics.is_empty() {
        quote!(#residuals)
    } else {
        quote!(#residuals<#(#residual_generics),*>)
    };
    let mut cotangent_types = Vec::new();
    let mut cotangents = Vec::new();
    let mut active = Vec::new();
    for (i, param) in input.params.iter().enumerate() {
        if param.active {
            let bar = format_ident!("bar_{}", i);
            cotangent_types.push(gradient_type(&param.ty));
            cotangents.push(quote!(#bar));
            active.push(bar);
            continue;
        }
        // A constant has no cotangent. A float parameter is inactive here only where `wrt`
        // narrows the function and no full variant could be written: its marker makes a caller
        // that passes an active value there fail to compile, naming the reason.
        let none = match param.shape {
            Shape::Constant => quote!(()),
            _ => quote!(#private::NoDerivative),
        };
        cotangent_types.push(none.clone());
        cotangents.push(none);
    }
    let returned = match active.as_slice() {
        [single] => quote!(#single),
        many => quote!((#(#many),*)),
    };
    let unreachable = quote!(::core::unreachable!(
        "#[grad] reported an error for this function"
    ));
    // With `checkpoint`, callers keep only the arguments (plain data behind a reference as a
    // copy, so the residuals borrow as little as they would without) and the forward sweep runs
    // again.
    let (residuals_ty, forward, recompute) = if input.checkpoint {
        let kept = input
            .params
            .iter()
            .zip(&arg_types)
            .zip(&params)
            .map(|((p, ty), name)| {
                kept_argument(&p.ty, ty, name, None)
                    .unwrap_or_else(|| (quote!(#ty), quote!(#name), quote!(#name)))
            });
        let (kept_types, (kept, passed)): (Vec<_>, (Vec<_>, Vec<_>)) =
            kept.map(|(ty, keep, pass)| (ty, (keep, pass))).unzip();
        (
            quote!((#(#kept_types,)*)),
            quote! {
                let (#(#params,)*) = #args;
                (#name(#(#params),*), (#(#kept,)*))
            },
            quote! {
                let (#(#params,)*) = #residuals_name;
                let (_, #residuals_name) = #fwd(#(#passed),*);
            },
        )
    } else {
        (
            residuals_ty,
            quote! {
                let (#(#params,)*) = #args;
                #fwd(#(#params),*)
            },
            quote!(),
        )
    };
    let owned = owned_residuals(
        input,
        &params,
        &arg_types,
        &residuals_ty,
        [&args, &residuals_name, &bar_out],
        &quote!(<Self as #private::Differentiable<#float>>),
    );
    // `f_bwd` takes an array output's cotangent by reference; callers hand theirs over owned.
    let bar_out_arg = match input.output_shape {
        Shape::NdArray(_) => quote!(&#bar_out),
        _ => quote!(#bar_out),
    };
    let owned_ty = owned.ty;
    let ownable = owned.ownable;
    let (forward, body, forward_owned, backward_owned) = if bodies {
        let (keep, again) = (owned.keep, owned.again);
        (
            forward,
            quote! {
                #recompute
                let #returned = #bwd(#residuals_name, #bar_out_arg);
                (#(#cotangents,)*)
            },
            keep,
            again,
        )
    } else {
        (
            unreachable.clone(),
            unreachable.clone(),
            unreachable.clone(),
            unreachable,
        )
    };
    let ownable = ownable.then(|| {
        quote! {
            #[allow(unused_variables)]
            impl #impl_generics #private::Ownable<#float> for #name #where_clause {
                #[inline(always)]
                fn forward_owned(#args: Self::Args<'_>) -> (Self::Value, Self::Owned) {
                    #forward_owned
                }
                #[inline(always)]
                fn backward_owned(#residuals_name: Self::Owned, #bar_out: Self::BarOut) -> Self::Cotangents {
                    #backward_owned
                }
            }
        }
    });
    let attrs = cfg_attrs(&input.item);
    quote! {
        #[doc(hidden)]
        // Only callers name it; a function nobody calls must not warn about it.
        #[allow(non_camel_case_types, dead_code)]
        #(#attrs)*
        #vis enum #name {}

        impl #impl_generics #private::Kept<#float> for #name #where_clause {
            type Output = #out;
            type Residuals<'r> = #residuals_ty;
            type Owned = #owned_ty;
        }

        #[allow(unused_variables)]
        impl #impl_generics #private::Differentiable<#float> for #name #where_clause {
            type Value = #out;
            type BarOut = #out;
            type Args<'r> = (#(#arg_types,)*);
            type Cotangents = (#(#cotangent_types,)*);
            #[inline(always)]
            fn forward(#args: Self::Args<'_>) -> (Self::Value, Self::Residuals<'_>) {
                #forward
            }
            #[inline(always)]
            fn backward(#residuals_name: Self::Residuals<'_>, #bar_out: Self::BarOut) -> Self::Cotangents {
                #body
            }
        }

        #ownable

    }
}

/// What [`Kept::Owned`](../../autodiff_runtime/__private/trait.Kept.html) is for a function,
/// and the bodies of `forward_owned` (from `args`) and `backward_owned` (from `residuals`, with
/// `bar_out`).
struct Owned {
    ty: TokenStream,
    keep: TokenStream,
    again: TokenStream,
    /// Whether the function implements `Ownable`: plain data can be passed to its parameters.
    ownable: bool,
}

/// Residuals that borrow nothing are kept as they are. Residuals that borrow a slice (the only
/// borrow a caller passing plain data can meet: its `&[f64; N]` taken as `&[f64]`) are replaced
/// by copies of the arguments (`to_vec` for a slice), from which the forward half runs again.
/// A function with a parameter plain data cannot be passed to (an ndarray array, a view) keeps
/// `()` and does not implement `Ownable`: a caller that takes its arguments for plain data fails
/// to compile, with a message asking for their types.
fn owned_residuals(
    input: &Input,
    params: &[syn::Ident],
    arg_types: &[syn::Type],
    residuals_ty: &TokenStream,
    [args, residuals, bar_out]: [&syn::Ident; 3],
    this: &TokenStream,
) -> Owned {
    let name = &input.item.sig.ident;
    if !mentions_lifetime_r(residuals_ty) {
        return Owned {
            ty: residuals_ty.clone(),
            keep: quote!(#this::forward(#args)),
            again: quote!(#this::backward(#residuals, #bar_out)),
            ownable: true,
        };
    }
    let floats = crate::input::float_type_params(&input.item.sig);
    let mut types = Vec::new();
    let mut kept = Vec::new();
    let mut passed = Vec::new();
    for ((param, ty), p) in input.params.iter().zip(arg_types).zip(params) {
        let Some((ty, keep, pass)) = kept_argument(&param.ty, ty, p, Some(&floats)) else {
            return Owned {
                ty: quote!(()),
                keep: TokenStream::new(),
                again: TokenStream::new(),
                ownable: false,
            };
        };
        types.push(ty);
        kept.push(keep);
        passed.push(pass);
    }
    Owned {
        ty: quote!((#(#types,)*)),
        keep: quote! {
            let (#(#params,)*) = #args;
            (#name(#(#params),*), (#(#kept,)*))
        },
        again: quote! {
            let (#(#params,)*) = #residuals;
            let (_, #residuals) = #this::forward((#(#passed,)*));
            #this::backward(#residuals, #bar_out)
        },
        ownable: true,
    }
}

/// How a descriptor keeps an argument `p` of written type `written` (`ty` with its lifetimes
/// named) to run the forward half again: its type, the expression keeping it, and the one
/// passing it again. Plain data behind a reference is kept as a copy. With `owned` (the float
/// type parameters), what is kept must borrow nothing: a slice is kept as a `Vec`, plain data
/// by value as it is, and anything else cannot be (`None`); without, `None` means "as it is".
fn kept_argument(
    written: &syn::Type,
    ty: &syn::Type,
    p: &Ident,
    owned: Option<&[Ident]>,
) -> Option<(TokenStream, TokenStream, TokenStream)> {
    if let Some(pointee) = copied_reference(written) {
        return Some((quote!(#pointee), quote!(*#p), quote!(&#p)));
    }
    let floats = owned?;
    if let syn::Type::Reference(r) = written
        && let syn::Type::Slice(slice) = &*r.elem
    {
        let elem = &slice.elem;
        return Some((
            quote!(::std::vec::Vec<#elem>),
            quote!(#p.to_vec()),
            quote!(&#p[..]),
        ));
    }
    crate::types::is_plain_value(written, floats).then(|| (quote!(#ty), quote!(#p), quote!(#p)))
}

/// Whether the tokens name the lifetime `'r` the descriptor's types borrow for.
fn mentions_lifetime_r(tokens: &TokenStream) -> bool {
    let mut after_quote = false;
    for tree in tokens.clone() {
        match tree {
            proc_macro2::TokenTree::Punct(p) if p.as_char() == '\'' => {
                after_quote = true;
                continue;
            }
            proc_macro2::TokenTree::Ident(i) if after_quote && i == "r" => return true,
            proc_macro2::TokenTree::Group(g) if mentions_lifetime_r(&g.stream()) => return true,
            _ => {}
        }
        after_quote = false;
    }
    false
}
