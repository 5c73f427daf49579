//! Anonymous contacts judged malicious. They are investigated as far as
//! possible, but the investigating officer may, with the DCRO, decide not to
//! investigate fully, recording the reasons (Leeds paras 45-46). The case is
//! closed with the reason kept on it, when the council's closing rule allows
//! it (East Cambridgeshire section 7 investigates every anonymous complaint).

use entity::{case, enums::CaseStatus};
use serde_json::json;

use crate::{
    auth::Action,
    domain::{
        actions::{
            closing::{Ending, ensure_may_close},
            pipeline::{Allowed, CaseAction, CaseWork, Decision, Loaded, Step, status_name},
        },
        cases::events::EventKind,
        intake::contact::required_text,
        text,
    },
    error::{AppError, Result},
};

pub struct NotInvestigated {
    pub reason: String,
}

impl CaseAction for NotInvestigated {
    const ACTION: Action = Action::DecideNotToInvestigate;
    const NAME: &'static str = "decide_not_to_investigate";
    type Rows = ();

    fn allowed() -> Allowed {
        // An anonymous case that is no longer open is refused in `admit`,
        // which says so in its own words.
        Allowed::any()
    }

    async fn admit(&self, _work: &CaseWork<'_>, case: &case::Model) -> Result<()> {
        if !case.anonymous {
            return Err(AppError::bad_input(
                "caseId",
                format!(
                    "{} is not anonymous: a contact from a known customer is investigated or answered",
                    case.reference
                ),
            ));
        }
        if !case.status.is_open() {
            return Err(AppError::bad_input(
                "caseId",
                format!("{} is already {}", case.reference, status_name(case.status)),
            ));
        }
        Ok(())
    }

    async fn decide(self, work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision> {
        let current = &loaded.case;
        let reason = required_text("reason", self.reason, text::NOTE_MAX_CHARS)?;
        let policy_version = ensure_may_close(work, current, Ending::NotInvestigated).await?;
        let mut after = current.clone();
        after.status = CaseStatus::Closed;
        after.closed_at = Some(loaded.at);
        after.scope_reason = Some(reason.clone());
        let event = Step {
            kind: EventKind::NotInvestigated,
            policy_version,
            summary: "Anonymous contact judged malicious: not investigated further".into(),
            data: json!({ "reason": reason }),
        };
        Ok(Decision::new(after, event))
    }
}
