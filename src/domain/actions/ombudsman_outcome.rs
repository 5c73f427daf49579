//! The ombudsman's decision; it closes the case.

use entity::enums::{CaseStatus, Outcome};
use serde_json::json;

use crate::{
    auth::Action,
    domain::{
        actions::{
            closing::{Ending, ensure_may_close},
            ombudsman_enquiry::ombudsman_name,
            pipeline::{Allowed, CaseAction, CaseWork, Decision, Loaded, Step},
        },
        cases::events::EventKind,
        intake::contact,
        text,
    },
    error::{AppError, Result},
};

pub struct OmbudsmanDecision {
    pub outcome: Outcome,
    pub summary: String,
}

impl CaseAction for OmbudsmanDecision {
    const ACTION: Action = Action::LiaiseWithOmbudsman;
    const NAME: &'static str = "record_ombudsman_outcome";
    type Rows = ();

    fn allowed() -> Allowed {
        Allowed::from(&[CaseStatus::WithOmbudsman], "given an ombudsman decision")
    }

    async fn decide(self, work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision> {
        let current = &loaded.case;
        let summary = contact::required_text("summary", self.summary, text::NARRATIVE_MAX_CHARS)?;
        let Some(ombudsman) = current.ombudsman else {
            return Err(AppError::bad_input(
                "caseId",
                "no ombudsman enquiry is recorded",
            ));
        };
        let policy_version = ensure_may_close(work, current, Ending::OmbudsmanDecision).await?;
        let mut after = current.clone();
        after.status = CaseStatus::Closed;
        after.closed_at = Some(loaded.at);
        after.outcome = Some(self.outcome);
        let outcome = sea_orm::ActiveEnum::to_value(&self.outcome).replace('_', " ");
        let event = Step {
            kind: EventKind::OmbudsmanOutcome,
            policy_version,
            summary: format!("{} decision: {outcome}", ombudsman_name(ombudsman)),
            data: json!({ "ombudsman": ombudsman, "outcome": self.outcome, "summary": summary }),
        };
        Ok(Decision::new(after, event))
    }
}
