use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, SimpleObject, dataloader::DataLoader};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    case, case_event, case_requirement, customer, deadline, enums as db, officer, service,
};
use sea_orm::EntityTrait;

use super::loaders::DeadlineLoader;
use crate::{
    domain::cases::{
        self, OpenDue,
        audience::{Audience, EventView, event_view},
        deadlines, events,
    },
    error::AppError,
    graphql::{
        context::ContextExt,
        enums::{
            CaseStatus, Channel, ContactKind, DeadlineKind, EventKind, Ombudsman, Outcome, Stage,
        },
        scalars::Date,
    },
};

/// A logged contact. Complaints move through stages; compliments, comments
/// and suggestions have no stage.
/// What a caller is told of it follows `Audience`: staff see everything, the
/// complainant their own side of it, a councillor where it stands.
pub struct Case {
    pub model: case::Model,
    /// Deadlines a list loaded for its whole page in one query.
    pub deadlines: Option<Arc<Vec<deadline::Model>>>,
    /// Open due dates a list read with the page itself.
    pub open_due: OpenDue,
}

/// The fields answered from a case's open due date of one kind, which a
/// list reads with its page.
pub const OPEN_DUE_FIELDS: [(&str, db::DeadlineKind); 3] = [
    ("acknowledgeBy", db::DeadlineKind::Acknowledge),
    ("respondBy", db::DeadlineKind::Respond),
    ("escalateBy", db::DeadlineKind::Escalate),
];

impl Case {
    pub fn new(model: case::Model) -> Self {
        Self {
            model,
            deadlines: None,
            open_due: OpenDue::default(),
        }
    }
}

/// What the caller is told of a case.
fn audience(ctx: &Context<'_>) -> Result<Audience> {
    Ok(Audience::of(ctx.actor()?))
}

impl Case {
    async fn deadline_rows(&self, ctx: &Context<'_>) -> Result<Arc<Vec<deadline::Model>>> {
        if let Some(rows) = &self.deadlines {
            return Ok(rows.clone());
        }
        let loader = ctx.data_unchecked::<Arc<DataLoader<DeadlineLoader>>>();
        let rows = loader
            .load_one(self.model.id)
            .await
            .map_err(|e| match &*e {
                AppError::Unavailable(cause) => AppError::Unavailable(cause.clone()),
                _ => AppError::Internal(anyhow::anyhow!("loading deadlines: {e:?}")),
            })?;
        Ok(rows.unwrap_or_default())
    }

    /// The open deadline of a kind (not met, not superseded), if any.
    async fn open_due(&self, ctx: &Context<'_>, kind: db::DeadlineKind) -> Result<Option<Date>> {
        if let Some(due) = self.open_due.of(kind) {
            return Ok(due.map(Date));
        }
        Ok(self
            .deadline_rows(ctx)
            .await?
            .iter()
            .filter(|d| d.kind == kind && cases::is_open(d))
            .map(|d| d.due)
            .min()
            .map(Date))
    }
}

#[Object]
impl Case {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    /// Unique per council, sequential per year: `LEE-2026-000042`.
    async fn reference(&self) -> &str {
        &self.model.reference
    }

    async fn kind(&self) -> ContactKind {
        self.model.kind.into()
    }

    async fn channel(&self) -> Channel {
        self.model.channel.into()
    }

    /// Null for contacts that are not complaints.
    async fn stage(&self) -> Option<Stage> {
        self.model.stage.map(Into::into)
    }

    async fn status(&self) -> CaseStatus {
        self.model.status.into()
    }

    async fn received_at(&self) -> DateTime<Utc> {
        self.model.received_at
    }

    async fn subject(&self) -> &str {
        &self.model.subject
    }

    /// The complainant's words: null in a councillor's view.
    async fn description(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(audience(ctx)?
            .sees_complainant()
            .then_some(self.model.description.as_str()))
    }

    /// Null in a councillor's view.
    async fn desired_outcome(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(audience(ctx)?
            .sees_complainant()
            .then_some(self.model.desired_outcome.as_deref())
            .flatten())
    }

    async fn service(&self, ctx: &Context<'_>) -> Result<Option<Service>> {
        let Some(id) = self.model.service_id else {
            return Ok(None);
        };
        let db = &ctx.state().db;
        Ok(service::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(Service::from))
    }

    async fn anonymous(&self) -> bool {
        self.model.anonymous
    }

    /// The complainant; null for anonymous contacts and in councillors' view.
    async fn customer(&self, ctx: &Context<'_>) -> Result<Option<Customer>> {
        let sees = audience(ctx)?.sees_complainant();
        let Some(id) = self.model.customer_id.filter(|_| sees) else {
            return Ok(None);
        };
        let row = customer::Entity::find_by_id(id)
            .one(&ctx.state().db)
            .await?;
        Ok(row
            .filter(|c| c.council_id == self.model.council_id)
            .map(Customer))
    }

    /// The councillor or MP the complaint came through.
    async fn via_councillor(&self) -> Option<&str> {
        self.model.via_councillor.as_deref()
    }

    /// Responses go to the councillor or MP rather than the customer.
    async fn respond_to_councillor(&self) -> bool {
        self.model.respond_to_councillor
    }

    async fn discrimination(&self) -> bool {
        self.model.discrimination
    }

    async fn about_staff(&self) -> bool {
        self.model.about_staff
    }

    async fn multi_service(&self) -> bool {
        self.model.multi_service
    }

    /// Staff only.
    async fn assignee(&self, ctx: &Context<'_>) -> Result<Option<Officer>> {
        let Some(id) = self.model.assignee_id.filter(|_| is_staff(ctx)) else {
            return Ok(None);
        };
        let row = officer::Entity::find_by_id(id).one(&ctx.state().db).await?;
        Ok(row
            .filter(|o| o.council_id == self.model.council_id)
            .map(Officer))
    }

    /// The impartial reviewer at stage 2 or 3 (staff only).
    async fn stage2_reviewer(&self, ctx: &Context<'_>) -> Result<Option<Officer>> {
        let Some(id) = self.model.stage2_reviewer_id.filter(|_| is_staff(ctx)) else {
            return Ok(None);
        };
        let row = officer::Entity::find_by_id(id).one(&ctx.state().db).await?;
        Ok(row
            .filter(|o| o.council_id == self.model.council_id)
            .map(Officer))
    }

    /// When the current stage began: receipt, the escalation request or the
    /// ombudsman's enquiry.
    async fn stage_started_at(&self) -> Option<DateTime<Utc>> {
        self.model.stage_started_at
    }

    /// When the current stage was acknowledged.
    async fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.model.acknowledged_at
    }

    /// When the current stage was answered.
    async fn responded_at(&self) -> Option<DateTime<Utc>> {
        self.model.responded_at
    }

    /// The last response or holding response to the customer.
    async fn last_update_at(&self) -> Option<DateTime<Utc>> {
        self.model.last_update_at
    }

    /// The ombudsman's own reference for its enquiry.
    async fn ombudsman_reference(&self) -> Option<&str> {
        self.model.ombudsman_reference.as_deref()
    }

    /// Why the contact is out of scope, when it is.
    async fn scope_reason(&self) -> Option<&str> {
        self.model.scope_reason.as_deref()
    }

    /// Where the customer should go instead, when out of scope.
    async fn signpost(&self) -> Option<&str> {
        self.model.signpost.as_deref()
    }

    /// From a customer under persistent-complainant restrictions: routed to
    /// their single point of contact, checked for new issues before any reply.
    /// Null for anyone but staff.
    async fn restricted_customer(&self, ctx: &Context<'_>) -> Option<bool> {
        is_staff(ctx).then_some(self.model.restricted_customer)
    }

    /// The council's policy could not decide this contact yet: it has no
    /// stage or deadlines until a version that handles it is published.
    async fn awaiting_policy(&self) -> bool {
        self.model.awaiting_policy
    }

    /// Remedies offered, with goodwill approvals and completion (not in
    /// councillors' view).
    async fn remedies(&self, ctx: &Context<'_>) -> Result<Vec<crate::graphql::people::Remedy>> {
        if !audience(ctx)?.sees_complainant() {
            return Ok(Vec::new());
        }
        let rows = crate::domain::cases::remedies::of_case(
            &ctx.state().db,
            self.model.council_id,
            self.model.id,
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(crate::graphql::people::Remedy)
            .collect())
    }

    /// Lessons learned and service improvements (staff only).
    async fn learning_points(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<crate::graphql::people::LearningPoint>> {
        if !is_staff(ctx) {
            return Ok(Vec::new());
        }
        let rows = crate::domain::cases::remedies::learning_of_case(
            &ctx.state().db,
            self.model.council_id,
            self.model.id,
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(crate::graphql::people::LearningPoint)
            .collect())
    }

    /// Checklist items the council's policy requires before some actions
    /// (e.g. Legal notified of a discrimination complaint). Staff only.
    async fn requirements(&self, ctx: &Context<'_>) -> Result<Vec<Requirement>> {
        if !is_staff(ctx) {
            return Ok(Vec::new());
        }
        let rows =
            cases::requirements(&ctx.state().db, self.model.council_id, self.model.id).await?;
        Ok(rows.into_iter().map(Requirement).collect())
    }

    async fn outcome(&self) -> Option<Outcome> {
        self.model.outcome.map(Into::into)
    }

    async fn ombudsman(&self) -> Option<Ombudsman> {
        self.model.ombudsman.map(Into::into)
    }

    /// The open acknowledgement deadline; null when none applies.
    async fn acknowledge_by(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        self.open_due(ctx, db::DeadlineKind::Acknowledge).await
    }

    /// The open response deadline at the current stage.
    async fn respond_by(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        self.open_due(ctx, db::DeadlineKind::Respond).await
    }

    /// The last day the customer may ask for the next stage.
    async fn escalate_by(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        self.open_due(ctx, db::DeadlineKind::Escalate).await
    }

    /// An open case with an open deadline before today (Europe/London).
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        let today = ctx.today();
        self.model.status.is_open() && self.model.next_due.is_some_and(|due| due < today)
    }

    async fn deadlines(&self, ctx: &Context<'_>) -> Result<Vec<Deadline>> {
        let today = ctx.today();
        Ok(self
            .deadline_rows(ctx)
            .await?
            .iter()
            .map(|d| Deadline::new(d, today))
            .collect())
    }

    /// Every step of the case the caller is told of, oldest first, each as
    /// written for them.
    async fn timeline(&self, ctx: &Context<'_>) -> Result<Vec<CaseEvent>> {
        let actor = ctx.actor()?;
        let audience = Audience::of(actor);
        let rows = events::timeline(&ctx.state().db, self.model.council_id, self.model.id).await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let view = event_view(audience, &row.kind, &row.summary, &row.data)?;
                let actor_shown = audience.is_staff() || row.actor_subject == actor.subject;
                Some(CaseEvent {
                    row,
                    view,
                    actor_shown,
                })
            })
            .collect())
    }

    /// Increases with every change; pass it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.model.version
    }

    /// Who logged it: shown to staff, and to the caller who logged it.
    async fn logged_by(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let actor = ctx.actor()?;
        Ok(
            (Audience::of(actor).is_staff() || actor.subject == self.model.logged_by)
                .then_some(self.model.logged_by.as_str()),
        )
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }

    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.model.closed_at
    }
}

#[derive(SimpleObject)]
pub struct Service {
    pub slug: String,
    pub name: String,
}

impl From<service::Model> for Service {
    fn from(s: service::Model) -> Self {
        Self {
            slug: s.slug,
            name: s.name,
        }
    }
}

pub struct Customer(pub customer::Model);

#[Object]
impl Customer {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    async fn preferred_channel(&self) -> Option<Channel> {
        self.0.preferred_channel.map(Into::into)
    }
    /// Adjustments agreed so the customer can use the process (format, contact times, advocate).
    async fn reasonable_adjustments(&self) -> Option<&str> {
        self.0.reasonable_adjustments.as_deref()
    }
    /// The persistent-complainant designation in force, with its reviews (staff only).
    async fn persistent_designation(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::graphql::people::PersistentDesignation>> {
        if !is_staff(ctx) {
            return Ok(None);
        }
        let row = crate::domain::people::persistent::active(
            &ctx.state().db,
            self.0.council_id,
            self.0.id,
        )
        .await?;
        Ok(row.map(crate::graphql::people::PersistentDesignation))
    }
}

pub struct Officer(pub officer::Model);

#[Object]
impl Officer {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The `sub` of the officer's token.
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// The grade the council's policy maps to a goodwill-payment limit.
    async fn seniority(&self) -> Option<&str> {
        self.0.seniority.as_deref()
    }
}

/// A date by which something must happen, computed by the council's policy.
#[derive(SimpleObject)]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub stage: Option<Stage>,
    pub due: Date,
    pub met_at: Option<DateTime<Utc>>,
    /// A date the council had to meet, met after it, still open after it or
    /// extended or retired after it (the customer's escalation window is
    /// never missed). Once the breach is recorded it stays missed.
    pub missed: bool,
    /// When the breach was recorded; it stays whatever happens later.
    pub breach_recorded_at: Option<DateTime<Utc>>,
    /// Replaced by an extension or a later decision.
    pub superseded: bool,
    /// The new date, when an extension replaced this one.
    pub extended_to: Option<Date>,
    /// The policy version that computed it.
    pub policy_version: i32,
    /// One line for staff: "15 working days after receipt on 2026-12-21 (leeds v3)".
    pub explanation: String,
}

impl Deadline {
    fn new(d: &deadline::Model, today: NaiveDate) -> Self {
        Self {
            kind: d.kind.into(),
            stage: d.stage.map(Into::into),
            due: Date(d.due),
            met_at: d.met_at,
            missed: deadlines::missed(d, today),
            breach_recorded_at: deadlines::breach_recorded_at(d),
            superseded: d.superseded_at.is_some(),
            extended_to: d.extended_to.map(Date),
            policy_version: d.policy_version,
            explanation: d.explanation.clone(),
        }
    }
}

fn is_staff(ctx: &Context<'_>) -> bool {
    ctx.actor()
        .is_ok_and(|actor| Audience::of(actor).is_staff())
}

/// A checklist item from the council's policy.
pub struct Requirement(case_requirement::Model);

#[Object]
impl Requirement {
    async fn key(&self) -> &str {
        &self.0.key
    }
    async fn label(&self) -> &str {
        &self.0.label
    }
    /// Actions blocked until it is met.
    async fn blocks(&self) -> Vec<String> {
        serde_json::from_value(self.0.blocks.clone()).unwrap_or_default()
    }
    async fn met_at(&self) -> Option<DateTime<Utc>> {
        self.0.met_at
    }
    async fn met_by(&self) -> Option<&str> {
        self.0.met_by.as_deref()
    }
    async fn policy_version(&self) -> i32 {
        self.0.policy_version
    }
}

/// One immutable entry of the case timeline, as told to the caller.
pub struct CaseEvent {
    row: case_event::Model,
    view: EventView,
    actor_shown: bool,
}

#[Object]
impl CaseEvent {
    async fn seq(&self) -> i32 {
        self.row.seq
    }
    /// What the step was, e.g. `CONTACT_LOGGED`.
    async fn kind(&self) -> Result<EventKind> {
        Ok(EventKind::from_stored(&self.row.kind)?)
    }
    /// Who did it: shown to staff, and to the caller when it was them.
    async fn actor_subject(&self) -> Option<&str> {
        self.actor_shown.then_some(self.row.actor_subject.as_str())
    }
    async fn actor_role(&self) -> &str {
        &self.row.actor_role
    }
    /// When it happened.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.row.occurred_at
    }
    /// When it was written down.
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.row.recorded_at
    }
    async fn policy_version(&self) -> Option<i32> {
        self.row.policy_version
    }
    /// Written for the caller: staff read the full line, the complainant
    /// and councillors a plain one without names, amounts or notes.
    async fn summary(&self) -> &str {
        &self.view.summary
    }
    /// What changed, as JSON, with only the keys the caller may read.
    async fn data(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(self.view.data.clone())
    }
}
