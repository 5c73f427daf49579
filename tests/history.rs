//! A case's history cannot be rewritten: a breach the sweeper recorded stays
//! missed through an extension, closing and reopening, with the extension
//! shown beside it; closing keeps the customer's escalation window.

mod common;

use common::*;
use redress::jobs::sweeper;
use serde_json::{Value, json};

const CASE: &str = "query($id: ID!) { case(id: $id) { status version respondBy escalateBy \
    deadlines { kind stage due metAt missed breachRecordedAt superseded extendedTo } \
    timeline { kind summary } } }";

async fn read(app: &TestApp, id: &str) -> Value {
    let token = app.token("leeds", &["dcro"], "reader");
    app.graphql(Some(&token), CASE, json!({ "id": id }))
        .await
        .data()["case"]
        .clone()
}

/// When the sweeper ran: the server's "now" (`NOW`), as GraphQL writes it.
const SWEPT_AT: &str = "2027-06-01T09:00:00+00:00";

/// The case's deadline of `kind` due on `due`.
fn row<'a>(case: &'a Value, kind: &str, due: &str) -> &'a Value {
    case["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == kind && d["due"] == due)
        .unwrap_or_else(|| panic!("no {kind} deadline due {due}: {}", case["deadlines"]))
}

/// What the sweeper recorded, as the breach's fields show it.
fn breach(d: &Value) -> (&Value, &Value) {
    (&d["missed"], &d["breachRecordedAt"])
}

on_both_databases! {
    async fn an_extension_after_a_recorded_breach_leaves_it_missed(app: TestApp) {
        // Received 20 November 2026; by "now" (1 June 2027) Leeds' 15
        // working days for the response have long passed.
        let logged = app.log_complaint("leeds", "Missed bin").await;
        let id = logged["id"].as_str().unwrap();
        let respond_by = logged["respondBy"].as_str().unwrap().to_owned();
        let swept = sweeper::pass(&app.state).await.unwrap();
        assert_eq!(swept.breaches, 2, "{swept:?}");
        let before = read(&app, id).await;
        let recorded_at = row(&before, "RESPOND", &respond_by)["breachRecordedAt"].clone();
        assert_eq!(recorded_at, SWEPT_AT);

        let dcro = app.token("leeds", &["dcro"], "dcro-1");
        app.acted(&dcro, "extendDeadline", id, json!({
            "input": { "kind": "RESPOND", "newDue": "2027-06-30", "reason": "Waiting for the crew's logs" },
        })).await;

        let case = read(&app, id).await;
        assert_eq!(case["respondBy"], "2027-06-30");
        let old = row(&case, "RESPOND", &respond_by);
        assert_eq!(breach(old), (&json!(true), &recorded_at), "{old}");
        assert_eq!(old["superseded"], true);
        assert_eq!(old["extendedTo"], "2027-06-30");
        let new = row(&case, "RESPOND", "2027-06-30");
        assert_eq!(breach(new), (&json!(false), &Value::Null), "{new}");
        assert_eq!(new["superseded"], false);
        assert_eq!(new["extendedTo"], Value::Null);
        // The next pass records nothing again for the extended deadline.
        let again = sweeper::pass(&app.state).await.unwrap();
        assert_eq!(again.breaches, 0, "{again:?}");
    }

    async fn an_extension_made_late_is_missed_and_one_made_in_time_is_not(app: TestApp) {
        let dcro = app.token("leeds", &["dcro"], "dcro-1");
        // No sweep ran, yet the date had passed when it was extended.
        let late = app.log_complaint("leeds", "Extended late").await;
        let late_id = late["id"].as_str().unwrap();
        let late_due = late["respondBy"].as_str().unwrap().to_owned();
        app.acted(&dcro, "extendDeadline", late_id, json!({
            "input": { "kind": "RESPOND", "newDue": "2027-06-30", "reason": "More time" },
        })).await;
        let case = read(&app, late_id).await;
        let old = row(&case, "RESPOND", &late_due);
        assert_eq!(breach(old), (&json!(true), &Value::Null), "{old}");
        assert_eq!(old["extendedTo"], "2027-06-30");

        // Extended (as recorded) on 1 December, before its date.
        let timely = app.log_complaint("leeds", "Extended in time").await;
        let timely_id = timely["id"].as_str().unwrap();
        let timely_due = timely["respondBy"].as_str().unwrap().to_owned();
        assert!(timely_due.as_str() > "2026-12-01", "{timely_due}");
        app.acted(&dcro, "extendDeadline", timely_id, json!({
            "at": "2026-12-01T10:00:00Z",
            "input": { "kind": "RESPOND", "newDue": "2027-06-30", "reason": "More time" },
        })).await;
        let case = read(&app, timely_id).await;
        let old = row(&case, "RESPOND", &timely_due);
        assert_eq!(breach(old), (&json!(false), &Value::Null), "{old}");
        assert_eq!(old["extendedTo"], "2027-06-30");
    }

    async fn closing_and_reopening_leave_a_recorded_breach_missed(app: TestApp) {
        let logged = app.log_complaint("leeds", "Missed bin").await;
        let id = logged["id"].as_str().unwrap();
        let respond_by = logged["respondBy"].as_str().unwrap().to_owned();
        let ack_by = logged["acknowledgeBy"].as_str().unwrap().to_owned();
        sweeper::pass(&app.state).await.unwrap();
        let recorded_at = json!(SWEPT_AT);

        let dcro = app.token("leeds", &["dcro"], "dcro-1");
        app.acted(&dcro, "closeCase", id, json!({ "note": "Resolved by phone" })).await;
        let closed = read(&app, id).await;
        assert_eq!(closed["status"], "CLOSED");
        for (kind, due) in [("RESPOND", &respond_by), ("ACKNOWLEDGE", &ack_by)] {
            let d = row(&closed, kind, due);
            assert_eq!(breach(d), (&json!(true), &recorded_at), "{d}");
            assert_eq!(d["superseded"], true);
        }

        app.acted(&dcro, "reopenCase", id, json!({ "reason": "The bin was missed again" })).await;
        let reopened = read(&app, id).await;
        for (kind, due) in [("RESPOND", &respond_by), ("ACKNOWLEDGE", &ack_by)] {
            let d = row(&reopened, kind, due);
            assert_eq!(breach(d), (&json!(true), &recorded_at), "{d}");
        }
        // The reopening's own clock runs from today and is not missed.
        let new_due = reopened["respondBy"].as_str().unwrap();
        assert!(new_due > "2027-06-01", "{new_due}");
        assert_eq!(breach(row(&reopened, "RESPOND", new_due)), (&json!(false), &Value::Null));
    }

    async fn closing_keeps_the_customers_escalation_window(app: TestApp) {
        let dcro = app.token("leeds", &["dcro"], "dcro-1");
        let closed = app.answered_and_closed(&dcro, "Fence damaged").await;
        let id = closed["id"].as_str().unwrap();
        let window = closed["escalateBy"].as_str().expect("the window stays open").to_owned();
        let case = read(&app, id).await;
        let escalate = row(&case, "ESCALATE", &window);
        assert_eq!(escalate["superseded"], false);
        assert_eq!(escalate["missed"], false);
        // The council's own clocks stop.
        assert!(case["deadlines"].as_array().unwrap().iter()
            .filter(|d| d["kind"] != "ESCALATE")
            .all(|d| d["superseded"] == true || !d["metAt"].is_null()), "{}", case["deadlines"]);

        // The customer asks for stage 2 inside the window, after closing.
        let escalated = app.acted(&dcro, "requestEscalation", id, json!({
            "at": "2026-12-10T10:00:00Z",
            "input": { "reasons": "The fence is still broken", "desiredOutcome": "Repair it" },
        })).await;
        assert_eq!(escalated["status"], "ESCALATION_REQUESTED");
        assert_eq!(escalated["stage"], "STAGE_2");
        assert_eq!(escalated["escalateBy"], Value::Null);
    }

    async fn a_reopened_case_answered_again_has_one_escalation_window(app: TestApp) {
        let dcro = app.token("leeds", &["dcro"], "dcro-1");
        let closed = app.answered_and_closed(&dcro, "Fence damaged").await;
        let id = closed["id"].as_str().unwrap();
        let first = closed["escalateBy"].as_str().unwrap().to_owned();
        app.acted(&dcro, "reopenCase", id, json!({
            "at": "2027-05-04T09:00:00Z", "reason": "CCTV shows the lorry hitting the fence",
        })).await;
        let answered = app.acted(&dcro, "respondToCase", id, json!({
            "at": "2027-05-10T10:00:00Z",
            "input": { "outcome": "UPHELD", "summary": "The lorry hit the fence" },
        })).await;
        let second = answered["escalateBy"].as_str().unwrap().to_owned();
        assert!(second > first, "{first} then {second}");
        let case = read(&app, id).await;
        let open: Vec<&Value> = case["deadlines"].as_array().unwrap().iter()
            .filter(|d| d["kind"] == "ESCALATE" && d["superseded"] == false && d["metAt"].is_null())
            .collect();
        assert_eq!(open.len(), 1, "{}", case["deadlines"]);
        assert_eq!(open[0]["due"], second.as_str());
        assert_eq!(row(&case, "ESCALATE", &first)["superseded"], true);
    }

    async fn withdrawing_ends_the_escalation_window(app: TestApp) {
        let dcro = app.token("leeds", &["dcro"], "dcro-1");
        let case = app.logged("leeds", complaint_input("Withdrawn after answer")).await;
        let id = case["id"].as_str().unwrap();
        app.acted(&dcro, "acknowledgeCase", id, json!({ "at": "2026-11-23T10:00:00Z" })).await;
        let answered = app.acted(&dcro, "respondToCase", id, json!({
            "at": "2026-12-01T10:00:00Z",
            "input": { "outcome": "NOT_UPHELD", "summary": "No damage found" },
        })).await;
        assert!(answered["escalateBy"].is_string(), "{answered}");
        let withdrawn = app.acted(&dcro, "withdrawCase", id, json!({ "at": "2026-12-02T10:00:00Z" })).await;
        assert_eq!(withdrawn["escalateBy"], Value::Null);
    }
}
