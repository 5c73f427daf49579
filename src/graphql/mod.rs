//! The GraphQL API: one schema merged from one module per part of the domain.

pub mod case;
pub mod context;
pub mod enums;
mod errors;
pub mod live;
mod me;
pub mod people;
pub mod policy;
pub mod scalars;

use std::sync::Arc;

use async_graphql::{MergedObject, Schema};

use crate::state::AppState;

/// Deep enough for a case with its timeline and customer; shallow enough
/// that a hostile query cannot fan out.
pub const MAX_DEPTH: usize = 10;
/// A list counts its page size times its fields, so this admits a full page
/// of 100 cases with deadlines and timeline, and refuses alias fan-out.
pub const MAX_COMPLEXITY: usize = 10_000;

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

pub fn schema(state: Option<Arc<AppState>>) -> AppSchema {
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        live::LiveSubscription,
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .extension(errors::ErrorCodes);
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder.finish()
}

/// The SDL that `schema.graphql` must equal.
pub fn sdl() -> String {
    schema(None).sdl()
}
