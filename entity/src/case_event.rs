use sea_orm::entity::prelude::*;

/// One immutable entry of a case's timeline. `seq` is unique per case, so two
/// writers racing on one case cannot both append the same step.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub council_id: Uuid,
    pub case_id: Uuid,
    pub seq: i32,
    pub kind: String,
    pub actor_subject: String,
    pub actor_role: String,
    /// When it happened (may be earlier than when it was recorded).
    pub occurred_at: DateTimeUtc,
    pub recorded_at: DateTimeUtc,
    pub policy_version: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    pub data: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
