//! Moving an open deadline later, within the policy's cap and with the
//! customer's agreement where the policy needs it. The old row is kept,
//! superseded, so the history shows both dates.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::DeadlineKind;
use sea_orm::DatabaseTransaction;
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::Action,
    domain::{
        actions::pipeline::{Allowed, CaseAction, CaseWork, Clocks, Decision, Loaded, Rows, Step},
        cases::{deadlines, events::EventKind},
        intake::contact,
        text,
    },
    error::{AppError, PolicyDetail, Result},
    policy::{DeadlineSpec, convert::MapBuilder},
};

pub struct Extension {
    pub kind: DeadlineKind,
    pub new_due: NaiveDate,
    pub reason: String,
    /// The customer agreed to the new date (some policies require it).
    pub customer_agreed: bool,
}

/// The open deadline the extension replaces.
pub struct Extended {
    case_id: Uuid,
    kind: DeadlineKind,
    new_due: NaiveDate,
    at: DateTime<Utc>,
}

impl Rows for Extended {
    async fn write(self, txn: &DatabaseTransaction) -> Result<()> {
        deadlines::extend(txn, self.case_id, self.kind, self.new_due, self.at).await?;
        Ok(())
    }
}

impl CaseAction for Extension {
    const ACTION: Action = Action::ReportProgress;
    const NAME: &'static str = "extend_deadline";
    type Rows = Extended;

    fn allowed() -> Allowed {
        Allowed::open("given more time")
    }

    async fn decide(self, work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision<Extended>> {
        let current = &loaded.case;
        let reason = contact::required_text("reason", self.reason, text::NOTE_MAX_CHARS)?;
        let kind_name = sea_orm::ActiveEnum::to_value(&self.kind);
        let existing = deadlines::open(&work.state.db, current.id, self.kind)
            .await?
            .ok_or_else(|| {
                AppError::bad_input(
                    "kind",
                    format!("{} has no open {kind_name} deadline", current.reference),
                )
            })?;
        if self.new_due <= existing.due {
            return Err(AppError::bad_input(
                "newDue",
                format!("an extension moves the date later than {}", existing.due),
            ));
        }

        let (policy_version, note) = match work.policy() {
            Some(policy) => {
                let facts = work.facts(current).await?;
                let ext = MapBuilder::default()
                    .str("kind", kind_name.clone())
                    .date("current_due", existing.due)
                    .date("requested_due", self.new_due)
                    .into_map();
                let case = facts.to_map();
                let out = work.hook(&policy, move |p| p.extension(case, ext)).await?;
                let over_cap = out.max_due.is_some_and(|max| self.new_due > max);
                if !out.allowed || over_cap {
                    let message = out
                        .reason
                        .clone()
                        .unwrap_or_else(|| "the policy does not allow this extension".into());
                    return Err(AppError::policy_rejected(
                        match out.max_due {
                            Some(max) => format!("{message} (latest allowed: {max})"),
                            None => message,
                        },
                        PolicyDetail {
                            max_due: out.max_due,
                            ..Default::default()
                        },
                    ));
                }
                if out.needs_customer_agreement && !self.customer_agreed {
                    return Err(AppError::policy_rejected(
                        "this extension needs the customer's agreement; record it with customerAgreed",
                        PolicyDetail {
                            needs_customer_agreement: Some(true),
                            ..Default::default()
                        },
                    ));
                }
                (policy.version, out.reason)
            }
            None => (existing.policy_version, None),
        };

        let spec = DeadlineSpec {
            stage: existing.stage,
            kind: self.kind,
            due: self.new_due,
            explanation: format!(
                "extended from {} by {}: {reason}{}",
                existing.due,
                work.actor.subject,
                note.as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            ),
        };
        let event = Step {
            kind: EventKind::DeadlineExtended,
            policy_version: Some(policy_version),
            summary: format!(
                "{kind_name} deadline extended from {} to {}",
                existing.due, self.new_due
            ),
            data: json!({
                "kind": self.kind,
                "from": existing.due,
                "to": self.new_due,
                "reason": reason,
                "customerAgreed": self.customer_agreed,
            }),
        };
        let extended = Extended {
            case_id: current.id,
            kind: self.kind,
            new_due: self.new_due,
            at: loaded.at,
        };
        Ok(Decision::with_rows(current.clone(), event, extended)
            .clocks(Clocks::default().start(Some(policy_version), &[spec])))
    }
}
