//! Approving a goodwill payment within the approver's limit, which the
//! council's policy gives from their roles and recorded seniority (Leeds
//! para 70).

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
        cases::{
            events::EventKind,
            remedies::{kind_name, pounds},
        },
        people::officers,
    },
    error::{AppError, PolicyDetail, Result},
    policy::convert::MapBuilder,
};

pub struct ApproveGoodwill {
    remedy: remedy::Model,
}

/// Approves the payment found by `target`.
pub async fn approve(work: &CaseWork<'_>, target: RemedyTarget) -> Result<case::Model> {
    work.actor.require(ApproveGoodwill::ACTION)?;
    let (remedy, case) = target.locate(work).await?;
    perform(work, case, ApproveGoodwill { remedy }).await
}

/// The approval, unless someone else approved it meanwhile.
pub struct Approval {
    remedy: remedy::Model,
    by: String,
    at: chrono::DateTime<chrono::Utc>,
}

impl Rows for Approval {
    async fn write(self, txn: &DatabaseTransaction) -> Result<()> {
        let updated = remedy::Entity::update_many()
            .col_expr(remedy::Column::ApprovedBy, Expr::value(self.by))
            .col_expr(remedy::Column::ApprovedAt, Expr::value(self.at))
            .filter(remedy::Column::Id.eq(self.remedy.id))
            .filter(remedy::Column::ApprovedAt.is_null())
            .exec(txn)
            .await?;
        if updated.rows_affected != 1 {
            return Err(AppError::Conflict(
                "the payment was approved by someone else meanwhile".into(),
            ));
        }
        Ok(())
    }
}

impl CaseAction for ApproveGoodwill {
    const ACTION: Action = Action::ApproveGoodwill;
    const NAME: &'static str = "approve_goodwill_payment";
    type Rows = Approval;

    fn allowed() -> Allowed {
        Allowed::any()
    }

    async fn admit(&self, _work: &CaseWork<'_>, _case: &case::Model) -> Result<()> {
        let found = &self.remedy;
        if found.kind != RemedyKind::GoodwillPayment {
            return Err(AppError::bad_input(
                "remedyId",
                format!(
                    "only goodwill payments are approved; this is {}",
                    kind_name(found.kind)
                ),
            ));
        }
        if let Some(by) = &found.approved_by {
            return Err(AppError::bad_input(
                "remedyId",
                format!("this payment was already approved by {by}"),
            ));
        }
        Ok(())
    }

    async fn decide(self, work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision<Approval>> {
        let found = self.remedy;
        let amount = found.amount_pence.unwrap_or(0);
        let me = officers::by_subject(&work.state.db, work.council.id, &work.actor.subject).await?;
        let seniority = me.and_then(|o| o.seniority);
        let roles: Vec<&str> = work.actor.roles.iter().map(|r| r.as_str()).collect();
        let (limit, policy_version) = match work.policy() {
            Some(policy) => {
                let officer = MapBuilder::default()
                    .strs("roles", &roles)
                    .opt_str("seniority", seniority.clone())
                    .into_map();
                let limit = work
                    .hook(&policy, move |p| p.goodwill_limit(officer))
                    .await?;
                (limit, Some(policy.version))
            }
            None => (None, None),
        };
        let Some(limit) = limit else {
            let version = policy_version.map(|v| format!(" v{v}")).unwrap_or_default();
            return Err(AppError::policy_rejected(
                format!(
                    "no goodwill limit has been entered for your seniority ({}) in the {} policy{version}: \
                     a policy administrator enters the amounts in the goodwill table of the numbers block \
                     at the top of the council's policy script and publishes it",
                    seniority.as_deref().unwrap_or("not recorded"),
                    work.council.slug,
                ),
                PolicyDetail {
                    amount_pence: Some(amount),
                    seniority,
                    policy_version,
                    ..Default::default()
                },
            ));
        };
        if amount > limit {
            let version = policy_version.map(|v| format!(" v{v}")).unwrap_or_default();
            return Err(AppError::PolicyRejected {
                message: format!(
                    "{} is over your goodwill limit of {} (seniority {}; {} policy{version})",
                    pounds(amount),
                    pounds(limit),
                    seniority.as_deref().unwrap_or("not recorded"),
                    work.council.slug,
                ),
                detail: Some(Box::new(PolicyDetail {
                    limit_pence: Some(limit),
                    amount_pence: Some(amount),
                    seniority,
                    policy_version,
                    ..Default::default()
                })),
            });
        }
        let event = Step {
            kind: EventKind::RemedyApproved,
            policy_version,
            summary: format!(
                "Goodwill payment of {} approved (limit {})",
                pounds(amount),
                pounds(limit)
            ),
            data: json!({ "remedyId": found.id, "amountPence": amount, "limitPence": limit, "seniority": seniority }),
        };
        let approval = Approval {
            remedy: found,
            by: work.actor.subject.clone(),
            at: loaded.at,
        };
        Ok(Decision::with_rows(loaded.case.clone(), event, approval))
    }
}
