//! After activity: the values kept beside a result (`cos x` beside `sin x`, see
//! `primitives.rs`), each recorded in [`Function::beside`].
//!
//! In: the lowered function with its activity. Out: the same, with `let s_1_cos = s_1.cos();`
//! after each `let t2 = s_1.sin();` of a differentiated float, unless the same body computes
//! `s_1.cos()` itself (`let (c, s) = (t.cos(), t.sin());`), whose variable is then the value
//! beside. The reverse sweep decides whether to read it; where it does not, an added statement
//! is dead and the forward sweep leaves it out.

use crate::naming::Names;
use crate::primitives::{self, Primitive};
use crate::ssa::{Beside, Body, Function, Let, Op, Operand, Stmt, Var, VarId};
use crate::types::Types;

/// Records or adds the value beside each float method whose row names one and whose input is
/// differentiated (an ndarray array's elementwise method gets none: its pullback reads its
/// input).
pub fn add_beside(function: &mut Function, types: &mut Types, names: &mut Names) {
    let placeholder = Body {
        stmts: Vec::new(),
        output: Operand::Const(proc_macro2::TokenStream::new()),
    };
    let mut body = std::mem::replace(&mut function.body, placeholder);
    walk(&mut body, function, types, names);
    function.body = body;
}

fn walk(body: &mut Body, function: &mut Function, types: &mut Types, names: &mut Names) {
    // The body's own one-input methods: (variable, row, input).
    let own: Vec<(VarId, &'static Primitive, VarId)> = body
        .stmts
        .iter()
        .filter_map(|stmt| match stmt {
            Stmt::Let(Let {
                var,
                op:
                    Op::Method {
                        prim,
                        receiver: Operand::Var(input),
                        args,
                        ..
                    },
                ..
            }) if args.is_empty() => Some((*var, *prim, *input)),
            _ => None,
        })
        .collect();
    for stmt in std::mem::take(&mut body.stmts) {
        match stmt {
            Stmt::Let(stmt) => {
                let added = beside(&stmt, &own, function, types, names);
                body.stmts.push(Stmt::Let(stmt));
                body.stmts.extend(added.map(Stmt::Let));
            }
            Stmt::If(mut branch) => {
                walk(&mut branch.then, function, types, names);
                walk(&mut branch.else_, function, types, names);
                body.stmts.push(Stmt::If(branch));
            }
            Stmt::Loop(mut looped) => {
                if let Some(cond) = &mut looped.cond {
                    walk(&mut cond.body, function, types, names);
                }
                walk(&mut looped.body, function, types, names);
                body.stmts.push(Stmt::Loop(looped));
            }
        }
    }
}

/// Records the value beside `stmt`, if its row names one and its float input is
/// differentiated: one of `own` (the body's own methods) if it is there, or the variable of the
/// `let` returned, to go right after `stmt`.
fn beside(
    stmt: &Let,
    own: &[(VarId, &'static Primitive, VarId)],
    function: &mut Function,
    types: &mut Types,
    names: &mut Names,
) -> Option<Let> {
    let Op::Method {
        prim,
        receiver: receiver @ Operand::Var(input),
        args,
        ..
    } = &stmt.op
    else {
        return None;
    };
    let row: &'static Primitive = primitives::lookup(prim.beside?, prim.syntax)?;
    let result = function.var(stmt.var);
    if !result.active
        || !function.var(*input).active
        || types.as_ndarray(function.var(*input).ty).is_some()
    {
        return None;
    }
    if args.is_empty()
        && let Some(&(var, ..)) = own
            .iter()
            .find(|(_, p, of)| std::ptr::eq(*p, row) && of == input)
    {
        let beside = Beside { var, added: false };
        function.beside.insert(stmt.var, beside);
        return None;
    }
    // The same type as the result (the table's test: the same result kind, of the same input).
    let ty = result.ty;
    let input_name = function.var(*input).name.to_string();
    let name = names.fresh(&format!("{input_name}_{}", row.name), stmt.span);
    function.vars.push(Var {
        name,
        active: true,
        ty,
        borrowed: false,
    });
    let var = VarId(function.vars.len() - 1);
    function
        .beside
        .insert(stmt.var, Beside { var, added: true });
    Some(Let {
        var,
        op: Op::Method {
            prim: row,
            receiver: receiver.clone(),
            args: args.clone(),
            unwrap: None,
        },
        annotation: None,
        span: stmt.span,
    })
}
