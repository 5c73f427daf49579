//! What a script calls, checked before it runs: every function called must
//! be defined in the script or offered by the engine with that many
//! arguments, so a typo on a branch the dry run never reaches is still
//! refused. Also words "function not found" errors for an admin.

use std::{
    collections::{BTreeSet, HashSet},
    sync::OnceLock,
};

use rhai::{AST, ASTNode, Expr, Stmt};

use super::{compiled::Problem, sandbox};

/// Functions the engine implements itself rather than in a package.
const KEYWORDS: &[(&str, usize)] = &[("print", 1), ("debug", 1), ("type_of", 1)];

struct Offered {
    name: String,
    arity: usize,
    signature: String,
    prelude: bool,
}

fn offered() -> &'static [Offered] {
    static OFFERED: OnceLock<Vec<Offered>> = OnceLock::new();
    OFFERED.get_or_init(|| {
        let prelude: HashSet<String> = sandbox::engine()
            .gen_fn_signatures(false)
            .iter()
            .map(|s| sandbox::pretty_signature(s))
            .collect();
        sandbox::callable_signatures()
            .into_iter()
            .filter_map(|signature| {
                let (name, arity) = name_and_arity(&signature)?;
                Some(Offered {
                    name,
                    arity,
                    prelude: prelude.contains(&signature),
                    signature,
                })
            })
            .collect()
    })
}

/// `add_days(d: &mut Date, n: i64) -> Date` is `add_days` taking 2.
fn name_and_arity(signature: &str) -> Option<(String, usize)> {
    let open = signature.find('(')?;
    let name = signature[..open].trim().to_owned();
    let mut depth = 0usize;
    let mut commas = 0usize;
    let mut empty = true;
    for c in signature[open + 1..].chars() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' if depth == 0 => break,
            ')' | '>' | ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => commas += 1,
            c if !c.is_whitespace() => empty = false,
            _ => {}
        }
    }
    Some((name, if empty { 0 } else { commas + 1 }))
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Every call in the script, in its functions too, to a function that does
/// not exist with that number of arguments.
pub fn undefined_calls(ast: &AST, source: &str) -> Vec<Problem> {
    let script: HashSet<(String, usize)> = ast
        .iter_functions()
        .map(|f| (f.name.to_owned(), f.params.len()))
        .collect();
    let exists = |name: &str, arity: usize| {
        script.contains(&(name.to_owned(), arity))
            || KEYWORDS.contains(&(name, arity))
            || offered().iter().any(|o| o.name == name && o.arity == arity)
    };
    let mut problems = Vec::new();
    let mut reported = HashSet::new();
    ast.walk(&mut |path: &[ASTNode]| {
        let (call, pos, method) = match path.last() {
            Some(ASTNode::Expr(Expr::FnCall(call, pos))) => (call, *pos, false),
            Some(ASTNode::Expr(Expr::MethodCall(call, pos))) => (call, *pos, true),
            Some(ASTNode::Stmt(Stmt::FnCall(call, pos))) => (call, *pos, false),
            _ => return true,
        };
        // Operators are resolved by the engine's own tables.
        if call.op_token.is_some() || !is_identifier(&call.name) {
            return true;
        }
        // A method call passes its object as the first argument to a
        // built-in, or as `this` to a script function.
        let arity = call.args.len() + usize::from(method);
        let as_method = method && script.contains(&(call.name.to_string(), call.args.len()));
        if !as_method
            && !exists(&call.name, arity)
            && reported.insert((call.name.to_string(), arity, pos))
        {
            let known = definitions(&call.name, ast, source);
            let message = if known.is_empty() {
                format!(
                    "no function `{}` exists (called with {arity} argument(s)); \
                     policies/README.md lists what scripts can call",
                    call.name
                )
            } else {
                format!(
                    "`{}` is called with {arity} argument(s), but it is defined as: {}",
                    call.name,
                    known.join("; ")
                )
            };
            let mut problem = Problem::new(message);
            problem.line = pos.line();
            problem.column = pos.position();
            problems.push(problem);
        }
        true
    });
    problems
}

/// Where `name` is defined, with its signatures: the prelude, Rhai's
/// built-ins, or a line of the script.
fn definitions(name: &str, ast: &AST, source: &str) -> Vec<String> {
    let mut found: BTreeSet<String> = offered()
        .iter()
        .filter(|o| o.name == name)
        .map(|o| {
            let from = if o.prelude { "prelude" } else { "built in" };
            format!("{} ({from})", o.signature)
        })
        .collect();
    for f in ast.iter_functions().filter(|f| f.name == name) {
        let at = line_of_definition(source, name)
            .map(|l| format!("script line {l}"))
            .unwrap_or_else(|| "script".to_owned());
        found.insert(format!("{name}({}) ({at})", f.params.join(", ")));
    }
    found.into_iter().collect()
}

fn line_of_definition(source: &str, name: &str) -> Option<usize> {
    source
        .lines()
        .position(|line| {
            line.trim_start()
                .strip_prefix("fn ")
                .and_then(|rest| rest.trim_start().strip_prefix(name))
                .is_some_and(|rest| rest.trim_start().starts_with('('))
        })
        .map(|i| i + 1)
}

/// Words Rhai's "Function not found: add_working_days (Date, &str | ...)"
/// for an admin: which function, the argument types given, and the
/// signatures that exist and where.
pub fn explain_not_found(call: &str, ast: &AST, source: &str) -> String {
    let (name, given) = match call.split_once(" (") {
        Some((name, args)) => (name.trim(), args.trim_end_matches(')')),
        None => (call.trim(), ""),
    };
    let given = given
        .replace("&str | ImmutableString | String", "string")
        .replace("&mut ", "");
    let known = definitions(name, ast, source);
    if known.is_empty() {
        format!("no function `{name}` exists (called with ({given}))")
    } else {
        format!(
            "`{name}` cannot take ({given}); it is defined as: {}",
            known.join("; ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arity_is_read_from_a_signature() {
        assert_eq!(
            name_and_arity("add_days(d: &mut Date, n: i64) -> Date"),
            Some(("add_days".into(), 2))
        );
        assert_eq!(name_and_arity("f() -> i64"), Some(("f".into(), 0)));
        assert_eq!(
            name_and_arity("g(a: Map<String, i64>) -> ()"),
            Some(("g".into(), 1))
        );
    }
}
