//! The GraphQL API: one schema merged from one module per part of the domain.

mod args;
pub mod case;
pub mod context;
mod document;
mod document_cache;
pub mod enums;
mod errors;
mod executor;
mod input_dates;
pub mod limits;
pub mod live;
mod me;
pub mod people;
pub mod policy;
pub mod scalars;
mod signed_in;
mod variable_types;

use std::sync::Arc;

use async_graphql::{MergedObject, Schema, SchemaBuilder, ValidationMode};

use crate::state::AppState;

pub use executor::Executor;
pub use limits::{MAX_COMPLEXITY, MAX_DEPTH};

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    me::MeQuery,
    case::CaseQuery,
    policy::PolicyQuery,
    policy::PolicyImpactQuery,
    people::PeopleQuery,
    live::QueueQuery,
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    case::CaseMutation,
    case::CaseActions,
    policy::PolicyMutation,
    people::PeopleMutation,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, live::LiveSubscription>;

/// The API as the HTTP routes serve it: `schema`, with the extensions, runs
/// batches and subscriptions; `single` runs a body of one operation.
pub struct Api {
    pub schema: AppSchema,
    pub single: Executor,
}

pub fn schema(state: Option<Arc<AppState>>) -> Api {
    let schema = builder(state.clone())
        // The nesting check runs on the raw text first; then nothing is parsed
        // for a caller who has not signed in.
        .extension(limits::RequestLimits)
        .extension(signed_in::SignedIn)
        .extension(document_cache::DocumentCache::new())
        .extension(errors::ErrorCodes)
        .finish();
    let strict = builder(state.clone()).finish();
    let checked = builder(state)
        .validation_mode(ValidationMode::Fast)
        .finish();
    Api {
        schema,
        single: Executor::new(strict, checked),
    }
}

fn builder(
    state: Option<Arc<AppState>>,
) -> SchemaBuilder<QueryRoot, MutationRoot, live::LiveSubscription> {
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        live::LiveSubscription,
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY);
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder
}

/// The SDL that `schema.graphql` must equal.
pub fn sdl() -> String {
    schema(None).schema.sdl()
}
