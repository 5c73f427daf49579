use async_graphql::{Context, ID, Result, SimpleObject, Subscription};
use futures_util::stream::{BoxStream, StreamExt};

use super::watcher::Watcher;
use crate::{
    error::AppError,
    graphql::{
        context::ContextExt,
        enums::{CaseStatus, DeadlineKind, EventKind, Stage},
        scalars::{Date, parse_id},
    },
    live::feed::{CaseChanged, DeadlineBreach},
};

#[derive(Default)]
pub struct LiveSubscription;

/// One committed step of a case: its timeline event and where the case now stands.
#[derive(SimpleObject, Clone)]
pub struct CaseUpdate {
    pub case_id: ID,
    pub reference: String,
    /// The timeline event's kind, e.g. `ACKNOWLEDGED`, `DEADLINE_BREACHED`.
    pub event_kind: EventKind,
    pub summary: String,
    /// The event's place on the case timeline.
    pub seq: i32,
    pub status: CaseStatus,
    pub stage: Option<Stage>,
    pub version: i32,
}

/// A deadline the sweeper found missed, or a holding response fallen due.
#[derive(SimpleObject, Clone)]
pub struct DeadlineBreachUpdate {
    pub case_id: ID,
    pub reference: String,
    /// `DEADLINE_BREACHED` or `HOLDING_RESPONSE_DUE`.
    pub event_kind: EventKind,
    pub summary: String,
    pub seq: i32,
    pub status: CaseStatus,
    pub stage: Option<Stage>,
    pub version: i32,
    pub kind: DeadlineKind,
    pub due: Date,
}

impl TryFrom<CaseChanged> for CaseUpdate {
    type Error = AppError;

    fn try_from(c: CaseChanged) -> Result<Self, AppError> {
        Ok(Self {
            case_id: ID(c.case_id.to_string()),
            reference: c.reference,
            event_kind: EventKind::from_stored(&c.event_kind)?,
            summary: c.summary,
            seq: c.seq,
            status: c.status.into(),
            stage: c.stage.map(Into::into),
            version: c.version,
        })
    }
}

impl TryFrom<DeadlineBreach> for DeadlineBreachUpdate {
    type Error = AppError;

    fn try_from(b: DeadlineBreach) -> Result<Self, AppError> {
        let c = CaseUpdate::try_from(b.change)?;
        Ok(Self {
            case_id: c.case_id,
            reference: c.reference,
            event_kind: c.event_kind,
            summary: c.summary,
            seq: c.seq,
            status: c.status,
            stage: c.stage,
            version: c.version,
            kind: b.kind.into(),
            due: Date(b.due),
        })
    }
}

#[Subscription]
impl LiveSubscription {
    /// Committed changes to the cases the caller may see (all of them for
    /// council staff; the assigned ones for an investigating officer; their
    /// own for a customer; those raised through them for a councillor).
    /// `caseId` narrows it to one case.
    async fn case_updates(
        &self,
        ctx: &Context<'_>,
        case_id: Option<ID>,
    ) -> Result<BoxStream<'static, Result<CaseUpdate>>> {
        let watcher = watcher(ctx, case_id).await?;
        let receiver = ctx.state().feed.subscribe();
        Ok(watcher
            .follow(receiver, |c| c)
            .map(|c| Ok(CaseUpdate::try_from(c)?))
            .boxed())
    }

    /// Deadlines the sweeper records as missed, and holding responses falling
    /// due, on the cases the caller may see.
    async fn deadline_breaches(
        &self,
        ctx: &Context<'_>,
        case_id: Option<ID>,
    ) -> Result<BoxStream<'static, Result<DeadlineBreachUpdate>>> {
        let watcher = watcher(ctx, case_id).await?;
        let receiver = ctx.state().feed.subscribe_breaches();
        Ok(watcher
            .follow(receiver, |b| &mut b.change)
            .map(|b| Ok(DeadlineBreachUpdate::try_from(b)?))
            .boxed())
    }
}

async fn watcher(ctx: &Context<'_>, case_id: Option<ID>) -> Result<Watcher> {
    let actor = ctx.actor()?;
    let case_id = case_id.map(|id| parse_id(&id, "caseId")).transpose()?;
    Ok(Watcher::new(ctx.state().clone(), actor, case_id).await?)
}
