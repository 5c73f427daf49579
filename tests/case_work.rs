//! The case actions as a whole: who may do what, what happens when two
//! people act at once, and the actions every council shares (scope,
//! conversion, withdrawal, closing, reopening, replies through councillors).

mod common;

use common::*;
use serde_json::{Value, json};

const STAFF_AND_OTHERS: [&str; 7] = [
    "customer",
    "frontline",
    "investigating_officer",
    "dcro",
    "customer_feedback_manager",
    "councillor",
    "policy_admin",
];

/// Who may perform each action: the contract in DESIGN.md's role table.
fn allowed(action: &str) -> &'static [&'static str] {
    const WORKERS: &[&str] = &["investigating_officer", "dcro", "customer_feedback_manager"];
    const HANDLERS: &[&str] = &[
        "frontline",
        "investigating_officer",
        "dcro",
        "customer_feedback_manager",
    ];
    const MANAGERS: &[&str] = &["dcro", "customer_feedback_manager"];
    const CUSTOMER_AND_STAFF: &[&str] = &[
        "customer",
        "frontline",
        "investigating_officer",
        "dcro",
        "customer_feedback_manager",
    ];
    match action {
        "acknowledgeCase"
        | "recordInformalResolution"
        | "markOutOfScope"
        | "convertCase"
        | "completeRequirement" => HANDLERS,
        "assignInvestigator" | "appointStage2Reviewer" | "reopenCase" => MANAGERS,
        "recordOmbudsmanEnquiry" | "replyToOmbudsman" | "recordOmbudsmanOutcome" => MANAGERS,
        "recordHoldingResponse"
        | "extendDeadline"
        | "respondToCase"
        | "closeCase"
        | "recordRemedy"
        | "recordLearningPoint"
        | "decideNotToInvestigate" => WORKERS,
        "requestEscalation" | "withdrawCase" => CUSTOMER_AND_STAFF,
        "assessStage2" => &["customer_feedback_manager"],
        other => panic!("no role rule for {other}"),
    }
}

async fn untouched(app: &TestApp, council: &str, id: &str, version: &Value, events: usize) {
    let case = app.case(council, id).await;
    assert_eq!(&case["version"], version, "the case changed: {case}");
    assert_eq!(case["timeline"].as_array().unwrap().len(), events);
}

on_both_databases! {
    async fn every_action_refuses_every_role_that_may_not_perform_it(app: TestApp) {
        let case = app.logged("leeds", complaint_input("Matrix")).await;
        let id = case["id"].as_str().unwrap();
        let mut refused = 0;
        for (action, args) in ACTIONS {
            let args: Value = serde_json::from_str(args).unwrap();
            for role in STAFF_AND_OTHERS.iter().filter(|r| !allowed(action).contains(r)) {
                let token = app.token("leeds", &[role], &format!("{role}-1"));
                let answer = app.act(&token, action, id, args.clone()).await;
                assert_eq!(answer.code(), "FORBIDDEN", "{action} as {role}: {}", answer.body);
                refused += 1;
            }
        }
        assert!(refused >= 50, "the matrix checked {refused} pairs");
        untouched(&app, "leeds", id, &json!(1), 1).await;
    }

    async fn two_officers_answering_at_once_leave_one_response(app: TestApp) {
        let dcro = app.token("leicester", &["dcro"], "dcro-1");
        let other = app.token("leicester", &["customer_feedback_manager"], "cfm-1");
        let case = app.logged("leicester", complaint_input("Council tax letter")).await;
        let id = case["id"].as_str().unwrap();
        let case = app.acted(&dcro, "acknowledgeCase", id, json!({ "at": "2026-11-23T10:00:00Z" })).await;
        // Both read the case at the same version; whichever commits second
        // finds it changed, however the two interleave.
        let answer = |summary: &str| {
            json!({
                "expectedVersion": case["version"],
                "input": { "outcome": "UPHELD", "summary": summary },
            })
        };
        let (first, second) = tokio::join!(
            app.act(&dcro, "respondToCase", id, answer("first")),
            app.act(&other, "respondToCase", id, answer("second")),
        );
        let codes: Vec<Option<String>> = [&first, &second]
            .iter()
            .map(|r| r.body.get("errors").map(|_| r.code().to_owned()))
            .collect();
        assert_eq!(codes.iter().filter(|c| c.is_none()).count(), 1, "{codes:?}");
        assert!(codes.contains(&Some("CONFLICT".into())), "{codes:?}");
        let now = app.case("leicester", id).await;
        assert_eq!(now["version"].as_i64(), case["version"].as_i64().map(|v| v + 1));
        let responses = timeline_kinds(&now).iter().filter(|k| *k == "RESPONDED").count();
        assert_eq!(responses, 1);

        // A stale version is refused before anything is written.
        let stale = app.act(&dcro, "closeCase", id, json!({ "expectedVersion": case["version"] })).await;
        assert_eq!(stale.code(), "CONFLICT");
        untouched(&app, "leicester", id, &now["version"], 3).await;
    }

    async fn actions_take_when_it_happened_but_never_the_future(app: TestApp) {
        let dcro = app.token("leeds", &["dcro"], "dcro-1");
        let case = app.logged("leeds", complaint_input("Dates")).await;
        let id = case["id"].as_str().unwrap();
        for at in ["2027-06-02T09:00:00Z", "2026-11-19T09:00:00Z"] {
            let answer = app.act(&dcro, "withdrawCase", id, json!({ "at": at })).await;
            assert_eq!((answer.code(), answer.field()), ("BAD_USER_INPUT", Some("at")), "{at}");
        }
        let other_council = app.token("leicester", &["dcro"], "dcro-2");
        let hidden = app.act(&other_council, "withdrawCase", id, json!({})).await;
        assert_eq!(hidden.code(), "NOT_FOUND");
        let unknown = app.act(&dcro, "withdrawCase", "0190d5c6-0000-7000-8000-000000000000", json!({})).await;
        assert_eq!(unknown.code(), "NOT_FOUND");
        untouched(&app, "leeds", id, &json!(1), 1).await;
    }

    async fn out_of_scope_takes_the_policy_reason_and_signpost_and_can_be_reopened(app: TestApp) {
        let frontline = app.token("leeds", &["frontline"], "csa-1");
        let dcro = app.token("leeds", &["dcro"], "dcro-1");
        let case = app.logged("leeds", complaint_input("My compensation")).await;
        let id = case["id"].as_str().unwrap();
        let unknown = app.act(&frontline, "markOutOfScope", id, json!({ "input": { "exclusion": "astrology" } })).await;
        assert_eq!((unknown.code(), unknown.field()), ("BAD_USER_INPUT", Some("exclusion")));
        let case = app.acted(&frontline, "markOutOfScope", id, json!({
            "input": { "exclusion": "compensation_claim" },
        })).await;
        assert_eq!(case["status"], "OUT_OF_SCOPE");
        assert!(case["scopeReason"].as_str().unwrap().contains("para"), "{}", case["scopeReason"]);
        assert!(case["signpost"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(case["acknowledgeBy"].is_null() && case["respondBy"].is_null(), "no clock runs");
        let superseded = case["deadlines"].as_array().unwrap().iter().all(|d| d["superseded"] == true);
        assert!(superseded, "{}", case["deadlines"]);

        let again = app.act(&frontline, "withdrawCase", id, json!({})).await;
        assert_eq!(again.code(), "BAD_USER_INPUT");
        let case = app.acted(&dcro, "reopenCase", id, json!({ "reason": "The customer is not claiming after all" })).await;
        assert_eq!(case["status"], "RECEIVED");
        assert!(case["closedAt"].is_null());
        // Never acknowledged: both stage I clocks run again from the
        // reopening on Tuesday 1 June 2027 (paras 13 and 16).
        assert_eq!((case["acknowledgeBy"].as_str(), case["respondBy"].as_str()), (Some("2027-06-04"), Some("2027-06-22")));
    }

    async fn a_complaint_logged_out_of_scope_enters_its_first_stage_when_reopened(app: TestApp) {
        let dcro = app.token("leeds", &["dcro"], "dcro-1");
        let mut input = complaint_input("I want compensation for my fence");
        input["exclusion"] = json!("compensation_claim");
        let logged = app.logged("leeds", input).await;
        assert_eq!((logged["status"].as_str(), logged["stage"].as_str()), (Some("OUT_OF_SCOPE"), None));
        let id = logged["id"].as_str().unwrap();

        // The customer only wants an apology after all: a stage I complaint
        // from the reopening on Tuesday 1 June 2027 (paras 13 and 16).
        let case = app.acted(&dcro, "reopenCase", id, json!({ "reason": "The customer wants an apology, not compensation" })).await;
        assert_eq!((case["status"].as_str(), case["stage"].as_str()), (Some("RECEIVED"), Some("STAGE_1")));
        assert!(case["stageStartedAt"].as_str().unwrap().starts_with("2027-06-01"), "{}", case["stageStartedAt"]);
        assert_eq!((case["acknowledgeBy"].as_str(), case["respondBy"].as_str()), (Some("2027-06-04"), Some("2027-06-22")));
        let respond = open_deadline(&case, "RESPOND").unwrap();
        assert_eq!(respond["stage"], "STAGE_1");
    }

    async fn a_reopened_complaint_runs_its_stage_clock_again_from_the_reopening(app: TestApp) {
        let dcro = app.token("leeds", &["dcro"], "dcro-1");
        let closed = app.answered_and_closed(&dcro, "Fence damaged by the bin lorry").await;
        let id = closed["id"].as_str().unwrap();
        assert_eq!(closed["status"], "CLOSED");
        assert!(closed["respondBy"].is_null());

        // CCTV shows the lorry hitting the fence; the complaint is reopened
        // on Monday 21 December 2026 and answered over Christmas like a new
        // stage I complaint: 15 working days (para 16), skipping 25 and 28
        // December and 1 January.
        let case = app.acted(&dcro, "reopenCase", id, json!({
            "at": "2026-12-21T09:00:00Z",
            "reason": "CCTV shows the lorry hitting the fence",
            "expectedVersion": closed["version"],
        })).await;
        assert_eq!((case["status"].as_str(), case["stage"].as_str()), (Some("IN_PROGRESS"), Some("STAGE_1")));
        assert_eq!(case["respondBy"], "2027-01-14");
        assert!(case["acknowledgeBy"].is_null(), "it was acknowledged before it closed");
        let respond = open_deadline(&case, "RESPOND").expect("a running response clock");
        assert!(respond["explanation"].as_str().unwrap().contains("reopening on 2026-12-21"), "{respond}");
        assert_eq!(respond["policyVersion"], 1);
        let step = case["timeline"].as_array().unwrap().last().unwrap();
        assert_eq!(step["kind"], "REOPENED");
        assert_eq!(step["data"]["deadlines"][0]["due"], "2027-01-14");
        assert_eq!(step["data"]["was"], "closed");

        // The clock is met by the next response, as any stage I clock.
        let answered = app.acted(&dcro, "respondToCase", id, json!({
            "at": "2027-01-08T10:00:00Z",
            "input": { "outcome": "UPHELD", "summary": "We will replace the fence" },
        })).await;
        assert!(open_deadline(&answered, "RESPOND").is_none(), "{}", answered["deadlines"]);
    }

    async fn a_complaint_converts_to_a_service_request_and_back_only_with_agreement(app: TestApp) {
        let frontline = app.token("leeds", &["frontline"], "csa-1");
        let case = app.logged("leeds", complaint_input("Please empty my bin")).await;
        let id = case["id"].as_str().unwrap();
        let unagreed = app.act(&frontline, "convertCase", id, json!({
            "input": { "to": "SERVICE_REQUEST", "reason": "A request for service", "customerAgreed": false },
        })).await;
        assert_eq!((unagreed.code(), unagreed.field()), ("BAD_USER_INPUT", Some("customerAgreed")));
        let case = app.acted(&frontline, "convertCase", id, json!({
            "input": { "to": "SERVICE_REQUEST", "reason": "A request for service (para 4b)", "customerAgreed": true },
        })).await;
        assert_eq!((case["kind"].as_str(), case["status"].as_str()), (Some("SERVICE_REQUEST"), Some("CLOSED")));
        assert!(case["stage"].is_null());

        // Para 4b: a customer who says they want to complain is recorded as
        // complaining; the clocks run from the original receipt.
        let case = app.acted(&frontline, "convertCase", id, json!({
            "input": { "to": "COMPLAINT", "reason": "The customer wants to complain", "customerAgreed": true },
        })).await;
        assert_eq!((case["kind"].as_str(), case["stage"].as_str()), (Some("COMPLAINT"), Some("STAGE_1")));
        assert_eq!(case["status"], "RECEIVED");
        assert_eq!(case["respondBy"], "2026-12-11");
        assert_eq!(timeline_kinds(&case), ["CONTACT_LOGGED", "CONVERTED", "CONVERTED"]);
    }

    async fn a_customer_withdraws_their_own_case_only(app: TestApp) {
        let customer = app.token("leicester", &["customer"], "portal-ann");
        let query = format!("mutation($input: LogContactInput!) {{ logContact(input: $input) {{ {CASE_FIELDS} }} }}");
        let mut input = sent_by_themselves("Library fines");
        input.as_object_mut().unwrap().remove("customer");
        let mine = app.graphql(Some(&customer), &query, json!({ "input": input })).await.data()["logContact"].clone();
        let id = mine["id"].as_str().unwrap();
        let someone_elses = app.logged("leicester", complaint_input("Not Ann's")).await;
        let theirs = app.act(&customer, "withdrawCase", someone_elses["id"].as_str().unwrap(), json!({})).await;
        assert_eq!(theirs.code(), "NOT_FOUND");
        let answer = app.act(&customer, "withdrawCase", id, json!({ "reason": "Sorted out" })).await;
        let case = &answer.data()["withdrawCase"];
        assert_eq!(case["status"], "WITHDRAWN");
        let step = case["timeline"].as_array().unwrap().last().unwrap();
        assert_eq!((step["actorRole"].as_str(), step["summary"].as_str()), (Some("customer"), Some("Withdrawn")));
        let staff = app.case("leicester", id).await;
        let step = staff["timeline"].as_array().unwrap().last().unwrap();
        assert_eq!(step["summary"], "Withdrawn by the customer", "staff read the full line");
    }

    async fn a_reply_goes_to_the_councillor_who_raised_it(app: TestApp) {
        let dcro = app.token("north-norfolk", &["dcro"], "dcro-1");
        let mut input = complaint_input("Raised by Cllr Smith");
        input["viaCouncillor"] = json!("Cllr Jo Smith");
        let case = app.logged("north-norfolk", input).await;
        let id = case["id"].as_str().unwrap();
        app.acted(&dcro, "acknowledgeCase", id, json!({ "at": "2026-11-23T10:00:00Z" })).await;
        let case = app.acted(&dcro, "respondToCase", id, json!({
            "at": "2026-11-30T10:00:00Z",
            "input": { "outcome": "UPHELD", "summary": "Put right" },
        })).await;
        let step = case["timeline"].as_array().unwrap().last().unwrap();
        assert_eq!(step["data"]["sentTo"], "Cllr Jo Smith");
        assert!(step["summary"].as_str().unwrap().ends_with("sent to Cllr Jo Smith"), "{step}");
    }

    async fn closing_with_remedies_outstanding_takes_a_reason_and_keeps_it(app: TestApp) {
        let dcro = app.token("leeds", &["dcro"], "dcro-1");
        let case = app.logged("leeds", complaint_input("Fence damaged")).await;
        let id = case["id"].as_str().unwrap();
        app.acted(&dcro, "acknowledgeCase", id, json!({ "at": "2026-11-23T10:00:00Z" })).await;
        app.acted(&dcro, "respondToCase", id, json!({
            "at": "2026-12-01T10:00:00Z",
            "input": {
                "outcome": "UPHELD", "summary": "The crew damaged the fence",
                "remedies": [
                    { "kind": "APOLOGY", "description": "Apology for the fence" },
                    { "kind": "SPECIFIC_ACTION", "description": "Repair the fence" },
                    { "kind": "GOODWILL_PAYMENT", "description": "For the trouble", "amountPence": 5000 },
                ],
            },
        })).await;
        let remedies = app.graphql(Some(&dcro),
            "query($id: ID!) { case(id: $id) { remedies { id kind } } }",
            json!({ "id": id })).await.data()["case"]["remedies"].clone();
        let remedy = |kind: &str| remedies.as_array().unwrap().iter()
            .find(|r| r["kind"] == kind).unwrap()["id"].as_str().unwrap().to_owned();
        // A remedy carried out is no longer outstanding.
        let done = app.graphql(Some(&dcro),
            "mutation($r: ID!) { completeRemedy(remedyId: $r) { version } }",
            json!({ "r": remedy("APOLOGY") })).await;
        let version = done.data()["completeRemedy"]["version"].clone();
        let events = app.case("leeds", id).await["timeline"].as_array().unwrap().len();

        let refused = app.act(&dcro, "closeCase", id, json!({ "note": "Done" })).await;
        assert_eq!(refused.code(), "POLICY_REJECTED", "{:?}", refused.body);
        let outstanding = refused.body["errors"][0]["extensions"]["detail"]["outstanding"].clone();
        let listed: Vec<(&str, &str)> = outstanding.as_array().unwrap().iter()
            .map(|o| (o["kind"].as_str().unwrap(), o["why"].as_str().unwrap()))
            .collect();
        assert_eq!(listed, [
            ("specific_action", "not_completed"),
            ("goodwill_payment", "payment_not_approved"),
        ]);
        assert_eq!(outstanding[0]["remedyId"], remedy("SPECIFIC_ACTION"));
        assert_eq!(outstanding[1]["amountPence"], 5000);
        untouched(&app, "leeds", id, &version, events).await;
        assert_eq!(app.case("leeds", id).await["status"], "RESPONDED");

        let blank = app.act(&dcro, "closeCase", id, json!({ "outstandingReason": "  " })).await;
        assert_eq!(blank.code(), "BAD_USER_INPUT");
        assert_eq!(blank.field(), Some("outstandingReason"));
        untouched(&app, "leeds", id, &version, events).await;

        let closed = app.acted(&dcro, "closeCase", id, json!({
            "note": "Done",
            "outstandingReason": "The repair and payment go ahead through the service",
        })).await;
        assert_eq!(closed["status"], "CLOSED");
        let step = closed["timeline"].as_array().unwrap().last().unwrap();
        assert_eq!(step["kind"], "CLOSED");
        assert_eq!(step["data"]["outstandingReason"], "The repair and payment go ahead through the service");
        assert_eq!(step["data"]["outstanding"], outstanding);
        assert!(step["summary"].as_str().unwrap().ends_with("with 2 remedies outstanding"), "{step}");
    }
}
