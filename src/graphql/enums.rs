//! The stored enumerations as GraphQL enums. Same variants, so a new stored
//! variant that is not exposed fails to compile.

use async_graphql::Enum;
use entity::enums as db;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "db::ContactKind")]
pub enum ContactKind {
    Complaint,
    Compliment,
    Comment,
    Suggestion,
    FoiComplaint,
    EirComplaint,
    ServiceRequest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "db::Channel")]
pub enum Channel {
    Phone,
    Email,
    Web,
    Letter,
    InPerson,
    SocialMedia,
    Councillor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "db::Stage")]
pub enum Stage {
    Informal,
    #[graphql(name = "STAGE_1")]
    Stage1,
    #[graphql(name = "STAGE_2")]
    Stage2,
    #[graphql(name = "STAGE_3")]
    Stage3,
    Ombudsman,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "db::CaseStatus")]
pub enum CaseStatus {
    Received,
    Acknowledged,
    InProgress,
    Responded,
    EscalationRequested,
    WithOmbudsman,
    OutOfScope,
    Withdrawn,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "db::DeadlineKind")]
pub enum DeadlineKind {
    Acknowledge,
    Respond,
    HoldingResponse,
    Escalate,
    NotifyDepartment,
    OmbudsmanResponse,
    Reply,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "db::Outcome")]
pub enum Outcome {
    Upheld,
    PartlyUpheld,
    NotUpheld,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "db::Ombudsman")]
pub enum Ombudsman {
    Lgsco,
    Housing,
    Ico,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "db::RemedyKind")]
pub enum RemedyKind {
    Apology,
    Explanation,
    Assurance,
    SpecificAction,
    GoodwillPayment,
    /// A claim for compensation: ends the complaint and goes by the claim route.
    Compensation,
}

/// What a step on a case timeline was. Stored as lower snake case
/// (`responded`); told to callers in this enum's names (`RESPONDED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::cases::events::EventKind")]
pub enum EventKind {
    /// The contact was logged and the case opened.
    ContactLogged,
    /// The complaint was acknowledged.
    Acknowledged,
    /// An investigating officer was assigned.
    InvestigatorAssigned,
    /// A stage 2 reviewer was appointed.
    ReviewerAppointed,
    /// A holding response was sent.
    HoldingResponse,
    /// A deadline was extended.
    DeadlineExtended,
    /// Resolved informally, without a formal response.
    InformalResolution,
    /// The stage response was sent.
    Responded,
    /// The complainant asked to escalate.
    EscalationRequested,
    /// The escalation request was assessed.
    #[graphql(name = "STAGE_2_ASSESSED")]
    Stage2Assessed,
    /// The Ombudsman opened an enquiry.
    OmbudsmanEnquiry,
    /// The council replied to the Ombudsman.
    OmbudsmanReply,
    /// The Ombudsman decided.
    OmbudsmanOutcome,
    /// Found outside the complaints procedure.
    OutOfScope,
    /// Turned into another kind of contact.
    Converted,
    /// The complainant withdrew.
    Withdrawn,
    /// The case was closed.
    Closed,
    /// The case was reopened.
    Reopened,
    /// A checklist requirement was met.
    RequirementMet,
    /// Recorded as not investigated, with the reason.
    NotInvestigated,
    /// A remedy was recorded.
    RemedyRecorded,
    /// A remedy was approved.
    RemedyApproved,
    /// A remedy was carried out.
    RemedyCompleted,
    /// A lesson learned was recorded.
    LearningRecorded,
    /// The sweeper found a deadline missed.
    DeadlineBreached,
    /// The sweeper found a holding response fallen due.
    HoldingResponseDue,
    /// The restricted-contact arrangements were checked.
    RestrictedContactChecked,
    /// The complainant was designated persistent or unreasonable.
    PersistentDesignated,
    /// A persistent designation was reviewed.
    PersistentReviewed,
    /// The case was linked to a portal account.
    PortalLinked,
    /// The council's policy failed on the contact: it waits for a version
    /// that decides it.
    PolicyFailed,
    /// A newer policy version decided a contact that was waiting for it.
    PolicyDecided,
}

impl EventKind {
    /// The kind a stored timeline row names. An unknown name is a fault in
    /// the store, not in the request, so it is internal.
    pub fn from_stored(stored: &str) -> crate::error::Result<Self> {
        crate::domain::cases::events::EventKind::parse(stored)
            .map(Into::into)
            .ok_or_else(|| anyhow::anyhow!("unknown stored event kind `{stored}`").into())
    }
}
