//! Writing the deadlines a council's policy computed for a case.

use chrono::{DateTime, Utc};
use entity::deadline;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel};
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
    let rows = specs.iter().map(|spec| {
        deadline::Model {
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
        }
        .into_active_model()
        .reset_all()
    });
    deadline::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}
