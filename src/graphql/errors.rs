//! Gives every GraphQL error its `extensions.code`, for queries, mutations
//! and subscriptions alike.

use std::sync::Arc;

use async_graphql::{
    ErrorExtensionValues, Pos, Response, ServerError, Value,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest, NextSubscribe},
};
use futures_util::stream::{BoxStream, StreamExt};

use crate::error::AppError;

pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

#[async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        response.errors.iter_mut().for_each(classify);
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        next.run(ctx, stream)
            .map(|mut response| {
                response.errors.iter_mut().for_each(classify);
                response
            })
            .boxed()
    }
}

/// The client's input refused before any resolver runs, naming the field
/// as a resolver's refusal does.
pub fn bad_input_at(field: String, message: String, pos: Pos) -> ServerError {
    let mut error = ServerError::new(message, Some(pos));
    let ext = error
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default);
    ext.set("code", "BAD_USER_INPUT");
    ext.set("field", field);
    error
}

/// A refusal of the request as a whole, not of a place in its text: it
/// carries no `locations`.
pub fn before_parsing(error: AppError) -> ServerError {
    let mut error = async_graphql::Error::new_with_source(error).into_server_error(Pos::default());
    error.locations.clear();
    error
}

/// Our own errors carry their code. Everything else async-graphql raises
/// itself (syntax, validation, unknown enum values, wrong argument types,
/// depth and complexity limits) and is the client's input: BAD_USER_INPUT.
pub fn classify(error: &mut ServerError) {
    let source = error.source.clone();
    let app = source.as_deref().and_then(|s| s.downcast_ref::<AppError>());
    let ext = error
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default);
    match app {
        Some(app) => {
            ext.set("code", app.code());
            match app {
                AppError::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
                AppError::Unavailable(cause) => {
                    tracing::warn!(error = %cause, "database unavailable")
                }
                AppError::BadUserInput {
                    field: Some(field), ..
                } => ext.set("field", *field),
                AppError::PolicyRejected {
                    detail: Some(detail),
                    ..
                } => {
                    if let Ok(value) = Value::from_json(serde_json::json!(detail)) {
                        ext.set("detail", value);
                    }
                }
                _ => {}
            }
        }
        None if ext.get("code").is_none() => ext.set("code", "BAD_USER_INPUT"),
        None => {}
    }
}
