//! Persistent and unreasonably persistent complainants: decisions on the
//! customer with review dates from the council's policy, reviews, and a
//! restricted customer's new contact routed and checked before any reply.

mod common;

use common::*;
use serde_json::{Value, json};

const LOG: &str = "mutation($input: LogContactInput!) { logContact(input: $input) { id version restrictedCustomer assignee { subject } customer { id } requirements { key label blocks metAt } } }";
const DESIGNATE: &str = "mutation($c: ID!, $i: DesignationInput!) { designatePersistentComplainant(customerId: $c, input: $i) { id level behaviour requiredChange changeBy letterDate reviewBy policyVersion decidedBy active writtenContactOnly noReplyOnSettledIssues singlePointOfContact { subject } } }";
const REVIEW: &str = "mutation($d: ID!, $i: DesignationReviewInput!) { reviewPersistentDesignation(designationId: $d, input: $i) { id level reviewBy active endedAt policyVersion singlePointOfContact { subject } writtenContactOnly reviews { outcome notes reviewedBy nextReviewBy } } }";
const DESIGNATIONS: &str = "query($c: ID!) { persistentDesignations(customerId: $c) { id level active reviewBy reviews { outcome } } }";
const DUE: &str = "query($on: Date) { designationsDueForReview(on: $on) { id reviewBy } }";
const ACK: &str = "mutation($id: ID!, $v: Int) { acknowledgeCase(caseId: $id, expectedVersion: $v) { status version } }";
const COMPLETE: &str = "mutation($id: ID!, $k: String!, $v: Int, $n: String) { completeRequirement(caseId: $id, key: $k, expectedVersion: $v, note: $n) { version requirements { key metAt metBy } timeline { kind actorSubject summary data } } }";
const CASE: &str = "query($id: ID!) { case(id: $id) { version restrictedCustomer requirements { key metAt } timeline { kind } customer { persistentDesignation { level reviewBy reviews { outcome } } } } }";

/// Logs a complaint from Ann as frontline staff; returns the case.
async fn complaint_from_ann(app: &TestApp, council: &str) -> Value {
    app.record_officer(council, "sam").await;
    let token = app.token(council, &["frontline"], "fo");
    app.graphql(
        Some(&token),
        LOG,
        json!({ "input": complaint_input("Missed bin again") }),
    )
    .await
    .data()["logContact"]
        .clone()
}

fn warning() -> Value {
    json!({
        "level": "WARNING",
        "behaviour": "Daily calls repeating the same complaint to several officers",
        "requiredChange": "Contact the council about this matter in writing, once a week at most",
        "changeBy": "2027-02-15",
        "letterDate": "2027-01-15",
    })
}

fn restricted(spoc: &str) -> Value {
    json!({
        "level": "RESTRICTED",
        "behaviour": "The change asked for in the warning letter was not made",
        "restrictions": { "singlePointOfContact": spoc, "writtenContactOnly": true, "noReplyOnSettledIssues": true },
        "letterDate": "2027-03-01",
    })
}

async fn designations(app: &TestApp, customer: &str) -> Vec<Value> {
    let token = app.token("leeds", &["dcro"], "dee");
    app.graphql(Some(&token), DESIGNATIONS, json!({ "c": customer }))
        .await
        .data()["persistentDesignations"]
        .as_array()
        .unwrap()
        .clone()
}

on_both_databases! {
    async fn leeds_reviews_a_designation_within_six_months_of_the_letter(app: TestApp) {
        let case = complaint_from_ann(&app, "leeds").await;
        let customer = case["customer"]["id"].as_str().unwrap().to_owned();
        let dcro = app.token("leeds", &["dcro"], "dee");
        let settled = complaint_from_ann(&app, "leeds").await;
        assert_eq!(settled["customer"]["id"], customer.as_str());
        app.act(&dcro, "withdrawCase", settled["id"].as_str().unwrap(), json!({})).await.data();

        let made = app.graphql(Some(&dcro), DESIGNATE, json!({ "c": customer, "i": warning() })).await;
        let made = &made.data()["designatePersistentComplainant"];
        assert_eq!(made["level"], "WARNING");
        assert_eq!(made["letterDate"], "2027-01-15");
        assert_eq!(made["changeBy"], "2027-02-15");
        assert_eq!(made["reviewBy"], "2027-07-15", "paras 55-56: six months after the letter");
        assert_eq!(made["policyVersion"], 1);
        assert_eq!(made["decidedBy"], "dee");
        assert_eq!(made["active"], true);
        let id = made["id"].as_str().unwrap().to_owned();

        // On the customer, as staff see them from any of their cases.
        let seen = app.graphql(Some(&dcro), CASE, json!({ "id": case["id"] })).await;
        assert_eq!(seen.data()["case"]["customer"]["persistentDesignation"]["reviewBy"], "2027-07-15");
        let due = app.graphql(Some(&dcro), DUE, json!({ "on": "2027-07-15" })).await;
        assert_eq!(due.data()["designationsDueForReview"], json!([{ "id": id, "reviewBy": "2027-07-15" }]));
        let not_yet = app.graphql(Some(&dcro), DUE, json!({ "on": "2027-07-14" })).await;
        assert_eq!(not_yet.data()["designationsDueForReview"], json!([]));

        // One designation in force at a time.
        let second = app.graphql(Some(&dcro), DESIGNATE, json!({ "c": customer, "i": warning() })).await;
        assert_eq!((second.code(), second.field()), ("BAD_USER_INPUT", Some("customerId")));

        // Continuing moves the next review to six months after the review letter.
        let cfm = app.token("leeds", &["customer_feedback_manager"], "cfm");
        let continued = app.graphql(Some(&cfm), REVIEW, json!({ "d": id, "i": { "outcome": "CONTINUE", "notes": "Calls reduced but not stopped", "at": "2027-05-20T10:00:00Z" } })).await;
        let continued = &continued.data()["reviewPersistentDesignation"];
        assert_eq!(continued["reviewBy"], "2027-11-20");
        assert_eq!(continued["active"], true);
        assert_eq!(continued["reviews"], json!([{ "outcome": "CONTINUE", "notes": "Calls reduced but not stopped", "reviewedBy": "cfm", "nextReviewBy": "2027-11-20" }]));
        let due = app.graphql(Some(&dcro), DUE, json!({ "on": "2027-07-15" })).await;
        assert_eq!(due.data()["designationsDueForReview"], json!([]));

        let ended = app.graphql(Some(&dcro), REVIEW, json!({ "d": id, "i": { "outcome": "END", "notes": "Behaviour changed" } })).await;
        let ended = &ended.data()["reviewPersistentDesignation"];
        assert_eq!(ended["active"], false);
        assert!(ended["endedAt"].as_str().unwrap().starts_with("2027-06-01"));
        assert_eq!(ended["reviews"][1], json!({ "outcome": "END", "notes": "Behaviour changed", "reviewedBy": "dee", "nextReviewBy": null }));
        let again = app.graphql(Some(&dcro), REVIEW, json!({ "d": id, "i": { "outcome": "CONTINUE" } })).await;
        assert_eq!(again.code(), "BAD_USER_INPUT");

        // Each decision is on the timeline of the customer's open case, not
        // on the one already finished; the case itself is unchanged.
        let open = app.case("leeds", case["id"].as_str().unwrap()).await;
        assert_eq!(timeline_kinds(&open), ["CONTACT_LOGGED", "PERSISTENT_DESIGNATED", "PERSISTENT_REVIEWED", "PERSISTENT_REVIEWED"]);
        assert_eq!(open["version"], 1);
        let steps = open["timeline"].as_array().unwrap();
        assert_eq!(steps[1]["summary"], "Customer designated persistent (warning), letter of 2027-01-15; review by 2027-07-15");
        assert_eq!(steps[2]["summary"], "Persistent-complainant designation reviewed: continue (warning); next review by 2027-11-20");
        assert_eq!((steps[3]["data"]["outcome"].as_str(), steps[3]["actorSubject"].as_str()), (Some("end"), Some("dee")));
        let finished = app.case("leeds", settled["id"].as_str().unwrap()).await;
        assert_eq!(timeline_kinds(&finished), ["CONTACT_LOGGED", "WITHDRAWN"]);

        // Ended, a new decision may be made; history keeps both.
        let anew = app.graphql(Some(&dcro), DESIGNATE, json!({ "c": customer, "i": restricted("sam") })).await;
        assert_eq!(anew.data()["designatePersistentComplainant"]["reviewBy"], "2027-09-01");
        let all = designations(&app, &customer).await;
        assert_eq!(all.len(), 2);
        assert_eq!((all[0]["level"].as_str(), all[0]["active"].as_bool()), (Some("RESTRICTED"), Some(true)));
        assert_eq!(all[1]["reviews"].as_array().unwrap().len(), 2);
    }

    async fn varying_a_designation_changes_its_restrictions(app: TestApp) {
        let case = complaint_from_ann(&app, "leeds").await;
        let customer = case["customer"]["id"].as_str().unwrap().to_owned();
        let dcro = app.token("leeds", &["dcro"], "dee");
        let made = app.graphql(Some(&dcro), DESIGNATE, json!({ "c": customer, "i": warning() })).await;
        let id = made.data()["designatePersistentComplainant"]["id"].clone();

        let without = app.graphql(Some(&dcro), REVIEW, json!({ "d": id, "i": { "outcome": "VARY" } })).await;
        assert_eq!((without.code(), without.field()), ("BAD_USER_INPUT", Some("restrictions")));
        let varied = app.graphql(Some(&dcro), REVIEW, json!({ "d": id, "i": {
            "outcome": "VARY", "at": "2027-04-30T12:00:00Z",
            "restrictions": { "singlePointOfContact": "sam", "writtenContactOnly": true }
        } })).await;
        let varied = &varied.data()["reviewPersistentDesignation"];
        assert_eq!(varied["level"], "RESTRICTED");
        assert_eq!(varied["singlePointOfContact"]["subject"], "sam");
        assert_eq!(varied["writtenContactOnly"], true);
        assert_eq!(varied["reviewBy"], "2027-10-30");
        assert_eq!(varied["reviews"][0]["outcome"], "VARY");
    }

    async fn only_managers_decide_and_refusals_write_nothing(app: TestApp) {
        let case = complaint_from_ann(&app, "leeds").await;
        let customer = case["customer"]["id"].as_str().unwrap().to_owned();
        for role in ["frontline", "investigating_officer", "customer", "councillor", "policy_admin"] {
            let token = app.token("leeds", &[role], "someone");
            let refused = app.graphql(Some(&token), DESIGNATE, json!({ "c": customer, "i": warning() })).await;
            assert_eq!(refused.code(), "FORBIDDEN", "{role}");
        }
        let dcro = app.token("leeds", &["dcro"], "dee");
        let mut future = warning();
        future["letterDate"] = json!("2027-06-02");
        let refused = app.graphql(Some(&dcro), DESIGNATE, json!({ "c": customer, "i": future })).await;
        assert_eq!((refused.code(), refused.field()), ("BAD_USER_INPUT", Some("letterDate")));
        let mut silent = warning();
        silent["behaviour"] = json!("  ");
        let refused = app.graphql(Some(&dcro), DESIGNATE, json!({ "c": customer, "i": silent })).await;
        assert_eq!((refused.code(), refused.field()), ("BAD_USER_INPUT", Some("behaviour")));
        let mut vague = warning();
        vague["changeBy"] = Value::Null;
        let refused = app.graphql(Some(&dcro), DESIGNATE, json!({ "c": customer, "i": vague })).await;
        assert_eq!((refused.code(), refused.field()), ("BAD_USER_INPUT", Some("changeBy")));
        let mut unrestricted = restricted("sam");
        unrestricted["restrictions"] = json!({});
        let refused = app.graphql(Some(&dcro), DESIGNATE, json!({ "c": customer, "i": unrestricted })).await;
        assert_eq!((refused.code(), refused.field()), ("BAD_USER_INPUT", Some("restrictions")));
        let elsewhere = app.token("leicester", &["dcro"], "dee");
        let refused = app.graphql(Some(&elsewhere), DESIGNATE, json!({ "c": customer, "i": warning() })).await;
        assert_eq!(refused.code(), "NOT_FOUND");
        let theirs = app.graphql(Some(&elsewhere), DESIGNATIONS, json!({ "c": customer })).await;
        assert_eq!(theirs.data()["persistentDesignations"], json!([]));
        assert!(designations(&app, &customer).await.is_empty(), "nothing was written");

        let made = app.graphql(Some(&dcro), DESIGNATE, json!({ "c": customer, "i": warning() })).await;
        let id = made.data()["designatePersistentComplainant"]["id"].clone();
        for role in ["frontline", "investigating_officer"] {
            let token = app.token("leeds", &[role], "someone");
            let refused = app.graphql(Some(&token), REVIEW, json!({ "d": id, "i": { "outcome": "END" } })).await;
            assert_eq!(refused.code(), "FORBIDDEN", "{role}");
        }
        let customer_token = app.token("leeds", &["customer"], "ann");
        assert_eq!(app.graphql(Some(&customer_token), DESIGNATIONS, json!({ "c": customer })).await.code(), "FORBIDDEN");
        let all = designations(&app, &customer).await;
        assert_eq!((all.len(), all[0]["active"].as_bool(), all[0]["reviews"].as_array().unwrap().len()), (1, Some(true), 0));
    }

    async fn a_restricted_customers_new_contact_is_checked_before_any_reply(app: TestApp) {
        let earlier = complaint_from_ann(&app, "leeds").await;
        assert_eq!(earlier["restrictedCustomer"], false);
        let customer = earlier["customer"]["id"].as_str().unwrap().to_owned();
        let dcro = app.token("leeds", &["dcro"], "dee");
        app.graphql(Some(&dcro), DESIGNATE, json!({ "c": customer, "i": restricted("sam") })).await.data();

        let case = complaint_from_ann(&app, "leeds").await;
        assert_eq!(case["customer"]["id"], customer.as_str(), "the same customer by email");
        assert_eq!(case["restrictedCustomer"], true);
        assert_eq!(case["assignee"]["subject"], "sam", "routed to the single point of contact");
        let requirement = case["requirements"].as_array().unwrap().iter().find(|r| r["key"] == "new_issues_checked").unwrap().clone();
        assert_eq!(requirement["blocks"], json!(["acknowledge", "respond", "close"]));
        assert!(requirement["label"].as_str().unwrap().contains("new issues"));
        let id = case["id"].as_str().unwrap().to_owned();

        let frontline = app.token("leeds", &["frontline"], "fo");
        let blocked = app.graphql(Some(&frontline), ACK, json!({ "id": id })).await;
        assert_eq!(blocked.code(), "POLICY_REJECTED");
        assert!(blocked.message().contains("new issues"), "{}", blocked.message());

        // Another investigating officer may not; a stale version or an unknown key change nothing.
        let other = app.token("leeds", &["investigating_officer"], "ivy");
        assert_eq!(app.graphql(Some(&other), COMPLETE, json!({ "id": id, "k": "new_issues_checked" })).await.code(), "FORBIDDEN");
        let sam = app.token("leeds", &["investigating_officer"], "sam");
        assert_eq!(app.graphql(Some(&sam), COMPLETE, json!({ "id": id, "k": "new_issues_checked", "v": 9 })).await.code(), "CONFLICT");
        let unknown = app.graphql(Some(&sam), COMPLETE, json!({ "id": id, "k": "notify_legal" })).await;
        assert_eq!((unknown.code(), unknown.field()), ("BAD_USER_INPUT", Some("key")));
        let unchanged = app.graphql(Some(&dcro), CASE, json!({ "id": id })).await;
        assert_eq!(unchanged.data()["case"]["version"], 1);
        assert!(unchanged.data()["case"]["requirements"][0]["metAt"].is_null());

        let done = app.graphql(Some(&sam), COMPLETE, json!({ "id": id, "k": "new_issues_checked", "v": 1, "n": "Raises a new issue about the assisted collection" })).await;
        let done = &done.data()["completeRequirement"];
        assert_eq!(done["version"], 2);
        assert_eq!(done["requirements"][0]["metBy"], "sam");
        let step = &done["timeline"][1];
        assert_eq!((step["kind"].as_str(), step["actorSubject"].as_str()), (Some("REQUIREMENT_MET"), Some("sam")));
        assert_eq!(step["data"]["note"], "Raises a new issue about the assisted collection");
        let twice = app.graphql(Some(&sam), COMPLETE, json!({ "id": id, "k": "new_issues_checked" })).await;
        assert_eq!((twice.code(), twice.field()), ("BAD_USER_INPUT", Some("key")));

        let acked = app.graphql(Some(&frontline), ACK, json!({ "id": id, "v": 2 })).await;
        assert_eq!(acked.data()["acknowledgeCase"]["status"], "ACKNOWLEDGED");

        // A warning alone does not restrict contact.
        let other_customer = {
            let token = app.token("leeds", &["frontline"], "fo");
            let mut input = complaint_input("Street light out");
            input["customer"] = json!({ "name": "Bo Example", "email": "bo@example.org" });
            app.graphql(Some(&token), LOG, json!({ "input": input })).await.data()["logContact"]["customer"]["id"].clone()
        };
        app.graphql(Some(&dcro), DESIGNATE, json!({ "c": other_customer, "i": warning() })).await.data();
        let token = app.token("leeds", &["frontline"], "fo");
        let mut input = complaint_input("Street light still out");
        input["customer"] = json!({ "name": "Bo Example", "email": "bo@example.org" });
        let bo = app.graphql(Some(&token), LOG, json!({ "input": input })).await;
        assert_eq!(bo.data()["logContact"]["restrictedCustomer"], false);
        assert_eq!(bo.data()["logContact"]["requirements"], json!([]));
    }

    async fn two_managers_deciding_at_once_leave_one_designation(app: TestApp) {
        let case = complaint_from_ann(&app, "leeds").await;
        let customer = case["customer"]["id"].as_str().unwrap().to_owned();
        let dee = app.token("leeds", &["dcro"], "dee");
        let cfm = app.token("leeds", &["customer_feedback_manager"], "cfm");
        let (first, second) = tokio::join!(
            app.graphql(Some(&dee), DESIGNATE, json!({ "c": customer, "i": warning() })),
            app.graphql(Some(&cfm), DESIGNATE, json!({ "c": customer, "i": restricted("sam") })),
        );
        let outcomes = [&first, &second].map(|r| r.body.get("errors").map(|_| r.code().to_owned()));
        assert_eq!(outcomes.iter().filter(|o| o.is_none()).count(), 1, "exactly one succeeds: {outcomes:?}");
        assert!(
            outcomes.iter().flatten().all(|code| code == "CONFLICT" || code == "BAD_USER_INPUT"),
            "{outcomes:?}"
        );
        let all = designations(&app, &customer).await;
        assert_eq!(all.len(), 1);
    }
}
