//! Closing a case once the policy's checklist and closing rule allow it
//! (East Cambridgeshire: not without its Learning From Complaints record).
//! Work still owed to the customer does not vanish silently: closing with
//! any of it outstanding takes a reason, kept on the `closed` event.

use entity::enums::CaseStatus;
use serde_json::json;

use crate::{
    auth::Action,
    domain::{
        actions::{
            closing::{self, Ending},
            pipeline::{Allowed, CaseAction, CaseWork, Decision, Loaded, Step, status_name},
        },
        cases::{events::EventKind, remedies},
        intake::contact,
        text,
    },
    error::{AppError, PolicyDetail, Result},
};

pub struct Closing {
    pub note: Option<String>,
    /// Why it closes while remedies are still to be carried out or a
    /// payment approved; required then.
    pub outstanding_reason: Option<String>,
}

impl CaseAction for Closing {
    const ACTION: Action = Action::Close;
    const NAME: &'static str = closing::CLOSE;
    const CHECKLIST: bool = true;
    type Rows = ();

    fn allowed() -> Allowed {
        Allowed::open("closed")
    }

    async fn decide(self, work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision> {
        let current = &loaded.case;
        let note = self
            .note
            .map(|n| contact::required_text("note", n, text::NOTE_MAX_CHARS))
            .transpose()?;
        let outstanding_reason = self
            .outstanding_reason
            .map(|r| contact::required_text("outstandingReason", r, text::NOTE_MAX_CHARS))
            .transpose()?;
        let policy_version = closing::ensure_policy_allows(work, current, Ending::Closed).await?;
        let outstanding =
            remedies::outstanding_of_case(&work.state.db, work.council.id, current.id).await?;
        if !outstanding.is_empty() && outstanding_reason.is_none() {
            return Err(AppError::policy_rejected(
                format!(
                    "{} has {} remedies outstanding (not carried out, or a payment not approved); \
                     give outstandingReason to close it anyway",
                    current.reference,
                    outstanding.len()
                ),
                PolicyDetail {
                    outstanding,
                    ..Default::default()
                },
            ));
        }
        let mut after = current.clone();
        after.status = CaseStatus::Closed;
        after.closed_at = Some(loaded.at);
        let summary = match outstanding.len() {
            0 => format!("Closed (was {})", status_name(current.status)),
            n => format!(
                "Closed (was {}) with {n} remedies outstanding",
                status_name(current.status)
            ),
        };
        let event = Step {
            kind: EventKind::Closed,
            policy_version,
            summary,
            data: json!({
                "note": note,
                "from": current.status,
                "outstanding": outstanding,
                "outstandingReason": outstanding_reason,
            }),
        };
        Ok(Decision::new(after, event))
    }
}
