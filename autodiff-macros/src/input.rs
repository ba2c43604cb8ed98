//! Parsing and validation of what `#[grad]` is attached to.
//!
//! In: the attribute's arguments and the item. Out: an [`Input`]: the function, each parameter
//! classified as active (gets a gradient) or constant, and the output's kind; or errors under the
//! offending tokens for anything the later phases cannot handle (`async`, `self`, `&mut`, a `wrt`
//! that names a missing or integer parameter, a return type that is not a float).

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{FnArg, GenericArgument, Ident, ItemFn, Pat, PathArguments, ReturnType, Token, Type};

use crate::errors::Errors;

/// What a parameter's or the output's written type is, for differentiation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `f32`, `f64`, a generic type parameter, or a reference to one.
    Scalar,
    /// `[E; N]` or `&[E; N]` of floats: the gradient is `[E; N]`.
    FixedArray,
    /// `&[E]` or `Vec<E>` of floats: the gradient is `Vec<E>`, sized at run time.
    DynArray,
    /// An ndarray array of floats (`Array2<f64>`, `&Array1<f32>`, `ArrayView2<f64>`), with its
    /// number of axes where the type says it (`None` for `ArrayD`/`IxDyn`).
    NdArray(Option<usize>),
    /// A tuple of floats, fixed-size float arrays and tuples of those (`(f64, [f64; 3])`,
    /// `((T, T), T)`), or a reference to one: the gradient is a tuple of the same shape. As an
    /// output, one level only (`(f64, [f64; 2])`).
    Tuple,
    /// `&[E]` or `Vec<E>` of float arrays (`&[Array2<f64>]`, `&[[f64; 3]]`): the gradient is
    /// a `Vec` of `E`'s gradients.
    List,
    /// Anything else (integers, `bool`, `&[usize]`, …): never differentiated.
    Constant,
}

pub struct Param {
    pub ident: Ident,
    pub ty: Box<Type>,
    pub shape: Shape,
    pub active: bool,
}

pub struct Input {
    pub item: ItemFn,
    pub checkpoint: bool,
    pub params: Vec<Param>,
    pub output: Box<Type>,
    pub output_shape: Shape,
    pub variant: Variant,
    /// Whether this expansion writes the descriptor callers use: the public one does unless the
    /// full variant does.
    pub writes_descriptor: bool,
}

/// Which companions an expansion writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// `f_fwd`, `f_bwd`, `f_vjp` and `f_grad`, differentiating the parameters `wrt` names.
    Public,
    /// Hidden `f_fwd_full` and `f_bwd_full`, differentiating every float parameter, and the
    /// descriptor around them: where `wrt` narrows `f`, what other `#[grad]` functions call, so
    /// that `wrt` chooses the gradients `f_grad` returns without cutting a caller's gradient
    /// through an argument bound to a parameter it leaves out.
    Full,
}

impl Input {
    /// The float type the function computes in, which it asks its callees' descriptors for: the
    /// element type of its output (`f64` of `-> [f64; 2]`, `T` of `-> T`).
    pub fn float_type(&self) -> Type {
        scalar_of(&self.output)
            .cloned()
            .unwrap_or_else(|| syn::parse_quote!(f64))
    }

    /// `wrt` leaves out a parameter that could have been differentiated.
    pub fn narrowed(&self) -> bool {
        self.params
            .iter()
            .any(|p| !p.active && p.shape != Shape::Constant)
    }

    /// The same function with every float parameter active, for callers.
    pub fn full(&self) -> Input {
        Input {
            item: self.item.clone(),
            checkpoint: self.checkpoint,
            params: self
                .params
                .iter()
                .map(|p| Param {
                    ident: p.ident.clone(),
                    ty: p.ty.clone(),
                    shape: p.shape.clone(),
                    active: p.shape != Shape::Constant,
                })
                .collect(),
            output: self.output.clone(),
            output_shape: self.output_shape.clone(),
            variant: Variant::Full,
            writes_descriptor: true,
        }
    }
}

/// `#[grad]` or `#[grad(wrt(a, b))]`.
pub struct Args {
    pub wrt: Option<Vec<Ident>>,
    /// `#[grad(checkpoint)]`: callers keep the arguments and recompute the forward sweep.
    pub checkpoint: bool,
}

pub fn parse_args(args: TokenStream, errors: &mut Errors) -> Args {
    let mut wrt = None;
    let mut checkpoint = false;
    if args.is_empty() {
        return Args { wrt, checkpoint };
    }
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("wrt") {
            if wrt.is_some() {
                return Err(
                    meta.error("`wrt` is given twice; list every parameter in one `wrt(..)`")
                );
            }
            if !meta.input.peek(syn::token::Paren) {
                return Err(meta.error(
                    "`wrt` takes a parenthesized list of parameter names: `#[grad(wrt(x, y))]`",
                ));
            }
            let content;
            syn::parenthesized!(content in meta.input);
            let names: Vec<Ident> = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?
                .into_iter()
                .collect();
            if names.is_empty() {
                return Err(meta.error(
                    "`wrt()` names no parameters; name at least one float parameter, or remove `wrt`",
                ));
            }
            for (i, name) in names.iter().enumerate() {
                if names[..i].contains(name) {
                    return Err(syn::Error::new(
                        name.span(),
                        format!("`{name}` is named twice in `wrt`"),
                    ));
                }
            }
            wrt = Some(names);
            Ok(())
        } else if meta.path.is_ident("checkpoint") {
            checkpoint = true;
            Ok(())
        } else {
            Err(meta.error(
                "unknown argument to #[grad]; the arguments are `wrt(param, ..)`, naming the \
                 parameters to differentiate with respect to, and `checkpoint`",
            ))
        }
    });
    if let Err(error) = parser.parse2(args) {
        errors.push(error);
    }
    Args { wrt, checkpoint }
}

/// Parses the item and checks its signature; `None` when it is not a function at all.
pub fn analyze(item: TokenStream, args: &Args, errors: &mut Errors) -> Option<Input> {
    let item: ItemFn = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(_) => {
            errors.spanned(
                item,
                "#[grad] applies to free functions (`fn name(x: f64, ..) -> f64 { .. }`)",
            );
            return None;
        }
    };
    let sig = &item.sig;
    if let Some(token) = &sig.asyncness {
        errors.spanned(
            token,
            "#[grad] cannot differentiate an `async fn`; remove `async`",
        );
    }
    if let Some(token) = &sig.constness {
        errors.spanned(
            token,
            "#[grad] cannot differentiate a `const fn`; remove `const`",
        );
    }
    if let Some(token) = &sig.unsafety {
        errors.spanned(
            token,
            "#[grad] cannot differentiate an `unsafe fn`; remove `unsafe`",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.spanned(variadic, "#[grad] cannot differentiate a variadic function");
    }
    let generic_types = float_type_params(sig);

    let mut params = Vec::new();
    for arg in &sig.inputs {
        let typed = match arg {
            FnArg::Receiver(receiver) => {
                errors.spanned(
                    receiver,
                    "#[grad] does not support `self` parameters; write a free function that \
                     takes the value as an ordinary parameter",
                );
                continue;
            }
            FnArg::Typed(typed) => typed,
        };
        let ident = match &*typed.pat {
            Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => pat.ident.clone(),
            other => {
                errors.spanned(
                    other,
                    "#[grad] needs each parameter to be a plain name (`x: f64`); destructure \
                     it with `let` in the body instead",
                );
                continue;
            }
        };
        if let Type::Reference(reference) = &*typed.ty
            && let Some(token) = &reference.mutability
        {
            errors.spanned(
                token,
                "#[grad] does not support `&mut` parameters: a differentiated function \
                     must not mutate its inputs; take `&` and return the new value",
            );
            continue;
        }
        let shape = classify(&typed.ty, &generic_types);
        // A parameter of floats in a form #[grad] cannot differentiate: reported here, and
        // counted as differentiated, so that the stubs give it the gradient a caller expects
        // (its own type) and no second error says there is nothing to differentiate.
        let rejected = shape == Shape::Constant && args.wrt.is_none() && mentions_float(&typed.ty);
        if rejected {
            match tuple_problem(&typed.ty, &generic_types) {
                Some((element, message)) => errors.spanned(element, message),
                None => errors.spanned(
                    &typed.ty,
                    "#[grad] cannot differentiate a parameter of this type; differentiable \
                     parameters are floats, `[f; N]`, `&[f]`, `Vec<f>`, ndarray arrays of `f32` \
                     or `f64`, and tuples of floats and `[f; N]`. Pass the floats separately, or \
                     name the parameters to differentiate with `#[grad(wrt(..))]` to treat this \
                     one as a constant",
                ),
            }
        }
        params.push(Param {
            active: shape != Shape::Constant || rejected,
            ident,
            ty: typed.ty.clone(),
            shape,
        });
    }

    if let Some(wrt) = &args.wrt {
        for param in &mut params {
            param.active = false;
        }
        for name in wrt {
            match params.iter_mut().find(|p| p.ident == *name) {
                None => errors.spanned(
                    name,
                    format!("`{name}` is not a parameter of this function; `wrt` names parameters"),
                ),
                Some(param) if param.shape == Shape::Constant => {
                    // Counted as differentiated where it holds floats, so that the stubs give
                    // it the gradient a caller expects (its own type).
                    param.active = mentions_float(&param.ty);
                    let ty = &param.ty;
                    errors.spanned(
                        name,
                        format!(
                            "`{name}` has type `{}`, which has no gradient; `wrt` takes \
                             parameters of float type (`f32`, `f64`), float arrays, or tuples \
                             of those",
                            type_text(ty)
                        ),
                    )
                }
                Some(param) => param.active = true,
            }
        }
    }

    let (output, output_shape) = match &sig.output {
        ReturnType::Default => {
            errors.spanned(
                &sig.ident,
                "a #[grad] function must return a value: a float or a fixed-size array of \
                 floats (`-> f64`, `-> [f64; 2]`)",
            );
            return None;
        }
        ReturnType::Type(_, ty) => {
            let shape = match &**ty {
                // One level of floats and fixed-size arrays.
                Type::Tuple(t)
                    if t.elems.iter().all(|e| {
                        matches!(
                            classify(e, &generic_types),
                            Shape::Scalar | Shape::FixedArray
                        )
                    }) =>
                {
                    classify(ty, &generic_types)
                }
                Type::Tuple(_) => Shape::Constant,
                ty => classify(ty, &generic_types),
            };
            if !matches!(
                shape,
                Shape::Scalar | Shape::FixedArray | Shape::NdArray(_) | Shape::Tuple
            ) || is_reference(ty)
            {
                errors.spanned(
                    ty,
                    "#[grad] supports returning a float, a fixed-size array of floats, an owned \
                     ndarray array, or a tuple of floats and fixed-size arrays (`f64`, \
                     `[f64; 2]`, `Array2<f64>`, `(f64, [f64; 2])`); return one of those",
                );
                return None;
            }
            (ty.clone(), shape)
        }
    };
    if !params.is_empty() && params.iter().all(|p| !p.active) && args.wrt.is_none() {
        errors.spanned(
            &sig.inputs,
            "this function has no float parameters, so there is nothing to differentiate; \
             #[grad] differentiates with respect to parameters of type `f32`, `f64` or arrays of them",
        );
    }
    if params.is_empty() && sig.inputs.is_empty() {
        errors.push(syn::Error::new(
            sig.paren_token.span.join(),
            "this function has no parameters, so there is nothing to differentiate",
        ));
    }
    Some(Input {
        checkpoint: args.checkpoint,
        item,
        params,
        output,
        output_shape,
        variant: Variant::Public,
        writes_descriptor: true,
    })
}

/// Whether the type is a container (array, slice, tuple, or a reference to one) with `f32` or
/// `f64` inside (`[[f64; 2]; 2]`, `(f64, f64)`): data the user may expect a gradient for.
fn mentions_float(ty: &Type) -> bool {
    let container = match ty {
        Type::Reference(r) => &r.elem,
        ty => ty,
    };
    if !matches!(container, Type::Array(_) | Type::Slice(_) | Type::Tuple(_)) {
        return false;
    }
    fn walk(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|tree| match tree {
            proc_macro2::TokenTree::Ident(i) => i == "f32" || i == "f64",
            proc_macro2::TokenTree::Group(g) => walk(g.stream()),
            _ => false,
        })
    }
    walk(quote::quote!(#ty))
}

fn is_reference(ty: &Type) -> bool {
    matches!(ty, Type::Reference(_))
}

/// The shape of a written type, or `Constant` for anything that has no gradient.
pub fn classify(ty: &Type, generic_types: &[Ident]) -> Shape {
    match ty {
        Type::Reference(r) => match &*r.elem {
            Type::Slice(slice) if is_float(&slice.elem, generic_types) => Shape::DynArray,
            Type::Slice(slice) if is_float_array(&slice.elem, generic_types) => Shape::List,
            elem => classify(elem, generic_types),
        },
        Type::Paren(p) => classify(&p.elem, generic_types),
        Type::Group(g) => classify(&g.elem, generic_types),
        Type::Array(array) if is_float(&array.elem, generic_types) => Shape::FixedArray,
        Type::Tuple(tuple) if is_float_tuple(tuple, generic_types) => Shape::Tuple,
        _ if is_float(ty, generic_types) => Shape::Scalar,
        _ if vec_element(ty).is_some_and(|e| is_float(e, generic_types)) => Shape::DynArray,
        _ if vec_element(ty).is_some_and(|e| is_float_array(e, generic_types)) => Shape::List,
        _ => match ndarray_type(ty) {
            Some((elem, rank)) if is_float(elem, generic_types) => Shape::NdArray(rank),
            _ => Shape::Constant,
        },
    }
}

/// A tuple of floats, fixed-size float arrays and tuples of those, held by value (`(f64, [f64;
/// 3])`, `((T, T), T)`): plain data, whose gradient is a tuple of the same shape.
fn is_float_tuple(tuple: &syn::TypeTuple, generic_types: &[Ident]) -> bool {
    !tuple.elems.is_empty()
        && tuple.elems.iter().all(|e| {
            !is_reference(e)
                && matches!(
                    classify(e, generic_types),
                    Shape::Scalar | Shape::FixedArray | Shape::Tuple
                )
        })
}

/// For a tuple parameter holding floats that is not a [float tuple](is_float_tuple): the first
/// element that keeps it from being one, and what to write instead.
fn tuple_problem<'t>(ty: &'t Type, generic_types: &[Ident]) -> Option<(&'t Type, String)> {
    let tuple = match ty {
        Type::Reference(r) => match &*r.elem {
            Type::Tuple(t) => t,
            _ => return None,
        },
        Type::Tuple(t) => t,
        _ => return None,
    };
    for elem in &tuple.elems {
        if let Type::Tuple(inner) = elem
            && !is_float_tuple(inner, generic_types)
        {
            return tuple_problem(elem, generic_types).or_else(|| {
                Some((
                    elem,
                    "#[grad] differentiates a tuple parameter that holds floats, fixed-size \
                     float arrays and tuples of those; pass this element as a parameter of its own"
                        .to_owned(),
                ))
            });
        }
        let shape = classify(elem, generic_types);
        let message = if is_reference(elem) && shape != Shape::Constant {
            "a reference inside a tuple parameter is not supported; hold the value in the tuple \
             and take the tuple by reference (`p: &(f64, [f64; 3])`)"
                .to_owned()
        } else {
            match shape {
                Shape::Scalar | Shape::FixedArray | Shape::Tuple => continue,
                Shape::DynArray | Shape::List | Shape::NdArray(_) => format!(
                    "`{}` inside a tuple parameter is not supported: #[grad] differentiates \
                     tuples of floats and fixed-size float arrays; pass the array as a \
                     parameter of its own",
                    type_text(elem)
                ),
                Shape::Constant => format!(
                    "`{}` inside a tuple parameter has no gradient: #[grad] differentiates \
                     tuples of floats and fixed-size float arrays; pass it as a parameter of \
                     its own, or name the parameters to differentiate with \
                     `#[grad(wrt(..))]` to treat this tuple as a constant",
                    type_text(elem)
                ),
            }
        };
        return Some((elem, message));
    }
    None
}

/// A fixed-size or ndarray array of floats: an element of a list parameter.
fn is_float_array(ty: &Type, generic_types: &[Ident]) -> bool {
    matches!(
        classify(ty, generic_types),
        Shape::FixedArray | Shape::NdArray(_)
    ) && !matches!(ty, Type::Reference(_))
}

/// `f32`, `f64` or a generic type parameter of the function.
pub fn is_float(ty: &Type, generic_types: &[Ident]) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => p
            .path
            .get_ident()
            .is_some_and(|i| i == "f32" || i == "f64" || generic_types.contains(i)),
        Type::Paren(p) => is_float(&p.elem, generic_types),
        Type::Group(g) => is_float(&g.elem, generic_types),
        _ => false,
    }
}

/// The element type and number of axes of an ndarray type written as `Array2<E>`,
/// `ArrayView1<'a, E>`, `Array<E, Ix2>`, `ArrayD<E>` (any path ending so).
pub fn ndarray_type(ty: &Type) -> Option<(&Type, Option<usize>)> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    let name = last.ident.to_string();
    let suffix = name
        .strip_prefix("ArrayView")
        .or_else(|| name.strip_prefix("Array"))?;
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    let elem = types.next()?;
    let rank = match suffix {
        "" => match types.next()? {
            Type::Path(dim) => dimension_rank(&dim.path.segments.last()?.ident.to_string())?,
            _ => return None,
        },
        "D" => None,
        digit => Some(
            digit
                .parse::<usize>()
                .ok()
                .filter(|r| (1..=6).contains(r))?,
        ),
    };
    Some((elem, rank))
}

/// `Ix2` → `Some(Some(2))`, `IxDyn` → `Some(None)`.
fn dimension_rank(name: &str) -> Option<Option<usize>> {
    match name {
        "IxDyn" => Some(None),
        _ => Some(Some(name.strip_prefix("Ix")?.parse().ok()?)),
    }
}

/// `E` of `Vec<E>`.
pub fn vec_element(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Vec" {
        return None;
    }
    match &last.arguments {
        PathArguments::AngleBracketed(args) => match args.args.first()? {
            GenericArgument::Type(elem) => Some(elem),
            _ => None,
        },
        _ => None,
    }
}

/// The type parameters that are float types: those the output's scalar is (`T` of `-> T` or
/// `-> [T; 3]`) and those bounded by a float trait (`Float`, `Real`, `FloatCore`, by any path).
/// Any other type parameter (`U: Copy` of a tag) is a constant's type.
pub fn float_type_params(sig: &syn::Signature) -> Vec<Ident> {
    let is_float_bound = |bound: &syn::TypeParamBound| {
        matches!(bound, syn::TypeParamBound::Trait(t)
            if t.path.segments.last().is_some_and(|s| ["Float", "Real", "FloatCore"].iter().any(|n| s.ident == n)))
    };
    let output_scalar = match &sig.output {
        syn::ReturnType::Type(_, ty) => scalar_of(ty).cloned(),
        syn::ReturnType::Default => None,
    };
    let where_bounds = |ident: &Ident| {
        sig.generics.where_clause.iter().any(|w| {
            w.predicates.iter().any(|p| match p {
                syn::WherePredicate::Type(t) => {
                    matches!(&t.bounded_ty, Type::Path(p) if p.path.is_ident(ident))
                        && t.bounds.iter().any(is_float_bound)
                }
                _ => false,
            })
        })
    };
    sig.generics
        .type_params()
        .filter(|p| {
            p.bounds.iter().any(is_float_bound)
                || where_bounds(&p.ident)
                || matches!(&output_scalar, Some(Type::Path(o)) if o.path.is_ident(&p.ident))
        })
        .map(|p| p.ident.clone())
        .collect()
}

/// The type parameter of a function generic over its float type alone (`fn f<T: Float>`): its
/// one generic parameter, where that is a float type ([`float_type_params`]).
pub fn float_type_param(sig: &syn::Signature) -> Option<&Ident> {
    let floats = float_type_params(sig);
    match sig.generics.params.len() {
        1 => sig
            .generics
            .type_params()
            .next()
            .map(|p| &p.ident)
            .filter(|p| floats.contains(p)),
        _ => None,
    }
}

/// The scalar type inside a written type: `f64` of `f64`, `&[f64; 3]`, `Vec<f64>`,
/// `Array2<f64>` or `(f64, [f64; 2])` (its first element), `T` of `T`.
pub fn scalar_of(ty: &Type) -> Option<&Type> {
    if let Some((elem, _)) = ndarray_type(ty) {
        return scalar_of(elem);
    }
    match ty {
        Type::Reference(r) => scalar_of(&r.elem),
        Type::Paren(p) => scalar_of(&p.elem),
        Type::Group(g) => scalar_of(&g.elem),
        Type::Array(a) => scalar_of(&a.elem),
        Type::Slice(s) => scalar_of(&s.elem),
        Type::Tuple(t) => t.elems.first().and_then(scalar_of),
        Type::Path(_) => vec_element(ty).map_or(Some(ty), scalar_of),
        _ => None,
    }
}

/// The element type of an indexable written type (`[E; N]`, `&[E]`, `Vec<E>`, refs to those).
pub fn element_type(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Reference(r) => element_type(&r.elem),
        Type::Paren(p) => element_type(&p.elem),
        Type::Group(g) => element_type(&g.elem),
        Type::Array(a) => Some(&a.elem),
        Type::Slice(s) => Some(&s.elem),
        _ => vec_element(ty),
    }
}

/// The owned array type with `rank` axes of `elem`, as generated code names it.
pub fn owned_ndarray(elem: &TokenStream, rank: Option<usize>) -> TokenStream {
    let alias = match rank {
        Some(n) => quote::format_ident!("Array{}", n),
        None => quote::format_ident!("ArrayD"),
    };
    let runtime = crate::naming::runtime(proc_macro2::Span::call_site());
    quote::quote!(#runtime::ndarray::#alias<#elem>)
}

/// The dimension type for `rank` axes (`Ix2`, or `IxDyn`).
pub fn ndarray_dim(rank: Option<usize>) -> TokenStream {
    let runtime = crate::naming::runtime(proc_macro2::Span::call_site());
    match rank {
        Some(n) => {
            let ix = quote::format_ident!("Ix{}", n);
            quote::quote!(#runtime::ndarray::#ix)
        }
        None => quote::quote!(#runtime::ndarray::IxDyn),
    }
}

/// The owned type of a parameter's gradient: `&[f64; 3]` → `[f64; 3]`, `&[f64]` → `Vec<f64>`,
/// `&Array2<f64>` or `ArrayView2<f64>` → `Array<f64, Ix2>`.
pub fn gradient_type(ty: &Type) -> TokenStream {
    if let Some((elem, rank)) = ndarray_type(ty) {
        return owned_ndarray(&quote::quote!(#elem), rank);
    }
    match ty {
        Type::Reference(r) => match &*r.elem {
            Type::Slice(s) => {
                let elem = gradient_type(&s.elem);
                quote::quote!(::std::vec::Vec<#elem>)
            }
            elem => gradient_type(elem),
        },
        _ => match vec_element(ty) {
            Some(elem) => {
                let elem = gradient_type(elem);
                quote::quote!(::std::vec::Vec<#elem>)
            }
            None => quote::quote!(#ty),
        },
    }
}

/// A type as one writes it, for an error message (`impl Into<f64>`, `[f64; 3]`, `&'a T`):
/// its tokens' text keeps a space only between two words, and after `,` and `;`.
fn type_text(ty: &Type) -> String {
    let text = quote::quote!(#ty).to_string();
    let chars: Vec<char> = text.chars().collect();
    let word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric() || *c == '_');
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        let before = i.checked_sub(1).and_then(|j| chars.get(j));
        let keep = *c != ' '
            || (word(before) && word(chars.get(i + 1)))
            || matches!(before, Some(',' | ';'));
        if keep {
            out.push(*c);
        }
    }
    out
}
