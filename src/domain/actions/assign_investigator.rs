//! Giving the case to an investigating officer, or handing it to another.

use entity::case;
use sea_orm::EntityTrait;
use serde_json::json;

use crate::{
    auth::Action,
    domain::{
        actions::pipeline::{Allowed, CaseAction, CaseWork, Decision, Loaded, Step},
        cases::events::EventKind,
        people::officers,
    },
    error::{AppError, Result},
};

pub struct AssignInvestigator {
    /// The officer's token `sub`.
    pub officer: String,
}

impl CaseAction for AssignInvestigator {
    const ACTION: Action = Action::AssignInvestigator;
    const NAME: &'static str = "assign_investigator";
    type Rows = ();

    fn allowed() -> Allowed {
        Allowed::open("assigned")
    }

    async fn decide(self, work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision> {
        let current = &loaded.case;
        let db = &work.state.db;
        let officer = officers::named(db, work.council.id, "officer", &self.officer).await?;
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
                .one(db)
                .await?
                .map(|o| o.subject),
            None => None,
        };
        let mut after: case::Model = current.clone();
        after.assignee_id = Some(officer.id);
        let summary = match &previous {
            Some(from) => format!("Reassigned from {from} to {}", officer.subject),
            None => format!("Assigned to {}", officer.subject),
        };
        let event = Step {
            kind: EventKind::InvestigatorAssigned,
            policy_version: None,
            summary,
            data: json!({ "officer": officer.subject, "previous": previous }),
        };
        Ok(Decision::new(after, event))
    }
}
