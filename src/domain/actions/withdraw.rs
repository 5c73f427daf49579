//! The customer withdraws, themselves or through staff.

use entity::enums::CaseStatus;
use serde_json::json;

use crate::{
    auth::Action,
    domain::{
        actions::pipeline::{Allowed, CaseAction, CaseWork, Decision, Loaded, Step},
        cases::events::EventKind,
        intake::contact,
        text,
    },
    error::Result,
};

pub struct Withdrawal {
    pub reason: Option<String>,
}

impl CaseAction for Withdrawal {
    const ACTION: Action = Action::Withdraw;
    const NAME: &'static str = "withdraw_case";
    type Rows = ();

    fn allowed() -> Allowed {
        Allowed::open("withdrawn")
    }

    async fn decide(self, work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision> {
        let reason = self
            .reason
            .map(|r| contact::required_text("reason", r, text::NOTE_MAX_CHARS))
            .transpose()?;
        let mut after = loaded.case.clone();
        after.status = CaseStatus::Withdrawn;
        after.closed_at = Some(loaded.at);
        let by = if work.as_customer() {
            "the customer"
        } else {
            "staff for the customer"
        };
        let event = Step {
            kind: EventKind::Withdrawn,
            policy_version: None,
            summary: format!("Withdrawn by {by}"),
            data: json!({ "reason": reason }),
        };
        Ok(Decision::new(after, event))
    }
}
