use sea_orm::entity::prelude::*;

use crate::enums::{CaseStatus, Channel, ContactKind, Ombudsman, Outcome, Stage};

/// A logged contact: a complaint moving through stages, or a compliment,
/// comment or suggestion (no stage).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub council_id: Uuid,
    /// Human reference, unique per council: `LEE-2026-000042`.
    pub reference: String,
    /// Year and number of the reference, taken from the council's counter
    /// in the statement that stores the case.
    pub reference_year: Option<i32>,
    pub reference_seq: Option<i64>,
    pub kind: ContactKind,
    pub channel: Channel,
    pub stage: Option<Stage>,
    pub status: CaseStatus,
    pub received_at: DateTimeUtc,
    pub service_id: Option<Uuid>,
    /// The contact gave no identity; there is no customer record to reply to.
    pub anonymous: bool,
    pub customer_id: Option<Uuid>,
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub desired_outcome: Option<String>,
    /// Name of the councillor or MP the complaint came through.
    pub via_councillor: Option<String>,
    /// `sub` of the councillor whose token raised it; they may follow its status.
    pub councillor_subject: Option<String>,
    /// Whether replies go to the councillor/MP rather than to the customer.
    pub respond_to_councillor: bool,
    pub discrimination: bool,
    pub about_staff: bool,
    pub multi_service: bool,
    pub assignee_id: Option<Uuid>,
    pub stage2_reviewer_id: Option<Uuid>,
    pub outcome: Option<Outcome>,
    pub ombudsman: Option<Ombudsman>,
    /// Why the policy (or staff) found it out of scope.
    #[sea_orm(column_type = "Text", nullable)]
    pub scope_reason: Option<String>,
    /// Where the customer should go instead.
    #[sea_orm(column_type = "Text", nullable)]
    pub signpost: Option<String>,
    /// Earliest open deadline; kept with the deadlines so queues and the
    /// overdue filter are one indexed range scan.
    pub next_due: Option<Date>,
    pub logged_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
    /// When the current stage began (receipt, or the escalation request).
    pub stage_started_at: Option<DateTimeUtc>,
    /// When the current stage was acknowledged, answered and last updated
    /// (a response or a holding response): the policy's clocks run from these.
    pub acknowledged_at: Option<DateTimeUtc>,
    pub responded_at: Option<DateTimeUtc>,
    pub last_update_at: Option<DateTimeUtc>,
    /// The ombudsman's own reference for its enquiry.
    pub ombudsman_reference: Option<String>,
    /// Logged from a customer under persistent-complainant restrictions: it is
    /// routed to their single point of contact and new issues must be checked.
    pub restricted_customer: bool,
    /// The council's policy failed on this contact: it has no stage or
    /// deadlines yet and is decided when a version that handles it is published.
    pub awaiting_policy: bool,
    /// Optimistic concurrency: every change bumps it; a stale writer gets CONFLICT.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
