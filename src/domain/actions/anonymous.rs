//! Anonymous contacts judged malicious. They are investigated as far as
//! possible, but the investigating officer may, with the DCRO, decide not to
//! investigate fully, recording the reasons (Leeds paras 45-46). The case is
//! closed with the reason kept on it, when the council's closing rule allows
//! it (East Cambridgeshire section 7 investigates every anonymous complaint).

use entity::{case, enums::CaseStatus};
use serde_json::json;
use tracing::instrument;

use crate::{
    domain::{
        actions::{
            lifecycle::{Ending, ensure_may_close},
            pipeline::{CaseWork, Step, Target},
        },
        cases::events::EventKind,
        intake::contact::required_text,
        text,
    },
    error::{AppError, Result},
};

#[instrument(skip_all, fields(council = %work.council.slug, case = %target.case_id))]
pub async fn decide_not_to_investigate(
    work: &CaseWork<'_>,
    target: Target,
    reason: String,
) -> Result<case::Model> {
    let reason = required_text("reason", reason, text::NOTE_MAX_CHARS)?;
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    if !current.anonymous {
        return Err(AppError::bad_input(
            "caseId",
            format!(
                "{} is not anonymous: a contact from a known customer is investigated or answered",
                current.reference
            ),
        ));
    }
    if !current.status.is_open() {
        return Err(AppError::bad_input(
            "caseId",
            format!(
                "{} is already {}",
                current.reference,
                crate::domain::actions::pipeline::status_name(current.status)
            ),
        ));
    }
    let policy_version = ensure_may_close(work, current, Ending::NotInvestigated).await?;
    let mut after = current.clone();
    after.status = CaseStatus::Closed;
    after.closed_at = Some(loaded.at);
    after.scope_reason = Some(reason.clone());
    let txn = work.begin().await?;
    let step = Step {
        kind: EventKind::NotInvestigated,
        policy_version,
        summary: "Anonymous contact judged malicious: not investigated further".into(),
        data: json!({ "reason": reason }),
    };
    work.finish(txn, &loaded, after, step).await
}
