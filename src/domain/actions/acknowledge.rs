//! Acknowledging a contact, at its first stage or after an escalation.

use entity::enums::{CaseStatus, Channel, DeadlineKind};
use serde_json::json;

use crate::{
    auth::Action,
    domain::{
        actions::pipeline::{
            Allowed, CaseAction, CaseWork, Clocks, Decision, Loaded, Step, deadline_data,
        },
        cases::events::EventKind,
    },
    error::{AppError, Result},
};

pub struct Acknowledgement {
    /// How they were told; defaults to the channel the contact came in by.
    pub channel: Option<Channel>,
    /// What the acknowledgement told the customer.
    pub handler: Option<String>,
    pub contact_details: Option<String>,
    pub expected_by: Option<chrono::NaiveDate>,
}

impl CaseAction for Acknowledgement {
    const ACTION: Action = Action::Acknowledge;
    const NAME: &'static str = "acknowledge";
    const CHECKLIST: bool = true;
    type Rows = ();

    fn allowed() -> Allowed {
        Allowed::from(
            &[
                CaseStatus::Received,
                CaseStatus::EscalationRequested,
                CaseStatus::WithOmbudsman,
            ],
            "acknowledged",
        )
    }

    async fn decide(self, work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision> {
        let current = &loaded.case;
        let mut after = current.clone();
        // An ombudsman's enquiry is acknowledged too (East Cambridgeshire 4.7);
        // the case stays with the ombudsman.
        if current.status != CaseStatus::WithOmbudsman {
            after.status = CaseStatus::Acknowledged;
        }
        after.acknowledged_at = Some(loaded.at);

        let (policy_version, new_deadlines) = match work.policy() {
            Some(policy) => {
                let facts = work.facts(&after).await?;
                let (case, on) = (facts.to_map(), loaded.on());
                let out = work
                    .hook(&policy, move |p| p.acknowledged(case, on))
                    .await?;
                let specs = work.specs(&policy, out.deadlines, current.stage);
                (Some(policy.version), specs)
            }
            None => (None, Vec::new()),
        };
        let channel = self.channel.unwrap_or(current.channel);
        if let Some(expected) = self.expected_by
            && expected < loaded.on()
        {
            return Err(AppError::bad_input(
                "expectedBy",
                "the date the customer was given cannot be before the acknowledgement",
            ));
        }
        let event = Step {
            kind: EventKind::Acknowledged,
            policy_version,
            summary: format!(
                "Acknowledged by {}",
                sea_orm::ActiveEnum::to_value(&channel)
            ),
            data: json!({
                "channel": channel,
                "handler": self.handler,
                "contact": self.contact_details,
                "expectedBy": self.expected_by,
                "deadlines": deadline_data(&new_deadlines),
            }),
        };
        let clocks =
            Clocks::meeting(&[DeadlineKind::Acknowledge]).start(policy_version, &new_deadlines);
        Ok(Decision::new(after, event).clocks(clocks))
    }
}
