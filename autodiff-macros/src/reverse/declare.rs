//! Declaring cotangents: the first contribution to a cotangent declares it (`let mut bar_a =
//! ..;`), later ones add with `+=`; a contribution to one element declares a zero array first;
//! a differentiated parameter that received nothing gets a zero gradient.

use std::collections::{BTreeSet, HashMap};

use proc_macro2::TokenStream;
use quote::quote;

use super::{Accumulation, Adjoint, Cx, Raw};
use crate::analysis::TypeTable;
use crate::analysis::is_borrowed;
use crate::input::{Input, Shape};
use crate::ssa::{Function, Operand, VarId};
use crate::types::zero_of_written;

/// The adjoint statements from the contributions, with declarations decided; and whether the
/// seeded output cotangent receives further contributions (so the parameter is `mut`).
pub(super) fn declare(cx: &mut Cx, input: &Input, seeded: Option<VarId>) -> (Vec<Adjoint>, bool) {
    let function = cx.function;
    // Decide declarations: the first contribution to a cotangent declares it.
    let mut remaining: HashMap<VarId, usize> = HashMap::new();
    for raw in &cx.raw {
        if let Raw::Add { target, .. } = raw {
            *remaining.entry(*target).or_default() += 1;
        }
    }
    let seed_mutable = seeded.is_some_and(|v| remaining.contains_key(&v));
    let mut declared: BTreeSet<VarId> = seeded.into_iter().collect();
    // For cotangents declared zero by an indexed contribution: the literal indices written so
    // far, while every contribution has had a literal index (`None` after any other).
    let mut written: HashMap<VarId, Option<BTreeSet<usize>>> = HashMap::new();
    let mut stmts: Vec<Adjoint> = std::mem::take(&mut cx.recips)
        .into_iter()
        .map(|(_, name, value)| Adjoint::Let { name, value })
        .collect();
    for raw in std::mem::take(&mut cx.raw) {
        match raw {
            Raw::Bind { names, value } => stmts.push(Adjoint::Bind { names, value }),
            Raw::Drop(name) => stmts.push(Adjoint::Drop(name)),
            Raw::Add {
                target,
                index,
                value,
            } => {
                let left = remaining.get_mut(&target).expect("counted above");
                *left -= 1;
                let mut how = if is_array(input, function, cx.types, target) && index.is_none() {
                    Accumulation::Array
                } else if is_generic_float(input, function, cx.types, target) {
                    Accumulation::Plus
                } else {
                    Accumulation::AddAssign
                };
                if declared.insert(target) {
                    if index.is_none() {
                        stmts.push(Adjoint::Declare {
                            target,
                            mutable: *left > 0,
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
                    written.insert(target, Some(BTreeSet::new()));
                }
                if let Some(tracked) = written.get_mut(&target) {
                    let literal = index
                        .as_ref()
                        .and_then(|i| syn::parse2::<syn::LitInt>(i.clone()).ok())
                        .and_then(|i| i.base10_parse::<usize>().ok());
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
    // Active parameters that received nothing have a zero gradient.
    for param in &function.params {
        if param.active && !declared.contains(&param.var) {
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

fn is_array(input: &Input, function: &Function, types: &TypeTable, var: VarId) -> bool {
    match param_of(input, function, var) {
        Some(param) => matches!(
            param.shape,
            Shape::FixedArray | Shape::DynArray | Shape::NdArray(_)
        ),
        None => types.of(var).array,
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
    let scalar = crate::input::element_type(ty).unwrap_or(ty);
    let generics = crate::input::float_type_params(&input.item.sig);
    matches!(scalar, syn::Type::Path(p) if p.path.get_ident().is_some_and(|i| generics.contains(i)))
}

/// A zero cotangent for `var`: from its type where the size is static, from its value otherwise.
fn zero(cx: &mut Cx, input: &Input, var: VarId) -> TokenStream {
    let function = cx.function;
    if let Some(param) = param_of(input, function, var) {
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
    } else if cx.types.of(var).array {
        // A local bound to a slice or an array whose size is known at run time only.
        let value = cx.primal(&Operand::Var(var));
        let private = crate::naming::private(proc_macro2::Span::call_site());
        return quote!(#private::zeros_like(&#value));
    }
    // `analysis::validate` reported this type as unknown, and the companions become stubs.
    quote!(::core::unreachable!())
}
