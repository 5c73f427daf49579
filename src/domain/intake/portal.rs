//! Linking a customer record staff keep to the customer's portal account, so
//! the cases staff logged for them (by phone, letter, in person) reach their
//! portal. Staff link once they have checked whose account it is: a token
//! carries no verified email to match on, and matching on an address typed
//! into the portal would show one person another's cases.

use entity::{case, customer};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr};
use serde_json::json;
use uuid::Uuid;

use crate::{
    db,
    domain::{
        cases::events::{self, EventKind, NewEvent},
        intake::contact::required_text,
        people::persistent::Deciding,
    },
    error::{AppError, Result},
    live::feed::CaseChanged,
};

/// Links the record to the portal account `portal_subject` (the `sub` of the
/// customer's token) and notes it on each of the record's cases. Linking
/// again to the same account changes nothing; a record linked to another
/// account is a CONFLICT.
pub async fn link(
    by: &Deciding<'_>,
    customer_id: Uuid,
    portal_subject: String,
) -> Result<customer::Model> {
    let subject = required_text(
        "portalSubject",
        portal_subject,
        crate::domain::text::LINE_MAX_CHARS,
    )?;
    let txn = db::begin_write(&by.state.db).await?;
    let mut record = customer::Entity::find_by_id(customer_id)
        .filter(customer::Column::CouncilId.eq(by.council.id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("customer"))?;
    match &record.portal_subject {
        Some(linked) if *linked == subject => return Ok(record),
        Some(_) => return Err(already_linked()),
        None => {}
    }
    let updated = customer::Entity::update_many()
        .col_expr(
            customer::Column::PortalSubject,
            Expr::value(subject.clone()),
        )
        .filter(customer::Column::Id.eq(record.id))
        .filter(customer::Column::PortalSubject.is_null())
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(already_linked());
    }
    record.portal_subject = Some(subject.clone());

    let cases = case::Entity::find()
        .filter(case::Column::CouncilId.eq(by.council.id))
        .filter(case::Column::CustomerId.eq(record.id))
        .order_by_asc(case::Column::CreatedAt)
        .all(&txn)
        .await?;
    let mut changes = Vec::with_capacity(cases.len());
    for case in cases {
        let event = NewEvent {
            case_id: case.id,
            kind: EventKind::PortalLinked,
            actor: by.actor,
            occurred_at: by.now,
            policy_version: None,
            summary: format!("Linked to the customer's portal account {subject}"),
            data: json!({ "customerId": record.id, "portalSubject": subject }),
        };
        let event = events::append(&txn, event, by.now).await?;
        changes.push(CaseChanged::new(&case, &event));
    }
    txn.commit().await?;
    for change in changes {
        by.state.feed.publish(change);
    }
    Ok(record)
}

fn already_linked() -> AppError {
    AppError::Conflict("this customer record is already linked to another portal account".into())
}
