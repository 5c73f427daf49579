//! `ix_deadlines_case (case_id)` is the leading column of
//! `ix_deadlines_case_kind_open`, which serves every lookup of a case's
//! deadlines on both databases. Keeping both cost one more index entry for
//! every deadline written, met, superseded or marked missed, which the
//! sweeper does by the tens of thousands when it catches up.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX ix_deadlines_case")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("CREATE INDEX ix_deadlines_case ON deadlines (case_id)")
            .await?;
        Ok(())
    }
}
