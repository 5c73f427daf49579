//! A case's checklist: items the council's policy (or a persistent-complainant
//! restriction) puts on a case, each blocking some actions until someone
//! records it as done.

use entity::{case, case_requirement};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use serde_json::json;
use tracing::instrument;

use super::{
    contact::optional_text,
    events::EventKind,
    intake::local_date,
    text,
    work::{CaseWork, Step, Target},
};
use crate::{
    auth::Role,
    error::{AppError, Result},
};

/// Staff who may record that a case's checklist item is done (an
/// investigating officer on the cases assigned to them).
pub const MAY_COMPLETE: &[Role] = &[
    Role::Frontline,
    Role::InvestigatingOfficer,
    Role::Dcro,
    Role::CustomerFeedbackManager,
];

/// Records that a checklist item on the case is done (for a restricted
/// customer's contact: that it was checked for new issues).
#[instrument(skip_all, fields(council = %work.council.slug, case = %target.case_id))]
pub async fn complete(
    work: &CaseWork<'_>,
    target: Target,
    key: &str,
    note: Option<String>,
) -> Result<case::Model> {
    let note = optional_text("note", note, text::NOTE_MAX_CHARS)?;
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    work.ensure_may_work(current).await?;
    let requirement = case_requirement::Entity::find()
        .filter(case_requirement::Column::CouncilId.eq(current.council_id))
        .filter(case_requirement::Column::CaseId.eq(current.id))
        .filter(case_requirement::Column::Key.eq(key))
        .one(&work.state.db)
        .await?
        .ok_or_else(|| {
            AppError::bad_input(
                "key",
                format!("{} has no checklist item `{key}`", current.reference),
            )
        })?;
    if let Some(met) = requirement.met_at {
        return Err(AppError::bad_input(
            "key",
            format!(
                "`{key}` was already recorded as done on {} by {}",
                local_date(met),
                requirement.met_by.as_deref().unwrap_or("someone")
            ),
        ));
    }

    let txn = work.begin().await?;
    let mut row = requirement.clone().into_active_model();
    row.met_at = sea_orm::Set(Some(loaded.at));
    row.met_by = sea_orm::Set(Some(work.actor.subject.clone()));
    row.update(&txn).await?;
    let step = Step {
        kind: EventKind::RequirementMet,
        policy_version: Some(requirement.policy_version).filter(|v| *v > 0),
        summary: format!("Done: {}", requirement.label),
        data: json!({ "key": key, "note": note }),
    };
    work.finish(txn, &loaded, current.clone(), step).await
}
