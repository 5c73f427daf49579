use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "persistent_reviews")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub council_id: Uuid,
    pub designation_id: Uuid,
    pub reviewed_at: DateTimeUtc,
    pub reviewed_by: String,
    /// continue / vary / end
    pub outcome: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    pub next_review_by: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
