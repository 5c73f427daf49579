//! An officer's queue: the open cases they have work on now, that are
//! overdue or fall due soon, soonest first. That is the cases given them to
//! review, and those assigned to them unless the case has reached a review
//! stage and a reviewer has been appointed: the review is the reviewer's
//! work, not the stage 1 investigator's. Each holding is one range read of
//! its index, `ix_cases_council_assignee_due (council_id, assignee_id,
//! next_due)` and `ix_cases_council_reviewer_due (council_id,
//! stage2_reviewer_id, next_due)`, merged here.

use chrono::NaiveDate;
use entity::{
    case,
    enums::{CaseStatus, Stage},
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
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
    let held = match holding {
        Holding::Assigned => Condition::all()
            .add(case::Column::AssigneeId.eq(officer_id))
            .add(
                Condition::any()
                    .add(case::Column::Stage2ReviewerId.is_null())
                    .add(case::Column::Stage.is_null())
                    .add(case::Column::Stage.is_not_in(Stage::review_values())),
            ),
        Holding::Reviewing => Condition::all().add(case::Column::Stage2ReviewerId.eq(officer_id)),
    };
    case::Entity::find()
        .filter(case::Column::CouncilId.eq(council_id))
        .filter(held)
        .filter(case::Column::NextDue.lte(until))
        .filter(case::Column::Status.is_in(CaseStatus::open_values()))
        .order_by_asc(case::Column::NextDue)
}

/// The first `first` cases the officer has work on now, soonest first.
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
