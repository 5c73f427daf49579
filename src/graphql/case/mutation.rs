use async_graphql::{Context, Object, Result};

use super::{inputs::LogContactInput, types::Case};
use crate::{
    domain::{contact::NewContact, intake},
    graphql::context::ContextExt,
};

#[derive(Default)]
pub struct CaseMutation;

#[Object]
impl CaseMutation {
    /// Log a complaint, compliment, comment or suggestion. The council's
    /// policy decides its stage and deadlines.
    async fn log_contact(&self, ctx: &Context<'_>, input: LogContactInput) -> Result<Case> {
        let actor = ctx.actor()?.require_any(intake::MAY_LOG)?;
        let council = ctx.council()?;
        let now = ctx.now();
        let contact = NewContact::parse(input.into(), now)?;
        let state = ctx.state();
        let model =
            intake::log_contact(&state.db, council, actor, &state.policies, contact, now).await?;
        state
            .metrics
            .contacts_logged
            .with_label_values(&[&council.slug])
            .inc();
        let sees_customer = ctx
            .case_scope()
            .is_ok_and(|scope| scope.sees_customer_details());
        Ok(Case::new(model, sees_customer))
    }
}
