//! Schema migrations. They run on every start and with `redress migrate`.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_initial;
mod m20261123_000002_case_work;
mod m20261123_000004_people;
mod m20261123_000005_customer_lookup;
mod m20261201_000006_deadline_case_index;
mod m20261205_000007_deadline_extended_to;
mod m20261205_000008_officers_and_reviews;
mod m20261205_000009_awaiting_policy;
mod m20261206_000010_intake_keys;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_initial::Migration),
            Box::new(m20261123_000002_case_work::Migration),
            Box::new(m20261123_000004_people::Migration),
            Box::new(m20261123_000005_customer_lookup::Migration),
            Box::new(m20261201_000006_deadline_case_index::Migration),
            Box::new(m20261205_000007_deadline_extended_to::Migration),
            Box::new(m20261205_000008_officers_and_reviews::Migration),
            Box::new(m20261205_000009_awaiting_policy::Migration),
            Box::new(m20261206_000010_intake_keys::Migration),
        ]
    }
}
