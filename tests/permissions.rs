//! Who may do what, driven from the permission matrix itself: every role
//! the matrix allows succeeds, every other is FORBIDDEN and writes nothing;
//! roles add up to no more than their sum; seniorities are set by someone
//! else, to a grade the policy names, and every change is kept; work goes
//! only to known officers; stage 2 is answered impartially.

mod common;

use common::*;
use redress::auth::{Action, Reach, Role};
use serde_json::{Value, json};

const LEEDS: &str = "leeds";
/// The customer who logged every case of the matrix through the portal.
const CUSTOMER: &str = "cust-1";
/// The investigating officer every case of the matrix is assigned to.
const ASSIGNED: &str = "io-1";
/// An investigating officer with no case.
const UNASSIGNED: &str = "io-2";
const REVIEWER: &str = "rev-1";

const OFFICERS: &str = "{ officers { subject displayName seniority } }";
const RECORD_OFFICER: &str =
    "mutation($i: OfficerInput!) { recordOfficer(input: $i) { subject displayName seniority } }";
const CHANGES: &str =
    "query($s: String!) { officerChanges(subject: $s) { changedBy changedAt old new } }";
const QUEUE: &str = "{ myQueue(dueWithinDays: 366) { id reference } }";

/// Where a case must stand for an action to apply.
#[derive(Debug, Clone, Copy)]
enum State {
    Received,
    Acknowledged,
    Answered,
    Stage2,
    WithOmbudsman,
    Closed,
    WithChecklist,
    Anonymous,
    /// Feedback Team's informal stage (a phone complaint).
    Informal,
}

/// Leeds, except for what only another council's process has.
fn council_of(state: State) -> &'static str {
    match state {
        State::Informal => "feedback-team",
        _ => LEEDS,
    }
}

/// Every case action, the capability it needs, and a case it applies to.
const CASE_ACTIONS: &[(&str, Action, State, &str)] = &[
    (
        "acknowledgeCase",
        Action::Acknowledge,
        State::Received,
        "{}",
    ),
    (
        "assignInvestigator",
        Action::AssignInvestigator,
        State::Received,
        r#"{"officer": "io-2"}"#,
    ),
    (
        "appointStage2Reviewer",
        Action::AppointReviewer,
        State::Stage2,
        r#"{"officer": "rev-1"}"#,
    ),
    (
        "recordHoldingResponse",
        Action::ReportProgress,
        State::Acknowledged,
        r#"{"input": {"reason": "Waiting for the crew's report", "expectedBy": "2027-06-30"}}"#,
    ),
    (
        "extendDeadline",
        Action::ReportProgress,
        State::Acknowledged,
        r#"{"input": {"newDue": "2027-06-30", "reason": "Site visit", "customerAgreed": true}}"#,
    ),
    (
        "recordInformalResolution",
        Action::ResolveInformally,
        State::Informal,
        r#"{"input": {"resolved": true, "summary": "Collected the same day"}}"#,
    ),
    (
        "respondToCase",
        Action::Respond,
        State::Acknowledged,
        r#"{"input": {"outcome": "UPHELD", "summary": "The round missed the street"}}"#,
    ),
    (
        "requestEscalation",
        Action::RequestEscalation,
        State::Answered,
        r#"{"input": {"reasons": "Still missed", "desiredOutcome": "A reliable collection"}}"#,
    ),
    (
        "assessStage2",
        Action::AssessStage2,
        State::Stage2,
        r#"{"input": {"decision": "INVESTIGATE"}}"#,
    ),
    (
        "recordOmbudsmanEnquiry",
        Action::LiaiseWithOmbudsman,
        State::Answered,
        r#"{"input": {}}"#,
    ),
    (
        "replyToOmbudsman",
        Action::LiaiseWithOmbudsman,
        State::WithOmbudsman,
        r#"{"summary": "Our file and answer"}"#,
    ),
    (
        "recordOmbudsmanOutcome",
        Action::LiaiseWithOmbudsman,
        State::WithOmbudsman,
        r#"{"input": {"outcome": "UPHELD", "summary": "Apologise again"}}"#,
    ),
    (
        "markOutOfScope",
        Action::Rescope,
        State::Received,
        r#"{"input": {"reason": "A request for service", "signpost": "Report it online"}}"#,
    ),
    (
        "convertCase",
        Action::Rescope,
        State::Received,
        r#"{"input": {"to": "SERVICE_REQUEST", "reason": "A first report", "customerAgreed": true}}"#,
    ),
    ("withdrawCase", Action::Withdraw, State::Received, "{}"),
    ("closeCase", Action::Close, State::Answered, "{}"),
    (
        "reopenCase",
        Action::Reopen,
        State::Closed,
        r#"{"reason": "Missed again"}"#,
    ),
    (
        "completeRequirement",
        Action::CompleteRequirement,
        State::WithChecklist,
        "{}",
    ),
    (
        "recordRemedy",
        Action::RecordRemedy,
        State::Acknowledged,
        r#"{"input": {"kind": "APOLOGY", "description": "Sorry for the missed bins"}}"#,
    ),
    (
        "recordLearningPoint",
        Action::RecordRemedy,
        State::Acknowledged,
        r#"{"input": {"lesson": "Crews lacked the street list"}}"#,
    ),
    (
        "decideNotToInvestigate",
        Action::DecideNotToInvestigate,
        State::Anonymous,
        r#"{"reason": "Judged malicious with the DCRO"}"#,
    ),
];

fn manager(app: &TestApp) -> String {
    app.token(LEEDS, &["customer_feedback_manager"], "setup-cfm")
}

/// A complaint in `state`, assigned to `io-1`; returns the case.
async fn case_in(app: &TestApp, state: State) -> Value {
    let council = council_of(state);
    let cfm = app.token(council, &["customer_feedback_manager"], "setup-cfm");
    let case = match state {
        State::Informal => {
            // Staff judge it simple enough to put right at once (section 6).
            let mut input = complaint_input("By phone");
            input["channel"] = json!("PHONE");
            input["simpleMatter"] = json!(true);
            app.logged(council, input).await
        }
        State::WithChecklist | State::Anonymous => {
            let mut input = complaint_input("Staff-logged");
            if matches!(state, State::Anonymous) {
                input["anonymous"] = json!(true);
                input.as_object_mut().unwrap().remove("customer");
            } else {
                input["discrimination"] = json!(true);
            }
            app.logged(LEEDS, input).await
        }
        _ => {
            let customer = app.token(LEEDS, &["customer"], CUSTOMER);
            let mut input = sent_by_themselves("Missed bin");
            input.as_object_mut().unwrap().remove("customer");
            let logged = app
                .graphql(
                    Some(&customer),
                    "mutation($i: LogContactInput!) { logContact(input: $i) { id } }",
                    json!({ "i": input }),
                )
                .await;
            logged.data()["logContact"].clone()
        }
    };
    let id = case["id"].as_str().unwrap().to_owned();
    app.acted(
        &cfm,
        "assignInvestigator",
        &id,
        json!({ "officer": ASSIGNED }),
    )
    .await;
    let steps: &[(&str, Value)] = match state {
        State::Received | State::WithChecklist | State::Anonymous | State::Informal => &[],
        State::Acknowledged => &[("acknowledgeCase", json!({}))],
        State::Answered | State::Stage2 | State::WithOmbudsman | State::Closed => &[
            ("acknowledgeCase", json!({})),
            (
                "respondToCase",
                json!({ "input": { "outcome": "NOT_UPHELD", "summary": "Collected as scheduled" } }),
            ),
        ],
    };
    for (action, vars) in steps {
        app.acted(&cfm, action, &id, vars.clone()).await;
    }
    let customer = app.token(LEEDS, &["customer"], CUSTOMER);
    let last: Option<(&str, &str, Value)> = match state {
        State::Stage2 => Some((
            "requestEscalation",
            &customer,
            json!({ "input": { "reasons": "Still missed", "desiredOutcome": "Collection" } }),
        )),
        State::WithOmbudsman => Some(("recordOmbudsmanEnquiry", &cfm, json!({ "input": {} }))),
        State::Closed => Some(("closeCase", &cfm, json!({}))),
        _ => None,
    };
    if let Some((action, token, vars)) = last {
        app.acted(token, action, &id, vars).await;
    }
    // As staff see it: a customer's answer shows only their side of the timeline.
    app.case(council, &id).await
}

/// The arguments of an action on this case.
fn arguments(action: &str, args: &str, case: &Value) -> Value {
    let mut vars: Value = serde_json::from_str(args).unwrap();
    if action == "completeRequirement" {
        vars["key"] = case["requirements"][0]["key"].clone();
    }
    vars
}

fn subject(role: Role) -> String {
    match role {
        Role::Customer => CUSTOMER.into(),
        Role::InvestigatingOfficer => ASSIGNED.into(),
        other => format!("{}-1", other.as_str()),
    }
}

async fn assert_untouched(app: &TestApp, id: &str, before: &Value, what: &str) {
    untouched_in(app, LEEDS, id, before, what).await
}

async fn untouched_in(app: &TestApp, council: &str, id: &str, before: &Value, what: &str) {
    let now = app.case(council, id).await;
    assert_eq!(now["version"], before["version"], "{what} changed the case");
    assert_eq!(
        now["timeline"].as_array().unwrap().len(),
        before["timeline"].as_array().unwrap().len(),
        "{what} wrote to the timeline"
    );
}

async fn record_officers(app: &TestApp) {
    for council in [LEEDS, "feedback-team"] {
        for officer in [ASSIGNED, UNASSIGNED, REVIEWER] {
            app.record_officer(council, officer).await;
        }
    }
}

/// Reads and directory operations, each with the capability it needs.
const QUERIES: &[(&str, Action)] = &[
    ("{ officers { subject } }", Action::SeeOfficers),
    (
        "{ officerChanges(subject: \"io-1\") { changedBy } }",
        Action::RecordOfficer,
    ),
    ("{ myQueue { id } }", Action::SeeQueue),
    (
        "{ designationsDueForReview { id } }",
        Action::SeeDesignations,
    ),
    ("{ policy { council } }", Action::AdministerPolicy),
];

on_both_databases! {
    async fn every_query_follows_the_matrix_for_every_role(app: TestApp) {
        record_officers(&app).await;
        for (query, capability) in QUERIES {
            for role in Role::ALL {
                let token = app.token(LEEDS, &[role.as_str()], &subject(role));
                let answer = app.graphql(Some(&token), query, json!({})).await;
                if capability.reach_of(role).is_some() {
                    answer.data();
                } else {
                    assert_eq!(answer.code(), "FORBIDDEN", "{query} as {role}: {}", answer.body);
                }
            }
        }
    }

    async fn every_case_action_follows_the_matrix_for_every_role(app: TestApp) {
        record_officers(&app).await;
        let mut allowed = 0;
        let mut refused = 0;
        for (action, capability, state, args) in CASE_ACTIONS {
            // The callers: each role alone, an investigating officer the case
            // is not assigned to, and one who is also frontline staff.
            let mut callers: Vec<(Vec<Role>, String)> =
                Role::ALL.iter().map(|r| (vec![*r], subject(*r))).collect();
            callers.push((vec![Role::InvestigatingOfficer], UNASSIGNED.into()));
            callers.push((vec![Role::Frontline, Role::InvestigatingOfficer], UNASSIGNED.into()));

            let refusal_case = case_in(&app, *state).await;
            for (roles, sub) in callers {
                let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
                let council = council_of(*state);
                let token = app.token(council, &names, &sub);
                let reach = capability.reach(&roles);
                let may = match reach {
                    Some(Reach::Council) => true,
                    Some(Reach::Assigned) => sub == ASSIGNED,
                    None => false,
                };
                let what = format!("{action} as {names:?} ({sub})");
                if may {
                    let case = case_in(&app, *state).await;
                    let id = case["id"].as_str().unwrap();
                    let answer = app.act(&token, action, id, arguments(action, args, &case)).await;
                    assert!(answer.data()[*action]["id"].is_string(), "{what}");
                    // Read back as staff: a customer's answer shows only their side.
                    let done = app.case(council, id).await;
                    assert_eq!(done["version"].as_i64(), case["version"].as_i64().map(|v| v + 1), "{what}");
                    let events = done["timeline"].as_array().unwrap();
                    assert_eq!(events.len(), case["timeline"].as_array().unwrap().len() + 1, "{what}");
                    assert_eq!(events.last().unwrap()["actorSubject"], sub.as_str(), "{what}");
                    allowed += 1;
                } else {
                    let id = refusal_case["id"].as_str().unwrap();
                    let answer = app.act(&token, action, id, arguments(action, args, &refusal_case)).await;
                    assert_eq!(answer.code(), "FORBIDDEN", "{what}: {}", answer.body);
                    untouched_in(&app, council, id, &refusal_case, &what).await;
                    refused += 1;
                }
            }
        }
        assert!(allowed >= 60 && refused >= 100, "{allowed} allowed, {refused} refused");
    }

    async fn a_frontline_investigator_may_not_answer_or_close_someone_elses_case(app: TestApp) {
        record_officers(&app).await;
        let both = app.token(LEEDS, &["frontline", "investigating_officer"], UNASSIGNED);
        let frontline = app.token(LEEDS, &["frontline"], UNASSIGNED);
        let investigator = app.token(LEEDS, &["investigating_officer"], UNASSIGNED);
        let answer = json!({ "input": { "outcome": "UPHELD", "summary": "Sorry" } });
        let case = case_in(&app, State::Acknowledged).await;
        let id = case["id"].as_str().unwrap();
        for token in [&both, &frontline, &investigator] {
            assert_eq!(app.act(token, "respondToCase", id, answer.clone()).await.code(), "FORBIDDEN");
        }
        let answered = case_in(&app, State::Answered).await;
        let answered_id = answered["id"].as_str().unwrap();
        for token in [&both, &frontline, &investigator] {
            assert_eq!(app.act(token, "closeCase", answered_id, json!({})).await.code(), "FORBIDDEN");
        }
        assert_untouched(&app, id, &case, "answering someone else's case").await;
        assert_untouched(&app, answered_id, &answered, "closing someone else's case").await;

        // What frontline may do itself still works on any case.
        let checklist = case_in(&app, State::WithChecklist).await;
        let key = checklist["requirements"][0]["key"].clone();
        let done = app.acted(&both, "completeRequirement", checklist["id"].as_str().unwrap(), json!({ "key": key })).await;
        assert_eq!(done["version"].as_i64(), checklist["version"].as_i64().map(|v| v + 1));
        assert_eq!(app.act(&investigator, "completeRequirement", checklist["id"].as_str().unwrap(), json!({ "key": checklist["requirements"][0]["key"] })).await.code(), "FORBIDDEN");

        // Assigned to them, the same token answers.
        let dcro = app.token(LEEDS, &["dcro"], "dcro-1");
        let mine = case_in(&app, State::Acknowledged).await;
        let mine_id = mine["id"].as_str().unwrap();
        app.acted(&dcro, "assignInvestigator", mine_id, json!({ "officer": UNASSIGNED })).await;
        let answered = app.acted(&both, "respondToCase", mine_id, answer).await;
        assert_eq!(answered["status"], "RESPONDED");
    }

    async fn nobody_sets_their_own_seniority_and_every_change_is_kept(app: TestApp) {
        record_officers(&app).await;
        let dcro = app.token(LEEDS, &["dcro"], "dee");
        let cfm = app.token(LEEDS, &["customer_feedback_manager"], "cara");
        let both = app.token(LEEDS, &["dcro", "customer_feedback_manager"], "dee");
        let recorded = app.graphql(Some(&cfm), RECORD_OFFICER, json!({ "i": { "subject": "dee", "displayName": "Dee Example", "seniority": "officer" } })).await;
        assert_eq!(recorded.data()["recordOfficer"]["seniority"], "officer");

        // A goodwill payment over a grade "officer"'s limit is refused...
        let case = case_in(&app, State::Acknowledged).await;
        let id = case["id"].as_str().unwrap();
        let remedy = app.graphql(Some(&dcro), "mutation($id: ID!) { recordRemedy(caseId: $id, input: { kind: GOODWILL_PAYMENT, description: \"For the missed bins\", amountPence: 7500 }) { version remedies { id } } }", json!({ "id": id })).await;
        let remedy_id = remedy.data()["recordRemedy"]["remedies"][0]["id"].clone();
        let approve = "mutation($r: ID!) { approveGoodwillPayment(remedyId: $r) { version } }";
        assert_eq!(app.graphql(Some(&dcro), approve, json!({ "r": remedy_id })).await.code(), "POLICY_REJECTED");

        // ...and its approver cannot lift their own grade, whatever roles they hold.
        for token in [&dcro, &both] {
            let own = app.graphql(Some(token), RECORD_OFFICER, json!({ "i": { "subject": "dee", "seniority": "chief_officer" } })).await;
            assert_eq!(own.code(), "FORBIDDEN", "{}", own.body);
        }
        let own = app.graphql(Some(&cfm), RECORD_OFFICER, json!({ "i": { "subject": "cara", "seniority": "chief_officer" } })).await;
        assert_eq!(own.code(), "FORBIDDEN");
        // A DCRO does not set grades at all; they may record a name.
        let other = app.graphql(Some(&dcro), RECORD_OFFICER, json!({ "i": { "subject": "ivy", "seniority": "chief_officer" } })).await;
        assert_eq!(other.code(), "FORBIDDEN");
        let named = app.graphql(Some(&dcro), RECORD_OFFICER, json!({ "i": { "subject": "ivy", "displayName": "Ivy" } })).await;
        assert_eq!(named.data()["recordOfficer"]["seniority"], Value::Null);

        let listed = app.graphql(Some(&dcro), OFFICERS, json!({})).await;
        let dee = listed.data()["officers"].as_array().unwrap().iter().find(|o| o["subject"] == "dee").unwrap().clone();
        assert_eq!(dee["seniority"], "officer", "the refused changes wrote nothing");
        assert!(!listed.data()["officers"].as_array().unwrap().iter().any(|o| o["subject"] == "cara"));
        assert_eq!(app.graphql(Some(&dcro), approve, json!({ "r": remedy_id })).await.code(), "POLICY_REJECTED");

        // The feedback manager changes it; each change says who, when, from what to what.
        app.graphql(Some(&cfm), RECORD_OFFICER, json!({ "i": { "subject": "dee", "seniority": "service_manager" } })).await.data();
        let changes = app.graphql(Some(&dcro), CHANGES, json!({ "s": "dee" })).await;
        let changes = changes.data()["officerChanges"].as_array().unwrap().clone();
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert_eq!(changes[0]["changedBy"], "cara");
        assert_eq!(changes[0]["old"], Value::Null);
        assert_eq!(changes[0]["new"], json!({ "displayName": "Dee Example", "email": null, "seniority": "officer" }));
        assert_eq!(changes[1]["old"]["seniority"], "officer");
        assert_eq!(changes[1]["new"]["seniority"], "service_manager");
        assert!(changes[1]["changedAt"].as_str().unwrap().starts_with(&NOW[..19]), "{changes:?}");
        let frontline = app.token(LEEDS, &["frontline"], "fo");
        assert_eq!(app.graphql(Some(&frontline), CHANGES, json!({ "s": "dee" })).await.code(), "FORBIDDEN");
    }

    async fn a_seniority_is_a_grade_the_councils_policy_names(app: TestApp) {
        let cfm = app.token(LEEDS, &["customer_feedback_manager"], "cara");
        let typo = app.graphql(Some(&cfm), RECORD_OFFICER, json!({ "i": { "subject": "dee", "seniority": "cheif_officer" } })).await;
        assert_eq!((typo.code(), typo.field()), ("BAD_USER_INPUT", Some("seniority")));
        assert!(typo.message().contains("chief_officer"), "{}", typo.message());
        let listed = app.graphql(Some(&cfm), OFFICERS, json!({})).await;
        assert_eq!(listed.data()["officers"], json!([]), "a refused record writes nothing");
        for grade in ["officer", "service_manager", "chief_officer"] {
            let ok = app.graphql(Some(&cfm), RECORD_OFFICER, json!({ "i": { "subject": "dee", "seniority": grade } })).await;
            assert_eq!(ok.data()["recordOfficer"]["seniority"], grade);
        }
        // Leicester's policy names its own grades: Leeds' DCRO grade is not one.
        let leicester = app.token("leicester", &["customer_feedback_manager"], "lee");
        let foreign = app.graphql(Some(&leicester), RECORD_OFFICER, json!({ "i": { "subject": "dee", "seniority": "dcro" } })).await;
        assert_eq!((foreign.code(), foreign.field()), ("BAD_USER_INPUT", Some("seniority")));
        let own = app.graphql(Some(&leicester), RECORD_OFFICER, json!({ "i": { "subject": "dee", "seniority": "officer" } })).await;
        assert_eq!(own.data()["recordOfficer"]["seniority"], "officer");
    }

    async fn work_goes_only_to_known_officers(app: TestApp) {
        record_officers(&app).await;
        let dcro = app.token(LEEDS, &["dcro"], "dcro-1");
        let case = app.logged(LEEDS, complaint_input("Missed bin")).await;
        let id = case["id"].as_str().unwrap();
        let typo = app.act(&dcro, "assignInvestigator", id, json!({ "officer": "io-idaa" })).await;
        assert_eq!((typo.code(), typo.field()), ("BAD_USER_INPUT", Some("officer")));
        assert_untouched(&app, id, &case, "assigning an unknown officer").await;
        let stage2 = case_in(&app, State::Stage2).await;
        let stage2_id = stage2["id"].as_str().unwrap();
        let typo = app.act(&dcro, "appointStage2Reviewer", stage2_id, json!({ "officer": "rev-l" })).await;
        assert_eq!((typo.code(), typo.field()), ("BAD_USER_INPUT", Some("officer")));
        assert_untouched(&app, stage2_id, &stage2, "appointing an unknown reviewer").await;

        for role in ["frontline", "investigating_officer", "dcro", "customer_feedback_manager"] {
            let token = app.token(LEEDS, &[role], "someone");
            let listed = app.graphql(Some(&token), OFFICERS, json!({})).await;
            let subjects: Vec<&str> = listed.data()["officers"].as_array().unwrap().iter().map(|o| o["subject"].as_str().unwrap()).collect();
            assert_eq!(subjects, [ASSIGNED, UNASSIGNED, REVIEWER], "{role}");
        }
        for role in ["customer", "councillor", "policy_admin"] {
            let token = app.token(LEEDS, &[role], "someone");
            assert_eq!(app.graphql(Some(&token), OFFICERS, json!({})).await.code(), "FORBIDDEN", "{role}");
        }
        let elsewhere = app.token("leicester", &["dcro"], "dcro-1");
        assert_eq!(app.graphql(Some(&elsewhere), OFFICERS, json!({})).await.data()["officers"], json!([]));
        let assigned = app.acted(&dcro, "assignInvestigator", id, json!({ "officer": " io-1 " })).await;
        assert_eq!(assigned["assignee"]["subject"], ASSIGNED);
    }

    async fn stage_two_is_answered_by_the_reviewer_not_the_stage_one_investigator(app: TestApp) {
        record_officers(&app).await;
        let dcro = app.token(LEEDS, &["dcro"], "dcro-1");
        let investigator = app.token(LEEDS, &["investigating_officer"], ASSIGNED);
        let investigator_too = app.token(LEEDS, &["frontline", "investigating_officer"], ASSIGNED);
        let reviewer = app.token(LEEDS, &["investigating_officer"], REVIEWER);
        let customer = app.token(LEEDS, &["customer"], CUSTOMER);
        let answer = |summary: &str| json!({ "input": { "outcome": "PARTLY_UPHELD", "summary": summary } });

        let case = case_in(&app, State::Acknowledged).await;
        let id = case["id"].as_str().unwrap();
        app.acted(&investigator, "respondToCase", id, answer("Stage 1 answer")).await;
        app.acted(&customer, "requestEscalation", id, json!({ "input": { "reasons": "Still missed", "desiredOutcome": "Collection" } })).await;
        let empty = app.graphql(Some(&reviewer), QUEUE, json!({})).await;
        assert_eq!(empty.data()["myQueue"], json!([]));
        app.acted(&dcro, "appointStage2Reviewer", id, json!({ "officer": REVIEWER })).await;
        let appointed = app.acted(&dcro, "acknowledgeCase", id, json!({})).await;

        let queued = app.graphql(Some(&reviewer), QUEUE, json!({})).await;
        assert_eq!(queued.data()["myQueue"], json!([{ "id": id, "reference": appointed["reference"] }]));

        for token in [&investigator, &investigator_too] {
            let refused = app.act(token, "respondToCase", id, answer("Stage 2 by the wrong person")).await;
            assert_eq!(refused.code(), "FORBIDDEN", "{}", refused.body);
        }
        assert_untouched(&app, id, &appointed, "the stage 1 investigator answering stage 2").await;
        let answered = app.acted(&reviewer, "respondToCase", id, answer("Stage 2 answer")).await;
        assert_eq!(answered["status"], "RESPONDED");
        assert_eq!(answered["timeline"].as_array().unwrap().last().unwrap()["actorSubject"], REVIEWER);

        // With no reviewer, a manager who answered stage 1 may not answer
        // stage 2; one who took no part may.
        let cfm = manager(&app);
        let other = case_in(&app, State::Answered).await;
        let other_id = other["id"].as_str().unwrap();
        app.acted(&customer, "requestEscalation", other_id, json!({ "input": { "reasons": "No", "desiredOutcome": "Yes" } })).await;
        let escalated = app.acted(&dcro, "acknowledgeCase", other_id, json!({})).await;
        assert_eq!(app.act(&cfm, "respondToCase", other_id, answer("Again")).await.code(), "FORBIDDEN");
        assert_untouched(&app, other_id, &escalated, "the stage 1 responder answering stage 2").await;
        let answered = app.acted(&dcro, "respondToCase", other_id, answer("A fresh look")).await;
        assert_eq!(answered["status"], "RESPONDED");
    }
}
