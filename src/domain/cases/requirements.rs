//! A case's checklist items: stored as the council's policy sets them, and
//! read for the actions they hold back.

use chrono::{DateTime, Utc};
use entity::{case, case_requirement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, sea_query::OnConflict,
};
use serde_json::json;
use uuid::Uuid;

use crate::{error::Result, policy::RequirementOut};

/// Stores checklist items the policy set; an item already on the case
/// (same key) is kept as it is.
pub async fn insert(
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
        row(council_id, case_id, policy_version, r, now)
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
pub fn row(
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

/// Labels of the policy's checklist items, not yet met, that block `action`.
pub async fn unmet(
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
