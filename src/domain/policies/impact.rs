//! What publishing a candidate script would change for the council's open
//! cases: each open deadline is asked again of the hook that set it, from the
//! same anchor, once of the active version and once of the candidate, and
//! the dates are compared. Nothing is written.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{CaseStatus, DeadlineKind, Stage};
use sea_orm::{DatabaseConnection, FromQueryResult, Statement, Value};
use uuid::Uuid;

use crate::{
    councils::Council,
    domain::{cases::view::CaseView, policies, time::local_date},
    error::{AppError, Result},
    policy::{
        CompiledPolicy, Problem,
        hooks::{self, DeadlineOut},
    },
};

/// Changes listed in full when the caller does not say.
pub const DEFAULT_LISTED: usize = 50;
pub const MAX_LISTED: usize = 500;
/// How long one impact may run before it reports what it has so far.
pub const BUDGET: Duration = Duration::from_secs(10);
/// Open deadlines read per query.
const PAGE: u64 = 20_000;

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

/// Compares `source` with the council's active version over its open cases.
/// A candidate that fails validation is not run: its problems are returned.
pub async fn impact(
    db: &DatabaseConnection,
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
    let mut impact = Impact {
        active_version: active.as_ref().map(|p| p.version),
        ..Default::default()
    };
    let (candidate, report) = CompiledPolicy::validate(&council.slug, source);
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
        active,
        candidate,
        listed,
        answers: HashMap::new(),
        seen: HashSet::new(),
        changed: HashSet::new(),
        impact,
    };
    let mut after: Option<Uuid> = None;
    loop {
        if started.elapsed() > budget {
            return Ok(run.finish(false));
        }
        let page = with_its_event(read_page(db, council.id, after).await?);
        let Some(last) = page.last() else { break };
        after = Some(last.deadline_id);
        let full = page.len() as u64 == PAGE;
        let remaining = budget.saturating_sub(started.elapsed());
        // Hooks are CPU work: keep them off the threads serving requests.
        let (back, finished) = tokio::task::spawn_blocking(move || {
            let finished = run.compare(page, Instant::now() + remaining);
            (run, finished)
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("impact worker: {e}")))?;
        run = back;
        if !finished {
            return Ok(run.finish(false));
        }
        if !full {
            break;
        }
    }
    Ok(run.finish(true))
}

struct Run {
    council: Council,
    active: Option<Arc<CompiledPolicy>>,
    candidate: Arc<CompiledPolicy>,
    listed: usize,
    /// Hooks are pure functions of what they are told, and many cases are
    /// told the same: each distinct question is asked once per version.
    answers: HashMap<(Origin, String), (Option<Answer>, Answer)>,
    seen: HashSet<Uuid>,
    changed: HashSet<Uuid>,
    impact: Impact,
}

impl Run {
    /// Compares a page; false when the budget ran out part way.
    fn compare(&mut self, page: Vec<OpenDeadline>, deadline: Instant) -> bool {
        for row in page {
            if Instant::now() > deadline {
                return false;
            }
            self.seen.insert(row.case.id);
            let kind = DeadlineKindKey(row.deadline_kind);
            let origin = match row.origin() {
                Ok(origin) => origin,
                Err(reason) => {
                    self.skip(kind, reason);
                    continue;
                }
            };
            let (active, candidate) = self.answers_for(&row, &origin);
            let old_due = match active {
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
            let new = match candidate {
                Ok(specs) => specs.into_iter().find(|s| s.kind == row.deadline_kind),
                Err(problem) => {
                    self.impact.candidate_failures += 1;
                    self.impact.first_failure.get_or_insert(problem);
                    self.skip(kind, "the candidate's hook failed on this case");
                    continue;
                }
            };
            let entry = self.impact.by_kind.entry(kind).or_default();
            entry.compared += 1;
            self.impact.deadlines_compared += 1;
            if new.as_ref().map(|s| s.due) == Some(old_due) {
                continue;
            }
            entry.changed += 1;
            self.impact.deadlines_changed += 1;
            self.changed.insert(row.case.id);
            if self.impact.changes.len() < self.listed {
                self.impact.changes.push(DeadlineChange {
                    case_id: row.case.id,
                    reference: row.reference.clone(),
                    kind: row.deadline_kind,
                    hook: origin.hook(),
                    stored_due: row.due,
                    old_due,
                    new_due: new.as_ref().map(|s| s.due),
                    new_explanation: new.map(|s| s.explanation),
                });
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

    fn answers_for(&mut self, row: &OpenDeadline, origin: &Origin) -> (Option<Answer>, Answer) {
        // The case as the hook saw it: `today` is the day the action was
        // recorded, and dates the case gained later are left out.
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
        match origin {
            Origin::Intake => facts.stage_received = Some(facts.contact.received),
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
        let key = (origin.clone(), format!("{facts:?}"));
        if let Some(known) = self.answers.get(&key) {
            return known.clone();
        }
        let ask = |policy: &CompiledPolicy| -> Answer {
            Ok(match origin {
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
        };
        let answer = (self.active.as_deref().map(ask), ask(&self.candidate));
        self.answers.insert(key, answer.clone());
        answer
    }

    fn finish(mut self, complete: bool) -> Impact {
        self.impact.complete = complete;
        self.impact.cases_examined = self.seen.len() as u64;
        self.impact.cases_changed = self.changed.len() as u64;
        self.impact
    }
}

/// One page of the council's open deadlines on open cases, each with its
/// case and the event that set it: a single query.
async fn read_page(
    db: &DatabaseConnection,
    council_id: Uuid,
    after: Option<Uuid>,
) -> Result<Vec<OpenDeadline>> {
    let backend = db.get_database_backend();
    let p = |n: usize| match backend {
        sea_orm::DatabaseBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    };
    let open: Vec<String> = CaseStatus::open_values()
        .iter()
        .map(|s| format!("'{}'", sea_orm::ActiveEnum::to_value(s)))
        .collect();
    let mut values: Vec<Value> = vec![council_id.into()];
    let after_clause = match after {
        Some(id) => {
            values.push(id.into());
            format!("AND o.id > {}", p(2))
        }
        None => String::new(),
    };
    // The page is cut on deadlines first, so every event a deadline joins
    // arrives on the same page as it.
    let sql = format!(
        "SELECT c.id, c.kind, c.channel, c.received_at, c.service_id, c.anonymous, \
         c.discrimination, c.about_staff, c.multi_service, c.via_councillor, c.stage, \
         c.status, c.stage_started_at, c.acknowledged_at, c.responded_at, c.last_update_at, \
         c.reference, \
         (SELECT COUNT(*) FROM learning_points l WHERE l.case_id = c.id) AS learning_points, \
         d.id AS deadline_id, d.kind AS deadline_kind, d.due, \
         d.explanation AS deadline_explanation, d.created_at AS deadline_created_at, \
         e.kind AS event_kind, e.occurred_at AS event_at, e.data AS event_data, \
         CASE WHEN e.kind = 'escalation_requested' THEN (SELECT MAX(a.occurred_at) \
           FROM case_events a WHERE a.case_id = e.case_id AND a.seq < e.seq \
           AND a.kind = 'acknowledged') END AS acknowledged_before, \
         CASE WHEN e.kind = 'escalation_requested' THEN (SELECT MAX(r.occurred_at) \
           FROM case_events r WHERE r.case_id = e.case_id AND r.seq < e.seq \
           AND r.kind = 'responded') END AS responded_before \
         FROM (SELECT o.* FROM deadlines o JOIN cases oc ON oc.id = o.case_id \
           WHERE o.council_id = {council} AND oc.council_id = o.council_id \
           AND o.met_at IS NULL AND o.superseded_at IS NULL AND oc.status IN ({open}) \
           {after_clause} ORDER BY o.id LIMIT {PAGE}) d \
         JOIN cases c ON c.id = d.case_id \
         LEFT JOIN case_events e ON e.case_id = d.case_id AND e.recorded_at = d.created_at \
           AND e.kind IN ('contact_logged', 'converted', 'acknowledged', 'responded', \
             'reopened', 'escalation_requested', 'ombudsman_enquiry', \
             'deadline_extended', 'holding_response') \
         ORDER BY d.id, e.seq",
        council = p(1),
        open = open.join(", "),
    );
    let rows =
        OpenDeadline::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
            .all(db)
            .await?;
    Ok(rows)
}

/// The rows of one deadline (one per event recorded at the instant it was
/// set) reduced to that deadline with the event that set it: the one that
/// lists it among its deadlines (two actions recorded at the same instant are
/// told apart so), or else the only event of that instant.
fn with_its_event(rows: Vec<OpenDeadline>) -> Vec<OpenDeadline> {
    let mut out: Vec<OpenDeadline> = Vec::new();
    let mut group: Vec<OpenDeadline> = Vec::new();
    for row in rows {
        if group
            .first()
            .is_some_and(|g| g.deadline_id != row.deadline_id)
        {
            out.push(its_event(std::mem::take(&mut group)));
        }
        group.push(row);
    }
    if !group.is_empty() {
        out.push(its_event(group));
    }
    out
}

fn its_event(mut group: Vec<OpenDeadline>) -> OpenDeadline {
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
