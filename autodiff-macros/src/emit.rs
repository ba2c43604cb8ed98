//! Code emission: the companion items of a `#[grad]` function.
//!
//! In: the [`Input`], its SSA [`Function`] and the [`Reverse`] sweep. Out: the tokens of
//! `<f>_fwd`, the `<F>Residuals` struct, `<f>_bwd`, `<f>_vjp` and (for a scalar output)
//! `<f>_grad`, with the visibility and generics of `f`. [`stubs`] emits the same signatures with
//! unreachable bodies when an earlier phase failed, so call sites do not pile up errors.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::{Generics, Lifetime, Type};

use crate::errors::Errors;
use crate::input::{Input, Shape, Variant, gradient_type};
use crate::naming::Names;
use crate::primitives::{Arg, Syntax};
use crate::reverse::{Accumulation, Adjoint, Reverse};
use crate::reverse::{is_borrowed, is_ndarray};
use crate::ssa::{BinOp, Function, Op, Operand};
use crate::types::{Types, copied_reference};

/// A call to a `#[grad]` function whose residuals the reverse sweep needs.
struct Call<'a> {
    /// `<callee as Kept<F>>`.
    kept: &'a TokenStream,
    residuals: crate::ssa::VarId,
    args: &'a [Operand],
    /// Some argument is not plain data, so the callee's residuals may borrow it.
    borrows: bool,
}

/// The names and signature pieces every companion shares.
struct Signature<'a> {
    input: &'a Input,
    fwd: Ident,
    bwd: Ident,
    vjp: Ident,
    grad: Ident,
    residuals: Ident,
    /// `(f64, f64)`, or the single gradient type with one active parameter.
    gradients: TokenStream,
    active: Vec<usize>,
    /// The original's lint and `cfg` attributes, repeated on every companion.
    attrs: Vec<syn::Attribute>,
}

impl<'a> Signature<'a> {
    fn new(input: &'a Input) -> Self {
        let name = &input.item.sig.ident;
        let active: Vec<usize> = (0..input.params.len())
            .filter(|&i| input.params[i].active)
            .collect();
        let types: Vec<TokenStream> = active
            .iter()
            .map(|&i| gradient_type(&input.params[i].ty))
            .collect();
        let gradients = match types.as_slice() {
            [single] => single.clone(),
            many => quote!((#(#many),*)),
        };
        // `FResidualsFull` ends unlike any public residuals struct (`…Residuals`), so it
        // cannot be another function's.
        let (suffix, residuals) = match input.variant {
            Variant::Public => ("", "Residuals"),
            Variant::Full => ("_full", "ResidualsFull"),
        };
        Signature {
            input,
            fwd: format_ident!("{}_fwd{}", name, suffix),
            bwd: format_ident!("{}_bwd{}", name, suffix),
            vjp: format_ident!("{}_vjp", name),
            grad: format_ident!("{}_grad", name),
            residuals: Ident::new(
                &format!("{}{residuals}", upper_camel(&name.unraw().to_string())),
                name.span(),
            ),
            gradients,
            active,
            attrs: input
                .item
                .attrs
                .iter()
                // Outer ones only: an inner attribute of the body (`#![allow(..)]`) cannot
                // stand before an item.
                .filter(|a| {
                    matches!(a.style, syn::AttrStyle::Outer)
                        && [
                            "allow", "expect", "warn", "deny", "forbid", "cfg", "cfg_attr",
                        ]
                        .iter()
                        .any(|name| a.path().is_ident(name))
                })
                .cloned()
                .collect(),
        }
    }

    /// The output cotangent's type: by value for floats and fixed-size arrays, by reference
    /// for ndarray arrays.
    fn bar_out_type(&self) -> TokenStream {
        let out = &self.input.output;
        match self.input.output_shape {
            Shape::NdArray(_) => quote!(&#out),
            _ => quote!(#out),
        }
    }

    fn name(&self) -> &Ident {
        &self.input.item.sig.ident
    }

    fn docs_name(&self) -> String {
        format!("[`{}`]", self.name())
    }

    /// `f_vjp` and `f_grad`, which only need the signature.
    /// Their locals live in functions of their own, so they are named apart from `f_bwd`'s.
    fn vjp_and_grad(&self, param_names: &[Ident], bodies: bool) -> TokenStream {
        let item = &self.input.item;
        let names = &mut Names::new(quote!(#item));
        let Signature {
            input,
            fwd,
            bwd,
            vjp,
            grad,
            ..
        } = self;
        let vis = &input.item.vis;
        let generics = companion_generics(&input.item.sig.generics);
        let (impl_generics, _, where_clause) = generics.split_for_impl();
        let out = &input.output;
        let gradients = &self.gradients;
        // Stubs name nothing, so a failed expansion adds no unused-variable warnings.
        let params: Vec<TokenStream> = input
            .params
            .iter()
            .zip(param_names)
            .map(|(p, name)| {
                let ty = &p.ty;
                if bodies {
                    quote!(#name: #ty)
                } else {
                    quote!(_: #ty)
                }
            })
            .collect();
        let bar_out = names.fresh("bar_out", Span::call_site());
        let bar_out_ty = self.bar_out_type();
        let bar_out_pattern = if bodies { quote!(#bar_out) } else { quote!(_) };
        let attrs = &self.attrs;
        // `f_vjp` takes one argument more than `f`.
        let many_arguments =
            (input.params.len() + 1 > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
        let value = names.fresh("value", Span::call_site());
        let residuals = names.fresh("residuals", Span::call_site());
        let grad_names: Vec<Ident> = self
            .active
            .iter()
            .map(|&i| names.cotangent(&param_names[i]))
            .collect();
        let returned = if grad_names.len() == 1 {
            quote!(#(#grad_names)*)
        } else {
            quote!((#(#grad_names),*))
        };
        let vjp_body = if bodies {
            quote! {
                let (#value, #residuals) = #fwd(#(#param_names),*);
                let #returned = #bwd(#residuals, #bar_out);
                (#value, #(#grad_names),*)
            }
        } else {
            unreachable_body()
        };
        let doc_vjp = format!(
            " The value of {} and its vector-Jacobian product with the output cotangent `{bar_out}`: \
             the cotangents of the parameters it differentiates, in parameter order. Generated by \
             `#[grad]`.",
            self.docs_name()
        );
        let flat_gradients = flatten_tuple(gradients, grad_names.len());
        let mut tokens = quote! {
            #[doc = #doc_vjp]
            #(#attrs)*
            #many_arguments
            #[inline]
            #vis fn #vjp #impl_generics (#(#params,)* #bar_out_pattern: #bar_out_ty) -> (#out, #(#flat_gradients),*) #where_clause {
                #vjp_body
            }
        };
        if input.output_shape == Shape::Scalar {
            let one = match &*input.output {
                Type::Path(p) if p.path.is_ident("f32") || p.path.is_ident("f64") => quote!(1.0),
                ty => quote!(<#ty as ::autodiff_runtime::__private::One>::one()),
            };
            let doc_grad = format!(
                " The value of {} and its gradient: the partial derivatives with respect to the \
                 parameters it differentiates, in parameter order. Generated by `#[grad]`.",
                self.docs_name()
            );
            let grad_body = if bodies {
                quote!(#vjp(#(#param_names,)* #one))
            } else {
                unreachable_body()
            };
            tokens.extend(quote! {
                #[doc = #doc_grad]
                #(#attrs)*
                #[inline]
                #vis fn #grad #impl_generics (#(#params),*) -> (#out, #(#flat_gradients),*) #where_clause {
                    #grad_body
                }
            });
        }
        tokens
    }
}

/// The element types of the gradient tuple, as `f_vjp` returns them flattened after the value.
fn flatten_tuple(gradients: &TokenStream, count: usize) -> Vec<TokenStream> {
    if count == 1 {
        return vec![gradients.clone()];
    }
    match syn::parse2::<Type>(gradients.clone()) {
        Ok(Type::Tuple(tuple)) => tuple.elems.iter().map(|t| quote!(#t)).collect(),
        _ => vec![gradients.clone()],
    }
}

fn unreachable_body() -> TokenStream {
    quote!(::core::unreachable!(
        "#[grad] reported an error for this function"
    ))
}

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

/// The companions' generics: the function's own, with `T: 'static` where it is generic over
/// its float type alone, as the descriptors of generic callees require (residuals keep callees'
/// residuals at `'static`). Float types are `'static`.
pub(crate) fn companion_generics(generics: &Generics) -> Generics {
    let mut generics = generics.clone();
    let Some(float) = crate::input::float_type_param(&generics).cloned() else {
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

/// The generics of the residuals struct and the halves: the function's own, plus a lifetime for
/// borrowed parameters the residuals keep, with a marker field using every parameter.
struct ResidualGenerics {
    generics: Generics,
    /// The stored parameters whose types had elided lifetimes, with a named lifetime of their own
    /// for each (views are invariant in theirs, so they cannot share one).
    param_types: std::collections::HashMap<usize, Type>,
    /// The lifetime references share (and callees' residuals borrow for).
    shared: Option<Lifetime>,
    marker: Option<(Ident, TokenStream)>,
}

impl ResidualGenerics {
    /// `stored`: the parameters the residuals keep, or pass to callees whose residuals they
    /// keep; `unread`: those of them the residuals do not keep as fields (their lifetimes are
    /// used by a marker).
    fn new(
        input: &Input,
        stored: &[usize],
        unread: &[usize],
        force_shared: bool,
        names: &mut Names,
    ) -> Self {
        let mut generics = companion_generics(&input.item.sig.generics);
        let mut param_types = std::collections::HashMap::new();
        let mut lifetimes: Vec<Lifetime> = Vec::new();
        // Views' lifetimes, each its own (views are invariant in it).
        let mut views: Vec<(usize, Lifetime)> = Vec::new();
        // References are covariant in their lifetime and share the first one.
        let mut shared: Option<Lifetime> = None;
        for &i in stored {
            let ty = &input.params[i].ty;
            if !has_elided_reference(ty) || copied_reference(ty).is_some() {
                continue;
            }
            let mut fresh = |covariant: bool| {
                if covariant && let Some(shared) = &shared {
                    return shared.clone();
                }
                let name = names.fresh_lifetime("r");
                let lifetime = Lifetime::new(&format!("'{name}"), Span::call_site());
                lifetimes.push(lifetime.clone());
                if covariant {
                    shared = Some(lifetime.clone());
                } else {
                    views.push((i, lifetime.clone()));
                }
                lifetime
            };
            param_types.insert(i, with_lifetimes(ty, &mut fresh));
        }
        if force_shared && shared.is_none() {
            let name = names.fresh_lifetime("r");
            let lifetime = Lifetime::new(&format!("'{name}"), Span::call_site());
            lifetimes.insert(0, lifetime.clone());
            shared = Some(lifetime);
        }
        for (at, lifetime) in lifetimes.into_iter().enumerate() {
            generics.params.insert(
                at,
                syn::GenericParam::Lifetime(syn::LifetimeParam::new(lifetime)),
            );
        }
        // A view passed to a callee is reborrowed for the lifetime its residuals borrow for.
        if let Some(shared) = &shared {
            for (_, view) in &views {
                generics
                    .make_where_clause()
                    .predicates
                    .push(syn::parse_quote!(#view: #shared));
            }
        }
        let original = &input.item.sig.generics;
        let unused_views: Vec<TokenStream> = views
            .iter()
            .filter(|(i, _)| unread.contains(i))
            .map(|(_, l)| quote!(&#l ()))
            .collect();
        let marker = (!original.params.is_empty() || !unused_views.is_empty()).then(|| {
            let used: Vec<TokenStream> = original
                .params
                .iter()
                .map(|p| match p {
                    syn::GenericParam::Lifetime(l) => {
                        let l = &l.lifetime;
                        quote!(&#l ())
                    }
                    syn::GenericParam::Type(t) => {
                        let t = &t.ident;
                        quote!(#t)
                    }
                    syn::GenericParam::Const(c) => {
                        let c = &c.ident;
                        quote!([(); #c])
                    }
                })
                .chain(unused_views)
                .collect();
            let ty = quote!(::core::marker::PhantomData<fn() -> (#(#used,)*)>);
            (names.fresh("marker", Span::call_site()), ty)
        });
        ResidualGenerics {
            generics,
            param_types,
            shared,
            marker,
        }
    }
}

/// Whether `ty` has a reference or an ndarray view without a written lifetime (which a stored
/// field must name).
fn has_elided_reference(ty: &Type) -> bool {
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
fn is_view(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident.to_string().starts_with("ArrayView")))
}

/// `ArrayView2<f64>` or `ArrayView2<'_, f64>`: a view whose lifetime is not written.
fn elided_view_lifetime(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    if !last.ident.to_string().starts_with("ArrayView") {
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
pub(crate) fn with_lifetimes(ty: &Type, fresh: &mut dyn FnMut(bool) -> Lifetime) -> Type {
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

pub fn emit(
    input: &Input,
    function: &Function,
    reverse: &Reverse,
    types: &mut Types,
    names: &mut Names,
    errors: &mut Errors,
) -> TokenStream {
    let sig = Signature::new(input);
    let attrs = &sig.attrs;
    let vis = &input.item.vis;
    let out = &input.output;
    let Signature {
        fwd,
        bwd,
        residuals: residuals_ty,
        gradients,
        ..
    } = &sig;
    let param_var = |i: usize| function.params[i].var;
    let param_names: Vec<Ident> = (0..input.params.len())
        .map(|i| function.var(param_var(i)).name.clone())
        .collect();

    // Residual fields.
    // A callee's residuals borrow what they were passed for the residuals' lifetime, unless
    // every argument is plain data (floats, integers, fixed-size arrays, references to them),
    // which callees keep copies of: then they borrow nothing, whatever the arguments borrow.
    let calls: Vec<Call> = function
        .stmts
        .iter()
        .filter_map(|s| match &s.op {
            Op::GradCall {
                kept,
                residuals,
                args,
                ..
            } if reverse.reads.contains(residuals) => Some(Call {
                kept,
                residuals: *residuals,
                args,
                borrows: args
                    .iter()
                    .any(|a| crate::reverse::may_be_borrowed(function, types, a)),
            }),
            _ => None,
        })
        .collect();
    let passed = |var| {
        calls.iter().any(|call| {
            call.borrows
                && call
                    .args
                    .iter()
                    .any(|a| matches!(a, Operand::Var(v) if *v == var))
        })
    };
    let stored: Vec<usize> = (0..input.params.len())
        .filter(|&i| reverse.reads.contains(&param_var(i)) || passed(param_var(i)))
        .collect();
    let unread: Vec<usize> = stored
        .iter()
        .copied()
        .filter(|&i| !reverse.reads.contains(&param_var(i)))
        .collect();
    let rg = ResidualGenerics::new(
        input,
        &stored,
        &unread,
        calls.iter().any(|c| c.borrows),
        names,
    );
    let mut fields = Vec::new();
    // Parameters kept as copies of what they point to, borrowed again in the reverse half.
    let mut copied = Vec::new();
    for &var in &reverse.reads {
        let name = &function.var(var).name;
        let ty = match function.params.iter().position(|p| p.var == var) {
            Some(i) => match copied_reference(&input.params[i].ty) {
                Some(pointee) => {
                    copied.push(name.clone());
                    fields.push((name.clone(), quote!(#pointee), quote!(#name: *#name)));
                    continue;
                }
                None => {
                    let ty = rg.param_types.get(&i).unwrap_or(&input.params[i].ty);
                    quote!(#ty)
                }
            },
            None => match calls.iter().find(|call| call.residuals == var) {
                Some(call) => {
                    let kept = call.kept;
                    if call.borrows {
                        let lifetime = rg
                            .shared
                            .clone()
                            .expect("a shared lifetime for callee residuals");
                        quote!(#kept::Residuals<#lifetime>)
                    } else {
                        quote!(#kept::Owned)
                    }
                }
                None => match types.resolve(function.var(var).ty) {
                    Some(ty) => ty,
                    None => {
                        errors.spanned(
                            name,
                            format!(
                                "cannot infer the type of `{name}`, which the gradient needs to \
                                 keep; add a type annotation to its `let`"
                            ),
                        );
                        quote!(())
                    }
                },
            },
        };
        fields.push((name.clone(), ty, quote!(#name)));
    }
    // Shapes go first: the struct literal evaluates them before the arrays move in.
    for (&var, dim) in reverse.dims.iter().rev() {
        let rank = types
            .as_ndarray(function.var(var).ty)
            .and_then(|(_, rank)| rank);
        let ty = crate::input::ndarray_dim(rank);
        let array = &function.var(var).name;
        fields.insert(0, (dim.clone(), ty, quote!(#dim: #array.raw_dim())));
    }
    let (impl_generics, ty_generics, where_clause) = rg.generics.split_for_impl();
    let field_decls = fields.iter().map(|(n, t, _)| quote!(#n: #t));
    let field_names: Vec<&Ident> = fields.iter().map(|(n, _, _)| n).collect();
    let field_inits: Vec<&TokenStream> = fields.iter().map(|(_, _, init)| init).collect();
    let (marker_decl, marker_init) = match &rg.marker {
        Some((name, ty)) => (
            quote!(#name: #ty,),
            quote!(#name: ::core::marker::PhantomData,),
        ),
        None => (quote!(), quote!()),
    };
    let struct_doc = format!(
        " What the reverse sweep of {} needs from its forward sweep: made by [`{fwd}`], consumed \
         by [`{bwd}`]. Generated by `#[grad]`.",
        sig.docs_name()
    );
    let residual_struct = quote! {
        #[doc = #struct_doc]
        #(#attrs)*
        #vis struct #residuals_ty #impl_generics #where_clause {
            #(#field_decls,)*
            #marker_decl
        }
    };

    // The forward sweep.
    let views: Vec<crate::ssa::VarId> = (0..input.params.len())
        .filter(|&i| is_view(&input.params[i].ty))
        .map(param_var)
        .collect();
    let forward: Vec<TokenStream> = function
        .stmts
        .iter()
        .zip(&reverse.live)
        .enumerate()
        .filter(|(_, (_, live))| **live)
        .map(|(at, (stmt, _))| {
            let name = &function.var(stmt.var).name;
            if let Op::GradCall {
                path,
                descriptor,
                args,
                borrowed,
                residuals,
                ..
            } = &stmt.op
            {
                let owned = !args
                    .iter()
                    .any(|a| crate::reverse::may_be_borrowed(function, types, a));
                return grad_call(
                    function, path, descriptor, args, borrowed, name, *residuals, reverse, &views,
                    owned, stmt.span,
                );
            }
            let mut value = forward_expr(function, types, &stmt.op, stmt.span);
            // `let b = a;` of an owned array moves it: a copy where `a` is still needed.
            if let Op::Use(source @ Operand::Var(a)) = &stmt.op
                && is_ndarray(function, types, source)
                && !is_borrowed(function, *a)
                && needed_after(function, reverse, *a, at)
            {
                value = quote_spanned!(stmt.span=> #value.clone());
            }
            // A literal's type where inference knows it (`m = -1.5` after `let mut m = c.ln()`
            // of a constant `c: f64`): rustc could not call a method on `{float}`.
            let literal_type = match &stmt.op {
                Op::Use(Operand::Const(tokens))
                    if stmt.annotation.is_none() && is_float_literal(tokens) =>
                {
                    types.determined(function.var(stmt.var).ty)
                }
                _ => None,
            };
            if let Some(ty) = literal_type {
                return quote_spanned!(stmt.span=> let #name: #ty = #value;);
            }
            match &stmt.annotation {
                Some(ty) => quote_spanned!(stmt.span=> let #name: #ty = #value;),
                None => quote_spanned!(stmt.span=> let #name = #value;),
            }
        })
        .collect();
    let output = operand(function, &function.output);
    // An array output the residuals also keep is returned as a copy; one whose shape they
    // keep moves out after the shape is read.
    let output_array = match function.output {
        Operand::Var(v)
            if is_ndarray(function, types, &function.output) && !is_borrowed(function, v) =>
        {
            Some(v)
        }
        _ => None,
    };
    let returned_value = match output_array {
        Some(v) if reverse.reads.contains(&v) => quote!(#output.clone()),
        _ => output.clone(),
    };
    let residuals_value = quote!(#residuals_ty { #(#field_inits,)* #marker_init });
    let forward_tail = match output_array {
        Some(v) if !reverse.reads.contains(&v) && reverse.dims.contains_key(&v) => {
            let kept = names.fresh("residuals", Span::call_site());
            quote! {
                let #kept = #residuals_value;
                (#returned_value, #kept)
            }
        }
        _ => quote!((#returned_value, #residuals_value)),
    };
    let used_in_forward = |var| {
        function.stmts.iter().zip(&reverse.live).any(|(s, live)| {
            *live
                && s.op
                    .operands()
                    .iter()
                    .any(|o| matches!(o, Operand::Var(v) if *v == var))
        }) || reverse.reads.contains(&var)
            || reverse.dims.contains_key(&var)
            || matches!(function.output, Operand::Var(v) if v == var)
    };
    let fwd_params: Vec<TokenStream> = input
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let ty = rg.param_types.get(&i).unwrap_or(&p.ty);
            if used_in_forward(param_var(i)) {
                let name = &param_names[i];
                quote!(#name: #ty)
            } else {
                quote!(_: #ty)
            }
        })
        .collect();
    let fwd_doc = format!(
        " The forward half of {}: its value, and the residuals [`{bwd}`] needs to compute the \
         gradient later. Generated by `#[grad]`.",
        sig.docs_name()
    );
    let uses_original = uses_original(input);
    let fwd_item = quote! {
        #[doc = #fwd_doc]
        #(#attrs)*
        #[inline(always)]
        #vis fn #fwd #impl_generics (#(#fwd_params),*) -> (#out, #residuals_ty #ty_generics) #where_clause {
            #uses_original
            #(#forward)*
            #forward_tail
        }
    };

    // The reverse sweep.
    let mut backward = Vec::new();
    for adjoint in &reverse.stmts {
        backward.push(match adjoint {
            Adjoint::Declare {
                target,
                mutable,
                value,
            } => {
                let bar = &reverse.bars[target];
                if *mutable {
                    quote!(let mut #bar = #value;)
                } else {
                    quote!(let #bar = #value;)
                }
            }
            Adjoint::Add { target, index, value, how } => {
                let bar = &reverse.bars[target];
                let place = match index {
                    Some(index) => quote!(#bar[#index]),
                    None => quote!(#bar),
                };
                match how {
                    Accumulation::AddAssign => quote!(#place += #value;),
                    Accumulation::Plus => quote!(#place = #place + #value;),
                    Accumulation::Set => quote!(#place = #value;),
                    Accumulation::Array => {
                        quote!(::autodiff_runtime::__private::Accumulate::accumulate(&mut #place, #value);)
                    }
                }
            }
            Adjoint::Drop(name) => quote!(::core::mem::drop(#name);),
            Adjoint::Bind { names, value } => {
                let names = names.iter().map(|n| match n {
                    Some(n) => quote!(#n),
                    None => quote!(_),
                });
                quote!(let (#(#names,)*) = #value;)
            }
            Adjoint::Let { name, value } => quote!(let #name = #value;),
        });
    }
    let residuals_arg = names.fresh("residuals", Span::call_site());
    let bar_out_ty = sig.bar_out_type();
    let bar_out_param = match (reverse.seeded, &reverse.bar_out) {
        (_, Some(name)) => quote!(#name),
        (Some(v), None) => {
            let bar = &reverse.bars[&v];
            if reverse.seed_mutable {
                quote!(mut #bar)
            } else {
                quote!(#bar)
            }
        }
        (None, None) => quote!(_),
    };
    let grads: Vec<&Ident> = sig
        .active
        .iter()
        .map(|&i| &reverse.bars[&param_var(i)])
        .collect();
    let returned = if grads.len() == 1 {
        quote!(#(#grads)*)
    } else {
        quote!((#(#grads),*))
    };
    let bwd_doc = format!(
        " The reverse half of {}: from the residuals of [`{fwd}`] and the output cotangent, the \
         cotangents of the parameters it differentiates, in parameter order. Generated by `#[grad]`.",
        sig.docs_name()
    );
    let bwd_item = quote! {
        #[doc = #bwd_doc]
        #(#attrs)*
        #[inline(always)]
        #vis fn #bwd #impl_generics (#residuals_arg: #residuals_ty #ty_generics, #bar_out_param: #bar_out_ty) -> #gradients #where_clause {
            let #residuals_ty { #(#field_names,)* .. } = #residuals_arg;
            #(let #copied = &#copied;)*
            #(#backward)*
            #returned
        }
    };

    let residual_lifetimes = rg.generics.lifetimes().count();
    let descriptor = if input.writes_descriptor {
        crate::descriptor::descriptor(input, fwd, bwd, residuals_ty, residual_lifetimes, true)
    } else {
        TokenStream::new()
    };
    let callees = function.callees.items(&input.item);
    match input.variant {
        Variant::Public => {
            let vjp_and_grad = sig.vjp_and_grad(&param_names, true);
            quote! {
                #residual_struct
                #fwd_item
                #bwd_item
                #vjp_and_grad
                #descriptor
                #callees
            }
        }
        // Only callers use these, through the descriptor.
        Variant::Full => quote! {
            #[doc(hidden)]
            #residual_struct
            #[doc(hidden)]
            #fwd_item
            #[doc(hidden)]
            #bwd_item
            #descriptor
            #callees
        },
    }
}

/// `let _ = f;` in the forward half: a user who calls only the companions (`f_grad`) has used
/// `f`, and gets no `dead_code` warning for it; one who calls neither still gets one, for `f`
/// (the companions' own warnings are silenced, as for every item a macro writes). Left out where
/// a parameter has the function's name, which would shadow it.
fn uses_original(input: &Input) -> TokenStream {
    let sig = &input.item.sig;
    if input.params.iter().any(|p| p.ident == sig.ident) {
        return TokenStream::new();
    }
    let name = &sig.ident;
    let args: Vec<&Ident> = sig
        .generics
        .params
        .iter()
        .filter_map(|p| match p {
            syn::GenericParam::Type(t) => Some(&t.ident),
            syn::GenericParam::Const(c) => Some(&c.ident),
            syn::GenericParam::Lifetime(_) => None,
        })
        .collect();
    if args.is_empty() {
        quote!(let _ = #name;)
    } else {
        quote!(let _ = #name::<#(#args),*>;)
    }
}

/// The companions with unreachable bodies, for when the body could not be differentiated.
pub fn stubs(input: &Input, names: &mut Names) -> TokenStream {
    let sig = Signature::new(input);
    let vis = &input.item.vis;
    let out = &input.output;
    let Signature {
        fwd,
        bwd,
        residuals,
        gradients,
        ..
    } = &sig;
    let rg = ResidualGenerics::new(input, &[], &[], false, names);
    let (impl_generics, ty_generics, where_clause) = rg.generics.split_for_impl();
    let marker = rg.marker.as_ref().map(|(name, ty)| quote!(#name: #ty,));
    let param_names: Vec<Ident> = input.params.iter().map(|p| p.ident.clone()).collect();
    let params = input.params.iter().map(|p| {
        let ty = &p.ty;
        quote!(_: #ty)
    });
    let body = unreachable_body();
    let bar_out_ty = sig.bar_out_type();
    let vjp_and_grad = sig.vjp_and_grad(&param_names, false);
    let attrs = &sig.attrs;
    let descriptor = crate::descriptor::descriptor(input, fwd, bwd, residuals, 0, false);
    quote! {
        #descriptor
        #(#attrs)*
        #vis struct #residuals #impl_generics #where_clause { #marker }
        #(#attrs)*
        #vis fn #fwd #impl_generics (#(#params),*) -> (#out, #residuals #ty_generics) #where_clause { #body }
        #(#attrs)*
        #vis fn #bwd #impl_generics (_: #residuals #ty_generics, _: #bar_out_ty) -> #gradients #where_clause { #body }
        #vjp_and_grad
    }
}

fn operand(function: &Function, operand: &Operand) -> TokenStream {
    match operand {
        Operand::Var(v) => {
            let name = &function.var(*v).name;
            quote!(#name)
        }
        Operand::Const(tokens) => tokens.clone(),
    }
}

/// Whether the tokens are a float literal, negated or not (`2.0`, `-1.5`).
fn is_float_literal(tokens: &TokenStream) -> bool {
    let float =
        |e: &syn::Expr| matches!(e, syn::Expr::Lit(l) if matches!(l.lit, syn::Lit::Float(_)));
    match syn::parse2::<syn::Expr>(tokens.clone()) {
        Ok(syn::Expr::Unary(unary)) => float(&unary.expr),
        Ok(e) => float(&e),
        Err(_) => false,
    }
}

/// Whether the forward sweep reads `var` after its statement `at`, or the residuals or the
/// output keep it.
fn needed_after(function: &Function, reverse: &Reverse, var: crate::ssa::VarId, at: usize) -> bool {
    let mentions = |o: &Operand| matches!(o, Operand::Var(v) if *v == var);
    reverse.reads.contains(&var)
        || reverse.dims.contains_key(&var)
        || mentions(&function.output)
        || function.stmts[at + 1..]
            .iter()
            .zip(&reverse.live[at + 1..])
            .any(|(s, live)| *live && s.op.operands().into_iter().any(mentions))
}

/// The forward statement of a call to a `#[grad]` function: its forward half when the reverse
/// sweep needs its residuals, the function itself otherwise.
#[allow(clippy::too_many_arguments)]
fn grad_call(
    function: &Function,
    path: &syn::Path,
    descriptor: &TokenStream,
    args: &[Operand],
    borrowed: &[bool],
    name: &Ident,
    residuals: crate::ssa::VarId,
    reverse: &Reverse,
    views: &[crate::ssa::VarId],
    owned: bool,
    span: Span,
) -> TokenStream {
    let arg_operands = args;
    let args: Vec<TokenStream> = args
        .iter()
        .zip(borrowed)
        .map(|(a, &by_ref)| {
            let a = operand(function, a);
            if by_ref { quote!(&#a) } else { a }
        })
        .collect();
    if !reverse.reads.contains(&residuals) {
        return quote_spanned!(span=> let #name = #path(#(#args),*););
    }
    // A view parameter, reborrowed for the lifetime the residuals borrow for (views are
    // invariant in theirs).
    let args = args
        .into_iter()
        .zip(arg_operands)
        .map(|(tokens, a)| match a {
            Operand::Var(v) if views.contains(v) => quote!(#tokens.reborrow()),
            _ => tokens,
        });
    let residuals = &function.var(residuals).name;
    // Arguments of plain data only, which may be locals: residuals that borrow nothing.
    if owned {
        // At the callee's name, as an error about a callee without a descriptor is reported
        // for `forward`.
        let at = crate::descriptor::callee_span(descriptor, span);
        let call = quote_spanned!(at=> #descriptor::forward_owned((#(#args,)*)));
        quote_spanned!(span=> let (#name, #residuals) = #call;)
    } else {
        quote_spanned!(span=>
            let (#name, #residuals) =
                #descriptor::forward((#(#args,)*));
        )
    }
}

/// An operand as an argument: arrays by reference (unless already a reference parameter).
fn argument(function: &Function, types: &mut Types, x: &Operand) -> TokenStream {
    let value = operand(function, x);
    match x {
        Operand::Var(v) if is_ndarray(function, types, x) && !is_borrowed(function, *v) => {
            quote!(&#value)
        }
        _ => value,
    }
}

/// The forward expression of one operation. Arrays are borrowed, so every SSA value can be used
/// any number of times.
fn forward_expr(function: &Function, types: &mut Types, op: &Op, span: Span) -> TokenStream {
    let o = |x: &Operand| operand(function, x);
    match op {
        Op::Use(a) => o(a),
        Op::Deref(a) => {
            let a = o(a);
            quote_spanned!(span=> *#a)
        }
        Op::Neg(a) => {
            let a = argument(function, types, a);
            quote_spanned!(span=> -#a)
        }
        Op::Binary(op, a, b) => {
            // Array with array: through the runtime, which names both shapes on a mismatch.
            let arrays = is_ndarray(function, types, a) && is_ndarray(function, types, b);
            let (a, b) = (argument(function, types, a), argument(function, types, b));
            if arrays {
                let name = match op {
                    BinOp::Add => "add",
                    BinOp::Sub => "sub",
                    BinOp::Mul => "mul",
                    BinOp::Div => "div",
                };
                let name = Ident::new(name, Span::mixed_site().located_at(span));
                return quote_spanned!(span=> ::autodiff_runtime::__private::array::#name(#a, #b));
            }
            let op = match op {
                BinOp::Add => quote_spanned!(span=> +),
                BinOp::Sub => quote_spanned!(span=> -),
                BinOp::Mul => quote_spanned!(span=> *),
                BinOp::Div => quote_spanned!(span=> /),
            };
            quote_spanned!(span=> #a #op #b)
        }
        Op::Method {
            prim,
            receiver,
            args,
        } => {
            let receiver = match receiver {
                Operand::Const(tokens) => quote!((#tokens)),
                var => o(var),
            };
            let name = Ident::new(prim.name, span);
            let args: Vec<TokenStream> = args
                .iter()
                .zip(prim.args)
                .map(|(a, kind)| match kind {
                    Arg::Axis => {
                        let axis = o(a);
                        quote!(::autodiff_runtime::ndarray::Axis(#axis))
                    }
                    _ => argument(function, types, a),
                })
                .collect();
            if prim.syntax == Syntax::ArrayMethod && prim.name == "t" {
                // Owned, so it can be kept for the reverse sweep.
                return quote_spanned!(span=> #receiver.t().to_owned());
            }
            quote_spanned!(span=> #receiver.#name(#(#args),*))
        }
        Op::Call { prim, path, args } => {
            let name = Ident::new(prim.name, span);
            let args = args.iter().zip(prim.args).map(|(a, kind)| match kind {
                Arg::Labels => {
                    let labels = o(a);
                    quote!(&#labels[..])
                }
                _ => argument(function, types, a),
            });
            // The user's path, checked at compile time to name the runtime's function (whose
            // pullback the reverse sweep uses) and not a function of their own.
            quote_spanned!(span=> ::autodiff_runtime::__private::runtime_fn(#path, ::autodiff_runtime::nn::#name)(#(#args),*))
        }
        Op::Index { base, index } => {
            let (base, index) = (o(base), o(index));
            quote_spanned!(span=> #base[#index])
        }
        Op::GradCall { .. } => unreachable!("calls are emitted by `grad_call`"),
        Op::Array(items) => {
            let items = items.iter().map(o);
            quote_spanned!(span=> [#(#items),*])
        }
        Op::Tuple(items) => {
            let items = items.iter().map(o);
            quote_spanned!(span=> (#(#items,)*))
        }
        Op::Cast(a, ty) => {
            let a = o(a);
            quote_spanned!(span=> #a as #ty)
        }
    }
}
