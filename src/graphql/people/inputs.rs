use async_graphql::InputObject;
use chrono::{DateTime, Utc};

use super::types::{DesignationLevel, RemedyKind, ReviewOutcome};
use crate::{
    domain::{
        actions::{record_learning::NewLearning, record_remedy::NewRemedy},
        people::persistent::{NewDesignation, NewReview, Restrictions},
    },
    graphql::scalars::Date,
};

#[derive(InputObject)]
pub struct DesignationInput {
    pub level: DesignationLevel,
    /// The behaviour that was not acceptable.
    pub behaviour: String,
    /// The change of behaviour required (needed for a warning).
    pub required_change: Option<String>,
    /// The end of the time span given for the change (needed for a warning).
    pub change_by: Option<Date>,
    /// Needed, with at least one restriction, for restricted contact.
    pub restrictions: Option<RestrictionsInput>,
    /// The date of the letter telling the customer; not in the future.
    pub letter_date: Date,
}

#[derive(InputObject, Default)]
pub struct RestrictionsInput {
    /// The `sub` of the officer who is the customer's single point of contact.
    pub single_point_of_contact: Option<String>,
    #[graphql(default = false)]
    pub written_contact_only: bool,
    /// Issues already dealt with get no further reply.
    #[graphql(default = false)]
    pub no_reply_on_settled_issues: bool,
}

impl From<RestrictionsInput> for Restrictions {
    fn from(r: RestrictionsInput) -> Self {
        Restrictions {
            single_point_of_contact: r.single_point_of_contact,
            written_contact_only: r.written_contact_only,
            no_reply_on_settled_issues: r.no_reply_on_settled_issues,
        }
    }
}

impl From<DesignationInput> for NewDesignation {
    fn from(i: DesignationInput) -> Self {
        NewDesignation {
            level: i.level.into(),
            behaviour: i.behaviour,
            required_change: i.required_change,
            change_by: i.change_by.map(|d| d.0),
            restrictions: i.restrictions.map(Into::into).unwrap_or_default(),
            letter_date: i.letter_date.0,
        }
    }
}

#[derive(InputObject)]
pub struct DesignationReviewInput {
    pub outcome: ReviewOutcome,
    pub notes: Option<String>,
    /// When the review took place (default now); the next review counts from it.
    pub at: Option<DateTime<Utc>>,
    /// The new restrictions (VARY only).
    pub restrictions: Option<RestrictionsInput>,
}

impl From<DesignationReviewInput> for NewReview {
    fn from(i: DesignationReviewInput) -> Self {
        NewReview {
            outcome: i.outcome.into(),
            notes: i.notes,
            at: i.at,
            restrictions: i.restrictions.map(Into::into),
        }
    }
}

/// A remedy recorded on its own, outside a stage response.
#[derive(InputObject)]
#[graphql(name = "RecordRemedyInput")]
pub struct RemedyInput {
    pub kind: RemedyKind,
    pub description: String,
    /// Positive pence: required for a goodwill payment, refused for an
    /// apology, explanation or assurance.
    pub amount_pence: Option<i64>,
    /// When the action or payment is due.
    pub due: Option<Date>,
    /// Compensation only (required): where the claim goes, e.g. the claim
    /// form to Legal Services. The complaint is closed.
    pub claim_route: Option<String>,
}

impl From<RemedyInput> for NewRemedy {
    fn from(i: RemedyInput) -> Self {
        NewRemedy {
            kind: i.kind.into(),
            description: i.description,
            amount_pence: i.amount_pence,
            due: i.due.map(|d| d.0),
            claim_route: i.claim_route,
        }
    }
}

#[derive(InputObject)]
#[graphql(name = "RecordLearningPointInput")]
pub struct LearningPointInput {
    pub lesson: String,
    pub service_improvement: Option<String>,
}

impl From<LearningPointInput> for NewLearning {
    fn from(i: LearningPointInput) -> Self {
        NewLearning {
            lesson: i.lesson,
            service_improvement: i.service_improvement,
        }
    }
}

#[derive(InputObject)]
pub struct OfficerInput {
    /// The `sub` of the officer's token.
    pub subject: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// The grade the council's policy maps to a goodwill limit (Leeds:
    /// `officer`, `service_manager`, `chief_officer`).
    pub seniority: Option<String>,
}
