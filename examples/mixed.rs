//! Mixed case-work benchmark against a running server (seed it first with
//! `load seed`). Each client walks complaints through their life the way
//! staff do: log one, acknowledge it, assign it, answer it, look at the
//! investigator's queue and read a case with its timeline; every request is
//! timed per operation.
//!
//! ```sh
//! cargo run --release --example mixed -- --url http://127.0.0.1:8080 --council leeds \
//!     --clients 50 --seconds 20 --secret "$REDRESS_JWT_SECRET"
//! ```

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use clap::Parser;
use hdrhistogram::Histogram;
use redress::{
    auth::{JwtConfig, TokenMinter},
    config::JwtArgs,
};
use serde_json::{Value, json};

#[path = "support/drive.rs"]
mod drive;
#[path = "support/pace.rs"]
mod pace;

use pace::Window;

#[derive(Parser)]
#[command(name = "mixed", about = "Load-test case work on a running Redress")]
struct Args {
    #[command(flatten)]
    drive: drive::DriveArgs,
}

/// The operations, in the order a client performs them.
const OPERATIONS: [&str; 6] = [
    "intake",
    "acknowledge",
    "assign",
    "respond",
    "queue",
    "read",
];

const LOG: &str = "mutation($i: LogContactInput!) { logContact(input: $i) { id version } }";
const ACK: &str = "mutation($id: ID!, $v: Int) { acknowledgeCase(caseId: $id, expectedVersion: $v) { version status } }";
const ASSIGN: &str = "mutation($id: ID!, $o: String!, $v: Int) { assignInvestigator(caseId: $id, officer: $o, expectedVersion: $v) { version } }";
const RECORD_OFFICER: &str =
    "mutation($s: String!) { recordOfficer(input: { subject: $s, displayName: $s }) { id } }";
const RESPOND: &str = "mutation($id: ID!, $v: Int) { respondToCase(caseId: $id, expectedVersion: $v, input: { outcome: PARTLY_UPHELD, summary: \"Put right and apologised\", remedies: [{ kind: APOLOGY, description: \"Apology\" }] }) { version status escalateBy } }";
const QUEUE: &str =
    "{ myQueue(first: 20, dueWithinDays: 30) { id reference status respondBy overdue } }";
const READ: &str = "query($id: ID!) { case(id: $id) { reference status stage version respondBy escalateBy deadlines { kind due metAt missed explanation } timeline { seq kind summary occurredAt actorRole } } }";

struct Client {
    http: reqwest::Client,
    endpoint: reqwest::Url,
}

impl Client {
    async fn call(&self, token: &str, query: &str, variables: Value) -> Result<Value, String> {
        let response = self
            .http
            .post(self.endpoint.clone())
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .map_err(|e| format!("not JSON: {e}"))?;
        if status != reqwest::StatusCode::OK || body.get("errors").is_some() {
            let text = body.to_string();
            return Err(format!("HTTP {status}: {}", &text[..text.len().min(300)]));
        }
        Ok(body["data"].clone())
    }
}

struct Tokens {
    frontline: String,
    dcro: String,
    investigator: String,
    officer: String,
}

#[derive(Default)]
struct Tally {
    latency: BTreeMap<&'static str, Histogram<u64>>,
    failures: BTreeMap<&'static str, u64>,
    samples: Vec<String>,
}

impl Tally {
    fn record(&mut self, op: &'static str, elapsed: Duration, ok: Result<(), String>) {
        match ok {
            Ok(()) => {
                let us = u64::try_from(elapsed.as_micros())
                    .unwrap_or(u64::MAX)
                    .max(1);
                self.latency
                    .entry(op)
                    .or_insert_with(|| Histogram::new_with_bounds(1, 120_000_000, 3).unwrap())
                    .saturating_record(us);
            }
            Err(reason) => {
                *self.failures.entry(op).or_default() += 1;
                if self.samples.len() < 5 {
                    self.samples.push(format!("{op}: {reason}"));
                }
            }
        }
    }

    fn merge(&mut self, other: Tally) {
        for (op, h) in other.latency {
            match self.latency.get_mut(op) {
                Some(total) => total.add(&h).unwrap(),
                None => {
                    self.latency.insert(op, h);
                }
            }
        }
        for (op, n) in other.failures {
            *self.failures.entry(op).or_default() += n;
        }
        self.samples.extend(other.samples.into_iter().take(2));
    }
}

/// Sends one operation when the pacer says it is due and times it from then,
/// when it was due inside the measured window.
async fn timed<T>(
    tally: &mut Tally,
    pacer: &mut pace::Pacer,
    window: Window,
    op: &'static str,
    call: impl std::future::Future<Output = Result<T, String>>,
) -> Option<T> {
    let started = pacer.due().await.into_std();
    let result = call.await;
    if started >= window.from && started < window.until {
        let ok = result.as_ref().map(|_| ()).map_err(Clone::clone);
        tally.record(op, started.elapsed(), ok);
    }
    result.ok()
}

fn version(data: &Value, field: &str) -> Option<i64> {
    data[field]["version"].as_i64()
}

async fn walk(
    client: Client,
    tokens: Tokens,
    index: usize,
    mut pacer: pace::Pacer,
    window: Window,
) -> Tally {
    let mut tally = Tally::default();
    let mut n = 0u64;
    while Instant::now() < window.until {
        n += 1;
        let input = json!({
            "kind": "COMPLAINT", "channel": "EMAIL", "receivedAt": "2026-11-20T10:00:00Z",
            "subject": format!("Missed collection (client {index}, round {n})"),
            "description": "The bin was not emptied.", "service": "waste",
            "customer": { "name": "Mixed Load", "email": format!("mixed{index}.{n}@example.org") },
        });
        let t = &mut tally;
        let Some(logged) = timed(
            t,
            &mut pacer,
            window,
            "intake",
            client.call(&tokens.frontline, LOG, json!({ "i": input })),
        )
        .await
        else {
            continue;
        };
        let id = logged["logContact"]["id"].clone();
        let Some(acked) = timed(
            t,
            &mut pacer,
            window,
            "acknowledge",
            client.call(&tokens.frontline, ACK, json!({ "id": id, "v": 1 })),
        )
        .await
        else {
            continue;
        };
        let v = version(&acked, "acknowledgeCase");
        let Some(assigned) = timed(
            t,
            &mut pacer,
            window,
            "assign",
            client.call(
                &tokens.dcro,
                ASSIGN,
                json!({ "id": id, "o": tokens.officer, "v": v }),
            ),
        )
        .await
        else {
            continue;
        };
        let v = version(&assigned, "assignInvestigator");
        // The queue is read while the case is on it, the answer sent after.
        timed(
            t,
            &mut pacer,
            window,
            "queue",
            client.call(&tokens.investigator, QUEUE, json!({})),
        )
        .await;
        timed(
            t,
            &mut pacer,
            window,
            "respond",
            client.call(&tokens.investigator, RESPOND, json!({ "id": id, "v": v })),
        )
        .await;
        timed(
            t,
            &mut pacer,
            window,
            "read",
            client.call(&tokens.investigator, READ, json!({ "id": id })),
        )
        .await;
    }
    tally
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let base = reqwest::Url::parse(&args.drive.url).context("--url")?;
    if !matches!(base.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")) {
        bail!("only a server on this machine may be loaded");
    }
    let endpoint = base.join("/graphql")?;
    let minter = TokenMinter::new(&JwtConfig::from_args(&JwtArgs {
        jwt_secret: Some(args.drive.secret.clone()),
        jwt_public_key: None,
        jwt_issuer: None,
        jwt_audience: None,
        jwt_leeway_secs: 30,
    })?)?;
    let clients = usize::from(args.drive.clients);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients * 2)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(10))
        .build()?;
    let ttl = Duration::from_secs(args.drive.warmup + args.drive.seconds + 3600);
    let start = Instant::now();
    let measure_from = start + Duration::from_secs(args.drive.warmup);
    let deadline = measure_from + Duration::from_secs(args.drive.seconds);
    let mut workers = Vec::new();
    for i in 0..clients {
        let mint = |role: &str, sub: String| {
            minter.mint(&args.drive.council, &[role.to_owned()], &sub, None, ttl)
        };
        let officer = format!("mixed-io-{i}");
        let tokens = Tokens {
            frontline: mint("frontline", format!("mixed-csa-{i}"))?,
            dcro: mint("dcro", format!("mixed-dcro-{i}"))?,
            investigator: mint("investigating_officer", officer.clone())?,
            officer,
        };
        let client = Client {
            http: http.clone(),
            endpoint: endpoint.clone(),
        };
        // Only a recorded officer may be given a case.
        client
            .call(
                &tokens.dcro,
                RECORD_OFFICER,
                json!({ "s": tokens.officer.as_str() }),
            )
            .await
            .map_err(|e| anyhow::anyhow!("recording {}: {e}", tokens.officer))?;
        let pacer = pace::Pacer::new(args.drive.rate, clients, i, start.into());
        workers.push(tokio::spawn(walk(
            client,
            tokens,
            i,
            pacer,
            Window {
                from: measure_from,
                until: deadline,
            },
        )));
    }
    println!(
        "{clients} clients on {endpoint} for {} s after {} s of warm-up, {}",
        args.drive.seconds,
        args.drive.warmup,
        match args.drive.rate {
            Some(rate) => format!("{rate} requests/s in all on a fixed schedule"),
            None => "each as fast as it is answered".to_owned(),
        }
    );
    let mut total = Tally::default();
    for worker in workers {
        total.merge(worker.await.context("a client panicked")?);
    }
    println!(
        "{:<12} {:>9} {:>8} {:>9} {:>8} {:>8} {:>8}",
        "operation", "requests", "failures", "req/s", "p50 ms", "p99 ms", "max ms"
    );
    let ms = |us: u64| us as f64 / 1000.0;
    for op in OPERATIONS {
        let failures = total.failures.get(op).copied().unwrap_or(0);
        let Some(h) = total.latency.get(op) else {
            println!("{op:<12} {:>9} {failures:>8}", 0);
            continue;
        };
        println!(
            "{:<12} {:>9} {:>8} {:>9.1} {:>8.1} {:>8.1} {:>8.1}",
            op,
            h.len() + failures,
            failures,
            h.len() as f64 / args.drive.seconds as f64,
            ms(h.value_at_quantile(0.5)),
            ms(h.value_at_quantile(0.99)),
            ms(h.max())
        );
    }
    for sample in total.samples.iter().take(5) {
        println!("failure: {sample}");
    }
    Ok(())
}
