//! What staff and customers do to a case: one file per action, each an
//! implementation of `pipeline::CaseAction`, all run by `pipeline::perform`.

pub mod pipeline;

// The actions, as the API names them.
pub mod acknowledge;
pub mod appoint_reviewer;
pub mod approve_goodwill;
pub mod assess_stage2;
pub mod assign_investigator;
pub mod close;
pub mod complete_remedy;
pub mod complete_requirement;
pub mod convert;
pub mod extend_deadline;
pub mod holding_response;
pub mod informal_resolution;
pub mod mark_out_of_scope;
pub mod not_investigated;
pub mod ombudsman_enquiry;
pub mod ombudsman_outcome;
pub mod ombudsman_reply;
pub mod record_learning;
pub mod record_remedy;
pub mod reopen;
pub mod request_escalation;
pub mod respond;
pub mod withdraw;

// Rules several actions share.
pub mod closing;
pub mod impartial;
pub mod next_stage;
pub mod remedy_target;
