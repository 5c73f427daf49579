//! The one way a case action runs. An action supplies only its rules (its
//! entry in the permission matrix, the statuses it is allowed from, whether
//! the policy's checklist holds it back) and its decision (check the input,
//! ask the council's policy, say what to write). `perform` does the rest, the
//! same way every time, inside one tracing span: read the case through the
//! caller's scope, check how far the caller's roles reach, the version they
//! saw and when the thing happened, the status, the checklist; then one
//! transaction writes the action's rows, its clocks, the case (only at the
//! version read) and exactly one timeline event; after the commit the change
//! is published to live subscribers.

use std::{future::Future, sync::Arc};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    case,
    enums::{CaseStatus, DeadlineKind},
    learning_point,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, IdenStatic,
    IntoActiveModel, Iterable, ModelTrait, PaginatorTrait, QueryFilter, QueryTrait,
};
use serde_json::{Value, json};
use tracing::field;
use uuid::Uuid;

use crate::{
    auth::{Action, Actor, Reach, Role},
    councils::Council,
    db,
    domain::{
        cases::{
            self,
            audience::Audience,
            deadlines,
            events::{self, EventKind, NewEvent},
            requirements,
            scope::CaseScope,
            view::CaseView,
        },
        intake::contact,
        people::officers,
        time::local_date,
    },
    error::{AppError, PolicyDetail, Result},
    live::feed::CaseChanged,
    policy::{
        CompiledPolicy, DeadlineSpec, Problem,
        hooks::{CaseFacts, DeadlineOut},
    },
    state::AppState,
};

/// One case action: its rules, and its decision.
pub trait CaseAction: Send + Sized {
    /// Its entry in the permission matrix.
    const ACTION: Action;
    /// Its name in logs and, for an action the checklist may hold back, in a
    /// checklist item's `before` list.
    const NAME: &'static str;
    /// Whether the policy's checklist items naming it hold it back.
    const CHECKLIST: bool = false;
    /// What it writes besides the case, its clocks and its timeline event.
    type Rows: Rows;

    /// The statuses it is allowed from.
    fn allowed() -> Allowed;

    /// What must hold of the case beyond its status, checked before the
    /// checklist.
    fn admit(
        &self,
        _work: &CaseWork<'_>,
        _case: &case::Model,
    ) -> impl Future<Output = Result<()>> + Send {
        async { Ok(()) }
    }

    /// Checks the input against the case as read, asks the council's policy,
    /// and says what to write. Nothing is written yet.
    fn decide(
        self,
        work: &CaseWork<'_>,
        loaded: &Loaded,
    ) -> impl Future<Output = Result<Decision<Self::Rows>>> + Send;
}

/// The statuses an action is allowed from, and what it does in words
/// ("answered") for the refusal.
pub struct Allowed {
    statuses: Option<Vec<CaseStatus>>,
    doing: &'static str,
}

impl Allowed {
    pub fn from(statuses: &[CaseStatus], doing: &'static str) -> Self {
        Self {
            statuses: Some(statuses.to_vec()),
            doing,
        }
    }

    /// While the case is open.
    pub fn open(doing: &'static str) -> Self {
        Self::from(&CaseStatus::open_values(), doing)
    }

    /// Whatever the case's status.
    pub fn any() -> Self {
        Self {
            statuses: None,
            doing: "",
        }
    }

    fn check(&self, case: &case::Model) -> Result<()> {
        match &self.statuses {
            Some(statuses) => require_status(case, statuses, self.doing),
            None => Ok(()),
        }
    }
}

/// What an action decided: the case as it will stand, the clocks it meets,
/// retires and starts, its own rows, and its timeline entry.
pub struct Decision<R = ()> {
    pub after: case::Model,
    pub clocks: Clocks,
    pub rows: R,
    pub event: Step,
}

impl Decision {
    /// A decision that writes nothing but the case and its event.
    pub fn new(after: case::Model, event: Step) -> Self {
        Self::with_rows(after, event, ())
    }
}

impl<R> Decision<R> {
    pub fn with_rows(after: case::Model, event: Step, rows: R) -> Self {
        Self {
            after,
            clocks: Clocks::default(),
            rows,
            event,
        }
    }

    pub fn clocks(mut self, clocks: Clocks) -> Self {
        self.clocks = clocks;
        self
    }
}

/// The case's deadlines as an action moves them, all as of when it happened.
#[derive(Default)]
pub struct Clocks {
    /// Open deadlines of these kinds are met.
    pub meet: &'static [DeadlineKind],
    /// Every open deadline is retired: the case moved on.
    pub retire_open: bool,
    /// The deadlines the council's policy set, with the version that set them.
    pub start: Option<(i32, Vec<DeadlineSpec>)>,
}

impl Clocks {
    pub fn meeting(kinds: &'static [DeadlineKind]) -> Self {
        Self {
            meet: kinds,
            ..Self::default()
        }
    }

    /// Starts what the policy set; nothing without a policy.
    pub fn start(mut self, version: Option<i32>, specs: &[DeadlineSpec]) -> Self {
        self.start = version.map(|v| (v, specs.to_vec()));
        self
    }

    pub fn retiring_open(mut self) -> Self {
        self.retire_open = true;
        self
    }
}

/// Rows an action writes in its transaction, besides the case.
pub trait Rows: Send {
    fn write(self, txn: &DatabaseTransaction) -> impl Future<Output = Result<()>> + Send;
}

impl Rows for () {
    async fn write(self, _txn: &DatabaseTransaction) -> Result<()> {
        Ok(())
    }
}

impl<R: Rows> Rows for Option<R> {
    async fn write(self, txn: &DatabaseTransaction) -> Result<()> {
        match self {
            Some(rows) => rows.write(txn).await,
            None => Ok(()),
        }
    }
}

/// Runs one case action for the caller, in the order the module describes.
#[tracing::instrument(
    name = "case_action",
    skip_all,
    fields(
        action = A::NAME,
        council = %work.council.slug,
        case = %target.case_id,
        outcome = field::Empty,
    )
)]
pub async fn perform<A: CaseAction>(
    work: &CaseWork<'_>,
    target: Target,
    action: A,
) -> Result<case::Model> {
    let done = run(work, target, action).await;
    let outcome = match &done {
        Ok(_) => "done",
        Err(e) => e.code(),
    };
    tracing::Span::current().record("outcome", outcome);
    done
}

async fn run<A: CaseAction>(work: &CaseWork<'_>, target: Target, action: A) -> Result<case::Model> {
    work.actor.require(A::ACTION)?;
    let loaded = work.load(A::ACTION, target).await?;
    A::allowed().check(&loaded.case)?;
    action.admit(work, &loaded.case).await?;
    if A::CHECKLIST {
        work.ensure_unblocked(&loaded.case, A::NAME).await?;
    }
    let decision = action.decide(work, &loaded).await?;

    let txn = work.begin().await?;
    let case_id = loaded.case.id;
    let clocks = decision.clocks;
    if !clocks.meet.is_empty() {
        deadlines::meet(&txn, case_id, clocks.meet, loaded.at).await?;
    }
    if clocks.retire_open {
        deadlines::supersede(&txn, case_id, &[], loaded.at).await?;
    }
    decision.rows.write(&txn).await?;
    if let Some((version, specs)) = &clocks.start {
        deadlines::insert(&txn, work.council.id, case_id, *version, specs, work.now).await?;
    }
    work.finish(txn, &loaded, decision.after, decision.event)
        .await
}

/// One caller acting on one council's cases.
pub struct CaseWork<'a> {
    pub state: &'a AppState,
    pub council: &'a Council,
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
}

/// Which case, as of which version, and when the thing happened.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub case_id: Uuid,
    /// When it happened; defaults to now. Never in the future or before receipt.
    pub at: Option<DateTime<Utc>>,
    /// The `version` the caller saw; a stale one gets CONFLICT.
    pub expected_version: Option<i32>,
}

/// The case as read for an action, and when the action happened.
pub struct Loaded {
    pub case: case::Model,
    pub at: DateTime<Utc>,
}

impl Loaded {
    /// The local date the action happened on: what policy clocks count from.
    pub fn on(&self) -> NaiveDate {
        local_date(self.at)
    }
}

/// The timeline entry an action writes.
pub struct Step {
    pub kind: EventKind,
    pub policy_version: Option<i32>,
    pub summary: String,
    pub data: Value,
}

impl<'a> CaseWork<'a> {
    pub fn new(state: &'a AppState, council: &'a Council, actor: &'a Actor) -> Self {
        Self {
            state,
            council,
            actor,
            now: state.clock.now(),
        }
    }

    /// Reads the case through the caller's scope (another council's case, or
    /// one they may not see, is NOT_FOUND), checks the caller's roles reach
    /// it for `action`, then the version and `at`.
    async fn load(&self, action: Action, target: Target) -> Result<Loaded> {
        let scope = CaseScope::for_actor(self.actor)?;
        let case = cases::get(&self.state.db, &scope, target.case_id).await?;
        self.ensure_may_work(action, &case).await?;
        if let Some(expected) = target.expected_version.filter(|v| *v != case.version) {
            return Err(stale(expected, case.version));
        }
        // Only staff record when something happened; anyone else acts now.
        if target.at.is_some() && !Audience::of(self.actor).is_staff() {
            return Err(AppError::bad_input(
                "at",
                "at is recorded by council staff only; leave it out",
            ));
        }
        let at = contact::happened_at(
            "at",
            target.at.unwrap_or(self.now),
            case.received_at,
            self.now,
        )?;
        Ok(Loaded { case, at })
    }

    /// Whether the caller's roles reach this case for this action: a role
    /// granted it on the council's cases reaches every case; one granted it
    /// on assigned cases (an investigating officer) only those assigned to
    /// the caller or that they review. One role never lifts another's limit.
    async fn ensure_may_work(&self, action: Action, case: &case::Model) -> Result<()> {
        match self.actor.reach(action) {
            Some(Reach::Council) => Ok(()),
            Some(Reach::Assigned) if self.is_mine(case).await? => Ok(()),
            Some(Reach::Assigned) => Err(AppError::Forbidden(format!(
                "{} is not assigned to you; an investigating officer works the cases assigned to them",
                case.reference
            ))),
            None => self.actor.require(action).map(drop),
        }
    }

    /// Assigned to the caller, or given them to review.
    async fn is_mine(&self, case: &case::Model) -> Result<bool> {
        let me = officers::by_subject(&self.state.db, self.council.id, &self.actor.subject).await?;
        Ok(me.is_some_and(|me| {
            case.assignee_id == Some(me.id) || case.stage2_reviewer_id == Some(me.id)
        }))
    }

    /// The caller acts as the customer on their own case (portal), not as staff.
    pub fn as_customer(&self) -> bool {
        self.actor.has(Role::Customer) && !self.actor.is_case_staff()
    }

    pub fn policy(&self) -> Option<Arc<CompiledPolicy>> {
        self.state.policies.get(self.council.id)
    }

    /// Calls a hook of the council's policy on the policy threads; a script
    /// that fails becomes POLICY_ERROR and nothing is written.
    pub async fn hook<T, F>(&self, policy: &Arc<CompiledPolicy>, call: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&CompiledPolicy) -> std::result::Result<T, Problem> + Send + 'static,
    {
        self.state
            .policy_runner
            .run(self.council.id, policy.clone(), call)
            .await?
            .map_err(|p| self.policy_failed(policy, p))
    }

    /// A script that fails at run time: nothing is written.
    pub fn policy_failed(&self, policy: &CompiledPolicy, problem: Problem) -> AppError {
        AppError::PolicyError(format!(
            "{} policy v{}: {problem}",
            self.council.slug, policy.version
        ))
    }

    /// Deadlines a hook answered, named with the council and version.
    pub fn specs(
        &self,
        policy: &CompiledPolicy,
        out: Vec<DeadlineOut>,
        stage: Option<entity::enums::Stage>,
    ) -> Vec<DeadlineSpec> {
        out.into_iter()
            .map(|d| DeadlineSpec::from_hook(d, stage, &self.council.slug, policy.version))
            .collect()
    }

    /// Refuses the action while a checklist item that blocks it is unmet.
    pub async fn ensure_unblocked(&self, case: &case::Model, action: &str) -> Result<()> {
        let blocking = requirements::unmet(&self.state.db, case, action).await?;
        if blocking.is_empty() {
            return Ok(());
        }
        let message = format!("before {action}: {}", blocking.join("; "));
        Err(AppError::policy_rejected(
            message,
            PolicyDetail {
                unmet_requirements: blocking,
                ..Default::default()
            },
        ))
    }

    /// What policy hooks are told about the case.
    pub async fn facts(&self, case: &case::Model) -> Result<CaseFacts> {
        let learning_points = learning_point::Entity::find()
            .filter(learning_point::Column::CouncilId.eq(case.council_id))
            .filter(learning_point::Column::CaseId.eq(case.id))
            .count(&self.state.db)
            .await?;
        Ok(CaseView::from(case).facts(
            self.council,
            i64::try_from(learning_points).unwrap_or(i64::MAX),
            local_date(self.now),
        ))
    }

    async fn begin(&self) -> Result<DatabaseTransaction> {
        Ok(db::begin_write(&self.state.db).await?)
    }

    /// Ends an action: recomputes the case's next due date from its open
    /// deadlines, writes the changed columns only if the case is still at
    /// the version read (else CONFLICT and the whole transaction is undone),
    /// appends the timeline step, commits and publishes.
    async fn finish(
        &self,
        txn: DatabaseTransaction,
        loaded: &Loaded,
        mut after: case::Model,
        step: Step,
    ) -> Result<case::Model> {
        let before = &loaded.case;
        if !after.status.is_open() {
            // A finished case runs no clock of the council's; its dates stay
            // as history, retired when it finished.
            deadlines::retire_on_finish(&txn, after.id, after.status, loaded.at).await?;
            after.next_due = None;
        }
        after.updated_at = self.now;
        after.version = before.version + 1;
        after.next_due = save(&txn, before, &after).await?;
        let event = events::append(
            &txn,
            NewEvent {
                case_id: after.id,
                kind: step.kind,
                actor: self.actor,
                occurred_at: loaded.at,
                policy_version: step.policy_version,
                summary: step.summary,
                data: step.data,
            },
            self.now,
        )
        .await?;
        txn.commit().await?;
        self.state.feed.publish(CaseChanged::new(&after, &event));
        Ok(after)
    }
}

/// Writes the columns that differ between `before` and `after`, only while
/// the row is still at `before.version`. An open case's `next_due` is taken
/// from its open deadlines in the same statement; returns what it holds.
async fn save(
    txn: &impl ConnectionTrait,
    before: &case::Model,
    after: &case::Model,
) -> Result<Option<NaiveDate>> {
    let mut changes = after.clone().into_active_model();
    for column in case::Column::iter() {
        if before.get(column) != after.get(column) {
            changes.reset(column);
        }
    }
    let mut update = case::Entity::update_many().set(changes);
    if after.status.is_open() {
        update = update.col_expr(case::Column::NextDue, deadlines::next_due_expr(after.id));
    }
    let statement = update
        .filter(case::Column::Id.eq(before.id))
        .filter(case::Column::CouncilId.eq(before.council_id))
        .filter(case::Column::Version.eq(before.version))
        .into_query()
        .returning_col(case::Column::NextDue)
        .to_owned();
    let saved = txn
        .query_one_raw(txn.get_database_backend().build(&statement))
        .await?
        .ok_or_else(|| stale(before.version, before.version + 1))?;
    Ok(saved.try_get("", case::Column::NextDue.as_str())?)
}

pub fn stale(expected: i32, actual: i32) -> AppError {
    AppError::Conflict(format!(
        "the case changed since it was read (version {actual}, not {expected}); reload it and try again"
    ))
}

/// Refuses an action the case's status does not allow.
pub fn require_status(case: &case::Model, allowed: &[CaseStatus], doing: &str) -> Result<()> {
    if allowed.contains(&case.status) {
        return Ok(());
    }
    Err(AppError::bad_input(
        "caseId",
        format!(
            "{} cannot be {doing}: it is {}",
            case.reference,
            status_name(case.status)
        ),
    ))
}

pub fn status_name(status: CaseStatus) -> String {
    sea_orm::ActiveEnum::to_value(&status).replace('_', " ")
}

/// A deadline summary for a timeline event's data.
pub fn deadline_data(specs: &[DeadlineSpec]) -> Value {
    json!(
        specs
            .iter()
            .map(|d| json!({ "kind": d.kind, "due": d.due, "explanation": d.explanation }))
            .collect::<Vec<_>>()
    )
}

/// The kinds of deadline a stage response meets.
pub const ANSWERED: &[DeadlineKind] = &[
    DeadlineKind::Acknowledge,
    DeadlineKind::Respond,
    DeadlineKind::HoldingResponse,
    DeadlineKind::NotifyDepartment,
];
