//! The council's staff directory. An officer is known by the `sub` of their
//! token; the row appears the first time they are named (assigned, or act),
//! and a manager may record their name and seniority, which the council's
//! policy maps to a goodwill-payment limit.

use chrono::{DateTime, Utc};
use entity::officer;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, sea_query::OnConflict,
};
use uuid::Uuid;

use crate::{
    auth::Role,
    error::{AppError, Result},
};

/// Who may keep the staff directory.
pub const MAY_MANAGE: &[Role] = &[Role::Dcro, Role::CustomerFeedbackManager];

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

/// The officer with this subject, created on first mention.
pub async fn ensure(
    txn: &impl ConnectionTrait,
    council_id: Uuid,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<officer::Model> {
    let subject = subject.trim();
    if subject.is_empty() || subject.chars().count() > super::text::LINE_MAX_CHARS {
        return Err(AppError::bad_input(
            "officer",
            format!(
                "an officer is named by the non-empty `sub` of their token (at most {} characters)",
                super::text::LINE_MAX_CHARS
            ),
        ));
    }
    let row = officer::Model {
        id: Uuid::now_v7(),
        council_id,
        subject: subject.to_owned(),
        display_name: subject.to_owned(),
        email: None,
        seniority: None,
        service_id: None,
        created_at: now,
    };
    let inserted = officer::Entity::insert(row.into_active_model().reset_all())
        .on_conflict(
            OnConflict::columns([officer::Column::CouncilId, officer::Column::Subject])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await;
    match inserted {
        Ok(_) | Err(DbErr::RecordNotInserted) => {}
        Err(err) => return Err(err.into()),
    }
    by_subject(txn, council_id, subject)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("officer vanished after upsert")))
}

/// What a manager records about a member of staff.
pub struct OfficerDetails {
    pub subject: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub seniority: Option<String>,
}

pub async fn record(
    txn: &impl ConnectionTrait,
    council_id: Uuid,
    details: OfficerDetails,
    now: DateTime<Utc>,
) -> Result<officer::Model> {
    let current = ensure(txn, council_id, &details.subject, now).await?;
    let mut row = current.into_active_model();
    if let Some(name) = details.display_name {
        row.display_name = sea_orm::Set(super::contact::required_text(
            "displayName",
            name,
            super::text::LINE_MAX_CHARS,
        )?);
    }
    if let Some(email) = details.email {
        row.email = sea_orm::Set(Some(super::contact::required_text("email", email, 320)?));
    }
    if let Some(seniority) = details.seniority {
        row.seniority = sea_orm::Set(Some(super::contact::required_text(
            "seniority",
            seniority,
            64,
        )?));
    }
    Ok(row.update(txn).await?)
}
