//! The refusals every action shares, over every action at once: a stale
//! `expectedVersion` is CONFLICT, another council's id is NOT_FOUND, a policy
//! change without `policy_admin` is FORBIDDEN, and none of them writes.

mod common;

use std::time::Duration;

use common::*;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const CFM: &str = "customer_feedback_manager";
const REMEDY: &str = "mutation($id: ID!, $i: RecordRemedyInput!) { recordRemedy(caseId: $id, input: $i) { version remedies { id kind } } }";
const APPROVE: &str = "mutation($r: ID!, $v: Int) { approveGoodwillPayment(remedyId: $r, expectedVersion: $v) { version } }";
const COMPLETE_REMEDY: &str =
    "mutation($r: ID!, $v: Int) { completeRemedy(remedyId: $r, expectedVersion: $v) { version } }";
const DESIGNATE: &str = "mutation($c: ID!, $i: DesignationInput!) { designatePersistentComplainant(customerId: $c, input: $i) { id } }";
const REVIEW: &str = "mutation($d: ID!, $i: DesignationReviewInput!) { reviewPersistentDesignation(designationId: $d, input: $i) { id } }";
const DESIGNATIONS: &str = "query($c: ID!) { persistentDesignations(customerId: $c) { id level active reviewBy reviews { outcome } } }";
const CUSTOMER: &str = "query($id: ID!) { case(id: $id) { customer { id } remedies { id kind approvedBy completedAt } } }";
const LINK: &str = "mutation($c: ID!, $s: String!) { linkPortalAccount(customerId: $c, portalSubject: $s) { id } }";
const POLICY: &str = "{ policy { active { version } history { version active } } }";

/// Every action's smallest arguments, with `extra` added.
fn arguments(args: &str, extra: Value) -> Value {
    let mut vars: Value = serde_json::from_str(args).unwrap();
    for (k, v) in extra.as_object().unwrap() {
        vars[k] = v.clone();
    }
    vars
}

/// A Leeds complaint acknowledged on 23 November 2026 (version 2), with an
/// unapproved goodwill payment and an apology recorded (version 4).
async fn worked_case(app: &TestApp) -> (String, Value) {
    let cfm = app.token("leeds", &[CFM], "cfm-1");
    let case = app.logged("leeds", complaint_input("Fence damaged")).await;
    let id = case["id"].as_str().unwrap().to_owned();
    app.acted(
        &cfm,
        "acknowledgeCase",
        &id,
        json!({ "at": "2026-11-23T10:00:00Z" }),
    )
    .await;
    for input in [
        json!({ "kind": "GOODWILL_PAYMENT", "description": "For the trouble", "amountPence": 2000 }),
        json!({ "kind": "APOLOGY", "description": "Apology for the fence" }),
    ] {
        app.graphql(Some(&cfm), REMEDY, json!({ "id": id, "i": input }))
            .await
            .data();
    }
    let seen = app
        .graphql(Some(&cfm), CUSTOMER, json!({ "id": id }))
        .await
        .data()["case"]
        .clone();
    (id, seen)
}

fn remedy_id(seen: &Value, kind: &str) -> String {
    seen["remedies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == kind)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Everything staff can read of the case: version, deadlines, checklist,
/// timeline, remedies.
async fn everything(app: &TestApp, id: &str) -> Value {
    let token = app.token("leeds", &[CFM], "reader");
    let case = app.case("leeds", id).await;
    let extra = app
        .graphql(Some(&token), CUSTOMER, json!({ "id": id }))
        .await
        .data()["case"]
        .clone();
    json!({ "case": case, "extra": extra })
}

/// The errors of subscription "1" over `graphql-transport-ws`, or the
/// first item when it was accepted (then `Err`).
async fn subscription_errors(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let mut ws = app
        .open_socket(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
    let mut subscribe = Some(subscribe_message("1", query, variables));
    let mut sent = false;
    // One limit for the whole exchange: keep-alive pings must not extend it.
    let limit = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let message = tokio::time::timeout_at(limit, ws.next())
            .await
            .expect("an answer within 10 s: a refused subscription is answered at once")
            .expect("the connection stays open")
            .unwrap();
        let Message::Text(text) = message else {
            continue;
        };
        let message: Value = serde_json::from_str(&text).unwrap();
        match message["type"].as_str().unwrap() {
            "connection_ack" if !sent => {
                ws.send(subscribe.take().unwrap()).await.unwrap();
                sent = true;
            }
            "error" => return message["payload"].clone(),
            "next" => {
                let errors = message["payload"]["errors"].clone();
                assert!(
                    !errors.is_null(),
                    "the subscription was accepted: {message}"
                );
                return errors;
            }
            _ => {}
        }
    }
}

on_both_databases! {
    async fn every_case_action_refuses_a_stale_version_and_writes_nothing(app: TestApp) {
        let cfm = app.token("leeds", &[CFM], "cfm-1");
        let (id, seen) = worked_case(&app).await;
        let before = everything(&app, &id).await;
        let current = before["case"]["version"].as_i64().unwrap();
        assert_eq!(current, 4);
        for stale in [1, current - 1] {
            for (action, args) in ACTIONS {
                let vars = arguments(args, json!({ "expectedVersion": stale }));
                let refused = app.act(&cfm, action, &id, vars).await;
                assert_eq!(refused.code(), "CONFLICT", "{action}: {}", refused.body);
                assert!(refused.message().contains(&format!("version {current}, not {stale}")),
                    "{action}: {}", refused.message());
            }
            for (mutation, remedy) in [
                (APPROVE, remedy_id(&seen, "GOODWILL_PAYMENT")),
                (COMPLETE_REMEDY, remedy_id(&seen, "APOLOGY")),
            ] {
                let refused = app.graphql(Some(&cfm), mutation, json!({ "r": remedy, "v": stale })).await;
                assert_eq!(refused.code(), "CONFLICT", "{mutation}: {}", refused.body);
            }
        }
        assert_eq!(everything(&app, &id).await, before, "a refused action wrote something");

        // The same call at the current version goes through.
        let done = app.act(&cfm, "closeCase", &id, json!({
            "expectedVersion": current, "outstandingReason": "Payment goes through the service",
        })).await;
        assert_eq!(done.data()["closeCase"]["version"], current + 1);
    }

    async fn another_councils_ids_are_not_found_anywhere_and_nothing_is_written(app: TestApp) {
        let (id, seen) = worked_case(&app).await;
        let customer = seen["customer"]["id"].as_str().unwrap().to_owned();
        let leeds = app.token("leeds", &["dcro"], "dee");
        let designation = app.graphql(Some(&leeds), DESIGNATE, json!({
            "c": customer,
            "i": {
                "level": "WARNING",
                "behaviour": "Daily calls repeating the same complaint",
                "requiredChange": "Write once a week at most",
                "changeBy": "2027-02-15",
                "letterDate": "2027-01-15",
            },
        })).await.data()["designatePersistentComplainant"]["id"].as_str().unwrap().to_owned();
        let before = everything(&app, &id).await;
        let designations = app.graphql(Some(&leeds), DESIGNATIONS, json!({ "c": customer })).await.data().clone();

        // Leicester's most senior staff, with every role a case action needs.
        let other = app.token("leicester", &[CFM, "dcro", "investigating_officer", "frontline"], "lcfm");
        for (action, args) in ACTIONS {
            let refused = app.act(&other, action, &id, arguments(args, json!({}))).await;
            assert_eq!(refused.code(), "NOT_FOUND", "{action}: {}", refused.body);
        }
        for (mutation, remedy) in [
            (APPROVE, remedy_id(&seen, "GOODWILL_PAYMENT")),
            (COMPLETE_REMEDY, remedy_id(&seen, "APOLOGY")),
        ] {
            let refused = app.graphql(Some(&other), mutation, json!({ "r": remedy })).await;
            assert_eq!(refused.code(), "NOT_FOUND", "{mutation}: {}", refused.body);
        }
        let refused = app.graphql(Some(&other), REMEDY, json!({
            "id": id, "i": { "kind": "APOLOGY", "description": "Not theirs" },
        })).await;
        assert_eq!(refused.code(), "NOT_FOUND", "{}", refused.body);
        let refused = app.graphql(Some(&other), REVIEW, json!({
            "d": designation, "i": { "outcome": "END", "notes": "Not theirs" },
        })).await;
        assert_eq!(refused.code(), "NOT_FOUND", "{}", refused.body);
        let refused = app.graphql(Some(&other), DESIGNATE, json!({
            "c": customer,
            "i": { "level": "WARNING", "behaviour": "b", "requiredChange": "c",
                   "changeBy": "2027-02-15", "letterDate": "2027-01-15" },
        })).await;
        assert_eq!(refused.code(), "NOT_FOUND", "{}", refused.body);
        let refused = app.graphql(Some(&other), LINK, json!({ "c": customer, "s": "their-portal-account" })).await;
        assert_eq!(refused.code(), "NOT_FOUND", "{}", refused.body);
        // Reading another council's customer finds nothing of theirs.
        let read = app.graphql(Some(&other), DESIGNATIONS, json!({ "c": customer })).await;
        assert_eq!(read.data()["persistentDesignations"], json!([]));

        // Subscriptions narrowed to a case are refused the same way.
        for query in [
            "subscription($id: ID) { caseUpdates(caseId: $id) { caseId } }",
            "subscription($id: ID) { deadlineBreaches(caseId: $id) { caseId } }",
        ] {
            let errors = subscription_errors(&app, &other, query, json!({ "id": id })).await;
            assert_eq!(errors[0]["extensions"]["code"], "NOT_FOUND", "{query}: {errors}");
        }

        assert_eq!(everything(&app, &id).await, before, "a refused call wrote something");
        let after = app.graphql(Some(&leeds), DESIGNATIONS, json!({ "c": customer })).await.data().clone();
        assert_eq!(after, designations);
    }

    async fn policy_changes_are_forbidden_without_policy_admin(app: TestApp) {
        let source = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/leeds.rhai"),
        ).unwrap();
        let admin = app.token("leeds", &["policy_admin"], "pat");
        let before = app.graphql(Some(&admin), POLICY, json!({})).await.data().clone();
        assert_eq!(before["policy"]["active"]["version"], 1, "{before}");
        let calls = [
            ("validatePolicy", "mutation($s: String!) { validatePolicy(source: $s) { ok } }", json!({ "s": source })),
            ("previewPolicy", "mutation($s: String!, $c: LogContactInput!) { previewPolicy(source: $s, contact: $c) { inScope } }",
                json!({ "s": source, "c": complaint_input("Preview") })),
            ("publishPolicy", "mutation($s: String!) { publishPolicy(source: $s, note: \"n\") { version } }", json!({ "s": source })),
            ("rollbackPolicy", "mutation { rollbackPolicy(version: 1) { version } }", json!({})),
            ("policyImpact", "query($s: String!) { policyImpact(source: $s) { ok } }", json!({ "s": source })),
        ];
        let roles = ["customer", "frontline", "investigating_officer", "dcro", CFM, "councillor"];
        for role in roles {
            let token = app.token("leeds", &[role], "someone");
            for (name, query, vars) in &calls {
                let refused = app.graphql(Some(&token), query, vars.clone()).await;
                assert_eq!(refused.code(), "FORBIDDEN", "{role} {name}: {}", refused.body);
            }
        }
        // Every staff role at once is still not a policy administrator.
        let everyone = app.token("leeds", &roles, "everyone");
        for (name, query, vars) in &calls {
            let refused = app.graphql(Some(&everyone), query, vars.clone()).await;
            assert_eq!(refused.code(), "FORBIDDEN", "{name}: {}", refused.body);
        }
        assert_eq!(app.graphql(Some(&admin), POLICY, json!({})).await.data(), &before);

        // The policy administrator may.
        let valid = app.graphql(Some(&admin), calls[0].1, calls[0].2.clone()).await;
        assert_eq!(valid.data()["validatePolicy"]["ok"], true);
    }
}
