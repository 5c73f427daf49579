//! Recording that a remedy was carried out (the apology sent, the action
//! taken, the payment made). A closed case's remedies can still be completed.

use entity::{case, enums::RemedyKind, remedy};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::json;

use crate::{
    auth::Action,
    domain::{
        actions::{
            pipeline::{Allowed, CaseAction, CaseWork, Decision, Loaded, Rows, Step, perform},
            remedy_target::RemedyTarget,
        },
        cases::{events::EventKind, remedies::kind_name},
    },
    error::{AppError, Result},
};

pub struct CompleteRemedy {
    remedy: remedy::Model,
}

/// Completes the remedy found by `target`.
pub async fn complete(work: &CaseWork<'_>, target: RemedyTarget) -> Result<case::Model> {
    work.actor.require(CompleteRemedy::ACTION)?;
    let (remedy, case) = target.locate(work).await?;
    perform(work, case, CompleteRemedy { remedy }).await
}

/// The completion, unless someone else completed it meanwhile.
pub struct Completion {
    remedy: remedy::Model,
    at: chrono::DateTime<chrono::Utc>,
}

impl Rows for Completion {
    async fn write(self, txn: &DatabaseTransaction) -> Result<()> {
        let updated = remedy::Entity::update_many()
            .col_expr(remedy::Column::CompletedAt, Expr::value(self.at))
            .filter(remedy::Column::Id.eq(self.remedy.id))
            .filter(remedy::Column::CompletedAt.is_null())
            .exec(txn)
            .await?;
        if updated.rows_affected != 1 {
            return Err(AppError::Conflict(
                "the remedy was completed by someone else meanwhile".into(),
            ));
        }
        Ok(())
    }
}

impl CaseAction for CompleteRemedy {
    const ACTION: Action = Action::RecordRemedy;
    const NAME: &'static str = "complete_remedy";
    type Rows = Completion;

    fn allowed() -> Allowed {
        Allowed::any()
    }

    async fn admit(&self, _work: &CaseWork<'_>, _case: &case::Model) -> Result<()> {
        let found = &self.remedy;
        if found.completed_at.is_some() {
            return Err(AppError::bad_input(
                "remedyId",
                "this remedy was already completed",
            ));
        }
        if found.kind == RemedyKind::GoodwillPayment && found.approved_at.is_none() {
            return Err(AppError::bad_input(
                "remedyId",
                "a goodwill payment is approved before it is paid",
            ));
        }
        if found.kind == RemedyKind::Compensation {
            return Err(AppError::bad_input(
                "remedyId",
                "a compensation claim is settled by the claim route, not as a remedy of the complaint",
            ));
        }
        Ok(())
    }

    async fn decide(self, _work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision<Completion>> {
        let found = self.remedy;
        if loaded.at < found.recorded_at {
            return Err(AppError::bad_input(
                "at",
                "a remedy cannot be completed before it was recorded",
            ));
        }
        let event = Step {
            kind: EventKind::RemedyCompleted,
            policy_version: None,
            summary: format!("Remedy completed: {}", kind_name(found.kind)),
            data: json!({ "remedyId": found.id, "kind": found.kind }),
        };
        let completion = Completion {
            remedy: found,
            at: loaded.at,
        };
        Ok(Decision::with_rows(loaded.case.clone(), event, completion))
    }
}
