//! Leeds City Council's procedure walked through the API, with the dates its
//! policy gives: stage I (acknowledged in 3 working days, para 13; answered
//! in 15, para 16), the 28-day window (para 17), stage II (3 and 15 working
//! days, paras 20 and 22), then the Local Government Ombudsman (para 23).

mod common;

use common::*;
use serde_json::json;

const LEEDS: &str = "leeds";

on_both_databases! {
    async fn a_complaint_over_christmas_goes_from_stage_one_to_the_ombudsman(app: TestApp) {
        let frontline = app.token(LEEDS, &["frontline"], "csa-1");
        let dcro = app.token(LEEDS, &["dcro"], "dcro-1");
        let investigator = app.token(LEEDS, &["investigating_officer"], "io-stage1");
        let reviewer = app.token(LEEDS, &["investigating_officer"], "io-stage2");
        let customer_feedback = app.token(LEEDS, &["customer_feedback_manager"], "cfm-1");

        // Received Monday 21 December 2026: acknowledged within 3 working
        // days (para 13) and answered within 15 (para 16), across Christmas.
        let case = app.logged(LEEDS, complaint_on("2026-12-21", "Missed collections")).await;
        let id = case["id"].as_str().unwrap().to_owned();
        assert_eq!(case["stage"], "STAGE_1");
        assert_eq!(due(&case, "ACKNOWLEDGE"), "2026-12-24");
        assert_eq!(due(&case, "RESPOND"), "2027-01-14");

        let case = app.acted(&frontline, "acknowledgeCase", &id, json!({
            "at": "2026-12-23T11:00:00Z",
            "input": { "handler": "Waste services", "contact": "0113 222 4400", "expectedBy": "2027-01-14" },
        })).await;
        assert_eq!(case["status"], "ACKNOWLEDGED");
        assert_eq!(case["timeline"][1]["data"]["handler"], "Waste services");

        // An investigator who is not assigned may not answer it.
        let refused = app.act(&investigator, "respondToCase", &id, json!({
            "input": { "outcome": "UPHELD", "summary": "s" },
        })).await;
        assert_eq!(refused.code(), "FORBIDDEN");
        for officer in ["io-stage1", "io-stage2"] {
            app.record_officer(LEEDS, officer).await;
        }
        let case = app.acted(&dcro, "assignInvestigator", &id, json!({ "officer": "io-stage1" })).await;
        assert_eq!(case["assignee"]["subject"], "io-stage1");

        // A holding response starts the two-week cadence (para 16).
        let case = app.acted(&investigator, "recordHoldingResponse", &id, json!({
            "at": "2027-01-08T15:00:00Z",
            "input": { "reason": "Waiting for the crew's records", "expectedBy": "2027-01-14" },
        })).await;
        assert_eq!(case["status"], "IN_PROGRESS");
        assert_eq!(due(&case, "HOLDING_RESPONSE"), "2027-01-22");

        // The stage I response on 13 January opens the 28-day window (para 17).
        let case = app.acted(&investigator, "respondToCase", &id, json!({
            "at": "2027-01-13T16:00:00Z",
            "expectedVersion": case["version"],
            "input": {
                "outcome": "PARTLY_UPHELD",
                "summary": "Two collections were missed; the round has been re-planned.",
                "remedies": [{ "kind": "APOLOGY", "description": "Apology for the missed collections" }],
                "learningPoints": [{ "lesson": "Crews lacked the new street list", "serviceImprovement": "Street lists issued weekly" }],
            },
        })).await;
        assert_eq!(case["status"], "RESPONDED");
        assert_eq!(case["outcome"], "PARTLY_UPHELD");
        assert_eq!(case["ombudsman"], "LGSCO");
        assert_eq!(case["escalateBy"], "2027-02-10");
        assert!(case["respondBy"].is_null(), "the response deadline is met");
        let respond = case["deadlines"].as_array().unwrap().iter()
            .find(|d| d["kind"] == "RESPOND").unwrap();
        assert_eq!((respond["missed"].as_bool(), respond["metAt"].is_null()), (Some(false), false));
        let responded = case["timeline"].as_array().unwrap().last().unwrap();
        assert_eq!(responded["kind"], "RESPONDED");
        assert_eq!(responded["data"]["sentTo"], "the customer");

        // The customer asks for stage II on 1 February, in writing: acknowledged
        // within 3 working days (para 20), outcome within 15 (para 22).
        let case = app.acted(&frontline, "requestEscalation", &id, json!({
            "at": "2027-02-01T09:30:00Z",
            "input": { "reasons": "The round is still missed", "desiredOutcome": "A reliable collection" },
        })).await;
        assert_eq!(case["stage"], "STAGE_2");
        assert_eq!(case["status"], "ESCALATION_REQUESTED");
        assert_eq!(due(&case, "ACKNOWLEDGE"), "2027-02-04");
        assert_eq!(due(&case, "RESPOND"), "2027-02-22");
        assert!(case["escalateBy"].is_null(), "the window is used");

        // The stage I investigator cannot review their own work.
        let partial = app.act(&dcro, "appointStage2Reviewer", &id, json!({ "officer": "io-stage1" })).await;
        assert_eq!(partial.code(), "POLICY_REJECTED");
        app.acted(&dcro, "appointStage2Reviewer", &id, json!({ "officer": "io-stage2" })).await;
        app.acted(&dcro, "acknowledgeCase", &id, json!({ "at": "2027-02-03T10:00:00Z" })).await;
        let case = app.acted(&reviewer, "respondToCase", &id, json!({
            "at": "2027-02-19T12:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "The stage I response stands." },
        })).await;
        assert_eq!(case["status"], "RESPONDED");
        assert!(case["escalateBy"].is_null(), "no further stage after stage II");

        // Para 23: no further right of appeal to the Council.
        let refused = app.act(&frontline, "requestEscalation", &id, json!({
            "input": { "reasons": "Still unhappy", "desiredOutcome": "Compensation" },
        })).await;
        assert_eq!(refused.code(), "POLICY_REJECTED");
        assert!(refused.message().contains("para 23"), "{}", refused.message());

        // The Local Government Ombudsman opens an enquiry and asks for a
        // reply by 12 April; the policy sets no time of its own, so the
        // reply is due on the Ombudsman's date. A date before the enquiry is
        // refused and writes nothing.
        let before = app.case(LEEDS, &id).await["version"].clone();
        let wrong = app.act(&customer_feedback, "recordOmbudsmanEnquiry", &id, json!({
            "at": "2027-03-15T09:00:00Z",
            "input": { "reference": "26 012 345", "replyBy": "2027-03-12" },
        })).await;
        assert_eq!((wrong.code(), wrong.field()), ("BAD_USER_INPUT", Some("replyBy")));
        assert_eq!(app.case(LEEDS, &id).await["version"], before);
        let case = app.acted(&customer_feedback, "recordOmbudsmanEnquiry", &id, json!({
            "at": "2027-03-15T09:00:00Z",
            "input": { "reference": "26 012 345", "replyBy": "2027-04-12" },
        })).await;
        assert_eq!((case["stage"].as_str(), case["status"].as_str()), (Some("OMBUDSMAN"), Some("WITH_OMBUDSMAN")));
        assert_eq!(case["ombudsmanReference"], "26 012 345");
        assert_eq!(due(&case, "OMBUDSMAN_RESPONSE"), "2027-04-12");
        assert!(open_deadline(&case, "OMBUDSMAN_RESPONSE").unwrap()["explanation"].as_str().unwrap()
            .contains("the date the Local Government and Social Care Ombudsman set for the reply to its enquiry of 2027-03-15"));

        // The Ombudsman agrees more time: the reply date is extended.
        let case = app.acted(&customer_feedback, "extendDeadline", &id, json!({
            "at": "2027-04-06T09:00:00Z",
            "input": { "kind": "OMBUDSMAN_RESPONSE", "newDue": "2027-04-26", "reason": "The Ombudsman agreed two more weeks" },
        })).await;
        assert_eq!(due(&case, "OMBUDSMAN_RESPONSE"), "2027-04-26");
        let replies: Vec<_> = case["deadlines"].as_array().unwrap().iter()
            .filter(|d| d["kind"] == "OMBUDSMAN_RESPONSE").collect();
        assert_eq!(replies.len(), 2, "the old date is kept, superseded");
        assert!(replies.iter().any(|d| d["due"] == "2027-04-12" && d["superseded"] == true));

        let case = app.acted(&customer_feedback, "replyToOmbudsman", &id, json!({
            "at": "2027-04-20T09:00:00Z", "summary": "Our file and both responses",
        })).await;
        assert!(open_deadline(&case, "OMBUDSMAN_RESPONSE").is_none(), "met in time");
        let case = app.acted(&customer_feedback, "recordOmbudsmanOutcome", &id, json!({
            "at": "2027-05-10T09:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "No fault found" },
        })).await;
        assert_eq!(case["status"], "CLOSED");
        assert_eq!(timeline_kinds(&case), [
            "CONTACT_LOGGED", "ACKNOWLEDGED", "INVESTIGATOR_ASSIGNED", "HOLDING_RESPONSE",
            "RESPONDED", "ESCALATION_REQUESTED", "REVIEWER_APPOINTED", "ACKNOWLEDGED",
            "RESPONDED", "OMBUDSMAN_ENQUIRY", "DEADLINE_EXTENDED", "OMBUDSMAN_REPLY", "OMBUDSMAN_OUTCOME",
        ]);
        assert_eq!(case["overdue"], false);
    }

    async fn a_late_stage_two_request_needs_discretion(app: TestApp) {
        let dcro = app.token(LEEDS, &["dcro"], "dcro-1");
        let customer_services = app.token(LEEDS, &["frontline"], "csa-1");
        let case = app.logged(LEEDS, complaint_on("2027-01-04", "Housing repair")).await;
        let id = case["id"].as_str().unwrap().to_owned();
        app.acted(&dcro, "acknowledgeCase", &id, json!({ "at": "2027-01-05T10:00:00Z" })).await;
        let case = app.acted(&dcro, "respondToCase", &id, json!({
            "at": "2027-01-20T10:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "Repair done on time" },
        })).await;
        assert_eq!(case["escalateBy"], "2027-02-17");
        let version = case["version"].clone();

        // Para 17: 28 days; after that only at the DCRO's discretion.
        let request = json!({ "reasons": "Repair failed again", "desiredOutcome": "A new repair" });
        let late = app.act(&customer_services, "requestEscalation", &id, json!({
            "at": "2027-02-20T10:00:00Z", "input": request,
        })).await;
        assert_eq!(late.code(), "POLICY_REJECTED");
        assert_eq!(late.body["errors"][0]["extensions"]["detail"]["escalateBy"], "2027-02-17");
        let mut with_discretion = request.clone();
        with_discretion["discretion"] = json!(true);
        let not_theirs = app.act(&customer_services, "requestEscalation", &id, json!({
            "at": "2027-02-20T10:00:00Z", "input": with_discretion,
        })).await;
        assert_eq!(not_theirs.code(), "FORBIDDEN");
        let unchanged = app.case(LEEDS, &id).await;
        assert_eq!(unchanged["version"], version);

        let case = app.acted(&dcro, "requestEscalation", &id, json!({
            "at": "2027-02-20T10:00:00Z", "input": with_discretion, "expectedVersion": version,
        })).await;
        assert_eq!(case["stage"], "STAGE_2");
        let step = case["timeline"].as_array().unwrap().last().unwrap().clone();
        assert!(step["data"]["policyNote"].as_str().unwrap().contains("discretion"), "{step}");
    }

    async fn a_verbal_stage_two_request_waits_for_the_agreed_statement(app: TestApp) {
        let dcro = app.token(LEEDS, &["dcro"], "dcro-1");
        let case = app.logged(LEEDS, complaint_on("2027-01-04", "Parking fine handling")).await;
        let id = case["id"].as_str().unwrap().to_owned();
        app.acted(&dcro, "acknowledgeCase", &id, json!({ "at": "2027-01-05T10:00:00Z" })).await;
        app.acted(&dcro, "respondToCase", &id, json!({
            "at": "2027-01-20T10:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "s" },
        })).await;
        let case = app.acted(&dcro, "requestEscalation", &id, json!({
            "at": "2027-01-25T10:00:00Z",
            "input": { "reasons": "By phone: still unhappy", "desiredOutcome": "Refund", "verbal": true },
        })).await;
        let statement = case["requirements"].as_array().unwrap().iter()
            .find(|r| r["key"] == "stage2_statement_agreed").expect("para 19 checklist item").clone();
        assert_eq!(statement["blocks"], json!(["respond"]));
        app.acted(&dcro, "acknowledgeCase", &id, json!({ "at": "2027-01-26T10:00:00Z" })).await;
        // Stage 2 is answered by someone who did not answer stage 1.
        let reviewing_dcro = app.token(LEEDS, &["dcro"], "dcro-2");
        let blocked = app.act(&reviewing_dcro, "respondToCase", &id, json!({
            "input": { "outcome": "NOT_UPHELD", "summary": "s" },
        })).await;
        assert_eq!(blocked.code(), "POLICY_REJECTED");
        assert!(blocked.message().contains("para 19"), "{}", blocked.message());
        // Para 22: the 15 working days run from the written statement, not
        // from the telephone call: no response clock until it is agreed.
        let case = app.case(LEEDS, &id).await;
        assert!(open_deadline(&case, "RESPOND").is_none(), "{}", case["deadlines"]);
        assert!(case["respondBy"].is_null());

        // The customer agrees the statement on Thursday 28 January: the
        // outcome is due 15 working days later.
        let case = app.acted(&dcro, "completeRequirement", &id, json!({
            "key": "stage2_statement_agreed", "at": "2027-01-28T15:00:00Z",
        })).await;
        assert_eq!(due(&case, "RESPOND"), "2027-02-18");
        assert_eq!(case["respondBy"], "2027-02-18");
        assert!(open_deadline(&case, "RESPOND").unwrap()["explanation"].as_str().unwrap()
            .contains("15 working days after the customer agreed the written statement of complaint on 2027-01-28 (paras 19, 22)"));
        let case = app.acted(&reviewing_dcro, "respondToCase", &id, json!({
            "at": "2027-02-17T10:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "The fine was handled correctly" },
        })).await;
        assert_eq!(case["status"], "RESPONDED");
        assert!(open_deadline(&case, "RESPOND").is_none(), "met");
        let met = case["deadlines"].as_array().unwrap().iter()
            .find(|d| d["kind"] == "RESPOND" && d["due"] == "2027-02-18").unwrap().clone();
        assert!(met["metAt"].is_string() && met["missed"] == false, "{met}");
    }

    async fn an_foi_complaint_over_easter_is_capped_at_forty_working_days(app: TestApp) {
        // Paras 61 and 63: stage II, 20 working days, never beyond 40.
        let dcro = app.token(LEEDS, &["dcro"], "dcro-1");
        let mut input = complaint_on("2027-03-22", "My FOI request was refused");
        input["kind"] = json!("FOI_COMPLAINT");
        let case = app.logged(LEEDS, input).await;
        let id = case["id"].as_str().unwrap().to_owned();
        assert_eq!(due(&case, "RESPOND"), "2027-04-21");
        app.acted(&dcro, "acknowledgeCase", &id, json!({ "at": "2027-03-23T10:00:00Z" })).await;
        let too_far = app.act(&dcro, "extendDeadline", &id, json!({
            "input": { "newDue": "2027-05-28", "reason": "Third-party consultation" },
        })).await;
        assert_eq!(too_far.code(), "POLICY_REJECTED");
        assert_eq!(too_far.body["errors"][0]["extensions"]["detail"]["maxDue"], "2027-05-20");
        let case = app.acted(&dcro, "extendDeadline", &id, json!({
            "at": "2027-04-15T10:00:00Z",
            "input": { "newDue": "2027-05-20", "reason": "Third-party consultation" },
        })).await;
        assert_eq!(case["respondBy"], "2027-05-20");
        let old = case["deadlines"].as_array().unwrap().iter()
            .find(|d| d["kind"] == "RESPOND" && d["superseded"] == true).unwrap().clone();
        assert_eq!(old["due"], "2027-04-21");

        // Paras 61-62: the customer's representations and Legal Services'
        // advice come before the outcome.
        let blocked = app.act(&dcro, "respondToCase", &id, json!({
            "input": { "outcome": "NOT_UPHELD", "summary": "The exemption applies" },
        })).await;
        assert_eq!(blocked.code(), "POLICY_REJECTED");
        let keys: Vec<String> = case["requirements"].as_array().unwrap().iter()
            .filter(|r| r["blocks"].as_array().unwrap().contains(&json!("respond")))
            .map(|r| r["key"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(keys.len(), 2, "{}", case["requirements"]);
        for key in &keys {
            app.acted(&dcro, "completeRequirement", &id, json!({ "key": key, "at": "2027-05-10T10:00:00Z" })).await;
        }
        let case = app.acted(&dcro, "respondToCase", &id, json!({
            "at": "2027-05-18T10:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "The exemption applies" },
        })).await;
        // Para 66: then the Information Commissioner, with no further stage.
        assert_eq!(case["ombudsman"], "ICO");
        assert!(case["escalateBy"].is_null());
        let met = case["deadlines"].as_array().unwrap().iter()
            .find(|d| d["kind"] == "RESPOND" && d["superseded"] == false).unwrap().clone();
        assert_eq!((met["due"].as_str(), met["missed"].as_bool()), (Some("2027-05-20"), Some(false)));
    }
}
