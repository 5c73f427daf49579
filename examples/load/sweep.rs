//! `load sweep`: how long one deadline sweep takes over a council whose open
//! cases have all missed something. Seeds `--cases` open complaints (half
//! not yet acknowledged, with both the acknowledgement and the response
//! missed; half acknowledged on time with the response missed), then times
//! one pass of the real sweeper, then a second pass that finds nothing.

use std::{path::PathBuf, time::Instant};

use anyhow::Context;
use chrono::{Datelike, Duration, Utc};
use clap::Args;
use entity::{
    case, case_event, deadline,
    enums::{CaseStatus, Channel, ContactKind, DeadlineKind, Stage},
    service,
};
use redress::{
    app::Application,
    config::{DatabaseArgs, JwtArgs, LogFormat, ServeArgs},
    db,
    domain::{intake::reference, time::local_date},
    jobs::sweeper,
    state::{AppState, Clock},
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, Statement,
};
use serde_json::json;
use uuid::Uuid;

#[derive(Args)]
pub struct SweepArgs {
    /// sqlite://FILE?mode=rwc or postgres://USER@HOST/DB (a fresh database)
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[arg(long, default_value = "leeds")]
    council: String,
    /// Open cases to seed before sweeping.
    #[arg(long, default_value_t = 100_000)]
    cases: usize,
    /// The daily pass instead of the catch-up: cases received evenly over the
    /// last 60 days, a first pass that records everything missed so far,
    /// then the timed pass of the next day, which finds what fell due
    /// overnight among all the open cases.
    #[arg(long)]
    daily: bool,
}

/// Cases per seeding transaction.
const SEED_BATCH: usize = 2_000;

/// The server, not listening for anyone: sweeper and policy sync held off.
pub async fn app(database_url: &str) -> anyhow::Result<Application> {
    Application::build(ServeArgs {
        bind: "127.0.0.1:0".parse()?,
        database: DatabaseArgs {
            database_url: database_url.to_owned(),
            db_max_connections: 4,
        },
        jwt: JwtArgs {
            jwt_secret: Some("sweep-benchmark-secret-unused-unused".into()),
            jwt_public_key: None,
            jwt_issuer: None,
            jwt_audience: None,
            jwt_leeway_secs: 30,
        },
        policy_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies"),
        log_format: LogFormat::Pretty,
        max_body_bytes: 256 * 1024,
        ws_init_timeout_ms: 10_000,
        workers: Some(1),
        watch_policies: Some(false),
        policy_sync_ms: 3_600_000,
        policy_threads: Default::default(),
        sweep_ms: 3_600_000,
        fixed_now: None,
    })
    .await
}

pub async fn sweep(args: SweepArgs) -> anyhow::Result<()> {
    let app = app(&args.database_url).await?;
    let state = app.state();
    let now = seed(&state, &args.council, args.cases, args.daily).await?;
    let started = Instant::now();
    let first = sweeper::pass(&state).await?;
    let took = started.elapsed();
    println!(
        "{}: {} breaches, {} holding responses scheduled, {} due, in {:.3} s ({:.0} breaches/s)",
        if args.daily {
            "catch-up sweep"
        } else {
            "sweep"
        },
        first.breaches,
        first.holding_scheduled,
        first.holding_due,
        took.as_secs_f64(),
        first.breaches as f64 / took.as_secs_f64()
    );
    let started = Instant::now();
    let second = sweeper::pass(&state).await?;
    println!(
        "second sweep the same day: {} breaches in {:.3} s",
        second.breaches,
        started.elapsed().as_secs_f64()
    );
    if args.daily {
        let mut tomorrow = state.for_worker(state.db.clone());
        tomorrow.clock = Clock::Fixed(now + Duration::days(1));
        let council = state
            .councils
            .by_slug(&args.council)
            .context("the council was seeded")?;
        let open = case::Entity::find()
            .filter(case::Column::CouncilId.eq(council.id))
            .filter(case::Column::ClosedAt.is_null())
            .count(&state.db)
            .await?;
        let started = Instant::now();
        let next = sweeper::pass(&tomorrow).await?;
        println!(
            "next day's sweep over {open} open cases: {} breaches, {} holding responses scheduled, {} due, in {:.3} s",
            next.breaches,
            next.holding_scheduled,
            next.holding_due,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Seeds `cases` open complaints for the council, as `sweep` describes
/// them; returns the instant they were seeded as of.
pub async fn seed(
    state: &AppState,
    council: &str,
    cases: usize,
    daily: bool,
) -> anyhow::Result<chrono::DateTime<Utc>> {
    let slug = council;
    let council = state
        .councils
        .by_slug(slug)
        .with_context(|| format!("there is no council `{slug}`"))?;
    let services: Vec<Uuid> = service::Entity::find()
        .filter(service::Column::CouncilId.eq(council.id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();

    let started = Instant::now();
    let now = Utc::now();
    let today = local_date(now);
    // Numbered like every logged case, after the council's last number this
    // year.
    let year = local_date(now).year();
    let backend = state.db.get_database_backend();
    let last_number: i64 = state
        .db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            numbered_params(
                backend,
                "SELECT COALESCE(MAX(last), 0) AS last FROM reference_counters \
                 WHERE council_id = $1 AND year = $2",
            ),
            [council.id.into(), year.into()],
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "last"))
        .transpose()?
        .unwrap_or(0);
    let mut done = 0;
    while done < cases {
        let size = SEED_BATCH.min(cases - done);
        let mut cases = Vec::with_capacity(size);
        let mut events = Vec::with_capacity(size);
        let mut deadlines = Vec::with_capacity(2 * size);
        for i in done..done + size {
            // Received 20 to 80 days ago, every date long missed; or, for the
            // daily pass, 0 to 60 days ago.
            let days_ago = if daily { 0 } else { 20 } + (i % 60) as i64;
            let received_at = now - Duration::days(days_ago) - Duration::minutes(i as i64 % 600);
            let received = local_date(received_at);
            let acknowledged = i % 2 == 1 && days_ago >= 1;
            let id = Uuid::now_v7();
            let number = last_number + i as i64 + 1;
            let reference = reference::format(&council.reference_prefix, year, number);
            cases.push(case::ActiveModel {
                id: Set(id),
                council_id: Set(council.id),
                reference: Set(reference.clone()),
                reference_year: Set(Some(year)),
                reference_seq: Set(Some(number)),
                kind: Set(ContactKind::Complaint),
                channel: Set(if i % 3 == 0 {
                    Channel::Phone
                } else {
                    Channel::Email
                }),
                stage: Set(Some(Stage::Stage1)),
                status: Set(if acknowledged {
                    CaseStatus::Acknowledged
                } else {
                    CaseStatus::Received
                }),
                received_at: Set(received_at),
                service_id: Set(services.get(i % services.len().max(1)).copied()),
                anonymous: Set(false),
                customer_id: Set(None),
                subject: Set("Missed bin collection".into()),
                description: Set("Not collected three weeks running.".into()),
                desired_outcome: Set(None),
                via_councillor: Set(None),
                councillor_subject: Set(None),
                respond_to_councillor: Set(false),
                discrimination: Set(false),
                about_staff: Set(false),
                multi_service: Set(false),
                assignee_id: Set(None),
                stage2_reviewer_id: Set(None),
                outcome: Set(None),
                ombudsman: Set(None),
                scope_reason: Set(None),
                signpost: Set(None),
                next_due: Set(Some(received + Duration::days(3))),
                logged_by: Set("sweep-benchmark".into()),
                created_at: Set(received_at),
                updated_at: Set(received_at),
                closed_at: Set(None),
                stage_started_at: Set(Some(received_at)),
                acknowledged_at: Set(acknowledged.then(|| received_at + Duration::days(1))),
                responded_at: Set(None),
                last_update_at: Set(None),
                ombudsman_reference: Set(None),
                restricted_customer: Set(false),
                awaiting_policy: Set(false),
                version: Set(if acknowledged { 2 } else { 1 }),
            });
            events.push(case_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                council_id: Set(council.id),
                case_id: Set(id),
                seq: Set(1),
                kind: Set("contact_logged".into()),
                actor_subject: Set("sweep-benchmark".into()),
                actor_role: Set("frontline".into()),
                occurred_at: Set(received_at),
                recorded_at: Set(received_at),
                policy_version: Set(Some(1)),
                summary: Set(format!("Complaint logged as {reference}")),
                data: Set(json!({ "reference": reference })),
            });
            for (kind, days, met) in [
                (DeadlineKind::Acknowledge, 3, acknowledged),
                (DeadlineKind::Respond, 15, false),
            ] {
                deadlines.push(deadline::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    council_id: Set(council.id),
                    case_id: Set(id),
                    stage: Set(Some(Stage::Stage1)),
                    kind: Set(kind),
                    due: Set(received + Duration::days(days)),
                    met_at: Set(met.then(|| received_at + Duration::days(1))),
                    breach_recorded_at: Set(None),
                    superseded_at: Set(None),
                    extended_to: Set(None),
                    policy_version: Set(1),
                    explanation: Set(format!("{days} days after receipt (seeded)")),
                    created_at: Set(received_at),
                });
            }
        }
        let txn = db::begin_write(&state.db).await?;
        super::insert_all(&txn, cases).await?;
        super::insert_all(&txn, events).await?;
        super::insert_all(&txn, deadlines).await?;
        txn.commit().await?;
        done += size;
    }
    state
        .db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            numbered_params(
                backend,
                "INSERT INTO reference_counters (council_id, year, last) VALUES ($1, $2, $3) \
                 ON CONFLICT (council_id, year) DO UPDATE SET last = excluded.last",
            ),
            [
                council.id.into(),
                year.into(),
                (last_number + cases as i64).into(),
            ],
        ))
        .await?;
    if state.db.get_database_backend() == DbBackend::Postgres {
        state
            .db
            .execute_unprepared("ANALYZE cases, deadlines, case_events")
            .await?;
    }
    println!(
        "seeded {} open cases for {} in {:.1} s (today {today})",
        cases,
        council.slug,
        started.elapsed().as_secs_f64()
    );

    Ok(now)
}

/// `$1`-style parameters as the backend writes them (`?1` on SQLite).
fn numbered_params(backend: DbBackend, sql: &str) -> String {
    if backend == DbBackend::Postgres {
        sql.to_owned()
    } else {
        sql.replace('$', "?")
    }
}
