//! The customer's request for the next stage.

use entity::enums::CaseStatus;
use serde_json::json;

use crate::{
    auth::Action,
    domain::{
        actions::{
            next_stage::{self, Checklist, Request},
            pipeline::{Allowed, CaseAction, CaseWork, Decision, Loaded},
        },
        cases::{audience::Audience, events::EventKind},
        intake::contact,
        text,
    },
    error::{AppError, Result},
};

pub struct EscalationRequest {
    pub reasons: String,
    pub desired_outcome: String,
    /// Made by phone or in person rather than in writing.
    pub verbal: bool,
    /// A manager accepts it outside the window.
    pub discretion: bool,
}

impl CaseAction for EscalationRequest {
    const ACTION: Action = Action::RequestEscalation;
    const NAME: &'static str = "request_escalation";
    type Rows = Checklist;

    /// A case closed after its response may still be escalated inside the
    /// window.
    fn allowed() -> Allowed {
        Allowed::from(
            &[
                CaseStatus::Acknowledged,
                CaseStatus::InProgress,
                CaseStatus::Responded,
                CaseStatus::Closed,
            ],
            "escalated",
        )
    }

    async fn admit(&self, _work: &CaseWork<'_>, case: &entity::case::Model) -> Result<()> {
        if case.status == CaseStatus::Closed && case.responded_at.is_none() {
            return Err(AppError::bad_input(
                "caseId",
                format!(
                    "{} was closed without a response; reopen it first",
                    case.reference
                ),
            ));
        }
        Ok(())
    }

    async fn decide(self, work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision<Checklist>> {
        let reasons = contact::required_text("reasons", self.reasons, text::STATEMENT_MAX_CHARS)?;
        let desired = contact::required_text(
            "desiredOutcome",
            self.desired_outcome,
            text::STATEMENT_MAX_CHARS,
        )?;
        if self.verbal && !Audience::of(work.actor).is_staff() {
            return Err(AppError::bad_input(
                "verbal",
                "verbal is recorded by council staff only: a request you send is in writing",
            ));
        }
        if self.discretion && work.actor.require(Action::AcceptLateEscalation).is_err() {
            return Err(AppError::Forbidden(
                "only a Departmental Customer Relations Officer or feedback manager may accept a request at their discretion".into(),
            ));
        }
        let details = json!({
            "reasons": reasons,
            "desiredOutcome": desired,
            "verbal": self.verbal,
            "discretion": self.discretion,
        });
        next_stage::advance(
            work,
            loaded,
            Request {
                verbal: self.verbal,
                discretion: self.discretion,
                kind: EventKind::EscalationRequested,
                details,
            },
        )
        .await
    }
}
