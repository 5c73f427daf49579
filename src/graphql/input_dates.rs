//! Every `Date` and `DateTime` a request sends, written in the document or
//! passed in a variable, is parsed here before anything runs, so a malformed
//! one, or one outside the years the service accepts, is refused as
//! BAD_USER_INPUT under its own field name: the argument, then the input
//! fields within it (`filter.receivedFrom`), leaving out the `input`
//! wrapper of an action (`newDue`), as every other input error is named.

use std::convert::Infallible;

use async_graphql::{
    Pos, ScalarType, ServerError, Variables,
    parser::types::{ExecutableDocument, OperationDefinition},
    registry::{MetaType, MetaTypeName, Registry},
};
use async_graphql_value::{ConstValue, Name};
use chrono::{DateTime, Datelike, Utc};

use super::{args, document::find_argument, errors, scalars::Date};

/// The first date or instant of the request that is refused.
pub fn refused_date(
    registry: &Registry,
    doc: &ExecutableDocument,
    variables: &Variables,
) -> Option<ServerError> {
    find_argument(registry, doc, |argument| {
        // Other scalars and enums hold no date: leave their values, however
        // large, uncopied.
        let concrete = MetaTypeName::concrete_typename(argument.ty);
        let may_hold_one = matches!(concrete, "Date" | "DateTime")
            || matches!(
                registry.types.get(concrete),
                Some(MetaType::InputObject { .. })
            );
        if !may_hold_one {
            return None;
        }
        let value = argument
            .value
            .node
            .clone()
            .into_const_with(|name| {
                Ok::<_, Infallible>(variable(argument.operation, variables, &name))
            })
            .unwrap_or_else(|never| match never {});
        let mut path = if argument.name == "input" {
            Vec::new()
        } else {
            vec![argument.name.to_owned()]
        };
        let message = refusal(registry, argument.ty, &value, &mut path)?;
        Some(errors::bad_input_at(
            path.join("."),
            message,
            argument.value.pos,
        ))
    })
}

/// A variable's value as sent, else its declared default, else null.
fn variable(operation: &OperationDefinition, variables: &Variables, name: &Name) -> ConstValue {
    variables.get(name).cloned().unwrap_or_else(|| {
        operation
            .variable_definitions
            .iter()
            .find(|def| def.node.name.node == *name)
            .and_then(|def| def.node.default_value.as_ref())
            .map_or(ConstValue::Null, |default| default.node.clone())
    })
}

/// Why `value`, of type `ty`, is refused; `path` is left naming the field.
fn refusal(
    registry: &Registry,
    ty: &str,
    value: &ConstValue,
    path: &mut Vec<String>,
) -> Option<String> {
    if *value == ConstValue::Null {
        return None;
    }
    match MetaTypeName::create(ty) {
        MetaTypeName::NonNull(inner) => refusal(registry, inner, value, path),
        MetaTypeName::List(item) => match value {
            ConstValue::List(items) => items.iter().find_map(|v| refusal(registry, item, v, path)),
            single => refusal(registry, item, single, path),
        },
        MetaTypeName::Named("Date") => Date::parse(value.clone())
            .err()
            .map(|e| e.into_server_error(Pos::default()).message),
        MetaTypeName::Named("DateTime") => match DateTime::<Utc>::parse(value.clone()) {
            Err(e) => Some(e.into_server_error(Pos::default()).message),
            Ok(at) if !args::year_accepted(at.year()) => {
                Some(args::outside_years(&path.join("."), at))
            }
            Ok(_) => None,
        },
        MetaTypeName::Named(name) => {
            let Some(MetaType::InputObject { input_fields, .. }) = registry.types.get(name) else {
                return None;
            };
            let ConstValue::Object(fields) = value else {
                return None;
            };
            fields.iter().find_map(|(name, v)| {
                let field = input_fields.get(name.as_str())?;
                path.push(name.to_string());
                let refused = refusal(registry, &field.ty, v, path);
                if refused.is_none() {
                    path.pop();
                }
                refused
            })
        }
    }
}
