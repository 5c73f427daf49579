//! The rules. Each rule has one home here; GraphQL resolvers only authorise,
//! call these services and map the result.
//!
//! - `cases`: a case and its reads (scope, timeline, deadlines, who is told what).
//! - `intake`: a contact becoming a case (validation, numbering, storing).
//! - `actions`: what staff and customers do to a case, one file each, run by
//!   one pipeline.
//! - `people`: the council's officers and persistent-complainant designations.
//! - `policies`: publishing council policies and what a candidate would change.

pub mod actions;
pub mod cases;
pub mod intake;
pub mod people;
pub mod policies;
pub mod text;
pub mod time;
