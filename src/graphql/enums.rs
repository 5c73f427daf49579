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
