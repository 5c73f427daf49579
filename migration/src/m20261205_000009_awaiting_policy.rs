//! A contact the council's policy failed on is stored all the same and
//! flagged, so it is listed and decided when a working version is published.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Cases {
    Table,
    AwaitingPolicy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Cases::Table)
                    .add_column(boolean(Cases::AwaitingPolicy).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Cases::Table)
                    .drop_column(Cases::AwaitingPolicy)
                    .to_owned(),
            )
            .await
    }
}
