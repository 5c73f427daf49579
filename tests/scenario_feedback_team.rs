//! The corporate complaints procedure of the council with a central Customer
//! Feedback Team, walked through the API with the dates its policy gives:
//! informal resolution with 24 hours for the service team (section 6), Stage
//! 1 acknowledged within two and replied to within ten working days of
//! receipt (section 7), a holding reply when the ten days cannot be met
//! (section 7), and the appropriate Ombudsman at any time (section 8): the
//! Housing Ombudsman for housing complaints (sections 4, 7).

mod common;

use common::*;
use serde_json::json;

const FEEDBACK_TEAM: &str = "feedback-team";

on_both_databases! {
    async fn a_phone_complaint_not_resolved_informally_is_registered_at_stage_one_over_christmas(app: TestApp) {
        let advisor = app.token(FEEDBACK_TEAM, &["frontline"], "advisor-1");
        let dcro = app.token(FEEDBACK_TEAM, &["dcro"], "dcro-1");
        let service_officer = app.token(FEEDBACK_TEAM, &["investigating_officer"], "io-1");

        // A simple problem telephoned on Christmas Eve 2026: the service
        // team has 24 hours to resolve it (section 6), the next working day
        // after the Christmas bank holidays.
        let mut input = complaint_on("2026-12-24", "Missed collection");
        input["channel"] = json!("PHONE");
        input["simpleMatter"] = json!(true);
        let case = app.logged(FEEDBACK_TEAM, input).await;
        let id = case["id"].as_str().unwrap().to_owned();
        assert_eq!(case["stage"], "INFORMAL");
        assert_eq!(due(&case, "RESPOND"), "2026-12-29");
        assert!(open_deadline(&case, "ACKNOWLEDGE").is_none());

        // Section 6: not resolved informally, so registered at Stage 1; the
        // Stage 1 clocks run from when the complaint was received (section
        // 7): acknowledged within two working days, replied to within ten.
        let case = app.acted(&advisor, "recordInformalResolution", &id, json!({
            "at": "2026-12-29T15:00:00Z",
            "input": { "resolved": false, "summary": "The crew cannot return before the next round" },
        })).await;
        assert_eq!((case["stage"].as_str(), case["status"].as_str()), (Some("STAGE_1"), Some("ESCALATION_REQUESTED")));
        assert_eq!(due(&case, "ACKNOWLEDGE"), "2026-12-30");
        assert_eq!(due(&case, "RESPOND"), "2027-01-12");
        let informal = case["deadlines"].as_array().unwrap().iter()
            .find(|d| d["kind"] == "RESPOND" && d["superseded"] == true).unwrap().clone();
        assert_eq!(informal["due"], "2026-12-29");
        let learning = case["requirements"].as_array().unwrap().iter()
            .find(|r| r["key"] == "stage1_learning").expect("section 4 checklist item").clone();
        assert_eq!(learning["blocks"], json!(["respond"]));

        // Section 7: the acknowledgement names who deals with it and when a
        // reply can be expected.
        let case = app.acted(&advisor, "acknowledgeCase", &id, json!({
            "at": "2026-12-30T11:00:00Z",
            "input": { "handler": "Waste services", "contact": "01234 567890", "expectedBy": "2027-01-12" },
        })).await;
        assert_eq!(case["status"], "ACKNOWLEDGED");
        assert!(open_deadline(&case, "ACKNOWLEDGE").is_none());

        // Section 7: Stage 2 is for a complainant still unhappy after Stage 1.
        let early = app.act(&advisor, "requestEscalation", &id, json!({
            "at": "2027-01-05T10:00:00Z",
            "input": { "reasons": "Nothing has happened", "desiredOutcome": "A collection" },
        })).await;
        assert_eq!(early.code(), "POLICY_REJECTED");
        assert!(early.message().contains("section 7"), "{}", early.message());

        // Section 7: a full reply is not possible within ten working days,
        // so the service team sends one holding reply; no further cadence.
        app.record_officer(FEEDBACK_TEAM, "io-1").await;
        app.acted(&dcro, "assignInvestigator", &id, json!({ "officer": "io-1" })).await;
        let case = app.acted(&service_officer, "recordHoldingResponse", &id, json!({
            "at": "2027-01-12T15:00:00Z",
            "input": { "reason": "Waiting for the crew's tracker data", "expectedBy": "2027-01-19" },
        })).await;
        assert_eq!(case["status"], "IN_PROGRESS");
        assert!(open_deadline(&case, "HOLDING_RESPONSE").is_none());

        // Section 4: at Stage 1 the team analyses the complaint for learning
        // points and records them before it replies.
        let blocked = app.act(&service_officer, "respondToCase", &id, json!({
            "at": "2027-01-18T10:00:00Z",
            "input": { "outcome": "UPHELD", "summary": "The collection was missed" },
        })).await;
        assert_eq!(blocked.code(), "POLICY_REJECTED");
        assert_eq!(
            blocked.body["errors"][0]["extensions"]["detail"]["unmetRequirements"][0],
            learning["label"]
        );
        assert_eq!(timeline_kinds(&app.case(FEEDBACK_TEAM, &id).await), [
            "CONTACT_LOGGED", "INFORMAL_RESOLUTION", "ACKNOWLEDGED", "INVESTIGATOR_ASSIGNED",
            "HOLDING_RESPONSE",
        ]);

        // With the learning points analysed, the Stage 1 reply goes.
        app.acted(&service_officer, "completeRequirement", &id, json!({
            "key": "stage1_learning", "at": "2027-01-18T09:00:00Z", "note": "Crew rota gap",
        })).await;
        let case = app.acted(&service_officer, "respondToCase", &id, json!({
            "at": "2027-01-18T10:00:00Z",
            "input": { "outcome": "UPHELD", "summary": "The collection was missed" },
        })).await;
        assert_eq!(case["status"], "RESPONDED");

        // Section 7, Stage 2: acknowledged within two working days of receipt,
        // the department notified within five, concluded within twenty.
        let manager = app.token(FEEDBACK_TEAM, &["customer_feedback_manager"], "cfm-1");
        let case = app.acted(&manager, "requestEscalation", &id, json!({
            "at": "2027-01-25T10:00:00Z",
            "input": { "reasons": "Missed again", "desiredOutcome": "Weekly collections" },
        })).await;
        assert_eq!(case["stage"], "STAGE_2");
        assert_eq!(due(&case, "ACKNOWLEDGE"), "2027-01-27");
        assert_eq!(due(&case, "NOTIFY_DEPARTMENT"), "2027-02-01");
        assert_eq!(due(&case, "RESPOND"), "2027-02-22");
        let case = app.acted(&manager, "assessStage2", &id, json!({
            "at": "2027-01-26T10:00:00Z",
            "input": { "decision": "INVESTIGATE", "departmentNotifiedAt": "2027-01-26T09:00:00Z" },
        })).await;
        assert!(open_deadline(&case, "NOTIFY_DEPARTMENT").is_none(), "the notification is met");
        let notified = case["deadlines"].as_array().unwrap().iter()
            .find(|d| d["kind"] == "NOTIFY_DEPARTMENT").unwrap().clone();
        assert_eq!(notified["missed"], false);
        let refused = app.act(&app.token(FEEDBACK_TEAM, &["dcro"], "dcro-1"), "assessStage2", &id, json!({
            "input": { "decision": "INVESTIGATE" },
        })).await;
        assert_eq!(refused.code(), "FORBIDDEN", "only the Customer Feedback Manager assesses");
    }

    async fn a_housing_complaint_over_easter_is_taken_to_the_housing_ombudsman(app: TestApp) {
        let advisor = app.token(FEEDBACK_TEAM, &["frontline"], "advisor-1");
        let dcro = app.token(FEEDBACK_TEAM, &["dcro"], "dcro-1");
        let feedback_manager = app.token(FEEDBACK_TEAM, &["customer_feedback_manager"], "cfm-1");

        // Telephoned on Thursday 25 March 2027: 24 hours for the service
        // team (section 6) is the Tuesday after Good Friday and Easter Monday.
        let mut input = complaint_on("2027-03-25", "Repair appointment missed");
        input["channel"] = json!("PHONE");
        input["simpleMatter"] = json!(true);
        input["service"] = json!("housing");
        let case = app.logged(FEEDBACK_TEAM, input).await;
        let id = case["id"].as_str().unwrap().to_owned();
        assert_eq!(case["stage"], "INFORMAL");
        assert_eq!(due(&case, "RESPOND"), "2027-03-30");

        // The service team answers within its 24 hours; for a housing
        // complaint the appropriate Ombudsman is the Housing Ombudsman.
        app.acted(&advisor, "acknowledgeCase", &id, json!({ "at": "2027-03-25T15:00:00Z" })).await;
        let case = app.acted(&dcro, "respondToCase", &id, json!({
            "at": "2027-03-30T10:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "The tenant was out when the repairer called" },
        })).await;
        assert_eq!((case["stage"].as_str(), case["status"].as_str()), (Some("INFORMAL"), Some("RESPONDED")));
        assert_eq!(case["ombudsman"], "HOUSING");
        assert!(case["escalateBy"].is_null(), "the procedure sets no time limit");

        // Section 6: not resolved, so registered at Stage 1 with the clocks
        // from receipt on 25 March (section 7), over Easter.
        let case = app.acted(&advisor, "requestEscalation", &id, json!({
            "at": "2027-03-31T09:30:00Z",
            "input": { "reasons": "I was in all day", "desiredOutcome": "A new appointment", "verbal": true },
        })).await;
        assert_eq!(case["stage"], "STAGE_1");
        assert_eq!(due(&case, "ACKNOWLEDGE"), "2027-03-31");
        assert_eq!(due(&case, "RESPOND"), "2027-04-12");
        app.acted(&advisor, "acknowledgeCase", &id, json!({ "at": "2027-03-31T15:00:00Z" })).await;

        // Section 8: anyone can complain to an Ombudsman at any time; the
        // Customer Feedback Manager is the link with it. The enquiry goes to
        // the Ombudsman the response named.
        let case = app.acted(&feedback_manager, "recordOmbudsmanEnquiry", &id, json!({
            "at": "2027-04-20T09:00:00Z",
            "input": { "reference": "HO-202704-0042" },
        })).await;
        assert_eq!((case["stage"].as_str(), case["status"].as_str()), (Some("OMBUDSMAN"), Some("WITH_OMBUDSMAN")));
        assert_eq!(case["ombudsman"], "HOUSING");
        app.acted(&feedback_manager, "replyToOmbudsman", &id, json!({
            "at": "2027-04-27T09:00:00Z", "summary": "Response prepared on behalf of the Chief Executive",
        })).await;
        let case = app.acted(&feedback_manager, "recordOmbudsmanOutcome", &id, json!({
            "at": "2027-05-25T09:00:00Z",
            "input": { "outcome": "PARTLY_UPHELD", "summary": "A new appointment is to be offered" },
        })).await;
        assert_eq!(case["status"], "CLOSED");
        assert_eq!(timeline_kinds(&case), [
            "CONTACT_LOGGED", "ACKNOWLEDGED", "RESPONDED", "ESCALATION_REQUESTED", "ACKNOWLEDGED",
            "OMBUDSMAN_ENQUIRY", "OMBUDSMAN_REPLY", "OMBUDSMAN_OUTCOME",
        ]);
    }

    async fn staff_judge_what_is_simple_whatever_the_channel(app: TestApp) {
        // Section 6: whoever the complaint is raised with tries to resolve a
        // simple problem there and then; the channel does not decide it.
        let mut emailed = complaint_on("2027-01-04", "Missed collection");
        emailed["simpleMatter"] = json!(true);
        let case = app.logged(FEEDBACK_TEAM, emailed).await;
        assert_eq!(case["stage"], "INFORMAL");
        assert_eq!(due(&case, "RESPOND"), "2027-01-05");

        let mut phoned = complaint_on("2027-01-04", "Housing allocation decision");
        phoned["channel"] = json!("PHONE");
        let case = app.logged(FEEDBACK_TEAM, phoned).await;
        assert_eq!(case["stage"], "STAGE_1");
        assert!(open_deadline(&case, "ACKNOWLEDGE").is_some());

        // Section 10: criticism of a named officer gets a formal response.
        let mut about_staff = complaint_on("2027-01-04", "Rude officer");
        about_staff["channel"] = json!("PHONE");
        about_staff["simpleMatter"] = json!(true);
        about_staff["aboutStaff"] = json!(true);
        let case = app.logged(FEEDBACK_TEAM, about_staff).await;
        assert_eq!(case["stage"], "STAGE_1");
    }
}
