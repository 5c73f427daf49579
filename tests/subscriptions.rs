//! Live updates over websocket (`graphql-transport-ws`): signed in with the
//! `connection_init` payload, each subscriber sees only what their council
//! and role may read.

mod common;

use std::time::Duration;

use common::*;
use entity::case;
use futures::{SinkExt, StreamExt};
use redress::jobs::sweeper;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

type Ws = Socket;

const UPDATES: &str = "subscription($id: ID) { caseUpdates(caseId: $id) { caseId reference eventKind summary seq status stage version } }";
const BREACHES: &str = "subscription { deadlineBreaches { caseId reference eventKind summary seq kind due status version } }";
const ACK: &str = "mutation($id: ID!) { acknowledgeCase(caseId: $id) { version } }";

/// The next message: `Some(json)` for text, `None` once the server closed.
async fn next(ws: &mut Ws) -> Option<Value> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a message within 20 s");
        match message {
            Some(Ok(Message::Text(text))) => return Some(serde_json::from_str(&text).unwrap()),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => continue,
        }
    }
}

/// Signs in and starts one subscription.
async fn subscribe(app: &TestApp, token: &str, query: &str, variables: Value) -> Ws {
    let mut ws = app
        .open_socket(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
    assert_eq!(next(&mut ws).await.unwrap()["type"], "connection_ack");
    ws.send(subscribe_message("1", query, variables))
        .await
        .unwrap();
    ws
}

/// The next item of subscription "1".
async fn item(ws: &mut Ws, field: &str) -> Value {
    let message = next(ws).await.expect("the connection stays open");
    assert_eq!(message["type"], "next", "{message}");
    assert!(message["payload"].get("errors").is_none(), "{message}");
    message["payload"]["data"][field].clone()
}

/// Waits until the server has registered this many live subscriptions, so
/// nothing published afterwards can be missed.
async fn listening(app: &TestApp, n: usize) {
    for _ in 0..400 {
        if app.state.feed.listeners() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{} subscriptions, expected {n}", app.state.feed.listeners());
}

/// Logs a contact as the token's holder; (id, reference).
async fn logged(app: &TestApp, _council: &str, token: &str, input: Value) -> (String, String) {
    let case = app
        .graphql(Some(token), LOG_CONTACT, json!({ "input": input }))
        .await;
    let case = &case.data()["logContact"];
    (
        case["id"].as_str().unwrap().to_owned(),
        case["reference"].as_str().unwrap().to_owned(),
    )
}

async fn acknowledge(app: &TestApp, council: &str, id: &str) {
    let token = app.token(council, &["frontline"], "fo");
    app.graphql(Some(&token), ACK, json!({ "id": id }))
        .await
        .data();
}

async fn assign(app: &TestApp, council: &str, case_id: &str, officer: &str) {
    let officer = app.record_officer(council, officer).await;
    let id: Uuid = case_id.parse().unwrap();
    case::Entity::update_many()
        .col_expr(case::Column::AssigneeId, Expr::value(officer))
        .filter(case::Column::Id.eq(id))
        .exec(&app.state.db)
        .await
        .unwrap();
}

on_both_databases! {
    async fn each_subscriber_sees_only_what_their_council_and_role_may_read(app: TestApp) {
        let staff = app.token("leeds", &["frontline"], "fo");
        let (unassigned, unassigned_ref) = logged(&app, "leeds", &staff, complaint_input("Not assigned")).await;
        let (assigned, assigned_ref) = logged(&app, "leeds", &staff, complaint_input("Assigned to Ivy")).await;
        assign(&app, "leeds", &assigned, "ivy").await;
        let leicester_staff = app.token("leicester", &["frontline"], "fo");
        let (theirs, theirs_ref) = logged(&app, "leicester", &leicester_staff, complaint_input("Leicester's")).await;
        // A customer's own case, logged through the portal, and a councillor's.
        let customer = app.token("leeds", &["customer"], "ann-portal");
        let own = sent_by_themselves("My own complaint");
        let (owned, owned_ref) = logged(&app, "leeds", &customer, own).await;
        let councillor = app.token("leeds", &["councillor"], "cllr-bob");
        let raised = sent_by_themselves("Raised for a constituent");
        let (raised_id, raised_ref) = logged(&app, "leeds", &councillor, raised).await;

        let mut all = subscribe(&app, &app.token("leeds", &["dcro"], "d"), UPDATES, json!({})).await;
        let mut ivy = subscribe(&app, &app.token("leeds", &["investigating_officer"], "ivy"), UPDATES, json!({})).await;
        let mut other_io = subscribe(&app, &app.token("leeds", &["investigating_officer"], "olga"), UPDATES, json!({})).await;
        let mut one = subscribe(&app, &staff, UPDATES, json!({ "id": assigned })).await;
        let mut elsewhere = subscribe(&app, &app.token("leicester", &["dcro"], "d"), UPDATES, json!({})).await;
        let mut ann = subscribe(&app, &customer, UPDATES, json!({})).await;
        let mut other_customer = subscribe(&app, &app.token("leeds", &["customer"], "zed"), UPDATES, json!({})).await;
        let mut bob = subscribe(&app, &councillor, UPDATES, json!({})).await;
        listening(&app, 8).await;

        for id in [&unassigned, &assigned, &owned, &raised_id] {
            acknowledge(&app, "leeds", id).await;
        }
        acknowledge(&app, "leicester", &theirs).await;

        let first = item(&mut all, "caseUpdates").await;
        assert_eq!(first["reference"], unassigned_ref.as_str());
        assert_eq!(first["caseId"], unassigned.as_str());
        assert_eq!(first["eventKind"], "ACKNOWLEDGED");
        assert_eq!((first["seq"].as_i64(), first["version"].as_i64()), (Some(2), Some(2)));
        assert_eq!(first["status"], "ACKNOWLEDGED");
        assert_eq!(first["stage"], "STAGE_1");
        for expected in [&assigned_ref, &owned_ref, &raised_ref] {
            assert_eq!(item(&mut all, "caseUpdates").await["reference"], expected.as_str());
        }
        // The first thing each narrower subscriber gets is its own case.
        assert_eq!(item(&mut ivy, "caseUpdates").await["reference"], assigned_ref.as_str());
        assert_eq!(item(&mut one, "caseUpdates").await["reference"], assigned_ref.as_str());
        assert_eq!(item(&mut ann, "caseUpdates").await["reference"], owned_ref.as_str());
        assert_eq!(item(&mut bob, "caseUpdates").await["reference"], raised_ref.as_str());
        assert_eq!(item(&mut elsewhere, "caseUpdates").await["reference"], theirs_ref.as_str());

        // Olga and Zed have seen nothing: the next thing they get is a case
        // of their own, made theirs after all of the above.
        let (later, later_ref) = logged(&app, "leeds", &customer, sent_by_themselves("Another")).await;
        assign(&app, "leeds", &later, "olga").await;
        let zed = app.token("leeds", &["customer"], "zed");
        let (zeds, zeds_ref) = logged(&app, "leeds", &zed, sent_by_themselves("Zed's")).await;
        acknowledge(&app, "leeds", &later).await;
        acknowledge(&app, "leeds", &zeds).await;
        assert_eq!(item(&mut other_io, "caseUpdates").await["reference"], later_ref.as_str());
        assert_eq!(item(&mut other_customer, "caseUpdates").await["reference"], zeds_ref.as_str());
        // A newly logged contact is an update too.
        let logged_next = item(&mut all, "caseUpdates").await;
        assert_eq!(logged_next["reference"], later_ref.as_str());
        assert_eq!((logged_next["eventKind"].as_str(), logged_next["seq"].as_i64()), (Some("CONTACT_LOGGED"), Some(1)));
    }

    async fn one_connection_runs_at_most_its_limit_of_subscriptions(app: TestApp) {
        use redress::http::MAX_SUBSCRIPTIONS;
        let token = app.token("leeds", &["dcro"], "d");
        let mut ws = app
            .open_socket(json!({ "Authorization": format!("Bearer {token}") }))
            .await;
        assert_eq!(next(&mut ws).await.unwrap()["type"], "connection_ack");
        for id in 1..=MAX_SUBSCRIPTIONS {
            ws.send(subscribe_message(&id.to_string(), UPDATES, json!({}))).await.unwrap();
        }
        listening(&app, MAX_SUBSCRIPTIONS).await;

        // One more is refused by the protocol's error message for its id.
        let over = (MAX_SUBSCRIPTIONS + 1).to_string();
        ws.send(subscribe_message(&over, UPDATES, json!({}))).await.unwrap();
        let refused = next(&mut ws).await.expect("the connection stays open");
        assert_eq!((refused["type"].as_str(), refused["id"].as_str()), (Some("error"), Some(over.as_str())), "{refused}");
        let error = &refused["payload"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{refused}");
        assert_eq!(error["extensions"]["limit"], MAX_SUBSCRIPTIONS, "{refused}");
        assert!(error["message"].as_str().unwrap().contains(&format!("at most {MAX_SUBSCRIPTIONS}")), "{refused}");

        // Completing one makes room for another.
        ws.send(Message::text(json!({ "id": "1", "type": "complete" }).to_string())).await.unwrap();
        let completed = next(&mut ws).await.unwrap();
        assert_eq!((completed["type"].as_str(), completed["id"].as_str()), (Some("complete"), Some("1")), "{completed}");
        ws.send(subscribe_message(&over, UPDATES, json!({}))).await.unwrap();
        listening(&app, MAX_SUBSCRIPTIONS).await;

        // Every running subscription, the new one included, hears of a change.
        let staff = app.token("leeds", &["frontline"], "fo");
        let (_, reference) = logged(&app, "leeds", &staff, complaint_input("Heard by all")).await;
        let mut heard: Vec<usize> = Vec::new();
        for _ in 0..MAX_SUBSCRIPTIONS {
            let message = next(&mut ws).await.expect("the connection stays open");
            assert_eq!(message["type"], "next", "{message}");
            assert_eq!(message["payload"]["data"]["caseUpdates"]["reference"], reference.as_str());
            heard.push(message["id"].as_str().unwrap().parse().unwrap());
        }
        heard.sort();
        assert_eq!(heard, (2..=MAX_SUBSCRIPTIONS + 1).collect::<Vec<_>>());
    }

    async fn a_persistent_complainant_decision_reaches_the_customers_open_cases(app: TestApp) {
        let staff = app.token("leeds", &["frontline"], "fo");
        let (open_id, open_ref) = logged(&app, "leeds", &staff, complaint_input("Missed bin")).await;
        let before = app.case("leeds", &open_id).await;
        let customer_id = app
            .graphql(Some(&staff), "query($id: ID!) { case(id: $id) { customer { id } } }", json!({ "id": open_id }))
            .await
            .data()["case"]["customer"]["id"]
            .clone();
        assert_eq!(before["version"], 1);
        let mut updates = subscribe(&app, &app.token("leeds", &["dcro"], "d"), UPDATES, json!({ "id": open_id })).await;
        listening(&app, 1).await;

        let dcro = app.token("leeds", &["dcro"], "dee");
        let decide = "mutation($c: ID!, $i: DesignationInput!) { designatePersistentComplainant(customerId: $c, input: $i) { id } }";
        let warning = json!({
            "level": "WARNING",
            "behaviour": "Daily calls repeating the same complaint",
            "requiredChange": "Write once a week at most",
            "changeBy": "2027-02-15",
            "letterDate": "2027-01-15",
        });
        app.graphql(Some(&dcro), decide, json!({ "c": customer_id, "i": warning })).await.data();
        let heard = item(&mut updates, "caseUpdates").await;
        assert_eq!((heard["reference"].as_str(), heard["eventKind"].as_str()), (Some(open_ref.as_str()), Some("PERSISTENT_DESIGNATED")));
        assert_eq!((heard["seq"].as_i64(), heard["version"].as_i64()), (Some(2), Some(1)));
    }

    async fn a_bad_or_missing_token_is_refused(app: TestApp) {
        let forged = token_with(json!({ "sub": "x", "council": "leeds", "roles": ["dcro"], "exp": now() + 3600 }))
            .replace('.', ".x");
        for init in [
            json!({ "Authorization": "Bearer not-a-token" }),
            json!({ "authorization": format!("Bearer {forged}") }),
            json!({ "token": app.token("nowhere", &["dcro"], "d") }),
            json!({}),
        ] {
            let mut ws = app.open_socket(init.clone()).await;
            assert_eq!(next(&mut ws).await, None, "refused: {init}");
        }
        // A policy admin has no case access, so no live case updates either.
        let admin = app.token("leeds", &["policy_admin"], "pa");
        let mut ws = subscribe(&app, &admin, UPDATES, json!({})).await;
        let message = next(&mut ws).await.unwrap();
        assert_eq!(message["type"], "next", "{message}");
        assert_eq!(message["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN", "{message}");
        // The token keys the brief promises are all accepted.
        let token = app.token("leeds", &["frontline"], "fo");
        for init in [json!({ "authorization": format!("Bearer {token}") }), json!({ "token": token })] {
            let mut ws = app.open_socket(init).await;
            assert_eq!(next(&mut ws).await.unwrap()["type"], "connection_ack");
        }
    }

    async fn breaches_the_sweeper_records_reach_the_right_subscribers(app: TestApp) {
        let staff = app.token("leeds", &["frontline"], "fo");
        let (_, leeds_ref) = logged(&app, "leeds", &staff, complaint_input("Late")).await;
        let mut leeds = subscribe(&app, &staff, BREACHES, json!({})).await;
        let mut leicester = subscribe(&app, &app.token("leicester", &["dcro"], "d"), BREACHES, json!({})).await;
        let mut unassigned_io = subscribe(&app, &app.token("leeds", &["investigating_officer"], "ivy"), BREACHES, json!({})).await;
        listening(&app, 3).await;
        let sweep = sweeper::pass(&app.state).await.unwrap();
        assert_eq!((sweep.breaches, sweep.holding_due), (2, 1));

        let mut got = Vec::new();
        for _ in 0..3 {
            let b = item(&mut leeds, "deadlineBreaches").await;
            assert_eq!(b["reference"], leeds_ref.as_str());
            assert_eq!(b["version"], 1);
            got.push((b["eventKind"].as_str().unwrap().to_owned(), b["kind"].as_str().unwrap().to_owned(), b["seq"].as_i64().unwrap()));
        }
        got.sort_by_key(|g| g.2);
        assert_eq!(
            got.iter().map(|g| (g.0.as_str(), g.1.as_str())).collect::<Vec<_>>(),
            [("DEADLINE_BREACHED", "ACKNOWLEDGE"), ("DEADLINE_BREACHED", "RESPOND"), ("HOLDING_RESPONSE_DUE", "HOLDING_RESPONSE")]
        );
        assert_eq!(got.iter().map(|g| g.2).collect::<Vec<_>>(), [2, 3, 4]);

        let leicester_staff = app.token("leicester", &["frontline"], "fo");
        let (_, theirs_ref) = logged(&app, "leicester", &leicester_staff, complaint_input("Leicester late")).await;
        let (mine, mine_ref) = logged(&app, "leeds", &staff, complaint_input("Ivy's late one")).await;
        assign(&app, "leeds", &mine, "ivy").await;
        sweeper::pass(&app.state).await.unwrap();
        let b = item(&mut leicester, "deadlineBreaches").await;
        assert_eq!(b["reference"], theirs_ref.as_str());
        let b = item(&mut unassigned_io, "deadlineBreaches").await;
        assert_eq!(b["reference"], mine_ref.as_str(), "only the case assigned to Ivy");
        assert!(b["summary"].as_str().unwrap().contains("missed") || b["eventKind"] == "HOLDING_RESPONSE_DUE");
    }
}

/// Two server processes on one PostgreSQL database: a subscriber on one
/// hears of a contact logged through the other, and of the breaches the
/// other's sweeper records. (SQLite serves one process.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_hears_of_changes_made_through_another_process() {
    let Some(first) = TestApp::spawn_postgres().await else {
        return;
    };
    let second = TestApp::start(
        serve_args(first.database_url.clone()),
        Backend::Postgres,
        None,
    )
    .await;
    let reader = second.token("leeds", &["dcro"], "reader");
    let mut updates = subscribe(&second, &reader, UPDATES, json!({})).await;
    let mut breaches = subscribe(&second, &reader, BREACHES, json!({})).await;
    let mut elsewhere = subscribe(
        &second,
        &second.token("leicester", &["dcro"], "d"),
        UPDATES,
        json!({}),
    )
    .await;
    listening(&second, 3).await;

    let staff = first.token("leeds", &["frontline"], "fo");
    let (id, reference) =
        logged(&first, "leeds", &staff, complaint_input("Logged elsewhere")).await;
    let update = item(&mut updates, "caseUpdates").await;
    assert_eq!(update["caseId"], id.as_str());
    assert_eq!(update["reference"], reference.as_str());
    assert_eq!(update["eventKind"], "CONTACT_LOGGED");

    let sweep = sweeper::pass(&first.state).await.unwrap();
    assert_eq!(sweep.breaches, 2, "{sweep:?}");
    let breach = item(&mut breaches, "deadlineBreaches").await;
    assert_eq!(breach["reference"], reference.as_str());
    assert_eq!(breach["eventKind"], "DEADLINE_BREACHED");

    // Still scoped to the subscriber's council: Leicester's hears nothing of
    // Leeds, only its own contact logged afterwards through the first process.
    let leicester = first.token("leicester", &["frontline"], "fo");
    let (_, theirs) = logged(
        &first,
        "leicester",
        &leicester,
        complaint_input("Leicester"),
    )
    .await;
    let update = item(&mut elsewhere, "caseUpdates").await;
    assert_eq!(update["reference"], theirs.as_str());
}
