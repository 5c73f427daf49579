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
    fn get<T: TryGetable>(row: &QueryResult, column: Column) -> Result<T, DbErr> {
        row.try_get_by_index(column as usize)
    }
    fn opt<T: TryGetable>(row: &QueryResult, column: Column) -> Result<Option<T>, DbErr> {
        if is_null(row, column as usize) {
            Ok(None)
        } else {
            row.try_get_by_index(column as usize).map(Some)
        }
    }
    Ok(case::Model {
        id: get(row, Column::Id)?,
        council_id: get(row, Column::CouncilId)?,
        reference: get(row, Column::Reference)?,
        reference_year: opt(row, Column::ReferenceYear)?,
        reference_seq: opt(row, Column::ReferenceSeq)?,
        kind: get(row, Column::Kind)?,
        channel: get(row, Column::Channel)?,
        stage: opt(row, Column::Stage)?,
        status: get(row, Column::Status)?,
        received_at: get(row, Column::ReceivedAt)?,
        service_id: opt(row, Column::ServiceId)?,
        anonymous: get(row, Column::Anonymous)?,
        customer_id: opt(row, Column::CustomerId)?,
        subject: get(row, Column::Subject)?,
        description: get(row, Column::Description)?,
        desired_outcome: opt(row, Column::DesiredOutcome)?,
        via_councillor: opt(row, Column::ViaCouncillor)?,
        councillor_subject: opt(row, Column::CouncillorSubject)?,
        respond_to_councillor: get(row, Column::RespondToCouncillor)?,
        discrimination: get(row, Column::Discrimination)?,
        about_staff: get(row, Column::AboutStaff)?,
        multi_service: get(row, Column::MultiService)?,
        assignee_id: opt(row, Column::AssigneeId)?,
        stage2_reviewer_id: opt(row, Column::Stage2ReviewerId)?,
        outcome: opt(row, Column::Outcome)?,
        ombudsman: opt(row, Column::Ombudsman)?,
        scope_reason: opt(row, Column::ScopeReason)?,
        signpost: opt(row, Column::Signpost)?,
        next_due: opt(row, Column::NextDue)?,
        logged_by: get(row, Column::LoggedBy)?,
        created_at: get(row, Column::CreatedAt)?,
        updated_at: get(row, Column::UpdatedAt)?,
        closed_at: opt(row, Column::ClosedAt)?,
        stage_started_at: opt(row, Column::StageStartedAt)?,
        acknowledged_at: opt(row, Column::AcknowledgedAt)?,
        responded_at: opt(row, Column::RespondedAt)?,
        last_update_at: opt(row, Column::LastUpdateAt)?,
        ombudsman_reference: opt(row, Column::OmbudsmanReference)?,
        restricted_customer: get(row, Column::RestrictedCustomer)?,
        awaiting_policy: get(row, Column::AwaitingPolicy)?,
        version: get(row, Column::Version)?,
    })
}

/// The deadline in a row of `deadline::Entity::find()`, as [`case_at`] reads
/// a case.
pub fn deadline_at(row: &QueryResult) -> Result<deadline::Model, DbErr> {
    use deadline::Column as D;
    fn get<T: TryGetable>(row: &QueryResult, column: D) -> Result<T, DbErr> {
        row.try_get_by_index(column as usize)
    }
    fn opt<T: TryGetable>(row: &QueryResult, column: D) -> Result<Option<T>, DbErr> {
        if is_null(row, column as usize) {
            Ok(None)
        } else {
            row.try_get_by_index(column as usize).map(Some)
        }
    }
    Ok(deadline::Model {
        id: get(row, D::Id)?,
        council_id: get(row, D::CouncilId)?,
        case_id: get(row, D::CaseId)?,
        stage: opt(row, D::Stage)?,
        kind: get(row, D::Kind)?,
        due: get(row, D::Due)?,
        met_at: opt(row, D::MetAt)?,
        breach_recorded_at: opt(row, D::BreachRecordedAt)?,
        superseded_at: opt(row, D::SupersededAt)?,
        extended_to: opt(row, D::ExtendedTo)?,
        policy_version: get(row, D::PolicyVersion)?,
        explanation: get(row, D::Explanation)?,
        created_at: get(row, D::CreatedAt)?,
    })
}

/// Whether the value at `index` is NULL, without decoding it (any other
/// answer leaves the decoding, and its error, to sea-orm).
pub fn is_null(row: &QueryResult, index: usize) -> bool {
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
