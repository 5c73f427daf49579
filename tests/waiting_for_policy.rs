//! A contact the council's policy fails on is stored, numbered and flagged,
//! listed for the people who fix it, and decided when a working version is
//! published, counting from its original receipt.

mod common;

use common::*;
use serde_json::{Value, json};

const LEEDS: &str = "leeds";
const SHIPPED: &str = include_str!("../policies/leeds.rhai");
const PUBLISH: &str = "mutation($s: String!) { publishPolicy(source: $s) { version active } }";
const PROBLEM: &str = "no rule yet for phone and councillor contacts";

/// Leeds' script with an `intake` that throws for phone and councillor
/// contacts about waste (the publish dry run gives no service, so it passes).
fn failing_leeds() -> String {
    let head = "fn intake(contact) {\n";
    assert!(SHIPPED.contains(head));
    SHIPPED.replacen(
        head,
        &format!(
            "{head}    if (contact.channel == \"phone\" || contact.channel == \"councillor\") && contact.service == \"waste\" {{ throw \"{PROBLEM}\"; }}\n"
        ),
        1,
    )
}

fn case_query() -> String {
    format!("query($id: ID!) {{ case(id: $id) {{ awaitingPolicy {CASE_FIELDS} }} }}")
}

async fn log(app: &TestApp, token: &str, input: Value) -> Value {
    let query = format!(
        "mutation($input: LogContactInput!) {{ logContact(input: $input) {{ awaitingPolicy {CASE_FIELDS} }} }}"
    );
    app.graphql(Some(token), &query, json!({ "input": input }))
        .await
        .data()["logContact"]
        .clone()
}

fn seq(case: &Value) -> u64 {
    case["reference"]
        .as_str()
        .unwrap()
        .rsplit('-')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn mentions_problem(value: &Value) -> bool {
    value.to_string().contains(PROBLEM)
}

on_both_databases! {
    async fn a_contact_the_policy_fails_on_waits_and_is_decided_by_the_next_version(app: TestApp) {
        let admin = app.token(LEEDS, &["policy_admin"], "pat");
        let dcro = app.token(LEEDS, &["dcro"], "dcro-1");
        let frontline = app.token(LEEDS, &["frontline"], "csa-1");
        let councillor = app.token(LEEDS, &["councillor"], "cllr-1");

        let published = app.graphql(Some(&admin), PUBLISH, json!({ "s": failing_leeds() })).await;
        assert_eq!(published.data()["publishPolicy"]["version"], 2);

        // Received Monday 2 November 2026 (no bank holiday before the 23rd).
        let email = log(&app, &frontline, complaint_on("2026-11-02", "Missed bin by email")).await;
        assert_eq!(email["awaitingPolicy"], false);
        assert_eq!(due(&email, "ACKNOWLEDGE"), "2026-11-05");
        assert_eq!(timeline_kinds(&email), ["CONTACT_LOGGED"]);

        let mut by_phone = complaint_on("2026-11-02", "Missed bin by phone");
        by_phone["channel"] = json!("PHONE");
        let phone = log(&app, &frontline, by_phone).await;
        let phone_id = phone["id"].as_str().unwrap().to_owned();
        assert_eq!(seq(&phone), seq(&email) + 1, "numbered as usual");
        assert_eq!(phone["awaitingPolicy"], true);
        assert_eq!(phone["deadlines"], json!([]), "no invented deadlines");
        assert_eq!(phone["acknowledgeBy"], Value::Null);
        assert_eq!(phone["respondBy"], Value::Null);
        assert_eq!(phone["status"], "RECEIVED");
        assert_eq!(timeline_kinds(&phone), ["CONTACT_LOGGED", "POLICY_FAILED"]);
        let failed = &phone["timeline"][1];
        assert!(mentions_problem(&failed["summary"]), "{failed}");
        assert_eq!(failed["data"]["policyVersion"], 2);

        // The councillor's own contact fails too; they never see why.
        let raised = log(&app, &councillor, sent_by_themselves("Missed bin on my ward")).await;
        assert_eq!(raised["awaitingPolicy"], true);
        assert_eq!(seq(&raised), seq(&phone) + 1);
        let raised_id = raised["id"].as_str().unwrap().to_owned();
        assert!(!mentions_problem(&raised), "{raised}");
        assert_eq!(timeline_kinds(&raised), ["CONTACT_LOGGED"]);
        let seen = app.graphql(Some(&councillor), &case_query(), json!({ "id": raised_id })).await;
        assert!(!mentions_problem(seen.data()), "{}", seen.data());
        assert_eq!(timeline_kinds(&seen.data()["case"]), ["CONTACT_LOGGED"]);

        // The DCRO and the policy admin list them, with the script's error.
        let list = "{ casesAwaitingPolicy { id reference receivedAt policyVersion problem } }";
        for token in [&dcro, &admin] {
            let waiting = app.graphql(Some(token), list, json!({})).await;
            let rows = waiting.data()["casesAwaitingPolicy"].as_array().unwrap().clone();
            assert_eq!(rows.len(), 2, "{rows:?}");
            assert_eq!(rows[0]["reference"], phone["reference"]);
            assert!(rows[0]["receivedAt"].as_str().unwrap().starts_with("2026-11-02T10:00:00"));
            assert_eq!(rows[0]["policyVersion"], 2);
            assert!(mentions_problem(&rows[0]["problem"]));
            assert_eq!(rows[1]["id"], raised["id"]);
        }
        let refused = app.graphql(Some(&frontline), list, json!({})).await;
        assert_eq!(refused.code(), "FORBIDDEN");
        let refused = app.graphql(Some(&councillor), list, json!({})).await;
        assert_eq!(refused.code(), "FORBIDDEN");
        let filtered = app
            .graphql(Some(&dcro), "{ cases(filter: { awaitingPolicy: true }) { totalCount } }", json!({}))
            .await;
        assert_eq!(filtered.data()["cases"]["totalCount"], 2);

        // A fixed version decides them, counting from the original receipt:
        // 3 and 15 working days after Monday 2 November (paras 13 and 16).
        let fixed = app.graphql(Some(&admin), PUBLISH, json!({ "s": SHIPPED })).await;
        assert_eq!(fixed.data()["publishPolicy"]["version"], 3);
        let decided = app.graphql(Some(&dcro), &case_query(), json!({ "id": phone_id })).await;
        let decided = &decided.data()["case"];
        assert_eq!(decided["awaitingPolicy"], false);
        assert_eq!(decided["stage"], "STAGE_1");
        assert_eq!(due(decided, "ACKNOWLEDGE"), "2026-11-05");
        assert_eq!(due(decided, "RESPOND"), "2026-11-23");
        assert_eq!(decided["acknowledgeBy"], "2026-11-05");
        assert_eq!(decided["respondBy"], "2026-11-23");
        assert!(decided["deadlines"].as_array().unwrap().iter().all(|d| d["policyVersion"] == 3));
        assert_eq!(decided["version"].as_i64().unwrap(), phone["version"].as_i64().unwrap() + 1);
        assert_eq!(
            timeline_kinds(decided),
            ["CONTACT_LOGGED", "POLICY_FAILED", "POLICY_DECIDED"]
        );
        assert_eq!(decided["reference"], phone["reference"], "keeps its number");

        let seen = app.graphql(Some(&councillor), &case_query(), json!({ "id": raised["id"] })).await;
        let seen = &seen.data()["case"];
        assert_eq!(seen["awaitingPolicy"], false);
        assert_eq!(timeline_kinds(seen), ["CONTACT_LOGGED", "POLICY_DECIDED"]);
        assert!(!mentions_problem(seen), "{seen}");

        let waiting = app.graphql(Some(&dcro), list, json!({})).await;
        assert_eq!(waiting.data()["casesAwaitingPolicy"], json!([]));

        // References stay gap-free around and after the waiting cases.
        let after = log(&app, &frontline, complaint_on("2026-11-03", "Another missed bin")).await;
        assert_eq!(seq(&after), seq(&raised) + 1);
        let refs = app
            .graphql(Some(&dcro), "{ cases(first: 100) { edges { node { reference } } } }", json!({}))
            .await;
        let mut numbers: Vec<u64> = refs.data()["cases"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| seq(&e["node"]))
            .collect();
        numbers.sort();
        assert_eq!(numbers, (1..=numbers.len() as u64).collect::<Vec<_>>());
    }

    async fn a_version_that_still_fails_leaves_the_case_waiting(app: TestApp) {
        let admin = app.token(LEEDS, &["policy_admin"], "pat");
        let frontline = app.token(LEEDS, &["frontline"], "csa-1");
        let dcro = app.token(LEEDS, &["dcro"], "dcro-1");
        let published = app.graphql(Some(&admin), PUBLISH, json!({ "s": failing_leeds() })).await;
        assert_eq!(published.data()["publishPolicy"]["version"], 2);
        let mut by_phone = complaint_on("2026-11-02", "Missed bin by phone");
        by_phone["channel"] = json!("PHONE");
        let phone = log(&app, &frontline, by_phone).await;
        assert_eq!(phone["awaitingPolicy"], true);

        // Still broken for phone contacts, only reworded.
        let still = failing_leeds().replace("fn intake(contact) {\n", "fn intake(contact) {\n    // v3\n");
        let again = app.graphql(Some(&admin), PUBLISH, json!({ "s": still })).await;
        assert_eq!(again.data()["publishPolicy"]["version"], 3);
        let case = app.graphql(Some(&dcro), &case_query(), json!({ "id": phone["id"] })).await;
        let case = &case.data()["case"];
        assert_eq!(case["awaitingPolicy"], true);
        assert_eq!(case["deadlines"], json!([]));
        assert_eq!(case["version"], phone["version"], "nothing written");
        assert_eq!(timeline_kinds(case), ["CONTACT_LOGGED", "POLICY_FAILED"]);

        // Rolling back to the shipped version decides it.
        let rolled = app
            .graphql(Some(&admin), "mutation { rollbackPolicy(version: 1) { version } }", json!({}))
            .await;
        assert_eq!(rolled.data()["rollbackPolicy"]["version"], 4);
        let case = app.graphql(Some(&dcro), &case_query(), json!({ "id": phone["id"] })).await;
        let case = &case.data()["case"];
        assert_eq!(case["awaitingPolicy"], false);
        assert_eq!(due(case, "RESPOND"), "2026-11-23");
    }
}
