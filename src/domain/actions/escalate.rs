//! Moving a complaint on: the customer's request for the next stage, an
//! informal matter that could not be put right, and the feedback manager's
//! assessment of a stage 2 request. The council's policy decides whether the
//! next stage exists, its window and its clocks.

use chrono::{DateTime, Utc};
use entity::{
    case, case_requirement,
    enums::{CaseStatus, DeadlineKind, Stage},
};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, sea_query::OnConflict,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    auth::Action,
    domain::{
        actions::{
            lifecycle::{Ending, ensure_may_close},
            pipeline::{CaseWork, Loaded, Step, Target, deadline_data, require_status},
        },
        cases::{audience::Audience, deadlines, events::EventKind},
        intake::contact,
        text,
        time::local_date,
    },
    error::{AppError, PolicyDetail, Result},
    policy::{RequirementOut, hooks},
};

pub struct EscalationRequest {
    pub reasons: String,
    pub desired_outcome: String,
    /// Made by phone or in person rather than in writing.
    pub verbal: bool,
    /// A manager accepts it outside the window.
    pub discretion: bool,
}

/// Statuses from which the customer may ask for the next stage. A case
/// closed after its response may still be escalated inside the window.
const ESCALATABLE: &[CaseStatus] = &[
    CaseStatus::Acknowledged,
    CaseStatus::InProgress,
    CaseStatus::Responded,
    CaseStatus::Closed,
];

pub async fn request_escalation(
    work: &CaseWork<'_>,
    target: Target,
    request: EscalationRequest,
) -> Result<case::Model> {
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    require_status(current, ESCALATABLE, "escalated")?;
    if current.status == CaseStatus::Closed && current.responded_at.is_none() {
        return Err(AppError::bad_input(
            "caseId",
            format!(
                "{} was closed without a response; reopen it first",
                current.reference
            ),
        ));
    }
    let reasons = contact::required_text("reasons", request.reasons, text::STATEMENT_MAX_CHARS)?;
    let desired = contact::required_text(
        "desiredOutcome",
        request.desired_outcome,
        text::STATEMENT_MAX_CHARS,
    )?;
    if request.verbal && !Audience::of(work.actor).is_staff() {
        return Err(AppError::bad_input(
            "verbal",
            "verbal is recorded by council staff only: a request you send is in writing",
        ));
    }
    if request.discretion && work.actor.require(Action::AcceptLateEscalation).is_err() {
        return Err(AppError::Forbidden(
            "only a Departmental Customer Relations Officer or feedback manager may accept a request at their discretion".into(),
        ));
    }
    let details = json!({
        "reasons": reasons,
        "desiredOutcome": desired,
        "verbal": request.verbal,
        "discretion": request.discretion,
    });
    advance(
        work,
        &loaded,
        request.verbal,
        request.discretion,
        EventKind::EscalationRequested,
        details,
    )
    .await
}

pub struct InformalOutcome {
    /// Put right at the first point of contact; otherwise the complaint is
    /// registered at the policy's next stage.
    pub resolved: bool,
    pub summary: String,
}

pub async fn record_informal_resolution(
    work: &CaseWork<'_>,
    target: Target,
    input: InformalOutcome,
) -> Result<case::Model> {
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    if current.stage != Some(Stage::Informal) {
        return Err(AppError::bad_input(
            "caseId",
            format!("{} is not at the informal stage", current.reference),
        ));
    }
    require_status(current, &CaseStatus::open_values(), "resolved informally")?;
    let summary = contact::required_text("summary", input.summary, text::STATEMENT_MAX_CHARS)?;
    if !input.resolved {
        return advance(
            work,
            &loaded,
            false,
            false,
            EventKind::InformalResolution,
            json!({ "resolved": false, "summary": summary }),
        )
        .await;
    }
    let policy_version = ensure_may_close(work, current, Ending::InformalResolution).await?;
    let mut after = current.clone();
    after.status = CaseStatus::Closed;
    after.closed_at = Some(loaded.at);
    after.responded_at = Some(loaded.at);
    after.last_update_at = Some(loaded.at);
    let txn = work.begin().await?;
    deadlines::meet(
        &txn,
        current.id,
        crate::domain::actions::pipeline::ANSWERED,
        loaded.at,
    )
    .await?;
    let step = Step {
        kind: EventKind::InformalResolution,
        policy_version,
        summary: "Resolved at the first point of contact".into(),
        data: json!({ "resolved": true, "summary": summary }),
    };
    work.finish(txn, &loaded, after, step).await
}

/// Asks the policy for the next stage and, when it allows it, starts it:
/// the window is met, the earlier stage's open clocks retire, the new
/// stage's clocks and checklist are set, and the case awaits acknowledgement.
async fn advance(
    work: &CaseWork<'_>,
    loaded: &Loaded,
    verbal: bool,
    discretion: bool,
    kind: EventKind,
    mut details: Value,
) -> Result<case::Model> {
    let current = &loaded.case;
    let Some(policy) = work.policy() else {
        return Err(AppError::PolicyRejected {
            message: "this council has no active policy to say what the next stage is".into(),
            detail: None,
        });
    };
    let facts = work.facts(current).await?;
    let request = hooks::escalation_request(loaded.on(), verbal, discretion);
    let (case, on) = (facts.to_map(), loaded.on());
    let out = work
        .hook(&policy, move |p| p.escalation(case, request, on))
        .await?;
    let window = deadlines::open(&work.state.db, current.id, DeadlineKind::Escalate).await?;
    if !out.allowed {
        let reason = out
            .reason
            .unwrap_or_else(|| "the council's policy does not allow this escalation".into());
        return Err(AppError::policy_rejected(
            reason.clone(),
            PolicyDetail {
                reason: Some(reason),
                escalate_by: window.as_ref().map(|w| w.due),
                ..Default::default()
            },
        ));
    }
    let stage = out.stage.ok_or_else(|| {
        AppError::PolicyError(format!(
            "{} policy v{}: hook `escalation` allowed it without naming the stage",
            work.council.slug, policy.version
        ))
    })?;
    let specs = work.specs(&policy, out.deadlines, Some(stage));

    let mut after = current.clone();
    after.stage = Some(stage);
    after.status = CaseStatus::EscalationRequested;
    after.stage_started_at = Some(loaded.at);
    after.acknowledged_at = None;
    after.responded_at = None;
    after.last_update_at = None;
    after.outcome = None;
    after.closed_at = None;

    let txn = work.begin().await?;
    deadlines::meet(&txn, current.id, &[DeadlineKind::Escalate], loaded.at).await?;
    deadlines::supersede(&txn, current.id, &[], loaded.at).await?;
    deadlines::insert(
        &txn,
        work.council.id,
        current.id,
        policy.version,
        &specs,
        work.now,
    )
    .await?;
    insert_requirements(
        &txn,
        work.council.id,
        current.id,
        policy.version,
        &out.requirements,
        work.now,
    )
    .await?;
    let from = current
        .stage
        .map(|s| sea_orm::ActiveEnum::to_value(&s).replace('_', " "));
    let to = sea_orm::ActiveEnum::to_value(&stage).replace('_', " ");
    if let Value::Object(map) = &mut details {
        map.insert("from".into(), json!(current.stage));
        map.insert("to".into(), json!(stage));
        map.insert("policyNote".into(), json!(out.reason));
        map.insert("deadlines".into(), deadline_data(&specs));
        map.insert(
            "requirements".into(),
            json!(out.requirements.iter().map(|r| &r.key).collect::<Vec<_>>()),
        );
    }
    let step = Step {
        kind,
        policy_version: Some(policy.version),
        summary: match from {
            Some(from) => format!("Moved from {from} to {to}"),
            None => format!("Moved to {to}"),
        },
        data: details,
    };
    work.finish(txn, loaded, after, step).await
}

/// Stores checklist items the policy set; an item already on the case
/// (same key) is kept as it is.
pub async fn insert_requirements(
    txn: &impl ConnectionTrait,
    council_id: Uuid,
    case_id: Uuid,
    policy_version: i32,
    requirements: &[RequirementOut],
    now: DateTime<Utc>,
) -> Result<()> {
    if requirements.is_empty() {
        return Ok(());
    }
    let rows = requirements.iter().map(|r| {
        requirement_row(council_id, case_id, policy_version, r, now)
            .into_active_model()
            .reset_all()
    });
    let inserted = case_requirement::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                case_requirement::Column::CaseId,
                case_requirement::Column::Key,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(txn)
        .await;
    match inserted {
        Ok(_) | Err(DbErr::RecordNotInserted) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// A checklist item the policy set, as stored.
pub fn requirement_row(
    council_id: Uuid,
    case_id: Uuid,
    policy_version: i32,
    requirement: &RequirementOut,
    now: DateTime<Utc>,
) -> case_requirement::Model {
    case_requirement::Model {
        id: Uuid::now_v7(),
        council_id,
        case_id,
        key: requirement.key.clone(),
        label: requirement.label.clone(),
        blocks: json!(requirement.before),
        met_at: None,
        met_by: None,
        policy_version,
        created_at: now,
    }
}

pub enum Assessment {
    /// Back to the service at stage 1 with the manager's recommendations.
    ReferBack { recommendations: String },
    /// Not taken to stage 2; the customer is told where to go instead.
    Decline { reason: String, signpost: String },
    /// Investigated at stage 2; the department was told when.
    Investigate {
        department_notified_at: Option<DateTime<Utc>>,
    },
}

/// The feedback manager's decision on a stage 2 request.
pub async fn assess_stage2(
    work: &CaseWork<'_>,
    target: Target,
    decision: Assessment,
) -> Result<case::Model> {
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    if current.stage != Some(Stage::Stage2) {
        return Err(AppError::bad_input(
            "caseId",
            format!("{} is not a stage 2 request", current.reference),
        ));
    }
    require_status(
        current,
        &[CaseStatus::EscalationRequested, CaseStatus::Acknowledged],
        "assessed",
    )?;
    let policy_version = match &decision {
        Assessment::Decline { .. } => {
            ensure_may_close(work, current, Ending::Stage2Declined).await?
        }
        _ => None,
    };
    let mut after = current.clone();
    let txn = work.begin().await?;
    let (summary, data) = match decision {
        Assessment::ReferBack { recommendations } => {
            let recommendations = contact::required_text(
                "recommendations",
                recommendations,
                text::STATEMENT_MAX_CHARS,
            )?;
            after.stage = Some(Stage::Stage1);
            after.status = CaseStatus::InProgress;
            deadlines::supersede(&txn, current.id, &[], loaded.at).await?;
            (
                "Referred back to the service at stage 1".to_owned(),
                json!({ "decision": "refer_back", "recommendations": recommendations }),
            )
        }
        Assessment::Decline { reason, signpost } => {
            after.status = CaseStatus::Closed;
            after.closed_at = Some(loaded.at);
            after.scope_reason = Some(contact::required_text(
                "reason",
                reason,
                text::NOTE_MAX_CHARS,
            )?);
            after.signpost = Some(contact::required_text(
                "signpost",
                signpost,
                text::NOTE_MAX_CHARS,
            )?);
            (
                "Stage 2 declined".to_owned(),
                json!({ "decision": "decline", "reason": after.scope_reason, "signpost": after.signpost }),
            )
        }
        Assessment::Investigate {
            department_notified_at,
        } => {
            after.status = if current.status == CaseStatus::EscalationRequested {
                CaseStatus::EscalationRequested
            } else {
                CaseStatus::InProgress
            };
            if let Some(at) = department_notified_at {
                let at = contact::happened_at(
                    "departmentNotifiedAt",
                    at,
                    current.received_at,
                    work.now,
                )?;
                deadlines::meet(&txn, current.id, &[DeadlineKind::NotifyDepartment], at).await?;
            }
            (
                "Stage 2 investigation accepted".to_owned(),
                json!({
                    "decision": "investigate",
                    "departmentNotifiedOn": department_notified_at.map(local_date),
                }),
            )
        }
    };
    let step = Step {
        kind: EventKind::Stage2Assessed,
        policy_version,
        summary,
        data,
    };
    work.finish(txn, &loaded, after, step).await
}
