//! The council's staff directory. An officer is known by the `sub` of their
//! token once a manager records them (`recordOfficer`); work is only ever
//! given to a known officer, so a mistyped name is refused rather than
//! becoming a new member of staff. Their seniority is one of the grades the
//! council's policy names, and the policy maps it to a goodwill limit: nobody
//! sets their own, and every change is kept with who made it and when.

use chrono::{DateTime, Utc};
use entity::{officer, officer_change};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    auth::{Action, Actor},
    councils::Council,
    db,
    domain::intake::contact::required_text,
    error::{AppError, Result},
    state::AppState,
};

pub async fn by_subject(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    subject: &str,
) -> Result<Option<officer::Model>> {
    Ok(officer::Entity::find()
        .filter(officer::Column::CouncilId.eq(council_id))
        .filter(officer::Column::Subject.eq(subject))
        .one(db)
        .await?)
}

/// The known officer an input names; anyone else is BAD_USER_INPUT on `field`.
pub async fn named(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    field: &'static str,
    subject: &str,
) -> Result<officer::Model> {
    by_subject(db, council_id, subject.trim())
        .await?
        .ok_or_else(|| {
            AppError::bad_input(
                field,
                format!(
                    "`{}` is not an officer of this council; record them with recordOfficer first (see `officers`)",
                    subject.trim()
                ),
            )
        })
}

/// The council's staff, by subject.
pub async fn directory(db: &impl ConnectionTrait, council_id: Uuid) -> Result<Vec<officer::Model>> {
    Ok(officer::Entity::find()
        .filter(officer::Column::CouncilId.eq(council_id))
        .order_by_asc(officer::Column::Subject)
        .all(db)
        .await?)
}

/// The changes to one officer's entry, oldest first.
pub async fn changes(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    subject: &str,
) -> Result<Vec<officer_change::Model>> {
    let officer = named(db, council_id, "subject", subject).await?;
    Ok(officer_change::Entity::find()
        .filter(officer_change::Column::CouncilId.eq(council_id))
        .filter(officer_change::Column::OfficerId.eq(officer.id))
        .order_by_asc(officer_change::Column::ChangedAt)
        .order_by_asc(officer_change::Column::Id)
        .all(db)
        .await?)
}

/// What a manager records about a member of staff.
pub struct OfficerDetails {
    pub subject: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub seniority: Option<String>,
}

/// Records (or creates) an officer's entry and its change, in one transaction.
pub async fn record(
    state: &AppState,
    council: &Council,
    actor: &Actor,
    details: OfficerDetails,
    now: DateTime<Utc>,
) -> Result<officer::Model> {
    let subject = details.subject.trim().to_owned();
    if subject.is_empty() || subject.chars().count() > crate::domain::text::LINE_MAX_CHARS {
        return Err(AppError::bad_input(
            "subject",
            format!(
                "an officer is named by the non-empty `sub` of their token (at most {} characters)",
                crate::domain::text::LINE_MAX_CHARS
            ),
        ));
    }
    let display_name = details
        .display_name
        .map(|n| required_text("displayName", n, crate::domain::text::LINE_MAX_CHARS))
        .transpose()?;
    let email = details
        .email
        .map(|e| required_text("email", e, crate::domain::text::EMAIL_MAX_CHARS))
        .transpose()?;
    let seniority = match details.seniority {
        Some(grade) => Some(check_seniority(state, council, actor, &subject, grade)?),
        None => None,
    };

    let txn = db::begin_write(&state.db).await?;
    let current = by_subject(&txn, council.id, &subject).await?;
    let old = current.as_ref().map(entry);
    let mut row = match current {
        Some(found) => found,
        None => officer::Model {
            id: Uuid::now_v7(),
            council_id: council.id,
            subject: subject.clone(),
            display_name: subject.clone(),
            email: None,
            seniority: None,
            service_id: None,
            created_at: now,
        },
    };
    let created = old.is_none();
    row.display_name = display_name.unwrap_or(row.display_name);
    row.email = email.or(row.email);
    row.seniority = seniority.or(row.seniority);
    let new = entry(&row);
    if old.as_ref() == Some(&new) {
        return Ok(row);
    }
    let saved = if created {
        row.into_active_model().reset_all().insert(&txn).await?
    } else {
        row.into_active_model().reset_all().update(&txn).await?
    };
    officer_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        council_id: Set(council.id),
        officer_id: Set(saved.id),
        changed_by: Set(actor.subject.clone()),
        changed_at: Set(now),
        old: Set(old),
        new: Set(new),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// A grade is set by those the matrix allows, never on oneself (it sets the
/// goodwill limit), and only to a grade the council's policy names.
fn check_seniority(
    state: &AppState,
    council: &Council,
    actor: &Actor,
    subject: &str,
    grade: String,
) -> Result<String> {
    actor.require(Action::SetSeniority)?;
    if subject == actor.subject {
        return Err(AppError::Forbidden(
            "nobody sets their own seniority: it decides the goodwill payments they may approve"
                .into(),
        ));
    }
    let grades = state
        .policies
        .get(council.id)
        .map(|p| p.seniorities().to_vec())
        .unwrap_or_default();
    let grade = grade.trim().to_owned();
    if grades.contains(&grade) {
        return Ok(grade);
    }
    let known = if grades.is_empty() {
        "its policy names no grades (a `seniorities` hook)".to_owned()
    } else {
        format!("its policy names: {}", grades.join(", "))
    };
    Err(AppError::bad_input(
        "seniority",
        format!("`{grade}` is not a grade of {}; {known}", council.slug),
    ))
}

/// The recorded part of an entry, as a change keeps it.
fn entry(o: &officer::Model) -> Value {
    json!({ "displayName": o.display_name, "email": o.email, "seniority": o.seniority })
}
