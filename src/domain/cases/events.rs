//! The append-only case timeline. Every state change writes exactly one event
//! in the same transaction as the change itself.

use chrono::{DateTime, Utc};
use entity::case_event;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IdenStatic,
    IntoActiveModel, Iterable, ModelTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait, Func, Query},
};
use serde_json::Value;
use uuid::Uuid;

use crate::{auth::Actor, error::Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    ContactLogged,
    Acknowledged,
    InvestigatorAssigned,
    ReviewerAppointed,
    HoldingResponse,
    DeadlineExtended,
    InformalResolution,
    Responded,
    EscalationRequested,
    Stage2Assessed,
    OmbudsmanEnquiry,
    OmbudsmanReply,
    OmbudsmanOutcome,
    OutOfScope,
    Converted,
    Withdrawn,
    Closed,
    Reopened,
    RequirementMet,
    NotInvestigated,
    RemedyRecorded,
    RemedyApproved,
    RemedyCompleted,
    LearningRecorded,
    DeadlineBreached,
    HoldingResponseDue,
    RestrictedContactChecked,
    PersistentDesignated,
    PersistentReviewed,
    PortalLinked,
    PolicyFailed,
    PolicyDecided,
}

impl EventKind {
    pub const ALL: [EventKind; 32] = [
        EventKind::ContactLogged,
        EventKind::Acknowledged,
        EventKind::InvestigatorAssigned,
        EventKind::ReviewerAppointed,
        EventKind::HoldingResponse,
        EventKind::DeadlineExtended,
        EventKind::InformalResolution,
        EventKind::Responded,
        EventKind::EscalationRequested,
        EventKind::Stage2Assessed,
        EventKind::OmbudsmanEnquiry,
        EventKind::OmbudsmanReply,
        EventKind::OmbudsmanOutcome,
        EventKind::OutOfScope,
        EventKind::Converted,
        EventKind::Withdrawn,
        EventKind::Closed,
        EventKind::Reopened,
        EventKind::RequirementMet,
        EventKind::NotInvestigated,
        EventKind::RemedyRecorded,
        EventKind::RemedyApproved,
        EventKind::RemedyCompleted,
        EventKind::LearningRecorded,
        EventKind::DeadlineBreached,
        EventKind::HoldingResponseDue,
        EventKind::RestrictedContactChecked,
        EventKind::PersistentDesignated,
        EventKind::PersistentReviewed,
        EventKind::PortalLinked,
        EventKind::PolicyFailed,
        EventKind::PolicyDecided,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ContactLogged => "contact_logged",
            EventKind::Acknowledged => "acknowledged",
            EventKind::InvestigatorAssigned => "investigator_assigned",
            EventKind::ReviewerAppointed => "reviewer_appointed",
            EventKind::HoldingResponse => "holding_response",
            EventKind::DeadlineExtended => "deadline_extended",
            EventKind::InformalResolution => "informal_resolution",
            EventKind::Responded => "responded",
            EventKind::EscalationRequested => "escalation_requested",
            EventKind::Stage2Assessed => "stage2_assessed",
            EventKind::OmbudsmanEnquiry => "ombudsman_enquiry",
            EventKind::OmbudsmanReply => "ombudsman_reply",
            EventKind::OmbudsmanOutcome => "ombudsman_outcome",
            EventKind::OutOfScope => "out_of_scope",
            EventKind::Converted => "converted",
            EventKind::Withdrawn => "withdrawn",
            EventKind::Closed => "closed",
            EventKind::Reopened => "reopened",
            EventKind::RequirementMet => "requirement_met",
            EventKind::NotInvestigated => "not_investigated",
            EventKind::RemedyRecorded => "remedy_recorded",
            EventKind::RemedyApproved => "remedy_approved",
            EventKind::RemedyCompleted => "remedy_completed",
            EventKind::LearningRecorded => "learning_recorded",
            EventKind::DeadlineBreached => "deadline_breached",
            EventKind::HoldingResponseDue => "holding_response_due",
            EventKind::RestrictedContactChecked => "restricted_contact_checked",
            EventKind::PersistentDesignated => "persistent_designated",
            EventKind::PersistentReviewed => "persistent_reviewed",
            EventKind::PortalLinked => "portal_linked",
            EventKind::PolicyFailed => "policy_failed",
            EventKind::PolicyDecided => "policy_decided",
        }
    }

    /// The kind a stored name stands for.
    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == stored)
    }
}

pub struct NewEvent<'a> {
    pub case_id: Uuid,
    pub kind: EventKind,
    pub actor: &'a Actor,
    pub occurred_at: DateTime<Utc>,
    pub policy_version: Option<i32>,
    pub summary: String,
    pub data: Value,
}

/// Appends the event after the case's last one, numbering it in the same
/// statement. The unique (case, seq) index turns a lost race into CONFLICT
/// rather than a duplicate step.
pub async fn append(
    txn: &impl ConnectionTrait,
    event: NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<case_event::Model> {
    let mut model = row(event, 0, now);
    let next_seq = Expr::expr(Func::coalesce([
        Expr::col(case_event::Column::Seq).max(),
        Expr::val(0),
    ]))
    .add(1);
    let mut values = Query::select();
    for column in case_event::Column::iter() {
        match column {
            case_event::Column::Seq => values.expr(next_seq.clone()),
            other => values.expr(Expr::val(model.get(other))),
        };
    }
    values
        .from(case_event::Entity)
        .and_where(Expr::col(case_event::Column::CaseId).eq(model.case_id));
    let insert = Query::insert()
        .into_table(case_event::Entity)
        .columns(case_event::Column::iter())
        .select_from(values)
        .map_err(|e| DbErr::Custom(e.to_string()))?
        .returning_col(case_event::Column::Seq)
        .to_owned();
    let backend = txn.get_database_backend();
    let numbered = txn
        .query_one_raw(backend.build(&insert))
        .await?
        .ok_or_else(|| DbErr::Custom("the timeline insert returned no row".into()))?;
    model.seq = numbered.try_get("", case_event::Column::Seq.as_str())?;
    Ok(model)
}

/// Inserts the event as step `seq` of its case (1 for a new case).
pub async fn insert_at(
    txn: &impl ConnectionTrait,
    event: NewEvent<'_>,
    seq: i32,
    now: DateTime<Utc>,
) -> Result<case_event::Model> {
    let model = row(event, seq, now);
    case_event::Entity::insert(model.clone().into_active_model().reset_all())
        .exec_without_returning(txn)
        .await?;
    Ok(model)
}

/// The row `insert_at` writes, for callers that send it with other statements.
pub fn row(event: NewEvent<'_>, seq: i32, now: DateTime<Utc>) -> case_event::Model {
    case_event::Model {
        id: Uuid::now_v7(),
        council_id: event.actor.council_id,
        case_id: event.case_id,
        seq,
        kind: event.kind.as_str().to_owned(),
        actor_subject: event.actor.subject.clone(),
        actor_role: event.actor.primary_role().as_str().to_owned(),
        occurred_at: event.occurred_at,
        recorded_at: now,
        policy_version: event.policy_version,
        summary: event.summary,
        data: event.data,
    }
}

pub async fn timeline(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    case_id: Uuid,
) -> Result<Vec<case_event::Model>> {
    Ok(case_event::Entity::find()
        .filter(case_event::Column::CouncilId.eq(council_id))
        .filter(case_event::Column::CaseId.eq(case_id))
        .order_by_asc(case_event::Column::Seq)
        .all(db)
        .await?)
}
