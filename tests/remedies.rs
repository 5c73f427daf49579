//! Remedies on a case: goodwill payments approved within the approver's
//! limit from the council's policy, compensation claims that end the
//! complaint, remedy actions tracked to completion, learning points, and the
//! decision not to investigate a malicious anonymous contact.

mod common;

use common::*;
use serde_json::{Value, json};

const RECORD: &str = "mutation($id: ID!, $i: RecordRemedyInput!, $v: Int) { recordRemedy(caseId: $id, input: $i, expectedVersion: $v) { version status closedAt signpost remedies { id kind description amountPence due approvedBy approvedAt completedAt outstanding recordedBy } timeline { kind summary data } } }";
const APPROVE: &str = "mutation($r: ID!, $v: Int) { approveGoodwillPayment(remedyId: $r, expectedVersion: $v) { version remedies { id approvedBy approvedAt } timeline { kind policyVersion summary } } }";
const COMPLETE: &str = "mutation($r: ID!, $v: Int) { completeRemedy(remedyId: $r, expectedVersion: $v) { version remedies { id completedAt outstanding } timeline { kind } } }";
const OFFICER: &str =
    "mutation($i: OfficerInput!) { recordOfficer(input: $i) { subject displayName seniority } }";
const LEARNING: &str = "mutation($id: ID!, $i: RecordLearningPointInput!, $v: Int) { recordLearningPoint(caseId: $id, input: $i, expectedVersion: $v) { version learningPoints { lesson serviceImprovement recordedBy } timeline { kind } } }";
const NOT_INVESTIGATED: &str = "mutation($id: ID!, $r: String!, $v: Int) { decideNotToInvestigate(caseId: $id, reason: $r, expectedVersion: $v) { status closedAt scopeReason version timeline { kind actorRole data } } }";
const CASE: &str = "query($id: ID!) { case(id: $id) { version status remedies { id } learningPoints { lesson } timeline { kind } } }";
const PUBLISH: &str = "mutation($s: String!) { publishPolicy(source: $s, note: \"goodwill limits from the scheme of delegation\") { version } }";

/// Leeds with goodwill limits entered, as a council does once its scheme of
/// delegation is agreed (para 70).
fn leeds_with_limits() -> String {
    let source = std::fs::read_to_string(format!(
        "{}/policies/leeds.rhai",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let edited = source
        .replace("chief_officer: (),", "chief_officer: 25000,")
        .replace("service_manager: (),", "service_manager: 5000,")
        .replace("dcro: (),", "dcro: 3000,")
        .replace("officer: (),", "officer: 2500,");
    assert_ne!(
        edited, source,
        "the Leeds script keeps its limits in one table"
    );
    edited
}

fn goodwill(pence: i64) -> Value {
    json!({ "kind": "GOODWILL_PAYMENT", "description": "For the inconvenience of three missed collections", "amountPence": pence, "due": "2027-06-30" })
}

async fn case_id(app: &TestApp, council: &str) -> String {
    app.log_complaint(council, "Missed bin").await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn case(app: &TestApp, id: &str) -> Value {
    let token = app.token("leeds", &["dcro"], "reader");
    app.graphql(Some(&token), CASE, json!({ "id": id }))
        .await
        .data()["case"]
        .clone()
}

on_both_databases! {
    async fn goodwill_payments_are_approved_within_the_approvers_limit(app: TestApp) {
        let id = case_id(&app, "leeds").await;
        let dee = app.token("leeds", &["dcro"], "dee");
        let recorded = app.graphql(Some(&dee), RECORD, json!({ "id": id, "i": goodwill(7500), "v": 1 })).await;
        let recorded = &recorded.data()["recordRemedy"];
        assert_eq!(recorded["version"], 2);
        let big = recorded["remedies"][0].clone();
        assert_eq!(big["kind"], "GOODWILL_PAYMENT");
        assert_eq!(big["amountPence"], 7500);
        assert_eq!(big["due"], "2027-06-30");
        assert!(big["approvedBy"].is_null(), "stored unapproved");
        assert_eq!(big["outstanding"], true);
        assert_eq!(recorded["timeline"][1]["kind"], "REMEDY_RECORDED");

        // The shipped Leeds script has no amounts until the council enters
        // them, and the refusal says where they are entered.
        let refused = app.graphql(Some(&dee), APPROVE, json!({ "r": big["id"] })).await;
        assert_eq!(refused.code(), "POLICY_REJECTED");
        assert!(refused.body["errors"][0]["extensions"]["detail"]["limitPence"].is_null());
        assert!(refused.message().contains("no goodwill limit has been entered") && refused.message().contains("numbers block"), "{}", refused.message());
        assert_eq!(case(&app, &id).await["version"], 2, "a refusal writes nothing");

        let admin = app.token("leeds", &["policy_admin"], "pat");
        assert_eq!(app.graphql(Some(&admin), PUBLISH, json!({ "s": leeds_with_limits() })).await.data()["publishPolicy"]["version"], 2);
        // Para 76: a DCRO with no seniority recorded has the DCRO's delegated limit.
        let over_dcro = app.graphql(Some(&dee), APPROVE, json!({ "r": big["id"] })).await;
        assert_eq!(over_dcro.code(), "POLICY_REJECTED");
        assert_eq!(over_dcro.body["errors"][0]["extensions"]["detail"]["limitPence"], 3000);
        let cfm = app.token("leeds", &["customer_feedback_manager"], "cfm");
        let officer = app.graphql(Some(&cfm), OFFICER, json!({ "i": { "subject": "dee", "displayName": "Dee Example", "seniority": "service_manager" } })).await;
        assert_eq!(officer.data()["recordOfficer"], json!({ "subject": "dee", "displayName": "Dee Example", "seniority": "service_manager" }));
        let frontline = app.token("leeds", &["frontline"], "fo");
        assert_eq!(app.graphql(Some(&frontline), OFFICER, json!({ "i": { "subject": "fo", "seniority": "chief_officer" } })).await.code(), "FORBIDDEN");

        let over = app.graphql(Some(&dee), APPROVE, json!({ "r": big["id"] })).await;
        assert_eq!(over.code(), "POLICY_REJECTED");
        assert!(over.message().contains("£75.00") && over.message().contains("£50.00"), "{}", over.message());
        let detail = &over.body["errors"][0]["extensions"]["detail"];
        assert_eq!((detail["limitPence"].as_i64(), detail["amountPence"].as_i64(), detail["policyVersion"].as_i64()), (Some(5000), Some(7500), Some(2)));
        assert_eq!(case(&app, &id).await["version"], 2, "a refusal writes nothing");

        let small = app.graphql(Some(&dee), RECORD, json!({ "id": id, "i": goodwill(5000) })).await;
        let small_id = small.data()["recordRemedy"]["remedies"][1]["id"].clone();
        assert_eq!(app.graphql(Some(&frontline), APPROVE, json!({ "r": small_id })).await.code(), "FORBIDDEN");
        assert_eq!(app.graphql(Some(&dee), APPROVE, json!({ "r": small_id, "v": 2 })).await.code(), "CONFLICT");
        let approved = app.graphql(Some(&dee), APPROVE, json!({ "r": small_id, "v": 3 })).await;
        let approved = &approved.data()["approveGoodwillPayment"];
        assert_eq!(approved["version"], 4);
        assert_eq!(approved["remedies"][1]["approvedBy"], "dee");
        assert!(approved["remedies"][1]["approvedAt"].is_string());
        assert!(approved["remedies"][0]["approvedBy"].is_null());
        let step = &approved["timeline"][3];
        assert_eq!((step["kind"].as_str(), step["policyVersion"].as_i64()), (Some("REMEDY_APPROVED"), Some(2)));
        let twice = app.graphql(Some(&dee), APPROVE, json!({ "r": small_id })).await;
        assert_eq!((twice.code(), twice.field()), ("BAD_USER_INPUT", Some("remedyId")));

        // Paid: tracked to completion. An unapproved payment cannot be.
        assert_eq!(app.graphql(Some(&dee), COMPLETE, json!({ "r": big["id"] })).await.code(), "BAD_USER_INPUT");
        let paid = app.graphql(Some(&dee), COMPLETE, json!({ "r": small_id, "v": 4 })).await;
        let paid = &paid.data()["completeRemedy"];
        assert_eq!(paid["remedies"][1]["outstanding"], false);
        assert!(paid["remedies"][1]["completedAt"].is_string());
        assert_eq!(paid["timeline"][4]["kind"], "REMEDY_COMPLETED");
        assert_eq!(app.graphql(Some(&dee), COMPLETE, json!({ "r": small_id })).await.code(), "BAD_USER_INPUT");

        let elsewhere = app.token("leicester", &["dcro"], "dee");
        assert_eq!(app.graphql(Some(&elsewhere), APPROVE, json!({ "r": big["id"] })).await.code(), "NOT_FOUND");
    }

    async fn amounts_follow_the_kind_of_remedy(app: TestApp) {
        let id = case_id(&app, "leeds").await;
        let dee = app.token("leeds", &["dcro"], "dee");
        let unpriced = app.graphql(Some(&dee), RECORD, json!({ "id": id, "i": { "kind": "GOODWILL_PAYMENT", "description": "For the upset" } })).await;
        assert_eq!((unpriced.code(), unpriced.field()), ("BAD_USER_INPUT", Some("amountPence")));
        let priced = app.graphql(Some(&dee), RECORD, json!({ "id": id, "i": { "kind": "APOLOGY", "description": "Sorry", "amountPence": 100 } })).await;
        assert_eq!((priced.code(), priced.field()), ("BAD_USER_INPUT", Some("amountPence")));
        let negative = app.graphql(Some(&dee), RECORD, json!({ "id": id, "i": goodwill(-100) })).await;
        assert_eq!((negative.code(), negative.field()), ("BAD_USER_INPUT", Some("amountPence")));
        let stale = app.graphql(Some(&dee), RECORD, json!({ "id": id, "i": goodwill(100), "v": 7 })).await;
        assert_eq!(stale.code(), "CONFLICT");
        for role in ["frontline", "customer", "councillor", "policy_admin"] {
            let token = app.token("leeds", &[role], "someone");
            assert_eq!(app.graphql(Some(&token), RECORD, json!({ "id": id, "i": goodwill(100) })).await.code(), "FORBIDDEN", "{role}");
        }
        let io = app.token("leeds", &["investigating_officer"], "ivy");
        let unassigned = app.graphql(Some(&io), RECORD, json!({ "id": id, "i": goodwill(100) })).await;
        assert_eq!(unassigned.code(), "FORBIDDEN", "an investigating officer works the cases assigned to them");
        let current = case(&app, &id).await;
        assert_eq!((current["version"].as_i64(), current["remedies"].as_array().unwrap().len()), (Some(1), 0));

        let apology = app.graphql(Some(&dee), RECORD, json!({ "id": id, "i": { "kind": "APOLOGY", "description": "Apologised for the missed collections", "due": "2027-06-01" } })).await;
        let apology = &apology.data()["recordRemedy"]["remedies"][0];
        assert_eq!((apology["kind"].as_str(), apology["amountPence"].as_i64(), apology["recordedBy"].as_str()), (Some("APOLOGY"), None, Some("dee")));
    }

    async fn a_compensation_claim_closes_the_complaint_with_its_route(app: TestApp) {
        let id = case_id(&app, "leeds").await;
        let dee = app.token("leeds", &["dcro"], "dee");
        let claim = json!({ "kind": "COMPENSATION", "description": "Claims the cost of a replacement fence", "amountPence": 125000 });
        let routeless = app.graphql(Some(&dee), RECORD, json!({ "id": id, "i": claim })).await;
        assert_eq!((routeless.code(), routeless.field()), ("BAD_USER_INPUT", Some("claimRoute")));

        let mut claim = claim;
        claim["claimRoute"] = json!("Claim form to Legal Services (para 71)");
        let closed = app.graphql(Some(&dee), RECORD, json!({ "id": id, "i": claim, "v": 1 })).await;
        let closed = &closed.data()["recordRemedy"];
        assert_eq!(closed["status"], "CLOSED");
        assert!(closed["closedAt"].as_str().unwrap().starts_with("2027-06-01"));
        assert_eq!(closed["signpost"], "Claim form to Legal Services (para 71)");
        assert_eq!(closed["remedies"][0]["kind"], "COMPENSATION");
        assert_eq!(closed["remedies"][0]["outstanding"], false);
        let step = &closed["timeline"][1];
        assert_eq!(step["kind"], "REMEDY_RECORDED");
        assert_eq!(step["data"]["closed"], true);

        let after = app.graphql(Some(&dee), RECORD, json!({ "id": id, "i": goodwill(100) })).await;
        assert_eq!((after.code(), after.field()), ("BAD_USER_INPUT", Some("caseId")));
    }

    async fn a_compensation_claim_meets_the_councils_closing_rule(app: TestApp) {
        // East Cambridgeshire section 6: no complaint is closed without its
        // Learning From Complaints Form, however it ends.
        let id = case_id(&app, "east-cambridgeshire").await;
        let dee = app.token("east-cambridgeshire", &["dcro"], "dee");
        let claim = json!({ "kind": "COMPENSATION", "description": "Claims for a damaged car", "amountPence": 90000, "claimRoute": "Insurance claim form" });
        let refused = app.graphql(Some(&dee), RECORD, json!({ "id": id, "i": claim, "v": 1 })).await;
        assert_eq!(refused.code(), "POLICY_REJECTED");
        assert!(refused.message().contains("Learning From Complaints Form"), "{}", refused.message());
        let unchanged = app.case("east-cambridgeshire", &id).await;
        assert_eq!((unchanged["version"].as_i64(), unchanged["status"].as_str()), (Some(1), Some("RECEIVED")));
        assert_eq!(timeline_kinds(&unchanged), ["CONTACT_LOGGED"]);

        let lesson = json!({ "lesson": "Verges by the depot are not marked for drivers" });
        app.graphql(Some(&dee), LEARNING, json!({ "id": id, "i": lesson, "v": 1 })).await.data();
        let closed = app.graphql(Some(&dee), RECORD, json!({ "id": id, "i": claim, "v": 2 })).await;
        assert_eq!(closed.data()["recordRemedy"]["status"], "CLOSED");
    }

    async fn learning_points_are_recorded_against_the_case(app: TestApp) {
        let id = case_id(&app, "leeds").await;
        let cfm = app.token("leeds", &["customer_feedback_manager"], "cfm");
        let lesson = json!({ "lesson": "Assisted collections were not passed to the new crew", "serviceImprovement": "Crew handover sheet lists assisted collections" });
        assert_eq!(app.graphql(Some(&cfm), LEARNING, json!({ "id": id, "i": lesson, "v": 3 })).await.code(), "CONFLICT");
        let frontline = app.token("leeds", &["frontline"], "fo");
        assert_eq!(app.graphql(Some(&frontline), LEARNING, json!({ "id": id, "i": lesson })).await.code(), "FORBIDDEN");
        assert_eq!(case(&app, &id).await["learningPoints"], json!([]));

        let recorded = app.graphql(Some(&cfm), LEARNING, json!({ "id": id, "i": lesson, "v": 1 })).await;
        let recorded = &recorded.data()["recordLearningPoint"];
        assert_eq!(recorded["version"], 2);
        assert_eq!(recorded["learningPoints"], json!([{ "lesson": "Assisted collections were not passed to the new crew", "serviceImprovement": "Crew handover sheet lists assisted collections", "recordedBy": "cfm" }]));
        assert_eq!(recorded["timeline"][1]["kind"], "LEARNING_RECORDED");
    }

    async fn a_malicious_anonymous_contact_is_not_investigated(app: TestApp) {
        let frontline = app.token("leeds", &["frontline"], "fo");
        let mut input = complaint_input("Officer X is corrupt");
        input["anonymous"] = json!(true);
        input.as_object_mut().unwrap().remove("customer");
        let logged = app.graphql(Some(&frontline), LOG_CONTACT, json!({ "input": input })).await;
        let id = logged.data()["logContact"]["id"].as_str().unwrap().to_owned();
        let named = case_id(&app, "leeds").await;

        let dee = app.token("leeds", &["dcro"], "dee");
        let reason = "Judged malicious with the DCRO: the same unfounded allegation sent anonymously forty times";
        let refused = app.graphql(Some(&dee), NOT_INVESTIGATED, json!({ "id": named, "r": reason })).await;
        assert_eq!((refused.code(), refused.field()), ("BAD_USER_INPUT", Some("caseId")));
        assert_eq!(case(&app, &named).await["status"], "RECEIVED");
        assert_eq!(app.graphql(Some(&frontline), NOT_INVESTIGATED, json!({ "id": id, "r": reason })).await.code(), "FORBIDDEN");
        assert_eq!(app.graphql(Some(&dee), NOT_INVESTIGATED, json!({ "id": id, "r": reason, "v": 2 })).await.code(), "CONFLICT");
        let blank = app.graphql(Some(&dee), NOT_INVESTIGATED, json!({ "id": id, "r": " " })).await;
        assert_eq!((blank.code(), blank.field()), ("BAD_USER_INPUT", Some("reason")));
        assert_eq!(case(&app, &id).await["version"], 1);

        let decided = app.graphql(Some(&dee), NOT_INVESTIGATED, json!({ "id": id, "r": reason, "v": 1 })).await;
        let decided = &decided.data()["decideNotToInvestigate"];
        assert_eq!(decided["status"], "CLOSED");
        assert_eq!(decided["scopeReason"], reason);
        assert!(decided["closedAt"].is_string());
        assert_eq!(decided["version"], 2);
        let step = &decided["timeline"][1];
        assert_eq!((step["kind"].as_str(), step["actorRole"].as_str()), (Some("NOT_INVESTIGATED"), Some("dcro")));
        assert_eq!(step["data"]["reason"], reason);
        assert_eq!(app.graphql(Some(&dee), NOT_INVESTIGATED, json!({ "id": id, "r": reason })).await.code(), "BAD_USER_INPUT");
    }
}
