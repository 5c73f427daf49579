//! A case, or a deadline, read from a page's row by position. A page of 50 cases has over
//! 2,000 values; reading each by name formats and looks up its column's name
//! for every one of them, which cost about a seventh of a list request, and
//! sea-orm words an error (a `format!`) for every NULL it reads into an
//! `Option`, so NULLs are told apart on the raw row first.

use entity::{
    case::{self, Column},
    deadline,
};
use sea_orm::{
    DbErr, Iterable, QueryResult, TryGetable,
    sqlx::{Row, ValueRef},
};

/// How many columns a case has: `case::Entity::find()` selects them in
/// `Column::iter()` order, and whatever a query adds comes after them.
pub fn columns() -> usize {
    Column::iter().count()
}

/// The case in the first [`columns`] values of `row`.
pub fn case_at(row: &QueryResult) -> Result<case::Model, DbErr> {
    // The columns are a plain enum declared in field order, so a column's
    // discriminant is its place in the select list (checked in the tests).
    let at = |c: Column| c as usize;
    Ok(case::Model {
        id: value(row, at(Column::Id))?,
        council_id: value(row, at(Column::CouncilId))?,
        reference: value(row, at(Column::Reference))?,
        reference_year: optional(row, at(Column::ReferenceYear))?,
        reference_seq: optional(row, at(Column::ReferenceSeq))?,
        kind: value(row, at(Column::Kind))?,
        channel: value(row, at(Column::Channel))?,
        stage: optional(row, at(Column::Stage))?,
        status: value(row, at(Column::Status))?,
        received_at: value(row, at(Column::ReceivedAt))?,
        service_id: optional(row, at(Column::ServiceId))?,
        anonymous: value(row, at(Column::Anonymous))?,
        customer_id: optional(row, at(Column::CustomerId))?,
        subject: value(row, at(Column::Subject))?,
        description: value(row, at(Column::Description))?,
        desired_outcome: optional(row, at(Column::DesiredOutcome))?,
        via_councillor: optional(row, at(Column::ViaCouncillor))?,
        councillor_subject: optional(row, at(Column::CouncillorSubject))?,
        respond_to_councillor: value(row, at(Column::RespondToCouncillor))?,
        discrimination: value(row, at(Column::Discrimination))?,
        about_staff: value(row, at(Column::AboutStaff))?,
        multi_service: value(row, at(Column::MultiService))?,
        assignee_id: optional(row, at(Column::AssigneeId))?,
        stage2_reviewer_id: optional(row, at(Column::Stage2ReviewerId))?,
        outcome: optional(row, at(Column::Outcome))?,
        ombudsman: optional(row, at(Column::Ombudsman))?,
        scope_reason: optional(row, at(Column::ScopeReason))?,
        signpost: optional(row, at(Column::Signpost))?,
        next_due: optional(row, at(Column::NextDue))?,
        logged_by: value(row, at(Column::LoggedBy))?,
        created_at: value(row, at(Column::CreatedAt))?,
        updated_at: value(row, at(Column::UpdatedAt))?,
        closed_at: optional(row, at(Column::ClosedAt))?,
        stage_started_at: optional(row, at(Column::StageStartedAt))?,
        acknowledged_at: optional(row, at(Column::AcknowledgedAt))?,
        responded_at: optional(row, at(Column::RespondedAt))?,
        last_update_at: optional(row, at(Column::LastUpdateAt))?,
        ombudsman_reference: optional(row, at(Column::OmbudsmanReference))?,
        restricted_customer: value(row, at(Column::RestrictedCustomer))?,
        awaiting_policy: value(row, at(Column::AwaitingPolicy))?,
        version: value(row, at(Column::Version))?,
    })
}

/// The deadline in a row of `deadline::Entity::find()`, as [`case_at`] reads
/// a case.
pub fn deadline_at(row: &QueryResult) -> Result<deadline::Model, DbErr> {
    use deadline::Column as D;
    let at = |c: D| c as usize;
    Ok(deadline::Model {
        id: value(row, at(D::Id))?,
        council_id: value(row, at(D::CouncilId))?,
        case_id: value(row, at(D::CaseId))?,
        stage: optional(row, at(D::Stage))?,
        kind: value(row, at(D::Kind))?,
        due: value(row, at(D::Due))?,
        met_at: optional(row, at(D::MetAt))?,
        breach_recorded_at: optional(row, at(D::BreachRecordedAt))?,
        superseded_at: optional(row, at(D::SupersededAt))?,
        extended_to: optional(row, at(D::ExtendedTo))?,
        policy_version: value(row, at(D::PolicyVersion))?,
        explanation: value(row, at(D::Explanation))?,
        created_at: value(row, at(D::CreatedAt))?,
    })
}

fn value<T: TryGetable>(row: &QueryResult, index: usize) -> Result<T, DbErr> {
    row.try_get_by_index(index)
}

/// The value at `index`, or `None` where it is NULL.
pub fn optional<T: TryGetable>(row: &QueryResult, index: usize) -> Result<Option<T>, DbErr> {
    if is_null(row, index) {
        Ok(None)
    } else {
        row.try_get_by_index(index).map(Some)
    }
}

/// Whether the value at `index` is NULL, without decoding it (any other
/// answer leaves the decoding, and its error, to sea-orm).
fn is_null(row: &QueryResult, index: usize) -> bool {
    if let Some(row) = row.try_as_pg_row() {
        return row.try_get_raw(index).is_ok_and(|v| v.is_null());
    }
    if let Some(row) = row.try_as_sqlite_row() {
        return row.try_get_raw(index).is_ok_and(|v| v.is_null());
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_columns_discriminant_is_its_place_in_the_select_list() {
        for (place, column) in Column::iter().enumerate() {
            assert_eq!(column as usize, place, "{column:?}");
        }
        for (place, column) in deadline::Column::iter().enumerate() {
            assert_eq!(column as usize, place, "{column:?}");
        }
    }
}
