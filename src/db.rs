//! Connecting, migrating and starting write transactions, the same way on
//! SQLite and PostgreSQL.

use std::{
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::config::DatabaseArgs;

/// A connection idle this long is checked before it is handed out. A check
/// on every checkout would add a round trip to every request.
const CHECK_IF_IDLE_FOR: Duration = Duration::from_secs(30);

pub async fn connect(args: &DatabaseArgs) -> anyhow::Result<DatabaseConnection> {
    open(args, args.db_max_connections, false).await
}

async fn open(
    args: &DatabaseArgs,
    max_connections: u32,
    lazy: bool,
) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(args.database_url.clone());
    options
        .max_connections(max_connections)
        .min_connections(u32::from(!lazy))
        .connect_lazy(lazy)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        .test_before_acquire_if_idle_for(CHECK_IF_IDLE_FOR)
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
/// On PostgreSQL each worker therefore gets a lazy pool of its own, whose
/// connections its own thread opens, with an equal share of
/// `REDRESS_DB_MAX_CONNECTIONS`. SQLite runs its connections on threads of
/// their own anyway; there the workers share the one pool.
pub struct WorkerPools {
    pools: Vec<DatabaseConnection>,
    next: AtomicUsize,
}

impl WorkerPools {
    pub async fn new(
        args: &DatabaseArgs,
        shared: &DatabaseConnection,
        workers: usize,
    ) -> anyhow::Result<Self> {
        let pools = if shared.get_database_backend() == DatabaseBackend::Postgres {
            let per_worker = (args.db_max_connections / workers.max(1) as u32).max(2);
            let mut pools = Vec::with_capacity(workers);
            for _ in 0..workers.max(1) {
                pools.push(open(args, per_worker, true).await?);
            }
            pools
        } else {
            vec![shared.clone()]
        };
        Ok(Self {
            pools,
            next: AtomicUsize::new(0),
        })
    }

    /// The next worker's pool.
    pub fn connection(&self) -> DatabaseConnection {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.pools.len();
        self.pools[i].clone()
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
