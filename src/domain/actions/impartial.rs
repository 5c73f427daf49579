//! At a review stage the answer comes from someone impartial: who took part
//! in an earlier stage neither reviews nor answers it.

use entity::{case, case_event, enums::Stage};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    auth::{Action, Reach},
    domain::{actions::pipeline::CaseWork, cases::events::EventKind, people::officers},
    error::{AppError, Result},
};

/// At a review stage the answer comes from the appointed reviewer, or a
/// manager who took no part in an earlier stage. The officer who
/// investigated stage 1 keeps working the case but does not answer it.
pub async fn ensure_impartial_answer(work: &CaseWork<'_>, case: &case::Model) -> Result<()> {
    if !matches!(case.stage, Some(Stage::Stage2 | Stage::Stage3)) {
        return Ok(());
    }
    let db = &work.state.db;
    let me = officers::by_subject(db, work.council.id, &work.actor.subject)
        .await?
        .map(|o| o.id);
    if me.is_some() && case.stage2_reviewer_id == me {
        return Ok(());
    }
    let manager = work.actor.reach(Action::Respond) == Some(Reach::Council);
    if manager && !took_part(db, case, &work.actor.subject, me).await? {
        return Ok(());
    }
    Err(AppError::Forbidden(format!(
        "{} is answered at this stage by its appointed reviewer, or by a manager who took no part in an earlier stage",
        case.reference
    )))
}

/// Investigated the case (its assignee) or sent one of its responses.
pub async fn took_part(
    db: &impl ConnectionTrait,
    case: &case::Model,
    subject: &str,
    officer_id: Option<Uuid>,
) -> Result<bool> {
    if officer_id.is_some() && case.assignee_id == officer_id {
        return Ok(true);
    }
    let answered = case_event::Entity::find()
        .filter(case_event::Column::CouncilId.eq(case.council_id))
        .filter(case_event::Column::CaseId.eq(case.id))
        .filter(case_event::Column::Kind.eq(EventKind::Responded.as_str()))
        .filter(case_event::Column::ActorSubject.eq(subject))
        .count(db)
        .await?;
    Ok(answered > 0)
}
