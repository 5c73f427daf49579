use async_graphql::{Context, Object, Result};

use super::types::{CaseAwaitingPolicy, PolicyVersion};
use crate::{
    auth::Action,
    domain::{intake::awaiting_policy, policies},
    graphql::context::ContextExt,
};

#[derive(Default)]
pub struct PolicyQuery;

#[Object]
impl PolicyQuery {
    /// The caller's council's policy: the active version and every earlier one.
    async fn policy(&self, ctx: &Context<'_>) -> Result<Policy> {
        ctx.actor()?.require(Action::AdministerPolicy)?;
        let council = ctx.council()?;
        let history = policies::history(&ctx.state().db, council.id).await?;
        let active_version = ctx.state().policies.version(council.id);
        let hooks = ctx
            .state()
            .policies
            .get(council.id)
            .map(|p| p.hooks().map(str::to_owned).collect())
            .unwrap_or_default();
        Ok(Policy {
            council: council.slug.clone(),
            active_version,
            history,
            hooks,
        })
    }

    /// Contacts the council's policy failed on, stored and numbered but not
    /// yet decided (no deadlines), oldest first, with what the script said.
    async fn cases_awaiting_policy(&self, ctx: &Context<'_>) -> Result<Vec<CaseAwaitingPolicy>> {
        ctx.actor()?.require(Action::SeeCasesAwaitingPolicy)?;
        let council = ctx.council()?;
        let waiting = awaiting_policy::with_failures(&ctx.state().db, council.id).await?;
        Ok(waiting.into_iter().map(CaseAwaitingPolicy::from).collect())
    }
}

pub struct Policy {
    council: String,
    active_version: Option<i32>,
    history: Vec<entity::policy_version::Model>,
    hooks: Vec<String>,
}

#[Object]
impl Policy {
    async fn council(&self) -> &str {
        &self.council
    }

    /// The version new actions use; null when none is published (defaults apply).
    async fn active(&self) -> Option<PolicyVersion> {
        let version = self.active_version?;
        self.history
            .iter()
            .find(|v| v.version == version)
            .cloned()
            .map(PolicyVersion)
    }

    /// Newest first: who published each version, when, and its hash.
    async fn history(&self) -> Vec<PolicyVersion> {
        self.history.iter().cloned().map(PolicyVersion).collect()
    }

    /// The hooks the active version defines; the others use their defaults.
    async fn hooks(&self) -> &[String] {
        &self.hooks
    }
}
