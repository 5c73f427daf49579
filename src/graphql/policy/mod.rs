//! Policy administration: read, validate, dry-run, publish and roll back the
//! caller's council's policy script.

mod impact;
mod mutation;
mod query;
mod types;

pub use impact::PolicyImpactQuery;
pub use mutation::PolicyMutation;
pub use query::PolicyQuery;
