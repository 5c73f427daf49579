use sea_orm::entity::prelude::*;

/// A council is a tenant: every other row belongs to exactly one.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "councils")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    /// Three letters that start every case reference, e.g. `LEE`.
    #[sea_orm(unique)]
    pub reference_prefix: String,
    pub timezone: String,
    /// The policy version new actions use; `None` until one is published.
    pub active_policy_version: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
