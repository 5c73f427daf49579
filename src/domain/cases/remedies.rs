//! A case's remedies and learning points, and the rules on their amounts.
//!
//! Money is integer pence. A goodwill payment is recorded unapproved and may
//! only be approved by an officer whose limit, from the council's policy and
//! their recorded seniority, covers it (Leeds para 70). A claim for
//! compensation ends the complaint: the customer is sent the claim route
//! (Leeds para 71: a claim form dealt with by Legal Services).

use entity::{enums::RemedyKind, learning_point, remedy};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

use crate::error::{AppError, Result};

pub async fn get(db: &impl ConnectionTrait, council_id: Uuid, id: Uuid) -> Result<remedy::Model> {
    remedy::Entity::find_by_id(id)
        .filter(remedy::Column::CouncilId.eq(council_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("remedy"))
}

/// Still to be carried out. A compensation claim never is: it leaves the
/// complaints process.
pub fn is_outstanding(r: &remedy::Model) -> bool {
    r.completed_at.is_none() && r.kind != RemedyKind::Compensation
}

/// The case's outstanding remedies, each with why: `not_completed`, or
/// `payment_not_approved` for a goodwill payment no one has approved yet.
pub async fn outstanding_of_case(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    case_id: Uuid,
) -> Result<Vec<serde_json::Value>> {
    Ok(of_case(db, council_id, case_id)
        .await?
        .iter()
        .filter(|r| is_outstanding(r))
        .map(|r| {
            let unapproved = r.kind == RemedyKind::GoodwillPayment && r.approved_at.is_none();
            json!({
                "remedyId": r.id,
                "kind": r.kind,
                "description": r.description,
                "amountPence": r.amount_pence,
                "why": if unapproved { "payment_not_approved" } else { "not_completed" },
            })
        })
        .collect())
}

/// A case's remedies, in the order they were recorded.
pub async fn of_case(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    case_id: Uuid,
) -> Result<Vec<remedy::Model>> {
    Ok(remedy::Entity::find()
        .filter(remedy::Column::CouncilId.eq(council_id))
        .filter(remedy::Column::CaseId.eq(case_id))
        .order_by_asc(remedy::Column::RecordedAt)
        .order_by_asc(remedy::Column::Id)
        .all(db)
        .await?)
}

pub async fn learning_of_case(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    case_id: Uuid,
) -> Result<Vec<learning_point::Model>> {
    Ok(learning_point::Entity::find()
        .filter(learning_point::Column::CouncilId.eq(council_id))
        .filter(learning_point::Column::CaseId.eq(case_id))
        .order_by_asc(learning_point::Column::RecordedAt)
        .order_by_asc(learning_point::Column::Id)
        .all(db)
        .await?)
}

/// Money: positive pence where it applies, refused where it does not.
/// £1,000,000: far above any council's payment, far below where sums
/// and SQLite's integer arithmetic could overflow.
pub const MAX_AMOUNT_PENCE: i64 = 100_000_000;

pub fn check_amount(kind: RemedyKind, amount: Option<i64>) -> Result<()> {
    match (kind, amount) {
        (RemedyKind::GoodwillPayment, None) => Err(AppError::bad_input(
            "amountPence",
            "a goodwill payment needs its amount in pence",
        )),
        (RemedyKind::Apology | RemedyKind::Explanation | RemedyKind::Assurance, Some(_)) => {
            Err(AppError::bad_input(
                "amountPence",
                format!("an {} has no amount", kind_name(kind)),
            ))
        }
        (_, Some(pence)) if pence <= 0 || pence > MAX_AMOUNT_PENCE => Err(AppError::bad_input(
            "amountPence",
            format!(
                "an amount is a positive number of pence, at most {MAX_AMOUNT_PENCE} ({})",
                pounds(MAX_AMOUNT_PENCE)
            ),
        )),
        _ => Ok(()),
    }
}

pub fn kind_name(kind: RemedyKind) -> String {
    sea_orm::ActiveEnum::to_value(&kind).replace('_', " ")
}

/// `£12.50` from 1250 pence.
pub fn pounds(pence: i64) -> String {
    format!("£{}.{:02}", pence / 100, pence % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pence_read_as_pounds() {
        assert_eq!(pounds(5000), "£50.00");
        assert_eq!(pounds(1250), "£12.50");
        assert_eq!(pounds(7), "£0.07");
    }

    #[test]
    fn amounts_follow_the_kind() {
        assert!(check_amount(RemedyKind::GoodwillPayment, None).is_err());
        assert!(check_amount(RemedyKind::GoodwillPayment, Some(0)).is_err());
        assert!(check_amount(RemedyKind::GoodwillPayment, Some(2500)).is_ok());
        assert!(check_amount(RemedyKind::Apology, Some(100)).is_err());
        assert!(check_amount(RemedyKind::Apology, None).is_ok());
        assert!(check_amount(RemedyKind::SpecificAction, None).is_ok());
        assert!(check_amount(RemedyKind::Compensation, Some(-5)).is_err());
    }
}
