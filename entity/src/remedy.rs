use sea_orm::entity::prelude::*;

use crate::enums::RemedyKind;

/// A remedy offered on a case. Money is integer pence.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "remedies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub council_id: Uuid,
    pub case_id: Uuid,
    pub kind: RemedyKind,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub amount_pence: Option<i64>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTimeUtc>,
    pub due: Option<Date>,
    pub completed_at: Option<DateTimeUtc>,
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
