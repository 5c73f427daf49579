//! The deadline sweep. Each pass, for every council, on the council's local
//! "today" (Europe/London):
//!
//! - every open deadline missed by today (`deadlines::missed`: a council
//!   duty whose date is before today) not yet reported, on an open case, is
//!   marked `breach_recorded_at` and gets one `deadline_breached` event; the
//!   mark is permanent, whatever later happens to the deadline;
//! - a missed `respond` deadline asks the council's policy when the holding
//!   response is due (`holding_response` hook) and stores that deadline when
//!   none is open;
//! - a `holding_response` deadline that has reached its date (due today or
//!   earlier) gets one `holding_response_due` event. Its `breach_recorded_at`
//!   then means "reported as due", so it is reported once; whether it was
//!   in fact missed is still `due < metAt` or, while open, `due < today`.
//!
//! The work is set-based: a batch of deadlines is chosen into a temporary
//! table in one statement, marked in one, numbered after each case's last
//! timeline step in one and written to the timeline in one. On PostgreSQL
//! the batch locks its deadline and case rows with `SKIP LOCKED`, so a case
//! an officer is working on right now is left for the next pass, and a case
//! action that comes after waits for the batch's commit, then numbers its
//! step after the sweeper's: no step is lost or duplicated. The cases are
//! swept in two disjoint parts at once, each under a transaction advisory
//! lock of its own, so the database works on both parts side by side while
//! a cluster's processes never sweep the same part together.
//! SQLite serialises writers, so there it just runs.
//!
//! The sweeper never bumps a case's `version`: it records facts about the
//! clock, not a change to the case's own data, so an officer who read the
//! case before a breach was recorded can still act on it.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{CaseStatus, DeadlineKind, Stage};
use futures_util::future::try_join_all;
use sea_orm::{
    ActiveEnum, ConnectionTrait, DatabaseBackend, DatabaseTransaction, FromQueryResult, Statement,
    Value,
};
use uuid::Uuid;

use super::holding;
use crate::{
    councils::Council,
    db,
    domain::{
        cases::{deadlines, events::EventKind},
        intake::retry,
        time::local_date,
    },
    error::Result,
    live::feed::{CaseChanged, DeadlineBreach, Told},
    state::AppState,
};

/// Who the timeline names for what the sweeper records.
pub const SWEEPER_SUBJECT: &str = "system:sweeper";
pub const SWEEPER_ROLE: &str = "system";
/// Deadlines per transaction.
const BATCH: i64 = 50_000;
/// `pg_try_advisory_xact_lock` key: "redress!" in ASCII, mixed with the
/// council and the part (see [`lock_key`]).
const LOCK_KEY: i64 = 0x7265_6472_6573_7321;

/// One lock per council and part. A key shared by all councils let a process
/// sweeping one council make another stand back from a different council's
/// part between two of its batches, and that part could then go unswept by
/// every process in the pass.
fn lock_key(council_id: Uuid, part: Option<Part>) -> i64 {
    let (high, low) = council_id.as_u64_pair();
    (LOCK_KEY ^ (high ^ low) as i64).wrapping_add(i64::from(part.map_or(0, |p| p.index)))
}

/// What one pass recorded.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sweep {
    /// `deadline_breached` events written.
    pub breaches: u64,
    /// `holding_response_due` events written.
    pub holding_due: u64,
    /// Holding-response deadlines the councils' policies set.
    pub holding_scheduled: u64,
    /// Another process was sweeping some of the cases, so this one left
    /// those to it.
    pub stood_back: bool,
    /// Councils whose sweep failed this pass (logged; their batch was rolled
    /// back and is swept again next pass).
    pub failed_councils: u64,
    /// Intake idempotency keys past their window, deleted.
    pub keys_forgotten: u64,
}

impl Sweep {
    pub fn is_empty(&self) -> bool {
        self.breaches == 0 && self.holding_due == 0 && self.holding_scheduled == 0
    }
}

/// One full pass over every council. Callable directly (tests, tools); the
/// server runs it every `REDRESS_SWEEP_MS`. A council whose sweep fails (its
/// policy busy, a statement refused) is logged and left for the next pass;
/// the councils after it are still swept. The pass fails only when every
/// council's sweep did, with the last error.
pub async fn pass(state: &AppState) -> Result<Sweep> {
    let now = state.clock.now();
    let mut total = Sweep::default();
    let mut last_error = None;
    let slugs: Vec<String> = state.councils.slugs().map(str::to_owned).collect();
    let councils = slugs.len();
    for slug in slugs {
        let Some(council) = state.councils.by_slug(&slug) else {
            continue;
        };
        let sweep = match sweep_council(state, council, now).await {
            Ok(sweep) => sweep,
            Err(err) => {
                tracing::error!(council = %slug, code = err.code(), error = %err, "deadline sweep of a council failed; the others go on");
                total.failed_councils += 1;
                last_error = Some(err);
                continue;
            }
        };
        total.breaches += sweep.breaches;
        total.holding_due += sweep.holding_due;
        total.holding_scheduled += sweep.holding_scheduled;
        // Parts another process holds are its to sweep; the rest are still ours.
        total.stood_back |= sweep.stood_back;
    }
    // Not the councils' business, and never a reason to fail the pass: a
    // key left for the next pass matches nothing meanwhile.
    match retry::forget_expired(&state.db, now).await {
        Ok(forgotten) => total.keys_forgotten = forgotten,
        Err(err) => tracing::warn!(error = %err, "expired intake keys were not deleted; next pass"),
    }
    match last_error {
        Some(err) if total.failed_councils as usize == councils => Err(err),
        _ => Ok(total),
    }
}

async fn sweep_council(state: &AppState, council: &Council, now: DateTime<Utc>) -> Result<Sweep> {
    let parts: Vec<Option<Part>> = if state.db.get_database_backend() == DatabaseBackend::Postgres {
        (0..PARTS).map(|index| Some(Part { index })).collect()
    } else {
        vec![None]
    };
    let swept = try_join_all(
        parts
            .into_iter()
            .map(|part| sweep_part(state, council, now, part)),
    )
    .await?;
    let mut sweep = Sweep::default();
    for part in swept {
        sweep.breaches += part.breaches;
        sweep.holding_due += part.holding_due;
        sweep.holding_scheduled += part.holding_scheduled;
        sweep.stood_back |= part.stood_back;
    }
    Ok(sweep)
}

/// On PostgreSQL the council's cases are swept in `PARTS` disjoint parts
/// (by a byte of the case id, which is random), each in its own transactions
/// on its own connection, so the database works on them side by side. A case
/// and all its deadlines fall in one part.
const PARTS: i32 = 2;

#[derive(Debug, Clone, Copy)]
struct Part {
    index: i32,
}

async fn sweep_part(
    state: &AppState,
    council: &Council,
    now: DateTime<Utc>,
    part: Option<Part>,
) -> Result<Sweep> {
    let today = local_date(now);
    let mut sweep = Sweep::default();
    loop {
        let txn = db::begin_write(&state.db).await?;
        let sql = Sql::new(txn.get_database_backend(), part);
        if sql.pg && !sql.try_lock(&txn, council.id).await? {
            txn.rollback().await?;
            sweep.stood_back = true;
            return Ok(sweep);
        }
        let found = sql.choose(&txn, council.id, today).await?;
        if found == 0 {
            sql.drop_batch(&txn).await?;
            txn.commit().await?;
            return Ok(sweep);
        }
        sql.mark(&txn, now).await?;
        let scheduled = holding::schedule(&txn, state, council, today, now).await?;
        sql.number(&txn).await?;
        sql.record(&txn, now).await?;
        let recorded = if state.feed.has_listeners() {
            sql.recorded(&txn).await?
        } else {
            Vec::new()
        };
        let (breaches, holding_due) = sql.counts(&txn).await?;
        sql.drop_batch(&txn).await?;
        txn.commit().await?;

        sweep.breaches += breaches;
        sweep.holding_due += holding_due;
        sweep.holding_scheduled += scheduled;
        for row in recorded {
            publish(state, row);
        }
        // A holding response set by this batch may already be due: the next
        // batch picks it up, in this same pass.
    }
}

/// A timeline event the sweeper wrote, with where its case stands.
#[derive(Debug, FromQueryResult)]
struct Recorded {
    council_id: Uuid,
    case_id: Uuid,
    kind: DeadlineKind,
    due: NaiveDate,
    seq: i32,
    reference: String,
    status: CaseStatus,
    stage: Option<Stage>,
    version: i32,
    assignee_id: Option<Uuid>,
    customer_id: Option<Uuid>,
    councillor_subject: Option<String>,
}

fn publish(state: &AppState, row: Recorded) {
    let (event, summary) = event_for(row.kind, row.due);
    let told = Told::of(event.as_str(), &summary, &serde_json::Value::Null);
    let change = CaseChanged {
        council_id: row.council_id,
        case_id: row.case_id,
        reference: row.reference,
        seq: row.seq,
        event_kind: event.as_str().to_owned(),
        summary,
        status: row.status,
        stage: row.stage,
        version: row.version,
        assignee_id: row.assignee_id,
        customer_id: row.customer_id,
        councillor_subject: row.councillor_subject,
        told,
    };
    state.feed.publish(change.clone());
    state.feed.publish_breach(DeadlineBreach {
        change,
        kind: row.kind,
        due: row.due,
    });
}

/// The event and summary for a deadline the sweeper reports; the SQL in
/// `Sql::record` writes the same words.
pub fn event_for(kind: DeadlineKind, due: NaiveDate) -> (EventKind, String) {
    if kind == DeadlineKind::HoldingResponse {
        (
            EventKind::HoldingResponseDue,
            format!("holding response due on {due}"),
        )
    } else {
        (
            EventKind::DeadlineBreached,
            format!(
                "{} deadline of {due} missed",
                kind.to_value().replace('_', " ")
            ),
        )
    }
}

/// The batch statements, written once for both backends.
struct Sql {
    pg: bool,
    backend: DatabaseBackend,
    part: Option<Part>,
}

impl Sql {
    fn new(backend: DatabaseBackend, part: Option<Part>) -> Self {
        Self {
            pg: backend == DatabaseBackend::Postgres,
            backend,
            part,
        }
    }

    /// `$1`-style placeholders as the backend writes them (`?1` on SQLite).
    fn statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        let sql = if self.pg {
            sql.to_owned()
        } else {
            sql.replace('$', "?")
        };
        Statement::from_sql_and_values(self.backend, sql, values)
    }

    async fn exec(&self, txn: &DatabaseTransaction, sql: &str, values: Vec<Value>) -> Result<u64> {
        Ok(txn
            .execute_raw(self.statement(sql, values))
            .await?
            .rows_affected())
    }

    async fn try_lock(&self, txn: &DatabaseTransaction, council_id: Uuid) -> Result<bool> {
        let row = txn
            .query_one_raw(self.statement(
                "SELECT pg_try_advisory_xact_lock($1) AS locked",
                vec![lock_key(council_id, self.part).into()],
            ))
            .await?;
        Ok(match row {
            Some(row) => row.try_get::<bool>("", "locked")?,
            None => false,
        })
    }

    /// Chooses the batch into `sweep_batch`; returns how many deadlines.
    async fn choose(
        &self,
        txn: &DatabaseTransaction,
        council_id: Uuid,
        today: NaiveDate,
    ) -> Result<u64> {
        self.drop_batch(txn).await?;
        let create = if self.pg {
            "CREATE TEMPORARY TABLE sweep_batch (deadline_id uuid PRIMARY KEY, \
             case_id uuid NOT NULL, council_id uuid NOT NULL, kind varchar(24) NOT NULL, \
             due date NOT NULL, explanation text NOT NULL, policy_version integer NOT NULL, \
             seq integer) ON COMMIT DROP"
        } else {
            "CREATE TEMPORARY TABLE sweep_batch (deadline_id PRIMARY KEY, case_id NOT NULL, \
             council_id NOT NULL, kind NOT NULL, due NOT NULL, explanation NOT NULL, \
             policy_version NOT NULL, seq INTEGER)"
        };
        self.exec(txn, create, vec![]).await?;
        let lock = if self.pg {
            "FOR UPDATE OF d, c SKIP LOCKED"
        } else {
            ""
        };
        let part = match self.part {
            Some(part) => format!(
                "AND get_byte(uuid_send(d.case_id), 15) % {PARTS} = {}",
                part.index
            ),
            None => String::new(),
        };
        let choose = format!(
            "INSERT INTO sweep_batch \
             (deadline_id, case_id, council_id, kind, due, explanation, policy_version) \
             SELECT d.id, d.case_id, d.council_id, d.kind, d.due, d.explanation, d.policy_version \
             FROM deadlines d JOIN cases c ON c.id = d.case_id \
             WHERE d.council_id = $1 AND c.council_id = $1 \
             AND d.met_at IS NULL AND d.superseded_at IS NULL AND d.breach_recorded_at IS NULL \
             AND ((d.kind <> '{holding}' AND {missed}) OR (d.kind = '{holding}' AND d.due <= $2)) \
             AND c.status IN ({open}) {part} \
             LIMIT $3 {lock}",
            missed = deadlines::missed_while_open_sql("d", "$2"),
            holding = DeadlineKind::HoldingResponse.to_value(),
            open = quoted(CaseStatus::open_values().iter().map(|s| s.to_value())),
        );
        let found = self
            .exec(
                txn,
                &choose,
                vec![council_id.into(), today.into(), BATCH.into()],
            )
            .await?;
        if self.pg && found > 0 {
            // The planner has no statistics for a fresh temporary table.
            self.exec(txn, "ANALYZE sweep_batch", vec![]).await?;
        }
        Ok(found)
    }

    async fn mark(&self, txn: &DatabaseTransaction, now: DateTime<Utc>) -> Result<u64> {
        self.exec(
            txn,
            "UPDATE deadlines SET breach_recorded_at = $1 \
             WHERE id IN (SELECT deadline_id FROM sweep_batch)",
            vec![now.into()],
        )
        .await
    }

    /// Numbers each event after its case's last timeline step. The case rows
    /// are locked (PostgreSQL) or the database is (SQLite), so no action can
    /// append in between.
    async fn number(&self, txn: &DatabaseTransaction) -> Result<u64> {
        self.exec(
            txn,
            "UPDATE sweep_batch AS t SET seq = n.seq FROM ( \
               SELECT b.deadline_id AS deadline_id, COALESCE(m.last, 0) + ROW_NUMBER() OVER \
                 (PARTITION BY b.case_id ORDER BY b.due, b.kind, b.deadline_id) AS seq \
               FROM sweep_batch b LEFT JOIN ( \
                 SELECT e.case_id AS case_id, MAX(e.seq) AS last FROM case_events e \
                 WHERE e.case_id IN (SELECT case_id FROM sweep_batch) GROUP BY e.case_id \
               ) m ON m.case_id = b.case_id \
             ) AS n WHERE n.deadline_id = t.deadline_id",
            vec![],
        )
        .await
    }

    async fn record(&self, txn: &DatabaseTransaction, now: DateTime<Utc>) -> Result<u64> {
        let (id, due, data) = if self.pg {
            (
                // A version 7 id (milliseconds, then random bits), like every
                // id the application makes: the new rows go to the end of the
                // primary key index instead of into random pages of it.
                "encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing \
                 substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) \
                 from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid",
                "to_char(t.due, 'YYYY-MM-DD')",
                "json_build_object('kind', t.kind, 'due', t.due, 'explanation', t.explanation)",
            )
        } else {
            (
                "randomblob(16)",
                "t.due",
                "json_object('kind', t.kind, 'due', t.due, 'explanation', t.explanation)",
            )
        };
        let holding = DeadlineKind::HoldingResponse.to_value();
        let sql = format!(
            "INSERT INTO case_events (id, council_id, case_id, seq, kind, actor_subject, \
             actor_role, occurred_at, recorded_at, policy_version, summary, data) \
             SELECT {id}, t.council_id, t.case_id, t.seq, \
             CASE WHEN t.kind = '{holding}' THEN '{due_event}' ELSE '{breach_event}' END, \
             $1, $2, $3, $3, t.policy_version, \
             CASE WHEN t.kind = '{holding}' THEN 'holding response due on ' || {due} \
             ELSE replace(t.kind, '_', ' ') || ' deadline of ' || {due} || ' missed' END, \
             {data} FROM sweep_batch t ORDER BY t.case_id, t.seq",
            due_event = EventKind::HoldingResponseDue.as_str(),
            breach_event = EventKind::DeadlineBreached.as_str(),
        );
        self.exec(
            txn,
            &sql,
            vec![SWEEPER_SUBJECT.into(), SWEEPER_ROLE.into(), now.into()],
        )
        .await
    }

    async fn recorded(&self, txn: &DatabaseTransaction) -> Result<Vec<Recorded>> {
        Ok(Recorded::find_by_statement(self.statement(
            "SELECT c.council_id, t.case_id, t.kind, t.due, t.seq, c.reference, c.status, \
             c.stage, c.version, c.assignee_id, c.customer_id, c.councillor_subject \
             FROM sweep_batch t JOIN cases c ON c.id = t.case_id ORDER BY t.case_id, t.seq",
            vec![],
        ))
        .all(txn)
        .await?)
    }

    /// (breaches, holding responses due) in the batch.
    async fn counts(&self, txn: &DatabaseTransaction) -> Result<(u64, u64)> {
        let row = txn
            .query_one_raw(self.statement(
                &format!(
                    "SELECT COUNT(*) AS total, \
                     COALESCE(SUM(CASE WHEN kind = '{}' THEN 1 ELSE 0 END), 0) AS holding \
                     FROM sweep_batch",
                    DeadlineKind::HoldingResponse.to_value()
                ),
                vec![],
            ))
            .await?;
        let Some(row) = row else {
            return Ok((0, 0));
        };
        let total: i64 = row.try_get("", "total")?;
        let holding: i64 = row.try_get("", "holding")?;
        Ok(((total - holding) as u64, holding as u64))
    }

    /// PostgreSQL drops the table at commit; SQLite keeps it per connection.
    async fn drop_batch(&self, txn: &DatabaseTransaction) -> Result<()> {
        if !self.pg {
            self.exec(txn, "DROP TABLE IF EXISTS temp.sweep_batch", vec![])
                .await?;
        }
        Ok(())
    }
}

fn quoted(values: impl Iterator<Item = String>) -> String {
    values
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_council_and_part_has_a_lock_of_its_own() {
        let councils = [Uuid::now_v7(), Uuid::now_v7(), Uuid::nil()];
        let mut keys = std::collections::HashSet::new();
        for council in councils {
            for part in (0..PARTS).map(|index| Some(Part { index })) {
                assert!(keys.insert(lock_key(council, part)), "{council} {part:?}");
            }
        }
        assert_eq!(
            lock_key(councils[0], None),
            lock_key(councils[0], Some(Part { index: 0 }))
        );
    }
}
