//! Recording a checklist item as done: items the council's policy (or a
//! persistent-complainant restriction) puts on a case, each holding back
//! some actions until someone records it.

use entity::case_requirement;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::json;

use crate::{
    auth::Action,
    domain::{
        actions::pipeline::{
            Allowed, CaseAction, CaseWork, Clocks, Decision, Loaded, Rows, Step, deadline_data,
        },
        cases::{deadlines, events::EventKind},
        intake::contact::optional_text,
        text,
        time::local_date,
    },
    error::{AppError, Result},
    policy::convert::MapBuilder,
};

pub struct CompleteRequirement {
    pub key: String,
    pub note: Option<String>,
}

/// The item marked done and, when its completion starts clocks, the open
/// deadlines of those kinds retired first.
pub struct Done {
    item: case_requirement::ActiveModel,
    replaced: Option<Replaced>,
}

struct Replaced {
    case_id: uuid::Uuid,
    kinds: Vec<entity::enums::DeadlineKind>,
    at: chrono::DateTime<chrono::Utc>,
}

impl Rows for Done {
    async fn write(self, txn: &DatabaseTransaction) -> Result<()> {
        self.item.update(txn).await?;
        if let Some(r) = self.replaced {
            deadlines::supersede(txn, r.case_id, &r.kinds, r.at).await?;
        }
        Ok(())
    }
}

impl CaseAction for CompleteRequirement {
    const ACTION: Action = Action::CompleteRequirement;
    const NAME: &'static str = "complete_requirement";
    type Rows = Done;

    fn allowed() -> Allowed {
        Allowed::any()
    }

    async fn decide(self, work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision<Done>> {
        let key = self.key;
        let note = optional_text("note", self.note, text::NOTE_MAX_CHARS)?;
        let current = &loaded.case;
        let requirement = case_requirement::Entity::find()
            .filter(case_requirement::Column::CouncilId.eq(current.council_id))
            .filter(case_requirement::Column::CaseId.eq(current.id))
            .filter(case_requirement::Column::Key.eq(&key))
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
                    .str("key", key.clone())
                    .date("met", loaded.on())
                    .into_map();
                let (case, on) = (facts.to_map(), loaded.on());
                let out = work
                    .hook(&policy, move |p| p.requirement_met(case, item, on))
                    .await?;
                let specs = work.specs(&policy, out.deadlines, current.stage);
                (Some(policy.version).filter(|_| !specs.is_empty()), specs)
            }
            None => (None, Vec::new()),
        };
        let mut item = requirement.clone().into_active_model();
        item.met_at = sea_orm::Set(Some(loaded.at));
        item.met_by = sea_orm::Set(Some(work.actor.subject.clone()));
        let replaced = policy_version.map(|_| Replaced {
            case_id: current.id,
            kinds: specs.iter().map(|s| s.kind).collect(),
            at: work.now,
        });
        let event = Step {
            kind: EventKind::RequirementMet,
            policy_version: policy_version.or(Some(requirement.policy_version).filter(|v| *v > 0)),
            summary: format!("Done: {}", requirement.label),
            data: json!({ "key": key, "note": note, "deadlines": deadline_data(&specs) }),
        };
        Ok(
            Decision::with_rows(current.clone(), event, Done { item, replaced })
                .clocks(Clocks::default().start(policy_version, &specs)),
        )
    }
}
