//! Reopening a finished case. The policy's `reopened` hook sets the clocks
//! it runs on from the reopening; without one it has none until a later
//! action.

use entity::enums::CaseStatus;
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
    },
    error::Result,
    policy::{IntakeDecision, hooks},
};

pub struct Reopening {
    pub reason: String,
}

impl CaseAction for Reopening {
    const ACTION: Action = Action::Reopen;
    const NAME: &'static str = "reopen_case";
    type Rows = ();

    fn allowed() -> Allowed {
        Allowed::from(
            &[
                CaseStatus::Closed,
                CaseStatus::Withdrawn,
                CaseStatus::OutOfScope,
            ],
            "reopened",
        )
    }

    async fn decide(self, work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision> {
        let current = &loaded.case;
        let reason = contact::required_text("reason", self.reason, text::NOTE_MAX_CHARS)?;
        let mut after = current.clone();
        after.status = if current.acknowledged_at.is_some() {
            CaseStatus::InProgress
        } else {
            CaseStatus::Received
        };
        after.closed_at = None;
        // The stage runs again from the reopening: hooks count its clocks, and
        // which updates belong to it, from `stage_received`.
        after.stage_started_at = Some(loaded.at);
        let (policy_version, specs) = match work.policy() {
            Some(policy) => {
                let mut facts = work.facts(&after).await?;
                // A complaint logged out of scope never entered a stage: it
                // enters the one the policy gives a complaint.
                if after.stage.is_none() && after.kind.is_complaint() {
                    let contact = facts.contact.clone();
                    after.stage = work
                        .hook(&policy, move |p| IntakeDecision::from_policy(p, &contact))
                        .await?
                        .stage;
                    facts.stage = after.stage;
                }
                let case = hooks::reopening(
                    facts.to_map(),
                    loaded.on(),
                    &sea_orm::ActiveEnum::to_value(&current.status),
                );
                let on = loaded.on();
                let out = work.hook(&policy, move |p| p.reopened(case, on)).await?;
                (
                    Some(policy.version),
                    work.specs(&policy, out.deadlines, after.stage),
                )
            }
            None => (None, Vec::new()),
        };
        let event = Step {
            kind: EventKind::Reopened,
            policy_version,
            summary: format!("Reopened: {reason}"),
            data: json!({
                "reason": reason,
                "was": current.status,
                "deadlines": deadline_data(&specs),
            }),
        };
        Ok(Decision::new(after, event).clocks(Clocks::default().start(policy_version, &specs)))
    }
}
