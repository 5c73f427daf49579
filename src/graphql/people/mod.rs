//! People and redress: persistent-complainant designations on customers,
//! remedies and goodwill payments, learning points, the staff directory,
//! checklist items and the decision not to investigate a malicious
//! anonymous contact.

mod inputs;
mod mutation;
mod query;
mod types;

pub use mutation::PeopleMutation;
pub use query::PeopleQuery;
pub use types::{LearningPoint, PersistentDesignation, Remedy};

fn parse_id(id: &async_graphql::ID, field: &'static str) -> crate::error::Result<uuid::Uuid> {
    uuid::Uuid::parse_str(id).map_err(|_| {
        crate::error::AppError::bad_input(field, format!("`{}` is not an id", id.as_str()))
    })
}
