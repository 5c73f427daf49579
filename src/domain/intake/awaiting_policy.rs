//! Contacts the council's policy failed on: stored and numbered all the
//! same, listed for the people who fix policies, and decided as soon as a
//! version that handles them is published.

use chrono::{DateTime, Utc};
use entity::{case, case_event, enums::CaseStatus};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, prelude::Expr,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::{Actor, Role},
    councils::Council,
    db,
    domain::{
        actions::pipeline::deadline_data,
        cases::{
            deadlines,
            events::{self, EventKind, NewEvent},
        },
        time::local_date,
    },
    error::Result,
    live::feed::CaseChanged,
    policy::{self, IntakeDecision},
    state::AppState,
};

/// The council's cases waiting for their policy, oldest receipt first.
pub async fn list(db: &impl ConnectionTrait, council_id: Uuid) -> Result<Vec<case::Model>> {
    Ok(case::Entity::find()
        .filter(case::Column::CouncilId.eq(council_id))
        .filter(case::Column::AwaitingPolicy.eq(true))
        .order_by_asc(case::Column::ReceivedAt)
        .order_by_asc(case::Column::Id)
        .all(db)
        .await?)
}

/// A waiting case with what the failing version said of it.
pub struct Waiting {
    pub case: case::Model,
    pub policy_version: Option<i32>,
    pub problem: Option<String>,
}

/// The waiting cases with their latest failure, for the people who fix it.
pub async fn with_failures(db: &impl ConnectionTrait, council_id: Uuid) -> Result<Vec<Waiting>> {
    let cases = list(db, council_id).await?;
    let failures = case_event::Entity::find()
        .filter(case_event::Column::CouncilId.eq(council_id))
        .filter(case_event::Column::CaseId.is_in(cases.iter().map(|c| c.id)))
        .filter(case_event::Column::Kind.eq(EventKind::PolicyFailed.as_str()))
        .order_by_asc(case_event::Column::Seq)
        .all(db)
        .await?;
    Ok(cases
        .into_iter()
        .map(|case| {
            let last = failures.iter().rfind(|e| e.case_id == case.id);
            Waiting {
                policy_version: last.and_then(|e| e.policy_version),
                problem: last.and_then(|e| e.data["problem"].as_str().map(str::to_owned)),
                case,
            }
        })
        .collect())
}

/// Runs the active policy's intake for every waiting case, counting from
/// its receipt; each decided case is written in its own transaction. Cases
/// the policy still fails on stay waiting. Returns how many were decided.
pub async fn decide_all(
    state: &AppState,
    council: &Council,
    published_by: &str,
    now: DateTime<Utc>,
) -> Result<usize> {
    let Some(policy) = state.policies.get(council.id) else {
        return Ok(0);
    };
    let publisher = Actor {
        council_id: council.id,
        council_slug: council.slug.clone(),
        subject: published_by.to_owned(),
        name: None,
        roles: vec![Role::PolicyAdmin],
    };
    let mut decided = 0;
    for case in list(&state.db, council.id).await? {
        let Some(mut facts) = kept_facts(&state.db, case.id).await? else {
            continue;
        };
        facts.received = local_date(case.received_at);
        facts.today = local_date(now);
        let answer = state
            .policy_runner
            .run(council.id, policy.clone(), move |p| {
                IntakeDecision::from_policy(p, &facts)
            })
            .await?;
        match answer {
            Ok(decision) => {
                if settle(state, &publisher, &case, &decision, now).await? {
                    decided += 1;
                }
            }
            Err(problem) => {
                tracing::warn!(case = %case.reference, version = policy.version, %problem, "policy still fails on a waiting case");
            }
        }
    }
    Ok(decided)
}

/// The facts intake gave the script that failed, as its failure step kept them.
async fn kept_facts(db: &impl ConnectionTrait, case_id: Uuid) -> Result<Option<policy::Contact>> {
    let failed = case_event::Entity::find()
        .filter(case_event::Column::CaseId.eq(case_id))
        .filter(case_event::Column::Kind.eq(EventKind::PolicyFailed.as_str()))
        .order_by_desc(case_event::Column::Seq)
        .one(db)
        .await?;
    Ok(failed.and_then(|event| serde_json::from_value(event.data["facts"].clone()).ok()))
}

/// Writes the decision onto a waiting case: stage, scope, deadlines and
/// checklist, one timeline step, the flag cleared. `false` when the case
/// changed meanwhile (it is left for the next publish).
async fn settle(
    state: &AppState,
    by: &Actor,
    case: &case::Model,
    decision: &IntakeDecision,
    now: DateTime<Utc>,
) -> Result<bool> {
    let Some(version) = decision.policy_version else {
        return Ok(false);
    };
    let status = if decision.in_scope {
        case.status
    } else {
        CaseStatus::OutOfScope
    };
    let next_due = decision.deadlines.iter().map(|d| d.due).min();
    let txn = db::begin_write(&state.db).await?;
    let updated = case::Entity::update_many()
        .col_expr(case::Column::Stage, Expr::value(decision.stage))
        .col_expr(case::Column::Status, Expr::value(status))
        .col_expr(
            case::Column::ScopeReason,
            Expr::value(decision.scope_reason.clone()),
        )
        .col_expr(
            case::Column::Signpost,
            Expr::value(decision.signpost.clone()),
        )
        .col_expr(case::Column::NextDue, Expr::value(next_due))
        .col_expr(
            case::Column::ClosedAt,
            Expr::value((!decision.in_scope).then_some(now).or(case.closed_at)),
        )
        .col_expr(case::Column::AwaitingPolicy, Expr::value(false))
        .col_expr(case::Column::UpdatedAt, Expr::value(now))
        .col_expr(case::Column::Version, Expr::value(case.version + 1))
        .filter(case::Column::Id.eq(case.id))
        .filter(case::Column::Version.eq(case.version))
        .filter(case::Column::AwaitingPolicy.eq(true))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Ok(false);
    }
    deadlines::insert(
        &txn,
        case.council_id,
        case.id,
        version,
        &decision.deadlines,
        now,
    )
    .await?;
    for requirement in &decision.requirements {
        let row = crate::domain::cases::requirements::row(
            case.council_id,
            case.id,
            version,
            requirement,
            now,
        );
        entity::case_requirement::Entity::insert(row.into_active_model().reset_all())
            .exec_without_returning(&txn)
            .await?;
    }
    let summary = match &decision.scope_reason {
        Some(reason) if !decision.in_scope => {
            format!("Decided by policy v{version}: out of scope: {reason}")
        }
        _ => format!("Decided by policy v{version}"),
    };
    let step = events::append(
        &txn,
        NewEvent {
            case_id: case.id,
            kind: EventKind::PolicyDecided,
            actor: by,
            occurred_at: now,
            policy_version: Some(version),
            summary,
            data: json!({
                "stage": decision.stage,
                "inScope": decision.in_scope,
                "scopeReason": decision.scope_reason,
                "signpost": decision.signpost,
                "requirements": decision.requirements.iter().map(|r| &r.key).collect::<Vec<_>>(),
                "deadlines": deadline_data(&decision.deadlines),
            }),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    let settled = case::Model {
        stage: decision.stage,
        status,
        scope_reason: decision.scope_reason.clone(),
        signpost: decision.signpost.clone(),
        next_due,
        awaiting_policy: false,
        updated_at: now,
        version: case.version + 1,
        ..case.clone()
    };
    state.feed.publish(CaseChanged::new(&settled, &step));
    Ok(true)
}
