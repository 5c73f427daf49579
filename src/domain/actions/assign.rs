//! Who works a case: the investigating officer, and at stage 2 an impartial
//! reviewer who had no part in the earlier stage.

use entity::{
    case, case_event,
    enums::{CaseStatus, Stage},
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::Reach,
    domain::{
        actions::pipeline::{CaseWork, Step, Target},
        cases::events::EventKind,
        people::officers,
    },
    error::{AppError, Result},
};

pub async fn assign_investigator(
    work: &CaseWork<'_>,
    target: Target,
    officer_subject: &str,
) -> Result<case::Model> {
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    require_open(current, "assigned")?;
    let txn = work.begin().await?;
    let officer = officers::named(&txn, work.council.id, "officer", officer_subject).await?;
    if current.assignee_id == Some(officer.id) {
        return Err(AppError::bad_input(
            "officer",
            format!(
                "{} is already assigned to {}",
                current.reference, officer.subject
            ),
        ));
    }
    let previous = match current.assignee_id {
        Some(id) => entity::officer::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .map(|o| o.subject),
        None => None,
    };
    let mut after = current.clone();
    after.assignee_id = Some(officer.id);
    let summary = match &previous {
        Some(from) => format!("Reassigned from {from} to {}", officer.subject),
        None => format!("Assigned to {}", officer.subject),
    };
    let step = Step {
        kind: EventKind::InvestigatorAssigned,
        policy_version: None,
        summary,
        data: json!({ "officer": officer.subject, "previous": previous }),
    };
    work.finish(txn, &loaded, after, step).await
}

/// The stage 2 (or 3) review is done by someone impartial: not the officer
/// who investigated the earlier stage and not anyone who sent an earlier
/// stage's response.
pub async fn appoint_reviewer(
    work: &CaseWork<'_>,
    target: Target,
    officer_subject: &str,
) -> Result<case::Model> {
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    require_open(current, "given a reviewer")?;
    if !matches!(current.stage, Some(Stage::Stage2 | Stage::Stage3)) {
        return Err(AppError::bad_input(
            "caseId",
            format!(
                "{} is not at a review stage; a reviewer is appointed after escalation",
                current.reference
            ),
        ));
    }
    let txn = work.begin().await?;
    let officer = officers::named(&txn, work.council.id, "officer", officer_subject).await?;
    if took_part(&txn, current, &officer.subject, Some(officer.id)).await? {
        return Err(AppError::PolicyRejected {
            message: format!(
                "{} took part in an earlier stage of {}; the review must be impartial",
                officer.subject, current.reference
            ),
            detail: None,
        });
    }
    let mut after = current.clone();
    after.stage2_reviewer_id = Some(officer.id);
    let step = Step {
        kind: EventKind::ReviewerAppointed,
        policy_version: None,
        summary: format!("{} appointed to review", officer.subject),
        data: json!({ "officer": officer.subject, "stage": current.stage }),
    };
    work.finish(txn, &loaded, after, step).await
}

/// At a review stage the answer comes from someone impartial: the appointed
/// reviewer, or a manager who took no part in an earlier stage. The officer
/// who investigated stage 1 keeps working the case but does not answer it.
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
    let manager = work.actor.reach(work.action) == Some(Reach::Council);
    if manager && !took_part(db, case, &work.actor.subject, me).await? {
        return Ok(());
    }
    Err(AppError::Forbidden(format!(
        "{} is answered at this stage by its appointed reviewer, or by a manager who took no part in an earlier stage",
        case.reference
    )))
}

/// Investigated the case (its assignee) or sent one of its responses.
async fn took_part(
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

fn require_open(case: &case::Model, doing: &str) -> Result<()> {
    crate::domain::actions::pipeline::require_status(case, &CaseStatus::open_values(), doing)
}
