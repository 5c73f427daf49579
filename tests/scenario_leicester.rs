//! Leicester City Council's Corporate Complaints Policy walked through the
//! API, with the dates its policy gives: one stage, acknowledged within 3
//! working days and resolved within 10 weeks of receipt (5.3), extended for
//! good cause (5.4), then the Local Government and Social Care Ombudsman, or
//! the Housing Ombudsman for housing complaints (5.5, 8.1).

mod common;

use common::*;
use serde_json::json;

const LEICESTER: &str = "leicester";

on_both_databases! {
    async fn a_complaint_over_christmas_is_extended_answered_and_taken_to_the_ombudsman(app: TestApp) {
        let frontline = app.token(LEICESTER, &["frontline"], "csc-1");
        let dcro = app.token(LEICESTER, &["dcro"], "dcro-1");
        let complaints_officer = app.token(LEICESTER, &["investigating_officer"], "co-1");
        let customer_relations = app.token(LEICESTER, &["customer_feedback_manager"], "ccr-1");

        // Received through the portal on Monday 21 December 2026:
        // acknowledged within 3 working days, resolved within 10 weeks of
        // receipt (5.3), both across Christmas.
        let mut input = complaint_on("2026-12-21", "Missed collections");
        input["channel"] = json!("WEB");
        let case = app.logged(LEICESTER, input).await;
        let id = case["id"].as_str().unwrap().to_owned();
        assert_eq!(case["stage"], "STAGE_1");
        assert_eq!(due(&case, "ACKNOWLEDGE"), "2026-12-24");
        assert_eq!(due(&case, "RESPOND"), "2027-03-01");

        let case = app.acted(&frontline, "acknowledgeCase", &id, json!({
            "at": "2026-12-23T11:00:00Z",
            "input": { "handler": "Complaints Officer", "expectedBy": "2027-03-01" },
        })).await;
        assert_eq!(case["status"], "ACKNOWLEDGED");
        assert!(open_deadline(&case, "ACKNOWLEDGE").is_none(), "the acknowledgement is met");

        // 5.2: allocated to a Complaints Officer independent of the service.
        let refused = app.act(&complaints_officer, "respondToCase", &id, json!({
            "input": { "outcome": "UPHELD", "summary": "s" },
        })).await;
        assert_eq!(refused.code(), "FORBIDDEN");
        app.record_officer(LEICESTER, "co-1").await;
        let case = app.acted(&dcro, "assignInvestigator", &id, json!({ "officer": "co-1" })).await;
        assert_eq!(case["assignee"]["subject"], "co-1");

        // 5.4: the response deadline is extended for good cause, and the
        // customer is told; the policy sets no cap.
        let case = app.acted(&complaints_officer, "extendDeadline", &id, json!({
            "at": "2027-02-22T10:00:00Z",
            "input": { "newDue": "2027-03-15", "reason": "Waiting for the contractor's records" },
        })).await;
        assert_eq!(case["respondBy"], "2027-03-15");
        let old = case["deadlines"].as_array().unwrap().iter()
            .find(|d| d["kind"] == "RESPOND" && d["superseded"] == true).unwrap().clone();
        assert_eq!(old["due"], "2027-03-01");

        // 5.5: the findings, and the right to go to the LGSCO.
        let case = app.acted(&complaints_officer, "respondToCase", &id, json!({
            "at": "2027-03-10T16:00:00Z",
            "input": {
                "outcome": "PARTLY_UPHELD",
                "summary": "Two collections were missed; the round has been re-planned.",
                "remedies": [{ "kind": "APOLOGY", "description": "Apology for the missed collections" }],
            },
        })).await;
        assert_eq!(case["status"], "RESPONDED");
        assert_eq!(case["ombudsman"], "LGSCO");
        assert!(case["escalateBy"].is_null(), "one stage: no window to ask for another");
        assert!(case["respondBy"].is_null(), "the extended deadline is met");
        let respond = case["deadlines"].as_array().unwrap().iter()
            .find(|d| d["kind"] == "RESPOND" && d["superseded"] == false).unwrap().clone();
        assert_eq!((respond["due"].as_str(), respond["missed"].as_bool()), (Some("2027-03-15"), Some(false)));

        // 5.5 and 8.1: the council's response is final.
        let refused = app.act(&frontline, "requestEscalation", &id, json!({
            "at": "2027-03-15T10:00:00Z",
            "input": { "reasons": "Still missed", "desiredOutcome": "A reliable collection" },
        })).await;
        assert_eq!(refused.code(), "POLICY_REJECTED");
        assert!(refused.message().contains("Local Government and Social Care Ombudsman (5.5, 8.1)"),
            "{}", refused.message());

        // 8.1: the customer contacts the LGSCO.
        let case = app.acted(&customer_relations, "recordOmbudsmanEnquiry", &id, json!({
            "at": "2027-04-05T09:00:00Z",
            "input": { "reference": "26 014 001" },
        })).await;
        assert_eq!((case["stage"].as_str(), case["status"].as_str()), (Some("OMBUDSMAN"), Some("WITH_OMBUDSMAN")));
        assert_eq!(case["ombudsman"], "LGSCO");
        app.acted(&customer_relations, "replyToOmbudsman", &id, json!({
            "at": "2027-04-19T09:00:00Z", "summary": "Our file and the response",
        })).await;
        let case = app.acted(&customer_relations, "recordOmbudsmanOutcome", &id, json!({
            "at": "2027-05-17T09:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "The apology and re-planned round are a fair remedy" },
        })).await;
        assert_eq!(case["status"], "CLOSED");
        assert_eq!(timeline_kinds(&case), [
            "CONTACT_LOGGED", "ACKNOWLEDGED", "INVESTIGATOR_ASSIGNED", "DEADLINE_EXTENDED",
            "RESPONDED", "OMBUDSMAN_ENQUIRY", "OMBUDSMAN_REPLY", "OMBUDSMAN_OUTCOME",
        ]);
        assert_eq!(case["overdue"], false);
    }

    async fn a_housing_complaint_over_easter_goes_to_the_housing_ombudsman(app: TestApp) {
        let frontline = app.token(LEICESTER, &["frontline"], "csc-1");
        let dcro = app.token(LEICESTER, &["dcro"], "dcro-1");
        let customer_relations = app.token(LEICESTER, &["customer_feedback_manager"], "ccr-1");

        // Telephoned on Thursday 25 March 2027: the 3 working days skip
        // Good Friday and Easter Monday; 10 weeks is Thursday 3 June (5.3).
        let mut input = complaint_on("2027-03-25", "Damp in my flat");
        input["channel"] = json!("PHONE");
        input["service"] = json!("housing");
        let case = app.logged(LEICESTER, input).await;
        let id = case["id"].as_str().unwrap().to_owned();
        assert_eq!(case["stage"], "STAGE_1");
        assert_eq!(due(&case, "ACKNOWLEDGE"), "2027-04-01");
        assert_eq!(due(&case, "RESPOND"), "2027-06-03");

        app.acted(&frontline, "acknowledgeCase", &id, json!({ "at": "2027-03-31T10:00:00Z" })).await;
        let case = app.acted(&dcro, "respondToCase", &id, json!({
            "at": "2027-05-20T10:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "The damp survey found no defect" },
        })).await;
        // 5.5: housing related complaints go to the Housing Ombudsman.
        assert_eq!(case["ombudsman"], "HOUSING");
        assert!(case["escalateBy"].is_null());
        let refused = app.act(&frontline, "requestEscalation", &id, json!({
            "at": "2027-05-24T10:00:00Z",
            "input": { "reasons": "The damp is back", "desiredOutcome": "A repair" },
        })).await;
        assert_eq!(refused.code(), "POLICY_REJECTED");
        assert!(refused.message().contains("Housing Ombudsman (5.5, 8.1)"), "{}", refused.message());

        // The enquiry defaults to the ombudsman the response named.
        let case = app.acted(&customer_relations, "recordOmbudsmanEnquiry", &id, json!({
            "at": "2027-05-28T09:00:00Z", "input": {},
        })).await;
        assert_eq!((case["stage"].as_str(), case["ombudsman"].as_str()), (Some("OMBUDSMAN"), Some("HOUSING")));
        app.acted(&customer_relations, "replyToOmbudsman", &id, json!({
            "at": "2027-05-31T09:00:00Z", "summary": "The survey and our response",
        })).await;
        let case = app.acted(&customer_relations, "recordOmbudsmanOutcome", &id, json!({
            "at": "2027-06-01T08:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "No maladministration" },
        })).await;
        assert_eq!(case["status"], "CLOSED");
    }

    async fn a_saturday_complaint_is_acknowledged_counting_from_monday(app: TestApp) {
        // 5.3: received on Saturday 21 November 2026, the 3 working days
        // count from Monday; the 10 weeks run from the day of receipt.
        let case = app.logged(LEICESTER, complaint_on("2026-11-21", "Council tax bill")).await;
        assert_eq!(due(&case, "ACKNOWLEDGE"), "2026-11-25");
        assert_eq!(due(&case, "RESPOND"), "2027-01-30");
    }

    async fn a_representative_needs_the_customers_written_authorisation(app: TestApp) {
        let dcro = app.token(LEICESTER, &["dcro"], "dcro-1");
        // 4.1: a friend complains on the customer's behalf.
        let mut input = complaint_on("2027-01-04", "Council tax arrears letter");
        input["representative"] = json!(true);
        let case = app.logged(LEICESTER, input).await;
        let id = case["id"].as_str().unwrap().to_owned();
        let keys: Vec<_> = case["requirements"].as_array().unwrap().iter()
            .map(|r| r["key"].as_str().unwrap().to_owned()).collect();
        assert_eq!(keys, ["independent_complaints_officer", "representative_authorised"]);
        // 5.2 is a reminder only; 4.1 holds the findings back.
        let officer = case["requirements"].as_array().unwrap().iter()
            .find(|r| r["key"] == "independent_complaints_officer").unwrap().clone();
        assert_eq!(officer["blocks"], json!([]));
        app.acted(&dcro, "acknowledgeCase", &id, json!({ "at": "2027-01-05T10:00:00Z" })).await;
        let blocked = app.act(&dcro, "respondToCase", &id, json!({
            "at": "2027-01-20T10:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "The letter was correct" },
        })).await;
        assert_eq!(blocked.code(), "POLICY_REJECTED");
        assert!(blocked.message().contains("(4.1)"), "{}", blocked.message());
        assert_eq!(app.case(LEICESTER, &id).await["status"], "ACKNOWLEDGED");

        app.acted(&dcro, "completeRequirement", &id, json!({
            "key": "representative_authorised", "at": "2027-01-12T10:00:00Z",
        })).await;
        let case = app.acted(&dcro, "respondToCase", &id, json!({
            "at": "2027-01-20T10:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "The letter was correct" },
        })).await;
        assert_eq!(case["status"], "RESPONDED");

        // A customer complaining for themselves has no such item.
        let own = app.logged(LEICESTER, complaint_on("2027-01-04", "Pothole repair")).await;
        assert!(own["requirements"].as_array().unwrap().iter().all(|r| r["key"] != "representative_authorised"));
    }

    async fn only_complaints_get_a_stage_and_clocks_whatever_the_kind_is_called(app: TestApp) {
        // 2.3: compliments, comments and suggestions are not complaints and
        // get no clock; complaints about FOI and EIR requests do.
        for (kind, stage, clocks) in [
            ("COMPLIMENT", None, 0),
            ("COMMENT", None, 0),
            ("SUGGESTION", None, 0),
            ("COMPLAINT", Some("STAGE_1"), 2),
            ("FOI_COMPLAINT", Some("STAGE_1"), 2),
        ] {
            let mut input = complaint_on("2026-12-21", "Feedback");
            input["kind"] = json!(kind);
            let case = app.logged(LEICESTER, input).await;
            assert_eq!(case["stage"].as_str(), stage, "{kind}");
            assert_eq!(case["deadlines"].as_array().unwrap().len(), clocks, "{kind}");
            if clocks > 0 {
                assert_eq!(due(&case, "RESPOND"), "2027-03-01", "{kind}: 10 calendar weeks (5.3)");
            }
        }
    }
}
