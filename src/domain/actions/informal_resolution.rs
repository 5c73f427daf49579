//! The outcome at the informal stage: put right at the first point of
//! contact, or registered at the policy's next stage.

use entity::{
    case,
    enums::{CaseStatus, Stage},
};
use serde_json::json;

use crate::{
    auth::Action,
    domain::{
        actions::{
            closing::{Ending, ensure_may_close},
            next_stage::{self, Checklist, Request},
            pipeline::{
                ANSWERED, Allowed, CaseAction, CaseWork, Clocks, Decision, Loaded, Step,
                require_status,
            },
        },
        cases::events::EventKind,
        intake::contact,
        text,
    },
    error::{AppError, Result},
};

pub struct InformalOutcome {
    /// Put right at the first point of contact; otherwise the complaint is
    /// registered at the policy's next stage.
    pub resolved: bool,
    pub summary: String,
}

impl CaseAction for InformalOutcome {
    const ACTION: Action = Action::ResolveInformally;
    const NAME: &'static str = "record_informal_resolution";
    type Rows = Option<Checklist>;

    fn allowed() -> Allowed {
        // Checked in `admit`, after the stage, which says more.
        Allowed::any()
    }

    async fn admit(&self, _work: &CaseWork<'_>, case: &case::Model) -> Result<()> {
        if case.stage != Some(Stage::Informal) {
            return Err(AppError::bad_input(
                "caseId",
                format!("{} is not at the informal stage", case.reference),
            ));
        }
        require_status(case, &CaseStatus::open_values(), "resolved informally")
    }

    async fn decide(
        self,
        work: &CaseWork<'_>,
        loaded: &Loaded,
    ) -> Result<Decision<Option<Checklist>>> {
        let current = &loaded.case;
        let summary = contact::required_text("summary", self.summary, text::STATEMENT_MAX_CHARS)?;
        if !self.resolved {
            let moved = next_stage::advance(
                work,
                loaded,
                Request {
                    verbal: false,
                    discretion: false,
                    kind: EventKind::InformalResolution,
                    details: json!({ "resolved": false, "summary": summary }),
                },
            )
            .await?;
            return Ok(Decision {
                after: moved.after,
                clocks: moved.clocks,
                rows: Some(moved.rows),
                event: moved.event,
            });
        }
        let policy_version = ensure_may_close(work, current, Ending::InformalResolution).await?;
        let mut after = current.clone();
        after.status = CaseStatus::Closed;
        after.closed_at = Some(loaded.at);
        after.responded_at = Some(loaded.at);
        after.last_update_at = Some(loaded.at);
        let event = Step {
            kind: EventKind::InformalResolution,
            policy_version,
            summary: "Resolved at the first point of contact".into(),
            data: json!({ "resolved": true, "summary": summary }),
        };
        Ok(Decision::with_rows(after, event, None).clocks(Clocks::meeting(ANSWERED)))
    }
}
