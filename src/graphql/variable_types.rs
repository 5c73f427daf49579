//! The "variables in allowed positions" rule of the GraphQL specification:
//! a variable declared as `RemedyInput!` may not be passed where the schema
//! expects `RecordRemedyInput!`. async-graphql 7.2 declares this rule but its
//! visitor never feeds it argument values, so it is checked here on the
//! parsed document, before validation and execution.

use std::collections::{HashMap, HashSet};

use async_graphql::{
    Positioned,
    parser::types::{
        DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
    },
    registry::{MetaType, MetaTypeName, Registry},
};
use async_graphql_value::Value;

/// The first variable used where its declared type does not fit.
pub fn misplaced_variable(registry: &Registry, doc: &ExecutableDocument) -> Option<String> {
    let operations: Vec<_> = match &doc.operations {
        DocumentOperations::Single(op) => vec![op],
        DocumentOperations::Multiple(ops) => ops.values().collect(),
    };
    for operation in operations {
        let declared: HashMap<&str, String> = operation
            .node
            .variable_definitions
            .iter()
            .map(|def| {
                let ty = &def.node.var_type.node;
                // A nullable variable with a default fits a non-null position.
                let ty = if ty.nullable && def.node.default_value.is_some() {
                    format!("{ty}!")
                } else {
                    ty.to_string()
                };
                (def.node.name.node.as_str(), ty)
            })
            .collect();
        let root = match operation.node.ty {
            OperationType::Query => Some(registry.query_type.as_str()),
            OperationType::Mutation => registry.mutation_type.as_deref(),
            OperationType::Subscription => registry.subscription_type.as_deref(),
        };
        let mut walk = Walk {
            registry,
            doc,
            declared: &declared,
            seen: HashSet::new(),
        };
        if let Some(root) = root
            && let Some(found) = walk.selection_set(root, &operation.node.selection_set)
        {
            return Some(found);
        }
    }
    None
}

struct Walk<'a> {
    registry: &'a Registry,
    doc: &'a ExecutableDocument,
    declared: &'a HashMap<&'a str, String>,
    seen: HashSet<&'a str>,
}

impl<'a> Walk<'a> {
    fn selection_set(&mut self, parent: &str, set: &'a Positioned<SelectionSet>) -> Option<String> {
        for selection in &set.node.items {
            let found = match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let meta = self
                        .registry
                        .types
                        .get(parent)
                        .and_then(|ty| ty.field_by_name(&field.name.node));
                    let Some(meta) = meta else { continue };
                    for (name, value) in &field.arguments {
                        if let Some(arg) = meta.args.get(name.node.as_str())
                            && let Some(found) = self.value(&arg.ty, &value.node)
                        {
                            return Some(found);
                        }
                    }
                    let child = MetaTypeName::concrete_typename(&meta.ty).to_owned();
                    self.selection_set(&child, &field.selection_set)
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

    fn value(&self, expected: &str, value: &Value) -> Option<String> {
        match value {
            Value::Variable(name) => {
                let declared = self.declared.get(name.as_str())?;
                let fits =
                    MetaTypeName::create(expected).is_subtype(&MetaTypeName::create(declared));
                (!fits).then(|| {
                    format!(
                        "variable `${name}` is declared as `{declared}` but used where `{expected}` is expected"
                    )
                })
            }
            Value::List(items) => match MetaTypeName::create(expected).unwrap_non_null() {
                MetaTypeName::List(item) => items.iter().find_map(|v| self.value(item, v)),
                _ => None,
            },
            Value::Object(fields) => {
                let Some(MetaType::InputObject { input_fields, .. }) = self
                    .registry
                    .types
                    .get(MetaTypeName::concrete_typename(expected))
                else {
                    return None;
                };
                fields.iter().find_map(|(name, v)| {
                    input_fields
                        .get(name.as_str())
                        .and_then(|field| self.value(&field.ty, v))
                })
            }
            _ => None,
        }
    }
}
