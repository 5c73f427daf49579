//! The arguments written in a parsed document, each with the type the
//! schema gives it, for the checks that run before validation and execution.

use std::collections::HashSet;

use async_graphql::{
    Positioned,
    parser::types::{
        DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
        SelectionSet,
    },
    registry::{MetaTypeName, Registry},
};
use async_graphql_value::Value;

/// One argument of one field, as written.
pub struct Argument<'a> {
    pub operation: &'a OperationDefinition,
    pub name: &'a str,
    /// The argument's type in the schema, e.g. `RecordRemedyInput!`.
    pub ty: &'a str,
    pub value: &'a Positioned<Value>,
}

/// The first `Some` that `visit` returns for an argument of any operation,
/// each fragment followed once per operation.
pub fn find_argument<'a, T>(
    registry: &'a Registry,
    doc: &'a ExecutableDocument,
    mut visit: impl FnMut(Argument<'a>) -> Option<T>,
) -> Option<T> {
    let operations: Vec<_> = match &doc.operations {
        DocumentOperations::Single(op) => vec![op],
        DocumentOperations::Multiple(ops) => ops.values().collect(),
    };
    for operation in operations {
        let root = match operation.node.ty {
            OperationType::Query => Some(registry.query_type.as_str()),
            OperationType::Mutation => registry.mutation_type.as_deref(),
            OperationType::Subscription => registry.subscription_type.as_deref(),
        };
        let Some(root) = root else { continue };
        let mut walk = Walk {
            registry,
            doc,
            operation: &operation.node,
            seen: HashSet::new(),
            visit: &mut visit,
        };
        if let Some(found) = walk.selection_set(root, &operation.node.selection_set) {
            return Some(found);
        }
    }
    None
}

struct Walk<'a, 'v, T> {
    registry: &'a Registry,
    doc: &'a ExecutableDocument,
    operation: &'a OperationDefinition,
    seen: HashSet<&'a str>,
    visit: &'v mut dyn FnMut(Argument<'a>) -> Option<T>,
}

impl<'a, T> Walk<'a, '_, T> {
    fn selection_set(&mut self, parent: &str, set: &'a Positioned<SelectionSet>) -> Option<T> {
        for selection in &set.node.items {
            let found = match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let registry = self.registry;
                    let meta = registry
                        .types
                        .get(parent)
                        .and_then(|ty| ty.field_by_name(&field.name.node));
                    let Some(meta) = meta else { continue };
                    for (name, value) in &field.arguments {
                        let Some(arg) = meta.args.get(name.node.as_str()) else {
                            continue;
                        };
                        let argument = Argument {
                            operation: self.operation,
                            name: name.node.as_str(),
                            ty: &arg.ty,
                            value,
                        };
                        if let Some(found) = (self.visit)(argument) {
                            return Some(found);
                        }
                    }
                    let child = MetaTypeName::concrete_typename(&meta.ty);
                    self.selection_set(child, &field.selection_set)
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(parent, |c| c.node.on.node.as_str())
                        .to_owned();
                    self.selection_set(&on, &fragment.node.selection_set)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match self.doc.fragments.get(name) {
                        Some(fragment) if self.seen.insert(name) => {
                            let on = fragment.node.type_condition.node.on.node.as_str();
                            self.selection_set(on, &fragment.node.selection_set)
                        }
                        _ => None,
                    }
                }
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }
}
