use sea_orm::entity::prelude::*;

use crate::enums::DesignationLevel;

/// A persistent / unreasonably persistent complainant decision. It belongs to
/// the customer, never to a case.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "persistent_designations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub council_id: Uuid,
    pub customer_id: Uuid,
    pub level: DesignationLevel,
    #[sea_orm(column_type = "Text")]
    pub behaviour: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub required_change: Option<String>,
    pub change_by: Option<Date>,
    pub single_point_of_contact_id: Option<Uuid>,
    pub written_contact_only: bool,
    pub no_reply_on_settled_issues: bool,
    pub letter_date: Option<Date>,
    pub review_by: Option<Date>,
    pub decided_by: String,
    pub decided_at: DateTimeUtc,
    pub policy_version: Option<i32>,
    pub ended_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
