//! Writing the deadlines a council's policy computed for a case.

use chrono::{DateTime, Utc};
use entity::{deadline, enums::DeadlineKind};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Iterable,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, UpdateMany, sea_query::Expr,
};
use uuid::Uuid;

use crate::{error::Result, policy::DeadlineSpec};

/// Stores `specs` as open deadlines of the case, each recording the policy
/// version that computed it; one statement for all of them.
pub async fn insert(
    txn: &impl ConnectionTrait,
    council_id: Uuid,
    case_id: Uuid,
    policy_version: i32,
    specs: &[DeadlineSpec],
    now: DateTime<Utc>,
) -> Result<()> {
    if specs.is_empty() {
        return Ok(());
    }
    let rows = rows(council_id, case_id, policy_version, specs, now)
        .into_iter()
        .map(|row| row.into_active_model().reset_all());
    txn.execute(&deadline::Entity::insert_many(rows).into_query())
        .await?;
    Ok(())
}

/// `specs` as the open deadline rows of the case.
pub fn rows(
    council_id: Uuid,
    case_id: Uuid,
    policy_version: i32,
    specs: &[DeadlineSpec],
    now: DateTime<Utc>,
) -> Vec<deadline::Model> {
    specs
        .iter()
        .map(|spec| deadline::Model {
            id: Uuid::now_v7(),
            council_id,
            case_id,
            stage: spec.stage,
            kind: spec.kind,
            due: spec.due,
            met_at: None,
            breach_recorded_at: None,
            superseded_at: None,
            policy_version,
            explanation: spec.explanation.clone(),
            created_at: now,
        })
        .collect()
}

/// Marks the case's open deadlines of these kinds as met at `at`.
pub async fn meet(
    txn: &impl ConnectionTrait,
    case_id: Uuid,
    kinds: &[DeadlineKind],
    at: DateTime<Utc>,
) -> Result<u64> {
    Ok(open_of(deadline::Entity::update_many(), case_id, kinds)
        .col_expr(deadline::Column::MetAt, Expr::value(at))
        .exec(txn)
        .await?
        .rows_affected)
}

/// Retires the case's open deadlines of these kinds (all kinds when empty):
/// replaced by an extension, or no longer applying because the case moved
/// on. The row stays, so the history shows what the date was.
pub async fn supersede(
    txn: &impl ConnectionTrait,
    case_id: Uuid,
    kinds: &[DeadlineKind],
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(open_of(deadline::Entity::update_many(), case_id, kinds)
        .col_expr(deadline::Column::SupersededAt, Expr::value(now))
        .exec(txn)
        .await?
        .rows_affected)
}

fn open_of(
    update: UpdateMany<deadline::Entity>,
    case_id: Uuid,
    kinds: &[DeadlineKind],
) -> UpdateMany<deadline::Entity> {
    let update = update
        .filter(deadline::Column::CaseId.eq(case_id))
        .filter(deadline::Column::MetAt.is_null())
        .filter(deadline::Column::SupersededAt.is_null());
    if kinds.is_empty() {
        update
    } else {
        update.filter(deadline::Column::Kind.is_in(kinds.iter().copied()))
    }
}

/// The case's open deadline of one kind (the latest, should there be two).
pub async fn open(
    db: &impl ConnectionTrait,
    case_id: Uuid,
    kind: DeadlineKind,
) -> Result<Option<deadline::Model>> {
    Ok(deadline::Entity::find()
        .filter(deadline::Column::CaseId.eq(case_id))
        .filter(deadline::Column::Kind.eq(kind))
        .filter(deadline::Column::MetAt.is_null())
        .filter(deadline::Column::SupersededAt.is_null())
        .order_by_desc(deadline::Column::Due)
        .one(db)
        .await?)
}

/// The earliest open date the council must meet: what `cases.next_due`
/// holds for queues and the overdue filter. A subquery, so the case's own
/// update sets it.
pub fn next_due_expr(case_id: Uuid) -> Expr {
    let duties: Vec<DeadlineKind> = DeadlineKind::iter()
        .filter(|k| k.is_council_duty())
        .collect();
    let earliest = deadline::Entity::find()
        .select_only()
        .column_as(deadline::Column::Due.min(), "due")
        .filter(deadline::Column::CaseId.eq(case_id))
        .filter(deadline::Column::MetAt.is_null())
        .filter(deadline::Column::SupersededAt.is_null())
        .filter(deadline::Column::Kind.is_in(duties))
        .into_query();
    Expr::SubQuery(None, Box::new(earliest.into()))
}
