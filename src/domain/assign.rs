//! Who works a case: the investigating officer, and at stage 2 an impartial
//! reviewer who had no part in the earlier stage.

use entity::{
    case, case_event,
    enums::{CaseStatus, Stage},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use super::{
    events::EventKind,
    officers,
    work::{CaseWork, Step, Target},
};
use crate::{
    auth::Role,
    error::{AppError, Result},
};

/// Departmental Customer Relations Officers and feedback managers allocate work.
pub const MAY_ASSIGN: &[Role] = &[Role::Dcro, Role::CustomerFeedbackManager];

pub async fn assign_investigator(
    work: &CaseWork<'_>,
    target: Target,
    officer_subject: &str,
) -> Result<case::Model> {
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    require_open(current, "assigned")?;
    let txn = work.begin().await?;
    let officer = officers::ensure(&txn, work.council.id, officer_subject, work.now).await?;
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
    let officer = officers::ensure(&txn, work.council.id, officer_subject, work.now).await?;
    let answered_before = case_event::Entity::find()
        .filter(case_event::Column::CouncilId.eq(work.council.id))
        .filter(case_event::Column::CaseId.eq(current.id))
        .filter(case_event::Column::Kind.eq(EventKind::Responded.as_str()))
        .filter(case_event::Column::ActorSubject.eq(officer.subject.clone()))
        .count(&txn)
        .await?
        > 0;
    if current.assignee_id == Some(officer.id) || answered_before {
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

fn require_open(case: &case::Model, doing: &str) -> Result<()> {
    super::work::require_status(case, &CaseStatus::open_values(), doing)
}
