//! Connecting, migrating and starting write transactions, the same way on
//! SQLite and PostgreSQL.

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, SqlxPostgresConnector, TransactionOptions, TransactionTrait,
    sqlx::{
        ConnectOptions as _,
        postgres::{PgConnectOptions, PgPoolOptions},
    },
};

use crate::config::DatabaseArgs;

pub async fn connect(args: &DatabaseArgs) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(args.database_url.clone());
    options
        .max_connections(args.db_max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false)
        // WAL lets readers run beside the single writer; the busy timeout
        // makes concurrent writers queue instead of failing.
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
        });
    let db = Database::connect(options).await.with_context(|| {
        format!(
            "connecting to the database at {}",
            redact(&args.database_url)
        )
    })?;
    Ok(db)
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("running database migrations")
}

/// Database pools for the HTTP workers. Each actix worker runs its own
/// single-threaded runtime; a connection is driven by the runtime that opened
/// it, so a pool shared between workers makes every statement hop threads.
/// On PostgreSQL each worker therefore gets a pool of its own, opened lazily
/// from its thread, with an equal share of `REDRESS_DB_MAX_CONNECTIONS`.
/// SQLite runs its connections on their own threads anyway; there the workers
/// share the one pool.
#[derive(Clone)]
pub struct WorkerPools {
    shared: DatabaseConnection,
    postgres: Option<(PgConnectOptions, u32)>,
}

impl WorkerPools {
    pub fn new(
        args: &DatabaseArgs,
        shared: &DatabaseConnection,
        workers: usize,
    ) -> anyhow::Result<Self> {
        let postgres = if shared.get_database_backend() == DatabaseBackend::Postgres {
            let options: PgConnectOptions = args
                .database_url
                .parse()
                .with_context(|| format!("reading {}", redact(&args.database_url)))?;
            let per_worker = (args.db_max_connections / workers.max(1) as u32).max(2);
            Some((options.disable_statement_logging(), per_worker))
        } else {
            None
        };
        Ok(Self {
            shared: shared.clone(),
            postgres,
        })
    }

    /// A pool for the calling worker.
    pub fn connection(&self) -> DatabaseConnection {
        match &self.postgres {
            Some((options, max)) => SqlxPostgresConnector::from_sqlx_postgres_pool(
                PgPoolOptions::new()
                    .max_connections(*max)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_lazy_with(options.clone()),
            ),
            None => self.shared.clone(),
        }
    }
}

/// A transaction that will write. On SQLite it takes the write lock at BEGIN,
/// so two writers never both hold a read snapshot and then fail to upgrade.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// The URL without its password, for log lines.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &creds[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_the_log() {
        assert_eq!(
            redact("postgres://app:s3cret@db/redress"),
            "postgres://app:***@db/redress"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(
            redact("sqlite://redress.db?mode=rwc"),
            "sqlite://redress.db?mode=rwc"
        );
    }
}
