//! Enumerations stored as short strings, so both SQLite and PostgreSQL hold
//! readable values and new variants need no database type migration. Their
//! serde names are the stored names, which policy scripts also use.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum ContactKind {
    #[sea_orm(string_value = "complaint")]
    Complaint,
    #[sea_orm(string_value = "compliment")]
    Compliment,
    #[sea_orm(string_value = "comment")]
    Comment,
    #[sea_orm(string_value = "suggestion")]
    Suggestion,
    #[sea_orm(string_value = "foi_complaint")]
    FoiComplaint,
    #[sea_orm(string_value = "eir_complaint")]
    EirComplaint,
    #[sea_orm(string_value = "service_request")]
    ServiceRequest,
}

impl ContactKind {
    /// Complaints move through stages; compliments, comments, suggestions and
    /// service requests never do.
    pub fn is_complaint(self) -> bool {
        matches!(
            self,
            Self::Complaint | Self::FoiComplaint | Self::EirComplaint
        )
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Channel {
    #[sea_orm(string_value = "phone")]
    Phone,
    #[sea_orm(string_value = "email")]
    Email,
    #[sea_orm(string_value = "web")]
    Web,
    #[sea_orm(string_value = "letter")]
    Letter,
    #[sea_orm(string_value = "in_person")]
    InPerson,
    #[sea_orm(string_value = "social_media")]
    SocialMedia,
    #[sea_orm(string_value = "councillor")]
    Councillor,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Stage {
    #[sea_orm(string_value = "informal")]
    Informal,
    #[sea_orm(string_value = "stage_1")]
    #[serde(rename = "stage_1")]
    Stage1,
    #[sea_orm(string_value = "stage_2")]
    #[serde(rename = "stage_2")]
    Stage2,
    #[sea_orm(string_value = "stage_3")]
    #[serde(rename = "stage_3")]
    Stage3,
    #[sea_orm(string_value = "ombudsman")]
    Ombudsman,
}

impl Stage {
    /// The stages answered by an impartial reviewer, not the investigator.
    pub fn review_values() -> [Stage; 2] {
        [Self::Stage2, Self::Stage3]
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum CaseStatus {
    /// Logged, not yet acknowledged.
    #[sea_orm(string_value = "received")]
    Received,
    #[sea_orm(string_value = "acknowledged")]
    Acknowledged,
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    /// A stage response was sent; the escalation window may be open.
    #[sea_orm(string_value = "responded")]
    Responded,
    #[sea_orm(string_value = "escalation_requested")]
    EscalationRequested,
    #[sea_orm(string_value = "with_ombudsman")]
    WithOmbudsman,
    #[sea_orm(string_value = "out_of_scope")]
    OutOfScope,
    #[sea_orm(string_value = "withdrawn")]
    Withdrawn,
    #[sea_orm(string_value = "closed")]
    Closed,
}

impl CaseStatus {
    pub fn is_open(self) -> bool {
        !matches!(self, Self::OutOfScope | Self::Withdrawn | Self::Closed)
    }

    /// The statuses in which a case is still being worked, in storage order.
    pub fn open_values() -> [CaseStatus; 6] {
        [
            Self::Received,
            Self::Acknowledged,
            Self::InProgress,
            Self::Responded,
            Self::EscalationRequested,
            Self::WithOmbudsman,
        ]
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum DeadlineKind {
    #[sea_orm(string_value = "acknowledge")]
    Acknowledge,
    #[sea_orm(string_value = "respond")]
    Respond,
    #[sea_orm(string_value = "holding_response")]
    HoldingResponse,
    #[sea_orm(string_value = "escalate")]
    Escalate,
    #[sea_orm(string_value = "notify_department")]
    NotifyDepartment,
    #[sea_orm(string_value = "ombudsman_response")]
    OmbudsmanResponse,
    #[sea_orm(string_value = "reply")]
    Reply,
}

impl DeadlineKind {
    /// A date the council must meet. The escalation window is the customer's:
    /// it lapsing is no breach and puts nothing in a queue.
    pub fn is_council_duty(self) -> bool {
        !matches!(self, Self::Escalate)
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Outcome {
    #[sea_orm(string_value = "upheld")]
    Upheld,
    #[sea_orm(string_value = "partly_upheld")]
    PartlyUpheld,
    #[sea_orm(string_value = "not_upheld")]
    NotUpheld,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Ombudsman {
    #[sea_orm(string_value = "lgsco")]
    Lgsco,
    #[sea_orm(string_value = "housing")]
    Housing,
    #[sea_orm(string_value = "ico")]
    Ico,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum RemedyKind {
    #[sea_orm(string_value = "apology")]
    Apology,
    #[sea_orm(string_value = "explanation")]
    Explanation,
    #[sea_orm(string_value = "assurance")]
    Assurance,
    #[sea_orm(string_value = "specific_action")]
    SpecificAction,
    #[sea_orm(string_value = "goodwill_payment")]
    GoodwillPayment,
    #[sea_orm(string_value = "compensation")]
    Compensation,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DesignationLevel {
    /// Told in writing what must change and by when; no restrictions yet.
    #[sea_orm(string_value = "warning")]
    Warning,
    #[sea_orm(string_value = "restricted")]
    Restricted,
}
