use async_graphql::{Context, Object, Result};
use chrono::Duration;

use crate::{
    auth::Action,
    domain::{cases::queue, people::officers},
    error::AppError,
    graphql::{case::Case, context::ContextExt},
};

#[derive(Default)]
pub struct QueueQuery;

#[Object]
impl QueueQuery {
    /// The open cases the caller has work on now (assigned to them, or given
    /// them to review; a case at a review stage with its reviewer appointed
    /// is the reviewer's) that are overdue or due within `dueWithinDays`
    /// (council calendar), soonest first.
    #[graphql(
        complexity = "first.unwrap_or(queue::MAX_QUEUE as i32).clamp(1, queue::MAX_QUEUE as i32) as usize * child_complexity + 1"
    )]
    async fn my_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 100).")] first: Option<i32>,
        #[graphql(default = 7, desc = "How far ahead to look, 0 to 366 days.")]
        due_within_days: Option<i32>,
    ) -> Result<Vec<Case>> {
        let due_within_days = due_within_days.unwrap_or(7);
        let actor = ctx.actor()?.require(Action::SeeQueue)?;
        let first = match first {
            None => queue::MAX_QUEUE,
            Some(n) if (1..=queue::MAX_QUEUE as i32).contains(&n) => n as u64,
            Some(n) => {
                return Err(AppError::bad_input(
                    "first",
                    format!("first must be between 1 and {}, not {n}", queue::MAX_QUEUE),
                )
                .into());
            }
        };
        if !(0..=366).contains(&due_within_days) {
            return Err(AppError::bad_input(
                "dueWithinDays",
                format!("dueWithinDays must be between 0 and 366, not {due_within_days}"),
            )
            .into());
        }
        let db = &ctx.state().db;
        let Some(me) = officers::by_subject(db, actor.council_id, &actor.subject).await? else {
            // Never assigned anything: nothing queued.
            return Ok(Vec::new());
        };
        let until = ctx.today() + Duration::days(i64::from(due_within_days));
        let cases = queue::assigned(db, actor.council_id, me.id, until, first).await?;
        Ok(cases.into_iter().map(Case::new).collect())
    }
}
