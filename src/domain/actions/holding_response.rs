//! Keeping the customer informed while a stage takes longer: a holding
//! response, after which the policy says when the next is due (Leeds: at
//! least every two weeks once the standard is missed).

use chrono::NaiveDate;
use entity::enums::{CaseStatus, DeadlineKind};
use serde_json::json;

use crate::{
    auth::Action,
    domain::{
        actions::pipeline::{
            Allowed, CaseAction, CaseWork, Clocks, Decision, Loaded, Step, deadline_data,
        },
        cases::events::EventKind,
        intake::contact,
        text,
        time::local_date,
    },
    error::{AppError, Result},
    policy::{DeadlineSpec, hooks::DeadlineOut},
};

pub struct HoldingResponse {
    pub reason: String,
    /// The new date the customer was given for the answer.
    pub expected_by: NaiveDate,
}

impl CaseAction for HoldingResponse {
    const ACTION: Action = Action::ReportProgress;
    const NAME: &'static str = "record_holding_response";
    type Rows = ();

    fn allowed() -> Allowed {
        Allowed::from(
            &[CaseStatus::Acknowledged, CaseStatus::InProgress],
            "sent a holding response",
        )
    }

    async fn decide(self, work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision> {
        let current = &loaded.case;
        let reason = contact::required_text("reason", self.reason, text::NOTE_MAX_CHARS)?;
        if self.expected_by < loaded.on() {
            return Err(AppError::bad_input(
                "expectedBy",
                "the new expected date cannot be before the holding response",
            ));
        }
        let mut after = current.clone();
        after.status = CaseStatus::InProgress;
        after.last_update_at = Some(loaded.at);

        let mut next = Vec::new();
        let mut policy_version = None;
        if let Some(policy) = work.policy() {
            let facts = work.facts(&after).await?;
            let (case, received) = (facts.to_map(), local_date(current.received_at));
            let due = work
                .hook(&policy, move |p| p.holding_response(case, received))
                .await?;
            if let Some(due) = due.filter(|d| d.due >= loaded.on()) {
                next.push(DeadlineSpec::from_hook(
                    DeadlineOut {
                        kind: DeadlineKind::HoldingResponse,
                        due: due.due,
                        explanation: due.explanation,
                    },
                    current.stage,
                    &work.council.slug,
                    policy.version,
                ));
            }
            policy_version = Some(policy.version);
        }
        let event = Step {
            kind: EventKind::HoldingResponse,
            policy_version,
            summary: format!("Holding response: answer expected by {}", self.expected_by),
            data: json!({
                "reason": reason,
                "expectedBy": self.expected_by,
                "deadlines": deadline_data(&next),
            }),
        };
        let clocks = Clocks::meeting(&[DeadlineKind::HoldingResponse]).start(policy_version, &next);
        Ok(Decision::new(after, event).clocks(clocks))
    }
}
