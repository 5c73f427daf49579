//! A case read from a page's row by position. A page of 50 cases has over
//! 2,000 values; reading each by name formats and looks up its column's name
//! for every one of them, which cost about a seventh of a list request.

use entity::case::{self, Column};
use sea_orm::{DbErr, Iterable, QueryResult, TryGetable};

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
    Ok(case::Model {
        id: get(row, Column::Id)?,
        council_id: get(row, Column::CouncilId)?,
        reference: get(row, Column::Reference)?,
        reference_year: get(row, Column::ReferenceYear)?,
        reference_seq: get(row, Column::ReferenceSeq)?,
        kind: get(row, Column::Kind)?,
        channel: get(row, Column::Channel)?,
        stage: get(row, Column::Stage)?,
        status: get(row, Column::Status)?,
        received_at: get(row, Column::ReceivedAt)?,
        service_id: get(row, Column::ServiceId)?,
        anonymous: get(row, Column::Anonymous)?,
        customer_id: get(row, Column::CustomerId)?,
        subject: get(row, Column::Subject)?,
        description: get(row, Column::Description)?,
        desired_outcome: get(row, Column::DesiredOutcome)?,
        via_councillor: get(row, Column::ViaCouncillor)?,
        councillor_subject: get(row, Column::CouncillorSubject)?,
        respond_to_councillor: get(row, Column::RespondToCouncillor)?,
        discrimination: get(row, Column::Discrimination)?,
        about_staff: get(row, Column::AboutStaff)?,
        multi_service: get(row, Column::MultiService)?,
        assignee_id: get(row, Column::AssigneeId)?,
        stage2_reviewer_id: get(row, Column::Stage2ReviewerId)?,
        outcome: get(row, Column::Outcome)?,
        ombudsman: get(row, Column::Ombudsman)?,
        scope_reason: get(row, Column::ScopeReason)?,
        signpost: get(row, Column::Signpost)?,
        next_due: get(row, Column::NextDue)?,
        logged_by: get(row, Column::LoggedBy)?,
        created_at: get(row, Column::CreatedAt)?,
        updated_at: get(row, Column::UpdatedAt)?,
        closed_at: get(row, Column::ClosedAt)?,
        stage_started_at: get(row, Column::StageStartedAt)?,
        acknowledged_at: get(row, Column::AcknowledgedAt)?,
        responded_at: get(row, Column::RespondedAt)?,
        last_update_at: get(row, Column::LastUpdateAt)?,
        ombudsman_reference: get(row, Column::OmbudsmanReference)?,
        restricted_customer: get(row, Column::RestrictedCustomer)?,
        awaiting_policy: get(row, Column::AwaitingPolicy)?,
        version: get(row, Column::Version)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_columns_discriminant_is_its_place_in_the_select_list() {
        for (place, column) in Column::iter().enumerate() {
            assert_eq!(column as usize, place, "{column:?}");
        }
    }
}
