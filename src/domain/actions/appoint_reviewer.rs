//! The stage 2 (or 3) review is done by someone impartial: not the officer
//! who investigated the earlier stage and not anyone who sent an earlier
//! stage's response.

use entity::{case, enums::Stage};
use serde_json::json;

use crate::{
    auth::Action,
    domain::{
        actions::{
            impartial::took_part,
            pipeline::{Allowed, CaseAction, CaseWork, Decision, Loaded, Step},
        },
        cases::events::EventKind,
        people::officers,
    },
    error::{AppError, Result},
};

pub struct AppointReviewer {
    /// The officer's token `sub`.
    pub officer: String,
}

impl CaseAction for AppointReviewer {
    const ACTION: Action = Action::AppointReviewer;
    const NAME: &'static str = "appoint_reviewer";
    type Rows = ();

    fn allowed() -> Allowed {
        Allowed::open("given a reviewer")
    }

    async fn admit(&self, _work: &CaseWork<'_>, case: &case::Model) -> Result<()> {
        if !matches!(case.stage, Some(Stage::Stage2 | Stage::Stage3)) {
            return Err(AppError::bad_input(
                "caseId",
                format!(
                    "{} is not at a review stage; a reviewer is appointed after escalation",
                    case.reference
                ),
            ));
        }
        Ok(())
    }

    async fn decide(self, work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision> {
        let current = &loaded.case;
        let db = &work.state.db;
        let officer = officers::named(db, work.council.id, "officer", &self.officer).await?;
        if took_part(db, current, &officer.subject, Some(officer.id)).await? {
            return Err(AppError::PolicyRejected {
                message: format!(
                    "{} took part in an earlier stage of {}; the review must be impartial",
                    officer.subject, current.reference
                ),
                detail: None,
            });
        }
        let mut after = current.clone();
        after.stage2_reviewer_id = Some(officer.id);
        let event = Step {
            kind: EventKind::ReviewerAppointed,
            policy_version: None,
            summary: format!("{} appointed to review", officer.subject),
            data: json!({ "officer": officer.subject, "stage": current.stage }),
        };
        Ok(Decision::new(after, event))
    }
}
