use async_graphql::{Context, Object, Result};

use super::types::{PolicyPreview, PolicyValidation, PolicyVersion};
use crate::{
    domain::{contact::NewContact, intake, policies},
    error::AppError,
    graphql::{case::LogContactInput, context::ContextExt},
    policy::{CompiledPolicy, IntakeDecision},
};

#[derive(Default)]
pub struct PolicyMutation;

#[Object]
impl PolicyMutation {
    /// Checks a script without publishing it: syntax (with line and column),
    /// hook shapes, a dry run of every hook, and the script's own tests.
    async fn validate_policy(&self, ctx: &Context<'_>, source: String) -> Result<PolicyValidation> {
        ctx.actor()?.require_any(policies::MAY_ADMINISTER)?;
        Ok(policies::validate(ctx.council()?, &source)?.into())
    }

    /// What a script would decide for a contact. Nothing is written.
    async fn preview_policy(
        &self,
        ctx: &Context<'_>,
        source: String,
        contact: LogContactInput,
    ) -> Result<PolicyPreview> {
        ctx.actor()?.require_any(policies::MAY_ADMINISTER)?;
        let council = ctx.council()?;
        policies::check_size(&source)?;
        let now = ctx.now();
        let contact = NewContact::parse(contact.into(), now)?;
        let policy = CompiledPolicy::compile(&council.slug, 0, &source).map_err(|problems| {
            AppError::PolicyRejected {
                message: format!(
                    "the script does not compile: {}",
                    problems.first().map(|p| p.to_string()).unwrap_or_default()
                ),
                detail: Some(Box::new(crate::error::PolicyDetail {
                    problems,
                    ..Default::default()
                })),
            }
        })?;
        let facts = intake::policy_facts(&contact, contact.via_councillor.is_some(), now);
        let decision = IntakeDecision::from_policy(&policy, &facts)
            .map_err(|p| AppError::PolicyError(p.to_string()))?;
        Ok(decision.into())
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
        let actor = ctx.actor()?.require_any(policies::MAY_ADMINISTER)?;
        let council = ctx.council()?;
        let state = ctx.state();
        let row = policies::publish(
            &state.db,
            &state.policies,
            council,
            &source,
            &actor.subject,
            note,
            ctx.now(),
        )
        .await?;
        Ok(PolicyVersion(row))
    }

    /// Publishes an earlier version's text again as the newest version.
    async fn rollback_policy(&self, ctx: &Context<'_>, version: i32) -> Result<PolicyVersion> {
        let actor = ctx.actor()?.require_any(policies::MAY_ADMINISTER)?;
        let council = ctx.council()?;
        let state = ctx.state();
        let row = policies::rollback(
            &state.db,
            &state.policies,
            council,
            version,
            &actor.subject,
            ctx.now(),
        )
        .await?;
        Ok(PolicyVersion(row))
    }
}
