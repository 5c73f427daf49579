use async_graphql::{Context, ID, Object, Result};

use super::{parse_id, types::PersistentDesignation};
use crate::{
    auth::Role,
    domain::persistent,
    graphql::{context::ContextExt, scalars::Date},
};

/// Council staff see designations; customers and councillors do not.
const MAY_SEE: &[Role] = &[
    Role::Frontline,
    Role::InvestigatingOfficer,
    Role::Dcro,
    Role::CustomerFeedbackManager,
];

#[derive(Default)]
pub struct PeopleQuery;

#[Object]
impl PeopleQuery {
    /// A customer's persistent-complainant designations, newest first
    /// (staff only). Another council's customer has none.
    async fn persistent_designations(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
    ) -> Result<Vec<PersistentDesignation>> {
        let actor = ctx.actor()?.require_any(MAY_SEE)?;
        let id = parse_id(&customer_id, "customerId")?;
        let rows = persistent::of_customer(&ctx.state().db, actor.council_id, id).await?;
        Ok(rows.into_iter().map(PersistentDesignation).collect())
    }

    /// Designations in force whose review is due on or before `on`
    /// (default today), soonest first (staff only).
    async fn designations_due_for_review(
        &self,
        ctx: &Context<'_>,
        on: Option<Date>,
    ) -> Result<Vec<PersistentDesignation>> {
        let actor = ctx.actor()?.require_any(MAY_SEE)?;
        let on = on.map(|d| d.0).unwrap_or_else(|| ctx.today());
        let rows = persistent::due_for_review(&ctx.state().db, actor.council_id, on).await?;
        Ok(rows.into_iter().map(PersistentDesignation).collect())
    }
}
