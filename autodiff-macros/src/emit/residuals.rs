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
use crate::analysis::Scope;
use crate::analysis::TypeTable;
use crate::analysis::keeps_owned;
use crate::generics::{companion_generics, has_elided_reference, with_lifetimes};
use crate::input::Input;
use crate::naming::Names;
use crate::reverse::Reverse;
use crate::ssa::{Function, Op, Operand, Stmt, VarId};
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
    /// The struct item, and the record types of the `if`s and loops.
    pub item: TokenStream,
    /// The record type of each `if` and loop whose records the reverse sweep reads, by its
    /// record variable.
    pub records: std::collections::HashMap<VarId, Record>,
    /// The names of the records kept in one `Vec` for the whole call (nested loops), which the
    /// forward half declares first and the reverse half takes back off the end.
    pub flat: Vec<Ident>,
    /// The snapshot type of each loop checkpointed with `every` or `snapshots` (its carried
    /// variables), by the loop's record variable.
    pub snapshots: std::collections::HashMap<VarId, Record>,
}

/// The record of an `if` (an enum, a variant an arm) or of a loop's iteration (a struct).
pub(super) struct Record {
    /// `FIf0`, `FLoop1`.
    pub name: Ident,
    pub is_if: bool,
    /// Each arm's fields (one list for a loop): name, type and initialiser.
    pub arms: Vec<Vec<(Ident, TokenStream, TokenStream)>>,
    pub marker: Option<Ident>,
}

impl Record {
    fn path(&self, arm: usize) -> TokenStream {
        let name = &self.name;
        match (self.is_if, arm) {
            (false, _) => quote!(#name),
            (true, 0) => quote!(#name::Then),
            (true, _) => quote!(#name::Else),
        }
    }

    /// The value built at the end of the arm (iteration); the fields named in `cloned` are
    /// copies, for values the arm (iteration) still gives away after it.
    pub fn literal(&self, arm: usize, cloned: &[&Ident]) -> TokenStream {
        let path = self.path(arm);
        let inits = self.arms[arm].iter().map(|(name, _, init)| {
            if cloned.contains(&name) {
                quote!(#name: #name.clone())
            } else {
                init.clone()
            }
        });
        let marker = self
            .marker
            .as_ref()
            .map(|m| quote!(#m: ::core::marker::PhantomData,));
        quote!(#path { #(#inits,)* #marker })
    }

    /// The pattern taking it apart in the reverse sweep.
    pub fn pattern(&self, arm: usize) -> TokenStream {
        let path = self.path(arm);
        let names = self.arms[arm].iter().map(|(name, _, _)| name);
        quote!(#path { #(#names,)* .. })
    }
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
        let lent: Vec<usize> = stored
            .iter()
            .copied()
            .filter(|&i| passed(param_var(i)))
            .collect();
        let rg = ResidualGenerics::new(
            input,
            &stored,
            &unread,
            &lent,
            calls.iter().any(|c| c.borrows),
            names,
        );
        let mut fields = Vec::new();
        // Parameters kept as copies of what they point to, borrowed again in the reverse half.
        let mut copied = Vec::new();
        // The records of a nested loop over a run-time range are one `Vec` for the whole call,
        // kept with the function's residuals.
        // In the body's order (a `BTreeSet` of variables), so that the forward half declares them
        // in the same order on every expansion.
        let flat: std::collections::BTreeSet<VarId> = function
            .body
            .compounds()
            .into_iter()
            .filter_map(|s| match s {
                Stmt::Loop(looped) if looped.flat_records() => Some(looped.records),
                _ => None,
            })
            .collect();
        let scope_of = |var: VarId| {
            if flat.contains(&var) {
                return Scope::Function;
            }
            reverse.scopes.get(&var).copied().unwrap_or(Scope::Function)
        };
        // Records: the type of each `if`'s and loop's, and the fields of each scope.
        let camel = sig.residuals.to_string();
        let (stem, suffix) = match camel.strip_suffix("ResidualsFull") {
            Some(stem) => (stem.to_owned(), "Full"),
            None => (camel.trim_end_matches("Residuals").to_owned(), ""),
        };
        let record_generics = crate::generics::companion_generics(&input.item.sig);
        let (record_impl, record_ty, record_where) = record_generics.split_for_impl();
        let record_marker = (!record_generics.params.is_empty()).then(|| {
            let used: Vec<TokenStream> = record_generics
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
                .collect();
            (
                names.fresh("marker", Span::call_site()),
                quote!(::core::marker::PhantomData<fn() -> (#(#used,)*)>),
            )
        });
        let mut record_types: std::collections::HashMap<VarId, (Ident, bool)> = Default::default();
        // Loops whose records live on the stack, with their bound.
        let mut stack_bounds: std::collections::HashMap<VarId, TokenStream> = Default::default();
        let mut indices = Vec::new();
        for stmt in function.body.compounds() {
            let (var, base, id, is_if) = match stmt {
                Stmt::If(branch) => (branch.record, "If", branch.id, true),
                Stmt::Loop(looped) => {
                    if looped.recomputes_index()
                        && let Some(index) = looped.index
                    {
                        indices.push(index);
                    }
                    if let Some(bound) = looped.static_trip_bound() {
                        stack_bounds.insert(looped.records, bound);
                    }
                    (looped.records, "Loop", looped.id, false)
                }
                Stmt::Let(_) => continue,
            };
            if reverse.reads.contains(&var) {
                let name = Ident::new(&format!("{stem}{base}{id}{suffix}"), sig.residuals.span());
                record_types.insert(var, (name, is_if));
            }
        }
        // The snapshots of a loop checkpointed with `every` or `snapshots`: its carried
        // variables at the start of an iteration, kept by a runtime schedule.
        let mut snapshot_types: std::collections::HashMap<VarId, (Ident, TokenStream)> =
            Default::default();
        for stmt in function.body.compounds() {
            if let Stmt::Loop(looped) = stmt
                && let Some(checkpoint) = looped.checkpoint.as_ref().filter(|c| c.segments())
            {
                let id = looped.id;
                let name = Ident::new(
                    &format!("{stem}Loop{id}Snapshot{suffix}"),
                    sig.residuals.span(),
                );
                let schedule = match checkpoint {
                    crate::checkpoint::Checkpoint::Snapshots(_) => quote!(Revolve),
                    _ => quote!(Periodic),
                };
                snapshot_types.insert(
                    looped.records,
                    (
                        name.clone(),
                        quote!(::autodiff_runtime::checkpoint::#schedule<#name #record_ty>),
                    ),
                );
            }
        }
        let var_type = |var: VarId| -> TokenStream {
            if let Some((_, schedule)) = snapshot_types.get(&var) {
                return schedule.clone();
            }
            if let Some((name, is_if)) = record_types.get(&var) {
                return if *is_if {
                    quote!(#name #record_ty)
                } else if let Some(bound) = stack_bounds.get(&var) {
                    let private = crate::naming::private(Span::call_site());
                    quote!(#private::ArrayVec<#name #record_ty, #bound>)
                } else {
                    quote!(::std::vec::Vec<#name #record_ty>)
                };
            }
            match calls.iter().find(|call| call.residuals == var) {
                Some(call) => {
                    let kept = &call.kept;
                    if call.borrows && scope_of(var) == Scope::Function {
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
            }
        };
        // A checkpointed loop's record: its carried variables at the start of the iteration
        // (and the index where the range cannot give it again), from which the reverse runs the
        // iteration again.
        let checkpointed: std::collections::HashMap<VarId, Vec<VarId>> = function
            .body
            .compounds()
            .into_iter()
            .filter_map(|s| match s {
                Stmt::Loop(looped)
                    if looped.checkpoint == Some(crate::checkpoint::Checkpoint::EachIteration) =>
                {
                    let mut kept: Vec<VarId> = looped
                        .carried
                        .iter()
                        .filter(|c| reverse.live[c.inside.0])
                        .map(|c| c.inside)
                        .collect();
                    if !looped.recomputes_index()
                        && let Some(index) = looped.index
                    {
                        kept.push(index);
                    }
                    Some((looped.records, kept))
                }
                _ => None,
            })
            .collect();
        let scope_fields = |scope: Scope| -> Vec<(Ident, TokenStream, TokenStream)> {
            let mut fields = Vec::new();
            if let Scope::Loop(record) = scope
                && let Some(kept) = checkpointed.get(&record)
            {
                for &var in kept {
                    let name = function.var(var).name.clone();
                    let init = quote!(#name);
                    fields.push((name, var_type(var), init));
                }
                return fields;
            }
            for (&var, dim) in &reverse.dims {
                if scope_of(var) == scope {
                    let (ty, _) = shape_of(function, types, var);
                    fields.push((dim.clone(), ty, quote!(#dim)));
                }
            }
            for &var in &reverse.reads {
                if scope_of(var) == scope && !indices.contains(&var) {
                    let name = function.var(var).name.clone();
                    let init = quote!(#name);
                    fields.push((name, var_type(var), init));
                }
            }
            fields
        };
        let mut records = std::collections::HashMap::new();
        let mut record_items = Vec::new();
        for (&var, (name, is_if)) in &record_types {
            let arms: Vec<Vec<(Ident, TokenStream, TokenStream)>> = if *is_if {
                vec![
                    scope_fields(Scope::Then(var)),
                    scope_fields(Scope::Else(var)),
                ]
            } else {
                vec![scope_fields(Scope::Loop(var))]
            };
            let marker_decl = record_marker.as_ref().map(|(m, ty)| quote!(#m: #ty,));
            let decls = |fields: &Vec<(Ident, TokenStream, TokenStream)>| {
                let decls = fields.iter().map(|(n, t, _)| quote!(#n: #t));
                quote!({ #(#decls,)* #marker_decl })
            };
            let doc = format!(
                " What the reverse sweep of {} keeps of {}. Generated by `#[grad]`.",
                sig.docs_name(),
                if *is_if {
                    "the arm of an `if` that ran"
                } else {
                    "one iteration of a loop"
                }
            );
            record_items.push(if *is_if {
                let (then, else_) = (decls(&arms[0]), decls(&arms[1]));
                quote! {
                    #[doc = #doc]
                    #(#attrs)*
                    // A variant's fields are as public as the enum; they are the values the
                    // arm's reverse reads, named after the function's variables.
                    #[allow(missing_docs)]
                    #vis enum #name #record_impl #record_where {
                        /// The `then` arm ran.
                        Then #then,
                        /// The `else` arm ran.
                        Else #else_,
                    }
                }
            } else {
                let fields = decls(&arms[0]);
                quote! {
                    #[doc = #doc]
                    #(#attrs)*
                    #vis struct #name #record_impl #record_where #fields
                }
            });
            records.insert(
                var,
                Record {
                    name: name.clone(),
                    is_if: *is_if,
                    arms,
                    marker: record_marker.as_ref().map(|(m, _)| m.clone()),
                },
            );
        }
        let mut snapshots = std::collections::HashMap::new();
        for stmt in function.body.compounds() {
            let Stmt::Loop(looped) = stmt else { continue };
            let Some((name, _)) = snapshot_types.get(&looped.records) else {
                continue;
            };
            let fields: Vec<(Ident, TokenStream, TokenStream)> = looped
                .carried
                .iter()
                .filter(|c| reverse.live[c.inside.0] || reverse.live[c.after.0])
                .map(|c| {
                    let name = function.var(c.inside).name.clone();
                    let init = quote!(#name);
                    (name, var_type(c.inside), init)
                })
                .collect();
            let marker_decl = record_marker.as_ref().map(|(m, ty)| quote!(#m: #ty,));
            let decls = fields.iter().map(|(n, t, _)| quote!(#n: #t));
            let doc = format!(
                " The loop-carried variables of a checkpointed loop of {} at the start of an \
                 iteration, from which the reverse sweep runs the loop again. Generated by \
                 `#[grad]`.",
                sig.docs_name(),
            );
            record_items.push(quote! {
                #[doc = #doc]
                #(#attrs)*
                #[derive(Clone)]
                #vis struct #name #record_impl #record_where { #(#decls,)* #marker_decl }
            });
            snapshots.insert(
                looped.records,
                Record {
                    name: name.clone(),
                    is_if: false,
                    arms: vec![fields],
                    marker: record_marker.as_ref().map(|(m, _)| m.clone()),
                },
            );
        }
        record_items.sort_by_key(|item| item.to_string());
        for &var in &reverse.reads {
            if scope_of(var) != Scope::Function {
                continue;
            }
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
                None => var_type(var),
            };
            fields.push((name.clone(), ty, quote!(#name)));
        }
        // Shapes go first: the struct literal evaluates them before the arrays move in.
        for (&var, dim) in reverse.dims.iter().rev() {
            if scope_of(var) != Scope::Function {
                continue;
            }
            // A parameter's shape is read here; a local's where it is made (`Forward::shape`).
            let (ty, shape) = shape_of(function, types, var);
            let init = if function.params.iter().any(|p| p.var == var) {
                quote!(#dim: #shape)
            } else {
                quote!(#dim)
            };
            fields.insert(0, (dim.clone(), ty, init));
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
            #(#record_items)*
        };

        Layout {
            generics: rg,
            fields,
            copied,
            item: residual_struct,
            flat: flat
                .iter()
                .filter(|v| records.contains_key(v))
                .map(|v| function.var(*v).name.clone())
                .collect(),
            records,
            snapshots,
        }
    }

    /// The initialiser of every field and of the marker, as the struct literal lists them.
    pub fn inits(&self) -> (Vec<&TokenStream>, TokenStream) {
        let inits = self.fields.iter().map(|(_, _, init)| init).collect();
        (inits, marker(&self.generics).1)
    }

    /// The field names, for the pattern that takes the struct apart (`mut` for the records
    /// the reverse sweep takes back off the end).
    pub fn names(&self) -> Vec<TokenStream> {
        self.fields
            .iter()
            .map(|(n, _, _)| {
                if self.flat.iter().any(|f| f == n) {
                    quote!(mut #n)
                } else {
                    quote!(#n)
                }
            })
            .collect()
    }
}

/// The type of an array's shape and the expression reading it: `raw_dim()` of an ndarray array,
/// the length of anything else.
pub(super) fn shape_of(
    function: &Function,
    types: &TypeTable,
    var: VarId,
) -> (TokenStream, TokenStream) {
    let array = &function.var(var).name;
    match types.of(var).ndarray {
        Some(rank) => (crate::input::ndarray_dim(rank), quote!(#array.raw_dim())),
        None => (quote!(usize), quote!(#array.len())),
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
    /// used by a marker); `lent`: those passed to callees whose residuals borrow them, which
    /// need the residuals' lifetime even where the residuals keep a copy (`&[f64; 3]`).
    pub fn new(
        input: &Input,
        stored: &[usize],
        unread: &[usize],
        lent: &[usize],
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
            if copied_reference(ty).is_some() && !lent.contains(&i) {
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
