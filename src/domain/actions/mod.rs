//! What staff and customers do to a case.

pub mod acknowledge;
pub mod anonymous;
pub mod assign;
pub mod checklist;
pub mod escalate;
pub mod lifecycle;
pub mod ombudsman;
pub mod pipeline;
pub mod progress;
pub mod remedies;
pub mod respond;
