//! Persistent and unreasonably persistent complainants. A designation belongs
//! to the customer, never to a case: first a warning (what must change and
//! by when), then restrictions (one officer as the single point of contact,
//! written contact only, no reply on issues already dealt with). The council's
//! policy sets the date of each review (Leeds paras 55-56: at most six months
//! after the letter). Only a DCRO or the customer feedback manager decides.
//! Each decision and review is also noted on the timeline of every open case
//! of the customer, in the same transaction, so whoever handles those cases
//! sees it there and live.
//!
//! A new contact from a restricted customer is still logged: it is flagged,
//! routed to their single point of contact, and cannot be acknowledged,
//! answered or closed until someone records that it was checked for new
//! issues.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    case, case_requirement, customer,
    enums::{CaseStatus, DesignationLevel},
    persistent_designation as pd, persistent_review,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, sea_query::Expr,
};
use serde_json::{Value, json};
use tracing::instrument;
use uuid::Uuid;

use crate::{
    auth::Actor,
    councils::Council,
    db,
    domain::{
        cases::events::{self, EventKind, NewEvent},
        intake::contact::{optional_text, required_text},
        people::officers,
        text,
        time::local_date,
    },
    error::{AppError, Result},
    live::feed::CaseChanged,
    policy::convert::MapBuilder,
    state::AppState,
};

/// The checklist item a restricted customer's new contact carries.
pub const NEW_ISSUES_CHECKED: &str = "new_issues_checked";
const NEW_ISSUES_LABEL: &str = "Check the contact for new issues before replying: the customer is under persistent-complainant restrictions";
const NEW_ISSUES_BLOCK: [&str; 3] = ["acknowledge", "respond", "close"];

/// How a restricted customer may be dealt with.
#[derive(Debug, Clone, Default)]
pub struct Restrictions {
    /// The `sub` of the officer who is the customer's single point of contact.
    pub single_point_of_contact: Option<String>,
    pub written_contact_only: bool,
    pub no_reply_on_settled_issues: bool,
}

impl Restrictions {
    fn any(&self) -> bool {
        self.single_point_of_contact.is_some()
            || self.written_contact_only
            || self.no_reply_on_settled_issues
    }
}

/// A decision as staff enter it.
pub struct NewDesignation {
    pub level: DesignationLevel,
    /// The behaviour that was not acceptable.
    pub behaviour: String,
    /// The change of behaviour required (a warning must say).
    pub required_change: Option<String>,
    /// The time span given to achieve it (a warning must say).
    pub change_by: Option<NaiveDate>,
    pub restrictions: Restrictions,
    /// The date of the letter telling the customer.
    pub letter_date: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewOutcome {
    Continue,
    Vary,
    End,
}

impl ReviewOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Continue => "continue",
            Self::Vary => "vary",
            Self::End => "end",
        }
    }
}

pub struct NewReview {
    pub outcome: ReviewOutcome,
    pub notes: Option<String>,
    /// When the review took place (default now); its letter is dated that day.
    pub at: Option<DateTime<Utc>>,
    /// The new restrictions, when the outcome is to vary them.
    pub restrictions: Option<Restrictions>,
}

/// One caller deciding about one council's customers.
pub struct Deciding<'a> {
    pub state: &'a AppState,
    pub council: &'a Council,
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
}

#[instrument(skip_all, fields(council = %by.council.slug, customer = %customer_id))]
pub async fn designate(
    by: &Deciding<'_>,
    customer_id: Uuid,
    input: NewDesignation,
) -> Result<pd::Model> {
    let behaviour = required_text("behaviour", input.behaviour, text::NOTE_MAX_CHARS)?;
    let required_change = optional_text(
        "requiredChange",
        input.required_change,
        text::NOTE_MAX_CHARS,
    )?;
    let today = local_date(by.now);
    if input.letter_date > today {
        return Err(AppError::bad_input(
            "letterDate",
            format!("the letter date {} is in the future", input.letter_date),
        ));
    }
    match input.level {
        DesignationLevel::Warning => {
            if required_change.is_none() {
                return Err(AppError::bad_input(
                    "requiredChange",
                    "a warning says what change of behaviour is required",
                ));
            }
            match input.change_by {
                None => {
                    return Err(AppError::bad_input(
                        "changeBy",
                        "a warning gives a time span to achieve the change",
                    ));
                }
                Some(by_date) if by_date < input.letter_date => {
                    return Err(AppError::bad_input(
                        "changeBy",
                        "the time span cannot end before the letter",
                    ));
                }
                Some(_) => {}
            }
        }
        DesignationLevel::Restricted => {
            if !input.restrictions.any() {
                return Err(AppError::bad_input(
                    "restrictions",
                    "restricted contact needs at least one restriction",
                ));
            }
        }
    }
    let restrictions = checked_restrictions(input.restrictions)?;
    let customer = customer::Entity::find_by_id(customer_id)
        .filter(customer::Column::CouncilId.eq(by.council.id))
        .one(&by.state.db)
        .await?
        .ok_or(AppError::NotFound("customer"))?;
    let (review_by, policy_version) = next_review(by, input.level, input.letter_date).await?;

    let txn = db::begin_write(&by.state.db).await?;
    if let Some(current) = active(&txn, by.council.id, customer.id).await? {
        return Err(AppError::bad_input(
            "customerId",
            format!(
                "the customer already has an active {} designation (decided {}); review or end it instead",
                level_name(current.level),
                local_date(current.decided_at)
            ),
        ));
    }
    let spoc = match &restrictions.single_point_of_contact {
        Some(sub) => Some(
            officers::named(&txn, by.council.id, "singlePointOfContact", sub)
                .await?
                .id,
        ),
        None => None,
    };
    let row = pd::Model {
        id: Uuid::now_v7(),
        council_id: by.council.id,
        customer_id: customer.id,
        level: input.level,
        behaviour,
        required_change,
        change_by: input.change_by,
        single_point_of_contact_id: spoc,
        written_contact_only: restrictions.written_contact_only,
        no_reply_on_settled_issues: restrictions.no_reply_on_settled_issues,
        letter_date: Some(input.letter_date),
        review_by: Some(review_by),
        decided_by: by.actor.subject.clone(),
        decided_at: by.now,
        policy_version,
        ended_at: None,
    };
    pd::Entity::insert(row.clone().into_active_model().reset_all())
        .exec_without_returning(&txn)
        .await?;
    let notice = Notice {
        kind: EventKind::PersistentDesignated,
        at: by.now,
        policy_version,
        summary: format!(
            "Customer designated persistent ({}), letter of {}; review by {review_by}",
            level_name(row.level),
            input.letter_date
        ),
        data: decision_data(&row),
    };
    let changes = notice.write(&txn, by, customer.id).await?;
    txn.commit().await?;
    publish(by, changes);
    Ok(row)
}

#[instrument(skip_all, fields(council = %by.council.slug, designation = %designation_id))]
pub async fn review(
    by: &Deciding<'_>,
    designation_id: Uuid,
    input: NewReview,
) -> Result<pd::Model> {
    let notes = optional_text("notes", input.notes, text::NOTE_MAX_CHARS)?;
    let current = get(&by.state.db, by.council.id, designation_id).await?;
    if current.ended_at.is_some() {
        return Err(AppError::bad_input(
            "designationId",
            "this designation has ended; make a new decision instead",
        ));
    }
    let at = input.at.unwrap_or(by.now);
    if at > by.now + chrono::Duration::minutes(5) {
        return Err(AppError::bad_input(
            "at",
            format!("at {at} is in the future"),
        ));
    }
    let on = local_date(at);
    if current.letter_date.is_some_and(|letter| on < letter) {
        return Err(AppError::bad_input(
            "at",
            "a review cannot be before the letter that made the decision",
        ));
    }
    let mut after = current.clone();
    let varied = match (input.outcome, input.restrictions) {
        (ReviewOutcome::Vary, None) => {
            return Err(AppError::bad_input(
                "restrictions",
                "varying a designation needs the new restrictions",
            ));
        }
        (ReviewOutcome::Vary, Some(r)) if !r.any() => {
            return Err(AppError::bad_input(
                "restrictions",
                "give at least one restriction, or end the designation",
            ));
        }
        (ReviewOutcome::Vary, Some(r)) => Some(checked_restrictions(r)?),
        (_, Some(_)) => {
            return Err(AppError::bad_input(
                "restrictions",
                "restrictions change only when the outcome is VARY",
            ));
        }
        (_, None) => None,
    };
    if varied.is_some() {
        after.level = DesignationLevel::Restricted;
    }
    match input.outcome {
        ReviewOutcome::End => {
            after.ended_at = Some(at);
        }
        ReviewOutcome::Continue | ReviewOutcome::Vary => {
            let (review_by, version) = next_review(by, after.level, on).await?;
            after.review_by = Some(review_by);
            after.policy_version = version;
        }
    }

    let txn = db::begin_write(&by.state.db).await?;
    if let Some(r) = &varied {
        after.single_point_of_contact_id = match &r.single_point_of_contact {
            Some(sub) => Some(
                officers::named(&txn, by.council.id, "singlePointOfContact", sub)
                    .await?
                    .id,
            ),
            None => None,
        };
        after.written_contact_only = r.written_contact_only;
        after.no_reply_on_settled_issues = r.no_reply_on_settled_issues;
    }
    // Only while nobody else reviewed it since it was read.
    let mut update = pd::Entity::update_many()
        .col_expr(pd::Column::Level, Expr::value(after.level))
        .col_expr(pd::Column::ReviewBy, Expr::value(after.review_by))
        .col_expr(pd::Column::PolicyVersion, Expr::value(after.policy_version))
        .col_expr(pd::Column::EndedAt, Expr::value(after.ended_at))
        .col_expr(
            pd::Column::SinglePointOfContactId,
            Expr::value(after.single_point_of_contact_id),
        )
        .col_expr(
            pd::Column::WrittenContactOnly,
            Expr::value(after.written_contact_only),
        )
        .col_expr(
            pd::Column::NoReplyOnSettledIssues,
            Expr::value(after.no_reply_on_settled_issues),
        )
        .filter(pd::Column::Id.eq(current.id))
        .filter(pd::Column::CouncilId.eq(by.council.id))
        .filter(pd::Column::EndedAt.is_null());
    update = match current.review_by {
        Some(date) => update.filter(pd::Column::ReviewBy.eq(date)),
        None => update.filter(pd::Column::ReviewBy.is_null()),
    };
    if update.exec(&txn).await?.rows_affected != 1 {
        return Err(AppError::Conflict(
            "the designation was reviewed by someone else since it was read; reload it".into(),
        ));
    }
    persistent_review::Entity::insert(
        persistent_review::Model {
            id: Uuid::now_v7(),
            council_id: by.council.id,
            designation_id: current.id,
            reviewed_at: at,
            reviewed_by: by.actor.subject.clone(),
            outcome: input.outcome.as_str().to_owned(),
            notes,
            next_review_by: (input.outcome != ReviewOutcome::End)
                .then_some(after.review_by)
                .flatten(),
        }
        .into_active_model()
        .reset_all(),
    )
    .exec_without_returning(&txn)
    .await?;
    let summary = match (input.outcome, after.review_by) {
        (ReviewOutcome::End, _) | (_, None) => format!(
            "Persistent-complainant designation reviewed: {}",
            input.outcome.as_str()
        ),
        (_, Some(next)) => format!(
            "Persistent-complainant designation reviewed: {} ({}); next review by {next}",
            input.outcome.as_str(),
            level_name(after.level)
        ),
    };
    let mut data = decision_data(&after);
    data["outcome"] = json!(input.outcome.as_str());
    let notice = Notice {
        kind: EventKind::PersistentReviewed,
        at,
        policy_version: after.policy_version,
        summary,
        data,
    };
    let changes = notice.write(&txn, by, current.customer_id).await?;
    txn.commit().await?;
    publish(by, changes);
    Ok(after)
}

/// A decision as it is written on the timeline of each of the customer's
/// open cases, so whoever handles them sees it there and live.
struct Notice {
    kind: EventKind,
    at: DateTime<Utc>,
    policy_version: Option<i32>,
    summary: String,
    data: Value,
}

impl Notice {
    /// Appends the step to each open case; returns the changes to publish
    /// once the decision commits.
    async fn write(
        self,
        txn: &impl ConnectionTrait,
        by: &Deciding<'_>,
        customer_id: Uuid,
    ) -> Result<Vec<CaseChanged>> {
        let open = case::Entity::find()
            .filter(case::Column::CouncilId.eq(by.council.id))
            .filter(case::Column::CustomerId.eq(customer_id))
            .filter(case::Column::Status.is_in(CaseStatus::open_values()))
            .all(txn)
            .await?;
        let mut changes = Vec::with_capacity(open.len());
        for case in open {
            let event = NewEvent {
                case_id: case.id,
                kind: self.kind,
                actor: by.actor,
                occurred_at: self.at,
                policy_version: self.policy_version,
                summary: self.summary.clone(),
                data: self.data.clone(),
            };
            let event = events::append(txn, event, by.now).await?;
            changes.push(CaseChanged::new(&case, &event));
        }
        Ok(changes)
    }
}

fn publish(by: &Deciding<'_>, changes: Vec<CaseChanged>) {
    for change in changes {
        by.state.feed.publish(change);
    }
}

fn decision_data(d: &pd::Model) -> Value {
    json!({
        "designationId": d.id,
        "level": level_name(d.level),
        "changeBy": d.change_by,
        "reviewBy": d.review_by,
        "writtenContactOnly": d.written_contact_only,
        "noReplyOnSettledIssues": d.no_reply_on_settled_issues,
        "singlePointOfContact": d.single_point_of_contact_id.is_some(),
    })
}

/// When the next review is due, by the council's policy (or the documented
/// default: six months after the letter), and the policy version that said so.
async fn next_review(
    by: &Deciding<'_>,
    level: DesignationLevel,
    letter_date: NaiveDate,
) -> Result<(NaiveDate, Option<i32>)> {
    match by.state.policies.get(by.council.id) {
        Some(policy) => {
            let designation = MapBuilder::default()
                .str("level", level_name(level))
                .date("letter_date", letter_date)
                .date("today", local_date(by.now))
                .into_map();
            let out = by
                .state
                .policy_runner
                .run(by.council.id, policy.clone(), move |p| {
                    p.persistent_review(designation, letter_date)
                })
                .await?
                .map_err(|p| {
                    AppError::PolicyError(format!(
                        "{} policy v{}: {p}",
                        by.council.slug, policy.version
                    ))
                })?;
            Ok((out.review_by, Some(policy.version)))
        }
        None => Ok((crate::policy::calendar::add_months(letter_date, 6), None)),
    }
}

fn checked_restrictions(r: Restrictions) -> Result<Restrictions> {
    let single_point_of_contact = optional_text(
        "singlePointOfContact",
        r.single_point_of_contact,
        text::LINE_MAX_CHARS,
    )?;
    Ok(Restrictions {
        single_point_of_contact,
        ..r
    })
}

pub fn level_name(level: DesignationLevel) -> String {
    sea_orm::ActiveEnum::to_value(&level)
}

pub async fn get(db: &impl ConnectionTrait, council_id: Uuid, id: Uuid) -> Result<pd::Model> {
    pd::Entity::find_by_id(id)
        .filter(pd::Column::CouncilId.eq(council_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("designation"))
}

/// The customer's designation in force, if any.
pub async fn active(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    customer_id: Uuid,
) -> Result<Option<pd::Model>> {
    Ok(pd::Entity::find()
        .filter(pd::Column::CouncilId.eq(council_id))
        .filter(pd::Column::CustomerId.eq(customer_id))
        .filter(pd::Column::EndedAt.is_null())
        .one(db)
        .await?)
}

/// Every designation of a customer, newest first.
pub async fn of_customer(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    customer_id: Uuid,
) -> Result<Vec<pd::Model>> {
    Ok(pd::Entity::find()
        .filter(pd::Column::CouncilId.eq(council_id))
        .filter(pd::Column::CustomerId.eq(customer_id))
        .order_by_desc(pd::Column::DecidedAt)
        .order_by_desc(pd::Column::Id)
        .all(db)
        .await?)
}

/// Designations in force whose review is due on or before `on`, soonest first.
pub async fn due_for_review(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    on: NaiveDate,
) -> Result<Vec<pd::Model>> {
    Ok(pd::Entity::find()
        .filter(pd::Column::CouncilId.eq(council_id))
        .filter(pd::Column::EndedAt.is_null())
        .filter(pd::Column::ReviewBy.lte(on))
        .order_by_asc(pd::Column::ReviewBy)
        .all(db)
        .await?)
}

pub async fn reviews(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    designation_id: Uuid,
) -> Result<Vec<persistent_review::Model>> {
    Ok(persistent_review::Entity::find()
        .filter(persistent_review::Column::CouncilId.eq(council_id))
        .filter(persistent_review::Column::DesignationId.eq(designation_id))
        .order_by_asc(persistent_review::Column::ReviewedAt)
        .order_by_asc(persistent_review::Column::Id)
        .all(db)
        .await?)
}

/// What intake must do for a contact from a customer under restrictions: flag
/// it, route it to their single point of contact and have it checked for new
/// issues before the council replies.
#[derive(Debug, Clone)]
pub struct Restriction {
    single_point_of_contact: Option<Uuid>,
    policy_version: i32,
}

/// The restriction on a customer's new contacts, if their active designation
/// restricts them. Read inside intake's transaction, before the case is built.
pub async fn restriction(
    txn: &impl ConnectionTrait,
    council_id: Uuid,
    customer_id: Uuid,
) -> Result<Option<Restriction>> {
    Ok(active(txn, council_id, customer_id)
        .await?
        .filter(|d| d.level == DesignationLevel::Restricted)
        .map(|d| Restriction {
            single_point_of_contact: d.single_point_of_contact_id,
            policy_version: d.policy_version.unwrap_or(0),
        }))
}

impl Restriction {
    /// Flags and routes the case about to be stored.
    pub fn apply(&self, case: &mut case::Model) {
        case.restricted_customer = true;
        if let Some(spoc) = self.single_point_of_contact {
            case.assignee_id = Some(spoc);
        }
    }

    /// The "new issues checked" step the case about to be stored must carry,
    /// if it is open.
    pub fn check_row(
        &self,
        case: &case::Model,
        now: DateTime<Utc>,
    ) -> Option<case_requirement::Model> {
        case.status.is_open().then(|| case_requirement::Model {
            id: Uuid::now_v7(),
            council_id: case.council_id,
            case_id: case.id,
            key: NEW_ISSUES_CHECKED.to_owned(),
            label: NEW_ISSUES_LABEL.to_owned(),
            blocks: json!(NEW_ISSUES_BLOCK),
            met_at: None,
            met_by: None,
            policy_version: self.policy_version,
            created_at: now,
        })
    }
}
