//! Converting between complaint and service request, with the customer's
//! agreement: a complaint becomes a service request passed to the service
//! and closed here; a service request becomes a complaint whose stage and
//! clocks the policy sets from the original receipt.

use entity::enums::{CaseStatus, ContactKind};
use serde_json::json;

use crate::{
    auth::Action,
    domain::{
        actions::{
            next_stage::Checklist,
            pipeline::{
                Allowed, CaseAction, CaseWork, Clocks, Decision, Loaded, Step, deadline_data,
                require_status,
            },
        },
        cases::events::EventKind,
        intake::contact,
        text,
    },
    error::{AppError, Result},
    policy::IntakeDecision,
};

pub struct Conversion {
    pub to: ContactKind,
    pub reason: String,
    /// The customer agreed (Leeds para 4b: a request the customer calls a
    /// complaint is recorded as one).
    pub customer_agreed: bool,
}

impl CaseAction for Conversion {
    const ACTION: Action = Action::Rescope;
    const NAME: &'static str = "convert_case";
    type Rows = Option<Checklist>;

    fn allowed() -> Allowed {
        // Only a complaint leaving the procedure must be open; a service
        // request becomes a complaint whatever its status.
        Allowed::any()
    }

    async fn decide(
        self,
        work: &CaseWork<'_>,
        loaded: &Loaded,
    ) -> Result<Decision<Option<Checklist>>> {
        let current = &loaded.case;
        let reason = contact::required_text("reason", self.reason, text::NOTE_MAX_CHARS)?;
        if !self.customer_agreed {
            return Err(AppError::bad_input(
                "customerAgreed",
                "a contact is converted only with the customer's agreement; record it",
            ));
        }
        let mut after = current.clone();
        let mut policy_version = None;
        let mut specs = Vec::new();
        let mut checklist = None;
        match (current.kind, self.to) {
            (from, ContactKind::ServiceRequest) if from.is_complaint() => {
                require_status(current, &CaseStatus::open_values(), "converted")?;
                after.kind = ContactKind::ServiceRequest;
                after.stage = None;
                after.status = CaseStatus::Closed;
                after.closed_at = Some(loaded.at);
                after.scope_reason = Some(format!("Converted to a service request: {reason}"));
            }
            (ContactKind::ServiceRequest, to) if to.is_complaint() => {
                let mut facts = work.facts(current).await?.contact;
                facts.kind = to;
                let decision = match work.policy() {
                    Some(policy) => {
                        work.hook(&policy, move |p| IntakeDecision::from_policy(p, &facts))
                            .await?
                    }
                    None => IntakeDecision::without_policy(to),
                };
                policy_version = decision.policy_version;
                specs = decision.deadlines;
                checklist = policy_version.map(|version| {
                    Checklist::new(work, current.id, version, decision.requirements)
                });
                after.kind = to;
                after.stage = decision.stage;
                after.status = CaseStatus::Received;
                after.closed_at = None;
                after.scope_reason = None;
                after.signpost = None;
                after.stage_started_at = Some(current.received_at);
                after.acknowledged_at = None;
                after.responded_at = None;
                after.last_update_at = None;
            }
            (from, to) => {
                return Err(AppError::bad_input(
                    "to",
                    format!(
                        "a {} cannot be converted to a {}; conversion is between complaints and service requests",
                        sea_orm::ActiveEnum::to_value(&from).replace('_', " "),
                        sea_orm::ActiveEnum::to_value(&to).replace('_', " ")
                    ),
                ));
            }
        }
        let event = Step {
            kind: EventKind::Converted,
            policy_version,
            summary: format!(
                "Converted to {} with the customer's agreement",
                sea_orm::ActiveEnum::to_value(&self.to).replace('_', " ")
            ),
            data: json!({
                "from": current.kind,
                "to": self.to,
                "reason": reason,
                "customerAgreed": true,
                "deadlines": deadline_data(&specs),
            }),
        };
        let clocks = Clocks::default()
            .retiring_open()
            .start(policy_version, &specs);
        Ok(Decision::with_rows(after, event, checklist).clocks(clocks))
    }
}
