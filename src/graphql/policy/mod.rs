//! Policy administration: read, validate, dry-run, publish and roll back the
//! caller's council's policy script.

mod mutation;
mod query;
mod types;

pub use mutation::PolicyMutation;
pub use query::PolicyQuery;
