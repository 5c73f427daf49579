//! The feedback manager's decision on a stage 2 request: refer it back to
//! the service, decline it, or investigate it at stage 2.

use chrono::{DateTime, Utc};
use entity::{
    case,
    enums::{CaseStatus, DeadlineKind, Stage},
};
use sea_orm::DatabaseTransaction;
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::Action,
    domain::{
        actions::{
            closing::{Ending, ensure_may_close},
            pipeline::{
                Allowed, CaseAction, CaseWork, Clocks, Decision, Loaded, Rows, Step, require_status,
            },
        },
        cases::{deadlines, events::EventKind},
        intake::contact,
        text,
        time::local_date,
    },
    error::{AppError, Result},
};

pub enum Assessment {
    /// Back to the service at stage 1 with the manager's recommendations.
    ReferBack { recommendations: String },
    /// Not taken to stage 2; the customer is told where to go instead.
    Decline { reason: String, signpost: String },
    /// Investigated at stage 2; the department was told when.
    Investigate {
        department_notified_at: Option<DateTime<Utc>>,
    },
}

/// The department was told of the stage 2 investigation, when it was.
pub struct DepartmentNotified(Option<(Uuid, DateTime<Utc>)>);

impl Rows for DepartmentNotified {
    async fn write(self, txn: &DatabaseTransaction) -> Result<()> {
        if let Some((case_id, at)) = self.0 {
            deadlines::meet(txn, case_id, &[DeadlineKind::NotifyDepartment], at).await?;
        }
        Ok(())
    }
}

impl CaseAction for Assessment {
    const ACTION: Action = Action::AssessStage2;
    const NAME: &'static str = "assess_stage2";
    type Rows = DepartmentNotified;

    fn allowed() -> Allowed {
        // Checked in `admit`, after the stage, which says more.
        Allowed::any()
    }

    async fn admit(&self, _work: &CaseWork<'_>, case: &case::Model) -> Result<()> {
        if case.stage != Some(Stage::Stage2) {
            return Err(AppError::bad_input(
                "caseId",
                format!("{} is not a stage 2 request", case.reference),
            ));
        }
        require_status(
            case,
            &[CaseStatus::EscalationRequested, CaseStatus::Acknowledged],
            "assessed",
        )
    }

    async fn decide(
        self,
        work: &CaseWork<'_>,
        loaded: &Loaded,
    ) -> Result<Decision<DepartmentNotified>> {
        let current = &loaded.case;
        let policy_version = match &self {
            Assessment::Decline { .. } => {
                ensure_may_close(work, current, Ending::Stage2Declined).await?
            }
            _ => None,
        };
        let mut after = current.clone();
        let mut clocks = Clocks::default();
        let mut notified = DepartmentNotified(None);
        let (summary, data) = match self {
            Assessment::ReferBack { recommendations } => {
                let recommendations = contact::required_text(
                    "recommendations",
                    recommendations,
                    text::STATEMENT_MAX_CHARS,
                )?;
                after.stage = Some(Stage::Stage1);
                after.status = CaseStatus::InProgress;
                clocks = clocks.retiring_open();
                (
                    "Referred back to the service at stage 1".to_owned(),
                    json!({ "decision": "refer_back", "recommendations": recommendations }),
                )
            }
            Assessment::Decline { reason, signpost } => {
                after.status = CaseStatus::Closed;
                after.closed_at = Some(loaded.at);
                after.scope_reason = Some(contact::required_text(
                    "reason",
                    reason,
                    text::NOTE_MAX_CHARS,
                )?);
                after.signpost = Some(contact::required_text(
                    "signpost",
                    signpost,
                    text::NOTE_MAX_CHARS,
                )?);
                (
                    "Stage 2 declined".to_owned(),
                    json!({ "decision": "decline", "reason": after.scope_reason, "signpost": after.signpost }),
                )
            }
            Assessment::Investigate {
                department_notified_at,
            } => {
                after.status = if current.status == CaseStatus::EscalationRequested {
                    CaseStatus::EscalationRequested
                } else {
                    CaseStatus::InProgress
                };
                if let Some(at) = department_notified_at {
                    let at = contact::happened_at(
                        "departmentNotifiedAt",
                        at,
                        current.received_at,
                        work.now,
                    )?;
                    notified = DepartmentNotified(Some((current.id, at)));
                }
                (
                    "Stage 2 investigation accepted".to_owned(),
                    json!({
                        "decision": "investigate",
                        "departmentNotifiedOn": department_notified_at.map(local_date),
                    }),
                )
            }
        };
        let event = Step {
            kind: EventKind::Stage2Assessed,
            policy_version,
            summary,
            data,
        };
        Ok(Decision::with_rows(after, event, notified).clocks(clocks))
    }
}
