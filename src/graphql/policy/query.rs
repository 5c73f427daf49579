use async_graphql::{Context, Object, Result};

use super::types::PolicyVersion;
use crate::{auth::Action, domain::policies, graphql::context::ContextExt};

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
