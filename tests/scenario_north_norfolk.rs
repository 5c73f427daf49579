//! North Norfolk District Council's Customer Complaints Policy (September
//! 2016) walked through the API, with the dates its policy gives. The
//! policy's sections are headed, not numbered; comments quote the heading.
//! Stage 1 - Informal Resolution (15 working days), Stage 2 - Formal
//! Resolution (acknowledged in 3, answered in 28 working days; reconsideration
//! asked for within 28 working days of the response), Stage 3 - Review (28
//! working days), then the Local Government Ombudsman ("How to appeal
//! against the outcome of a complaint").

mod common;

use common::*;
use redress::jobs::sweeper;
use serde_json::json;

const NORTH_NORFOLK: &str = "north-norfolk";

on_both_databases! {
    async fn a_complaint_over_christmas_goes_through_all_three_stages(app: TestApp) {
        let frontline = app.token(NORTH_NORFOLK, &["frontline"], "csa-1");
        let coordinator = app.token(NORTH_NORFOLK, &["dcro"], "coordinator-1");
        let service_officer = app.token(NORTH_NORFOLK, &["investigating_officer"], "io-stage1");
        let service_manager = app.token(NORTH_NORFOLK, &["investigating_officer"], "sm-stage2");
        let director = app.token(NORTH_NORFOLK, &["investigating_officer"], "director-1");

        // Received Monday 21 December 2026. Stage 1 - Informal Resolution:
        // resolved "within a maximum of 15 working days", across Christmas;
        // the informal stage has no acknowledgement clock.
        let case = app.logged(NORTH_NORFOLK, complaint_on("2026-12-21", "Missed collections")).await;
        let id = case["id"].as_str().unwrap().to_owned();
        assert_eq!(case["stage"], "STAGE_1");
        assert_eq!(due(&case, "RESPOND"), "2027-01-14");
        assert!(open_deadline(&case, "ACKNOWLEDGE").is_none());

        // Introduction: the Corporate Customer Contact Co-ordinator ensures
        // an acknowledgement is sent.
        let case = app.acted(&frontline, "acknowledgeCase", &id, json!({
            "at": "2026-12-22T11:00:00Z",
            "input": { "handler": "Waste services", "expectedBy": "2027-01-14" },
        })).await;
        assert_eq!(case["status"], "ACKNOWLEDGED");
        for officer in ["io-stage1", "sm-stage2", "director-1"] {
            app.record_officer(NORTH_NORFOLK, officer).await;
        }
        app.acted(&coordinator, "assignInvestigator", &id, json!({ "officer": "io-stage1" })).await;

        // Responding to Complaints: respond or send a holding letter within
        // the stage's timescale; one holding letter, no further cadence.
        let case = app.acted(&service_officer, "recordHoldingResponse", &id, json!({
            "at": "2027-01-08T15:00:00Z",
            "input": { "reason": "Waiting for the crew's records", "expectedBy": "2027-01-14" },
        })).await;
        assert_eq!(case["status"], "IN_PROGRESS");
        assert!(open_deadline(&case, "HOLDING_RESPONSE").is_none());

        let case = app.acted(&service_officer, "respondToCase", &id, json!({
            "at": "2027-01-13T16:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "The bin was not out on collection day." },
        })).await;
        assert_eq!(case["status"], "RESPONDED");
        assert_eq!(case["ombudsman"], "LGSCO");
        assert!(case["escalateBy"].is_null(), "no time limit is set for the formal stage");

        // Stage 2 - Formal Resolution, asked for on Monday 18 January:
        // acknowledged within 3 working days, full response within 28.
        let case = app.acted(&frontline, "requestEscalation", &id, json!({
            "at": "2027-01-18T09:30:00Z",
            "input": { "reasons": "The bin was out", "desiredOutcome": "Collections on time" },
        })).await;
        assert_eq!((case["stage"].as_str(), case["status"].as_str()), (Some("STAGE_2"), Some("ESCALATION_REQUESTED")));
        assert_eq!(due(&case, "ACKNOWLEDGE"), "2027-01-21");
        assert_eq!(due(&case, "RESPOND"), "2027-02-25");

        // The complaints coordinator ensures an appropriate service manager
        // investigates: not the officer who answered Stage 1.
        let partial = app.act(&coordinator, "appointStage2Reviewer", &id, json!({ "officer": "io-stage1" })).await;
        assert_eq!(partial.code(), "POLICY_REJECTED");
        app.acted(&coordinator, "appointStage2Reviewer", &id, json!({ "officer": "sm-stage2" })).await;
        app.acted(&frontline, "acknowledgeCase", &id, json!({ "at": "2027-01-20T10:00:00Z" })).await;

        // The Stage 2 response on 24 February opens the reconsideration
        // window: 28 working days, skipping Good Friday and Easter Monday.
        let case = app.acted(&service_manager, "respondToCase", &id, json!({
            "at": "2027-02-24T12:00:00Z",
            "input": { "outcome": "PARTLY_UPHELD", "summary": "One collection was missed." },
        })).await;
        assert_eq!(case["status"], "RESPONDED");
        assert_eq!(case["escalateBy"], "2027-04-07");
        assert_eq!(due(&case, "ESCALATE"), "2027-04-07");

        // Stage 3 - Review, asked for on 22 March: a Corporate Director
        // responds within 28 working days (over Easter and 3 May).
        let case = app.acted(&frontline, "requestEscalation", &id, json!({
            "at": "2027-03-22T09:30:00Z",
            "input": { "reasons": "The missed collections were not one", "desiredOutcome": "An apology" },
        })).await;
        assert_eq!(case["stage"], "STAGE_3");
        assert_eq!(due(&case, "RESPOND"), "2027-05-04");
        assert!(case["escalateBy"].is_null(), "the window is used");
        let reasons = case["requirements"].as_array().unwrap().iter()
            .find(|r| r["key"] == "reconsideration_reasons").expect("Stage 2 checklist item").clone();
        assert_eq!(reasons["blocks"], json!(["respond"]));

        // Stage 3 re-examines the Stage 1 and 2 responses: neither author
        // reviews it.
        let partial = app.act(&coordinator, "appointStage2Reviewer", &id, json!({ "officer": "sm-stage2" })).await;
        assert_eq!(partial.code(), "POLICY_REJECTED");
        let case = app.acted(&coordinator, "appointStage2Reviewer", &id, json!({ "officer": "director-1" })).await;
        assert_eq!(case["stage2Reviewer"]["subject"], "director-1");
        app.acted(&coordinator, "acknowledgeCase", &id, json!({ "at": "2027-03-23T10:00:00Z" })).await;

        // Stage 2 - Formal Resolution: the customer is required to identify
        // why the Stage 2 response failed to satisfy their complaint; until
        // that is recorded the review cannot be answered.
        let blocked = app.act(&director, "respondToCase", &id, json!({
            "input": { "outcome": "NOT_UPHELD", "summary": "The Stage 2 response stands." },
        })).await;
        assert_eq!(blocked.code(), "POLICY_REJECTED");
        assert_eq!(
            blocked.body["errors"][0]["extensions"]["detail"]["unmetRequirements"][0],
            reasons["label"]
        );
        assert_eq!(timeline_kinds(&app.case(NORTH_NORFOLK, &id).await), [
            "CONTACT_LOGGED", "ACKNOWLEDGED", "INVESTIGATOR_ASSIGNED", "HOLDING_RESPONSE",
            "RESPONDED", "ESCALATION_REQUESTED", "REVIEWER_APPOINTED", "ACKNOWLEDGED",
            "RESPONDED", "ESCALATION_REQUESTED", "REVIEWER_APPOINTED", "ACKNOWLEDGED",
        ]);

        // With the customer's reasons recorded, the director answers and the
        // Local Government Ombudsman is the next step.
        app.acted(&coordinator, "completeRequirement", &id, json!({
            "key": "reconsideration_reasons", "at": "2027-03-24T10:00:00Z",
        })).await;
        let case = app.acted(&director, "respondToCase", &id, json!({
            "at": "2027-04-30T10:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "The Stage 2 response stands." },
        })).await;
        assert_eq!(case["status"], "RESPONDED");
        let answered = case["deadlines"].as_array().unwrap().iter()
            .find(|d| d["kind"] == "RESPOND" && d["stage"] == "STAGE_3").unwrap().clone();
        assert_eq!((answered["due"].as_str(), answered["missed"].as_bool()), (Some("2027-05-04"), Some(false)));
        let refused = app.act(&coordinator, "requestEscalation", &id, json!({
            "input": { "reasons": "Still unhappy", "desiredOutcome": "Refund" },
        })).await;
        assert_eq!(refused.code(), "POLICY_REJECTED");
    }

    async fn a_late_reconsideration_request_is_refused_and_the_ombudsman_decides(app: TestApp) {
        let frontline = app.token(NORTH_NORFOLK, &["frontline"], "csa-1");
        let coordinator = app.token(NORTH_NORFOLK, &["dcro"], "coordinator-1");
        let customer_relations = app.token(NORTH_NORFOLK, &["customer_feedback_manager"], "ccc-1");

        // In person on Monday 22 March 2027: 15 working days skip Good
        // Friday and Easter Monday (Stage 1 - Informal Resolution).
        let mut input = complaint_on("2027-03-22", "Leisure centre booking");
        input["channel"] = json!("IN_PERSON");
        input["service"] = json!("leisure");
        let case = app.logged(NORTH_NORFOLK, input).await;
        let id = case["id"].as_str().unwrap().to_owned();
        assert_eq!(due(&case, "RESPOND"), "2027-04-14");
        app.acted(&frontline, "acknowledgeCase", &id, json!({ "at": "2027-03-22T15:00:00Z" })).await;
        app.acted(&coordinator, "respondToCase", &id, json!({
            "at": "2027-03-24T10:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "The booking was cancelled by the customer" },
        })).await;

        // Stage 2 - Formal Resolution asked for on Thursday 25 March: the
        // 3 working days to acknowledge skip the Easter bank holidays.
        let case = app.acted(&frontline, "requestEscalation", &id, json!({
            "at": "2027-03-25T10:00:00Z",
            "input": { "reasons": "I did not cancel", "desiredOutcome": "A refund" },
        })).await;
        assert_eq!(case["stage"], "STAGE_2");
        assert_eq!(due(&case, "ACKNOWLEDGE"), "2027-04-01");
        assert_eq!(due(&case, "RESPOND"), "2027-05-07");
        app.acted(&coordinator, "acknowledgeCase", &id, json!({ "at": "2027-03-30T10:00:00Z" })).await;
        // Answered by someone who took no part in stage 1.
        let case = app.acted(&customer_relations, "respondToCase", &id, json!({
            "at": "2027-04-09T10:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "The cancellation came from the customer's account" },
        })).await;
        // 28 working days from Friday 9 April skip the 3 May bank holiday.
        assert_eq!(case["escalateBy"], "2027-05-20");
        let version = case["version"].clone();

        // Reconsideration must be asked for within 28 working days of the
        // Stage 2 response; on 21 May it is too late.
        let late = app.act(&frontline, "requestEscalation", &id, json!({
            "at": "2027-05-21T10:00:00Z",
            "input": { "reasons": "Still no refund", "desiredOutcome": "A refund" },
        })).await;
        assert_eq!(late.code(), "POLICY_REJECTED");
        assert_eq!(late.body["errors"][0]["extensions"]["detail"]["escalateBy"], "2027-05-20");
        assert!(late.message().contains("28 working days after the Stage 2 response on 2027-04-09"),
            "{}", late.message());
        let unchanged = app.case(NORTH_NORFOLK, &id).await;
        assert_eq!((unchanged["version"].clone(), unchanged["stage"].as_str()), (version, Some("STAGE_2")));

        // How to appeal against the outcome of a complaint: the Local
        // Government Ombudsman.
        let case = app.acted(&customer_relations, "recordOmbudsmanEnquiry", &id, json!({
            "at": "2027-05-24T09:00:00Z",
            "input": { "reference": "27 001 234" },
        })).await;
        assert_eq!((case["stage"].as_str(), case["status"].as_str()), (Some("OMBUDSMAN"), Some("WITH_OMBUDSMAN")));
        assert_eq!(case["ombudsman"], "LGSCO");
        app.acted(&customer_relations, "replyToOmbudsman", &id, json!({
            "at": "2027-05-28T09:00:00Z", "summary": "Both responses and the booking log",
        })).await;
        let case = app.acted(&customer_relations, "recordOmbudsmanOutcome", &id, json!({
            "at": "2027-06-01T08:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "No fault in how the booking was handled" },
        })).await;
        assert_eq!(case["status"], "CLOSED");
    }

    async fn a_complaint_about_a_director_waits_for_advice_on_who_investigates(app: TestApp) {
        let coordinator = app.token(NORTH_NORFOLK, &["dcro"], "coordinator-1");
        // Exceptions: the Chief Executive or Leader advises who investigates a
        // complaint about a Director or Senior Manager; the timescale is the
        // same 15 working days.
        let mut input = complaint_on("2026-12-21", "Conduct of the Director of Place");
        input["aboutSeniorOfficer"] = json!(true);
        let case = app.logged(NORTH_NORFOLK, input).await;
        let id = case["id"].as_str().unwrap().to_owned();
        assert_eq!(due(&case, "RESPOND"), "2027-01-14");
        app.acted(&coordinator, "acknowledgeCase", &id, json!({ "at": "2026-12-22T09:00:00Z" })).await;
        let blocked = app.act(&coordinator, "respondToCase", &id, json!({
            "at": "2027-01-05T10:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "s" },
        })).await;
        assert_eq!(blocked.code(), "POLICY_REJECTED");
        assert!(blocked.message().contains("Chief Executive or Leader"), "{}", blocked.message());
        assert_eq!(app.case(NORTH_NORFOLK, &id).await["status"], "ACKNOWLEDGED");
        app.acted(&coordinator, "completeRequirement", &id, json!({
            "key": "investigator_advised", "at": "2026-12-22T10:00:00Z",
        })).await;
        let case = app.acted(&coordinator, "respondToCase", &id, json!({
            "at": "2027-01-05T10:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "The Director acted properly" },
        })).await;
        assert_eq!(case["status"], "RESPONDED");
        let plain = app.logged(NORTH_NORFOLK, complaint_on("2026-12-21", "Missed bin")).await;
        assert_eq!(plain["requirements"], json!([]));
    }

    async fn a_late_stage_two_response_calls_for_a_holding_letter(app: TestApp) {
        let coordinator = app.token(NORTH_NORFOLK, &["dcro"], "coordinator-1");
        let case = app.logged(NORTH_NORFOLK, complaint_on("2027-01-04", "Missed collections")).await;
        let id = case["id"].as_str().unwrap().to_owned();
        app.acted(&coordinator, "acknowledgeCase", &id, json!({ "at": "2027-01-05T10:00:00Z" })).await;
        app.acted(&coordinator, "respondToCase", &id, json!({
            "at": "2027-01-20T10:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "s" },
        })).await;
        let case = app.acted(&coordinator, "requestEscalation", &id, json!({
            "at": "2027-01-25T10:00:00Z",
            "input": { "reasons": "Still missed", "desiredOutcome": "Collections" },
        })).await;
        let respond_by = due(&case, "RESPOND");
        app.acted(&coordinator, "acknowledgeCase", &id, json!({ "at": "2027-01-26T10:00:00Z" })).await;

        // Responding to Complaints: "At each stage respond ... or send a
        // holding letter": the Stage 2 response is missed, so a holding
        // letter is due by the end of the Stage 2 timescale.
        sweeper::pass(&app.state).await.unwrap();
        let case = app.case(NORTH_NORFOLK, &id).await;
        let holding = open_deadline(&case, "HOLDING_RESPONSE").expect("a Stage 2 holding letter").clone();
        assert_eq!(holding["due"], respond_by.as_str());
        assert!(holding["explanation"].as_str().unwrap()
            .contains("28 working days after the start of Stage 2 on 2027-01-25 (Stage 2 - Formal Resolution)"), "{holding}");

        let case = app.acted(&coordinator, "recordHoldingResponse", &id, json!({
            "at": "2027-03-08T10:00:00Z",
            "input": { "reason": "Waiting for the contractor", "expectedBy": "2027-03-19" },
        })).await;
        assert!(open_deadline(&case, "HOLDING_RESPONSE").is_none(), "one holding letter, no further cadence");
    }
}
