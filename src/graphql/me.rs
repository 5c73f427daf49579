use async_graphql::{Context, Object, Result, SimpleObject};
use entity::service;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::case::types_public::Service;
use crate::{auth::Role, graphql::context::ContextExt};

#[derive(Default)]
pub struct MeQuery;

#[Object]
impl MeQuery {
    /// The signed-in caller, as their token describes them.
    async fn me(&self, ctx: &Context<'_>) -> Result<Me> {
        let actor = ctx.actor()?;
        let council = ctx.council()?;
        Ok(Me {
            subject: actor.subject.clone(),
            name: actor.name.clone(),
            roles: actor.roles.clone(),
            council: CouncilInfo {
                slug: council.slug.clone(),
                name: council.name.clone(),
            },
        })
    }
}

#[derive(SimpleObject)]
pub struct Me {
    pub subject: String,
    pub name: Option<String>,
    pub roles: Vec<Role>,
    pub council: CouncilInfo,
}

#[derive(SimpleObject)]
pub struct Exclusion {
    pub key: String,
    pub label: String,
}

pub struct CouncilInfo {
    slug: String,
    name: String,
}

#[Object]
impl CouncilInfo {
    async fn slug(&self) -> &str {
        &self.slug
    }

    async fn name(&self) -> &str {
        &self.name
    }

    /// The categories the council's policy treats as out of scope; pass one
    /// as `exclusion` when logging a contact.
    async fn exclusions(&self, ctx: &Context<'_>) -> Result<Vec<Exclusion>> {
        let council = ctx.council()?;
        Ok(ctx
            .state()
            .policies
            .get(council.id)
            .map(|p| {
                p.exclusions()
                    .iter()
                    .map(|e| Exclusion {
                        key: e.key.clone(),
                        label: e.label.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The services contacts can be logged against.
    async fn services(&self, ctx: &Context<'_>) -> Result<Vec<Service>> {
        let council = ctx.council()?;
        let rows = service::Entity::find()
            .filter(service::Column::CouncilId.eq(council.id))
            .order_by_asc(service::Column::Name)
            .all(&ctx.state().db)
            .await?;
        Ok(rows.into_iter().map(Service::from).collect())
    }
}
