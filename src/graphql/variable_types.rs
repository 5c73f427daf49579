//! The "variables in allowed positions" rule of the GraphQL specification:
//! a variable declared as `RemedyInput!` may not be passed where the schema
//! expects `RecordRemedyInput!`. async-graphql 7.2 declares this rule but its
//! visitor never feeds it argument values, so it is checked here on the
//! parsed document, before validation and execution.

use async_graphql::{
    parser::types::{ExecutableDocument, OperationDefinition},
    registry::{MetaType, MetaTypeName, Registry},
};
use async_graphql_value::Value;

use super::document::find_argument;

/// The first variable used where its declared type does not fit.
pub fn misplaced_variable(registry: &Registry, doc: &ExecutableDocument) -> Option<String> {
    find_argument(registry, doc, |argument| {
        misplaced(
            registry,
            argument.operation,
            argument.ty,
            &argument.value.node,
        )
    })
}

fn misplaced(
    registry: &Registry,
    operation: &OperationDefinition,
    expected: &str,
    value: &Value,
) -> Option<String> {
    match value {
        Value::Variable(name) => {
            let def = operation
                .variable_definitions
                .iter()
                .find(|def| def.node.name.node == *name)?;
            let ty = &def.node.var_type.node;
            // A nullable variable with a default fits a non-null position.
            let declared = if ty.nullable && def.node.default_value.is_some() {
                format!("{ty}!")
            } else {
                ty.to_string()
            };
            let fits = MetaTypeName::create(expected).is_subtype(&MetaTypeName::create(&declared));
            (!fits).then(|| {
                format!(
                    "variable `${name}` is declared as `{declared}` but used where `{expected}` is expected"
                )
            })
        }
        Value::List(items) => match MetaTypeName::create(expected).unwrap_non_null() {
            MetaTypeName::List(item) => items
                .iter()
                .find_map(|v| misplaced(registry, operation, item, v)),
            _ => None,
        },
        Value::Object(fields) => {
            let Some(MetaType::InputObject { input_fields, .. }) = registry
                .types
                .get(MetaTypeName::concrete_typename(expected))
            else {
                return None;
            };
            fields.iter().find_map(|(name, v)| {
                input_fields
                    .get(name.as_str())
                    .and_then(|field| misplaced(registry, operation, &field.ty, v))
            })
        }
        _ => None,
    }
}
