use sea_orm::entity::prelude::*;

/// A checklist item the council's policy puts on a case (e.g. Legal and the
/// Head of Equality notified of a discrimination complaint); until it is met
/// it blocks the actions named in `blocks`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_requirements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub council_id: Uuid,
    pub case_id: Uuid,
    pub key: String,
    #[sea_orm(column_type = "Text")]
    pub label: String,
    /// Action names, e.g. `["acknowledge", "respond"]`.
    pub blocks: Json,
    pub met_at: Option<DateTimeUtc>,
    pub met_by: Option<String>,
    pub policy_version: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
