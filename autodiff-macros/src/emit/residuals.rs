//! The residuals struct: what the forward half keeps for the reverse half.
//!
//! In: what the reverse sweep reads (`Reverse::reads`, `Reverse::dims`) and the calls whose
//! residuals it keeps. Out: a [`Layout`]: the fields (name, type, initialiser) in the order the
//! struct literal evaluates them, the generics (a lifetime for what is kept borrowed), and the
//! struct item.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use syn::{Generics, Lifetime, Type};

use super::Signature;
use crate::analysis::TypeTable;
use crate::analysis::keeps_owned;
use crate::generics::{companion_generics, has_elided_reference, with_lifetimes};
use crate::input::Input;
use crate::naming::Names;
use crate::reverse::Reverse;
use crate::ssa::{Function, Op, Operand};
use crate::types::copied_reference;

/// A call to a `#[grad]` function whose residuals the reverse sweep needs.
struct Call<'a> {
    /// `<callee as Kept<F>>`.
    kept: TokenStream,
    residuals: crate::ssa::VarId,
    args: &'a [Operand],
    /// Some argument is not plain data, so the callee's residuals may borrow it.
    borrows: bool,
}

/// The residuals struct of one function.
pub(super) struct Layout {
    pub generics: ResidualGenerics,
    /// Name, type and initialiser of each field, in the order the struct literal evaluates them.
    pub fields: Vec<(Ident, TokenStream, TokenStream)>,
    /// Parameters kept as copies of what they point to, borrowed again in the reverse half.
    pub copied: Vec<Ident>,
    /// The struct item.
    pub item: TokenStream,
}

impl Layout {
    /// Plans the fields and generics, and writes the struct.
    pub fn plan(
        input: &Input,
        function: &Function,
        reverse: &Reverse,
        types: &TypeTable,
        names: &mut Names,
        sig: &Signature,
    ) -> Self {
        let attrs = &sig.attrs;
        let vis = &input.item.vis;
        let Signature {
            fwd,
            bwd,
            residuals: residuals_ty,
            ..
        } = sig;
        let param_var = |i: usize| function.params[i].var;
        // Residual fields.
        // A callee's residuals borrow what they were passed for the residuals' lifetime, unless
        // every argument is plain data (floats, integers, fixed-size arrays, references to them),
        // which callees keep copies of: then they borrow nothing, whatever the arguments borrow.
        let calls: Vec<Call> = function
            .body
            .lets()
            .filter_map(|s| match &s.op {
                Op::GradCall {
                    alias,
                    float,
                    residuals,
                    args,
                    ..
                } if reverse.reads.contains(residuals) => Some(Call {
                    kept: crate::descriptor::kept(alias, float),
                    residuals: *residuals,
                    args,
                    borrows: !keeps_owned(types, args),
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
                        let kept = &call.kept;
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
                    // `analysis::check_kept` reported an unknown type; the companions become
                    // stubs.
                    None => types.of(var).written.clone().unwrap_or_else(|| quote!(())),
                },
            };
            fields.push((name.clone(), ty, quote!(#name)));
        }
        // Shapes go first: the struct literal evaluates them before the arrays move in.
        for (&var, dim) in reverse.dims.iter().rev() {
            let rank = types.of(var).ndarray.flatten();
            let ty = crate::input::ndarray_dim(rank);
            let array = &function.var(var).name;
            fields.insert(0, (dim.clone(), ty, quote!(#dim: #array.raw_dim())));
        }
        let (impl_generics, _, where_clause) = rg.generics.split_for_impl();
        let field_decls = fields.iter().map(|(n, t, _)| quote!(#n: #t));
        let (marker_decl, _) = marker(&rg);
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

        Layout {
            generics: rg,
            fields,
            copied,
            item: residual_struct,
        }
    }

    /// The initialiser of every field and of the marker, as the struct literal lists them.
    pub fn inits(&self) -> (Vec<&TokenStream>, TokenStream) {
        let inits = self.fields.iter().map(|(_, _, init)| init).collect();
        (inits, marker(&self.generics).1)
    }

    /// The field names, for the pattern that takes the struct apart.
    pub fn names(&self) -> Vec<&Ident> {
        self.fields.iter().map(|(n, _, _)| n).collect()
    }
}

/// The marker field's declaration and initialiser, where the struct has one.
fn marker(rg: &ResidualGenerics) -> (TokenStream, TokenStream) {
    match &rg.marker {
        Some((name, ty)) => (
            quote!(#name: #ty,),
            quote!(#name: ::core::marker::PhantomData,),
        ),
        None => (quote!(), quote!()),
    }
}

/// The generics of the residuals struct and the halves: the function's own, plus a lifetime for
/// borrowed parameters the residuals keep, with a marker field using every parameter.
pub(super) struct ResidualGenerics {
    pub generics: Generics,
    /// The stored parameters whose types had elided lifetimes, with a named lifetime of their own
    /// for each (views are invariant in theirs, so they cannot share one).
    pub param_types: std::collections::HashMap<usize, Type>,
    /// The lifetime references share (and callees' residuals borrow for).
    pub shared: Option<Lifetime>,
    pub marker: Option<(Ident, TokenStream)>,
}

impl ResidualGenerics {
    /// `stored`: the parameters the residuals keep, or pass to callees whose residuals they
    /// keep; `unread`: those of them the residuals do not keep as fields (their lifetimes are
    /// used by a marker).
    pub fn new(
        input: &Input,
        stored: &[usize],
        unread: &[usize],
        force_shared: bool,
        names: &mut Names,
    ) -> Self {
        let mut generics = companion_generics(&input.item.sig);
        let mut param_types = std::collections::HashMap::new();
        let mut lifetimes: Vec<Lifetime> = Vec::new();
        // Views' lifetimes, each its own (views are invariant in it).
        let mut views: Vec<(usize, Lifetime)> = Vec::new();
        // References are covariant in their lifetime and share the first one.
        let mut shared: Option<Lifetime> = None;
        // Lifetimes the user wrote on kept or passed parameters (`ArrayView1<'a, f64>`), which
        // must outlive what callees' residuals borrow for.
        let mut written: Vec<Lifetime> = Vec::new();
        for &i in stored {
            let ty = &input.params[i].ty;
            if copied_reference(ty).is_some() {
                continue;
            }
            for lifetime in crate::generics::written_lifetimes(ty) {
                if !written.contains(&lifetime) {
                    written.push(lifetime);
                }
            }
            if !has_elided_reference(ty) {
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
            for view in views.iter().map(|(_, l)| l).chain(&written) {
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
