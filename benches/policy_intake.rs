//! What a policy costs: the intake decision through the real engine
//! (compiled AST, prelude, data conversion, typed answer) for each shipped
//! council, against the Leeds rule written directly in Rust; and how long a
//! saved policy file takes to become the active version.
//!
//! cargo bench --bench policy_intake
//!
//! Times are CPU time of the measuring thread (see `median_micros`), and
//! each council is also shown as a multiple of a one-line script. The
//! measurement goes in rounds (`REDRESS_BENCH_ROUNDS`, 5), the one-line
//! script first in each, and a council's multiple is the median of its
//! multiples of its own round's floor: that is what to compare between runs.
//!
//! `REDRESS_BENCH_ONLY=leeds` (a comma-separated list of slugs, `one-line`
//! for the floor) measures only those and skips the Rust baseline and the
//! file save, so a profiler sees one council's decisions:
//!
//! REDRESS_BENCH_ONLY=leeds REDRESS_BENCH_ROUNDS=1 REDRESS_BENCH_BATCHES=10 \
//!     valgrind --tool=callgrind --toggle-collect='*IntakeDecision*from_policy*' \
//!     target/release/deps/policy_intake-<hash> --bench
//!
//! then the instructions per decision are the total over the 2,200 calls
//! (the warm-up batch and ten batches of 200).

use std::{
    hint::black_box,
    path::PathBuf,
    time::{Duration, Instant},
};

use chrono::NaiveDate;
use cpu_time::ThreadTime;
use entity::enums::{ContactKind, DeadlineKind, Stage};
use redress::{
    app::Application,
    config::{DatabaseArgs, JwtArgs, LogFormat, ServeArgs},
    policy::{CompiledPolicy, Contact, DeadlineSpec, IntakeDecision, calendar::Calendar},
};

const BATCH: usize = 200;

/// Batches per measurement: 40 (five rounds make 200), or
/// `REDRESS_BENCH_BATCHES` (fewer keep a run under a profiler short).
fn batches() -> usize {
    count_from_env("REDRESS_BENCH_BATCHES", 40)
}

/// A positive count from the environment variable `name`, else `default`.
fn count_from_env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

fn policies_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies")
}

/// Rounds of measurement: 5, or `REDRESS_BENCH_ROUNDS`.
fn rounds() -> usize {
    count_from_env("REDRESS_BENCH_ROUNDS", 5)
}

/// The middle value (the upper one of an even count).
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The values in the order measured, as `1.7 1.8 ...`.
fn joined(values: &[f64], decimals: usize) -> String {
    values
        .iter()
        .map(|v| format!("{v:.decimals$}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Time per call in microseconds: this thread's own CPU time over all
/// batches where the system reports it, so time spent waiting for other
/// processes on a busy machine is not counted; otherwise the median wall
/// time of a batch.
fn median_micros(mut f: impl FnMut()) -> f64 {
    let batches = batches();
    for _ in 0..BATCH {
        f();
    }
    let cpu_before = ThreadTime::try_now().ok();
    let per_call: Vec<f64> = (0..batches)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..BATCH {
                f();
            }
            started.elapsed().as_secs_f64() * 1e6 / BATCH as f64
        })
        .collect();
    if let Some(spent) = cpu_before.and_then(|t| t.try_elapsed().ok())
        && !spent.is_zero()
    {
        return spent.as_secs_f64() * 1e6 / (BATCH * batches) as f64;
    }
    median(&per_call)
}

/// Leeds paras 13, 16, 61 and 63 written directly in Rust: the baseline.
fn leeds_in_rust(calendar: &Calendar, contact: &Contact) -> IntakeDecision {
    let foi = matches!(
        contact.kind,
        ContactKind::FoiComplaint | ContactKind::EirComplaint
    );
    let stage = if foi { Stage::Stage2 } else { Stage::Stage1 };
    let received = contact.received;
    let spec = |kind, days: i64, para: &str| DeadlineSpec {
        stage: Some(stage),
        kind,
        due: calendar.add_working_days(received, days),
        explanation: format!("{days} working days after receipt on {received} ({para}) (leeds v1)"),
    };
    let deadlines = if foi {
        vec![spec(DeadlineKind::Respond, 20, "para 63")]
    } else {
        vec![
            spec(DeadlineKind::Acknowledge, 3, "para 13"),
            spec(DeadlineKind::Respond, 15, "para 16"),
        ]
    };
    IntakeDecision {
        stage: Some(stage),
        in_scope: true,
        scope_reason: None,
        signpost: None,
        deadlines,
        requirements: Vec::new(),
        policy_version: Some(1),
    }
}

fn main() {
    // `cargo test --all-targets` runs bench binaries too; measure only
    // under `cargo bench`, which passes --bench.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let only = std::env::var("REDRESS_BENCH_ONLY").ok();
    let wanted = |name: &str| {
        only.as_deref()
            .is_none_or(|list| list.split(',').any(|n| n.trim() == name))
    };
    let received = NaiveDate::from_ymd_opt(2026, 12, 21).unwrap();
    let contact = Contact {
        received,
        today: received,
        ..Contact::default()
    };

    // The floor: host conversion and one hook call, with no rules at all.
    // This machine's speed drifts within a run, so the measurement goes in
    // rounds, the floor first in each, and each council's multiple is taken
    // against the floor of its own round; the medians are shown.
    let trivial = CompiledPolicy::compile(
        "trivial",
        1,
        r#"fn intake(c) { #{ stage: "stage_1", deadlines: [#{ kind: "respond", due: c.received.add_working_days(15), explanation: "x" }] } }"#,
    )
    .unwrap();
    let councils: Vec<(&str, CompiledPolicy)> = [
        "leeds",
        "feedback-team",
        "leicester",
        "north-norfolk",
        "east-cambridgeshire",
    ]
    .into_iter()
    .filter(|slug| wanted(slug))
    .map(|slug| {
        let source = std::fs::read_to_string(policies_dir().join(format!("{slug}.rhai"))).unwrap();
        (slug, CompiledPolicy::compile(slug, 1, &source).unwrap())
    })
    .collect();
    let decide = |policy: &CompiledPolicy| {
        median_micros(|| {
            black_box(IntakeDecision::from_policy(policy, black_box(&contact)).unwrap());
        })
    };
    let rounds = rounds();
    let mut floors = Vec::new();
    let mut times = vec![Vec::new(); councils.len()];
    let mut multiples = vec![Vec::new(); councils.len()];
    for _ in 0..rounds {
        let floor = if wanted("one-line") {
            decide(&trivial)
        } else {
            f64::NAN
        };
        floors.push(floor);
        for (i, (_, policy)) in councils.iter().enumerate() {
            let micros = decide(policy);
            times[i].push(micros);
            multiples[i].push(micros / floor);
        }
    }

    let batches = batches();
    println!(
        "intake decision, CPU time per call: median of {rounds} rounds, each \
         {batches} batches of {BATCH} after a batch to warm up"
    );
    println!("{:<22} {:>10} {:>16}", "council", "µs", "x one-line");
    for (i, (slug, _)) in councils.iter().enumerate() {
        println!(
            "{slug:<22} {:>10.2} {:>15.1}x   (rounds {})",
            median(&times[i]),
            median(&multiples[i]),
            joined(&multiples[i], 1)
        );
    }
    println!(
        "{:<22} {:>10.2} {:>15.1}x   (rounds {})",
        "one-line script",
        median(&floors),
        1.0,
        joined(&floors, 2)
    );
    if only.is_some() {
        return;
    }
    let leeds_engine = median(&times[0]);
    let calendar = Calendar::england_and_wales();
    let rust = median_micros(|| {
        black_box(leeds_in_rust(&calendar, black_box(&contact)));
    });
    println!("{:<22} {rust:>10.2}", "leeds, in Rust");
    println!("engine / Rust for Leeds: {:.1}x", leeds_engine / rust);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(save_to_active());
}

/// Saves an edited Leeds policy into a watched folder and times until the
/// server's active version changes.
async fn save_to_active() {
    let dir = tempfile::TempDir::new().unwrap();
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    for entry in std::fs::read_dir(policies_dir()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, policies.join(path.file_name().unwrap())).unwrap();
    }
    let settings = ServeArgs {
        bind: "127.0.0.1:0".parse().unwrap(),
        database: DatabaseArgs {
            database_url: format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("bench.db").display()
            ),
            db_max_connections: 4,
        },
        jwt: JwtArgs {
            jwt_secret: Some("benchmark-secret-benchmark-secret".into()),
            jwt_public_key: None,
            jwt_issuer: None,
            jwt_audience: None,
            jwt_leeway_secs: 30,
        },
        policy_dir: policies.clone(),
        log_format: LogFormat::Pretty,
        max_body_bytes: 256 * 1024,
        ws_init_timeout_ms: 10_000,
        workers: Some(1),
        watch_policies: Some(true),
        policy_sync_ms: 1000,
        policy_threads: Default::default(),
        sweep_ms: 3_600_000,
        fixed_now: None,
    };
    let app = Application::build(settings).await.unwrap();
    let state = app.state();
    let leeds = state.councils.by_slug("leeds").unwrap().id;
    let source = std::fs::read_to_string(policies.join("leeds.rhai")).unwrap();
    let mut samples = Vec::new();
    for round in 0..5 {
        let before = state.policies.version(leeds).unwrap();
        let edited = format!("{source}\n// edit {round}\n");
        let saved = Instant::now();
        std::fs::write(policies.join("leeds.rhai"), edited).unwrap();
        while state.policies.version(leeds) == Some(before) {
            assert!(
                saved.elapsed() < Duration::from_secs(10),
                "the edit was never published"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        samples.push(saved.elapsed());
    }
    samples.sort();
    println!(
        "file save to active version: median {:.0} ms, worst {:.0} ms (5 saves)",
        samples[2].as_secs_f64() * 1e3,
        samples[4].as_secs_f64() * 1e3
    );
}
