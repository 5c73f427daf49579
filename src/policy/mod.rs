//! Council policy decisions. Each council's rules live in its script; what
//! is here is the documented default a missing hook falls back to.

use chrono::NaiveDate;
use entity::enums::{ContactKind, DeadlineKind, Stage};

/// A deadline the policy computed, with the sentence shown to staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineSpec {
    pub stage: Option<Stage>,
    pub kind: DeadlineKind,
    pub due: NaiveDate,
    pub explanation: String,
}

/// What the policy decides when a contact is logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeDecision {
    pub stage: Option<Stage>,
    pub deadlines: Vec<DeadlineSpec>,
    /// The policy version that decided; `None` when no policy is active.
    pub policy_version: Option<i32>,
}

impl IntakeDecision {
    /// With no policy published: complaints start at stage 1, other contacts
    /// have no stage, and no deadline is invented.
    pub fn without_policy(kind: ContactKind) -> Self {
        Self {
            stage: kind.is_complaint().then_some(Stage::Stage1),
            deadlines: Vec::new(),
            policy_version: None,
        }
    }
}
