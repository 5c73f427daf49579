//! A remedy offered on a case. A goodwill payment is recorded awaiting
//! approval; a compensation claim ends the complaint with its claim route
//! (Leeds para 71), once the checklist and the closing rule allow it.

use entity::{
    case,
    enums::{CaseStatus, RemedyKind},
    remedy,
};
use sea_orm::{ActiveModelTrait, DatabaseTransaction, EntityTrait, IntoActiveModel};
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::Action,
    domain::{
        actions::{
            closing::{Ending, ensure_may_close},
            pipeline::{Allowed, CaseAction, CaseWork, Decision, Loaded, Rows, Step, status_name},
        },
        cases::{
            events::EventKind,
            remedies::{check_amount, kind_name, pounds},
        },
        intake::contact::{optional_text, required_text},
        text,
    },
    error::{AppError, Result},
};

pub struct NewRemedy {
    pub kind: RemedyKind,
    pub description: String,
    pub amount_pence: Option<i64>,
    /// When the action or payment is due.
    pub due: Option<chrono::NaiveDate>,
    /// Where a compensation claim goes (Leeds: the claim form to Legal Services).
    pub claim_route: Option<String>,
}

/// The remedy, as stored.
pub struct Recorded(remedy::Model);

impl Rows for Recorded {
    async fn write(self, txn: &DatabaseTransaction) -> Result<()> {
        remedy::Entity::insert(self.0.into_active_model().reset_all())
            .exec_without_returning(txn)
            .await?;
        Ok(())
    }
}

impl CaseAction for NewRemedy {
    const ACTION: Action = Action::RecordRemedy;
    const NAME: &'static str = "record_remedy";
    type Rows = Recorded;

    fn allowed() -> Allowed {
        // A closed case is refused in `admit`, in its own words.
        Allowed::any()
    }

    async fn admit(&self, _work: &CaseWork<'_>, case: &case::Model) -> Result<()> {
        if !case.status.is_open() {
            return Err(AppError::bad_input(
                "caseId",
                format!(
                    "{} is {} and cannot have a remedy recorded",
                    case.reference,
                    status_name(case.status)
                ),
            ));
        }
        Ok(())
    }

    async fn decide(self, work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision<Recorded>> {
        let description = required_text("description", self.description, text::NOTE_MAX_CHARS)?;
        let claim_route = optional_text("claimRoute", self.claim_route, text::NOTE_MAX_CHARS)?;
        check_amount(self.kind, self.amount_pence)?;
        if self.kind == RemedyKind::Compensation && claim_route.is_none() {
            return Err(AppError::bad_input(
                "claimRoute",
                "a compensation claim ends the complaint: say where the claim goes (e.g. the claim form to Legal Services)",
            ));
        }
        if self.kind != RemedyKind::Compensation && claim_route.is_some() {
            return Err(AppError::bad_input(
                "claimRoute",
                "only a compensation claim has a claim route",
            ));
        }
        let current = &loaded.case;
        if let Some(due) = self.due
            && due < loaded.on()
        {
            return Err(AppError::bad_input(
                "due",
                "a remedy cannot be due before it was recorded",
            ));
        }
        let policy_version = if self.kind == RemedyKind::Compensation {
            ensure_may_close(work, current, Ending::CompensationClaim).await?
        } else {
            None
        };

        let mut after = current.clone();
        let kind = kind_name(self.kind);
        let summary = match (self.kind, self.amount_pence) {
            (RemedyKind::Compensation, _) => {
                after.status = CaseStatus::Closed;
                after.closed_at = Some(loaded.at);
                after.signpost = claim_route.clone();
                format!(
                    "Compensation claimed: the complaint ends, the claim goes to {}",
                    claim_route.as_deref().unwrap_or_default()
                )
            }
            (RemedyKind::GoodwillPayment, Some(pence)) => format!(
                "Goodwill payment of {} recorded, awaiting approval",
                pounds(pence)
            ),
            (_, Some(pence)) => format!("Remedy recorded: {kind} ({})", pounds(pence)),
            (_, None) => format!("Remedy recorded: {kind}"),
        };
        let row = remedy::Model {
            id: Uuid::now_v7(),
            council_id: current.council_id,
            case_id: current.id,
            kind: self.kind,
            description,
            amount_pence: self.amount_pence,
            approved_by: None,
            approved_at: None,
            due: self.due,
            completed_at: None,
            recorded_by: work.actor.subject.clone(),
            recorded_at: loaded.at,
        };
        let event = Step {
            kind: EventKind::RemedyRecorded,
            policy_version,
            summary,
            data: json!({
                "remedyId": row.id,
                "kind": row.kind,
                "amountPence": row.amount_pence,
                "due": row.due,
                "claimRoute": claim_route,
                "closed": after.status == CaseStatus::Closed,
            }),
        };
        Ok(Decision::with_rows(after, event, Recorded(row)))
    }
}
