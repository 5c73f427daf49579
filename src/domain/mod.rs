//! The rules. Each rule has one home here; GraphQL resolvers only authorise,
//! call these services and map the result.

pub mod acknowledge;
pub mod cases;
pub mod contact;
pub mod councils;
pub mod deadlines;
pub mod events;
pub mod feed;
pub mod intake;
pub mod officers;
pub mod policies;
pub mod queue;
pub mod reference;
pub mod scope;
pub mod work;
