//! Live updates across the processes that share one PostgreSQL database.
//!
//! Each process publishes its committed case changes and recorded breaches
//! to its own subscribers (`feed`); the relay also sends them to the others
//! with `NOTIFY` and hands what the others sent to its own subscribers. So a
//! subscriber hears of a change whichever process made it, and of breaches
//! from the one process of a cluster that sweeps. SQLite serves one process,
//! so there is nothing to relay.
//!
//! Delivery is as best effort as a websocket: an item is sent after its
//! transaction commits, so a process that stops in between loses it, and a
//! listener that reconnects misses what was sent meanwhile.

use std::sync::Arc;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, Statement, sqlx::postgres::PgListener,
};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::feed::{CaseFeed, Relayed};

/// The `NOTIFY` channel, per database.
const CHANNEL: &str = "redress_feed";
/// Items sent per `NOTIFY` statement, at most.
const BATCH: usize = 256;
/// Items waiting to be sent before new ones are dropped.
const QUEUE: usize = 8 * BATCH;
/// PostgreSQL refuses a payload of 8,000 bytes or more; a summary is cut
/// well short of that.
const SUMMARY_CHARS: usize = 1_000;

/// One item on the wire, with the process that sent it, so that a process
/// skips its own.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    from: Uuid,
    item: Relayed,
}

/// Starts relaying `feed` through `db` when it is PostgreSQL; returns once
/// this process listens, so nothing sent after start-up is missed.
pub async fn start(db: &DatabaseConnection, feed: Arc<CaseFeed>) -> anyhow::Result<()> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let mut listener = PgListener::connect_with(db.get_postgres_connection_pool()).await?;
    listener.listen(CHANNEL).await?;
    let me = Uuid::new_v4();
    let (outbox, queue) = mpsc::channel(QUEUE);
    if !feed.relay_to(outbox) {
        return Ok(());
    }
    tokio::spawn(send(db.clone(), me, queue, feed.clone()));
    tokio::spawn(receive(listener, me, feed));
    Ok(())
}

async fn send(
    db: DatabaseConnection,
    me: Uuid,
    mut queue: mpsc::Receiver<Relayed>,
    feed: Arc<CaseFeed>,
) {
    let mut items = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut items, BATCH).await > 0 {
        let payloads: Vec<String> = items
            .drain(..)
            .filter_map(|item| {
                serde_json::to_string(&Envelope {
                    from: me,
                    item: shortened(item),
                })
                .ok()
            })
            .collect();
        let Ok(payloads) = serde_json::to_string(&payloads) else {
            continue;
        };
        let sent = db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, payload) FROM json_array_elements_text($2::json) AS payload",
                [CHANNEL.into(), payloads.into()],
            ))
            .await;
        if let Err(err) = sent {
            tracing::warn!(error = %err, "live updates not relayed to other processes");
        }
        let dropped = feed.take_unrelayed();
        if dropped > 0 {
            tracing::warn!(
                dropped,
                "live updates not relayed to other processes: the relay was behind"
            );
        }
    }
}

async fn receive(mut listener: PgListener, me: Uuid, feed: Arc<CaseFeed>) {
    loop {
        // `recv` reconnects by itself after a lost connection.
        match listener.recv().await {
            Ok(notification) => match serde_json::from_str::<Envelope>(notification.payload()) {
                Ok(envelope) if envelope.from != me => feed.deliver(envelope.item),
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "unreadable relayed live update"),
            },
            Err(err) => {
                tracing::warn!(error = %err, "live-update relay lost its connection; retrying");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }
}

fn shortened(mut item: Relayed) -> Relayed {
    match &mut item {
        Relayed::Change(change) => change.shorten(SUMMARY_CHARS),
        Relayed::Breach(breach) => breach.change.shorten(SUMMARY_CHARS),
    }
    item
}
