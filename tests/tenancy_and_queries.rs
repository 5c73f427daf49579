//! Reading cases: tenant isolation, filters and Relay pagination.

mod common;

use common::*;
use serde_json::json;

const BY_ID: &str = "query($id: ID!) { case(id: $id) { id reference } }";
const BY_REF: &str = "query($r: String!) { caseByReference(reference: $r) { id } }";

on_both_databases! {
    async fn another_councils_cases_are_not_found(app: TestApp) {
        let leeds_case = app.log_complaint("leeds", "Leeds only").await;
        let id = leeds_case["id"].as_str().unwrap();
        let reference = leeds_case["reference"].as_str().unwrap();
        let norfolk = app.token("north-norfolk", &["customer_feedback_manager", "dcro"], "nn");

        let by_id = app.graphql(Some(&norfolk), BY_ID, json!({ "id": id })).await;
        assert_eq!(by_id.code(), "NOT_FOUND");
        assert!(by_id.body["data"].is_null() || by_id.body["data"]["case"].is_null());
        let by_ref = app.graphql(Some(&norfolk), BY_REF, json!({ "r": reference })).await;
        assert_eq!(by_ref.code(), "NOT_FOUND");
        let list = app.graphql(Some(&norfolk), "{ cases { totalCount edges { node { id } } } }", json!({})).await;
        assert_eq!(list.data()["cases"]["totalCount"], 0);

        let leeds = app.token("leeds", &["frontline"], "fo");
        let found = app.graphql(Some(&leeds), BY_ID, json!({ "id": id })).await;
        assert_eq!(found.data()["case"]["reference"], reference);
        let lower = app.graphql(Some(&leeds), BY_REF, json!({ "r": reference.to_lowercase() })).await;
        assert_eq!(lower.data()["caseByReference"]["id"], id);
        let malformed = app.graphql(Some(&leeds), BY_ID, json!({ "id": "not-a-uuid" })).await;
        assert_eq!(malformed.code(), "BAD_USER_INPUT");
    }

    async fn the_list_pages_newest_first_and_filters(app: TestApp) {
        let token = app.token("leeds", &["frontline"], "fo");
        let mut refs = Vec::new();
        for day in 1..=5 {
            let mut input = complaint_input(&format!("Complaint {day}"));
            input["receivedAt"] = json!(format!("2026-11-0{day}T09:00:00Z"));
            let case = app.graphql(Some(&token), LOG_CONTACT, json!({ "input": input })).await;
            refs.push(case.data()["logContact"]["reference"].as_str().unwrap().to_owned());
        }
        let mut compliment = complaint_input("Lovely staff");
        compliment["kind"] = json!("COMPLIMENT");
        compliment["service"] = json!("housing");
        compliment["receivedAt"] = json!("2026-10-15T09:00:00Z");
        app.graphql(Some(&token), LOG_CONTACT, json!({ "input": compliment })).await.data();

        const PAGE: &str = "query($after: String, $filter: CaseFilter) { cases(first: 2, after: $after, filter: $filter) { totalCount edges { cursor node { reference kind } } pageInfo { hasNextPage hasPreviousPage endCursor } } }";
        let mut seen = Vec::new();
        let mut after = serde_json::Value::Null;
        loop {
            let page = app.graphql(Some(&token), PAGE, json!({ "after": after })).await;
            let cases = &page.data()["cases"];
            assert_eq!(cases["totalCount"], 6);
            for edge in cases["edges"].as_array().unwrap() {
                seen.push(edge["node"]["reference"].as_str().unwrap().to_owned());
            }
            if !cases["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                break;
            }
            after = cases["pageInfo"]["endCursor"].clone();
        }
        let mut newest_first = refs.clone();
        newest_first.reverse();
        assert_eq!(&seen[..5], &newest_first[..], "complaints newest received first");
        assert_eq!(seen.len(), 6, "every case exactly once");

        // Deadline fields in a list come from one query for the whole page.
        let with_deadlines = app.graphql(Some(&token), "{ cases(first: 3) { edges { node { reference respondBy acknowledgeBy deadlines { kind } } } } }", json!({})).await;
        let newest = &with_deadlines.data()["cases"]["edges"][0]["node"];
        assert_eq!(newest["reference"], refs[4]);
        assert_eq!(newest["respondBy"], "2026-11-26", "Leeds para 16: 15 working days after Thursday 5 November");
        assert_eq!(newest["acknowledgeBy"], "2026-11-10", "Leeds para 13: 3 working days");
        assert_eq!(newest["deadlines"].as_array().unwrap().len(), 2);

        let filter = |f: serde_json::Value| json!({ "after": null, "filter": f });
        let complaints = app.graphql(Some(&token), PAGE, filter(json!({ "kinds": ["COMPLAINT"] }))).await;
        assert_eq!(complaints.data()["cases"]["totalCount"], 5);
        let housing = app.graphql(Some(&token), PAGE, filter(json!({ "service": "housing" }))).await;
        assert_eq!(housing.data()["cases"]["totalCount"], 1);
        let window = app.graphql(Some(&token), PAGE, filter(json!({ "receivedFrom": "2026-11-02T00:00:00Z", "receivedTo": "2026-11-04T00:00:00Z" }))).await;
        assert_eq!(window.data()["cases"]["totalCount"], 2);
        let stage = app.graphql(Some(&token), PAGE, filter(json!({ "stages": ["STAGE_1"], "statuses": ["RECEIVED"] }))).await;
        assert_eq!(stage.data()["cases"]["totalCount"], 5);
        let mine = app.graphql(Some(&token), PAGE, filter(json!({ "assignedToMe": true }))).await;
        assert_eq!(mine.data()["cases"]["totalCount"], 0, "nothing is assigned yet");
        // Received in early November and never acknowledged: every Leeds
        // acknowledgement deadline (3 working days; 10 for written
        // compliments) has passed.
        let overdue = app.graphql(Some(&token), PAGE, filter(json!({ "overdue": true }))).await;
        assert_eq!(overdue.data()["cases"]["totalCount"], 6);
        let not_overdue = app.graphql(Some(&token), PAGE, filter(json!({ "overdue": false }))).await;
        assert_eq!(not_overdue.data()["cases"]["totalCount"], 0);

        let unknown = app.graphql(Some(&token), PAGE, filter(json!({ "service": "nope" }))).await;
        assert_eq!(unknown.code(), "BAD_USER_INPUT");
        let bad_cursor = app.graphql(Some(&token), PAGE, json!({ "after": "bm90LWEtY3Vyc29y" })).await;
        assert_eq!(bad_cursor.code(), "BAD_USER_INPUT");
        for first in [0, 101, -1] {
            let response = app.graphql(Some(&token), "query($n: Int) { cases(first: $n) { totalCount } }", json!({ "n": first })).await;
            assert_eq!(response.code(), "BAD_USER_INPUT", "first: {first}");
        }
    }

    async fn a_list_tells_each_cases_open_dates_as_the_case_does(app: TestApp) {
        let staff = app.token("leeds", &["customer_feedback_manager"], "cfm");
        let open = app.logged("leeds", complaint_input("Still open")).await;
        let acknowledged = app.logged("leeds", complaint_input("Acknowledged")).await;
        app.acted(&staff, "acknowledgeCase", acknowledged["id"].as_str().unwrap(), json!({ "at": "2026-11-23T10:00:00Z" })).await;
        let closed = app.answered_and_closed(&staff, "Answered and closed").await;

        // No deadline rows selected: the open dates come with the page.
        const LIST: &str = "{ cases(first: 10) { edges { node { id acknowledgeBy respondBy escalateBy overdue due: respondBy } } } }";
        let list = app.graphql(Some(&staff), LIST, json!({})).await;
        let nodes: Vec<_> = list.data()["cases"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect();
        assert_eq!(nodes.len(), 3);
        for node in &nodes {
            let case = app.case("leeds", node["id"].as_str().unwrap()).await;
            for field in ["acknowledgeBy", "respondBy", "escalateBy", "overdue"] {
                assert_eq!(node[field], case[field], "{field} of {}", case["reference"]);
            }
            assert_eq!(node["due"], node["respondBy"]);
        }
        let node = |id: &serde_json::Value| nodes.iter().find(|n| n["id"] == *id).unwrap().clone();
        // The same page with its cases under `nodes`, deadline rows too.
        const NODES: &str = "{ cases(first: 10) { nodes { id acknowledgeBy respondBy escalateBy overdue deadlines { kind due metAt } } } }";
        let by_nodes = app.graphql(Some(&staff), NODES, json!({})).await;
        let by_nodes = by_nodes.data()["cases"]["nodes"].as_array().unwrap().clone();
        assert_eq!(by_nodes.len(), 3);
        for listed in &by_nodes {
            let edge = node(&listed["id"]);
            for field in ["acknowledgeBy", "respondBy", "escalateBy", "overdue"] {
                assert_eq!(listed[field], edge[field], "{field} under nodes: {listed}");
            }
            assert!(!listed["deadlines"].as_array().unwrap().is_empty(), "{listed}");
        }
        let (open, acknowledged, closed) = (node(&open["id"]), node(&acknowledged["id"]), node(&closed["id"]));
        assert!(open["acknowledgeBy"].is_string() && open["respondBy"].is_string() && open["escalateBy"].is_null(), "{open}");
        assert!(acknowledged["acknowledgeBy"].is_null() && acknowledged["respondBy"].is_string(), "met deadlines are not shown: {acknowledged}");
        assert!(closed["respondBy"].is_null() && closed["escalateBy"].is_string(), "only the escalation window runs: {closed}");
    }
}
