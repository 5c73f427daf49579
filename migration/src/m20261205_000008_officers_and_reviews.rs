//! Every change to the staff directory is kept: an officer's seniority sets
//! the goodwill payments they may approve, so who set it, when, and from
//! what to what must be answerable afterwards. A reviewer's queue reads the
//! cases they review by due date, as an investigator's reads those assigned.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum OfficerChanges {
    Table,
    Id,
    CouncilId,
    OfficerId,
    ChangedBy,
    ChangedAt,
    Old,
    New,
}

#[derive(DeriveIden, Clone, Copy)]
enum Officers {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Cases {
    Table,
    CouncilId,
    Stage2ReviewerId,
    NextDue,
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
                    .table(OfficerChanges::Table)
                    .col(pk_uuid(OfficerChanges::Id))
                    .col(uuid(OfficerChanges::CouncilId))
                    .col(uuid(OfficerChanges::OfficerId))
                    .col(string(OfficerChanges::ChangedBy))
                    .col(timestamp_with_time_zone(OfficerChanges::ChangedAt))
                    .col(json_null(OfficerChanges::Old))
                    .col(json(OfficerChanges::New))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OfficerChanges::Table, OfficerChanges::CouncilId)
                            .to(Councils::Table, Councils::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OfficerChanges::Table, OfficerChanges::OfficerId)
                            .to(Officers::Table, Officers::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_officer_changes_officer")
                    .table(OfficerChanges::Table)
                    .col(OfficerChanges::CouncilId)
                    .col(OfficerChanges::OfficerId)
                    .col(OfficerChanges::ChangedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_cases_council_reviewer_due")
                    .table(Cases::Table)
                    .col(Cases::CouncilId)
                    .col(Cases::Stage2ReviewerId)
                    .col(Cases::NextDue)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_cases_council_reviewer_due")
                    .table(Cases::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(OfficerChanges::Table).to_owned())
            .await
    }
}
