//! A caller's idempotency key for a contact they logged, so a retry after a
//! lost answer gets the case already created instead of a second one.
//!
//! The primary key is the uniqueness rule: one key per council and caller
//! (the token's subject), so two identical requests at once make one case
//! and one caller can neither see nor collide with another's keys. There is
//! no foreign key to the case: intake claims the key before it numbers and
//! stores the case, in the same transaction.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum IntakeKeys {
    Table,
    CouncilId,
    Caller,
    IdempotencyKey,
    InputHash,
    CaseId,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Councils {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IntakeKeys::Table)
                    .col(uuid(IntakeKeys::CouncilId))
                    .col(string(IntakeKeys::Caller))
                    .col(string(IntakeKeys::IdempotencyKey))
                    .col(string(IntakeKeys::InputHash))
                    .col(uuid(IntakeKeys::CaseId))
                    .col(timestamp_with_time_zone(IntakeKeys::CreatedAt))
                    .col(timestamp_with_time_zone(IntakeKeys::ExpiresAt))
                    .primary_key(
                        Index::create()
                            .col(IntakeKeys::CouncilId)
                            .col(IntakeKeys::Caller)
                            .col(IntakeKeys::IdempotencyKey),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IntakeKeys::Table, IntakeKeys::CouncilId)
                            .to(Councils::Table, Councils::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IntakeKeys::Table).to_owned())
            .await
    }
}
