//! East Cambridgeshire District Council's Comments, Compliments and
//! Complaints Policy walked through the API, with the dates its policy
//! gives: Stage 1 acknowledged within one working day and answered within 10
//! working days of the acknowledgement (4.5), 28 days to say the complainant
//! is dissatisfied (4.5), Stage 2 on the same clocks (4.6), then the Local
//! Government Ombudsman: acknowledged within one working day and answered
//! within 28 calendar days (4.7). No complaint is closed without its
//! Learning From Complaints Form (section 6).

mod common;

use common::*;
use serde_json::json;

const EAST_CAMBS: &str = "east-cambridgeshire";

on_both_databases! {
    async fn a_complaint_over_christmas_goes_from_stage_one_to_the_ombudsman(app: TestApp) {
        let customer_services = app.token(EAST_CAMBS, &["frontline"], "cst-1");
        let dcro = app.token(EAST_CAMBS, &["dcro"], "dcro-1");
        let service_lead = app.token(EAST_CAMBS, &["investigating_officer"], "lead-stage1");
        let management_team = app.token(EAST_CAMBS, &["investigating_officer"], "mt-stage2");
        let feedback = app.token(EAST_CAMBS, &["customer_feedback_manager"], "feedback-1");

        // Emailed on Wednesday 23 December 2026: registered and acknowledged
        // within one working day (4.5); the response clock waits for the
        // acknowledgement.
        let case = app.logged(EAST_CAMBS, complaint_on("2026-12-23", "Missed collections")).await;
        let id = case["id"].as_str().unwrap().to_owned();
        assert_eq!(case["stage"], "STAGE_1");
        assert_eq!(due(&case, "ACKNOWLEDGE"), "2026-12-24");
        assert!(open_deadline(&case, "RESPOND").is_none(), "no response clock before the acknowledgement");

        // 4.5: respond within 10 working days of the acknowledgement on
        // Christmas Eve, skipping 25 and 28 December and 1 January.
        let case = app.acted(&customer_services, "acknowledgeCase", &id, json!({
            "at": "2026-12-24T10:00:00Z",
            "input": { "handler": "Waste Service Lead", "expectedBy": "2027-01-12" },
        })).await;
        assert_eq!(case["status"], "ACKNOWLEDGED");
        assert!(open_deadline(&case, "ACKNOWLEDGE").is_none());
        assert_eq!(due(&case, "RESPOND"), "2027-01-12");
        assert!(case["timeline"][1]["data"]["deadlines"][0]["explanation"].as_str().unwrap()
            .contains("10 working days after the acknowledgement on 2026-12-24 (4.5)"));

        for officer in ["lead-stage1", "mt-stage2"] {
            app.record_officer(EAST_CAMBS, officer).await;
        }
        app.acted(&dcro, "assignInvestigator", &id, json!({ "officer": "lead-stage1" })).await;
        let case = app.acted(&service_lead, "respondToCase", &id, json!({
            "at": "2027-01-11T16:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "The bin was not presented." },
        })).await;
        // 4.5: "they have 28 days to advise that they are dissatisfied":
        // calendar days from Monday 11 January.
        assert_eq!(case["status"], "RESPONDED");
        assert_eq!(case["ombudsman"], "LGSCO");
        assert_eq!(case["escalateBy"], "2027-02-08");

        // 4.6: dissatisfied on 1 February; registered and acknowledged
        // within one working day, answered within 10 working days of it.
        let case = app.acted(&customer_services, "requestEscalation", &id, json!({
            "at": "2027-02-01T09:30:00Z",
            "input": { "reasons": "The bin was out", "desiredOutcome": "Collections on time" },
        })).await;
        assert_eq!((case["stage"].as_str(), case["status"].as_str()), (Some("STAGE_2"), Some("ESCALATION_REQUESTED")));
        assert_eq!(due(&case, "ACKNOWLEDGE"), "2027-02-02");
        assert!(case["escalateBy"].is_null(), "the window is used");

        // 4.6: a member of the Management Team reviews it, not the Service
        // Lead who answered Stage 1.
        let partial = app.act(&dcro, "appointStage2Reviewer", &id, json!({ "officer": "lead-stage1" })).await;
        assert_eq!(partial.code(), "POLICY_REJECTED");
        app.acted(&dcro, "appointStage2Reviewer", &id, json!({ "officer": "mt-stage2" })).await;
        let case = app.acted(&customer_services, "acknowledgeCase", &id, json!({ "at": "2027-02-02T10:00:00Z" })).await;
        assert_eq!(due(&case, "RESPOND"), "2027-02-16");

        // Section 6: the respondent completes the Learning From Complaints Form.
        let case = app.acted(&management_team, "respondToCase", &id, json!({
            "at": "2027-02-15T12:00:00Z",
            "input": {
                "outcome": "PARTLY_UPHELD",
                "summary": "One collection was missed; the crew has been briefed.",
                "remedies": [{ "kind": "APOLOGY", "description": "Apology for the missed collection" }],
                "learningPoints": [{ "lesson": "Crew missed a cul-de-sac", "serviceImprovement": "Round sheets updated" }],
            },
        })).await;
        assert_eq!(case["status"], "RESPONDED");
        assert!(case["escalateBy"].is_null(), "no further internal stage");
        let refused = app.act(&customer_services, "requestEscalation", &id, json!({
            "at": "2027-02-22T10:00:00Z",
            "input": { "reasons": "Still unhappy", "desiredOutcome": "Compensation" },
        })).await;
        assert_eq!(refused.code(), "POLICY_REJECTED");
        assert!(refused.message().contains("(4.7)"), "{}", refused.message());

        // 4.7, Stage 3: the Local Government Ombudsman's enquiry of Monday
        // 1 March is acknowledged within one working day and answered within
        // 28 calendar days, which is Easter Monday: calendar days do not skip it.
        let case = app.acted(&feedback, "recordOmbudsmanEnquiry", &id, json!({
            "at": "2027-03-01T09:00:00Z",
            "input": { "reference": "26 020 777" },
        })).await;
        assert_eq!((case["stage"].as_str(), case["status"].as_str()), (Some("OMBUDSMAN"), Some("WITH_OMBUDSMAN")));
        assert_eq!(case["ombudsman"], "LGSCO");
        assert_eq!(due(&case, "ACKNOWLEDGE"), "2027-03-02");
        assert_eq!(due(&case, "OMBUDSMAN_RESPONSE"), "2027-03-29");
        let case = app.acted(&customer_services, "acknowledgeCase", &id, json!({ "at": "2027-03-02T10:00:00Z" })).await;
        assert_eq!(case["status"], "WITH_OMBUDSMAN");
        assert!(open_deadline(&case, "ACKNOWLEDGE").is_none());
        let case = app.acted(&feedback, "replyToOmbudsman", &id, json!({
            "at": "2027-03-25T09:00:00Z", "summary": "Both responses and the learning form",
        })).await;
        assert!(open_deadline(&case, "OMBUDSMAN_RESPONSE").is_none(), "the reply is in time");
        let case = app.acted(&feedback, "recordOmbudsmanOutcome", &id, json!({
            "at": "2027-05-10T09:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "The apology was a fair remedy" },
        })).await;
        assert_eq!(case["status"], "CLOSED");
        assert_eq!(timeline_kinds(&case), [
            "CONTACT_LOGGED", "ACKNOWLEDGED", "INVESTIGATOR_ASSIGNED", "RESPONDED",
            "ESCALATION_REQUESTED", "REVIEWER_APPOINTED", "ACKNOWLEDGED", "RESPONDED",
            "OMBUDSMAN_ENQUIRY", "ACKNOWLEDGED", "OMBUDSMAN_REPLY", "OMBUDSMAN_OUTCOME",
        ]);
        assert_eq!(case["overdue"], false);
    }

    async fn over_easter_a_late_request_is_refused_and_closing_needs_a_learning_point(app: TestApp) {
        let customer_services = app.token(EAST_CAMBS, &["frontline"], "cst-1");
        let dcro = app.token(EAST_CAMBS, &["dcro"], "dcro-1");

        // A letter on Thursday 25 March 2027: acknowledged within one working
        // day, the Tuesday after Easter (4.5).
        let mut input = complaint_on("2027-03-25", "Planning enforcement delay");
        input["channel"] = json!("LETTER");
        input["service"] = json!("planning-enforcement");
        let case = app.logged(EAST_CAMBS, input).await;
        let id = case["id"].as_str().unwrap().to_owned();
        assert_eq!(due(&case, "ACKNOWLEDGE"), "2027-03-30");
        let case = app.acted(&customer_services, "acknowledgeCase", &id, json!({ "at": "2027-03-30T10:00:00Z" })).await;
        assert_eq!(due(&case, "RESPOND"), "2027-04-13");

        let case = app.acted(&dcro, "respondToCase", &id, json!({
            "at": "2027-04-12T10:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "The case is being pursued" },
        })).await;
        assert_eq!(case["escalateBy"], "2027-05-10");

        // Section 6: without the Learning From Complaints Form the complaint
        // cannot be deemed closed.
        let refused = app.act(&dcro, "closeCase", &id, json!({ "at": "2027-04-13T10:00:00Z" })).await;
        assert_eq!(refused.code(), "POLICY_REJECTED");
        assert!(refused.message().contains("section 6"), "{}", refused.message());
        assert_eq!(app.case(EAST_CAMBS, &id).await["status"], "RESPONDED");

        // 4.5: 28 days to advise dissatisfaction; 11 May is too late.
        let late = app.act(&customer_services, "requestEscalation", &id, json!({
            "at": "2027-05-11T10:00:00Z",
            "input": { "reasons": "Nothing has happened", "desiredOutcome": "Enforcement action" },
        })).await;
        assert_eq!(late.code(), "POLICY_REJECTED");
        assert_eq!(late.body["errors"][0]["extensions"]["detail"]["escalateBy"], "2027-05-10");
        assert!(late.message().contains("28 days after the Stage 1 response on 2027-04-12 (4.5)"),
            "{}", late.message());
    }

    async fn a_complaint_answered_with_its_learning_form_can_be_closed(app: TestApp) {
        let customer_services = app.token(EAST_CAMBS, &["frontline"], "cst-1");
        let dcro = app.token(EAST_CAMBS, &["dcro"], "dcro-1");
        let case = app.logged(EAST_CAMBS, complaint_on("2027-01-04", "Council tax refund")).await;
        let id = case["id"].as_str().unwrap().to_owned();
        assert_eq!(due(&case, "ACKNOWLEDGE"), "2027-01-05");
        app.acted(&customer_services, "acknowledgeCase", &id, json!({ "at": "2027-01-05T10:00:00Z" })).await;
        app.acted(&dcro, "respondToCase", &id, json!({
            "at": "2027-01-18T10:00:00Z",
            "input": {
                "outcome": "UPHELD",
                "summary": "The refund was late; it has been paid.",
                "learningPoints": [{ "lesson": "Refunds waited for a weekly batch" }],
            },
        })).await;
        // Section 6: the form accompanies the response, so it may be closed.
        let case = app.acted(&dcro, "closeCase", &id, json!({
            "at": "2027-01-19T10:00:00Z", "note": "Learning form filed with Customer Services",
        })).await;
        assert_eq!(case["status"], "CLOSED");
    }

    async fn every_ending_asks_for_the_learning_form_and_anonymous_complaints_are_investigated(app: TestApp) {
        let customer_services = app.token(EAST_CAMBS, &["frontline"], "cst-1");
        let dcro = app.token(EAST_CAMBS, &["dcro"], "dcro-1");
        let feedback = app.token(EAST_CAMBS, &["customer_feedback_manager"], "feedback-1");

        // Section 7: an anonymous complaint is still recorded and investigated
        // by the Service, so it is not closed as "not investigated".
        let mut input = complaint_on("2027-01-04", "Fly-tipping behind the depot");
        input["anonymous"] = json!(true);
        input.as_object_mut().unwrap().remove("customer");
        let case = app.logged(EAST_CAMBS, input).await;
        let anonymous = case["id"].as_str().unwrap().to_owned();
        let refused = app.act(&dcro, "decideNotToInvestigate", &anonymous, json!({ "reason": "Judged malicious" })).await;
        assert_eq!(refused.code(), "POLICY_REJECTED");
        assert!(refused.message().contains("section 7"), "{}", refused.message());
        let unchanged = app.case(EAST_CAMBS, &anonymous).await;
        assert_eq!((unchanged["status"].as_str(), unchanged["version"].as_i64()), (Some("RECEIVED"), Some(1)));
        assert_eq!(timeline_kinds(&unchanged), ["CONTACT_LOGGED"]);

        // Section 6: answered at Stage 2 without the Learning From Complaints
        // Form, then taken to the Ombudsman: the Ombudsman's decision does not
        // close it until the form is recorded.
        let case = app.logged(EAST_CAMBS, complaint_on("2027-01-04", "Council tax summons")).await;
        let id = case["id"].as_str().unwrap().to_owned();
        app.acted(&customer_services, "acknowledgeCase", &id, json!({ "at": "2027-01-05T10:00:00Z" })).await;
        app.acted(&dcro, "respondToCase", &id, json!({
            "at": "2027-01-18T10:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "The summons was correct" },
        })).await;
        app.acted(&feedback, "recordOmbudsmanEnquiry", &id, json!({ "at": "2027-03-01T09:00:00Z", "input": {} })).await;
        let refused = app.act(&feedback, "recordOmbudsmanOutcome", &id, json!({
            "at": "2027-05-10T09:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "No fault" },
        })).await;
        assert_eq!(refused.code(), "POLICY_REJECTED");
        assert!(refused.message().contains("section 6"), "{}", refused.message());
        let before = app.case(EAST_CAMBS, &id).await;
        assert_eq!(before["status"], "WITH_OMBUDSMAN");
        assert!(before["closedAt"].is_null(), "nothing was written");
        assert_eq!(timeline_kinds(&before).last().unwrap(), "OMBUDSMAN_ENQUIRY");

        app.acted(&dcro, "recordLearningPoint", &id, json!({
            "input": { "lesson": "Summons letters do not say how to query them" },
        })).await;
        let case = app.acted(&feedback, "recordOmbudsmanOutcome", &id, json!({
            "at": "2027-05-10T09:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "No fault" },
        })).await;
        assert_eq!((case["status"].as_str(), case["outcome"].as_str()), (Some("CLOSED"), Some("NOT_UPHELD")));
    }

    async fn a_declined_stage_two_request_needs_the_learning_form(app: TestApp) {
        let customer_services = app.token(EAST_CAMBS, &["frontline"], "cst-1");
        let dcro = app.token(EAST_CAMBS, &["dcro"], "dcro-1");
        let feedback = app.token(EAST_CAMBS, &["customer_feedback_manager"], "feedback-1");
        let case = app.logged(EAST_CAMBS, complaint_on("2027-01-04", "Parking permit")).await;
        let id = case["id"].as_str().unwrap().to_owned();
        app.acted(&customer_services, "acknowledgeCase", &id, json!({ "at": "2027-01-05T10:00:00Z" })).await;
        app.acted(&dcro, "respondToCase", &id, json!({
            "at": "2027-01-18T10:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "The permit was issued on time" },
        })).await;
        app.acted(&customer_services, "requestEscalation", &id, json!({
            "at": "2027-01-25T10:00:00Z",
            "input": { "reasons": "It was late", "desiredOutcome": "A refund" },
        })).await;
        let decline = json!({
            "at": "2027-01-26T10:00:00Z",
            "input": { "decision": "DECLINE", "reason": "Nothing new", "signpost": "the Local Government Ombudsman" },
        });
        let refused = app.act(&feedback, "assessStage2", &id, decline.clone()).await;
        assert_eq!(refused.code(), "POLICY_REJECTED");
        assert!(refused.message().contains("section 6"), "{}", refused.message());
        let before = app.case(EAST_CAMBS, &id).await;
        assert_eq!(before["status"], "ESCALATION_REQUESTED");
        assert!(before["scopeReason"].is_null(), "nothing was written");

        app.acted(&dcro, "recordLearningPoint", &id, json!({ "input": { "lesson": "Permit dates unclear" } })).await;
        let case = app.acted(&feedback, "assessStage2", &id, decline).await;
        assert_eq!((case["status"].as_str(), case["scopeReason"].as_str()), (Some("CLOSED"), Some("Nothing new")));
    }

    async fn each_discretion_has_its_own_field_and_frontline_resolution_has_a_clock(app: TestApp) {
        // 4.4: the officer judges at the first point of contact whether
        // simple steps or an apology can put it right, whatever the channel;
        // it is put right at the time or registered at Stage 1 within one
        // working day (1, 4.5). Logged on Christmas Eve: the next working day.
        let mut simple = complaint_on("2026-12-24", "Bin not returned to the kerb");
        simple["simpleMatter"] = json!(true);
        let case = app.logged(EAST_CAMBS, simple).await;
        assert_eq!(case["stage"], "INFORMAL");
        assert_eq!(due(&case, "RESPOND"), "2026-12-29");

        let mut phoned = complaint_on("2026-12-24", "Planning officer never called back");
        phoned["channel"] = json!("PHONE");
        let case = app.logged(EAST_CAMBS, phoned).await;
        assert_eq!(case["stage"], "STAGE_1", "a call is not frontline resolution by itself");
        assert_eq!(due(&case, "ACKNOWLEDGE"), "2026-12-29");

        // 4.6: exceptional circumstances take it to Stage 2 in the first
        // instance; that is not the 12-month discretion of section 5.
        let mut direct = complaint_on("2026-12-21", "Repeated failures");
        direct["stage2FirstInstance"] = json!(true);
        let case = app.logged(EAST_CAMBS, direct).await;
        assert_eq!(case["stage"], "STAGE_2");
        let mut old = complaint_on("2026-12-21", "Old grievance");
        old["issueDate"] = json!("2024-03-01");
        old["stage2FirstInstance"] = json!(true);
        let case = app.logged(EAST_CAMBS, old).await;
        assert_eq!(case["status"], "OUT_OF_SCOPE", "only the Chief Executive's determination takes an old issue in");

        // 4.1: a comment gets a reply within 10 working days only when one is
        // expected.
        let mut comment = complaint_on("2026-12-21", "Suggest a later collection time");
        comment["kind"] = json!("COMMENT");
        let case = app.logged(EAST_CAMBS, comment.clone()).await;
        assert!(open_deadline(&case, "REPLY").is_none());
        comment["replyExpected"] = json!(true);
        let case = app.logged(EAST_CAMBS, comment).await;
        assert_eq!(due(&case, "REPLY"), "2027-01-07");
    }
}
