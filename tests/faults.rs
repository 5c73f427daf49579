//! Redress loses nothing it acknowledged, whatever fails: the database out
//! of reach, the server killed mid-load, PostgreSQL restarted under load,
//! several servers on one database. Each check ends by reading the database
//! itself: every success the clients were sent is there with its effect, no
//! case is half-written, no timeline step is missing or doubled, and case
//! references run without a gap per council and year.

mod common;

use std::{
    collections::{BTreeMap, HashMap},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use common::*;
use entity::{case, case_event, deadline, policy_version, reference_counter};
use redress::jobs::sweeper;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, Database, DatabaseConnection, EntityTrait,
    IntoActiveModel,
};
use serde_json::{Value, json};
use uuid::Uuid;

/// The councils the load writes to.
const COUNCILS: [&str; 2] = ["leeds", "leicester"];
/// Clients sending requests at once.
const CLIENTS: usize = 6;
/// The officer every case is given to.
const OFFICER: &str = "io-1";

const LOG: &str = "mutation($input: LogContactInput!, $key: String) { logContact(input: $input, idempotencyKey: $key) { id reference version } }";
const ACKNOWLEDGE: &str = "mutation($id: ID!, $v: Int) { acknowledgeCase(caseId: $id, expectedVersion: $v) { id version } }";
const ASSIGN: &str = "mutation($id: ID!, $o: String!, $v: Int) { assignInvestigator(caseId: $id, officer: $o, expectedVersion: $v) { id version } }";
const RESPOND: &str = "mutation($id: ID!, $v: Int) { respondToCase(caseId: $id, expectedVersion: $v, input: { outcome: NOT_UPHELD, summary: \"The crew came twice\" }) { id version } }";

// ---------------------------------------------------------------------------
// Talking to a server that may be failing
// ---------------------------------------------------------------------------

/// How one request ended, as a client sees it.
#[derive(Debug)]
enum Outcome {
    /// 200 and data, no errors: the change is acknowledged.
    Done(Value),
    /// 503 with `Retry-After` and `UNAVAILABLE`: nothing acknowledged.
    Unavailable,
    /// The server could not be reached or the connection dropped.
    Unreachable(String),
    /// Any other answer: a fault in how failures are reported.
    Wrong(String),
}

async fn send(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    query: &str,
    vars: Value,
) -> Outcome {
    let sent = client
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": vars }))
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(err) => return Outcome::Unreachable(err.to_string()),
    };
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let body: Value = match response.json().await {
        Ok(body) => body,
        Err(err) => return Outcome::Unreachable(format!("HTTP {status}, body cut short: {err}")),
    };
    let code = body["errors"][0]["extensions"]["code"].as_str();
    match (status, code) {
        (200, None) => Outcome::Done(body["data"].clone()),
        (503, Some("UNAVAILABLE")) if retry_after.is_some_and(|s| s > 0) => Outcome::Unavailable,
        _ => Outcome::Wrong(format!("HTTP {status} Retry-After {retry_after:?}: {body}")),
    }
}

/// What the clients were told.
#[derive(Debug, Default, Clone)]
struct Ledger {
    /// Cases whose intake was acknowledged: id and reference.
    logged: Vec<(Uuid, String)>,
    /// Case actions acknowledged: case, timeline kind, version returned.
    acted: Vec<(Uuid, &'static str, i64)>,
    unavailable: usize,
    unreachable: usize,
    /// Why the last unreachable request was.
    cut_off: Option<String>,
    wrong: Vec<String>,
    /// Per client, the contact it sent without an answer, with its
    /// idempotency key: it is sent again, as a real client would.
    unanswered: HashMap<usize, (String, Value)>,
    /// Contacts acknowledged only when sent again.
    retried: usize,
}

impl Ledger {
    fn successes(&self) -> usize {
        self.logged.len() + self.acted.len()
    }
}

/// One client: logs a complaint, acknowledges it, gives it to an officer
/// and answers it, then starts on another, until `stop`. A chain whose step
/// was not acknowledged is abandoned: its case's state is unknown to it.
async fn client(base: String, n: usize, stop: Arc<AtomicBool>, ledger: Arc<Mutex<Ledger>>) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let council = COUNCILS[n % COUNCILS.len()];
    let frontline = token_for(council, "frontline", n);
    let dcro = token_for(council, "dcro", n);
    let mut round = 0usize;
    while !stop.load(Ordering::Acquire) {
        // A contact whose answer was lost, to the kill or an outage, is sent
        // again with its key until it is answered: it may already be stored.
        let unanswered = ledger.lock().unwrap().unanswered.remove(&n);
        let retry = unanswered.is_some();
        let (key, input) = unanswered.unwrap_or_else(|| {
            round += 1;
            let key = Uuid::new_v4().to_string();
            let subject = format!("Missed bin {n}/{round} {key}");
            (key, complaint_on("2027-05-28", &subject))
        });
        let vars = json!({ "input": input, "key": key });
        let outcome = send(&http, &base, &frontline, LOG, vars).await;
        let Some(case) = settle(&ledger, outcome).await else {
            ledger.lock().unwrap().unanswered.insert(n, (key, input));
            continue;
        };
        ledger.lock().unwrap().retried += usize::from(retry);
        let case = &case["logContact"];
        let id: Uuid = case["id"].as_str().unwrap().parse().unwrap();
        let mut version = case["version"].as_i64().unwrap();
        ledger
            .lock()
            .unwrap()
            .logged
            .push((id, case["reference"].as_str().unwrap().to_owned()));
        let steps: [(&str, &str, &'static str, Value); 3] = [
            ("acknowledgeCase", ACKNOWLEDGE, "acknowledged", json!({})),
            (
                "assignInvestigator",
                ASSIGN,
                "investigator_assigned",
                json!({ "o": OFFICER }),
            ),
            ("respondToCase", RESPOND, "responded", json!({})),
        ];
        for (field, query, kind, mut vars) in steps {
            if stop.load(Ordering::Acquire) {
                break;
            }
            vars["id"] = json!(id);
            vars["v"] = json!(version);
            let outcome = send(&http, &base, &dcro, query, vars).await;
            let Some(data) = settle(&ledger, outcome).await else {
                break;
            };
            version = data[field]["version"].as_i64().unwrap();
            ledger.lock().unwrap().acted.push((id, kind, version));
        }
    }
}

/// The data of an acknowledged request; anything else is counted, and a
/// client told to wait does.
async fn settle(ledger: &Mutex<Ledger>, outcome: Outcome) -> Option<Value> {
    let pause = {
        let mut ledger = ledger.lock().unwrap();
        match outcome {
            Outcome::Done(data) => return Some(data),
            Outcome::Unavailable => ledger.unavailable += 1,
            Outcome::Unreachable(why) => {
                ledger.unreachable += 1;
                ledger.cut_off = Some(why);
            }
            Outcome::Wrong(answer) => ledger.wrong.push(answer),
        }
        Duration::from_millis(100)
    };
    tokio::time::sleep(pause).await;
    None
}

fn token_for(council: &str, role: &str, n: usize) -> String {
    token_with(json!({
        "sub": format!("{role}-{n}"),
        "council": council,
        "roles": [role],
        "exp": now() + 3600,
    }))
}

/// Clients sending to `base` until stopped.
struct Load {
    stop: Arc<AtomicBool>,
    ledger: Arc<Mutex<Ledger>>,
    clients: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    fn start(base: &str, ledger: Arc<Mutex<Ledger>>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let clients = (0..CLIENTS)
            .map(|n| tokio::spawn(client(base.to_owned(), n, stop.clone(), ledger.clone())))
            .collect();
        Self {
            stop,
            ledger,
            clients,
        }
    }

    /// Waits until `more` further requests have been acknowledged. Bounded
    /// so a server that never recovers fails the test instead of hanging it.
    async fn until_acknowledged(&self, more: usize, within: Duration) {
        let target = self.ledger.lock().unwrap().successes() + more;
        let started = Instant::now();
        loop {
            {
                let ledger = self.ledger.lock().unwrap();
                if ledger.successes() >= target {
                    return;
                }
                assert!(
                    started.elapsed() < within,
                    "fewer than {more} requests acknowledged within {within:?}: {} unavailable, {} unreachable ({:?}), wrong: {:?}",
                    ledger.unavailable,
                    ledger.unreachable,
                    ledger.cut_off,
                    ledger.wrong.first()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn stop(self) {
        self.stop.store(true, Ordering::Release);
        for client in self.clients {
            client.await.unwrap();
        }
    }
}

// ---------------------------------------------------------------------------
// What must hold in the database afterwards
// ---------------------------------------------------------------------------

/// Reads every case, deadline, timeline step and reference counter and
/// checks them against each other and against what clients were told.
async fn assert_nothing_lost(db: &DatabaseConnection, ledger: &Ledger) {
    let cases = case::Entity::find().all(db).await.unwrap();
    let deadlines = deadline::Entity::find().all(db).await.unwrap();
    let events = case_event::Entity::find().all(db).await.unwrap();
    let counters = reference_counter::Entity::find().all(db).await.unwrap();

    let mut steps: HashMap<Uuid, Vec<&case_event::Model>> = HashMap::new();
    for event in &events {
        steps.entry(event.case_id).or_default().push(event);
    }
    let with_deadlines: std::collections::HashSet<Uuid> =
        deadlines.iter().map(|d| d.case_id).collect();
    let by_id: HashMap<Uuid, &case::Model> = cases.iter().map(|c| (c.id, c)).collect();

    for case in &cases {
        let mut timeline = steps.remove(&case.id).unwrap_or_default();
        timeline.sort_by_key(|e| e.seq);
        let seqs: Vec<i32> = timeline.iter().map(|e| e.seq).collect();
        assert_eq!(
            seqs,
            (1..=seqs.len() as i32).collect::<Vec<_>>(),
            "case {}: timeline steps numbered with a gap or a repeat",
            case.reference
        );
        assert_eq!(
            timeline.first().map(|e| e.kind.as_str()),
            Some("contact_logged"),
            "case {}: no intake event",
            case.reference
        );
        assert!(
            with_deadlines.contains(&case.id),
            "case {}: stored without its deadlines",
            case.reference
        );
        // Each case action bumps the version once and writes one step.
        let by_people = timeline.iter().filter(|e| e.actor_role != "system").count();
        assert_eq!(
            case.version as usize,
            by_people,
            "case {}: version {} but {by_people} steps: {:?}",
            case.reference,
            case.version,
            timeline.iter().map(|e| &e.kind).collect::<Vec<_>>()
        );
        let mut kinds: Vec<&str> = timeline
            .iter()
            .filter(|e| e.actor_role != "system")
            .map(|e| e.kind.as_str())
            .collect();
        kinds.sort_unstable();
        let before = kinds.len();
        kinds.dedup();
        assert_eq!(
            kinds.len(),
            before,
            "case {}: a step recorded twice",
            case.reference
        );
    }
    assert!(
        steps.is_empty(),
        "timeline steps of cases that do not exist"
    );
    // Each contact is sent with its own subject; one sent again after a
    // lost answer is still stored once.
    let mut contacts: HashMap<(Uuid, &str), usize> = HashMap::new();
    for case in &cases {
        *contacts
            .entry((case.council_id, case.subject.as_str()))
            .or_default() += 1;
    }
    for ((_, subject), stored) in contacts {
        assert_eq!(stored, 1, "contact `{subject}` stored {stored} times");
    }

    for (id, reference) in &ledger.logged {
        let case = by_id
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged case {reference} is missing"));
        assert_eq!(&case.reference, reference);
    }
    let mut events_of: HashMap<(Uuid, &str), usize> = HashMap::new();
    for event in &events {
        *events_of
            .entry((event.case_id, event.kind.as_str()))
            .or_default() += 1;
    }
    for (id, kind, version) in &ledger.acted {
        assert_eq!(
            events_of.get(&(*id, *kind)),
            Some(&1),
            "acknowledged `{kind}` on case {id} is not on its timeline once"
        );
        assert!(
            i64::from(by_id[id].version) >= *version,
            "case {id} is at version {} after `{kind}` returned {version}",
            by_id[id].version
        );
    }

    // Numbers 1..n per council and year, and the counter at n.
    let mut numbers: BTreeMap<(Uuid, i32), Vec<i64>> = BTreeMap::new();
    for case in &cases {
        if let (Some(year), Some(seq)) = (case.reference_year, case.reference_seq) {
            numbers
                .entry((case.council_id, year))
                .or_default()
                .push(seq);
        }
    }
    for ((council, year), mut seqs) in numbers {
        seqs.sort_unstable();
        assert_eq!(
            seqs,
            (1..=seqs.len() as i64).collect::<Vec<_>>(),
            "references of council {council} in {year} have a gap or a repeat"
        );
        let counter = counters
            .iter()
            .find(|c| c.council_id == council && c.year == year)
            .expect("a counter for every council and year with cases");
        assert_eq!(
            counter.last,
            seqs.len() as i64,
            "counter of {council} {year}"
        );
    }
}

// ---------------------------------------------------------------------------
// The server as its own operating-system process
// ---------------------------------------------------------------------------

/// `redress serve` on `database_url`; killed with SIGKILL when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    async fn start(database_url: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let logs = if std::env::var_os("TEST_LOG").is_some() {
            Stdio::inherit
        } else {
            Stdio::null
        };
        let child = Command::new(env!("CARGO_BIN_EXE_redress"))
            .arg("serve")
            .env("REDRESS_BIND", format!("127.0.0.1:{port}"))
            .env("DATABASE_URL", database_url)
            .env("REDRESS_JWT_SECRET", SECRET)
            .env(
                "REDRESS_POLICY_DIR",
                concat!(env!("CARGO_MANIFEST_DIR"), "/policies"),
            )
            .env("REDRESS_WATCH_POLICIES", "false")
            .env("REDRESS_FIXED_NOW", NOW)
            .env("REDRESS_WORKERS", "2")
            // Breaches are checked elsewhere; here every step is a client's.
            .env("REDRESS_SWEEP_MS", "86400000")
            .stdout(logs())
            .stderr(logs())
            .spawn()
            .expect("start redress serve");
        let address = format!("http://127.0.0.1:{port}");
        wait_until_ready(&address, Duration::from_secs(60), "the server").await;
        Self { child, address }
    }

    /// SIGKILL: no shutdown, no flush, no rollback by the process itself.
    fn kill9(mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Records the officer every case is given to, through the server.
async fn record_officers(base: &str) {
    let http = reqwest::Client::new();
    for council in COUNCILS {
        let token = token_for(council, "customer_feedback_manager", 0);
        let outcome = send(
            &http,
            base,
            &token,
            "mutation($i: OfficerInput!) { recordOfficer(input: $i) { id } }",
            json!({ "i": { "subject": OFFICER } }),
        )
        .await;
        assert!(matches!(outcome, Outcome::Done(_)), "{outcome:?}");
    }
}

/// A fresh database on the server `REDRESS_TEST_POSTGRES_URL` names, or
/// `None` outside CI when it is not set.
async fn fresh_postgres() -> Option<String> {
    let Ok(admin) = std::env::var("REDRESS_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the PostgreSQL checks: set REDRESS_TEST_POSTGRES_URL"
        );
        return None;
    };
    Some(create_database(&admin, &format!("redress_test_{}", Uuid::new_v4().simple())).await)
}

/// Creates `name` on the server of `admin_url`; returns its URL.
async fn create_database(admin_url: &str, name: &str) -> String {
    let admin = Database::connect(admin_url)
        .await
        .expect("PostgreSQL is reachable");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create the database");
    admin.close().await.ok();
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    format!("{}/{name}{query}", &base[..base.rfind('/').unwrap()])
}

// ---------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------

/// The test's own database refuses connections and its sessions are ended:
/// every request is told 503, `Retry-After` and `UNAVAILABLE`, never
/// INTERNAL; once connections are allowed again the same server answers
/// without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_out_of_reach_is_answered_503_retry_after_and_the_server_recovers_by_itself() {
    let Some(app) = TestApp::spawn_postgres().await else {
        return;
    };
    let name = app
        .database_url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let admin = Database::connect(std::env::var("REDRESS_TEST_POSTGRES_URL").unwrap())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let frontline = app.token("leeds", &["frontline"], "fo");
    let reader = app.token("leeds", &["customer_feedback_manager"], "reader");
    let before = app.log_complaint("leeds", "Before the outage").await;
    let log = || json!({ "input": complaint_input("During the outage") });

    admin
        .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .await
        .unwrap();

    // Every pooled connection is gone and no new one is allowed: a write,
    // a read and a case with its deadlines all fail the same retryable way.
    for _ in 0..3 {
        for (token, query, vars) in [
            (&frontline, LOG, log()),
            (&reader, "{ cases { totalCount } }", json!({})),
            (
                &reader,
                "query($id: ID!) { case(id: $id) { respondBy deadlines { due } } }",
                json!({ "id": before["id"] }),
            ),
        ] {
            let outcome = send(&http, &app.address, token, query, vars).await;
            assert!(
                matches!(outcome, Outcome::Unavailable),
                "{query}: {outcome:?}"
            );
        }
    }
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l == "redress_graphql_requests_total{outcome=\"unavailable\"} 9"),
        "{metrics}"
    );
    assert_eq!(app.get("/readyz").await.status(), 503);

    admin
        .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .await
        .unwrap();
    let allowed = Instant::now();
    let logged = loop {
        match send(&http, &app.address, &frontline, LOG, log()).await {
            Outcome::Done(data) => break data,
            Outcome::Unavailable => {}
            other => panic!("while reconnecting: {other:?}"),
        }
        assert!(
            allowed.elapsed() < Duration::from_secs(30),
            "the server did not reconnect by itself"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Readiness checks its own pool, whose idle connection may be one of
    // those ended: it is dropped at its first use and replaced.
    while app.get("/readyz").await.status() != 200 {
        assert!(
            allowed.elapsed() < Duration::from_secs(30),
            "/readyz did not recover by itself"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Nothing refused was written: the next reference follows the first.
    let reference = logged["logContact"]["reference"].as_str().unwrap();
    assert!(
        reference.ends_with("-000002"),
        "{reference} after {}",
        before["reference"]
    );
    assert_eq!(app.case_count("leeds").await, 2);
}

/// The server is killed with SIGKILL while clients log and work cases, and
/// started again on the same database, three times.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_load_and_restarted_the_server_has_lost_nothing_it_acknowledged() {
    let Some(url) = fresh_postgres().await else {
        return;
    };
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let db = Database::connect(&url).await.unwrap();
    for round in 0..3 {
        let server = Server::start(&url).await;
        if round == 0 {
            record_officers(&server.address).await;
        }
        let load = Load::start(&server.address, ledger.clone());
        load.until_acknowledged(60, Duration::from_secs(60)).await;
        server.kill9();
        load.stop().await;

        // Started again on the same database, it answers, and the database
        // holds everything acknowledged so far.
        let restarted = Server::start(&url).await;
        let so_far = ledger.lock().unwrap().clone();
        assert_nothing_lost(&db, &so_far).await;
        let load = Load::start(&restarted.address, ledger.clone());
        load.until_acknowledged(10, Duration::from_secs(30)).await;
        load.stop().await;
        drop(restarted);
    }
    let ledger = ledger.lock().unwrap().clone();
    assert!(ledger.wrong.is_empty(), "{:?}", ledger.wrong);
    eprintln!(
        "killed mid-load three times: {} acknowledged, {} cut off, {} contacts acknowledged when sent again",
        ledger.successes(),
        ledger.unreachable,
        ledger.retried
    );
    assert!(
        ledger.unreachable > 0,
        "some requests were cut off by the kills"
    );
    assert_nothing_lost(&db, &ledger).await;
}

/// Two more servers on the test's database beside the first: a published
/// policy reaches all of them, sweeping from all of them at once records
/// each breach once, and intake through all of them stays gap-free.
mod several_servers {
    use super::*;

    on_both_databases! {
        async fn three_servers_on_one_database_agree(app: TestApp) {
            let backend = app.backend;
            let mut servers = vec![app];
            for _ in 0..2 {
                let url = servers[0].database_url.clone();
                servers.push(TestApp::start(serve_args(url), backend, None).await);
            }

            // A policy published through the second reaches all three.
            let admin = servers[1].token("leeds", &["policy_admin"], "pat");
            let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/policies/leeds.rhai"))
                .unwrap()
                .replace("fn stage1_response_working_days() { 15 }", "fn stage1_response_working_days() { 10 }")
                .replace("fn tests()", "fn tests_of_the_document()");
            let published = servers[1]
                .graphql(Some(&admin), "mutation($s: String!) { publishPolicy(source: $s) { version } }", json!({ "s": source }))
                .await;
            assert_eq!(published.data()["publishPolicy"]["version"], 2);
            let started = Instant::now();
            for server in &servers {
                let council = server.state.councils.by_slug("leeds").unwrap().id;
                while server.state.policies.version(council) != Some(2) {
                    assert!(started.elapsed() < Duration::from_secs(2), "a server did not converge within 2 s");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }

            // Intake through all three at once, in both councils.
            let mut intake = Vec::new();
            for (n, server) in servers.iter().enumerate() {
                for council in COUNCILS {
                    let (address, token) = (server.address.clone(), token_for(council, "frontline", n));
                    intake.push(tokio::spawn(async move {
                        let http = reqwest::Client::new();
                        let mut logged = Vec::new();
                        for i in 0..8 {
                            let input = complaint_input(&format!("Missed bin {n}/{i}"));
                            match send(&http, &address, &token, LOG, json!({ "input": input })).await {
                                Outcome::Done(data) => logged.push((
                                    data["logContact"]["id"].as_str().unwrap().parse::<Uuid>().unwrap(),
                                    data["logContact"]["reference"].as_str().unwrap().to_owned(),
                                )),
                                other => panic!("intake failed: {other:?}"),
                            }
                        }
                        logged
                    }));
                }
            }
            let mut ledger = Ledger::default();
            for task in intake {
                ledger.logged.extend(task.await.unwrap());
            }
            assert_eq!(ledger.logged.len(), 3 * 2 * 8);

            // Received 20 November 2026, now 1 June 2027: every case has
            // missed its acknowledgement and response. All three sweep at
            // once, twice over.
            for _ in 0..2 {
                let passes = servers.iter().map(|s| {
                    let state = s.state.clone();
                    tokio::spawn(async move { sweeper::pass(&state).await })
                });
                for pass in futures::future::join_all(passes).await {
                    let sweep = pass.unwrap().unwrap();
                    assert_eq!(sweep.failed_councils, 0, "{sweep:?}");
                }
            }
            let db = &servers[0].state.db;
            let deadlines = deadline::Entity::find().all(db).await.unwrap();
            let events = case_event::Entity::find().all(db).await.unwrap();
            let marked = deadlines.iter().filter(|d| d.breach_recorded_at.is_some()).count();
            let reported = events
                .iter()
                .filter(|e| e.kind == "deadline_breached" || e.kind == "holding_response_due")
                .count();
            assert!(marked >= 2 * ledger.logged.len(), "every case's two missed deadlines: {marked}");
            assert_eq!(reported, marked, "each breach recorded exactly once");
            assert_nothing_lost(db, &ledger).await;
        }
    }
}

/// A stored version that fails the static check (a call to a function that
/// does not exist, on a branch no dry run reaches) is still installed when
/// a server loads it, and what the check found is reported.
mod stored_policy {
    use super::*;

    on_both_databases! {
        async fn a_stored_version_failing_the_static_check_is_reported_and_keeps_serving(app: TestApp) {
            let leeds = app.state.councils.by_slug("leeds").unwrap().id;
            let source = format!(
                "{}\nfn never_reached(c) {{ misspelt(c) }}\n",
                std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/policies/leeds.rhai")).unwrap()
            );
            policy_version::Model {
                id: Uuid::now_v7(),
                council_id: leeds,
                version: 2,
                sha256: redress::policy::compiled::sha256(&source),
                source,
                published_by: "an earlier build".into(),
                published_at: chrono::Utc::now(),
                note: None,
            }
            .into_active_model()
            .reset_all()
            .insert(&app.state.db)
            .await
            .unwrap();
            entity::council::ActiveModel {
                id: Set(leeds),
                active_policy_version: Set(Some(2)),
                ..Default::default()
            }
            .update(&app.state.db)
            .await
            .unwrap();

            redress::domain::policies::sync(&app.state).await.unwrap();
            assert_eq!(app.state.policies.version(leeds), Some(2), "installed all the same");
            let metrics = app.get("/metrics").await.text().await.unwrap();
            assert!(
                metrics.lines().any(|l| l == "redress_stored_policy_problems_total{council=\"leeds\"} 1"),
                "{metrics}"
            );
            let case = app.log_complaint("leeds", "Missed bin").await;
            assert_eq!(case["deadlines"][0]["policyVersion"], 2);
        }
    }
}

// ---------------------------------------------------------------------------
// PostgreSQL restarted under load, on a private cluster
// ---------------------------------------------------------------------------

/// A PostgreSQL cluster of this test's own, in a temporary directory, so
/// restarting it disturbs nobody. Stopped and removed when dropped.
struct PrivateCluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl PrivateCluster {
    /// `None`, with the reason, when no cluster can be made here.
    fn start(port: u16) -> Result<Self, String> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .map_err(|_| "no PostgreSQL under /usr/lib/postgresql".to_owned())?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|b| b.join("initdb").exists())
            .max()
            .ok_or("no initdb under /usr/lib/postgresql/*/bin")?;
        // initdb refuses to run as root: the cluster then belongs to `postgres`.
        let as_postgres = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        let dir =
            std::env::temp_dir().join(format!("redress-faults-pg-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let cluster = Self {
            dir,
            bin,
            port,
            as_postgres,
        };
        if as_postgres {
            cluster.run(
                "chown",
                &[
                    "postgres:postgres".into(),
                    cluster.dir.display().to_string(),
                ],
                false,
            )?;
        }
        let data = cluster.dir.join("data").display().to_string();
        cluster.run(
            "initdb",
            &[
                "-D".into(),
                data,
                "-U".into(),
                "postgres".into(),
                "-A".into(),
                "trust".into(),
                "--no-sync".into(),
            ],
            true,
        )?;
        cluster.pg_ctl(&["start"])?;
        Ok(cluster)
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    fn pg_ctl(&self, action: &[&str]) -> Result<(), String> {
        let mut args: Vec<String> = action.iter().map(|a| a.to_string()).collect();
        args.extend([
            "-w".into(),
            "-D".into(),
            self.dir.join("data").display().to_string(),
            "-l".into(),
            self.dir.join("log").display().to_string(),
            "-o".into(),
            format!(
                "-p {} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off",
                self.port
            ),
        ]);
        self.run("pg_ctl", &args, true)
    }

    fn run(&self, program: &str, args: &[String], postgres_tool: bool) -> Result<(), String> {
        let program = if postgres_tool {
            self.bin.join(program).display().to_string()
        } else {
            program.to_owned()
        };
        let mut command = if self.as_postgres && postgres_tool {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", &program]);
            c
        } else {
            Command::new(&program)
        };
        let output = command
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{program}: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} {args:?} failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = self.pg_ctl(&["stop", "-m", "immediate"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Run by `.ci/run` (and `scripts/faults.sh`) with `--ignored`: it needs the
/// PostgreSQL server binaries and starts a cluster of its own on a free
/// port (or `REDRESS_FAULTS_PG_PORT`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "starts a private PostgreSQL cluster; run with --ignored"]
async fn postgres_restarted_under_load_loses_nothing_and_the_server_recovers_by_itself() {
    // A free port unless one is named, so runs side by side never meet.
    let port = std::env::var("REDRESS_FAULTS_PG_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        });
    let cluster = match tokio::task::spawn_blocking(move || PrivateCluster::start(port))
        .await
        .unwrap()
    {
        Ok(cluster) => Arc::new(cluster),
        Err(why) => {
            // A machine without the server binaries, or root without
            // runuser, cannot make a cluster: say so where no one can miss it.
            eprintln!("\n!!!!! SKIPPED: PostgreSQL restart under load: {why} !!!!!\n");
            return;
        }
    };
    let url = create_database(&cluster.url("postgres"), "redress_faults").await;
    let server = Server::start(&url).await;
    record_officers(&server.address).await;
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let load = Load::start(&server.address, ledger.clone());
    load.until_acknowledged(40, Duration::from_secs(60)).await;

    let restarting = cluster.clone();
    tokio::task::spawn_blocking(move || restarting.pg_ctl(&["restart", "-m", "fast"]))
        .await
        .unwrap()
        .expect("PostgreSQL restarts");
    // The same server, never restarted, carries on.
    load.until_acknowledged(40, Duration::from_secs(60)).await;
    load.stop().await;

    let ledger = ledger.lock().unwrap().clone();
    assert!(
        ledger.wrong.is_empty(),
        "not UNAVAILABLE/503: {:?}",
        ledger.wrong
    );
    assert_eq!(
        ledger.unreachable, 0,
        "a dropped HTTP connection: {:?}",
        ledger.cut_off
    );
    eprintln!(
        "PostgreSQL restart: {} acknowledged, {} answered UNAVAILABLE",
        ledger.successes(),
        ledger.unavailable
    );
    let db = Database::connect(&url).await.unwrap();
    assert_nothing_lost(&db, &ledger).await;
    db.close().await.ok();
    drop(server);
}
