use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::{
    customer, enums as db, learning_point, officer, officer_change, persistent_designation,
    persistent_review, remedy,
};
use sea_orm::EntityTrait;

use crate::{
    domain::{cases::audience::Audience, people::persistent},
    graphql::{
        case::types_public::{Customer, Officer},
        context::ContextExt,
        scalars::Date,
    },
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "db::DesignationLevel")]
pub enum DesignationLevel {
    /// Told what must change and by when; no restrictions yet.
    Warning,
    /// Contact restricted (single point of contact, written only, no reply on settled issues).
    Restricted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ReviewOutcome {
    Continue,
    /// Continue with different restrictions.
    Vary,
    End,
}

impl From<ReviewOutcome> for persistent::ReviewOutcome {
    fn from(o: ReviewOutcome) -> Self {
        match o {
            ReviewOutcome::Continue => Self::Continue,
            ReviewOutcome::Vary => Self::Vary,
            ReviewOutcome::End => Self::End,
        }
    }
}

pub use crate::graphql::enums::RemedyKind;

async fn officer_by_id(
    ctx: &Context<'_>,
    council_id: uuid::Uuid,
    id: Option<uuid::Uuid>,
) -> Result<Option<Officer>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let row = officer::Entity::find_by_id(id).one(&ctx.state().db).await?;
    Ok(row.filter(|o| o.council_id == council_id).map(Officer))
}

/// A persistent / unreasonably persistent complainant decision on a customer.
pub struct PersistentDesignation(pub persistent_designation::Model);

#[Object]
impl PersistentDesignation {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn customer(&self, ctx: &Context<'_>) -> Result<Option<Customer>> {
        let row = customer::Entity::find_by_id(self.0.customer_id)
            .one(&ctx.state().db)
            .await?;
        Ok(row
            .filter(|c| c.council_id == self.0.council_id)
            .map(Customer))
    }
    async fn level(&self) -> DesignationLevel {
        self.0.level.into()
    }
    /// The behaviour that was not acceptable.
    async fn behaviour(&self) -> &str {
        &self.0.behaviour
    }
    /// The change of behaviour required.
    async fn required_change(&self) -> Option<&str> {
        self.0.required_change.as_deref()
    }
    /// The end of the time span given to achieve the change.
    async fn change_by(&self) -> Option<Date> {
        self.0.change_by.map(Date)
    }
    /// The one officer the customer deals with.
    async fn single_point_of_contact(&self, ctx: &Context<'_>) -> Result<Option<Officer>> {
        officer_by_id(ctx, self.0.council_id, self.0.single_point_of_contact_id).await
    }
    async fn written_contact_only(&self) -> bool {
        self.0.written_contact_only
    }
    /// Issues already dealt with get no further reply.
    async fn no_reply_on_settled_issues(&self) -> bool {
        self.0.no_reply_on_settled_issues
    }
    /// The date of the letter telling the customer.
    async fn letter_date(&self) -> Option<Date> {
        self.0.letter_date.map(Date)
    }
    /// The next review, from the council's policy (Leeds: at most six months after the letter).
    async fn review_by(&self) -> Option<Date> {
        self.0.review_by.map(Date)
    }
    async fn decided_by(&self) -> &str {
        &self.0.decided_by
    }
    async fn decided_at(&self) -> DateTime<Utc> {
        self.0.decided_at
    }
    /// The policy version that set the review date.
    async fn policy_version(&self) -> Option<i32> {
        self.0.policy_version
    }
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at
    }
    /// In force (not ended).
    async fn active(&self) -> bool {
        self.0.ended_at.is_none()
    }
    /// Reviews, oldest first.
    async fn reviews(&self, ctx: &Context<'_>) -> Result<Vec<DesignationReview>> {
        let rows = persistent::reviews(&ctx.state().db, self.0.council_id, self.0.id).await?;
        Ok(rows.into_iter().map(DesignationReview).collect())
    }
}

pub struct DesignationReview(persistent_review::Model);

#[Object]
impl DesignationReview {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn outcome(&self) -> ReviewOutcome {
        match self.0.outcome.as_str() {
            "vary" => ReviewOutcome::Vary,
            "end" => ReviewOutcome::End,
            _ => ReviewOutcome::Continue,
        }
    }
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    async fn reviewed_at(&self) -> DateTime<Utc> {
        self.0.reviewed_at
    }
    async fn reviewed_by(&self) -> &str {
        &self.0.reviewed_by
    }
    /// Null when the review ended the designation.
    async fn next_review_by(&self) -> Option<Date> {
        self.0.next_review_by.map(Date)
    }
}

/// A remedy offered on a case. Money is integer pence.
pub struct Remedy(pub remedy::Model);

#[Object]
impl Remedy {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> RemedyKind {
        self.0.kind.into()
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Pence, for goodwill payments and compensation claims.
    async fn amount_pence(&self) -> Option<i64> {
        self.0.amount_pence
    }
    async fn due(&self) -> Option<Date> {
        self.0.due.map(Date)
    }
    /// Staff only.
    async fn approved_by(&self, ctx: &Context<'_>) -> Option<&str> {
        staff_only(ctx, self.0.approved_by.as_deref())
    }
    async fn approved_at(&self) -> Option<DateTime<Utc>> {
        self.0.approved_at
    }
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    /// Still to be carried out (a compensation claim is never outstanding:
    /// it leaves the complaints process).
    async fn outstanding(&self) -> bool {
        crate::domain::cases::remedies::is_outstanding(&self.0)
    }
    /// Staff only.
    async fn recorded_by(&self, ctx: &Context<'_>) -> Option<&str> {
        staff_only(ctx, Some(&self.0.recorded_by))
    }
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
}

/// Staff names are not shown to the complainant.
fn staff_only<'a>(ctx: &Context<'_>, name: Option<&'a str>) -> Option<&'a str> {
    let staff = ctx
        .actor()
        .is_ok_and(|actor| Audience::of(actor).is_staff());
    name.filter(|_| staff)
}

/// A lesson learned from a case, and the service improvement it leads to.
pub struct LearningPoint(pub learning_point::Model);

#[Object]
impl LearningPoint {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn lesson(&self) -> &str {
        &self.0.lesson
    }
    async fn service_improvement(&self) -> Option<&str> {
        self.0.service_improvement.as_deref()
    }
    async fn recorded_by(&self) -> &str {
        &self.0.recorded_by
    }
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
}

/// One change to an officer's directory entry.
pub struct OfficerChange(pub officer_change::Model);

#[Object]
impl OfficerChange {
    /// The `sub` of the manager who made it.
    async fn changed_by(&self) -> &str {
        &self.0.changed_by
    }
    async fn changed_at(&self) -> DateTime<Utc> {
        self.0.changed_at
    }
    /// The entry before (`displayName`, `email`, `seniority`); null when it was created.
    async fn old(&self) -> Option<&serde_json::Value> {
        self.0.old.as_ref()
    }
    /// The entry after.
    async fn new(&self) -> &serde_json::Value {
        &self.0.new
    }
}
