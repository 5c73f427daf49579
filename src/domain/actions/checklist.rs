//! A case's checklist: items the council's policy (or a persistent-complainant
//! restriction) puts on a case, each blocking some actions until someone
//! records it as done.

use entity::{case, case_requirement};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use serde_json::json;
use tracing::instrument;

use crate::{
    domain::{
        actions::pipeline::{CaseWork, Step, Target, deadline_data},
        cases::{deadlines, events::EventKind},
        intake::contact::optional_text,
        text,
        time::local_date,
    },
    error::{AppError, Result},
    policy::convert::MapBuilder,
};

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

    // Some clocks run from an item being done (Leeds para 22: the stage II
    // outcome from the agreed written statement); the policy sets them.
    let (policy_version, specs) = match work.policy() {
        Some(policy) => {
            let facts = work.facts(current).await?;
            let item = MapBuilder::default()
                .str("key", key)
                .date("met", loaded.on())
                .into_map();
            let out = policy
                .requirement_met(facts.to_map(), item, loaded.on())
                .map_err(|p| work.policy_failed(&policy, p))?;
            let specs = work.specs(&policy, out.deadlines, current.stage);
            (Some(policy.version).filter(|_| !specs.is_empty()), specs)
        }
        None => (None, Vec::new()),
    };
    let txn = work.begin().await?;
    let mut row = requirement.clone().into_active_model();
    row.met_at = sea_orm::Set(Some(loaded.at));
    row.met_by = sea_orm::Set(Some(work.actor.subject.clone()));
    row.update(&txn).await?;
    if let Some(version) = policy_version {
        let kinds: Vec<_> = specs.iter().map(|s| s.kind).collect();
        deadlines::supersede(&txn, current.id, &kinds, work.now).await?;
        deadlines::insert(&txn, work.council.id, current.id, version, &specs, work.now).await?;
    }
    let step = Step {
        kind: EventKind::RequirementMet,
        policy_version: policy_version.or(Some(requirement.policy_version).filter(|v| *v > 0)),
        summary: format!("Done: {}", requirement.label),
        data: json!({ "key": key, "note": note, "deadlines": deadline_data(&specs) }),
    };
    work.finish(txn, &loaded, current.clone(), step).await
}
