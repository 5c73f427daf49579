use async_graphql::{Context, Object, Result};

use super::types::{PolicyPreview, PolicyValidation, PolicyVersion};
use crate::{
    auth::Action,
    domain::{intake, intake::contact::NewContact, policies},
    graphql::{case::LogContactInput, context::ContextExt},
};

#[derive(Default)]
pub struct PolicyMutation;

#[Object]
impl PolicyMutation {
    /// Checks a script without publishing it: syntax (with line and column),
    /// hook shapes, a dry run of every hook, and the script's own tests.
    async fn validate_policy(&self, ctx: &Context<'_>, source: String) -> Result<PolicyValidation> {
        ctx.actor()?.require(Action::AdministerPolicy)?;
        Ok(policies::validate(ctx.state(), ctx.council()?, &source)
            .await?
            .into())
    }

    /// What a script would decide for a contact. Nothing is written.
    async fn preview_policy(
        &self,
        ctx: &Context<'_>,
        source: String,
        contact: LogContactInput,
    ) -> Result<PolicyPreview> {
        ctx.actor()?.require(Action::AdministerPolicy)?;
        let council = ctx.council()?;
        let now = ctx.now();
        let contact = NewContact::parse(contact.into(), now)?;
        let facts = intake::policy_facts(&contact, contact.via_councillor.is_some(), now);
        let (decision, output) = policies::preview(ctx.state(), council, &source, facts).await?;
        let mut preview = PolicyPreview::from(decision);
        preview.output = output;
        Ok(preview)
    }

    /// Validates and publishes a new version; new actions use it at once.
    /// Refused with POLICY_REJECTED (problems in `extensions.detail`) when
    /// the script has any problem; the active version keeps serving.
    async fn publish_policy(
        &self,
        ctx: &Context<'_>,
        source: String,
        note: Option<String>,
    ) -> Result<PolicyVersion> {
        let actor = ctx.actor()?.require(Action::AdministerPolicy)?;
        let council = ctx.council()?;
        let state = ctx.state();
        let row =
            policies::publish(state, council, &source, &actor.subject, note, ctx.now()).await?;
        Ok(PolicyVersion(row))
    }

    /// Publishes an earlier version's text again as the newest version.
    async fn rollback_policy(&self, ctx: &Context<'_>, version: i32) -> Result<PolicyVersion> {
        let actor = ctx.actor()?.require(Action::AdministerPolicy)?;
        let council = ctx.council()?;
        let state = ctx.state();
        let row = policies::rollback(state, council, version, &actor.subject, ctx.now()).await?;
        Ok(PolicyVersion(row))
    }
}
