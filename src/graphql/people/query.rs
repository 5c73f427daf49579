use async_graphql::{Context, ID, Object, Result};

use super::{
    parse_id,
    types::{OfficerChange, PersistentDesignation},
};
use crate::{
    auth::Action,
    domain::people::{officers, persistent},
    graphql::{case::types_public::Officer, context::ContextExt, scalars::Date},
};

#[derive(Default)]
pub struct PeopleQuery;

#[Object]
impl PeopleQuery {
    /// The council's staff directory, by subject (staff only): whom work
    /// may be assigned to.
    async fn officers(&self, ctx: &Context<'_>) -> Result<Vec<Officer>> {
        let actor = ctx.actor()?.require(Action::SeeOfficers)?;
        let rows = officers::directory(&ctx.state().db, actor.council_id).await?;
        Ok(rows.into_iter().map(Officer).collect())
    }

    /// Every change to an officer's entry, oldest first: who, when, the
    /// entry before (null when recorded first) and after.
    async fn officer_changes(
        &self,
        ctx: &Context<'_>,
        subject: String,
    ) -> Result<Vec<OfficerChange>> {
        let actor = ctx.actor()?.require(Action::RecordOfficer)?;
        let rows = officers::changes(&ctx.state().db, actor.council_id, &subject).await?;
        Ok(rows.into_iter().map(OfficerChange).collect())
    }

    /// A customer's persistent-complainant designations, newest first
    /// (staff only). Another council's customer has none.
    async fn persistent_designations(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
    ) -> Result<Vec<PersistentDesignation>> {
        let actor = ctx.actor()?.require(Action::SeeDesignations)?;
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
        let actor = ctx.actor()?.require(Action::SeeDesignations)?;
        let on = on.map(|d| d.0).unwrap_or_else(|| ctx.today());
        let rows = persistent::due_for_review(&ctx.state().db, actor.council_id, on).await?;
        Ok(rows.into_iter().map(PersistentDesignation).collect())
    }
}
