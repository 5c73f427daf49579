use sea_orm::entity::prelude::*;

/// Every published text of a council's policy script; the database is the
/// source of truth for a running cluster.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "policy_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub council_id: Uuid,
    pub version: i32,
    #[sea_orm(column_type = "Text")]
    pub source: String,
    pub sha256: String,
    pub published_by: String,
    pub published_at: DateTimeUtc,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
