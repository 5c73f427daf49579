//! An officer's queue: the open cases assigned to them, and those given them
//! to review, that are overdue or fall due soon, soonest first. Each is one
//! range read of its index, `ix_cases_council_assignee_due (council_id,
//! assignee_id, next_due)` and `ix_cases_council_reviewer_due (council_id,
//! stage2_reviewer_id, next_due)`, merged here.

use chrono::NaiveDate;
use entity::{case, enums::CaseStatus};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use crate::error::Result;

/// The largest queue page.
pub const MAX_QUEUE: u64 = 100;

/// How an officer holds a case in their queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holding {
    Assigned,
    Reviewing,
}

/// The cases `officer_id` holds in `council_id` this way, open, with a date
/// due on or before `until`, ordered by that date.
pub fn select(
    council_id: Uuid,
    officer_id: Uuid,
    holding: Holding,
    until: NaiveDate,
) -> Select<case::Entity> {
    let column = match holding {
        Holding::Assigned => case::Column::AssigneeId,
        Holding::Reviewing => case::Column::Stage2ReviewerId,
    };
    case::Entity::find()
        .filter(case::Column::CouncilId.eq(council_id))
        .filter(column.eq(officer_id))
        .filter(case::Column::NextDue.lte(until))
        .filter(case::Column::Status.is_in(CaseStatus::open_values()))
        .order_by_asc(case::Column::NextDue)
}

/// The first `first` cases the officer is assigned or reviews, soonest first.
pub async fn assigned(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    officer_id: Uuid,
    until: NaiveDate,
    first: u64,
) -> Result<Vec<case::Model>> {
    let first = first.min(MAX_QUEUE);
    let mut cases = select(council_id, officer_id, Holding::Assigned, until)
        .limit(first)
        .all(db)
        .await?;
    let reviewing = select(council_id, officer_id, Holding::Reviewing, until)
        .limit(first)
        .all(db)
        .await?;
    // A case both assigned to and reviewed by one officer is listed once.
    for case in reviewing {
        if !cases.iter().any(|c| c.id == case.id) {
            cases.push(case);
        }
    }
    cases.sort_by_key(|c| (c.next_due, c.id));
    cases.truncate(usize::try_from(first).unwrap_or(usize::MAX));
    Ok(cases)
}
