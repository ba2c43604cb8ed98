//! Declaring cotangents: the first contribution to a cotangent declares it (`let mut bar_a =
//! ..;`), later ones add with `+=`; a contribution to one element declares a zero array first;
//! a differentiated parameter that received nothing gets a zero gradient.

use std::collections::{BTreeSet, HashMap};

use proc_macro2::TokenStream;
use quote::quote;

use super::{Accumulation, Adjoint, Cx, Part, Raw};
use crate::analysis::TypeTable;
use crate::analysis::is_borrowed;
use crate::input::{Input, Shape};
use crate::ssa::{Function, Operand, VarId};
use crate::types::zero_of_written;

/// The adjoint statements from the contributions, with declarations decided; and whether the
/// seeded output cotangent receives further contributions (so the parameter is `mut`).
pub(super) fn declare(cx: &mut Cx, input: &Input, seeded: Option<VarId>) -> (Vec<Adjoint>, bool) {
    let function = cx.function;
    let raw = std::mem::take(&mut cx.raw);
    let mut state = State {
        remaining: count(&raw),
        declared: seeded.into_iter().collect(),
        written: HashMap::new(),
        pending: Vec::new(),
    };
    let seed_mutable = seeded.is_some_and(|v| state.remaining.contains_key(&v));
    let mut stmts: Vec<Adjoint> = std::mem::take(&mut cx.recips)
        .into_iter()
        .map(|(_, name, value)| Adjoint::Let {
            name,
            value,
            mutable: false,
        })
        .collect();
    stmts.extend(scope(cx, input, raw, &mut state));
    // Active parameters that received nothing have a zero gradient.
    for param in &function.params {
        if param.active && !state.declared.contains(&param.var) {
            cx.bar(param.var);
            let zero = zero(cx, input, param.var);
            stmts.push(Adjoint::Declare {
                target: param.var,
                mutable: false,
                value: zero,
            });
        }
    }

    (stmts, seed_mutable)
}

/// What is decided so far, walking the contributions in order.
struct State {
    /// For each cotangent, the contributions (and assignments) still to come.
    remaining: HashMap<VarId, usize>,
    declared: BTreeSet<VarId>,
    /// For cotangents declared zero by an indexed contribution: the literal indices written so
    /// far, while every contribution has had a literal index (`None` after any other).
    written: HashMap<VarId, Option<BTreeSet<usize>>>,
    /// Cotangents declared without a value before the `if` whose arm is being written, not yet
    /// set in it.
    pending: Vec<VarId>,
}

/// Whether the first of `raw`'s contributions to `target` moves a value into it (a whole-value
/// contribution, not inside a nested `if` or loop).
fn starts_with_a_move(raw: &[Raw], target: VarId) -> bool {
    for r in raw {
        let mut targets = Vec::new();
        r.targets(&mut targets);
        if targets.contains(&target) {
            return matches!(r, Raw::Add { target: t, index: None, .. } if *t == target);
        }
    }
    false
}

/// How many contributions and assignments each cotangent gets in `raw`, at any depth.
fn count(raw: &[Raw]) -> HashMap<VarId, usize> {
    fn walk(raw: &[Raw], counts: &mut HashMap<VarId, usize>) {
        for r in raw {
            match r {
                Raw::Add { target, .. } | Raw::Assign { target, .. } | Raw::Zero { target, .. } => {
                    *counts.entry(*target).or_default() += 1;
                }
                Raw::If { then, else_, .. } => {
                    walk(then, counts);
                    walk(else_, counts);
                }
                Raw::Loop { body, .. } => walk(body, counts),
                Raw::Bind { .. } | Raw::Drop(_) | Raw::Let { .. } | Raw::Set { .. } => {}
            }
        }
    }
    let mut counts = HashMap::new();
    walk(raw, &mut counts);
    counts
}

/// Whether `var` is defined inside the `if` or loop whose record is `record`.
fn defined_within(cx: &Cx, var: VarId, record: VarId) -> bool {
    crate::analysis::defined_within(&cx.scopes, var, record)
}

/// Before an `if` or a loop: declares (zero) every cotangent it adds into that is defined
/// outside it and not declared yet, and forgets which elements of those were written.
fn declare_outer(
    cx: &mut Cx,
    input: &Input,
    nested: &Raw,
    record: VarId,
    state: &mut State,
    stmts: &mut Vec<Adjoint>,
) {
    let mut targets = Vec::new();
    nested.targets(&mut targets);
    for target in targets {
        // A value the same in every iteration of this loop has its cotangent summed over them,
        // declared before the loop (`control::loop_rule`).
        let invariant = cx.summed.contains(&target)
            && cx.scopes.get(&target) == Some(&crate::analysis::Scope::Loop(record));
        if defined_within(cx, target, record) && !invariant {
            continue;
        }
        if let Some(tracked) = state.written.get_mut(&target) {
            *tracked = None;
        }
        if state.declared.insert(target) {
            let zero = zero(cx, input, target);
            stmts.push(Adjoint::Declare {
                target,
                mutable: true,
                value: zero,
            });
        }
    }
}

/// The adjoint statements of one body's contributions.
fn scope(cx: &mut Cx, input: &Input, raw: Vec<Raw>, state: &mut State) -> Vec<Adjoint> {
    let function = cx.function;
    let mut stmts = Vec::new();
    let mut raw = std::collections::VecDeque::from(raw);
    while let Some(next) = raw.pop_front() {
        if let Some(declare) = whole_tuple(cx, input, &next, &mut raw, state) {
            stmts.push(declare);
            continue;
        }
        match next {
            Raw::Bind { names, value } => stmts.push(Adjoint::Bind { names, value }),
            Raw::Drop(name) => stmts.push(Adjoint::Drop(name)),
            Raw::Let {
                name,
                value,
                mutable,
            } => stmts.push(Adjoint::Let {
                name,
                value,
                mutable,
            }),
            Raw::Set { name, op, value } => stmts.push(Adjoint::Set { name, op, value }),
            Raw::Zero { target, index } => {
                if let Some(left) = state.remaining.get_mut(&target) {
                    *left -= 1;
                }
                if let Some(tracked) = state.written.get_mut(&target) {
                    *tracked = None;
                }
                let zero = cx
                    .types
                    .of(target)
                    .element_zero
                    .clone()
                    .unwrap_or_else(|| quote!(::core::default::Default::default()));
                stmts.push(Adjoint::Zero {
                    target,
                    index,
                    value: zero,
                });
            }
            Raw::Assign { target, value } => {
                if let Some(left) = state.remaining.get_mut(&target) {
                    *left -= 1;
                }
                let value = match value {
                    Some(value) => value,
                    None => zero(cx, input, target),
                };
                stmts.push(Adjoint::Assign { target, value });
            }
            nested @ Raw::If { record, .. } => {
                // A cotangent from outside that each arm starts by moving a value into is
                // declared without a value (`let mut bar;`) and set in each arm: no zero.
                let Raw::If { then, else_, .. } = &nested else {
                    unreachable!("matched above")
                };
                let mut later = Vec::new();
                let mut targets = Vec::new();
                nested.targets(&mut targets);
                for target in targets {
                    if !later.contains(&target)
                        && !state.declared.contains(&target)
                        && !defined_within(cx, target, record)
                        && starts_with_a_move(then, target)
                        && starts_with_a_move(else_, target)
                    {
                        later.push(target);
                    }
                }
                for &target in &later {
                    state.declared.insert(target);
                    let mutable = state.remaining.get(&target).copied().unwrap_or(0) > 2;
                    stmts.push(Adjoint::DeclareLater { target, mutable });
                }
                declare_outer(cx, input, &nested, record, state, &mut stmts);
                let Raw::If { then, else_, .. } = nested else {
                    unreachable!("matched above")
                };
                let mut arms = Vec::new();
                // What an enclosing arm still has to set, waiting until after this `if`.
                let outer_pending = std::mem::take(&mut state.pending);
                for arm in [then, else_] {
                    // Declarations inside an arm stay inside it.
                    let declared = state.declared.clone();
                    state.pending = later.clone();
                    for (target, n) in count(&arm) {
                        if defined_within(cx, target, record) {
                            state.remaining.insert(target, n);
                        }
                    }
                    arms.push(scope(cx, input, arm, state));
                    state.declared = declared;
                }
                state.pending = outer_pending;
                let else_ = arms.pop().expect("two arms");
                let then = arms.pop().expect("two arms");
                stmts.push(Adjoint::If {
                    record,
                    then,
                    else_,
                });
            }
            nested @ Raw::Loop { record, .. } => {
                declare_outer(cx, input, &nested, record, state, &mut stmts);
                let Raw::Loop {
                    mut keeps,
                    index,
                    body,
                    ..
                } = nested
                else {
                    unreachable!("matched above")
                };
                let declared = state.declared.clone();
                let outer_pending = std::mem::take(&mut state.pending);
                let body = scope(cx, input, body, state);
                // A zero declared in the body from the shape of an array the body makes (`let
                // mut v = vec![0.0; 2];` in the loop) reads that shape from the iteration's
                // record, which the loop then keeps even if nothing else needed one.
                let in_body = crate::analysis::Scope::Loop(record);
                if !keeps && cx.dims.keys().any(|v| cx.scopes.get(v) == Some(&in_body)) {
                    keeps = true;
                    cx.primal(&Operand::Var(record));
                }
                state.pending = outer_pending;
                state.declared = declared;
                stmts.push(Adjoint::Loop {
                    record,
                    keeps,
                    index,
                    body,
                });
            }
            Raw::Add {
                target,
                index,
                value,
            } => {
                let left = state.remaining.get_mut(&target).expect("counted above");
                *left -= 1;
                let left = *left;
                if let Some(at) = state.pending.iter().position(|t| *t == target) {
                    // The arm's first contribution to a cotangent declared before the `if`.
                    state.pending.swap_remove(at);
                    stmts.push(Adjoint::Assign { target, value });
                    continue;
                }
                let whole = match &index {
                    None => true,
                    Some(Part::Index(_) | Part::Window(_)) => lists_arrays(input, function, target),
                    Some(Part::Field(_)) => false,
                };
                let mut how = if let Some(Part::Field(i)) = &index {
                    field_accumulation(input, function, cx.types, target, *i)
                } else if is_array(input, function, cx.types, target) && whole {
                    if is_generic_float(input, function, cx.types, target) {
                        Accumulation::Floats
                    } else {
                        Accumulation::Array
                    }
                } else if is_generic_float(input, function, cx.types, target) {
                    Accumulation::Plus
                } else {
                    Accumulation::AddAssign
                };
                if state.declared.insert(target) {
                    if index.is_none() {
                        stmts.push(Adjoint::Declare {
                            target,
                            mutable: left > 0,
                            value,
                        });
                        continue;
                    }
                    let zero = zero(cx, input, target);
                    stmts.push(Adjoint::Declare {
                        target,
                        mutable: true,
                        value: zero,
                    });
                    state.written.insert(target, Some(BTreeSet::new()));
                }
                if let Some(tracked) = state.written.get_mut(&target) {
                    let literal = match &index {
                        Some(Part::Index(i)) => syn::parse2::<syn::LitInt>(i.clone())
                            .ok()
                            .and_then(|i| i.base10_parse::<usize>().ok()),
                        Some(Part::Field(i)) => Some(*i),
                        Some(Part::Window(_)) | None => None,
                    };
                    match (tracked.as_mut(), literal) {
                        (Some(indices), Some(i)) => {
                            if indices.insert(i) {
                                how = Accumulation::Set;
                            }
                        }
                        // An index only known at run time may be any element.
                        _ => *tracked = None,
                    }
                }
                stmts.push(Adjoint::Add {
                    target,
                    index,
                    value,
                    how,
                });
            }
        }
    }
    stmts
}

/// A tuple's cotangent made of its fields' at once, `let bar_p = (bar_p_0, bar_p_1);`, where
/// its only contributions are one to each field, in a row, starting with `first` (the fields
/// of a tuple parameter, read once at the start): the rest are taken from `rest`. A field that
/// gets nothing is a zero.
fn whole_tuple(
    cx: &Cx,
    input: &Input,
    first: &Raw,
    rest: &mut std::collections::VecDeque<Raw>,
    state: &mut State,
) -> Option<Adjoint> {
    let Raw::Add {
        target,
        index: Some(Part::Field(_)),
        ..
    } = first
    else {
        return None;
    };
    let target = *target;
    if state.declared.contains(&target) || state.pending.contains(&target) {
        return None;
    }
    let count = state.remaining.get(&target).copied()?;
    let fields = |raw: &Raw| match raw {
        Raw::Add {
            target: t,
            index: Some(Part::Field(i)),
            value,
        } if *t == target => Some((*i, value.clone())),
        _ => None,
    };
    let mut values = vec![fields(first)?];
    for raw in rest.iter().take(count - 1) {
        values.push(fields(raw)?);
    }
    if values.len() != count {
        return None;
    }
    let elements = match tuple_type(input, cx.function, cx.types, target)? {
        syn::Type::Tuple(tuple) => tuple.elems.into_iter().collect::<Vec<_>>(),
        _ => return None,
    };
    let mut items = Vec::new();
    for (i, element) in elements.iter().enumerate() {
        let mut given = values.iter().filter(|(field, _)| *field == i);
        match (given.next(), given.next()) {
            (Some((_, value)), None) => items.push(value.clone()),
            (None, None) => items.push(zero_of_written(element)?),
            _ => return None,
        }
    }
    rest.drain(..count - 1);
    state.remaining.insert(target, 0);
    state.declared.insert(target);
    Some(Adjoint::Declare {
        target,
        mutable: false,
        value: quote!((#(#items,)*)),
    })
}

/// The tuple type of `var` (a reference's pointee), where it is written or inferred.
fn tuple_type(
    input: &Input,
    function: &Function,
    types: &TypeTable,
    var: VarId,
) -> Option<syn::Type> {
    let written = match param_of(input, function, var) {
        Some(param) => (*param.ty).clone(),
        None => syn::parse2::<syn::Type>(types.of(var).written.clone()?).ok()?,
    };
    match crate::types::strip_reference(&written) {
        tuple @ syn::Type::Tuple(_) => Some(tuple.clone()),
        _ => None,
    }
}

fn param_of<'a>(
    input: &'a Input,
    function: &Function,
    var: VarId,
) -> Option<&'a crate::input::Param> {
    function
        .params
        .iter()
        .position(|p| p.var == var)
        .map(|i| &input.params[i])
}

/// Whether `var` is a list parameter, whose elements are arrays (`bar_ws[l]` accumulates).
fn lists_arrays(input: &Input, function: &Function, var: VarId) -> bool {
    param_of(input, function, var).is_some_and(|p| p.shape == Shape::List)
}

fn is_array(input: &Input, function: &Function, types: &TypeTable, var: VarId) -> bool {
    match param_of(input, function, var) {
        Some(param) => matches!(
            param.shape,
            Shape::FixedArray | Shape::DynArray | Shape::NdArray(_) | Shape::List | Shape::Tuple
        ),
        // Tuples (a tuple output merged from an early `return`) accumulate element-wise too.
        None => {
            types.of(var).array
                || types.of(var).written.as_ref().is_some_and(|w| {
                    matches!(syn::parse2::<syn::Type>(w.clone()), Ok(syn::Type::Tuple(_)))
                })
        }
    }
}

/// How a contribution to field `i` of the tuple `var`'s cotangent adds in: by its element's
/// type (`bar_p.1` of `p: (f64, [f64; 3])` is an array).
fn field_accumulation(
    input: &Input,
    function: &Function,
    types: &TypeTable,
    var: VarId,
    i: usize,
) -> Accumulation {
    let element = match tuple_type(input, function, types, var) {
        Some(syn::Type::Tuple(tuple)) => tuple.elems.into_iter().nth(i),
        _ => None,
    };
    let generics = crate::input::float_type_params(&input.item.sig);
    let generic = |ty: &syn::Type| {
        matches!(crate::input::scalar_of(ty), Some(syn::Type::Path(p))
            if p.path.get_ident().is_some_and(|i| generics.contains(i)))
    };
    match element {
        Some(ty @ (syn::Type::Array(_) | syn::Type::Tuple(_))) if generic(&ty) => {
            Accumulation::Floats
        }
        Some(syn::Type::Array(_) | syn::Type::Tuple(_)) => Accumulation::Array,
        Some(ty) if generic(&ty) => Accumulation::Plus,
        Some(_) => Accumulation::AddAssign,
        // A type only rustc knows: `Accumulate` serves floats and arrays alike.
        None => Accumulation::Array,
    }
}

/// Whether the variable's floats are of a generic type parameter (`T`, `[T; 3]`, `&[T]`).
fn is_generic_float(input: &Input, function: &Function, types: &TypeTable, var: VarId) -> bool {
    let written = match param_of(input, function, var) {
        Some(param) => {
            let ty = &param.ty;
            Some(quote!(#ty))
        }
        None => types.of(var).written.clone(),
    };
    let Some(Ok(ty)) = written.map(syn::parse2::<syn::Type>) else {
        return false;
    };
    let ty = crate::types::strip_reference(&ty);
    // `T` of `T`, `[T; 3]`, `&[T]`, `Vec<T>`, `(T, [T; 2])`.
    let scalar = crate::input::scalar_of(ty).unwrap_or(ty);
    let generics = crate::input::float_type_params(&input.item.sig);
    matches!(scalar, syn::Type::Path(p) if p.path.get_ident().is_some_and(|i| generics.contains(i)))
}

/// A zero cotangent for `var`: from its type where the size is static, from its value otherwise.
fn zero(cx: &mut Cx, input: &Input, var: VarId) -> TokenStream {
    let function = cx.function;
    if let Some(param) = param_of(input, function, var) {
        if param.shape == Shape::List {
            let value = cx.primal(&Operand::Var(var));
            let private = crate::naming::private(proc_macro2::Span::call_site());
            return quote!(#private::zeros_list(#value));
        }
        if matches!(param.shape, Shape::DynArray | Shape::NdArray(_)) {
            let value = cx.primal(&Operand::Var(var));
            let value = if is_borrowed(function, var) {
                value
            } else {
                quote!(&#value)
            };
            let private = crate::naming::private(proc_macro2::Span::call_site());
            return quote!(#private::zeros_like(#value));
        }
        if let Some(zero) = zero_of_written(&param.ty) {
            return zero;
        }
    } else if let Some(zero) = &cx.types.of(var).zero {
        return zero.clone();
    } else if cx.types.of(var).ndarray.is_some() {
        // A local array whose shape is known at run time only: zeros of its shape, kept where
        // it was made (the array itself may have moved on).
        let dim = cx.dim(&Operand::Var(var));
        return match &cx.types.of(var).written {
            Some(ty) => quote!(<#ty>::zeros(#dim)),
            None => {
                let runtime = crate::naming::runtime(proc_macro2::Span::call_site());
                quote!(#runtime::ndarray::Array::zeros(#dim))
            }
        };
    } else if cx.types.of(var).array && !cx.types.of(var).plain && !cx.types.of(var).opaque {
        // A local `Vec`: zeros of its length.
        let len = cx.dim(&Operand::Var(var));
        let zero = cx
            .types
            .of(var)
            .element_zero
            .clone()
            .unwrap_or_else(|| quote!(::core::default::Default::default()));
        return quote!(::std::vec![#zero; #len]);
    } else if cx.types.of(var).array {
        // A local bound to a slice or an array whose size is known at run time only.
        let value = cx.primal(&Operand::Var(var));
        let private = crate::naming::private(proc_macro2::Span::call_site());
        return quote!(#private::zeros_like(&#value));
    }
    // `analysis::validate` reported this type as unknown, and the companions become stubs.
    quote!(::core::unreachable!())
}
