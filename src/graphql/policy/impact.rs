use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::types::PolicyProblem;
use crate::{
    auth::Action,
    domain::policies::impact,
    error::AppError,
    graphql::{context::ContextExt, enums::DeadlineKind, scalars::Date},
};

#[derive(Default)]
pub struct PolicyImpactQuery;

#[Object]
impl PolicyImpactQuery {
    /// Which open deadlines of the council's open cases a candidate script
    /// would move compared with the active version: each is asked again of
    /// the hook that set it, from the same date. Nothing is written. A script
    /// with problems is not run: its problems are returned instead.
    async fn policy_impact(
        &self,
        ctx: &Context<'_>,
        source: String,
        #[graphql(
            desc = "How many changed deadlines to list in full: 50 unless given, at most 500."
        )]
        first: Option<i32>,
    ) -> Result<PolicyImpact> {
        ctx.actor()?.require(Action::AdministerPolicy)?;
        let council = ctx.council()?;
        let listed = first
            .map_or(Ok(impact::DEFAULT_LISTED), usize::try_from)
            .map_err(|_| AppError::bad_input("first", "cannot be negative"))?;
        let state = ctx.state();
        let active = state.policies.get(council.id);
        let found = impact::impact(
            &state.db,
            &state.policy_runner,
            council,
            active,
            &source,
            listed,
            impact::BUDGET,
        )
        .await?;
        Ok(found.into())
    }
}

/// What publishing a candidate script would change for open cases.
#[derive(SimpleObject)]
pub struct PolicyImpact {
    /// The version compared with; null when none is published.
    pub active_version: Option<i32>,
    /// True when the candidate validated and was compared.
    pub ok: bool,
    pub problems: Vec<PolicyProblem>,
    /// False when the time budget ran out: the figures cover the cases read so far.
    pub complete: bool,
    pub cases_examined: i32,
    pub cases_changed: i32,
    pub deadlines_compared: i32,
    pub deadlines_changed: i32,
    pub by_kind: Vec<KindImpact>,
    /// Open deadlines not asked again, and why.
    pub not_recomputed: Vec<NotRecomputed>,
    /// Deadlines on which a candidate hook failed (counted in `notRecomputed`).
    pub candidate_failures: i32,
    pub first_failure: Option<PolicyProblem>,
    /// The first changed deadlines, up to `first`.
    pub changes: Vec<ImpactedDeadline>,
}

#[derive(SimpleObject)]
pub struct KindImpact {
    pub kind: DeadlineKind,
    pub compared: i32,
    pub changed: i32,
    pub not_recomputed: i32,
}

#[derive(SimpleObject)]
pub struct NotRecomputed {
    pub kind: DeadlineKind,
    pub reason: String,
    pub count: i32,
}

#[derive(SimpleObject)]
pub struct ImpactedDeadline {
    pub case_id: ID,
    pub reference: String,
    pub kind: DeadlineKind,
    /// The hook asked again.
    pub hook: String,
    /// The date the case carries now.
    pub stored_due: Date,
    /// The active version's answer from the same hook and date.
    pub old_due: Date,
    /// The candidate's answer; null when it no longer sets this deadline.
    pub new_due: Option<Date>,
    pub new_explanation: Option<String>,
}

fn count(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<impact::Impact> for PolicyImpact {
    fn from(i: impact::Impact) -> Self {
        Self {
            active_version: i.active_version,
            ok: i.problems.is_empty(),
            problems: i.problems.iter().map(PolicyProblem::from).collect(),
            complete: i.complete,
            cases_examined: count(i.cases_examined),
            cases_changed: count(i.cases_changed),
            deadlines_compared: count(i.deadlines_compared),
            deadlines_changed: count(i.deadlines_changed),
            by_kind: i
                .by_kind
                .iter()
                .map(|(kind, k)| KindImpact {
                    kind: kind.0.into(),
                    compared: count(k.compared),
                    changed: count(k.changed),
                    not_recomputed: count(k.not_recomputed),
                })
                .collect(),
            not_recomputed: i
                .not_recomputed
                .iter()
                .map(|((kind, reason), n)| NotRecomputed {
                    kind: kind.0.into(),
                    reason: (*reason).to_owned(),
                    count: count(*n),
                })
                .collect(),
            candidate_failures: count(i.candidate_failures),
            first_failure: i.first_failure.as_ref().map(PolicyProblem::from),
            changes: i
                .changes
                .into_iter()
                .map(|c| ImpactedDeadline {
                    case_id: ID(c.case_id.to_string()),
                    reference: c.reference,
                    kind: c.kind.into(),
                    hook: c.hook.to_owned(),
                    stored_due: Date(c.stored_due),
                    old_due: Date(c.old_due),
                    new_due: c.new_due.map(Date),
                    new_explanation: c.new_explanation,
                })
                .collect(),
        }
    }
}
