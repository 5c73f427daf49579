//! One council's policy cannot hold up another council's requests, and a
//! restart never undoes a publish.

mod common;

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use common::*;
use serde_json::{Value, json};

const PUBLISH: &str = "mutation($s: String!) { publishPolicy(source: $s) { version publishedBy } }";
const POLICY: &str =
    "{ policy { active { version publishedBy sha256 } history { version publishedBy } } }";
const LOG: &str = "mutation($input: LogContactInput!) { logContact(input: $input) { reference respondBy awaitingPolicy deadlines { policyVersion } } }";

fn shipped(slug: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/policies/{slug}.rhai",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Leicester's shipped rules, except that every PHONE contact first spins
/// until the wall-clock budget stops the script. Email contacts (what a
/// publish dry-runs) are decided as shipped.
/// Leicester spinning on phone complaints about waste: a branch the publish
/// check's dry run (no service) never takes, as a real fault might hide.
fn leicester_spinning_on_phone_contacts() -> String {
    let source = shipped("leicester");
    let renamed = source
        .replace("fn intake(contact) {", "fn shipped_intake(contact) {")
        .replace("fn tests()", "fn tests_of_the_document()");
    assert_ne!(renamed, source, "Leicester defines intake(contact)");
    format!(
        "fn intake(contact) {{\n    if contact.channel == \"phone\" && contact.service == \"waste\" {{\n        let d = date(\"2026-01-05\");\n        loop {{ d = d.add_working_days(3000); d = d.add_working_days(-3000); }}\n    }}\n    shipped_intake(contact)\n}}\n\n{renamed}"
    )
}

/// Leeds with a 10-day stage 1 response (its own tests quote 15, so they
/// are renamed away).
fn leeds_ten_days() -> String {
    let source = shipped("leeds");
    let edited = source
        .replace(
            "fn stage1_response_working_days() { 15 }",
            "fn stage1_response_working_days() { 10 }",
        )
        .replace("fn tests()", "fn tests_of_the_document()");
    assert_ne!(edited, source);
    edited
}

fn phone_complaint(subject: &str) -> Value {
    let mut input = complaint_input(subject);
    input["channel"] = json!("PHONE");
    json!({ "input": input })
}

async fn active_policy(app: &TestApp, council: &str) -> Value {
    let admin = app.token(council, &["policy_admin"], "pat");
    app.graphql(Some(&admin), POLICY, json!({})).await.data()["policy"].clone()
}

on_both_databases! {
    async fn a_council_whose_script_spins_on_every_call_does_not_hold_up_another_council(app: TestApp) {
        let app = Arc::new(app);
        let admin = app.token("leicester", &["policy_admin"], "pat");
        let published = app
            .graphql(Some(&admin), PUBLISH, json!({ "s": leicester_spinning_on_phone_contacts() }))
            .await;
        assert_eq!(published.data()["publishPolicy"]["version"], 2);
        let leicester_before = app.case_count("leicester").await;
        let leeds_before = app.case_count("leeds").await;

        // Far more spinning calls than the pool can run in a queue wait.
        const HOSTILE: usize = 60;
        let finished = Arc::new(AtomicUsize::new(0));
        let leicester = app.token("leicester", &["frontline"], "lf");
        let hostile: Vec<_> = (0..HOSTILE)
            .map(|n| {
                let (app, leicester, finished) = (app.clone(), leicester.clone(), finished.clone());
                tokio::spawn(async move {
                    let answer = app
                        .graphql(Some(&leicester), LOG, phone_complaint(&format!("Phone call {n}")))
                        .await;
                    finished.fetch_add(1, Ordering::SeqCst);
                    answer
                })
            })
            .collect();
        let leicester_id = app.state.councils.by_slug("leicester").unwrap().id;
        let waiting = Instant::now();
        while !app.state.policy_runner.busy(leicester_id) {
            assert!(waiting.elapsed() < Duration::from_secs(30), "Leicester's calls never reached the policy threads");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }

        // Leeds's contacts all go through while Leicester's queue is still busy.
        const OTHERS: usize = 10;
        let leeds = app.token("leeds", &["frontline"], "fo");
        let others: Vec<_> = (0..OTHERS)
            .map(|n| {
                let (app, leeds) = (app.clone(), leeds.clone());
                tokio::spawn(async move {
                    app.graphql(Some(&leeds), LOG, json!({ "input": complaint_input(&format!("Leeds {n}")) })).await
                })
            })
            .collect();
        for other in others {
            let answer = other.await.unwrap();
            assert_eq!(answer.status, 200);
            let case = &answer.data()["logContact"];
            assert!(case["reference"].as_str().unwrap().starts_with("LEE"), "{case}");
            assert_eq!(case["deadlines"][0]["policyVersion"], 1);
        }
        let hostile_done = finished.load(Ordering::SeqCst);
        assert!(
            hostile_done < HOSTILE,
            "Leeds finished only after every spinning Leicester call ({hostile_done} of {HOSTILE})"
        );
        assert!(app.state.policy_runner.busy(leicester_id), "Leicester's calls were still queued");

        // Leicester's callers never get an HTTP error: a call that ran its
        // script out of time stores the contact to wait for a policy that
        // decides it (no deadline invented); one that could not get a policy
        // thread in time is refused as busy and writes nothing.
        let mut stored = 0;
        for call in hostile {
            let answer = call.await.unwrap();
            assert_eq!(answer.status, 200, "{}", answer.body);
            if answer.body.get("errors").is_some() {
                assert_eq!(answer.code(), "POLICY_ERROR", "{}", answer.body);
                assert!(answer.message().contains("busy"), "{}", answer.body);
            } else {
                let case = &answer.data()["logContact"];
                assert_eq!(case["awaitingPolicy"], true, "{case}");
                assert_eq!(case["deadlines"], json!([]), "{case}");
                stored += 1;
            }
        }
        assert_eq!(app.case_count("leicester").await, leicester_before + stored, "only stored contacts were written");
        assert_eq!(app.case_count("leeds").await, leeds_before + OTHERS as u64);

        // An email contact still follows Leicester's shipped rules.
        let email = app.graphql(Some(&leicester), LOG, json!({ "input": complaint_input("By email") })).await;
        assert_eq!(email.data()["logContact"]["deadlines"][0]["policyVersion"], 2);
    }

    async fn a_restart_keeps_the_version_an_admin_published(app: TestApp) {
        let admin = app.token("leeds", &["policy_admin"], "pat");
        let published = app.graphql(Some(&admin), PUBLISH, json!({ "s": leeds_ten_days() })).await;
        assert_eq!(published.data()["publishPolicy"]["version"], 2);

        // The same database, started as a fresh process would be, with the
        // policy folder (whose Leeds file differs) watched as in development.
        let mut args = serve_args(app.database_url.clone());
        args.watch_policies = None;
        assert_eq!(args.watching_policies(), app.backend == Backend::Sqlite);
        let restarted = TestApp::start(args, app.backend, None).await;

        let policy = active_policy(&restarted, "leeds").await;
        assert_eq!(policy["active"]["version"], 2, "{policy}");
        assert_eq!(policy["active"]["publishedBy"], "pat");
        assert_eq!(policy["history"][0]["version"], 2, "nothing published over it: {policy}");
        let staff = restarted.token("leeds", &["frontline"], "fo");
        let mut input = complaint_input("Missed bin");
        input["receivedAt"] = json!("2026-12-21T10:00:00Z");
        let case = restarted.graphql(Some(&staff), LOG, json!({ "input": input })).await;
        let case = &case.data()["logContact"];
        assert_eq!(case["deadlines"][0]["policyVersion"], 2);
        assert_eq!(case["respondBy"], "2027-01-07", "10 working days still apply");
        assert_eq!(active_policy(&app, "leeds").await["active"]["version"], 2);
    }

    async fn a_stored_policy_that_cannot_be_installed_does_not_stop_other_councils_syncing(app: TestApp) {
        // As another process would have published them: East Cambridgeshire
        // a script whose calendar() spins (it sorts first, so it is met
        // first), Leeds a good new version.
        let spinning = "fn calendar() {\n    let d = date(\"2026-01-05\");\n    loop { d = d.add_working_days(3000); d = d.add_working_days(-3000); }\n}\n";
        store_version(&app, "east-cambridgeshire", 2, spinning).await;
        store_version(&app, "leeds", 2, &leeds_ten_days()).await;
        assert_eq!(served_version(&app, "leeds", 2).await, "2027-01-07");
        let east = app.state.councils.by_slug("east-cambridgeshire").unwrap().id;
        assert!(
            app.state.policies.is_uninstallable(east, 2),
            "remembered, so later syncs do not compile it again"
        );

        // East Cambridgeshire keeps serving what it had.
        let staff = app.token("east-cambridgeshire", &["frontline"], "fo");
        let mut input = complaint_input("Missed bin");
        input["service"] = json!(null);
        let case = app.graphql(Some(&staff), LOG, json!({ "input": input })).await;
        assert_eq!(case.data()["logContact"]["deadlines"][0]["policyVersion"], 1);

        // The sync carries on past it on every later pass.
        store_version(&app, "leeds", 3, &shipped("leeds")).await;
        assert_ne!(served_version(&app, "leeds", 3).await, "2027-01-07");
    }
}

/// Stores `source` as the council's active `version` straight in the
/// database, as a publish by another process does.
async fn store_version(app: &TestApp, slug: &str, version: i32, source: &str) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
    let council = app.state.councils.by_slug(slug).unwrap().id;
    entity::policy_version::Entity::insert(
        entity::policy_version::Model {
            id: uuid::Uuid::now_v7(),
            council_id: council,
            version,
            source: source.to_owned(),
            sha256: redress::policy::compiled::sha256(source),
            published_by: "another process".into(),
            published_at: chrono::Utc::now(),
            note: None,
        }
        .into_active_model()
        .reset_all(),
    )
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
    entity::council::ActiveModel {
        id: Set(council),
        active_policy_version: Set(Some(version)),
        ..Default::default()
    }
    .update(&app.state.db)
    .await
    .unwrap();
}

/// Logs Leeds contacts until one is decided by `version`; its respondBy.
async fn served_version(app: &TestApp, slug: &str, version: i32) -> Value {
    let staff = app.token(slug, &["frontline"], "fo");
    let started = Instant::now();
    loop {
        let mut input = complaint_input("Missed bin");
        input["receivedAt"] = json!("2026-12-21T10:00:00Z");
        let case = app
            .graphql(Some(&staff), LOG, json!({ "input": input }))
            .await;
        let case = case.data()["logContact"].clone();
        if case["deadlines"][0]["policyVersion"] == version {
            return case["respondBy"].clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{slug} v{version} was not installed within 10 s: {case}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
