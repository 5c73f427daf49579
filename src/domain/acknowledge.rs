//! Acknowledging a contact: the first action after intake, and the pattern
//! every case action follows: guard, check, ask the policy, then one
//! transaction that changes the case only at the version the caller saw and
//! appends one timeline event.

use chrono::{DateTime, Utc};
use entity::{
    case, case_requirement, deadline,
    enums::{CaseStatus, Channel, DeadlineKind},
    service,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, sea_query::Expr,
};
use serde_json::json;
use tracing::instrument;
use uuid::Uuid;

use super::{
    cases, contact,
    councils::Council,
    deadlines,
    events::{self, EventKind, NewEvent},
    intake::local_date,
    scope::CaseScope,
};
use crate::{
    auth::{Actor, Role},
    db,
    error::{AppError, Result},
    policy::{
        DeadlineSpec, PolicyRegistry,
        hooks::{CaseFacts, Contact},
    },
};

/// Staff who handle contacts may acknowledge them.
pub const MAY_ACKNOWLEDGE: &[Role] = &[
    Role::Frontline,
    Role::InvestigatingOfficer,
    Role::Dcro,
    Role::CustomerFeedbackManager,
];
/// The action name policies use in a requirement's `before` list.
pub const ACTION: &str = "acknowledge";

pub struct Acknowledgement {
    /// When the customer was told; defaults to now.
    pub at: Option<DateTime<Utc>>,
    /// How they were told; defaults to the channel the contact came in by.
    pub channel: Option<Channel>,
    pub expected_version: Option<i32>,
}

#[instrument(skip_all, fields(council = %council.slug, case = %case_id))]
pub async fn acknowledge(
    db: &DatabaseConnection,
    policies: &PolicyRegistry,
    council: &Council,
    actor: &Actor,
    case_id: Uuid,
    ack: Acknowledgement,
    now: DateTime<Utc>,
) -> Result<case::Model> {
    let scope = CaseScope::for_actor(actor)?;
    let current = cases::get(db, &scope, case_id).await?;
    if let Some(expected) = ack.expected_version.filter(|v| *v != current.version) {
        return Err(stale(expected, current.version));
    }
    let at = contact::happened_at("at", ack.at.unwrap_or(now), current.received_at, now)?;
    if current.status != CaseStatus::Received {
        return Err(AppError::bad_input(
            "caseId",
            format!(
                "{} is not awaiting acknowledgement (it is {:?})",
                current.reference, current.status
            ),
        ));
    }
    let blocking = unmet_requirements(db, &current, ACTION).await?;
    if !blocking.is_empty() {
        return Err(AppError::PolicyRejected {
            message: format!("before acknowledging: {}", blocking.join("; ")),
            detail: Some(json!({ "unmetRequirements": blocking })),
        });
    }

    let acknowledged_on = local_date(at);
    let (policy_version, new_deadlines) = match policies.get(council.id) {
        Some(policy) => {
            let facts = case_facts(db, &current, acknowledged_on, now).await?;
            let out = policy
                .acknowledged(facts.to_map(), acknowledged_on)
                .map_err(|problem| {
                    AppError::PolicyError(format!(
                        "{} policy v{}: {problem}",
                        council.slug, policy.version
                    ))
                })?;
            let specs: Vec<DeadlineSpec> = out
                .deadlines
                .into_iter()
                .map(|d| DeadlineSpec::from_hook(d, current.stage, &council.slug, policy.version))
                .collect();
            (Some(policy.version), specs)
        }
        None => (None, Vec::new()),
    };

    let existing = cases::deadlines_of(db, council.id, &[current.id])
        .await?
        .remove(&current.id)
        .unwrap_or_default();
    let still_open = existing
        .iter()
        .filter(|d| {
            d.met_at.is_none() && d.superseded_at.is_none() && d.kind != DeadlineKind::Acknowledge
        })
        .map(|d| d.due);
    let next_due = still_open.chain(new_deadlines.iter().map(|d| d.due)).min();
    let channel = ack.channel.unwrap_or(current.channel);

    let txn = db::begin_write(db).await?;
    // Changes the case only at the version this request read: a concurrent
    // action that got there first makes this one a CONFLICT.
    let updated = case::Entity::update_many()
        .col_expr(case::Column::Status, Expr::value(CaseStatus::Acknowledged))
        .col_expr(case::Column::NextDue, Expr::value(next_due))
        .col_expr(case::Column::UpdatedAt, Expr::value(now))
        .col_expr(case::Column::Version, Expr::value(current.version + 1))
        .filter(case::Column::Id.eq(current.id))
        .filter(case::Column::CouncilId.eq(council.id))
        .filter(case::Column::Version.eq(current.version))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(stale(current.version, current.version + 1));
    }
    deadline::Entity::update_many()
        .col_expr(deadline::Column::MetAt, Expr::value(at))
        .filter(deadline::Column::CaseId.eq(current.id))
        .filter(deadline::Column::Kind.eq(DeadlineKind::Acknowledge))
        .filter(deadline::Column::MetAt.is_null())
        .filter(deadline::Column::SupersededAt.is_null())
        .exec(&txn)
        .await?;
    if let Some(version) = policy_version {
        deadlines::insert(&txn, council.id, current.id, version, &new_deadlines, now).await?;
    }
    events::append(
        &txn,
        NewEvent {
            case_id: current.id,
            kind: EventKind::Acknowledged,
            actor,
            occurred_at: at,
            policy_version,
            summary: format!("Acknowledged by {channel:?}"),
            data: json!({
                "channel": channel,
                "deadlines": new_deadlines.iter().map(|d| json!({ "kind": d.kind, "due": d.due })).collect::<Vec<_>>(),
            }),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(case::Model {
        status: CaseStatus::Acknowledged,
        next_due,
        updated_at: now,
        version: current.version + 1,
        ..current
    })
}

fn stale(expected: i32, actual: i32) -> AppError {
    AppError::Conflict(format!(
        "the case changed since it was read (version {actual}, not {expected}); reload it and try again"
    ))
}

/// Labels of the policy's checklist items, not yet met, that block `action`.
pub async fn unmet_requirements(
    db: &impl ConnectionTrait,
    case: &case::Model,
    action: &str,
) -> Result<Vec<String>> {
    let rows = case_requirement::Entity::find()
        .filter(case_requirement::Column::CouncilId.eq(case.council_id))
        .filter(case_requirement::Column::CaseId.eq(case.id))
        .filter(case_requirement::Column::MetAt.is_null())
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|r| {
            serde_json::from_value::<Vec<String>>(r.blocks.clone())
                .unwrap_or_default()
                .iter()
                .any(|a| a == action)
        })
        .map(|r| r.label)
        .collect())
}

/// What a policy hook is told about a case that is being acknowledged.
async fn case_facts(
    db: &impl ConnectionTrait,
    case: &case::Model,
    acknowledged: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> Result<CaseFacts> {
    let service = match case.service_id {
        Some(id) => service::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|s| s.slug),
        None => None,
    };
    Ok(CaseFacts {
        contact: Contact {
            kind: case.kind,
            channel: case.channel,
            received: local_date(case.received_at),
            today: local_date(now),
            service,
            anonymous: case.anonymous,
            discrimination: case.discrimination,
            about_staff: case.about_staff,
            multi_service: case.multi_service,
            via_councillor: case.via_councillor.is_some(),
            issue_date: None,
            exceptional: false,
            exclusion: None,
        },
        stage: case.stage,
        status: CaseStatus::Acknowledged,
        acknowledged: Some(acknowledged),
        responded: None,
        last_update: None,
        learning_points: 0,
    })
}
