//! Type inference for the values the reverse sweep keeps.
//!
//! In: constraints met while lowering (an operator's operands and result share a type, an index
//! yields the element type, a literal is some float). Out: a written Rust type for every variable
//! stored in the residuals struct, whose fields must be spelled out. Unification over slots, as
//! rustc does for these expressions; a slot left unknown is reported with a request for an
//! annotation.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Type;

/// A type variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot(usize);

#[derive(Clone, Debug)]
enum Known {
    Unknown,
    /// An unsuffixed float literal: `f64` unless unified with something else.
    FloatLiteral,
    /// A float of a type the macro cannot see (`S0.cosh()` of a static `S0`): plain data, but no
    /// type to write.
    Float,
    /// A `const` or `static` of a type the macro cannot see (`S0`, `C`): plain data (they hold
    /// numbers and arrays of them), but no type to write.
    Constant,
    /// An unsuffixed integer literal: `i32` unless unified with something else.
    IntLiteral,
    Written(Box<Type>),
    /// A fixed-size array `[e; len]`, its length as written.
    Array(Slot, TokenStream),
    /// A `Vec` of `elem` (`vec![0.0; n]`, `x.to_vec()`).
    Vec(Slot),
    /// An owned ndarray array of `elem` with `rank` axes (`None`: dynamic).
    NdArray(Slot, Option<usize>),
    /// A tuple of its elements' types (`(a, b)`).
    Tuple(Vec<Slot>),
}

#[derive(Default)]
pub struct Types {
    parent: Vec<usize>,
    known: Vec<Known>,
}

impl Types {
    fn slot(&mut self, known: Known) -> Slot {
        self.parent.push(self.parent.len());
        self.known.push(known);
        Slot(self.parent.len() - 1)
    }

    pub fn unknown(&mut self) -> Slot {
        self.slot(Known::Unknown)
    }

    /// A constant of a type the macro cannot see (a `const`, a `static`, the result of a call
    /// with constant arguments): plain data, with no type to write.
    pub fn unseen_constant(&mut self) -> Slot {
        self.slot(Known::Constant)
    }

    /// Whether the slot is still a constant of a type the macro cannot see.
    pub fn is_unseen_constant(&mut self, slot: Slot) -> bool {
        let root = self.root(slot);
        matches!(self.known[root], Known::Constant)
    }

    /// Records that the slot is a float, of a type that may stay unknown (the receiver of a
    /// float method).
    pub fn is_a_float(&mut self, slot: Slot) {
        let float = self.slot(Known::Float);
        self.unify(slot, float);
    }

    pub fn written(&mut self, ty: &Type) -> Slot {
        self.slot(Known::Written(Box::new(ty.clone())))
    }

    pub fn ndarray(&mut self, elem: Slot, rank: Option<usize>) -> Slot {
        self.slot(Known::NdArray(elem, rank))
    }

    /// The type behind a reference: `&T` gives `T`; anything else is itself.
    pub fn dereferenced(&mut self, slot: Slot) -> Slot {
        let root = self.root(slot);
        match self.known[root].clone() {
            Known::Written(ty) if matches!(*ty, Type::Reference(_)) => {
                let inner = strip_reference(&ty).clone();
                self.written(&inner)
            }
            _ => slot,
        }
    }

    /// Whether the slot is a slice (`[T]`, what `&[T]` points to).
    pub fn is_slice(&mut self, slot: Slot) -> bool {
        let root = self.root(slot);
        matches!(&self.known[root], Known::Written(ty) if matches!(**ty, Type::Slice(_)))
    }

    /// If the slot is an ndarray array: its element slot and number of axes.
    pub fn as_ndarray(&mut self, slot: Slot) -> Option<(Slot, Option<usize>)> {
        let root = self.root(slot);
        match self.known[root].clone() {
            Known::NdArray(elem, rank) => Some((elem, rank)),
            Known::Written(ty) => {
                let ty = strip_reference(&ty);
                let (elem, rank) = crate::input::ndarray_type(ty)?;
                let elem = self.written(&elem.clone());
                Some((elem, rank))
            }
            _ => None,
        }
    }

    pub fn array(&mut self, elem: Slot, len: usize) -> Slot {
        let len = proc_macro2::Literal::usize_unsuffixed(len);
        self.slot(Known::Array(elem, quote!(#len)))
    }

    /// `[elem; len]` with the length as written (a literal or a constant).
    pub fn repeat(&mut self, elem: Slot, len: TokenStream) -> Slot {
        self.slot(Known::Array(elem, len))
    }

    /// `Vec<elem>`.
    pub fn vec(&mut self, elem: Slot) -> Slot {
        self.slot(Known::Vec(elem))
    }

    /// A tuple of the items' types.
    pub fn tuple(&mut self, items: Vec<Slot>) -> Slot {
        self.slot(Known::Tuple(items))
    }

    /// The type of field `i` of a tuple (`p.0` of `p: (f64, [f64; 3])` or `&(..)`); a constant
    /// of a type the macro cannot see where the slot is no tuple it knows (`x.dim().0`).
    pub fn field(&mut self, slot: Slot, i: usize) -> Slot {
        let root = self.root(slot);
        match self.known[root].clone() {
            Known::Tuple(items) if i < items.len() => items[i],
            Known::Written(ty) => match strip_reference(&ty) {
                Type::Tuple(t) if i < t.elems.len() => {
                    let elem = t.elems[i].clone();
                    self.written(&elem)
                }
                _ => self.unseen_constant(),
            },
            _ => self.unseen_constant(),
        }
    }

    /// The slot of a constant operand, from its tokens: a literal's suffix or kind, or the `f32`
    /// / `f64` module a path goes through (`std::f64::consts::PI`).
    pub fn constant(&mut self, tokens: &TokenStream) -> Slot {
        if let Ok(syn::Expr::Lit(lit)) = syn::parse2::<syn::Expr>(tokens.clone()) {
            return self.literal(&lit.lit);
        }
        if let Ok(syn::Expr::Unary(unary)) = syn::parse2::<syn::Expr>(tokens.clone())
            && let syn::Expr::Lit(lit) = &*unary.expr
        {
            return self.literal(&lit.lit);
        }
        let text = tokens.to_string();
        for float in ["f32", "f64"] {
            if text
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w == float)
            {
                let ty: Type = syn::parse_str(float).expect("a primitive type parses");
                return self.written(&ty);
            }
        }
        // A `const` or `static` of a type it does not name.
        self.unseen_constant()
    }

    fn literal(&mut self, lit: &syn::Lit) -> Slot {
        match lit {
            syn::Lit::Float(f) if f.suffix().is_empty() => self.slot(Known::FloatLiteral),
            syn::Lit::Int(i) if i.suffix().is_empty() => self.slot(Known::IntLiteral),
            syn::Lit::Float(f) => self.suffixed(f.suffix()),
            syn::Lit::Int(i) => self.suffixed(i.suffix()),
            syn::Lit::Bool(_) => self.suffixed("bool"),
            _ => self.unknown(),
        }
    }

    fn suffixed(&mut self, suffix: &str) -> Slot {
        match syn::parse_str::<Type>(suffix) {
            Ok(ty) => self.written(&ty),
            Err(_) => self.unknown(),
        }
    }

    fn root(&mut self, slot: Slot) -> usize {
        let mut i = slot.0;
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    /// Records that `a` and `b` have the same type.
    pub fn unify(&mut self, a: Slot, b: Slot) {
        let (ra, rb) = (self.root(a), self.root(b));
        // A type containing itself (`x = [x]`, which rustc rejects in the original function)
        // is never made: it would be infinite.
        if ra == rb || self.occurs(ra, rb) || self.occurs(rb, ra) {
            return;
        }
        let merged = match (self.known[ra].clone(), self.known[rb].clone()) {
            (Known::Array(ea, n), Known::Array(eb, _)) => {
                self.unify(ea, eb);
                Known::Array(ea, n)
            }
            (Known::NdArray(ea, r), Known::NdArray(eb, _)) => {
                self.unify(ea, eb);
                Known::NdArray(ea, r)
            }
            (Known::NdArray(e, r), _) | (_, Known::NdArray(e, r)) => Known::NdArray(e, r),
            (Known::Vec(ea), Known::Vec(eb)) => {
                self.unify(ea, eb);
                Known::Vec(ea)
            }
            (Known::Tuple(a), Known::Tuple(b)) if a.len() == b.len() => {
                for (&ea, &eb) in a.iter().zip(&b) {
                    self.unify(ea, eb);
                }
                Known::Tuple(a)
            }
            (Known::Unknown, other) | (other, Known::Unknown) => other,
            (Known::Constant, other) | (other, Known::Constant) => other,
            // What the user wrote says more than a callee's opaque output type.
            (Known::Written(a), Known::Written(b)) if is_opaque(&a) => Known::Written(b),
            (Known::Tuple(items), Known::Written(ty))
            | (Known::Written(ty), Known::Tuple(items)) => {
                // A tuple expression where a tuple type is written (the output's): its items
                // have the element types.
                if let Type::Tuple(t) = strip_reference(&ty)
                    && t.elems.len() == items.len()
                {
                    for (&item, elem) in items.iter().zip(&t.elems) {
                        let elem = self.written(elem);
                        self.unify(item, elem);
                    }
                }
                Known::Written(ty)
            }
            (Known::Written(t), _) | (_, Known::Written(t)) => Known::Written(t),
            (Known::Array(e, n), _) | (_, Known::Array(e, n)) => Known::Array(e, n),
            (Known::Vec(e), _) | (_, Known::Vec(e)) => Known::Vec(e),
            (Known::Tuple(items), _) | (_, Known::Tuple(items)) => Known::Tuple(items),
            (Known::FloatLiteral, _) | (_, Known::FloatLiteral) => Known::FloatLiteral,
            (Known::Float, _) | (_, Known::Float) => Known::Float,
            (Known::IntLiteral, Known::IntLiteral) => Known::IntLiteral,
        };
        self.parent[rb] = ra;
        self.known[ra] = merged;
    }

    /// Whether the type with root `root` appears inside the type with root `inside` (as an
    /// element, at any depth).
    fn occurs(&mut self, root: usize, inside: usize) -> bool {
        match self.known[inside].clone() {
            Known::Array(elem, _) | Known::NdArray(elem, _) | Known::Vec(elem) => {
                let elem = self.root(elem);
                elem == root || self.occurs(root, elem)
            }
            Known::Tuple(items) => items.into_iter().any(|item| {
                let item = self.root(item);
                item == root || self.occurs(root, item)
            }),
            _ => false,
        }
    }

    /// Records that `elem` is the element type of the indexable `base`.
    pub fn unify_element(&mut self, base: Slot, elem: Slot) {
        let root = self.root(base);
        match self.known[root].clone() {
            Known::Array(e, _) | Known::Vec(e) | Known::NdArray(e, _) => self.unify(e, elem),
            Known::Written(ty) => {
                let ndarray = crate::input::ndarray_type(strip_reference(&ty)).map(|(e, _)| e);
                let e: Type = match crate::input::element_type(&ty).or(ndarray) {
                    Some(e) => e.clone(),
                    // A type the macro cannot see into (a callee's output).
                    None if is_opaque(&ty) => {
                        let private = crate::naming::private(proc_macro2::Span::call_site());
                        syn::parse_quote!(<#ty as #private::Element>::Type)
                    }
                    None => return,
                };
                let e = self.written(&e);
                self.unify(e, elem);
            }
            _ => {}
        }
    }

    /// Whether the slot is known to be an array (its cotangent is accumulated element-wise or
    /// with `Accumulate`, not with `+=`).
    pub fn is_array(&mut self, slot: Slot) -> bool {
        let root = self.root(slot);
        match &self.known[root] {
            Known::Array(..) | Known::NdArray(..) | Known::Vec(_) => true,
            // An opaque type may be an array: `Accumulate` serves floats too.
            Known::Written(ty) => {
                crate::input::element_type(ty).is_some()
                    || crate::input::ndarray_type(strip_reference(ty)).is_some()
                    || is_opaque(ty)
            }
            _ => false,
        }
    }

    /// The length of a fixed-size array (`3` of `[f64; 3]`, `N` of `&[T; N]`), if the slot is one.
    pub fn fixed_array_len(&mut self, slot: Slot) -> Option<TokenStream> {
        let root = self.root(slot);
        match &self.known[root] {
            Known::Array(_, len) => Some(len.clone()),
            Known::Written(ty) => match strip_reference(ty) {
                Type::Array(a) => {
                    let len = &a.len;
                    Some(quote!(#len))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether the slot's values are plain data of a static size: floats, integers, fixed-size
    /// arrays of them, references to those, a callee's output. A callee's residuals keep copies
    /// of such arguments, never borrows ([`copied_reference`]).
    pub fn is_plain(&mut self, slot: Slot) -> bool {
        let root = self.root(slot);
        match self.known[root].clone() {
            Known::FloatLiteral | Known::IntLiteral | Known::Float | Known::Constant => true,
            // An array literal of constants whose type the macro cannot see (`[C0]`) holds
            // plain data: only floats and integers are written in array literals.
            Known::Array(elem, _) => {
                let root = self.root(elem);
                matches!(self.known[root], Known::Unknown) || self.is_plain(elem)
            }
            Known::Written(ty) => is_plain_written(&ty) || is_opaque(&ty),
            Known::Tuple(items) => items.into_iter().all(|item| self.is_plain(item)),
            Known::Unknown | Known::NdArray(..) | Known::Vec(_) => false,
        }
    }

    /// The float type of the slot's values where it is known now: `f64` of `f64`, `&[f64; 3]` or
    /// `Array2<f64>`; `T` of `T` where `T` is one of `floats` (the function's type parameters).
    pub fn float_of(&mut self, slot: Slot, floats: &[syn::Ident]) -> Option<Type> {
        let root = self.root(slot);
        match self.known[root].clone() {
            Known::Array(elem, _) | Known::NdArray(elem, _) | Known::Vec(elem) => {
                self.float_of(elem, floats)
            }
            Known::Written(ty) => match crate::input::scalar_of(&ty)? {
                Type::Path(p)
                    if p.qself.is_none()
                        && (p.path.is_ident("f32")
                            || p.path.is_ident("f64")
                            || floats.iter().any(|t| p.path.is_ident(t))) =>
                {
                    Some(Type::Path(p.clone()))
                }
                _ => None,
            },
            Known::Tuple(items) => items
                .into_iter()
                .find_map(|item| self.float_of(item, floats)),
            Known::Unknown
            | Known::FloatLiteral
            | Known::IntLiteral
            | Known::Float
            | Known::Constant => None,
        }
    }

    /// Whether the slot's type is a callee's output, whose structure only rustc knows.
    pub fn is_opaque(&mut self, slot: Slot) -> bool {
        let root = self.root(slot);
        matches!(&self.known[root], Known::Written(ty) if is_opaque(ty))
    }

    /// The written type of a slot, if inference determined it.
    pub fn resolve(&mut self, slot: Slot) -> Option<TokenStream> {
        let root = self.root(slot);
        match self.known[root].clone() {
            Known::Unknown | Known::Float | Known::Constant => None,
            Known::FloatLiteral => Some(quote!(f64)),
            Known::IntLiteral => Some(quote!(i32)),
            Known::Written(ty) => Some(quote!(#ty)),
            Known::Array(elem, len) => {
                let elem = self.resolve(elem)?;
                Some(quote!([#elem; #len]))
            }
            Known::NdArray(elem, rank) => {
                let elem = self.resolve(elem)?;
                Some(crate::input::owned_ndarray(&elem, rank))
            }
            Known::Vec(elem) => {
                let elem = self.resolve(elem)?;
                Some(quote!(::std::vec::Vec<#elem>))
            }
            Known::Tuple(items) => {
                let items: Option<Vec<TokenStream>> =
                    items.into_iter().map(|item| self.resolve(item)).collect();
                let items = items?;
                Some(quote!((#(#items,)*)))
            }
        }
    }

    /// The slot's type where something other than a literal's default determined it.
    pub fn determined(&mut self, slot: Slot) -> Option<TokenStream> {
        let root = self.root(slot);
        match self.known[root] {
            Known::Unknown
            | Known::FloatLiteral
            | Known::IntLiteral
            | Known::Float
            | Known::Constant => None,
            _ => self.resolve(slot),
        }
    }

    /// A zero of the slot's type, where it can be written without a value to copy the length from.
    pub fn zero(&mut self, slot: Slot) -> Option<TokenStream> {
        let root = self.root(slot);
        match self.known[root].clone() {
            Known::Unknown | Known::Constant => None,
            Known::FloatLiteral | Known::Float => Some(quote!(0.0)),
            Known::IntLiteral => None,
            Known::Written(ty) => zero_of_written(&ty),
            Known::Array(elem, len) => {
                let elem = self.zero(elem)?;
                Some(quote!([#elem; #len]))
            }
            Known::Tuple(items) => {
                let items: Option<Vec<TokenStream>> =
                    items.into_iter().map(|item| self.zero(item)).collect();
                let items = items?;
                Some(quote!((#(#items,)*)))
            }
            Known::NdArray(..) | Known::Vec(_) => None,
        }
    }

    /// A zero of the element type of an array slot, where one can be written.
    pub fn element_zero(&mut self, slot: Slot) -> Option<TokenStream> {
        let root = self.root(slot);
        match self.known[root].clone() {
            Known::Array(elem, _) | Known::NdArray(elem, _) | Known::Vec(elem) => self.zero(elem),
            Known::Written(ty) => {
                zero_of_written(crate::input::element_type(strip_reference(&ty))?)
            }
            _ => None,
        }
    }
}

/// The names of Rust's primitive types; the integers are `[2..14]` ([`INTEGER_TYPES`]).
pub const PRIMITIVE_TYPES: [&str; 17] = [
    "f32", "f64", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128",
    "usize", "bool", "char", "str",
];

/// The names of Rust's integer types.
pub const INTEGER_TYPES: &[&str] = {
    let (_, rest) = PRIMITIVE_TYPES.split_at(2);
    rest.split_at(12).0
};

/// Floats, integers, `bool`, `char`, fixed-size arrays of them and references to those.
fn is_plain_written(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => r.mutability.is_none() && is_plain_written(&r.elem),
        Type::Paren(p) => is_plain_written(&p.elem),
        Type::Group(g) => is_plain_written(&g.elem),
        Type::Array(a) => is_plain_written(&a.elem),
        Type::Tuple(t) => !t.elems.is_empty() && t.elems.iter().all(is_plain_written),
        // `str` is unsized: `&str` is no plain data to copy.
        Type::Path(p) => {
            p.qself.is_none()
                && PRIMITIVE_TYPES
                    .iter()
                    .any(|name| *name != "str" && p.path.is_ident(name))
        }
        _ => false,
    }
}

/// Plain data held by value: a float or integer, a float type parameter (one of `floats`), or a
/// fixed-size array of those.
pub fn is_plain_value(ty: &Type, floats: &[syn::Ident]) -> bool {
    match ty {
        Type::Paren(p) => is_plain_value(&p.elem, floats),
        Type::Group(g) => is_plain_value(&g.elem, floats),
        Type::Array(a) => is_plain_value(&a.elem, floats),
        Type::Tuple(t) => !t.elems.is_empty() && t.elems.iter().all(|e| is_plain_value(e, floats)),
        Type::Path(p) if p.qself.is_none() && floats.iter().any(|f| p.path.is_ident(f)) => true,
        Type::Reference(_) => false,
        ty => is_plain_written(ty),
    }
}

/// `&[f64; N]`, `&f64`, `&usize`, …: a reference parameter that residuals keep as a copy of what
/// it points to (the type returned), so that they borrow nothing from the caller and a caller can
/// pass a borrow of its own local.
pub fn copied_reference(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Reference(r) if is_plain_written(ty) && !matches!(*r.elem, Type::Reference(_)) => {
            Some(&r.elem)
        }
        Type::Paren(p) => copied_reference(&p.elem),
        Type::Group(g) => copied_reference(&g.elem),
        _ => None,
    }
}

/// A qualified path (`<g as Kept<f64>>::Output`): a type whose structure only rustc knows.
fn is_opaque(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_some())
}

/// `&T` → `T`.
pub fn strip_reference(ty: &Type) -> &Type {
    match ty {
        Type::Reference(r) => strip_reference(&r.elem),
        Type::Paren(p) => strip_reference(&p.elem),
        Type::Group(g) => strip_reference(&g.elem),
        ty => ty,
    }
}

/// A zero of a written type whose size is static: `0.0`, `[0.0; N]`, `T::zero()`.
pub fn zero_of_written(ty: &Type) -> Option<TokenStream> {
    match ty {
        Type::Reference(r) => zero_of_written(&r.elem),
        Type::Paren(p) => zero_of_written(&p.elem),
        Type::Group(g) => zero_of_written(&g.elem),
        Type::Array(a) => {
            let elem = zero_of_written(&a.elem)?;
            let len = &a.len;
            Some(quote!([#elem; #len]))
        }
        // A tuple output's cotangent (a value merged from an early `return`).
        Type::Tuple(t) if !t.elems.is_empty() => {
            let elems: Option<Vec<TokenStream>> = t.elems.iter().map(zero_of_written).collect();
            let elems = elems?;
            Some(quote!((#(#elems,)*)))
        }
        Type::Path(p) if p.path.is_ident("f32") || p.path.is_ident("f64") => Some(quote!(0.0)),
        Type::Path(p) if p.qself.is_some() => {
            let private = crate::naming::private(proc_macro2::Span::call_site());
            Some(quote!(<#ty as #private::Zeros>::zeros()))
        }
        Type::Path(p) if p.path.get_ident().is_some() => {
            let private = crate::naming::private(proc_macro2::Span::call_site());
            Some(quote!(<#ty as #private::Zero>::zero()))
        }
        _ => None,
    }
}
