//! Stores logged contacts in groups: each write transaction numbers and
//! stores every new case that arrived while the previous one was writing.
//!
//! A council's references have no gaps, so its counter row is held from the
//! moment a number is taken until the case carrying it commits, and every
//! intake of that council queues on the row for a statement and a commit.
//! One at a time, that queue caps a council's intake at one commit's worth
//! of time per case, however many connections wait on it. Taken for a
//! group, the row is held once for all of them, and the group's rows go in
//! one multi-row insert per table. Under light load a group is one case and
//! costs what a single intake would; under heavy load groups grow on their
//! own, up to `MAX_GROUP`.
//!
//! Should a group's transaction fail, each of its cases is written again on
//! its own, so one contact's failure is never another's.
//!
//! A contact sent with an idempotency key claims the key first, in the same
//! transaction. One whose key another intake holds (in an earlier group, on
//! another server, or earlier in this group) is left out of the group: it
//! takes no number, writes nothing, and is answered `KeyTaken`, so the
//! caller reads the case that holds the key. The rest of the group is
//! stored as if it had not been sent.

use crate::{
    db,
    domain::intake::{reference, retry},
    error::{AppError, Result},
};
use entity::{case, case_event, case_requirement, customer, deadline, intake_key};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
};
use tokio::sync::{mpsc, oneshot};

/// Cases per write transaction, at most.
const MAX_GROUP: usize = 256;
/// Contacts waiting to be written before `store` waits for room.
const QUEUE: usize = 4 * MAX_GROUP;

/// The rows one logged contact adds. The case's reference is set when it is
/// stored.
#[derive(Debug, Clone)]
pub struct NewCase {
    /// A customer not yet on record, stored with the case.
    pub customer: Option<customer::Model>,
    pub case: case::Model,
    pub deadlines: Vec<deadline::Model>,
    pub event: case_event::Model,
    /// Steps after the logging one (numbered from 2), such as a policy failure.
    pub later_events: Vec<case_event::Model>,
    pub checklist: Vec<case_requirement::Model>,
    /// The caller's idempotency key, claimed for this case.
    pub key: Option<intake_key::Model>,
}

/// What became of a new case sent to the writer.
#[derive(Debug, Clone)]
pub enum Stored {
    /// Stored and numbered.
    Case(Box<case::Model>),
    /// Not stored: its idempotency key is held by another intake, whose
    /// case is the caller's.
    KeyTaken,
}

struct Job {
    prefix: String,
    year: i32,
    rows: NewCase,
    reply: oneshot::Sender<std::result::Result<Stored, DbErr>>,
}

/// The handle intake sends new cases to; cheap to clone.
#[derive(Clone)]
pub struct IntakeWriter {
    jobs: mpsc::Sender<Job>,
}

impl IntakeWriter {
    /// Starts the writer on the current runtime. It stops when the last
    /// handle is dropped.
    pub fn start(db: DatabaseConnection) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(db, queue));
        Self { jobs }
    }

    /// Stores the case under the council's next number for `year` and
    /// returns it, numbered, once it is committed; or says that its key is
    /// another intake's.
    pub async fn store(&self, prefix: &str, year: i32, rows: NewCase) -> Result<Stored> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            prefix: prefix.to_owned(),
            year,
            rows,
            reply,
        };
        let stopped = || AppError::Internal(anyhow::anyhow!("the intake writer has stopped"));
        self.jobs.send(job).await.map_err(|_| stopped())?;
        Ok(answer.await.map_err(|_| stopped())??)
    }
}

async fn run(db: DatabaseConnection, mut queue: mpsc::Receiver<Job>) {
    let mut arrived = Vec::with_capacity(MAX_GROUP);
    while queue.recv_many(&mut arrived, MAX_GROUP).await > 0 {
        // One counter row per council and year; arrival order within each.
        let mut groups: Vec<Vec<Job>> = Vec::new();
        for job in arrived.drain(..) {
            let key = (job.rows.case.council_id, job.year);
            match groups
                .iter_mut()
                .find(|g| (g[0].rows.case.council_id, g[0].year) == key)
            {
                Some(group) => group.push(job),
                None => groups.push(vec![job]),
            }
        }
        for group in groups {
            write(&db, group).await;
        }
    }
}

async fn write(db: &DatabaseConnection, group: Vec<Job>) {
    let stored = {
        let rows: Vec<&NewCase> = group.iter().map(|job| &job.rows).collect();
        store_group(db, &group[0].prefix, group[0].year, &rows).await
    };
    match stored {
        Ok(stored) => {
            for (stored, job) in stored.into_iter().zip(group) {
                // The caller may have gone; its case is stored all the same.
                let _ = job.reply.send(Ok(stored));
            }
        }
        Err(err) if group.len() == 1 => {
            let job = group.into_iter().next().expect("one job");
            let _ = job.reply.send(Err(err));
        }
        Err(err) => {
            tracing::warn!(error = %err, cases = group.len(), "a group of new cases failed; storing each on its own");
            for job in group {
                let alone = store_group(db, &job.prefix, job.year, &[&job.rows]).await;
                let _ = job.reply.send(alone.map(|mut cases| cases.remove(0)));
            }
        }
    }
}

/// One transaction: the group's keys, customers, numbers, cases and their
/// rows. Returns what became of each, in the group's order.
async fn store_group(
    db: &DatabaseConnection,
    prefix: &str,
    year: i32,
    rows: &[&NewCase],
) -> std::result::Result<Vec<Stored>, DbErr> {
    let council_id = rows[0].case.council_id;
    let txn = db::begin_write(db).await?;
    let kept = claim_keys(&txn, rows).await?;
    let rows: Vec<&NewCase> = rows
        .iter()
        .zip(&kept)
        .filter_map(|(r, kept)| kept.then_some(*r))
        .collect();
    if rows.is_empty() {
        txn.commit().await?;
        return Ok(kept.into_iter().map(|_| Stored::KeyTaken).collect());
    }
    // Before the counter: nothing of theirs depends on the numbers.
    insert_all(&txn, rows.iter().filter_map(|r| r.customer.clone())).await?;
    let first = reference::take(&txn, council_id, year, rows.len() as i64).await?;
    let cases: Vec<case::Model> = (first..)
        .zip(&rows)
        .map(|(number, r)| case::Model {
            reference: reference::format(prefix, year, number),
            reference_year: Some(year),
            reference_seq: Some(number),
            ..r.case.clone()
        })
        .collect();
    insert_all(&txn, cases.iter().cloned()).await?;
    insert_all(&txn, rows.iter().flat_map(|r| r.deadlines.clone())).await?;
    insert_all(
        &txn,
        rows.iter()
            .flat_map(|r| std::iter::once(r.event.clone()).chain(r.later_events.clone())),
    )
    .await?;
    insert_all(&txn, rows.iter().flat_map(|r| r.checklist.clone())).await?;
    txn.commit().await?;
    let mut cases = cases.into_iter();
    Ok(kept
        .into_iter()
        .map(|kept| match kept {
            true => Stored::Case(Box::new(cases.next().expect("a case for each kept row"))),
            false => Stored::KeyTaken,
        })
        .collect())
}

/// Claims the group's idempotency keys; whether each row goes ahead. A row
/// without a key always does; a key repeated later in the group is taken by
/// its first row.
async fn claim_keys(
    txn: &impl ConnectionTrait,
    rows: &[&NewCase],
) -> std::result::Result<Vec<bool>, DbErr> {
    let mut first_use: Vec<&intake_key::Model> = Vec::new();
    let mut kept: Vec<Option<bool>> = Vec::with_capacity(rows.len());
    for key in rows.iter().map(|r| r.key.as_ref()) {
        kept.push(match key {
            None => Some(true),
            Some(key) if first_use.iter().any(|k| same_key(k, key)) => Some(false),
            Some(key) => {
                first_use.push(key);
                None
            }
        });
    }
    let mut claimed = retry::claim(txn, &first_use).await?.into_iter();
    Ok(kept
        .into_iter()
        .map(|k| k.unwrap_or_else(|| claimed.next().expect("one answer per claim")))
        .collect())
}

fn same_key(a: &intake_key::Model, b: &intake_key::Model) -> bool {
    (a.council_id, &a.caller, &a.idempotency_key) == (b.council_id, &b.caller, &b.idempotency_key)
}

/// One multi-row insert; nothing when there are no rows.
async fn insert_all<M, A, E>(
    txn: &impl ConnectionTrait,
    models: impl IntoIterator<Item = M>,
) -> std::result::Result<(), DbErr>
where
    M: IntoActiveModel<A>,
    A: ActiveModelTrait<Entity = E>,
    E: EntityTrait,
{
    let rows: Vec<A> = models
        .into_iter()
        .map(|m| m.into_active_model().reset_all())
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    E::insert_many(rows).exec_without_returning(txn).await?;
    Ok(())
}
