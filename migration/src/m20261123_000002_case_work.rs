//! What case work needs on a case beyond intake: when the current stage
//! started, was acknowledged, answered and last updated (the policy's clocks
//! run from these), the ombudsman's own reference, and the flag for a contact
//! from a customer under persistent-complainant restrictions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Cases {
    Table,
    StageStartedAt,
    AcknowledgedAt,
    RespondedAt,
    LastUpdateAt,
    OmbudsmanReference,
    RestrictedCustomer,
}

#[derive(DeriveIden, Clone, Copy)]
enum Deadlines {
    Table,
    CaseId,
    Kind,
    MetAt,
    SupersededAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [
            timestamp_with_time_zone_null(Cases::StageStartedAt),
            timestamp_with_time_zone_null(Cases::AcknowledgedAt),
            timestamp_with_time_zone_null(Cases::RespondedAt),
            timestamp_with_time_zone_null(Cases::LastUpdateAt),
            string_null(Cases::OmbudsmanReference),
            boolean(Cases::RestrictedCustomer).default(false).to_owned(),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Cases::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        // A case's open deadlines of one kind: what every action meets or supersedes.
        manager
            .create_index(
                Index::create()
                    .name("ix_deadlines_case_kind_open")
                    .table(Deadlines::Table)
                    .col(Deadlines::CaseId)
                    .col(Deadlines::Kind)
                    .col(Deadlines::MetAt)
                    .col(Deadlines::SupersededAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_deadlines_case_kind_open")
                    .table(Deadlines::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Cases::RestrictedCustomer,
            Cases::OmbudsmanReference,
            Cases::LastUpdateAt,
            Cases::RespondedAt,
            Cases::AcknowledgedAt,
            Cases::StageStartedAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Cases::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
