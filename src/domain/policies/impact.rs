//! What publishing a candidate script would change for the council's open
//! cases: each open deadline is asked again of the hook that set it, from the
//! same anchor, once of the active version and once of the candidate, and
//! the dates are compared. Nothing is written.

use std::{
    collections::{BTreeMap, BinaryHeap, HashMap, HashSet},
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{CaseStatus, DeadlineKind, Stage};
use futures_util::{StreamExt, TryStreamExt};
use sea_orm::{DatabaseConnection, FromQueryResult, Statement, Value};
use uuid::Uuid;

use crate::{
    councils::Council,
    domain::{cases::view::CaseView, policies, time::local_date},
    error::{AppError, Result},
    policy::{
        CompiledPolicy, PolicyRunner, Problem,
        hooks::{self, CaseFacts, DeadlineOut},
    },
};

/// Changes listed in full when the caller does not say.
pub const DEFAULT_LISTED: usize = 50;
pub const MAX_LISTED: usize = 500;
/// How long one impact may run before it reports what it has so far.
pub const BUDGET: Duration = Duration::from_secs(10);
/// Open deadlines read from the stream and compared at a time.
const BATCH: usize = 20_000;

/// Which hook set an open deadline, and from what.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Origin {
    /// Logged (or converted to a complaint): clocks from receipt.
    Intake,
    Acknowledged(NaiveDate),
    Responded(NaiveDate),
    Reopened {
        on: NaiveDate,
        was: String,
    },
    /// The request for the next stage, made on `on`, told of the case as
    /// it stood at the stage before.
    Escalation {
        on: NaiveDate,
        from: Option<Stage>,
        verbal: bool,
        discretion: bool,
        acknowledged: Option<NaiveDate>,
        responded: Option<NaiveDate>,
    },
    /// Asked of the case as it stands whenever one falls due.
    HoldingResponse,
}

impl Origin {
    fn hook(&self) -> &'static str {
        match self {
            Self::Intake => hooks::INTAKE,
            Self::Acknowledged(_) => hooks::ACKNOWLEDGED,
            Self::Responded(_) => hooks::RESPONDED,
            Self::Reopened { .. } => hooks::REOPENED,
            Self::Escalation { .. } => hooks::ESCALATION,
            Self::HoldingResponse => hooks::HOLDING_RESPONSE,
        }
    }
}

/// One open deadline with the case it belongs to and the timeline event
/// written by the action that set it (same case, same recording instant).
#[derive(Debug, FromQueryResult)]
struct OpenDeadline {
    #[sea_orm(nested)]
    case: CaseView,
    reference: String,
    learning_points: i64,
    deadline_id: Uuid,
    deadline_kind: DeadlineKind,
    due: NaiveDate,
    deadline_explanation: String,
    deadline_created_at: DateTime<Utc>,
    /// How many events were recorded at the instant it was set: the rows
    /// this deadline arrives in (at least one).
    events_at: i64,
    event_seq: Option<i32>,
    event_kind: Option<String>,
    event_at: Option<DateTime<Utc>>,
    event_data: Option<serde_json::Value>,
    /// For an escalation: the case's last acknowledgement and response before it.
    acknowledged_before: Option<DateTime<Utc>>,
    responded_before: Option<DateTime<Utc>>,
}

impl OpenDeadline {
    /// Whether the joined event lists this deadline among those it set.
    fn lists_itself(&self) -> bool {
        let kind = serde_json::to_value(self.deadline_kind).unwrap_or_default();
        let due = serde_json::to_value(self.due).unwrap_or_default();
        self.event_data
            .as_ref()
            .and_then(|d| d.get("deadlines"))
            .and_then(|d| d.as_array())
            .is_some_and(|listed| {
                listed.iter().any(|l| {
                    l.get("kind") == Some(&kind)
                        && l.get("due") == Some(&due)
                        && l.get("explanation").and_then(|e| e.as_str())
                            == Some(self.deadline_explanation.as_str())
                })
            })
    }

    /// The hook and anchor that set this deadline, or why it cannot be asked again.
    fn origin(&self) -> std::result::Result<Origin, &'static str> {
        if self.deadline_kind == DeadlineKind::HoldingResponse {
            return Ok(Origin::HoldingResponse);
        }
        let on = self.event_at.map(local_date);
        match (self.event_kind.as_deref(), on) {
            (Some("contact_logged" | "converted"), _) => Ok(Origin::Intake),
            (Some("acknowledged"), Some(on)) => Ok(Origin::Acknowledged(on)),
            (Some("responded"), Some(on)) => Ok(Origin::Responded(on)),
            (Some("reopened"), Some(on)) => Ok(Origin::Reopened {
                on,
                was: self
                    .event_data
                    .as_ref()
                    .and_then(|d| d.get("was"))
                    .and_then(|w| w.as_str())
                    .unwrap_or("closed")
                    .to_owned(),
            }),
            (Some("escalation_requested"), Some(on)) => {
                let data = self.event_data.as_ref();
                let flag = |name: &str| {
                    data.and_then(|d| d.get(name))
                        .and_then(|v| v.as_bool())
                        .unwrap_or(false)
                };
                Ok(Origin::Escalation {
                    on,
                    from: data
                        .and_then(|d| d.get("from"))
                        .and_then(|f| serde_json::from_value(f.clone()).ok()),
                    verbal: flag("verbal"),
                    discretion: flag("discretion"),
                    acknowledged: self.acknowledged_before.map(local_date),
                    responded: self.responded_before.map(local_date),
                })
            }
            (Some("ombudsman_enquiry"), _) => Err(NOT_OMBUDSMAN),
            (Some("deadline_extended"), _) => Err(NOT_EXTENDED),
            _ => Err(NOT_KNOWN),
        }
    }
}

const NOT_OMBUDSMAN: &str = "set by an ombudsman's enquiry, whose request the case does not keep";
const NOT_EXTENDED: &str = "a date staff extended to: no hook computes it";
const NOT_KNOWN: &str = "set by no action the impact can replay";
const ACTIVE_FAILED: &str = "the active version's hook failed on this case";

/// One deadline that would move (or no longer be set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineChange {
    pub case_id: Uuid,
    pub reference: String,
    pub kind: DeadlineKind,
    pub hook: &'static str,
    /// What the case carries now.
    pub stored_due: NaiveDate,
    /// What the active version answers from the same hook and anchor.
    pub old_due: NaiveDate,
    /// `None` when the candidate no longer sets a deadline of this kind.
    pub new_due: Option<NaiveDate>,
    pub new_explanation: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KindImpact {
    pub compared: u64,
    pub changed: u64,
    pub not_recomputed: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Impact {
    pub active_version: Option<i32>,
    /// Validation problems of the candidate; nothing is compared when any.
    pub problems: Vec<Problem>,
    /// False when the budget ran out first: the figures cover what was read.
    pub complete: bool,
    pub cases_examined: u64,
    pub cases_changed: u64,
    pub deadlines_compared: u64,
    pub deadlines_changed: u64,
    pub by_kind: BTreeMap<DeadlineKindKey, KindImpact>,
    /// Open deadlines not asked again, by kind and reason.
    pub not_recomputed: BTreeMap<(DeadlineKindKey, &'static str), u64>,
    /// Cases on which a candidate hook failed; the first problem.
    pub candidate_failures: u64,
    pub first_failure: Option<Problem>,
    pub changes: Vec<DeadlineChange>,
}

/// A deadline kind ordered by its stored name, for stable reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineKindKey(pub DeadlineKind);

impl DeadlineKindKey {
    pub fn name(self) -> String {
        sea_orm::ActiveEnum::to_value(&self.0)
    }
}

impl PartialOrd for DeadlineKindKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DeadlineKindKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.name().cmp(&other.name())
    }
}

/// What a hook answered for one origin: the deadlines, or the problem.
type Answer = std::result::Result<Vec<DeadlineOut>, Problem>;

/// One question a hook is asked: which hook from what anchor, and the case
/// as the hook was told of it. Hooks are pure functions of what they are
/// told, so equal questions get equal answers and each is asked once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Question {
    origin: Origin,
    facts: CaseFacts,
}

/// Both versions' answers to one question.
#[derive(Debug)]
struct Answers {
    /// `None` without an active version.
    active: Option<Answer>,
    candidate: Answer,
}

/// Distinct questions handed to a policy thread at a time: a few
/// milliseconds of hook calls, so the council's live calls queue behind
/// one batch at most, never behind the whole impact.
const QUESTIONS_PER_TURN: usize = 64;

/// Compares `source` with the council's active version over its open cases.
/// A candidate that fails validation is not run: its problems are returned.
/// All script work (the validation, then every question) runs on the policy
/// threads in the council's turn, spread over the threads it may use.
pub async fn impact(
    db: &DatabaseConnection,
    runner: &PolicyRunner,
    council: &Council,
    active: Option<Arc<CompiledPolicy>>,
    source: &str,
    listed: usize,
    budget: Duration,
) -> Result<Impact> {
    policies::check_size(source)?;
    if listed > MAX_LISTED {
        return Err(AppError::bad_input(
            "first",
            format!("at most {MAX_LISTED} changes are listed"),
        ));
    }
    let started = Instant::now();
    let until = started + budget;
    let mut impact = Impact {
        active_version: active.as_ref().map(|p| p.version),
        ..Default::default()
    };
    let (slug, script) = (council.slug.clone(), source.to_owned());
    let (candidate, report) = runner
        .execute(council.id, move || CompiledPolicy::validate(&slug, &script))
        .await?;
    let candidate = match candidate {
        Some(c) if report.problems.is_empty() => Arc::new(c),
        _ => {
            impact.problems = report.problems;
            impact.complete = true;
            return Ok(impact);
        }
    };
    let mut run = Run {
        council: council.clone(),
        listed,
        answers: HashMap::new(),
        seen: HashSet::new(),
        changed: HashSet::new(),
        listing: BinaryHeap::new(),
        impact,
    };
    // The next batch is read while this one is compared.
    let (tx, mut batches) = tokio::sync::mpsc::channel(1);
    let _reader = Reader(tokio::spawn(read_batches(db.clone(), council.id, tx)));
    while let Some(batch) = batches.recv().await {
        let batch = batch?;
        if Instant::now() > until {
            return Ok(run.finish(false));
        }
        // Bookkeeping over a batch is CPU work too: off the request threads.
        let (back, page, asked, new) = blocking(move || {
            let page = batch;
            let (asked, new) = run.questions(&page);
            (run, page, asked, new)
        })
        .await?;
        run = back;
        let answered = ask_all(
            runner,
            council.id,
            active.clone(),
            candidate.clone(),
            new,
            until,
        )
        .await?;
        let (back, finished) = blocking(move || {
            run.answers.extend(answered);
            let finished = run.tally(page, asked);
            (run, finished)
        })
        .await?;
        run = back;
        if !finished {
            return Ok(run.finish(false));
        }
    }
    Ok(run.finish(true))
}

/// Stops reading when the impact ends early.
struct Reader(tokio::task::JoinHandle<()>);

impl Drop for Reader {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Sends the open deadlines in batches of about [`BATCH`], each deadline
/// with the event that set it, until the stream ends or no one listens.
async fn read_batches(
    db: DatabaseConnection,
    council_id: Uuid,
    tx: tokio::sync::mpsc::Sender<Result<Vec<OpenDeadline>>>,
) {
    let mut rows = match open_deadlines(&db, council_id).await {
        Ok(rows) => rows,
        Err(e) => {
            let _ = tx.send(Err(e)).await;
            return;
        }
    };
    // Rows arrive in no order (sorting 150,000 wide rows cost the query
    // most of its time): a deadline set at an instant with several events
    // waits here until all its rows are in.
    let mut waiting: HashMap<Uuid, Vec<OpenDeadline>> = HashMap::new();
    let mut more = true;
    while more {
        let mut batch: Vec<OpenDeadline> = Vec::with_capacity(BATCH);
        while batch.len() < BATCH {
            let row = match rows.try_next().await {
                Ok(Some(row)) => row,
                Ok(None) => {
                    more = false;
                    // Only if events were recorded while the query ran.
                    batch.extend(waiting.drain().map(|(_, group)| its_event(group)));
                    break;
                }
                Err(e) => {
                    let _ = tx.send(Err(e.into())).await;
                    return;
                }
            };
            if row.events_at <= 1 {
                batch.push(row);
                continue;
            }
            let id = row.deadline_id;
            let group = waiting.entry(id).or_default();
            group.push(row);
            if group.len() as i64 >= group[0].events_at
                && let Some(group) = waiting.remove(&id)
            {
                batch.push(its_event(group));
            }
        }
        if !batch.is_empty() && tx.send(Ok(batch)).await.is_err() {
            return;
        }
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("impact worker: {e}")))
}

/// Asks each question of both versions on the policy threads, a batch per
/// turn, as many turns at once as the council may use threads. Questions
/// left when `until` passes stay unanswered.
async fn ask_all(
    runner: &PolicyRunner,
    council_id: Uuid,
    active: Option<Arc<CompiledPolicy>>,
    candidate: Arc<CompiledPolicy>,
    questions: Vec<Question>,
    until: Instant,
) -> Result<Vec<(Question, Arc<Answers>)>> {
    let mut batches = Vec::new();
    let mut questions = questions.into_iter().peekable();
    while questions.peek().is_some() {
        batches.push(
            questions
                .by_ref()
                .take(QUESTIONS_PER_TURN)
                .collect::<Vec<_>>(),
        );
    }
    let turns = batches.into_iter().map(|batch| {
        let (active, candidate) = (active.clone(), candidate.clone());
        runner.execute(council_id, move || {
            batch
                .into_iter()
                .take_while(|_| Instant::now() <= until)
                .map(|q| {
                    let answers = Answers {
                        active: active.as_deref().map(|p| ask(p, &q)),
                        candidate: ask(&candidate, &q),
                    };
                    (q, Arc::new(answers))
                })
                .collect::<Vec<_>>()
        })
    });
    let answered: Vec<Vec<_>> = futures_util::stream::iter(turns)
        .buffer_unordered(runner.limits().per_council)
        .try_collect()
        .await?;
    Ok(answered.into_iter().flatten().collect())
}

/// What `policy` answers to `question`: the deadlines the hook sets.
fn ask(policy: &CompiledPolicy, question: &Question) -> Answer {
    let facts = &question.facts;
    Ok(match &question.origin {
        Origin::Intake => policy.intake(&facts.contact)?.deadlines,
        Origin::Acknowledged(on) => policy.acknowledged(facts.to_map(), *on)?.deadlines,
        Origin::Responded(on) => policy.responded(facts.to_map(), *on)?.deadlines,
        Origin::Reopened { on, was } => {
            let case = hooks::reopening(facts.to_map(), *on, was);
            policy.reopened(case, *on)?.deadlines
        }
        Origin::Escalation {
            on,
            verbal,
            discretion,
            ..
        } => {
            let request = hooks::escalation_request(*on, *verbal, *discretion);
            let out = policy.escalation(facts.to_map(), request, *on)?;
            if out.allowed {
                out.deadlines
            } else {
                Vec::new()
            }
        }
        Origin::HoldingResponse => policy
            .holding_response(facts.to_map(), facts.contact.received)?
            .into_iter()
            .map(|d| DeadlineOut {
                kind: DeadlineKind::HoldingResponse,
                due: d.due,
                explanation: d.explanation,
            })
            .collect(),
    })
}

struct Run {
    council: Council,
    listed: usize,
    answers: HashMap<Question, Arc<Answers>>,
    seen: HashSet<Uuid>,
    changed: HashSet<Uuid>,
    /// The first changes by case reference, the last of them on top.
    listing: BinaryHeap<Listed>,
    impact: Impact,
}

/// A listed change, ordered by case reference, then deadline: the list is
/// the same whatever order the rows arrive in.
struct Listed {
    deadline_id: Uuid,
    change: DeadlineChange,
}

impl Listed {
    fn key(&self) -> (&str, Uuid) {
        (&self.change.reference, self.deadline_id)
    }
}

impl PartialEq for Listed {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Listed {}

impl PartialOrd for Listed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Listed {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

/// The question a row's deadline is asked again with, or why it is not.
type Asked = std::result::Result<Question, &'static str>;

impl Run {
    /// Each row's question, and those not asked before, once each.
    fn questions(&self, page: &[OpenDeadline]) -> (Vec<Asked>, Vec<Question>) {
        let asked: Vec<Asked> = page
            .iter()
            .map(|row| row.origin().map(|origin| self.question(row, origin)))
            .collect();
        let mut queued = HashSet::new();
        let new = asked
            .iter()
            .flatten()
            .filter(|q| !self.answers.contains_key(*q) && queued.insert(*q))
            .cloned()
            .collect();
        (asked, new)
    }

    /// Compares a page; false when a question went unanswered because the
    /// budget ran out.
    fn tally(&mut self, page: Vec<OpenDeadline>, asked: Vec<Asked>) -> bool {
        for (row, question) in page.into_iter().zip(asked) {
            let kind = DeadlineKindKey(row.deadline_kind);
            let question = match question {
                Ok(question) => question,
                Err(reason) => {
                    self.seen.insert(row.case.id);
                    self.skip(kind, reason);
                    continue;
                }
            };
            let Some(answers) = self.answers.get(&question).cloned() else {
                return false;
            };
            self.seen.insert(row.case.id);
            let old_due = match &answers.active {
                None => row.due,
                Some(Ok(specs)) => match specs.iter().find(|s| s.kind == row.deadline_kind) {
                    Some(s) => s.due,
                    // The active version no longer sets it this way: the
                    // stored date is what the case runs on.
                    None => row.due,
                },
                Some(Err(_)) => {
                    self.skip(kind, ACTIVE_FAILED);
                    continue;
                }
            };
            let new = match &answers.candidate {
                Ok(specs) => specs.iter().find(|s| s.kind == row.deadline_kind),
                Err(problem) => {
                    self.impact.candidate_failures += 1;
                    self.impact
                        .first_failure
                        .get_or_insert_with(|| problem.clone());
                    self.skip(kind, "the candidate's hook failed on this case");
                    continue;
                }
            };
            let entry = self.impact.by_kind.entry(kind).or_default();
            entry.compared += 1;
            self.impact.deadlines_compared += 1;
            if new.map(|s| s.due) == Some(old_due) {
                continue;
            }
            entry.changed += 1;
            self.impact.deadlines_changed += 1;
            self.changed.insert(row.case.id);
            let key = (row.reference.as_str(), row.deadline_id);
            if self.listing.len() < self.listed
                || self.listing.peek().is_some_and(|last| key < last.key())
            {
                self.listing.push(Listed {
                    deadline_id: row.deadline_id,
                    change: DeadlineChange {
                        case_id: row.case.id,
                        reference: row.reference.clone(),
                        kind: row.deadline_kind,
                        hook: question.origin.hook(),
                        stored_due: row.due,
                        old_due,
                        new_due: new.map(|s| s.due),
                        new_explanation: new.map(|s| s.explanation.clone()),
                    },
                });
                if self.listing.len() > self.listed {
                    self.listing.pop();
                }
            }
        }
        true
    }

    fn skip(&mut self, kind: DeadlineKindKey, reason: &'static str) {
        *self
            .impact
            .not_recomputed
            .entry((kind, reason))
            .or_default() += 1;
        self.impact.by_kind.entry(kind).or_default().not_recomputed += 1;
    }

    /// The case as the hook saw it: `today` is the day the action was
    /// recorded, and dates the case gained later are left out.
    fn question(&self, row: &OpenDeadline, origin: Origin) -> Question {
        let today = local_date(row.deadline_created_at);
        let mut facts = row.case.facts(&self.council, row.learning_points, today);
        if let Some(on) = row.event_at.map(local_date) {
            for date in [
                &mut facts.acknowledged,
                &mut facts.responded,
                &mut facts.last_update,
            ] {
                if date.is_some_and(|d| d > on) {
                    *date = None;
                }
            }
        }
        match &origin {
            // Intake is told of the contact alone: cases that differ only
            // in where they stand now ask it the same question.
            Origin::Intake => {
                facts = CaseFacts {
                    contact: facts.contact,
                    stage: None,
                    status: CaseStatus::Received,
                    stage_received: None,
                    acknowledged: None,
                    responded: None,
                    last_update: None,
                    learning_points: 0,
                }
            }
            Origin::Escalation {
                from,
                acknowledged,
                responded,
                ..
            } => {
                // The earlier stage as the case kept it: its dates come from
                // the timeline; it is taken to have begun at receipt.
                facts.stage = *from;
                facts.status = if responded.is_some() {
                    CaseStatus::Responded
                } else {
                    CaseStatus::InProgress
                };
                facts.stage_received = Some(facts.contact.received);
                facts.acknowledged = *acknowledged;
                facts.responded = *responded;
                facts.last_update = None;
            }
            _ => {}
        }
        Question { origin, facts }
    }

    fn finish(mut self, complete: bool) -> Impact {
        self.impact.complete = complete;
        self.impact.cases_examined = self.seen.len() as u64;
        self.impact.cases_changed = self.changed.len() as u64;
        self.impact.changes = self
            .listing
            .into_sorted_vec()
            .into_iter()
            .map(|l| l.change)
            .collect();
        self.impact
    }
}

/// The council's open deadlines on open cases, each with its case and the
/// events recorded at the instant it was set (a row for each), in one query
/// read as a stream, in no particular order.
async fn open_deadlines(
    db: &DatabaseConnection,
    council_id: Uuid,
) -> Result<
    impl futures_util::Stream<Item = std::result::Result<OpenDeadline, sea_orm::DbErr>>
    + Send
    + Unpin
    + '_,
> {
    let backend = db.get_database_backend();
    let council = match backend {
        sea_orm::DatabaseBackend::Postgres => "$1",
        // Numbered, so the one value serves both places it is used.
        _ => "?1",
    };
    let open: Vec<String> = CaseStatus::open_values()
        .iter()
        .map(|s| format!("'{}'", sea_orm::ActiveEnum::to_value(s)))
        .collect();
    const SETTING: &str = "('contact_logged', 'converted', 'acknowledged', 'responded', \
        'reopened', 'escalation_requested', 'ombudsman_enquiry', 'deadline_extended', \
        'holding_response')";
    // An event's data is read only where it is used: the origin of a
    // reopening or an escalation, and telling apart two actions recorded at
    // the same instant; most rows then carry no JSON to send and decode.
    // No ORDER BY: a sort of every row spilled to disk; rows are grouped by
    // deadline as they arrive instead, each knowing from `k` how many rows
    // its deadline comes in (a count per row over a window cost as much as
    // the sort). PostgreSQL counts each deadline's instant through the case's
    // events index; aggregating the council's whole timeline instead took
    // twice as long where other councils share the table. SQLite has no
    // LATERAL and aggregates.
    let events_at = match backend {
        sea_orm::DatabaseBackend::Postgres => format!(
            "LEFT JOIN LATERAL (SELECT COUNT(*) AS n FROM case_events x \
             WHERE x.case_id = d.case_id AND x.recorded_at = d.created_at \
             AND x.kind IN {SETTING}) k ON true"
        ),
        _ => format!(
            "LEFT JOIN (SELECT case_id, recorded_at, COUNT(*) AS n FROM case_events \
             WHERE council_id = {council} AND kind IN {SETTING} \
             GROUP BY case_id, recorded_at) k \
             ON k.case_id = d.case_id AND k.recorded_at = d.created_at"
        ),
    };
    let sql = format!(
        "SELECT c.id, c.kind, c.channel, c.received_at, c.service_id, c.anonymous, \
         c.discrimination, c.about_staff, c.multi_service, c.via_councillor, c.stage, \
         c.status, c.stage_started_at, c.acknowledged_at, c.responded_at, c.last_update_at, \
         c.reference, \
         (SELECT COUNT(*) FROM learning_points l WHERE l.case_id = c.id) AS learning_points, \
         d.id AS deadline_id, d.kind AS deadline_kind, d.due, \
         d.explanation AS deadline_explanation, d.created_at AS deadline_created_at, \
         COALESCE(k.n, 0) AS events_at, e.seq AS event_seq, \
         e.kind AS event_kind, e.occurred_at AS event_at, \
         CASE WHEN e.kind IN ('reopened', 'escalation_requested') \
           OR k.n > 1 THEN e.data END AS event_data, \
         CASE WHEN e.kind = 'escalation_requested' THEN (SELECT MAX(a.occurred_at) \
           FROM case_events a WHERE a.case_id = e.case_id AND a.seq < e.seq \
           AND a.kind = 'acknowledged') END AS acknowledged_before, \
         CASE WHEN e.kind = 'escalation_requested' THEN (SELECT MAX(r.occurred_at) \
           FROM case_events r WHERE r.case_id = e.case_id AND r.seq < e.seq \
           AND r.kind = 'responded') END AS responded_before \
         FROM deadlines d \
         JOIN cases c ON c.id = d.case_id \
         LEFT JOIN case_events e ON e.case_id = d.case_id AND e.recorded_at = d.created_at \
           AND e.kind IN {SETTING} \
         {events_at} \
         WHERE d.council_id = {council} AND c.council_id = d.council_id \
           AND d.met_at IS NULL AND d.superseded_at IS NULL AND c.status IN ({open})",
        open = open.join(", "),
    );
    let rows = OpenDeadline::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        [Value::from(council_id)],
    ))
    .stream(db)
    .await?;
    Ok(rows)
}

/// The rows of one deadline (one per event recorded at the instant it was
/// set) reduced to that deadline with the event that set it: the one that
/// lists it among its deadlines (two actions recorded at the same instant are
/// told apart so), or else the only event of that instant.
fn its_event(mut group: Vec<OpenDeadline>) -> OpenDeadline {
    group.sort_by_key(|r| r.event_seq);
    let events = group.iter().filter(|r| r.event_kind.is_some()).count();
    let listing = group.iter().position(OpenDeadline::lists_itself);
    let mut chosen = group.swap_remove(listing.unwrap_or(0));
    if listing.is_none() && events != 1 {
        chosen.event_kind = None;
        chosen.event_at = None;
        chosen.event_data = None;
    }
    chosen
}
