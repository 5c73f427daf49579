use sea_orm::entity::prelude::*;

use crate::enums::{DeadlineKind, Stage};

/// A date by which something must happen at a stage, computed by the
/// council's policy. Never rewritten: an extension supersedes it with a new row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deadlines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub council_id: Uuid,
    pub case_id: Uuid,
    pub stage: Option<Stage>,
    pub kind: DeadlineKind,
    pub due: Date,
    pub met_at: Option<DateTimeUtc>,
    /// When the sweeper recorded the breach, so it is reported once.
    pub breach_recorded_at: Option<DateTimeUtc>,
    pub superseded_at: Option<DateTimeUtc>,
    /// The new date, when an extension superseded it.
    pub extended_to: Option<Date>,
    pub policy_version: i32,
    pub explanation: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
