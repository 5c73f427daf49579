//! How much one request may ask of the server: bracket nesting of the
//! query text, selection depth, complexity (shared by every operation of a
//! batch), the changes one document makes and the number of operations in
//! a batch. The parsed document's variable types and dates are checked here
//! too, before validation.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use async_graphql::{
    ServerError, ServerResult, ValidationResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation},
    parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet},
    registry::Registry,
};

use crate::error::AppError;

/// Deep enough for a case with its timeline and customer; shallow enough
/// that a hostile query cannot fan out.
pub const MAX_DEPTH: usize = 10;
/// A list counts its page size times its fields, so this admits a full page
/// of 100 cases with deadlines and timeline, and refuses alias fan-out. One
/// budget covers every operation of a batch.
pub const MAX_COMPLEXITY: usize = 10_000;
/// `totalCount` runs a COUNT over the council's cases: it costs as much as
/// fifty rows of a page.
pub const TOTAL_COUNT_COMPLEXITY: usize = 50;
/// Operations in one JSON array body.
pub const MAX_BATCH: usize = 10;
/// Fields (aliases included) and fragment spreads written in one document.
/// Validation compares fields pairwise, so its cost grows with the square of
/// this; the largest screens ask for about a hundred.
pub const MAX_FIELDS: usize = 1_000;
/// Changes (mutation fields, aliases included) written in one document.
/// Each is a transaction with its policy call and audit event; aliases
/// would otherwise let one request log hundreds of contacts.
pub const MAX_MUTATIONS: usize = 10;
/// Brackets (`{`, `[`, `(`) open at once anywhere in the query text. The
/// GraphQL parser recurses once per bracket, so this is checked on the raw
/// text before anything parses it; real queries stay far below it.
pub const MAX_NESTING: usize = 64;

/// The deepest bracket nesting of a GraphQL document, counted outside
/// strings, block strings and comments, stopping as soon as it passes
/// `limit`. Linear in the text and without recursion, so any input is safe.
pub fn nesting_exceeds(query: &str, limit: usize) -> bool {
    let bytes = query.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    // `\"""` is an escaped triple quote inside a block string.
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    false
}

/// What is left of a batch's complexity budget; every operation of one
/// HTTP body draws on the same one.
#[derive(Debug)]
pub struct ComplexityBudget(AtomicUsize);

impl ComplexityBudget {
    pub fn new() -> Arc<Self> {
        Arc::new(Self(AtomicUsize::new(MAX_COMPLEXITY)))
    }

    fn draw(&self, cost: usize) -> bool {
        self.0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(cost)
            })
            .is_ok()
    }
}

/// Refuses a query text whose brackets nest too deeply, before anything
/// parses it.
pub fn check_nesting(query: &str) -> ServerResult<()> {
    if nesting_exceeds(query, MAX_NESTING) {
        return Err(refused(format!(
            "the query is nested too deeply: at most {MAX_NESTING} brackets may be open at once"
        )));
    }
    Ok(())
}

/// The limits that depend on the parsed document alone, so a document that
/// passed them once passes them again.
pub fn check_document(registry: &Registry, document: &ExecutableDocument) -> ServerResult<()> {
    let fields = field_count(document);
    if fields > MAX_FIELDS {
        return Err(refused(format!(
            "the query selects {fields} fields; at most {MAX_FIELDS} (aliases included) are allowed"
        )));
    }
    let mutations = mutation_count(document, registry.mutation_type.as_deref());
    if mutations > MAX_MUTATIONS {
        return Err(refused(format!(
            "the query makes {mutations} changes; at most {MAX_MUTATIONS} mutation fields (aliases included) are allowed"
        )));
    }
    if let Some(message) = super::variable_types::misplaced_variable(registry, document) {
        return Err(refused(message));
    }
    Ok(())
}

pub struct RequestLimits;

impl ExtensionFactory for RequestLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestLimits)
    }
}

#[async_trait::async_trait]
impl Extension for RequestLimits {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        check_nesting(query)?;
        let document = next.run(ctx, query, variables).await?;
        check_document(&ctx.schema_env.registry, &document)?;
        if let Some(refused) =
            super::input_dates::refused_date(&ctx.schema_env.registry, &document, variables)
        {
            return Err(refused);
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let Some(budget) = ctx.data_opt::<Arc<ComplexityBudget>>()
            && !budget.draw(result.complexity)
        {
            return Err(vec![refused(format!(
                "the operations of this batch are too complex together: their complexity may add up to at most {MAX_COMPLEXITY}"
            ))]);
        }
        Ok(result)
    }
}

/// Every field and fragment spread written in the document. The nesting
/// limit has already bounded how deep this recurses.
fn field_count(document: &ExecutableDocument) -> usize {
    fn count(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) => 1 + count(&field.node.selection_set.node),
                Selection::InlineFragment(fragment) => count(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => 1,
            })
            .sum()
    }
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, op)| count(&op.node.selection_set.node))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .map(|fragment| count(&fragment.node.selection_set.node))
        .sum();
    operations + fragments
}

/// Top-level fields of mutation operations and of fragments on the
/// mutation type (each fragment once: spreading it again selects the same
/// fields). Counted before validation, so a fragment cycle cannot loop.
fn mutation_count(document: &ExecutableDocument, mutation_type: Option<&str>) -> usize {
    fn top_level(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(_) => 1,
                Selection::InlineFragment(fragment) => top_level(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let operations: usize = document
        .operations
        .iter()
        .filter(|(_, op)| op.node.ty == OperationType::Mutation)
        .map(|(_, op)| top_level(&op.node.selection_set.node))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .filter(|fragment| {
            mutation_type == Some(fragment.node.type_condition.node.on.node.as_str())
        })
        .map(|fragment| top_level(&fragment.node.selection_set.node))
        .sum();
    operations + fragments
}

fn refused(message: String) -> ServerError {
    super::errors::before_parsing(AppError::BadUserInput {
        field: None,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_counted_outside_strings_and_comments() {
        assert!(!nesting_exceeds("{ a { b } }", 2));
        assert!(nesting_exceeds("{ a { b { c } } }", 2));
        assert!(nesting_exceeds(&"[".repeat(100_000), 64));
        assert!(!nesting_exceeds(
            &format!("{{ a(s: \"{}\") }}", "[".repeat(500)),
            2
        ));
        assert!(!nesting_exceeds(
            &format!("{{ a(s: \"\\\"{}\") }}", "{".repeat(500)),
            2
        ));
        assert!(!nesting_exceeds(
            &format!("{{ a(s: \"\"\" \\\"\"\" {} \"\"\") }}", "(".repeat(500)),
            2
        ));
        assert!(!nesting_exceeds(
            &format!("# {}\n{{ a }}", "{".repeat(500)),
            2
        ));
        // Closing brackets never go below zero, so they cannot buy depth.
        assert!(nesting_exceeds(
            &format!("{}{}", "}".repeat(50), "{".repeat(3)),
            2
        ));
    }
}
