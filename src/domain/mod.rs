//! The rules. Each rule has one home here; GraphQL resolvers only authorise,
//! call these services and map the result.

pub mod acknowledge;
pub mod anonymous;
pub mod assign;
pub mod audience;
pub mod awaiting_policy;
pub mod case_view;
pub mod cases;
pub mod checklist;
pub mod contact;
pub mod councils;
pub mod deadlines;
pub mod escalate;
pub mod events;
pub mod feed;
pub mod feed_relay;
pub mod impact;
pub mod intake;
pub mod intake_writer;
pub mod lifecycle;
pub mod officers;
pub mod ombudsman;
pub mod persistent;
pub mod policies;
pub mod portal;
pub mod progress;
pub mod queue;
pub mod reference;
pub mod remedies;
pub mod respond;
pub mod scope;
pub mod text;
pub mod time;
pub mod work;
