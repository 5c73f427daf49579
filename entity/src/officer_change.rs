use sea_orm::entity::prelude::*;

/// One change to an officer's directory entry: who made it, when, and the
/// entry before (null when it was created) and after. Never updated.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "officer_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub council_id: Uuid,
    pub officer_id: Uuid,
    pub changed_by: String,
    pub changed_at: DateTimeUtc,
    pub old: Option<Json>,
    pub new: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
