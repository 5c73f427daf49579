//! Remedies offered on a case, goodwill payments approved within the
//! approver's limit, outstanding remedy actions tracked to completion, and
//! learning points.
//!
//! Money is integer pence. A goodwill payment is recorded unapproved and may
//! only be approved by an officer whose limit, from the council's policy and
//! their recorded seniority, covers it (Leeds para 70). A claim for
//! compensation ends the complaint: the customer is sent the claim route
//! (Leeds para 71: a claim form dealt with by Legal Services).

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    case,
    enums::{CaseStatus, RemedyKind},
    learning_point, remedy,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, sea_query::Expr,
};
use serde_json::json;
use tracing::instrument;
use uuid::Uuid;

use crate::{
    domain::{
        actions::{
            lifecycle::{self, Ending},
            pipeline::{CaseWork, Step, Target},
        },
        cases::events::EventKind,
        intake::contact::{optional_text, required_text},
        people::officers,
        text,
    },
    error::{AppError, PolicyDetail, Result},
    policy::convert::MapBuilder,
};

pub struct NewRemedy {
    pub kind: RemedyKind,
    pub description: String,
    pub amount_pence: Option<i64>,
    /// When the action or payment is due.
    pub due: Option<NaiveDate>,
    /// Where a compensation claim goes (Leeds: the claim form to Legal Services).
    pub claim_route: Option<String>,
}

/// The remedy on its case, and how it was read.
pub struct RemedyTarget {
    pub remedy_id: Uuid,
    pub at: Option<DateTime<Utc>>,
    pub expected_version: Option<i32>,
}

#[instrument(skip_all, fields(council = %work.council.slug, case = %target.case_id))]
pub async fn record(work: &CaseWork<'_>, target: Target, input: NewRemedy) -> Result<case::Model> {
    let description = required_text("description", input.description, text::NOTE_MAX_CHARS)?;
    let claim_route = optional_text("claimRoute", input.claim_route, text::NOTE_MAX_CHARS)?;
    check_amount(input.kind, input.amount_pence)?;
    if input.kind == RemedyKind::Compensation && claim_route.is_none() {
        return Err(AppError::bad_input(
            "claimRoute",
            "a compensation claim ends the complaint: say where the claim goes (e.g. the claim form to Legal Services)",
        ));
    }
    if input.kind != RemedyKind::Compensation && claim_route.is_some() {
        return Err(AppError::bad_input(
            "claimRoute",
            "only a compensation claim has a claim route",
        ));
    }
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    if !current.status.is_open() {
        return Err(closed(current, "have a remedy recorded"));
    }
    if let Some(due) = input.due
        && due < loaded.on()
    {
        return Err(AppError::bad_input(
            "due",
            "a remedy cannot be due before it was recorded",
        ));
    }
    let policy_version = if input.kind == RemedyKind::Compensation {
        lifecycle::ensure_may_close(work, current, Ending::CompensationClaim).await?
    } else {
        None
    };

    let mut after = current.clone();
    let kind = kind_name(input.kind);
    let summary = match (input.kind, input.amount_pence) {
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
        kind: input.kind,
        description,
        amount_pence: input.amount_pence,
        approved_by: None,
        approved_at: None,
        due: input.due,
        completed_at: None,
        recorded_by: work.actor.subject.clone(),
        recorded_at: loaded.at,
    };
    let txn = work.begin().await?;
    remedy::Entity::insert(row.clone().into_active_model().reset_all())
        .exec_without_returning(&txn)
        .await?;
    let step = Step {
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
    work.finish(txn, &loaded, after, step).await
}

/// Approves a goodwill payment within the approver's limit.
#[instrument(skip_all, fields(council = %work.council.slug, remedy = %target.remedy_id))]
pub async fn approve(work: &CaseWork<'_>, target: RemedyTarget) -> Result<case::Model> {
    let found = get(&work.state.db, work.council.id, target.remedy_id).await?;
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
    let amount = found.amount_pence.unwrap_or(0);
    let loaded = work.load(case_target(&found, &target)).await?;

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

    let txn = work.begin().await?;
    let updated = remedy::Entity::update_many()
        .col_expr(
            remedy::Column::ApprovedBy,
            Expr::value(work.actor.subject.clone()),
        )
        .col_expr(remedy::Column::ApprovedAt, Expr::value(loaded.at))
        .filter(remedy::Column::Id.eq(found.id))
        .filter(remedy::Column::ApprovedAt.is_null())
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::Conflict(
            "the payment was approved by someone else meanwhile".into(),
        ));
    }
    let step = Step {
        kind: EventKind::RemedyApproved,
        policy_version,
        summary: format!(
            "Goodwill payment of {} approved (limit {})",
            pounds(amount),
            pounds(limit)
        ),
        data: json!({ "remedyId": found.id, "amountPence": amount, "limitPence": limit, "seniority": seniority }),
    };
    let after = loaded.case.clone();
    work.finish(txn, &loaded, after, step).await
}

/// Records that a remedy was carried out (the apology sent, the action
/// taken, the payment made). A closed case's remedies can still be completed.
#[instrument(skip_all, fields(council = %work.council.slug, remedy = %target.remedy_id))]
pub async fn complete(work: &CaseWork<'_>, target: RemedyTarget) -> Result<case::Model> {
    let found = get(&work.state.db, work.council.id, target.remedy_id).await?;
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
    let loaded = work.load(case_target(&found, &target)).await?;
    if loaded.at < found.recorded_at {
        return Err(AppError::bad_input(
            "at",
            "a remedy cannot be completed before it was recorded",
        ));
    }
    let txn = work.begin().await?;
    let updated = remedy::Entity::update_many()
        .col_expr(remedy::Column::CompletedAt, Expr::value(loaded.at))
        .filter(remedy::Column::Id.eq(found.id))
        .filter(remedy::Column::CompletedAt.is_null())
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::Conflict(
            "the remedy was completed by someone else meanwhile".into(),
        ));
    }
    let step = Step {
        kind: EventKind::RemedyCompleted,
        policy_version: None,
        summary: format!("Remedy completed: {}", kind_name(found.kind)),
        data: json!({ "remedyId": found.id, "kind": found.kind }),
    };
    let after = loaded.case.clone();
    work.finish(txn, &loaded, after, step).await
}

pub struct NewLearning {
    pub lesson: String,
    pub service_improvement: Option<String>,
}

#[instrument(skip_all, fields(council = %work.council.slug, case = %target.case_id))]
pub async fn record_learning(
    work: &CaseWork<'_>,
    target: Target,
    input: NewLearning,
) -> Result<case::Model> {
    let lesson = required_text("lesson", input.lesson, text::NOTE_MAX_CHARS)?;
    let improvement = optional_text(
        "serviceImprovement",
        input.service_improvement,
        text::NOTE_MAX_CHARS,
    )?;
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    let row = learning_point::Model {
        id: Uuid::now_v7(),
        council_id: current.council_id,
        case_id: current.id,
        service_id: current.service_id,
        lesson,
        service_improvement: improvement,
        recorded_by: work.actor.subject.clone(),
        recorded_at: loaded.at,
    };
    let txn = work.begin().await?;
    learning_point::Entity::insert(row.clone().into_active_model().reset_all())
        .exec_without_returning(&txn)
        .await?;
    let step = Step {
        kind: EventKind::LearningRecorded,
        policy_version: None,
        summary: format!("Learning recorded: {}", first_line(&row.lesson)),
        data: json!({
            "learningPointId": row.id,
            "lesson": row.lesson,
            "serviceImprovement": row.service_improvement,
        }),
    };
    work.finish(txn, &loaded, current.clone(), step).await
}

pub async fn get(db: &impl ConnectionTrait, council_id: Uuid, id: Uuid) -> Result<remedy::Model> {
    remedy::Entity::find_by_id(id)
        .filter(remedy::Column::CouncilId.eq(council_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("remedy"))
}

/// Still to be carried out. A compensation claim never is: it leaves the
/// complaints process.
pub fn is_outstanding(r: &remedy::Model) -> bool {
    r.completed_at.is_none() && r.kind != RemedyKind::Compensation
}

/// The case's outstanding remedies, each with why: `not_completed`, or
/// `payment_not_approved` for a goodwill payment no one has approved yet.
pub async fn outstanding_of_case(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    case_id: Uuid,
) -> Result<Vec<serde_json::Value>> {
    Ok(of_case(db, council_id, case_id)
        .await?
        .iter()
        .filter(|r| is_outstanding(r))
        .map(|r| {
            let unapproved = r.kind == RemedyKind::GoodwillPayment && r.approved_at.is_none();
            json!({
                "remedyId": r.id,
                "kind": r.kind,
                "description": r.description,
                "amountPence": r.amount_pence,
                "why": if unapproved { "payment_not_approved" } else { "not_completed" },
            })
        })
        .collect())
}

/// A case's remedies, in the order they were recorded.
pub async fn of_case(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    case_id: Uuid,
) -> Result<Vec<remedy::Model>> {
    Ok(remedy::Entity::find()
        .filter(remedy::Column::CouncilId.eq(council_id))
        .filter(remedy::Column::CaseId.eq(case_id))
        .order_by_asc(remedy::Column::RecordedAt)
        .order_by_asc(remedy::Column::Id)
        .all(db)
        .await?)
}

pub async fn learning_of_case(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    case_id: Uuid,
) -> Result<Vec<learning_point::Model>> {
    Ok(learning_point::Entity::find()
        .filter(learning_point::Column::CouncilId.eq(council_id))
        .filter(learning_point::Column::CaseId.eq(case_id))
        .order_by_asc(learning_point::Column::RecordedAt)
        .order_by_asc(learning_point::Column::Id)
        .all(db)
        .await?)
}

/// Money: positive pence where it applies, refused where it does not.
/// £1,000,000: far above any council's payment, far below where sums
/// and SQLite's integer arithmetic could overflow.
pub const MAX_AMOUNT_PENCE: i64 = 100_000_000;

pub fn check_amount(kind: RemedyKind, amount: Option<i64>) -> Result<()> {
    match (kind, amount) {
        (RemedyKind::GoodwillPayment, None) => Err(AppError::bad_input(
            "amountPence",
            "a goodwill payment needs its amount in pence",
        )),
        (RemedyKind::Apology | RemedyKind::Explanation | RemedyKind::Assurance, Some(_)) => {
            Err(AppError::bad_input(
                "amountPence",
                format!("an {} has no amount", kind_name(kind)),
            ))
        }
        (_, Some(pence)) if pence <= 0 || pence > MAX_AMOUNT_PENCE => Err(AppError::bad_input(
            "amountPence",
            format!(
                "an amount is a positive number of pence, at most {MAX_AMOUNT_PENCE} ({})",
                pounds(MAX_AMOUNT_PENCE)
            ),
        )),
        _ => Ok(()),
    }
}

fn case_target(found: &remedy::Model, target: &RemedyTarget) -> Target {
    Target {
        case_id: found.case_id,
        at: target.at,
        expected_version: target.expected_version,
    }
}

fn closed(case: &case::Model, doing: &str) -> AppError {
    AppError::bad_input(
        "caseId",
        format!(
            "{} is {} and cannot {doing}",
            case.reference,
            crate::domain::actions::pipeline::status_name(case.status)
        ),
    )
}

pub fn kind_name(kind: RemedyKind) -> String {
    sea_orm::ActiveEnum::to_value(&kind).replace('_', " ")
}

/// `£12.50` from 1250 pence.
pub fn pounds(pence: i64) -> String {
    format!("£{}.{:02}", pence / 100, pence % 100)
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pence_read_as_pounds() {
        assert_eq!(pounds(5000), "£50.00");
        assert_eq!(pounds(1250), "£12.50");
        assert_eq!(pounds(7), "£0.07");
    }

    #[test]
    fn amounts_follow_the_kind() {
        assert!(check_amount(RemedyKind::GoodwillPayment, None).is_err());
        assert!(check_amount(RemedyKind::GoodwillPayment, Some(0)).is_err());
        assert!(check_amount(RemedyKind::GoodwillPayment, Some(2500)).is_ok());
        assert!(check_amount(RemedyKind::Apology, Some(100)).is_err());
        assert!(check_amount(RemedyKind::Apology, None).is_ok());
        assert!(check_amount(RemedyKind::SpecificAction, None).is_ok());
        assert!(check_amount(RemedyKind::Compensation, Some(-5)).is_err());
    }
}
