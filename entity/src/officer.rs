use sea_orm::entity::prelude::*;

/// A member of staff, known by the `sub` of their token within one council.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "officers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub council_id: Uuid,
    pub subject: String,
    pub display_name: String,
    pub email: Option<String>,
    /// Seniority grade that the council's policy maps to a goodwill-payment limit.
    pub seniority: Option<String>,
    pub service_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
