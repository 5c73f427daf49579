//! Retry-safe intake: `logContact` with an `idempotencyKey`, over HTTP with
//! real tokens. A request sent again after its answer was lost gets the case
//! the first one created, and nothing is written twice.

mod common;

use common::*;
use entity::{case_event, deadline, intake_key};
use futures::future::join_all;
use redress::jobs::sweeper;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

const LOG_WITH_KEY: &str = r#"
mutation Log($input: LogContactInput!, $key: String) {
  logContact(input: $input, idempotencyKey: $key) {
    id reference kind channel stage status receivedAt subject description
    version acknowledgeBy respondBy
    customer { name email }
    deadlines { kind due policyVersion explanation }
    timeline { seq kind actorSubject summary }
  }
}"#;

async fn log(app: &TestApp, token: &str, input: &Value, key: Option<&str>) -> Gql {
    app.graphql(
        Some(token),
        LOG_WITH_KEY,
        json!({ "input": input, "key": key }),
    )
    .await
}

async fn logged(app: &TestApp, token: &str, input: &Value, key: Option<&str>) -> Value {
    log(app, token, input, key).await.data()["logContact"].clone()
}

/// Rows of the tables intake writes, counted in the database itself.
async fn written(app: &TestApp) -> (u64, u64) {
    let db = &app.state.db;
    (
        case_event::Entity::find().count(db).await.unwrap(),
        deadline::Entity::find().count(db).await.unwrap(),
    )
}

fn reference_number(case: &Value) -> u64 {
    case["reference"].as_str().unwrap()[9..].parse().unwrap()
}

on_both_databases! {
    // The same key and input again answer with the case already created,
    // exactly as the first time; no case, event, deadline or reference
    // number is taken by the retry.
    async fn a_retry_gets_the_case_already_created(app: TestApp) {
        let token = app.token("leeds", &["frontline"], "alice");
        let input = complaint_input("Missed bin");
        let first = logged(&app, &token, &input, Some("intake-0001")).await;
        let rows = written(&app).await;
        assert!(rows.1 > 0, "the complaint has deadlines");

        for _ in 0..3 {
            let again = logged(&app, &token, &input, Some("intake-0001")).await;
            assert_eq!(again, first);
        }
        assert_eq!(app.case_count("leeds").await, 1);
        assert_eq!(written(&app).await, rows);
        let metrics = app.get("/metrics").await.text().await.unwrap();
        assert!(metrics.contains("redress_contacts_logged_total{council=\"leeds\"} 1"), "a retry is not counted as a contact: {metrics}");

        let next = logged(&app, &token, &complaint_input("Another bin"), None).await;
        assert_eq!(reference_number(&next), reference_number(&first) + 1, "no number was taken by the retries");
        // Without a key, the same input is a new contact.
        let unkeyed = logged(&app, &token, &input, None).await;
        assert_ne!(unkeyed["id"], first["id"]);
        assert_eq!(app.case_count("leeds").await, 3);
    }

    // A key names one contact: a different input under it is refused on the
    // argument, and nothing is written.
    async fn the_same_key_with_another_input_is_refused(app: TestApp) {
        let token = app.token("leeds", &["frontline"], "alice");
        let first = logged(&app, &token, &complaint_input("Missed bin"), Some("k-1")).await;
        let rows = written(&app).await;

        let mut changed = complaint_input("Missed bin");
        changed["description"] = json!("A different story");
        let refused = log(&app, &token, &changed, Some("k-1")).await;
        assert_eq!(refused.code(), "BAD_USER_INPUT", "{}", refused.body);
        assert_eq!(refused.field(), Some("idempotencyKey"));
        assert!(refused.message().contains("different contact"), "{}", refused.body);
        assert!(refused.body["data"].is_null(), "{}", refused.body);
        assert_eq!(app.case_count("leeds").await, 1);
        assert_eq!(written(&app).await, rows);

        // The first input is still answered with its case.
        let again = logged(&app, &token, &complaint_input("Missed bin"), Some("k-1")).await;
        assert_eq!(again["id"], first["id"]);

        for bad in [String::new(), "   ".into(), "k".repeat(129), "tab\tkey".into()] {
            let refused = log(&app, &token, &complaint_input("Bad key"), Some(&bad)).await;
            assert_eq!(refused.code(), "BAD_USER_INPUT", "{bad:?}: {}", refused.body);
            assert_eq!(refused.field(), Some("idempotencyKey"), "{bad:?}");
        }
        let longest = "k".repeat(128);
        logged(&app, &token, &complaint_input("Longest key"), Some(&longest)).await;
        assert_eq!(app.case_count("leeds").await, 2);
    }

    // Keys are each caller's own: the same key from another subject, or in
    // another council, is another contact and learns nothing of the first.
    async fn each_caller_has_their_own_keys(app: TestApp) {
        let input = complaint_input("Missed bin");
        let alice = logged(&app, &app.token("leeds", &["frontline"], "alice"), &input, Some("shared")).await;
        let bob = logged(&app, &app.token("leeds", &["frontline"], "bob"), &input, Some("shared")).await;
        assert_ne!(alice["id"], bob["id"]);
        assert_ne!(alice["reference"], bob["reference"]);
        let mut other = complaint_input("Something else entirely");
        other["description"] = json!("Not the same at all");
        let carol = logged(&app, &app.token("leeds", &["frontline"], "carol"), &other, Some("shared")).await;
        assert_eq!(carol["subject"], "Something else entirely");
        let elsewhere = logged(&app, &app.token("leicester", &["frontline"], "alice"), &input, Some("shared")).await;
        assert!(elsewhere["reference"].as_str().unwrap().starts_with("LEI-"), "{elsewhere}");
        assert_eq!(app.case_count("leeds").await, 3);
        assert_eq!(app.case_count("leicester").await, 1);
    }

    // Ten identical requests at once make one case, and every one of them
    // is answered with it. Other callers' contacts arriving in the same
    // moment (and so written in the same groups) are all stored, numbered
    // without a gap.
    async fn identical_requests_at_once_make_one_case(app: TestApp) {
        let token = app.token("leeds", &["frontline"], "alice");
        let input = complaint_input("Missed bin");
        let others: Vec<(String, Value)> = (0..6)
            .map(|i| (app.token("leeds", &["frontline"], &format!("other-{i}")), complaint_input(&format!("Other {i}"))))
            .collect();
        let app = &app;
        let duplicates = join_all((0..10).map(|_| log(app, &token, &input, Some("burst"))));
        let neighbours = join_all(others.iter().enumerate().map(|(i, (token, input))| {
            let key = format!("burst-{i}");
            async move { log(app, token, input, (i % 2 == 0).then_some(key.as_str())).await }
        }));
        let (duplicates, neighbours) = futures::join!(duplicates, neighbours);

        let ids: Vec<&Value> = duplicates.iter().map(|d| &d.data()["logContact"]["id"]).collect();
        assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
        for answer in &neighbours {
            assert_ne!(answer.data()["logContact"]["id"], *ids[0]);
        }
        assert_eq!(app.case_count("leeds").await, 7);
        let mut numbers: Vec<u64> = duplicates
            .iter()
            .take(1)
            .chain(&neighbours)
            .map(|a| reference_number(&a.data()["logContact"]))
            .collect();
        numbers.sort();
        assert_eq!(numbers, (1..=7).collect::<Vec<_>>());
        let kept = intake_key::Entity::find()
            .filter(intake_key::Column::IdempotencyKey.eq("burst"))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(kept, 1);
    }

    // Two different inputs racing under one key: one is stored, every
    // request with its input gets that case and the others are refused.
    async fn different_inputs_racing_under_one_key_store_one(app: TestApp) {
        let token = app.token("leeds", &["frontline"], "alice");
        let a = complaint_input("Version A");
        let b = complaint_input("Version B");
        let answers = join_all((0..10).map(|i| log(&app, &token, if i % 2 == 0 { &a } else { &b }, Some("race")))).await;
        let stored: Vec<&Gql> = answers.iter().filter(|g| g.body.get("errors").is_none()).collect();
        let refused: Vec<&Gql> = answers.iter().filter(|g| g.body.get("errors").is_some()).collect();
        assert_eq!(stored.len(), 5, "{:?}", answers.iter().map(|a| &a.body).collect::<Vec<_>>());
        let subject = &stored[0].data()["logContact"]["subject"];
        assert!(stored.iter().all(|g| g.data()["logContact"]["subject"] == *subject));
        for answer in refused {
            assert_eq!(answer.code(), "BAD_USER_INPUT", "{}", answer.body);
            assert_eq!(answer.field(), Some("idempotencyKey"));
        }
        assert_eq!(app.case_count("leeds").await, 1);
    }

    // A customer logging on the portal retries the same way; their contact
    // is received when first sent, and the retry does not move it.
    async fn a_customers_portal_contact_is_retry_safe(app: TestApp) {
        let ann = app.token("leeds", &["customer"], "portal-ann");
        let input = sent_by_themselves("My bin again");
        let first = logged(&app, &ann, &input, Some("portal-1")).await;
        assert_eq!(first["channel"], "WEB");
        let again = logged(&app, &ann, &input, Some("portal-1")).await;
        assert_eq!(again, first);
        let ben = app.token("leeds", &["customer"], "portal-ben");
        let his = logged(&app, &ben, &input, Some("portal-1")).await;
        assert_ne!(his["id"], first["id"]);
        let mine = app
            .graphql(Some(&ann), "{ cases { totalCount } }", json!({}))
            .await;
        assert_eq!(mine.data()["cases"]["totalCount"], 1);
        assert_eq!(app.case_count("leeds").await, 2);
    }

    // A key is remembered for a day: after that it may name a new contact.
    async fn a_key_is_forgotten_after_its_window(app: TestApp) {
        let token = app.token("leeds", &["frontline"], "alice");
        let first = logged(&app, &token, &complaint_input("Monday's bin"), Some("daily")).await;
        let day_later: chrono::DateTime<chrono::Utc> = NOW.parse().unwrap();
        intake_key::Entity::update_many()
            .col_expr(intake_key::Column::ExpiresAt, Expr::value(day_later - chrono::Duration::seconds(1)))
            .exec(&app.state.db)
            .await
            .unwrap();
        let second = logged(&app, &token, &complaint_input("Tuesday's bin"), Some("daily")).await;
        assert_ne!(second["id"], first["id"]);
        // The key now names the second contact.
        let again = logged(&app, &token, &complaint_input("Tuesday's bin"), Some("daily")).await;
        assert_eq!(again["id"], second["id"]);
        let refused = log(&app, &token, &complaint_input("Monday's bin"), Some("daily")).await;
        assert_eq!(refused.field(), Some("idempotencyKey"), "{}", refused.body);
        assert_eq!(app.case_count("leeds").await, 2);
    }

    // The sweeper deletes keys past their window and keeps the others, so
    // the table holds about a day of keyed contacts.
    async fn the_sweeper_forgets_expired_keys(app: TestApp) {
        let token = app.token("leeds", &["frontline"], "alice");
        logged(&app, &token, &complaint_input("Monday's bin"), Some("old")).await;
        logged(&app, &token, &complaint_input("Tuesday's bin"), Some("new")).await;
        let now: chrono::DateTime<chrono::Utc> = NOW.parse().unwrap();
        intake_key::Entity::update_many()
            .col_expr(intake_key::Column::ExpiresAt, Expr::value(now - chrono::Duration::seconds(1)))
            .filter(intake_key::Column::IdempotencyKey.eq("old"))
            .exec(&app.state.db)
            .await
            .unwrap();
        let sweep = sweeper::pass(&app.state).await.unwrap();
        assert_eq!(sweep.keys_forgotten, 1);
        let left: Vec<String> = intake_key::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|row| row.idempotency_key)
            .collect();
        assert_eq!(left, vec!["new".to_owned()]);
        // The kept key still answers with its case.
        let again = logged(&app, &token, &complaint_input("Tuesday's bin"), Some("new")).await;
        assert_eq!(app.case_count("leeds").await, 2, "{again}");
    }
}
