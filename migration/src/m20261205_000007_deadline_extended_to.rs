//! A deadline replaced by an extension keeps the date it was extended to, so
//! its history reads "missed on the 4th, extended to the 18th" without
//! guessing which later row replaced it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Deadlines {
    Table,
    ExtendedTo,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Deadlines::Table)
                    .add_column(date_null(Deadlines::ExtendedTo))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Deadlines::Table)
                    .drop_column(Deadlines::ExtendedTo)
                    .to_owned(),
            )
            .await
    }
}
