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

use crate::graphql::scalars::parse_id;
