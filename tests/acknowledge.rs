//! Acknowledging a contact: the first case action, with the council's policy
//! starting clocks and enforcing its checklist, and optimistic concurrency.

mod common;

use common::*;
use serde_json::{Value, json};

const ACK: &str = "mutation($id: ID!, $at: DateTime, $v: Int) { acknowledgeCase(caseId: $id, at: $at, expectedVersion: $v) { status version acknowledgeBy respondBy deadlines { kind due metAt missed policyVersion explanation } timeline { seq kind actorRole } } }";
const CASE: &str = "query($id: ID!) { case(id: $id) { status version timeline { kind } } }";

async fn logged(app: &TestApp, council: &str, input: Value) -> String {
    let token = app.token(council, &["frontline"], "fo");
    let case = app
        .graphql(Some(&token), LOG_CONTACT, json!({ "input": input }))
        .await;
    case.data()["logContact"]["id"].as_str().unwrap().to_owned()
}

/// The case is exactly as logged: version 1, one timeline entry.
async fn unchanged(app: &TestApp, council: &str, id: &str) {
    let token = app.token(council, &["dcro"], "d");
    let case = app.graphql(Some(&token), CASE, json!({ "id": id })).await;
    assert_eq!(case.data()["case"]["version"], 1);
    assert_eq!(case.data()["case"]["status"], "RECEIVED");
    assert_eq!(case.data()["case"]["timeline"].as_array().unwrap().len(), 1);
}

on_both_databases! {
    async fn east_cambridgeshire_answers_within_ten_working_days_of_acknowledgement(app: TestApp) {
        // Section 4.5: acknowledged within one working day of Friday
        // 20 November; answered within 10 working days of the acknowledgement.
        let id = logged(&app, "east-cambridgeshire", complaint_input("Planning enforcement delay")).await;
        let token = app.token("east-cambridgeshire", &["frontline"], "csa");
        let acked = app.graphql(Some(&token), ACK, json!({ "id": id, "at": "2026-11-23T10:00:00Z", "v": 1 })).await;
        let case = &acked.data()["acknowledgeCase"];
        assert_eq!(case["status"], "ACKNOWLEDGED");
        assert_eq!(case["version"], 2);
        assert!(case["acknowledgeBy"].is_null(), "the acknowledgement deadline is met");
        assert_eq!(case["respondBy"], "2026-12-07");
        let deadlines = case["deadlines"].as_array().unwrap();
        let ack = deadlines.iter().find(|d| d["kind"] == "ACKNOWLEDGE").unwrap();
        assert_eq!(ack["due"], "2026-11-23");
        assert_eq!(ack["missed"], false);
        assert!(ack["metAt"].as_str().unwrap().starts_with("2026-11-23T10:00:00"));
        let respond = deadlines.iter().find(|d| d["kind"] == "RESPOND").unwrap();
        assert!(respond["explanation"].as_str().unwrap().ends_with("(east-cambridgeshire v1)"), "{respond}");
        let timeline = case["timeline"].as_array().unwrap();
        assert_eq!(timeline.len(), 2);
        assert_eq!(timeline[1]["kind"], "ACKNOWLEDGED");
        assert_eq!(timeline[1]["actorRole"], "frontline");

        let again = app.graphql(Some(&token), ACK, json!({ "id": id })).await;
        assert_eq!(again.code(), "BAD_USER_INPUT");
    }

    async fn leeds_discrimination_complaints_need_the_notifications_first(app: TestApp) {
        // Para 28: Chief Officers, Legal and the Head of Equality are told before acknowledgement.
        let mut input = complaint_input("Treated differently because of my disability");
        input["discrimination"] = json!(true);
        let id = logged(&app, "leeds", input).await;
        let token = app.token("leeds", &["dcro"], "d");
        let refused = app.graphql(Some(&token), ACK, json!({ "id": id })).await;
        assert_eq!(refused.code(), "POLICY_REJECTED");
        assert!(refused.message().contains("para 28"), "{}", refused.message());
        unchanged(&app, "leeds", &id).await;
    }

    async fn bad_acknowledgements_change_nothing(app: TestApp) {
        let id = logged(&app, "leeds", complaint_input("Missed bin")).await;
        let staff = app.token("leeds", &["frontline"], "fo");
        let stale = app.graphql(Some(&staff), ACK, json!({ "id": id, "v": 7 })).await;
        assert_eq!(stale.code(), "CONFLICT");
        let early = app.graphql(Some(&staff), ACK, json!({ "id": id, "at": "2026-11-19T10:00:00Z" })).await;
        assert_eq!((early.code(), early.field()), ("BAD_USER_INPUT", Some("at")));
        let future = app.graphql(Some(&staff), ACK, json!({ "id": id, "at": "2027-06-02T09:00:00Z" })).await;
        assert_eq!((future.code(), future.field()), ("BAD_USER_INPUT", Some("at")));
        for role in ["councillor", "customer", "policy_admin"] {
            let token = app.token("leeds", &[role], "someone");
            assert_eq!(app.graphql(Some(&token), ACK, json!({ "id": id })).await.code(), "FORBIDDEN", "{role}");
        }
        let elsewhere = app.token("leicester", &["dcro"], "d");
        assert_eq!(app.graphql(Some(&elsewhere), ACK, json!({ "id": id })).await.code(), "NOT_FOUND");
        unchanged(&app, "leeds", &id).await;
    }

    async fn two_officers_acknowledging_at_once_leave_one_event(app: TestApp) {
        let id = logged(&app, "leeds", complaint_input("Missed bin")).await;
        let a = app.token("leeds", &["frontline"], "officer-a");
        let b = app.token("leeds", &["dcro"], "officer-b");
        let (first, second) = tokio::join!(
            app.graphql(Some(&a), ACK, json!({ "id": id, "v": 1 })),
            app.graphql(Some(&b), ACK, json!({ "id": id, "v": 1 })),
        );
        let outcomes = [&first, &second].map(|r| r.body.get("errors").map(|_| r.code().to_owned()));
        assert_eq!(outcomes.iter().filter(|o| o.is_none()).count(), 1, "exactly one succeeds: {outcomes:?}");
        assert!(outcomes.contains(&Some("CONFLICT".to_owned())), "{outcomes:?}");
        let token = app.token("leeds", &["dcro"], "d");
        let case = app.graphql(Some(&token), CASE, json!({ "id": id })).await;
        assert_eq!(case.data()["case"]["version"], 2);
        let kinds: Vec<&str> = case.data()["case"]["timeline"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["CONTACT_LOGGED", "ACKNOWLEDGED"]);
    }
}
