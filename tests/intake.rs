//! Logging contacts through GraphQL, and every way the input can be wrong.

mod common;

use common::*;
use serde_json::{Value, json};

on_both_databases! {
    async fn a_complaint_is_logged_with_reference_customer_and_timeline(app: TestApp) {
        let case = app.log_complaint("leeds", "Missed bin").await;
        let year = &NOW[..4];
        assert_eq!(case["reference"], format!("LEE-{year}-000001"));
        assert_eq!(case["kind"], "COMPLAINT");
        assert_eq!(case["stage"], "STAGE_1");
        assert_eq!(case["status"], "RECEIVED");
        assert_eq!(case["receivedAt"], "2026-11-20T10:00:00+00:00");
        assert_eq!(case["version"], 1);
        assert_eq!(case["overdue"], true, "its acknowledgement was due in November 2026");
        assert_eq!(case["service"]["slug"], "waste");
        assert_eq!(case["customer"]["email"], "ann@example.org");
        assert_eq!(case["customer"]["preferredChannel"], "EMAIL");
        // Leeds para 13 and 16, received Friday 2026-11-20: acknowledged
        // within 3 and answered within 15 working days of receipt.
        assert_eq!(case["acknowledgeBy"], "2026-11-25");
        assert_eq!(case["respondBy"], "2026-12-11");
        assert!(case["deadlines"].as_array().unwrap().iter().all(|d| d["policyVersion"] == 1));
        let timeline = case["timeline"].as_array().unwrap();
        assert_eq!(timeline.len(), 1);
        assert_eq!(timeline[0]["seq"], 1);
        assert_eq!(timeline[0]["kind"], "CONTACT_LOGGED");
        assert_eq!(timeline[0]["actorSubject"], "frontline-officer");
        assert_eq!(timeline[0]["actorRole"], "frontline");

        let second = app.log_complaint("leeds", "Another").await;
        assert_eq!(second["reference"], format!("LEE-{year}-000002"));
        // Each council numbers its own cases.
        let other = app.log_complaint("leicester", "Pothole").await;
        assert_eq!(other["reference"], format!("LEI-{year}-000001"));
    }

    async fn compliments_and_comments_have_no_stage(app: TestApp) {
        let token = app.token("east-cambridgeshire", &["frontline"], "fo");
        for kind in ["COMPLIMENT", "COMMENT", "SUGGESTION"] {
            let mut input = complaint_input("Thank you");
            input["kind"] = json!(kind);
            let case = app.graphql(Some(&token), LOG_CONTACT, json!({ "input": input })).await;
            let case = &case.data()["logContact"];
            assert_eq!(case["kind"], kind);
            assert!(case["stage"].is_null(), "{kind} has no stage");
        }
    }

    async fn anonymous_contacts_are_recorded_without_identity(app: TestApp) {
        let token = app.token("leeds", &["frontline"], "fo");
        let mut input = complaint_input("Fly-tipping behind the shops");
        input["anonymous"] = json!(true);
        input.as_object_mut().unwrap().remove("customer");
        let case = app.graphql(Some(&token), LOG_CONTACT, json!({ "input": input })).await;
        let case = &case.data()["logContact"];
        assert_eq!(case["anonymous"], true);
        assert!(case["customer"].is_null());
    }

    async fn a_customer_logs_under_their_own_record_and_sees_only_their_cases(app: TestApp) {
        let ann = app.token("leeds", &["customer"], "portal-ann");
        let bob = app.token("leeds", &["customer"], "portal-bob");
        let mut input = sent_by_themselves("My complaint");
        input["customer"] = json!({ "name": "Ann", "email": "ann@example.org" });
        let mine = app.graphql(Some(&ann), LOG_CONTACT, json!({ "input": input.clone() })).await;
        let mine = mine.data()["logContact"]["id"].as_str().unwrap().to_owned();
        app.graphql(Some(&bob), LOG_CONTACT, json!({ "input": input })).await.data();
        app.log_complaint("leeds", "Staff-logged case").await;

        let list = app.graphql(Some(&ann), "{ cases { totalCount edges { node { id } } } }", json!({})).await;
        assert_eq!(list.data()["cases"]["totalCount"], 1);
        assert_eq!(list.data()["cases"]["edges"][0]["node"]["id"], mine);
        let theirs = app.graphql(Some(&bob), "query($id: ID!) { case(id: $id) { id } }", json!({ "id": mine })).await;
        assert_eq!(theirs.code(), "NOT_FOUND");
        let anonymous = {
            let mut i = sent_by_themselves("x");
            i["anonymous"] = json!(true);
            i.as_object_mut().unwrap().remove("customer");
            i
        };
        let refused = app.graphql(Some(&ann), LOG_CONTACT, json!({ "input": anonymous })).await;
        assert_eq!(refused.code(), "BAD_USER_INPUT");
    }

    async fn a_councillor_raises_and_follows_a_case_without_personal_details(app: TestApp) {
        let cllr = app.token("leicester", &["councillor"], "cllr-patel");
        let input = sent_by_themselves("Constituent's bins");
        let raised = app.graphql(Some(&cllr), LOG_CONTACT, json!({ "input": input })).await;
        let raised = &raised.data()["logContact"];
        assert_eq!(raised["channel"], "COUNCILLOR");
        assert_eq!(raised["viaCouncillor"], "cllr-patel", "the member who logged it");
        assert_eq!(raised["respondToCouncillor"], true);
        assert!(raised["customer"].is_null(), "councillors do not see the complainant");
        assert!(raised["description"].is_null());
        let reference = raised["reference"].as_str().unwrap();

        app.log_complaint("leicester", "Someone else's case").await;
        let list = app.graphql(Some(&cllr), "{ cases { totalCount edges { node { reference status customer { name } } } } }", json!({})).await;
        assert_eq!(list.data()["cases"]["totalCount"], 1);
        assert_eq!(list.data()["cases"]["edges"][0]["node"]["reference"], reference);
        assert!(list.data()["cases"]["edges"][0]["node"]["customer"].is_null());
        let staff = app.token("leicester", &["dcro"], "d");
        let full = app.graphql(Some(&staff), "query($r: String!) { caseByReference(reference: $r) { customer { name } description } }", json!({ "r": reference })).await;
        assert_eq!(full.data()["caseByReference"]["customer"]["name"], "Ann Example");
    }

    async fn bad_input_is_refused_with_the_field_and_writes_nothing(app: TestApp) {
        let token = app.token("leeds", &["frontline"], "fo");
        let future = "2027-06-03T09:00:00Z";
        let cases: Vec<(&str, Value, &str)> = vec![
            ("receivedAt in the future", json!({ "receivedAt": future }), "receivedAt"),
            ("empty subject", json!({ "subject": "   " }), "subject"),
            ("oversized description", json!({ "description": "x".repeat(20_001) }), "description"),
            ("unknown service", json!({ "service": "space-programme" }), "service"),
            ("councillor channel without the member", json!({ "channel": "COUNCILLOR" }), "viaCouncillor"),
            ("anonymous with identity", json!({ "anonymous": true }), "anonymous"),
            ("malformed email", json!({ "customer": { "email": "ann-at-example" } }), "customer.email"),
        ];
        for (what, change, field) in cases {
            let mut input = complaint_input("Bad");
            input.as_object_mut().unwrap().extend(change.as_object().unwrap().clone());
            let response = app.graphql(Some(&token), LOG_CONTACT, json!({ "input": input })).await;
            assert_eq!(response.code(), "BAD_USER_INPUT", "{what}: {}", response.body);
            assert_eq!(response.field(), Some(field), "{what}");
        }
        let type_errors: Vec<(&str, Value)> = vec![
            ("unknown kind", json!({ "kind": "RANT" })),
            ("unknown channel", json!({ "channel": "PIGEON" })),
            ("impossible date", json!({ "receivedAt": "2026-02-30T10:00:00Z" })),
            ("not a date", json!({ "receivedAt": "yesterday" })),
            ("number for subject", json!({ "subject": 42 })),
        ];
        for (what, change) in type_errors {
            let mut input = complaint_input("Bad");
            input.as_object_mut().unwrap().extend(change.as_object().unwrap().clone());
            let response = app.graphql(Some(&token), LOG_CONTACT, json!({ "input": input })).await;
            assert_eq!(response.code(), "BAD_USER_INPUT", "{what}: {}", response.body);
        }
        assert_eq!(app.case_count("leeds").await, 0);
        // Refused intakes took no number: the next one is still the first.
        let case = app.log_complaint("leeds", "Good").await;
        assert!(case["reference"].as_str().unwrap().ends_with("-000001"));
    }
}
