//! Nothing is read for a caller without a valid token. The schema is
//! published (`schema.graphql`), so signed-in callers may introspect it and
//! are told "Did you mean ...?"; a caller without a token learns nothing
//! about it, neither by introspection nor from validation errors, and costs
//! no parsing.

use std::sync::Arc;

use async_graphql::{
    ServerError, ServerResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery},
    parser::types::ExecutableDocument,
};

use crate::{auth::Actor, error::AppError};

pub struct SignedIn;

pub fn not_signed_in() -> ServerError {
    super::errors::before_parsing(AppError::Unauthenticated(
        "sign in: send `Authorization: Bearer <token>`".into(),
    ))
}

impl ExtensionFactory for SignedIn {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SignedIn)
    }
}

#[async_trait::async_trait]
impl Extension for SignedIn {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        if ctx.data_opt::<Actor>().is_none() {
            return Err(not_signed_in());
        }
        next.run(ctx, query, variables).await
    }
}
