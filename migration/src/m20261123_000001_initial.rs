//! The whole domain in one first migration: councils (tenants) and everything
//! that belongs to them, with indexes for the hot paths (a council's open cases
//! by due date, by assignee, by customer, by reference, newest first).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Councils {
    Table,
    Id,
    Slug,
    Name,
    ReferencePrefix,
    Timezone,
    ActivePolicyVersion,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Services {
    Table,
    Id,
    CouncilId,
    Slug,
    Name,
}

#[derive(DeriveIden, Clone, Copy)]
enum Officers {
    Table,
    Id,
    CouncilId,
    Subject,
    DisplayName,
    Email,
    Seniority,
    ServiceId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Customers {
    Table,
    Id,
    CouncilId,
    PortalSubject,
    Name,
    Email,
    Phone,
    Address,
    PreferredChannel,
    ReasonableAdjustments,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Cases {
    Table,
    Id,
    CouncilId,
    Reference,
    ReferenceYear,
    ReferenceSeq,
    Kind,
    Channel,
    Stage,
    Status,
    ReceivedAt,
    ServiceId,
    Anonymous,
    CustomerId,
    Subject,
    Description,
    DesiredOutcome,
    ViaCouncillor,
    CouncillorSubject,
    RespondToCouncillor,
    Discrimination,
    AboutStaff,
    MultiService,
    AssigneeId,
    Stage2ReviewerId,
    Outcome,
    Ombudsman,
    ScopeReason,
    Signpost,
    NextDue,
    LoggedBy,
    CreatedAt,
    UpdatedAt,
    ClosedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum Deadlines {
    Table,
    Id,
    CouncilId,
    CaseId,
    Stage,
    Kind,
    Due,
    MetAt,
    BreachRecordedAt,
    SupersededAt,
    PolicyVersion,
    Explanation,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CaseRequirements {
    Table,
    Id,
    CouncilId,
    CaseId,
    Key,
    Label,
    Blocks,
    MetAt,
    MetBy,
    PolicyVersion,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CaseEvents {
    Table,
    Id,
    CouncilId,
    CaseId,
    Seq,
    Kind,
    ActorSubject,
    ActorRole,
    OccurredAt,
    RecordedAt,
    PolicyVersion,
    Summary,
    Data,
}

#[derive(DeriveIden, Clone, Copy)]
enum PolicyVersions {
    Table,
    Id,
    CouncilId,
    Version,
    Source,
    Sha256,
    PublishedBy,
    PublishedAt,
    Note,
}

#[derive(DeriveIden, Clone, Copy)]
enum PersistentDesignations {
    Table,
    Id,
    CouncilId,
    CustomerId,
    Level,
    Behaviour,
    RequiredChange,
    ChangeBy,
    SinglePointOfContactId,
    WrittenContactOnly,
    NoReplyOnSettledIssues,
    LetterDate,
    ReviewBy,
    DecidedBy,
    DecidedAt,
    PolicyVersion,
    EndedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PersistentReviews {
    Table,
    Id,
    CouncilId,
    DesignationId,
    ReviewedAt,
    ReviewedBy,
    Outcome,
    Notes,
    NextReviewBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum Remedies {
    Table,
    Id,
    CouncilId,
    CaseId,
    Kind,
    Description,
    AmountPence,
    ApprovedBy,
    ApprovedAt,
    Due,
    CompletedAt,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum LearningPoints {
    Table,
    Id,
    CouncilId,
    CaseId,
    ServiceId,
    Lesson,
    ServiceImprovement,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ReferenceCounters {
    Table,
    CouncilId,
    Year,
    Last,
}

fn belongs_to_council<T: IntoIden + Copy + 'static>(table: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, Alias::new("council_id"))
        .to(Councils::Table, Councils::Id)
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

fn belongs_to_case<T: IntoIden + Copy + 'static>(table: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, Alias::new("case_id"))
        .to(Cases::Table, Cases::Id)
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

fn index<T: IntoIden + Copy + 'static>(
    name: &str,
    table: T,
    cols: &[&'static str],
) -> IndexCreateStatement {
    let mut stmt = Index::create().name(name).table(table).to_owned();
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    stmt
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Councils::Table)
                    .col(pk_uuid(Councils::Id))
                    .col(string_len_uniq(Councils::Slug, 64))
                    .col(string(Councils::Name))
                    .col(string_len_uniq(Councils::ReferencePrefix, 8))
                    .col(string_len(Councils::Timezone, 64))
                    .col(integer_null(Councils::ActivePolicyVersion))
                    .col(timestamp_with_time_zone(Councils::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Services::Table)
                    .col(pk_uuid(Services::Id))
                    .col(uuid(Services::CouncilId))
                    .col(string_len(Services::Slug, 64))
                    .col(string(Services::Name))
                    .foreign_key(&mut belongs_to_council(Services::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_services_council_slug",
                    Services::Table,
                    &["council_id", "slug"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Officers::Table)
                    .col(pk_uuid(Officers::Id))
                    .col(uuid(Officers::CouncilId))
                    .col(string(Officers::Subject))
                    .col(string(Officers::DisplayName))
                    .col(string_null(Officers::Email))
                    .col(string_len_null(Officers::Seniority, 64))
                    .col(uuid_null(Officers::ServiceId))
                    .col(timestamp_with_time_zone(Officers::CreatedAt))
                    .foreign_key(&mut belongs_to_council(Officers::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_officers_council_subject",
                    Officers::Table,
                    &["council_id", "subject"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Customers::Table)
                    .col(pk_uuid(Customers::Id))
                    .col(uuid(Customers::CouncilId))
                    .col(string_null(Customers::PortalSubject))
                    .col(string_null(Customers::Name))
                    .col(string_null(Customers::Email))
                    .col(string_len_null(Customers::Phone, 64))
                    .col(text_null(Customers::Address))
                    .col(string_len_null(Customers::PreferredChannel, 16))
                    .col(text_null(Customers::ReasonableAdjustments))
                    .col(timestamp_with_time_zone(Customers::CreatedAt))
                    .foreign_key(&mut belongs_to_council(Customers::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_customers_council_email",
                Customers::Table,
                &["council_id", "email"],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_customers_council_portal",
                Customers::Table,
                &["council_id", "portal_subject"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Cases::Table)
                    .col(pk_uuid(Cases::Id))
                    .col(uuid(Cases::CouncilId))
                    .col(string_len(Cases::Reference, 32))
                    .col(integer_null(Cases::ReferenceYear))
                    .col(big_integer_null(Cases::ReferenceSeq))
                    .col(string_len(Cases::Kind, 24))
                    .col(string_len(Cases::Channel, 16))
                    .col(string_len_null(Cases::Stage, 16))
                    .col(string_len(Cases::Status, 24))
                    .col(timestamp_with_time_zone(Cases::ReceivedAt))
                    .col(uuid_null(Cases::ServiceId))
                    .col(boolean(Cases::Anonymous))
                    .col(uuid_null(Cases::CustomerId))
                    .col(string(Cases::Subject))
                    .col(text(Cases::Description))
                    .col(text_null(Cases::DesiredOutcome))
                    .col(string_null(Cases::ViaCouncillor))
                    .col(string_null(Cases::CouncillorSubject))
                    .col(boolean(Cases::RespondToCouncillor))
                    .col(boolean(Cases::Discrimination))
                    .col(boolean(Cases::AboutStaff))
                    .col(boolean(Cases::MultiService))
                    .col(uuid_null(Cases::AssigneeId))
                    .col(uuid_null(Cases::Stage2ReviewerId))
                    .col(string_len_null(Cases::Outcome, 16))
                    .col(string_len_null(Cases::Ombudsman, 16))
                    .col(text_null(Cases::ScopeReason))
                    .col(text_null(Cases::Signpost))
                    .col(date_null(Cases::NextDue))
                    .col(string(Cases::LoggedBy))
                    .col(timestamp_with_time_zone(Cases::CreatedAt))
                    .col(timestamp_with_time_zone(Cases::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Cases::ClosedAt))
                    .col(integer(Cases::Version))
                    .foreign_key(&mut belongs_to_council(Cases::Table))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Cases::Table, Cases::ServiceId)
                            .to(Services::Table, Services::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Cases::Table, Cases::CustomerId)
                            .to(Customers::Table, Customers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Cases::Table, Cases::AssigneeId)
                            .to(Officers::Table, Officers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            (
                "ux_cases_council_reference",
                &["council_id", "reference"][..],
                true,
            ),
            (
                "ux_cases_council_year_seq",
                &["council_id", "reference_year", "reference_seq"][..],
                true,
            ),
            (
                "ix_cases_council_received",
                &["council_id", "received_at", "id"][..],
                false,
            ),
            (
                "ix_cases_council_status_due",
                &["council_id", "status", "next_due"][..],
                false,
            ),
            (
                "ix_cases_council_assignee_due",
                &["council_id", "assignee_id", "next_due"][..],
                false,
            ),
            (
                "ix_cases_council_customer",
                &["council_id", "customer_id"][..],
                false,
            ),
            (
                "ix_cases_council_councillor",
                &["council_id", "councillor_subject"][..],
                false,
            ),
        ] {
            let mut stmt = index(name, Cases::Table, cols);
            if unique {
                stmt.unique();
            }
            manager.create_index(stmt).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Deadlines::Table)
                    .col(pk_uuid(Deadlines::Id))
                    .col(uuid(Deadlines::CouncilId))
                    .col(uuid(Deadlines::CaseId))
                    .col(string_len_null(Deadlines::Stage, 16))
                    .col(string_len(Deadlines::Kind, 24))
                    .col(date(Deadlines::Due))
                    .col(timestamp_with_time_zone_null(Deadlines::MetAt))
                    .col(timestamp_with_time_zone_null(Deadlines::BreachRecordedAt))
                    .col(timestamp_with_time_zone_null(Deadlines::SupersededAt))
                    .col(integer(Deadlines::PolicyVersion))
                    .col(text(Deadlines::Explanation))
                    .col(timestamp_with_time_zone(Deadlines::CreatedAt))
                    .foreign_key(&mut belongs_to_council(Deadlines::Table))
                    .foreign_key(&mut belongs_to_case(Deadlines::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_deadlines_case", Deadlines::Table, &["case_id"]))
            .await?;
        manager
            .create_index(index(
                "ix_deadlines_open_due",
                Deadlines::Table,
                &["met_at", "breach_recorded_at", "due"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CaseRequirements::Table)
                    .col(pk_uuid(CaseRequirements::Id))
                    .col(uuid(CaseRequirements::CouncilId))
                    .col(uuid(CaseRequirements::CaseId))
                    .col(string_len(CaseRequirements::Key, 64))
                    .col(text(CaseRequirements::Label))
                    .col(json(CaseRequirements::Blocks))
                    .col(timestamp_with_time_zone_null(CaseRequirements::MetAt))
                    .col(string_null(CaseRequirements::MetBy))
                    .col(integer(CaseRequirements::PolicyVersion))
                    .col(timestamp_with_time_zone(CaseRequirements::CreatedAt))
                    .foreign_key(&mut belongs_to_council(CaseRequirements::Table))
                    .foreign_key(&mut belongs_to_case(CaseRequirements::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_case_requirements_case_key",
                    CaseRequirements::Table,
                    &["case_id", "key"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CaseEvents::Table)
                    .col(pk_uuid(CaseEvents::Id))
                    .col(uuid(CaseEvents::CouncilId))
                    .col(uuid(CaseEvents::CaseId))
                    .col(integer(CaseEvents::Seq))
                    .col(string_len(CaseEvents::Kind, 48))
                    .col(string(CaseEvents::ActorSubject))
                    .col(string_len(CaseEvents::ActorRole, 32))
                    .col(timestamp_with_time_zone(CaseEvents::OccurredAt))
                    .col(timestamp_with_time_zone(CaseEvents::RecordedAt))
                    .col(integer_null(CaseEvents::PolicyVersion))
                    .col(text(CaseEvents::Summary))
                    .col(json(CaseEvents::Data))
                    .foreign_key(&mut belongs_to_council(CaseEvents::Table))
                    .foreign_key(&mut belongs_to_case(CaseEvents::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_case_events_case_seq",
                    CaseEvents::Table,
                    &["case_id", "seq"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PolicyVersions::Table)
                    .col(pk_uuid(PolicyVersions::Id))
                    .col(uuid(PolicyVersions::CouncilId))
                    .col(integer(PolicyVersions::Version))
                    .col(text(PolicyVersions::Source))
                    .col(string_len(PolicyVersions::Sha256, 64))
                    .col(string(PolicyVersions::PublishedBy))
                    .col(timestamp_with_time_zone(PolicyVersions::PublishedAt))
                    .col(text_null(PolicyVersions::Note))
                    .foreign_key(&mut belongs_to_council(PolicyVersions::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_policy_versions_council_version",
                    PolicyVersions::Table,
                    &["council_id", "version"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PersistentDesignations::Table)
                    .col(pk_uuid(PersistentDesignations::Id))
                    .col(uuid(PersistentDesignations::CouncilId))
                    .col(uuid(PersistentDesignations::CustomerId))
                    .col(string_len(PersistentDesignations::Level, 16))
                    .col(text(PersistentDesignations::Behaviour))
                    .col(text_null(PersistentDesignations::RequiredChange))
                    .col(date_null(PersistentDesignations::ChangeBy))
                    .col(uuid_null(PersistentDesignations::SinglePointOfContactId))
                    .col(boolean(PersistentDesignations::WrittenContactOnly))
                    .col(boolean(PersistentDesignations::NoReplyOnSettledIssues))
                    .col(date_null(PersistentDesignations::LetterDate))
                    .col(date_null(PersistentDesignations::ReviewBy))
                    .col(string(PersistentDesignations::DecidedBy))
                    .col(timestamp_with_time_zone(PersistentDesignations::DecidedAt))
                    .col(integer_null(PersistentDesignations::PolicyVersion))
                    .col(timestamp_with_time_zone_null(
                        PersistentDesignations::EndedAt,
                    ))
                    .foreign_key(&mut belongs_to_council(PersistentDesignations::Table))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                PersistentDesignations::Table,
                                PersistentDesignations::CustomerId,
                            )
                            .to(Customers::Table, Customers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_persistent_designations_customer",
                PersistentDesignations::Table,
                &["council_id", "customer_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PersistentReviews::Table)
                    .col(pk_uuid(PersistentReviews::Id))
                    .col(uuid(PersistentReviews::CouncilId))
                    .col(uuid(PersistentReviews::DesignationId))
                    .col(timestamp_with_time_zone(PersistentReviews::ReviewedAt))
                    .col(string(PersistentReviews::ReviewedBy))
                    .col(string_len(PersistentReviews::Outcome, 16))
                    .col(text_null(PersistentReviews::Notes))
                    .col(date_null(PersistentReviews::NextReviewBy))
                    .foreign_key(&mut belongs_to_council(PersistentReviews::Table))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PersistentReviews::Table, PersistentReviews::DesignationId)
                            .to(PersistentDesignations::Table, PersistentDesignations::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Remedies::Table)
                    .col(pk_uuid(Remedies::Id))
                    .col(uuid(Remedies::CouncilId))
                    .col(uuid(Remedies::CaseId))
                    .col(string_len(Remedies::Kind, 24))
                    .col(text(Remedies::Description))
                    .col(big_integer_null(Remedies::AmountPence))
                    .col(string_null(Remedies::ApprovedBy))
                    .col(timestamp_with_time_zone_null(Remedies::ApprovedAt))
                    .col(date_null(Remedies::Due))
                    .col(timestamp_with_time_zone_null(Remedies::CompletedAt))
                    .col(string(Remedies::RecordedBy))
                    .col(timestamp_with_time_zone(Remedies::RecordedAt))
                    .foreign_key(&mut belongs_to_council(Remedies::Table))
                    .foreign_key(&mut belongs_to_case(Remedies::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_remedies_case", Remedies::Table, &["case_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LearningPoints::Table)
                    .col(pk_uuid(LearningPoints::Id))
                    .col(uuid(LearningPoints::CouncilId))
                    .col(uuid(LearningPoints::CaseId))
                    .col(uuid_null(LearningPoints::ServiceId))
                    .col(text(LearningPoints::Lesson))
                    .col(text_null(LearningPoints::ServiceImprovement))
                    .col(string(LearningPoints::RecordedBy))
                    .col(timestamp_with_time_zone(LearningPoints::RecordedAt))
                    .foreign_key(&mut belongs_to_council(LearningPoints::Table))
                    .foreign_key(&mut belongs_to_case(LearningPoints::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_learning_points_case",
                LearningPoints::Table,
                &["case_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReferenceCounters::Table)
                    .col(uuid(ReferenceCounters::CouncilId))
                    .col(integer(ReferenceCounters::Year))
                    .col(big_integer(ReferenceCounters::Last))
                    .primary_key(
                        Index::create()
                            .col(ReferenceCounters::CouncilId)
                            .col(ReferenceCounters::Year),
                    )
                    .foreign_key(&mut belongs_to_council(ReferenceCounters::Table))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ReferenceCounters::Table.into_iden(),
            LearningPoints::Table.into_iden(),
            Remedies::Table.into_iden(),
            PersistentReviews::Table.into_iden(),
            PersistentDesignations::Table.into_iden(),
            PolicyVersions::Table.into_iden(),
            CaseEvents::Table.into_iden(),
            CaseRequirements::Table.into_iden(),
            Deadlines::Table.into_iden(),
            Cases::Table.into_iden(),
            Customers::Table.into_iden(),
            Officers::Table.into_iden(),
            Services::Table.into_iden(),
            Councils::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
