//! Closures over array elements: `x.mapv(|v| ..)` and `x.mapv(f64::tanh)`, and iterator sums
//! (`x.iter().map(|v| v * v).sum::<f64>()`).
//!
//! In: the closure (or function path) `mapv` is given. Out: an [`Op::Map`] of the receiver, and
//! the closure's body as a function of its own, `<f>_closure<k>(v, captured..)`, which the crate
//! root differentiates by the same pipeline (so a closure body may be anything a `#[grad]` body
//! may be). Where the gradient needs the map, the forward calls its `_vjp` with seed one per
//! element, in one pass over the array that makes the values and an array of the derivatives
//! (by the element and by each differentiated float captured), which the reverse sweep
//! multiplies the cotangent by; elsewhere the forward calls the function itself. No tape, no
//! boxed closure.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, Pat};

use super::{Hint, Lowerer, strip};
use crate::ssa::{Capture, Op, Operand};

impl Lowerer<'_> {
    /// `receiver.mapv(f)` (or `map`, `mapv_into`), `f` a closure of one argument, the name of
    /// one bound by a `let`, or a path: a float method (`f64::tanh`, `F::exp`) or a `#[grad]`
    /// or `#[custom_vjp]` function of one float.
    pub(super) fn mapv(
        &mut self,
        receiver: Operand,
        f: &Expr,
        hint: Option<Hint>,
        annotation: Option<Box<syn::Type>>,
        span: Span,
    ) -> Option<Operand> {
        // A closure bound earlier (`let sigmoid = |z| ..;`), mapped by its name.
        let bound = match strip(f) {
            Expr::Path(path) => path
                .path
                .get_ident()
                .and_then(|ident| self.closure_bindings.get(&ident.to_string()).cloned()),
            _ => None,
        };
        let bound = bound.map(Expr::Closure);
        let f = bound.as_ref().unwrap_or(f);
        let (param, body): (syn::Ident, TokenStream) = match f {
            Expr::Closure(closure) => {
                let param = match closure.inputs.iter().collect::<Vec<_>>().as_slice() {
                    [pat] => closure_param(pat),
                    _ => None,
                };
                let Some(param) = param else {
                    self.errors.spanned(
                        &closure.inputs,
                        "the closure `mapv` takes in a #[grad] function has one argument, a \
                         name: `x.mapv(|v| ..)`",
                    );
                    return None;
                };
                if closure.asyncness.is_some() || closure.constness.is_some() {
                    self.errors
                        .spanned(closure, "`mapv` takes a plain closure here: `|v| ..`");
                    return None;
                }
                // A block body is the function's body as it is.
                let body = match strip(&closure.body) {
                    Expr::Block(block) if block.label.is_none() => {
                        let stmts = &block.block.stmts;
                        quote!(#(#stmts)*)
                    }
                    body => quote!(#body),
                };
                (param, body)
            }
            Expr::Path(path) if path.qself.is_none() => {
                let param = syn::Ident::new("element", Span::mixed_site().located_at(f.span()));
                let last = &path
                    .path
                    .segments
                    .last()
                    .expect("a path has a segment")
                    .ident;
                let is_float_method = path.path.segments.len() == 2
                    && crate::primitives::lookup(
                        &last.to_string(),
                        crate::primitives::Syntax::FloatMethod,
                    )
                    .is_some_and(|p| p.args.is_empty() && !p.is_constant());
                if is_float_method {
                    // `f64::tanh`: the method on the element.
                    (param.clone(), quote_spanned!(f.span()=> #param.#last()))
                } else {
                    // A function of one float, differentiated as a call.
                    (param.clone(), quote_spanned!(f.span()=> #path(#param)))
                }
            }
            other => {
                self.errors.spanned(
                    other,
                    "`mapv` in a #[grad] function takes a closure (`x.mapv(|v| 1.0 / (1.0 + \
                     (-v).exp()))`), a float method (`x.mapv(f64::tanh)`) or a #[grad] \
                     function of one float",
                );
                return None;
            }
        };
        // The names the body reads from the enclosing function, passed on as arguments.
        let mut captures = Vec::new();
        let mut capture_params = Vec::new();
        for name in free_names(&body, &param) {
            let Some(&var) = self.env.get(&name) else {
                continue;
            };
            let slot = self.function.var(var).ty;
            if self.types.is_array(slot) || self.types.as_ndarray(slot).is_some() {
                self.errors.spanned(
                    f,
                    format!(
                        "the closure reads the array `{name}`, which a `mapv` closure in a \
                         #[grad] function cannot capture; read the element you need before \
                         the closure (`let w0 = {name}[0];`) and use that"
                    ),
                );
                return None;
            }
            if self.is_float_tuple(var) {
                self.errors.spanned(
                    f,
                    format!(
                        "the closure reads the tuple `{name}`, which a `mapv` closure in a \
                         #[grad] function cannot capture; read the element you need before \
                         the closure (`let {name}1 = {name}.1;`) and use that"
                    ),
                );
                return None;
            }
            let float = self.float.clone();
            // A float of the function's type is differentiated; anything else (an integer, a
            // `bool`) is passed as it is. A literal's type is its default (`3` is `i32`).
            let written = self
                .types
                .determined(slot)
                .or_else(|| self.types.resolve(slot).filter(|t| t.to_string() == "i32"));
            let (ty, is_float) = match written {
                Some(ty) if is_reference(&ty) && self.function.var(var).active => {
                    self.errors.spanned(
                        f,
                        format!(
                            "the closure reads `{name}`, a reference to a differentiated float; \
                             copy it out before the closure (`let {name} = *{name};`)"
                        ),
                    );
                    return None;
                }
                Some(ty) if !is_float_type(&ty, &float, &self.type_params) => (ty, false),
                _ => {
                    // A float of the function's type, as the closure's function takes it.
                    let written = self.types.written(&float);
                    self.types.unify(slot, written);
                    (quote!(#float), true)
                }
            };
            let ident = syn::Ident::new(&name, Span::call_site());
            capture_params.push(quote!(#ident: #ty));
            captures.push(Capture {
                value: Operand::Var(var),
                float: is_float,
            });
        }
        let helper = format_ident!("{}_closure{}", self.caller, self.function.closures.len());
        let float = &self.float;
        let generics = &self.generics;
        let where_clause = &generics.where_clause;
        let item = quote_spanned! {span=>
            #[doc(hidden)]
            #[allow(unused_variables, unused_parens, clippy::all)]
            #[inline(always)]
            fn #helper #generics (#param: #float, #(#capture_params),*) -> #float #where_clause {
                #body
            }
        };
        self.function.closures.push(item);
        let var = self.push(
            Op::Map {
                helper,
                receiver,
                captures,
                float: Box::new(self.float.clone()),
                // Set below, named after the map's variable.
                derivative: crate::ssa::VarId(usize::MAX),
            },
            hint,
            annotation,
            span,
        );
        // The array of the closure's derivatives (`p_derivative`), bound by the same statement
        // where the reverse sweep reads it; its type is set once activity says how many inputs
        // are differentiated (`type_map_derivatives`).
        let name = format!("{}_derivative", self.function.var(var).name);
        let name = self.names.fresh(&name, span);
        let slot = self.types.unknown();
        let new = self.new_var(name, false, slot);
        if let Some(crate::ssa::Stmt::Let(crate::ssa::Let {
            op: Op::Map { derivative, .. },
            ..
        })) = self.stmts.last_mut()
        {
            *derivative = new;
        }
        Some(Operand::Var(var))
    }
}

/// The type of each map's array of derivatives ([`Op::Map`]): `[F; K]` per element of the
/// mapped array's shape, `K` the number of the closure's inputs that are differentiated. After
/// activity analysis, which decides `K`.
pub fn type_map_derivatives(function: &crate::ssa::Function, types: &mut crate::types::Types) {
    for stmt in function.body.lets() {
        if let Op::Map {
            receiver,
            captures,
            float,
            derivative,
            ..
        } = &stmt.op
        {
            let k = function
                .map_inputs(receiver, captures)
                .iter()
                .filter(|(_, active)| *active)
                .count();
            let Some((_, rank)) = types.as_ndarray(function.var(stmt.var).ty) else {
                continue;
            };
            let float = types.written(float);
            let element = types.array(float, k);
            let array = types.ndarray(element, rank);
            types.unify(function.var(*derivative).ty, array);
        }
    }
}

/// The name a closure's one argument binds: `v`, `mut v`, `v: f64`, `&v`.
fn closure_param(pat: &Pat) -> Option<syn::Ident> {
    match pat {
        Pat::Ident(ident) if ident.subpat.is_none() => Some(ident.ident.clone()),
        Pat::Type(typed) => closure_param(&typed.pat),
        Pat::Reference(reference) => closure_param(&reference.pat),
        Pat::Paren(paren) => closure_param(&paren.pat),
        _ => None,
    }
}

fn is_reference(ty: &TokenStream) -> bool {
    matches!(
        syn::parse2::<syn::Type>(ty.clone()),
        Ok(syn::Type::Reference(_))
    )
}

/// Whether a written type is the function's float type (not a reference to it).
fn is_float_type(ty: &TokenStream, float: &syn::Type, type_params: &[syn::Ident]) -> bool {
    let Ok(ty) = syn::parse2::<syn::Type>(ty.clone()) else {
        return false;
    };
    if let syn::Type::Path(p) = &ty {
        return p.path.is_ident("f32")
            || p.path.is_ident("f64")
            || type_params.iter().any(|t| p.path.is_ident(t))
            || quote!(#ty).to_string() == quote!(#float).to_string();
    }
    false
}

/// The single-segment paths a closure body reads, other than its argument, in order of first
/// use: the candidates for what it captures.
fn free_names(body: &TokenStream, param: &syn::Ident) -> Vec<String> {
    use syn::visit::Visit;
    struct Finder {
        found: Vec<String>,
    }
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
            if path.qself.is_none()
                && let Some(ident) = path.path.get_ident()
            {
                let name = ident.to_string();
                if !self.found.contains(&name) {
                    self.found.push(name);
                }
            }
        }
    }
    let Ok(expr) = syn::parse2::<Expr>(quote!({ #body })) else {
        return Vec::new();
    };
    let mut finder = Finder { found: Vec::new() };
    finder.visit_expr(&expr);
    let param = param.to_string();
    finder.found.retain(|n| *n != param);
    finder.found
}

impl Lowerer<'_> {
    /// `<iterator>.sum()` of floats, where the iterator is `x.iter()` (or `into_iter`,
    /// `copied`, `cloned`), maybe zipped with another, maybe mapped by a closure; `None` where
    /// `call` is not such a sum. A sum over a slice, a `Vec`, an array or a one-axis ndarray
    /// array is the `for` loop it stands for (`let mut s = 0.0; for v in x.iter() { s += f(v);
    /// }`), lowered as one; over an ndarray array of any shape, without `zip`, it is
    /// `x.mapv(f).sum()`.
    pub(super) fn iterator_sum(
        &mut self,
        call: &syn::ExprMethodCall,
        hint: Option<Hint>,
        annotation: Option<Box<syn::Type>>,
        span: Span,
    ) -> Option<Option<Operand>> {
        if call.method != "sum" || !call.args.is_empty() {
            return None;
        }
        let mut iter = strip(&call.receiver);
        let mut closure = None;
        if let Expr::MethodCall(map) = iter
            && map.method == "map"
            && map.args.len() == 1
        {
            closure = Some(&map.args[0]);
            iter = strip(&map.receiver);
        }
        let mut source = iter;
        while let Expr::MethodCall(adaptor) = source
            && ["copied", "cloned"].contains(&adaptor.method.to_string().as_str())
            && adaptor.args.is_empty()
        {
            source = strip(&adaptor.receiver);
        }
        let zipped = matches!(source, Expr::MethodCall(m) if m.method == "zip");
        let base = match source {
            Expr::MethodCall(m) if m.method == "zip" => iter_source(&m.receiver)?,
            other => iter_source(other)?,
        };
        // A sum over an ndarray array (a name), unzipped: `sum` of `mapv`, of any number of
        // axes.
        let array = match base {
            Expr::Path(path) => path
                .path
                .get_ident()
                .and_then(|ident| self.env.get(&ident.to_string()).copied())
                .filter(|var| {
                    let slot = self.function.var(*var).ty;
                    self.types.as_ndarray(slot).is_some()
                }),
            _ => None,
        };
        if let Some(array) = array
            && !zipped
        {
            let array = Operand::Var(array);
            let mapped = match closure {
                Some(f) => self.mapv(array, f, None, None, span)?,
                None => array,
            };
            let sum = crate::primitives::lookup("sum", crate::primitives::Syntax::ArrayMethod)
                .expect("`sum` is in the table");
            return Some(Some(Operand::Var(self.push(
                Op::Method {
                    prim: sum,
                    receiver: mapped,
                    args: Vec::new(),
                    unwrap: None,
                },
                hint,
                annotation,
                span,
            ))));
        }
        // Anything else: the loop it stands for.
        let float = &self.float;
        if !matches!(quote!(#float).to_string().as_str(), "f64" | "f32") {
            self.errors.spanned(
                call,
                "an iterator sum in a #[grad] function generic over its float type has no zero \
                 to start from; write the loop (`let mut s = T::zero(); for v in x.iter() { s \
                 += v; }`)",
            );
            return Some(None);
        }
        let (pat, body) = match closure {
            Some(Expr::Closure(c)) if c.inputs.len() == 1 => {
                let pat = &c.inputs[0];
                let body = &c.body;
                (quote!(#pat), quote!(#body))
            }
            Some(other) => {
                self.errors.spanned(
                    other,
                    "`map` before `sum` in a #[grad] function takes a closure of one argument \
                     (a pair for `zip`): `x.iter().map(|v| v * v).sum::<f64>()`",
                );
                return Some(None);
            }
            None if zipped => {
                self.errors.spanned(
                    call,
                    "a sum of zipped pairs needs a `map` that makes each pair a float: \
                     `x.iter().zip(y.iter()).map(|(a, b)| a * b).sum::<f64>()`",
                );
                return Some(None);
            }
            None => {
                let element = syn::Ident::new("__autodiff_element", call.method.span());
                (quote!(#element), quote!(#element))
            }
        };
        // The accumulator, named after the variable it makes where no name the body reads is
        // the same.
        let read = free_names(&body, &syn::Ident::new("_", Span::call_site()));
        let name = hint
            .as_ref()
            .map(|h| format!("{}_sum", h.user))
            .filter(|name| !read.contains(name))
            .unwrap_or_else(|| "__autodiff_sum".to_owned());
        let acc = syn::Ident::new(&name, call.method.span());
        let block: syn::Block = syn::parse_quote_spanned! {span=> {
            let mut #acc = 0.0;
            for #pat in #iter {
                #acc += #body;
            }
            #acc
        }};
        // In a block of its own, so the accumulator ends with it.
        self.begin_block();
        let sum = self.block(&block.stmts, true, span);
        self.end_block();
        let _ = annotation;
        Some(sum)
    }
}

/// The collection `x.iter()` and `x.into_iter()` run over.
fn iter_source(expr: &Expr) -> Option<&Expr> {
    match strip(expr) {
        Expr::MethodCall(m)
            if ["iter", "into_iter"].contains(&m.method.to_string().as_str())
                && m.args.is_empty() =>
        {
            Some(&m.receiver)
        }
        _ => None,
    }
}
