//! A customer has at most one persistent-complainant designation in force:
//! two managers deciding at once cannot both succeed. Designations due for
//! review are found by date.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A partial index: the same statement on SQLite and PostgreSQL.
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_persistent_designations_in_force \
             ON persistent_designations (council_id, customer_id) WHERE ended_at IS NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_persistent_designations_review \
             ON persistent_designations (council_id, review_by) WHERE ended_at IS NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX ix_persistent_designations_review")
            .await?;
        db.execute_unprepared("DROP INDEX ux_persistent_designations_in_force")
            .await?;
        Ok(())
    }
}
