//! A council's numbers (`fn stage1_ack_working_days() { 3 }`, first in every
//! script so an admin changes a figure in one place) read as the constants
//! they are when the script runs.
//!
//! Rhai's optimiser never folds a script's own functions, so every use of a
//! number would otherwise be a whole script call (resolving the function, a
//! call frame, an operation) on every decision. The copy of the script that
//! hooks run has each plain call `name()` of a number written on one line
//! replaced by its value in brackets, padded with spaces to the call's
//! width, so every other token keeps its line and column and errors point
//! where they always did. Nothing a script can observe changes: the call
//! could only ever return that value. A method-style call (`x.f()`, which
//! binds `this`), a number in any other form and anything that does not
//! read back exactly as expected are left as written. The script as written
//! is what the checks, hook detection and error messages read.

use std::collections::HashMap;

use rhai::{AST, ASTNode, Engine, Expr, Position, Stmt};

/// The script hooks run: `ast` recompiled from the source with its numbers'
/// calls replaced, or `ast` itself when there is nothing to replace or the
/// rewritten source does not compile (it always should).
pub fn inlined(engine: &Engine, ast: &AST, source: &str) -> AST {
    let numbers = numbers(ast, source);
    if numbers.is_empty() {
        return ast.clone();
    }
    let mut lines: Vec<Vec<char>> = source.lines().map(|l| l.chars().collect()).collect();
    let mut replaced = 0;
    for (pos, name) in plain_calls(ast) {
        let Some(value) = numbers.get(name.as_str()) else {
            continue;
        };
        if replace(&mut lines, pos, &name, value) {
            replaced += 1;
        }
    }
    if replaced == 0 {
        return ast.clone();
    }
    let rewritten: Vec<String> = lines.into_iter().map(String::from_iter).collect();
    engine
        .compile(rewritten.join("\n"))
        .unwrap_or_else(|_| ast.clone())
}

/// Parameterless functions defined on one line as `fn name() { literal }`
/// (an integer or a boolean), checked against the compiled script: it
/// defines `name` without parameters, with its body on that line.
fn numbers<'s>(ast: &AST, source: &'s str) -> HashMap<&'s str, &'s str> {
    let bodies: HashMap<String, Option<usize>> = ast
        .iter_fn_def()
        .filter(|def| def.params.is_empty() && def.this_type.is_none())
        .map(|def| (def.name.to_string(), def.body.start_position().line()))
        .collect();
    source
        .lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let (name, value) = one_line_number(line)?;
            (bodies.get(name) == Some(&Some(i + 1))).then_some((name, value))
        })
        .collect()
}

/// `fn name() { value }` with an optional trailing `//` comment.
fn one_line_number(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start().strip_prefix("fn ")?.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let (name, rest) = rest.split_at(end);
    let rest = rest.trim_start().strip_prefix('(')?.trim_start();
    let rest = rest.strip_prefix(')')?.trim_start().strip_prefix('{')?;
    let (value, after) = rest.split_once('}')?;
    let after = after.trim();
    if name.is_empty() || !(after.is_empty() || after.starts_with("//")) {
        return None;
    }
    let value = value.trim();
    let literal = value.parse::<i64>().is_ok() || value == "true" || value == "false";
    literal.then_some((name, value))
}

/// Every plain call with no arguments, where it starts.
fn plain_calls(ast: &AST) -> Vec<(Position, String)> {
    let mut calls = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        let call = match path.last() {
            Some(ASTNode::Expr(Expr::FnCall(call, pos))) => Some((call, *pos)),
            Some(ASTNode::Stmt(Stmt::FnCall(call, pos))) => Some((call, *pos)),
            _ => None,
        };
        if let Some((call, pos)) = call
            && call.args.is_empty()
            && call.op_token.is_none()
            && !call.capture_parent_scope
        {
            calls.push((pos, call.name.to_string()));
        }
        true
    });
    calls
}

/// Replaces `name ( )` at `pos` by `(value)` and spaces, if the source
/// there reads exactly so and the value fits.
fn replace(lines: &mut [Vec<char>], pos: Position, name: &str, value: &str) -> bool {
    let (Some(line), Some(column)) = (pos.line(), pos.position()) else {
        return false;
    };
    let Some(chars) = lines.get_mut(line.wrapping_sub(1)) else {
        return false;
    };
    let start = column - 1;
    let name_end = start + name.chars().count();
    if chars
        .get(start..name_end)
        .is_none_or(|s| !s.iter().copied().eq(name.chars()))
    {
        return false;
    }
    let mut at = name_end;
    let skip_spaces = |at: &mut usize| {
        while chars.get(*at).is_some_and(|c| *c == ' ') {
            *at += 1;
        }
    };
    skip_spaces(&mut at);
    if chars.get(at) != Some(&'(') {
        return false;
    }
    at += 1;
    skip_spaces(&mut at);
    if chars.get(at) != Some(&')') {
        return false;
    }
    let end = at + 1;
    let text: Vec<char> = format!("({value})").chars().collect();
    if text.len() > end - start {
        return false;
    }
    for (i, slot) in chars[start..end].iter_mut().enumerate() {
        *slot = text.get(i).copied().unwrap_or(' ');
    }
    true
}

#[cfg(test)]
mod tests {
    use rhai::{Dynamic, Scope};

    use super::*;
    use crate::policy::sandbox;

    const SCRIPT: &str = r#"
        fn ack_days() { 3 }            // a number
        fn negative() {-2}
        fn enabled() { true }
        fn cite() { "para 13" }
        fn computed() { 1 + ack_days() }
        fn twice(n) { n * 2 }
        fn uses() {
            let x = [ack_days(), cite(), twice(ack_days()), negative() - negative(), enabled()];
            x.push(#{ n: `${ack_days ( )} days (${cite()})` });
            if ack_days() > 2 { x.push(computed()); }
            x
        }
        fn method() { this.ack_days() }
        fn fails() { let a = [ack_days()]; a[negative() + 9] }
    "#;

    fn calls_of(ast: &AST, name: &str) -> usize {
        let mut n = 0;
        ast.walk(&mut |path: &[ASTNode]| {
            let call = match path.last() {
                Some(ASTNode::Expr(Expr::FnCall(call, _))) => call,
                Some(ASTNode::Stmt(Stmt::FnCall(call, _))) => call,
                _ => return true,
            };
            n += usize::from(call.name == name);
            true
        });
        n
    }

    fn call(ast: &AST, name: &str) -> String {
        sandbox::engine()
            .call_fn::<Dynamic>(&mut Scope::new(), ast, name, ())
            .map(|v| v.to_string())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn a_number_is_read_as_its_value_and_answers_stay_the_same() {
        let engine = sandbox::engine();
        let ast = engine.compile(SCRIPT).unwrap();
        let run = inlined(engine, &ast, SCRIPT);
        assert_eq!(calls_of(&ast, "ack_days"), 6);
        assert_eq!(calls_of(&run, "ack_days"), 0, "every plain call replaced");
        assert_eq!(calls_of(&run, "negative"), 0);
        assert_eq!(calls_of(&run, "enabled"), 0);
        assert_eq!(calls_of(&run, "cite"), 2, "only integers and booleans");
        assert_eq!(
            calls_of(&run, "twice"),
            1,
            "a function with parameters stays a call"
        );
        assert_eq!(
            calls_of(&run, "computed"),
            1,
            "only literal bodies are numbers"
        );
        for hook in ["uses", "computed", "ack_days", "method", "fails"] {
            assert_eq!(call(&run, hook), call(&ast, hook), "{hook}");
        }
        assert_eq!(
            call(&run, "uses"),
            r#"[3, "para 13", 6, 0, true, #{"n": "3 days (para 13)"}, 4]"#
        );
        assert!(
            call(&run, "fails").contains("line 15, position 57"),
            "errors point where they did: {}",
            call(&run, "fails")
        );
        assert_eq!(run.iter_functions().count(), ast.iter_functions().count());
    }

    #[test]
    fn a_script_without_numbers_runs_as_written() {
        let source = "fn f(n) { n + 1 } fn g() { f(1) }";
        let ast = sandbox::engine().compile(source).unwrap();
        let run = inlined(sandbox::engine(), &ast, source);
        assert_eq!(calls_of(&run, "f"), 1);
        assert_eq!(call(&run, "g"), "2");
    }

    #[test]
    fn only_a_number_on_one_line_counts() {
        assert_eq!(one_line_number("fn a() { 3 }  // para 1"), Some(("a", "3")));
        assert_eq!(one_line_number("  fn b(){-40}"), Some(("b", "-40")));
        assert_eq!(one_line_number("fn c() { 3 } fn d() { 4 }"), None);
        assert_eq!(one_line_number("fn e(x) { 3 }"), None);
        assert_eq!(one_line_number("// fn f() { 3 }"), None);
        assert_eq!(one_line_number("fn g() { 1 + 2 }"), None);
    }
}
