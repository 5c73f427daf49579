//! Load benchmark. `seed` fills a database with two years of one council's
//! cases; `run` drives a running server over HTTP with real tokens and
//! reports throughput and latency per scenario.
//!
//! ```sh
//! cargo run --release --example load -- seed --database-url sqlite://bench.db?mode=rwc \
//!     --council leeds --cases 100000
//! cargo run --release --example load -- run --url http://127.0.0.1:8080 --council leeds \
//!     --clients 50 --seconds 20 --scenario both --secret "$REDRESS_JWT_SECRET"
//! cargo run --release --example load -- sweep \
//!     --database-url postgres://postgres@127.0.0.1:5432/redress_sweep --cases 100000
//! ```

#[path = "support/drive.rs"]
mod drive;
#[path = "load/impact.rs"]
mod impact;
#[path = "support/pace.rs"]
mod pace;
#[path = "load/sweep.rs"]
mod sweep;

use std::{
    collections::BTreeMap,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use entity::{
    case, case_event, council, customer, deadline,
    enums::{CaseStatus, Channel, ContactKind, DeadlineKind, Ombudsman, Outcome, Stage},
    reference_counter, service,
};
use hdrhistogram::Histogram;
use redress::{
    auth::{JwtConfig, TokenMinter},
    config::{DatabaseArgs, JwtArgs},
    councils, db,
    domain::{intake::reference, time::local_date},
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, Iterable,
    PaginatorTrait, QueryFilter, QuerySelect, Statement,
    sea_query::{Expr, Func},
};
use serde_json::json;
use uuid::Uuid;

#[derive(Parser)]
#[command(
    name = "load",
    about = "Seed a benchmark database, or load-test a running Redress"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fill the database with a council's case history (skipped when it already has enough).
    Seed(SeedArgs),
    /// Send GraphQL requests to a running server and report latency per scenario.
    Run(RunArgs),
    /// Seed open cases with missed deadlines and time one deadline sweep.
    Sweep(sweep::SweepArgs),
    /// Seed open cases and time the impact of candidate policy scripts.
    Impact(impact::ImpactArgs),
}

#[derive(Args)]
struct SeedArgs {
    /// sqlite://FILE?mode=rwc or postgres://USER@HOST/DB
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[arg(long, default_value = "leeds")]
    council: String,
    /// How many cases the council should have afterwards.
    #[arg(long, default_value_t = 100_000)]
    cases: u64,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    drive: drive::DriveArgs,
    #[arg(long, value_enum, default_value = "both")]
    scenario: Scenario,
    /// For `noisy`: the other council, whose policy is made to spin.
    #[arg(long, default_value = "leicester")]
    neighbour: String,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scenario {
    /// Log a complaint (`logContact`).
    Intake,
    /// Read the newest page of the council's cases (`cases(first: 50)`).
    List,
    /// The same page filtered to open overdue cases.
    Overdue,
    /// Half the clients on each.
    Both,
    /// Intake alone, then the same intake while as many clients again log
    /// PHONE contacts with a neighbouring council whose policy spends its
    /// whole time budget on each; both runs are reported side by side. The
    /// neighbour's policy is rolled back afterwards.
    Noisy,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Seed(args) => seed(args).await,
        Command::Run(args) => run(args).await,
        Command::Sweep(args) => sweep::sweep(args).await,
        Command::Impact(args) => impact::impact(args).await,
    }
}

// ---------------------------------------------------------------------------
// seed

/// Cases per transaction: large enough that commits are not the cost, small
/// enough that an interrupted seed loses little.
const BATCH: usize = 1_000;
/// Bind parameters per statement, under SQLite's and PostgreSQL's limits
/// (32,766 and 65,535); a case row alone has over thirty columns.
const MAX_PARAMS: usize = 30_000;
const HISTORY_DAYS: i64 = 730;

async fn seed(args: SeedArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let conn = db::connect(&DatabaseArgs {
        database_url: args.database_url.clone(),
        db_max_connections: 2,
    })
    .await?;
    db::migrate(&conn).await?;
    councils::seed(&conn)
        .await
        .context("creating the shipped councils")?;
    let council = council::Entity::find()
        .filter(council::Column::Slug.eq(args.council.as_str()))
        .one(&conn)
        .await?
        .with_context(|| format!("there is no council `{}`", args.council))?;
    let services = service::Entity::find()
        .filter(service::Column::CouncilId.eq(council.id))
        .all(&conn)
        .await?;
    if services.is_empty() {
        bail!("council `{}` has no services", council.slug);
    }

    let existing = case::Entity::find()
        .filter(case::Column::CouncilId.eq(council.id))
        .count(&conn)
        .await?;
    if existing >= args.cases {
        println!(
            "{} already has {existing} cases (>= {}): nothing to seed",
            council.slug, args.cases
        );
        return Ok(());
    }
    let to_add = (args.cases - existing) as usize;
    println!(
        "seeding {to_add} cases for {} ({existing} already there) on {}",
        council.slug,
        db::redact(&args.database_url)
    );

    let mut generator = Generator {
        rng: Rng(0x5eed_0000 ^ existing),
        council_id: council.id,
        prefix: council.reference_prefix.clone(),
        services: services
            .iter()
            .map(|s| (s.id, s.slug.clone(), service_weight(&s.slug)))
            .collect(),
        last_number: last_numbers(&conn, council.id).await?,
        customers: Vec::new(),
        now: Utc::now(),
        total: to_add,
    };

    let mut done = 0;
    while done < to_add {
        let size = BATCH.min(to_add - done);
        let batch = generator.batch(done, size);
        write_batch(&conn, council.id, batch).await?;
        done += size;
        if done % 20_000 == 0 || done == to_add {
            println!(
                "  {done}/{to_add} cases ({:.1} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }

    if conn.get_database_backend() == DbBackend::Postgres {
        // A production database has statistics from autovacuum; without them
        // the first minutes of the benchmark would measure plans made blind.
        conn.execute_unprepared("ANALYZE cases, customers, case_events, reference_counters")
            .await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "seeded {to_add} cases for {} in {elapsed:.1} s ({:.0} cases/s)",
        council.slug,
        to_add as f64 / elapsed
    );
    Ok(())
}

/// The highest number already issued per year, from the counters and from the
/// cases themselves, so seeding after earlier intakes never reuses a reference.
async fn last_numbers(
    conn: &DatabaseConnection,
    council_id: Uuid,
) -> anyhow::Result<BTreeMap<i32, i64>> {
    let mut last: BTreeMap<i32, i64> = reference_counter::Entity::find()
        .filter(reference_counter::Column::CouncilId.eq(council_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| (row.year, row.last))
        .collect();
    let used: Vec<(i32, Option<i64>)> = case::Entity::find()
        .select_only()
        .column(case::Column::ReferenceYear)
        .column_as(
            Expr::from(Func::max(Expr::col(case::Column::ReferenceSeq))),
            "highest",
        )
        .filter(case::Column::CouncilId.eq(council_id))
        .group_by(case::Column::ReferenceYear)
        .into_tuple()
        .all(conn)
        .await?;
    for (year, highest) in used {
        let entry = last.entry(year).or_default();
        *entry = (*entry).max(highest.unwrap_or(0));
    }
    Ok(last)
}

struct Batch {
    customers: Vec<customer::ActiveModel>,
    cases: Vec<case::ActiveModel>,
    events: Vec<case_event::ActiveModel>,
    deadlines: Vec<deadline::ActiveModel>,
    /// Highest reference number used per year in this batch.
    highest: BTreeMap<i32, i64>,
}

async fn write_batch(
    conn: &DatabaseConnection,
    council_id: Uuid,
    batch: Batch,
) -> anyhow::Result<()> {
    let txn = db::begin_write(conn).await?;
    insert_all(&txn, batch.customers).await?;
    insert_all(&txn, batch.cases).await?;
    insert_all(&txn, batch.events).await?;
    insert_all(&txn, batch.deadlines).await?;
    for (year, last) in batch.highest {
        raise_counter(&txn, council_id, year, last).await?;
    }
    txn.commit().await?;
    Ok(())
}

async fn insert_all<A>(txn: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    let columns = <A::Entity as EntityTrait>::Column::iter().count().max(1);
    let per_statement = (MAX_PARAMS / columns).clamp(1, BATCH);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per_statement).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Same upsert as intake's `reference::next_number`, in the same transaction
/// as the cases, but it only ever raises the counter: a number intake already
/// issued is never handed out again.
async fn raise_counter(
    txn: &impl ConnectionTrait,
    council_id: Uuid,
    year: i32,
    last: i64,
) -> Result<(), DbErr> {
    let sql = match txn.get_database_backend() {
        DbBackend::Postgres => {
            "INSERT INTO reference_counters (council_id, year, last) VALUES ($1, $2, $3) \
             ON CONFLICT (council_id, year) DO UPDATE SET last = \
             CASE WHEN reference_counters.last > excluded.last \
             THEN reference_counters.last ELSE excluded.last END"
        }
        _ => {
            "INSERT INTO reference_counters (council_id, year, last) VALUES (?, ?, ?) \
             ON CONFLICT (council_id, year) DO UPDATE SET last = \
             CASE WHEN reference_counters.last > excluded.last \
             THEN reference_counters.last ELSE excluded.last END"
        }
    };
    txn.execute_raw(Statement::from_sql_and_values(
        txn.get_database_backend(),
        sql,
        [council_id.into(), year.into(), last.into()],
    ))
    .await?;
    Ok(())
}

/// Deterministic, so two seeds of the same size hold the same mix.
struct Rng(u64);

impl Rng {
    /// SplitMix64: tiny, fast and good enough for test data.
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    fn range(&mut self, low: i64, high: i64) -> i64 {
        low + self.below((high - low + 1) as u64) as i64
    }

    fn weighted<T: Copy>(&mut self, choices: &[(T, u32)]) -> T {
        let total: u32 = choices.iter().map(|(_, w)| w).sum();
        let mut pick = self.below(total as u64) as u32;
        for (value, weight) in choices {
            if pick < *weight {
                return *value;
            }
            pick -= weight;
        }
        choices[choices.len() - 1].0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Rough shares of a council's complaint load by service.
fn service_weight(slug: &str) -> u32 {
    match slug {
        "housing" => 30,
        "waste" => 25,
        "highways" | "council-tax" | "revenues-benefits" | "parking" => 12,
        "planning" | "planning-enforcement" => 8,
        "customer-services" => 6,
        _ => 3,
    }
}

const KINDS: &[(ContactKind, u32)] = &[
    (ContactKind::Complaint, 780),
    (ContactKind::Compliment, 80),
    (ContactKind::Comment, 60),
    (ContactKind::Suggestion, 30),
    (ContactKind::ServiceRequest, 20),
    (ContactKind::FoiComplaint, 20),
    (ContactKind::EirComplaint, 10),
];

const CHANNELS: &[(Channel, u32)] = &[
    (Channel::Email, 35),
    (Channel::Web, 30),
    (Channel::Phone, 20),
    (Channel::Letter, 5),
    (Channel::InPerson, 4),
    (Channel::SocialMedia, 3),
    (Channel::Councillor, 3),
];

const OPEN_STATUSES: &[(CaseStatus, u32)] = &[
    (CaseStatus::Received, 20),
    (CaseStatus::Acknowledged, 25),
    (CaseStatus::InProgress, 30),
    (CaseStatus::Responded, 15),
    (CaseStatus::EscalationRequested, 7),
    (CaseStatus::WithOmbudsman, 3),
];

const CLOSED_STATUSES: &[(CaseStatus, u32)] = &[
    (CaseStatus::Closed, 85),
    (CaseStatus::Withdrawn, 10),
    (CaseStatus::OutOfScope, 5),
];

const SUBJECTS: &[(&str, &str, &str)] = &[
    (
        "waste",
        "Missed bin collection",
        "The bin was not emptied on collection day and has been left out since.",
    ),
    (
        "waste",
        "Recycling left on the pavement",
        "The crew spilled recycling across the pavement and did not clear it up.",
    ),
    (
        "waste",
        "Bulky waste booking not honoured",
        "I paid for a bulky waste collection that never came.",
    ),
    (
        "housing",
        "Damp and mould in the bedroom",
        "Black mould has returned in the back bedroom despite two repair visits.",
    ),
    (
        "housing",
        "Repair appointment missed",
        "Nobody came for the boiler repair and I took the day off work.",
    ),
    (
        "housing",
        "Antisocial behaviour not addressed",
        "Reports of noise from the flat above have had no response for weeks.",
    ),
    (
        "highways",
        "Pothole on the main road",
        "A deep pothole outside the school damaged my tyre.",
    ),
    (
        "highways",
        "Street light out",
        "The street light has been out for a month and the path is unsafe at night.",
    ),
    (
        "council-tax",
        "Council tax bill is wrong",
        "The bill ignores the single person discount I applied for.",
    ),
    (
        "council-tax",
        "Refund not received",
        "I was promised a refund of an overpayment three months ago.",
    ),
    (
        "planning",
        "Objection not considered",
        "My objection to the extension next door is missing from the decision.",
    ),
    (
        "licensing",
        "Licence renewal delayed",
        "My premises licence renewal has not been processed in time.",
    ),
    (
        "information-governance",
        "FOI request not answered",
        "My request for information has gone past twenty working days without a reply.",
    ),
    (
        "customer-services",
        "Call not returned",
        "I was promised a call back twice and nobody rang.",
    ),
];

const FIRST_NAMES: &[&str] = &[
    "Amelia", "Oliver", "Priya", "Mohammed", "Grace", "Jack", "Fatima", "Harry", "Chloe", "Tomasz",
    "Aisha", "George", "Sophie", "Daniel", "Zara", "Liam",
];
const SURNAMES: &[&str] = &[
    "Smith", "Khan", "Jones", "Patel", "Brown", "Williams", "Taylor", "Ahmed", "Wilson", "Evans",
    "Kowalski", "Thomas", "Begum", "Roberts", "Walker", "Wright",
];

struct Generator {
    rng: Rng,
    council_id: Uuid,
    prefix: String,
    /// id, slug, weight
    services: Vec<(Uuid, String, u32)>,
    last_number: BTreeMap<i32, i64>,
    /// Everyone seeded so far, so some complainants come back.
    customers: Vec<Uuid>,
    now: DateTime<Utc>,
    total: usize,
}

impl Generator {
    fn batch(&mut self, first: usize, size: usize) -> Batch {
        let mut batch = Batch {
            customers: Vec::with_capacity(size),
            cases: Vec::with_capacity(size),
            events: Vec::with_capacity(3 * size),
            deadlines: Vec::with_capacity(2 * size),
            highest: BTreeMap::new(),
        };
        for i in first..first + size {
            self.case(i, &mut batch);
        }
        batch
    }

    // Columns a later migration adds stay unset (NULL or their default), so
    // the seed keeps working as the schema grows.
    #[allow(clippy::needless_update)]
    fn case(&mut self, index: usize, batch: &mut Batch) {
        let rng = &mut self.rng;
        let history = chrono::Duration::days(HISTORY_DAYS);
        // Logged times rise with the index, so reference numbers follow the
        // order cases were logged in, as intake issues them.
        let position = (index as f64 + rng.unit()) / self.total as f64;
        let logged_at = self.now - history
            + chrono::Duration::milliseconds((history.num_milliseconds() as f64 * position) as i64);
        let age = 1.0 - position;

        let kind = rng.weighted(KINDS);
        let channel = rng.weighted(CHANNELS);
        let delay_minutes = match channel {
            Channel::Letter => rng.range(24 * 60, 5 * 24 * 60),
            Channel::Councillor => rng.range(60, 2 * 24 * 60),
            Channel::SocialMedia => rng.range(5, 12 * 60),
            Channel::Phone | Channel::InPerson => rng.range(0, 5),
            Channel::Email | Channel::Web => rng.range(0, 30),
        };
        // Receipt times come from forms and staff, to the second.
        let received_at = (logged_at - chrono::Duration::minutes(delay_minutes))
            .with_nanosecond(0)
            .unwrap_or(logged_at);

        let (service_id, service_slug) =
            if matches!(kind, ContactKind::FoiComplaint | ContactKind::EirComplaint) {
                self.services
                    .iter()
                    .find(|(_, slug, _)| slug == "information-governance")
                    .map(|(id, slug, _)| (*id, slug.clone()))
                    .unwrap_or_else(|| (self.services[0].0, self.services[0].1.clone()))
            } else {
                let weights: Vec<(usize, u32)> = self
                    .services
                    .iter()
                    .enumerate()
                    .map(|(i, (_, _, w))| (i, *w))
                    .collect();
                let chosen = rng.weighted(&weights);
                (self.services[chosen].0, self.services[chosen].1.clone())
            };
        let matching: Vec<&(&str, &str, &str)> = SUBJECTS
            .iter()
            .filter(|(slug, _, _)| *slug == service_slug)
            .collect();
        let (_, subject, description) = if matching.is_empty() {
            *rng.pick(SUBJECTS)
        } else {
            **rng.pick(&matching)
        };
        let subject = match kind {
            ContactKind::Compliment => format!("Thank you: {}", subject.to_lowercase()),
            ContactKind::Comment | ContactKind::Suggestion => {
                format!("Feedback: {}", subject.to_lowercase())
            }
            _ => subject.to_owned(),
        };

        // Older cases are more likely to be finished.
        let closed_share = if kind.is_complaint() {
            0.15 + 0.35 * age
        } else {
            0.5 + 0.45 * age
        };
        let status = if rng.chance(closed_share) {
            rng.weighted(CLOSED_STATUSES)
        } else if kind.is_complaint() {
            rng.weighted(OPEN_STATUSES)
        } else {
            CaseStatus::Received
        };
        let stage = if !kind.is_complaint() {
            None
        } else if status == CaseStatus::WithOmbudsman {
            Some(Stage::Ombudsman)
        } else {
            Some(rng.weighted(&[
                (Stage::Stage1, 75),
                (Stage::Stage2, 18),
                (Stage::Informal, 4),
                (Stage::Stage3, 3),
            ]))
        };
        let today = local_date(self.now);
        // About a quarter of open complaints are past their deadline, so the
        // overdue filter has work to do.
        let next_due = (kind.is_complaint() && status.is_open()).then(|| {
            let days = if rng.chance(0.25) {
                -rng.range(1, 40)
            } else {
                rng.range(0, 30)
            };
            today + chrono::Duration::days(days)
        });
        let closed_at = (!status.is_open())
            .then(|| (logged_at + chrono::Duration::days(rng.range(1, 45))).min(self.now));
        let outcome = (kind.is_complaint() && status == CaseStatus::Closed).then(|| {
            rng.weighted(&[
                (Outcome::Upheld, 35),
                (Outcome::PartlyUpheld, 25),
                (Outcome::NotUpheld, 40),
            ])
        });

        let anonymous = channel != Channel::Councillor && rng.chance(0.02);
        let customer_id = if anonymous {
            None
        } else if !self.customers.is_empty() && rng.chance(0.25) {
            Some(*rng.pick(&self.customers))
        } else {
            let id = Uuid::now_v7();
            let number = self.customers.len();
            let first_name = *rng.pick(FIRST_NAMES);
            let surname = *rng.pick(SURNAMES);
            let phone = rng
                .chance(0.6)
                .then(|| format!("0113 {:03} {:04}", rng.below(1000), rng.below(10_000)));
            batch.customers.push(customer::ActiveModel {
                id: Set(id),
                council_id: Set(self.council_id),
                portal_subject: Set(None),
                name: Set(Some(format!("{first_name} {surname}"))),
                email: Set(Some(format!("resident{number}@example.org"))),
                phone: Set(phone),
                address: Set(Some(format!("{} Example Street, Leeds", rng.range(1, 250)))),
                preferred_channel: Set(Some(if channel == Channel::Letter {
                    Channel::Letter
                } else {
                    Channel::Email
                })),
                reasonable_adjustments: Set(rng
                    .chance(0.03)
                    .then(|| "Large print letters, please".to_owned())),
                created_at: Set(logged_at),
                ..Default::default()
            });
            self.customers.push(id);
            Some(id)
        };
        let via_councillor =
            (channel == Channel::Councillor).then(|| format!("Cllr {}", rng.pick(SURNAMES)));

        let year = local_date(logged_at).year();
        let seq = {
            let last = self.last_number.entry(year).or_default();
            *last += 1;
            *last
        };
        batch.highest.insert(year, seq);
        let reference = reference::format(&self.prefix, year, seq);
        let id = Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            logged_at.timestamp() as u64,
            logged_at.timestamp_subsec_nanos(),
        ));
        let logged_by = "seed-frontline".to_owned();

        let deadlines = if kind.is_complaint() {
            complaint_deadlines(rng, status, logged_at, next_due, closed_at, self.now)
        } else {
            Vec::new()
        };
        let policy_version = (!deadlines.is_empty()).then_some(SEED_POLICY_VERSION);
        let deadline_data: Vec<_> = deadlines
            .iter()
            .map(|(kind, due, _, explanation)| {
                json!({ "kind": kind, "due": due, "explanation": explanation })
            })
            .collect();
        for (deadline_kind, due, met_at, explanation) in deadlines {
            batch.deadlines.push(deadline::ActiveModel {
                id: Set(Uuid::now_v7()),
                council_id: Set(self.council_id),
                case_id: Set(id),
                stage: Set(stage),
                kind: Set(deadline_kind),
                due: Set(due),
                met_at: Set(met_at),
                breach_recorded_at: Set(None),
                superseded_at: Set(None),
                extended_to: Set(None),
                policy_version: Set(SEED_POLICY_VERSION),
                explanation: Set(explanation),
                created_at: Set(logged_at),
                ..Default::default()
            });
        }

        batch.events.push(case_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            council_id: Set(self.council_id),
            case_id: Set(id),
            seq: Set(1),
            kind: Set("contact_logged".to_owned()),
            actor_subject: Set(logged_by.clone()),
            actor_role: Set("frontline".to_owned()),
            occurred_at: Set(received_at),
            recorded_at: Set(logged_at),
            policy_version: Set(policy_version),
            summary: Set(format!("{kind:?} logged as {reference} via {channel:?}")),
            data: Set(json!({
                "reference": reference,
                "kind": kind,
                "channel": channel,
                "stage": stage,
                "deadlines": deadline_data,
            })),
            ..Default::default()
        });
        let steps = later_steps(rng, kind, status, logged_at, closed_at, self.now);
        for (seq, (step, at, role, summary)) in (2..).zip(steps) {
            batch.events.push(case_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                council_id: Set(self.council_id),
                case_id: Set(id),
                seq: Set(seq),
                kind: Set(step.to_owned()),
                actor_subject: Set(format!("seed-{role}")),
                actor_role: Set(role.to_owned()),
                occurred_at: Set(at),
                recorded_at: Set(at),
                policy_version: Set(policy_version),
                summary: Set(summary.to_owned()),
                data: Set(json!({ "status": status })),
                ..Default::default()
            });
        }
        batch.cases.push(case::ActiveModel {
            id: Set(id),
            council_id: Set(self.council_id),
            reference: Set(reference),
            reference_year: Set(Some(year)),
            reference_seq: Set(Some(seq)),
            kind: Set(kind),
            channel: Set(channel),
            stage: Set(stage),
            status: Set(status),
            received_at: Set(received_at),
            service_id: Set(Some(service_id)),
            anonymous: Set(anonymous),
            customer_id: Set(customer_id),
            subject: Set(subject),
            description: Set(description.to_owned()),
            desired_outcome: Set((kind.is_complaint() && rng.chance(0.6))
                .then(|| "Put it right and stop it happening again".to_owned())),
            respond_to_councillor: Set(via_councillor.is_some()),
            via_councillor: Set(via_councillor),
            councillor_subject: Set(None),
            discrimination: Set(kind.is_complaint() && rng.chance(0.01)),
            about_staff: Set(kind.is_complaint() && rng.chance(0.05)),
            multi_service: Set(kind.is_complaint() && rng.chance(0.03)),
            assignee_id: Set(None),
            stage2_reviewer_id: Set(None),
            outcome: Set(outcome),
            ombudsman: Set((status == CaseStatus::WithOmbudsman).then_some(Ombudsman::Lgsco)),
            next_due: Set(next_due),
            logged_by: Set(logged_by),
            created_at: Set(logged_at),
            updated_at: Set(closed_at.unwrap_or(logged_at)),
            closed_at: Set(closed_at),
            version: Set(1),
            ..Default::default()
        });
    }
}

/// The timeline after the logging step, as far as the status says the case
/// went: (event kind, when, actor role, summary), in order, none in the future.
fn later_steps(
    rng: &mut Rng,
    kind: ContactKind,
    status: CaseStatus,
    logged_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Vec<(&'static str, DateTime<Utc>, &'static str, &'static str)> {
    use CaseStatus::*;
    let mut steps = Vec::with_capacity(4);
    let mut at = logged_at;
    let mut step = |rng: &mut Rng, hours: (i64, i64), what, role, summary| {
        at = (at + chrono::Duration::hours(rng.range(hours.0, hours.1))).min(now);
        steps.push((what, at, role, summary));
    };
    if kind.is_complaint() && !matches!(status, Received | OutOfScope) {
        step(
            rng,
            (2, 60),
            "acknowledged",
            "frontline",
            "Complaint acknowledged",
        );
    }
    let answered = matches!(status, Responded | EscalationRequested | WithOmbudsman)
        || (status == Closed && kind.is_complaint());
    if answered {
        let role = "investigating_officer";
        step(
            rng,
            (3 * 24, 18 * 24),
            "responded",
            role,
            "Stage response sent",
        );
    }
    if matches!(status, EscalationRequested | WithOmbudsman) {
        let summary = "The complainant asked to escalate";
        step(
            rng,
            (24, 20 * 24),
            "escalation_requested",
            "frontline",
            summary,
        );
    }
    if status == WithOmbudsman {
        let summary = "The Ombudsman opened an enquiry";
        step(
            rng,
            (20 * 24, 60 * 24),
            "ombudsman_enquiry",
            "dcro",
            summary,
        );
    }
    let closing = match status {
        Closed => Some(("closed", "Case closed")),
        Withdrawn => Some(("withdrawn", "Withdrawn by the customer")),
        OutOfScope => Some(("out_of_scope", "Out of scope of the complaints procedure")),
        _ => None,
    };
    if let Some((what, summary)) = closing {
        // The closing step is when the case closed, after whatever came first.
        let when = closed_at.unwrap_or(now).max(at);
        steps.push((what, when, "customer_feedback_manager", summary));
    }
    steps
}

/// Seeded deadlines claim the first policy version, the one the server
/// publishes from the shipped script on its first start.
const SEED_POLICY_VERSION: i32 = 1;

/// A complaint's deadlines as the status implies, so `respondBy` and the
/// deadline loader see what they see in production; the earliest open one is
/// `next_due`.
fn complaint_deadlines(
    rng: &mut Rng,
    status: CaseStatus,
    logged_at: DateTime<Utc>,
    next_due: Option<NaiveDate>,
    closed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Vec<(DeadlineKind, NaiveDate, Option<DateTime<Utc>>, String)> {
    let logged_day = local_date(logged_at);
    let days = chrono::Duration::days;
    let acknowledged_at = (logged_at + chrono::Duration::hours(rng.range(2, 60))).min(now);
    let explain = |what: &str, working_days: u32| {
        format!("{what} within {working_days} working days (seeded, v{SEED_POLICY_VERSION})")
    };
    let mut rows = Vec::with_capacity(2);
    match (status, next_due) {
        (CaseStatus::Received, Some(due)) => {
            rows.push((
                DeadlineKind::Acknowledge,
                due,
                None,
                explain("Acknowledge", 3),
            ));
            rows.push((
                DeadlineKind::Respond,
                due + days(14),
                None,
                explain("Respond", 10),
            ));
        }
        (CaseStatus::Responded, Some(due)) => {
            let responded = (logged_at + days(rng.range(5, 20))).min(now);
            rows.push((
                DeadlineKind::Respond,
                logged_day + days(14),
                Some(responded),
                explain("Respond", 10),
            ));
            rows.push((
                DeadlineKind::Escalate,
                due,
                None,
                explain("Ask to escalate", 20),
            ));
        }
        (CaseStatus::WithOmbudsman, Some(due)) => {
            rows.push((
                DeadlineKind::OmbudsmanResponse,
                due,
                None,
                explain("Answer the ombudsman", 20),
            ));
        }
        (_, Some(due)) => {
            rows.push((
                DeadlineKind::Acknowledge,
                logged_day + days(3),
                Some(acknowledged_at),
                explain("Acknowledge", 3),
            ));
            rows.push((DeadlineKind::Respond, due, None, explain("Respond", 10)));
        }
        (_, None) => {
            rows.push((
                DeadlineKind::Acknowledge,
                logged_day + days(3),
                Some(acknowledged_at),
                explain("Acknowledge", 3),
            ));
            rows.push((
                DeadlineKind::Respond,
                logged_day + days(14),
                Some(closed_at.unwrap_or(now)),
                explain("Respond", 10),
            ));
        }
    }
    rows
}

// ---------------------------------------------------------------------------
// run

const LOG_CONTACT: &str = "mutation Log($input: LogContactInput!) { \
    logContact(input: $input) { id reference stage status } }";
const LIST: &str = "{ cases(first: 50) { edges { node { id reference kind stage status \
    receivedAt overdue respondBy } } pageInfo { hasNextPage endCursor } } }";
const LIST_OVERDUE: &str = "{ cases(first: 50, filter: {statuses: [RECEIVED, ACKNOWLEDGED], \
    overdue: true}) { edges { node { id reference kind stage status receivedAt overdue \
    respondBy } } pageInfo { hasNextPage endCursor } } }";
/// In the past whenever the benchmark runs, as intake refuses future receipts.
const RECEIVED_AT: &str = "2026-11-20T10:00:00Z";
/// How long a request still in flight at the deadline may take before it
/// counts as failed, so a stalled server cannot hold the run open.
const GRACE: Duration = Duration::from_secs(10);
const MAX_FAILURE_SAMPLES: usize = 3;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Load {
    Intake,
    List,
    Overdue,
    /// A PHONE complaint about waste, which the noisy neighbour's policy spins on.
    SpinningPhone,
}

impl Load {
    fn name(self) -> &'static str {
        match self {
            Load::Intake => "intake",
            Load::List => "list",
            Load::Overdue => "overdue",
            Load::SpinningPhone => "spinning",
        }
    }

    fn body(self, client: usize, n: u64) -> Vec<u8> {
        let request = match self {
            Load::Intake => {
                let waste: Vec<_> = SUBJECTS.iter().filter(|(s, _, _)| *s == "waste").collect();
                let (_, subject, description) = waste[(client + n as usize) % waste.len()];
                // Half the callers are already known by email (the seed's
                // residents), half are new: both lookup paths of intake run.
                let email = if n.is_multiple_of(2) {
                    format!(
                        "resident{}@example.org",
                        (client as u64 * 7919 + n) % 50_000
                    )
                } else {
                    format!("caller{client}.{n}@example.org")
                };
                json!({
                    "query": LOG_CONTACT,
                    "variables": { "input": {
                        "kind": "COMPLAINT",
                        "channel": "EMAIL",
                        "receivedAt": RECEIVED_AT,
                        "subject": format!("{subject} (round {n}, line {client})"),
                        "description": description,
                        "service": "waste",
                        "customer": { "name": format!("Load Caller {client}"), "email": email },
                    }},
                })
            }
            Load::SpinningPhone => json!({
                "query": LOG_CONTACT,
                "variables": { "input": {
                    "kind": "COMPLAINT",
                    "channel": "PHONE",
                    "receivedAt": RECEIVED_AT,
                    "subject": format!("Phone complaint (round {n}, line {client})"),
                    "description": "Called about a missed collection.",
                    "service": "waste",
                }},
            }),
            Load::List => json!({ "query": LIST }),
            Load::Overdue => json!({ "query": LIST_OVERDUE }),
        };
        serde_json::to_vec(&request).expect("a JSON value serialises")
    }
}

struct Tally {
    latency_us: Histogram<u64>,
    requests: u64,
    failures: u64,
    samples: Vec<String>,
}

impl Tally {
    fn new() -> Self {
        Self {
            latency_us: Histogram::new_with_bounds(1, 120_000_000, 3)
                .expect("valid histogram bounds"),
            requests: 0,
            failures: 0,
            samples: Vec::new(),
        }
    }

    fn merge(&mut self, other: Tally) {
        self.latency_us
            .add(&other.latency_us)
            .expect("histograms with equal bounds merge");
        self.requests += other.requests;
        self.failures += other.failures;
        for sample in other.samples {
            if self.samples.len() < MAX_FAILURE_SAMPLES && !self.samples.contains(&sample) {
                self.samples.push(sample);
            }
        }
    }
}

/// Only this machine is ever loaded: a typo must not aim the benchmark at
/// someone else's server.
fn loopback_endpoint(url: &str) -> anyhow::Result<reqwest::Url> {
    let mut url = reqwest::Url::parse(url).with_context(|| format!("`{url}` is not a URL"))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        bail!(
            "only http and https URLs are supported, not `{}`",
            url.scheme()
        );
    }
    match url.host_str() {
        Some("127.0.0.1" | "localhost" | "[::1]") => {}
        other => bail!(
            "refusing to load `{}`: only 127.0.0.1, localhost and [::1] may be targeted",
            other.unwrap_or("")
        ),
    }
    url.set_path("/");
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    let base = loopback_endpoint(&args.drive.url)?;
    let endpoint = base.join("graphql")?;
    let jwt = JwtConfig::from_args(&JwtArgs {
        jwt_secret: Some(args.drive.secret.clone()),
        jwt_public_key: None,
        jwt_issuer: None,
        jwt_audience: None,
        jwt_leeway_secs: 30,
    })?;
    let minter = TokenMinter::new(&jwt)?;
    let clients = usize::from(args.drive.clients);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients * 2)
        .tcp_nodelay(true)
        .timeout(GRACE)
        .build()?;

    let ready = client.get(base.join("readyz")?).send().await;
    match ready {
        Ok(response) if response.status().is_success() => {}
        Ok(response) => bail!(
            "{base} is not ready: /readyz answered {}",
            response.status()
        ),
        Err(err) => bail!("{base} does not answer: {err}"),
    }

    let loads: Vec<Load> = (0..clients)
        .map(|i| match args.scenario {
            Scenario::Intake | Scenario::Noisy => Load::Intake,
            Scenario::List => Load::List,
            Scenario::Overdue => Load::Overdue,
            Scenario::Both if i % 2 == 0 => Load::Intake,
            Scenario::Both => Load::List,
        })
        .collect();
    let endpoint = Arc::new(endpoint);
    let own = args.drive.council.clone();
    let measured: Vec<(Load, String)> = loads.into_iter().map(|l| (l, own.clone())).collect();
    if args.scenario != Scenario::Noisy {
        let tallies = measure(&args, &client, &endpoint, &minter, &measured).await?;
        report(
            &args,
            tallies.iter().map(|(n, c, t)| (n.to_string(), *c, t)),
        );
        return Ok(());
    }

    let quiet = measure(&args, &client, &endpoint, &minter, &measured).await?;
    let version = publish_spinning(&client, &endpoint, &minter, &args.neighbour).await?;
    let mut noisy = measured.clone();
    noisy.extend((0..clients).map(|_| (Load::SpinningPhone, args.neighbour.clone())));
    let loud = measure(&args, &client, &endpoint, &minter, &noisy).await;
    rollback(&client, &endpoint, &minter, &args.neighbour, version - 1).await?;
    let loud = loud?;
    let rows = quiet
        .iter()
        .map(|(n, c, t)| (format!("{n} alone"), *c, t))
        .chain(loud.iter().map(|(n, c, t)| match n {
            &"spinning" => (format!("{} spinning", args.neighbour), *c, t),
            n => (format!("{n} + noisy"), *c, t),
        }));
    report(&args, rows);
    Ok(())
}

/// Drives `loads` (each a load and the council its client works for) for
/// one warm-up and measured window; a tally per load name.
async fn measure(
    args: &RunArgs,
    client: &reqwest::Client,
    endpoint: &Arc<reqwest::Url>,
    minter: &TokenMinter,
    loads: &[(Load, String)],
) -> anyhow::Result<Vec<(&'static str, usize, Tally)>> {
    let clients = loads.len();
    let token_ttl = Duration::from_secs(args.drive.warmup + args.drive.seconds + 3600);
    let start = Instant::now();
    let measure_from = start + Duration::from_secs(args.drive.warmup);
    let deadline = measure_from + Duration::from_secs(args.drive.seconds);

    let mut workers = Vec::with_capacity(clients);
    for (i, (load, council)) in loads.iter().enumerate() {
        let token = minter.mint(
            council,
            &["frontline".to_owned()],
            &format!("load-client-{i}"),
            Some(format!("Load Client {i}")),
            token_ttl,
        )?;
        let client = client.clone();
        let endpoint = endpoint.clone();
        let pacer = pace::Pacer::new(args.drive.rate, clients, i, start.into());
        let load = *load;
        workers.push(tokio::spawn(async move {
            let window = pace::Window {
                from: measure_from,
                until: deadline,
            };
            drive(client, endpoint, token, (load, i), pacer, window).await
        }));
    }
    println!(
        "{} clients on {endpoint} for {} s after {} s of warm-up, {}",
        clients,
        args.drive.seconds,
        args.drive.warmup,
        match args.drive.rate {
            Some(rate) => format!("{rate} requests/s in all on a fixed schedule"),
            None => "each as fast as it is answered".to_owned(),
        }
    );

    let mut tallies: Vec<(&'static str, usize, Tally)> = Vec::new();
    for (worker, (load, _)) in workers.into_iter().zip(loads) {
        let tally = worker.await.context("a client loop panicked")?;
        match tallies.iter_mut().find(|(name, _, _)| *name == load.name()) {
            Some((_, count, total)) => {
                *count += 1;
                total.merge(tally);
            }
            None => tallies.push((load.name(), 1, tally)),
        }
    }
    Ok(tallies)
}

fn report<'a>(args: &RunArgs, rows: impl Iterator<Item = (String, usize, &'a Tally)>) {
    let rows: Vec<_> = rows.collect();
    let seconds = args.drive.seconds as f64;
    let width = rows
        .iter()
        .map(|(n, _, _)| n.len())
        .max()
        .unwrap_or(8)
        .max(8);
    println!(
        "{:<width$} {:>7} {:>9} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8}",
        "scenario",
        "clients",
        "requests",
        "failures",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms"
    );
    for (name, clients, tally) in &rows {
        let h = &tally.latency_us;
        let ms = |us: u64| us as f64 / 1000.0;
        println!(
            "{:<width$} {:>7} {:>9} {:>8} {:>9.1} {:>8.1} {:>8.1} {:>8.1} {:>8.1}",
            name,
            clients,
            tally.requests,
            tally.failures,
            tally.requests as f64 / seconds,
            ms(h.value_at_quantile(0.50)),
            ms(h.value_at_quantile(0.90)),
            ms(h.value_at_quantile(0.99)),
            ms(h.max()),
        );
    }
    for (name, _, tally) in &rows {
        for sample in &tally.samples {
            println!("{name} failure: {sample}");
        }
    }
}

/// The neighbour's shipped policy, except that every PHONE complaint about
/// waste first spins until the wall-clock budget stops the script: a branch
/// the publish check's dry run (which names no service) never takes.
const SPINNING_INTAKE: &str = "fn intake(contact) {
    if contact.channel == \"phone\" && contact.service == \"waste\" {
        let d = date(\"2026-01-05\");
        loop { d = d.add_working_days(3000); d = d.add_working_days(-3000); }
    }
    shipped_intake(contact)
}
";

/// Publishes the spinning policy for `council`; its version.
async fn publish_spinning(
    client: &reqwest::Client,
    endpoint: &reqwest::Url,
    minter: &TokenMinter,
    council: &str,
) -> anyhow::Result<i64> {
    let path = format!("{}/policies/{council}.rhai", env!("CARGO_MANIFEST_DIR"));
    let shipped = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let renamed = shipped
        .replace("fn intake(contact) {", "fn shipped_intake(contact) {")
        .replace("fn tests()", "fn tests_of_the_document()");
    if renamed == shipped {
        bail!("{path} has no `fn intake(contact)` to wrap");
    }
    let answer = admin(
        client,
        endpoint,
        minter,
        council,
        json!({
            "query": "mutation($s: String!) { publishPolicy(source: $s, note: \"noisy neighbour benchmark\") { version } }",
            "variables": { "s": format!("{SPINNING_INTAKE}\n{renamed}") },
        }),
    )
    .await?;
    answer["data"]["publishPolicy"]["version"]
        .as_i64()
        .with_context(|| format!("publishing the spinning policy failed: {answer}"))
}

async fn rollback(
    client: &reqwest::Client,
    endpoint: &reqwest::Url,
    minter: &TokenMinter,
    council: &str,
    version: i64,
) -> anyhow::Result<()> {
    let answer = admin(
        client,
        endpoint,
        minter,
        council,
        json!({ "query": format!("mutation {{ rollbackPolicy(version: {version}) {{ version }} }}") }),
    )
    .await?;
    if answer.get("errors").is_some() {
        bail!("rolling {council} back to v{version} failed: {answer}");
    }
    Ok(())
}

async fn admin(
    client: &reqwest::Client,
    endpoint: &reqwest::Url,
    minter: &TokenMinter,
    council: &str,
    body: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let token = minter.mint(
        council,
        &["policy_admin".to_owned()],
        "load-policy-admin",
        None,
        Duration::from_secs(600),
    )?;
    Ok(client
        .post(endpoint.clone())
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?
        .json()
        .await?)
}

/// One client (`load` sent as client number `index`): sends its next request
/// when the pacer says it is due, until the window closes. Requests due
/// during the warm-up are not counted.
async fn drive(
    client: reqwest::Client,
    endpoint: Arc<reqwest::Url>,
    token: String,
    (load, index): (Load, usize),
    mut pacer: pace::Pacer,
    window: pace::Window,
) -> Tally {
    let (measure_from, deadline) = (window.from, window.until);
    let mut tally = Tally::new();
    let mut n: u64 = 0;
    loop {
        let sent = pacer.due().await.into_std();
        if sent >= deadline {
            break;
        }
        let body = load.body(index, n);
        n += 1;
        let outcome = tokio::time::timeout_at(
            (deadline + GRACE).into(),
            exchange(&client, &endpoint, &token, body),
        )
        .await
        .unwrap_or_else(|_| Err("no answer before the run's deadline".to_owned()));
        let elapsed = sent.elapsed();
        if sent < measure_from {
            continue;
        }
        tally.requests += 1;
        match outcome {
            Ok(()) => {
                let us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
                tally.latency_us.saturating_record(us.max(1));
            }
            Err(reason) => {
                tally.failures += 1;
                if tally.samples.len() < MAX_FAILURE_SAMPLES && !tally.samples.contains(&reason) {
                    tally.samples.push(reason);
                }
            }
        }
    }
    tally
}

#[derive(serde::Deserialize)]
struct Reply {
    #[serde(default)]
    errors: Option<serde::de::IgnoredAny>,
}

/// Ok when the server answered 200 with a body free of GraphQL errors.
async fn exchange(
    client: &reqwest::Client,
    endpoint: &reqwest::Url,
    token: &str,
    body: Vec<u8>,
) -> Result<(), String> {
    let response = client
        .post(endpoint.clone())
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|err| format!("request failed: {err}"))?;
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|err| format!("reading the answer failed: {err}"))?;
    let excerpt = || String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned();
    if status != reqwest::StatusCode::OK {
        return Err(format!("HTTP {status}: {}", excerpt()));
    }
    match serde_json::from_slice::<Reply>(&bytes) {
        Ok(Reply { errors: None }) => Ok(()),
        Ok(Reply { errors: Some(_) }) => Err(format!("GraphQL errors: {}", excerpt())),
        Err(_) => Err(format!("not a GraphQL answer: {}", excerpt())),
    }
}
