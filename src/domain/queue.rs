//! An officer's queue: the open cases assigned to them that are overdue or
//! fall due soon, soonest first. One range read of the index
//! `ix_cases_council_assignee_due (council_id, assignee_id, next_due)`.

use chrono::NaiveDate;
use entity::{case, enums::CaseStatus};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use crate::error::Result;

/// The largest queue page.
pub const MAX_QUEUE: u64 = 100;

/// The cases assigned to `officer_id` in `council_id`, open, with a date due
/// on or before `until`, ordered by that date.
pub fn select(council_id: Uuid, officer_id: Uuid, until: NaiveDate) -> Select<case::Entity> {
    case::Entity::find()
        .filter(case::Column::CouncilId.eq(council_id))
        .filter(case::Column::AssigneeId.eq(officer_id))
        .filter(case::Column::NextDue.lte(until))
        .filter(case::Column::Status.is_in(CaseStatus::open_values()))
        .order_by_asc(case::Column::NextDue)
}

pub async fn assigned(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    officer_id: Uuid,
    until: NaiveDate,
    first: u64,
) -> Result<Vec<case::Model>> {
    Ok(select(council_id, officer_id, until)
        .limit(first.min(MAX_QUEUE))
        .all(db)
        .await?)
}
