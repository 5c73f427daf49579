//! The deadline sweeper: missed council deadlines are recorded once each,
//! holding responses are scheduled by the council's policy and reported
//! when due, and two sweepers at once still record everything once.

mod common;

use common::*;
use entity::{case, enums::CaseStatus};
use redress::jobs::sweeper;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

const CASE: &str = "query($id: ID!) { case(id: $id) { version status overdue \
    deadlines { kind due missed explanation } \
    timeline { seq kind actorSubject actorRole summary data } } }";

async fn read(app: &TestApp, council: &str, id: &str) -> Value {
    let token = app.token(council, &["dcro"], "reader");
    app.graphql(Some(&token), CASE, json!({ "id": id }))
        .await
        .data()["case"]
        .clone()
}

fn kinds(case: &Value) -> Vec<String> {
    case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// Every step numbered 1, 2, 3, ... with no gap or repeat.
fn assert_contiguous(case: &Value) {
    let seqs: Vec<i64> = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "{case}");
}

on_both_databases! {
    async fn a_missed_deadline_is_recorded_once_over_two_passes(app: TestApp) {
        // Received Friday 20 November 2026; "now" is 1 June 2027, so Leeds'
        // acknowledgement (3 working days) and response (15) are both missed.
        let logged = app.log_complaint("leeds", "Missed bin").await;
        let id = logged["id"].as_str().unwrap();
        let respond_by = logged["respondBy"].as_str().unwrap().to_owned();
        let mut breaches = app.state.feed.subscribe_breaches();

        let first = sweeper::pass(&app.state).await.unwrap();
        assert_eq!(first.breaches, 2, "{first:?}");
        assert_eq!(first.holding_scheduled, 1, "{first:?}");
        assert_eq!(first.holding_due, 1, "{first:?}");

        let case = read(&app, "leeds", id).await;
        assert_eq!(
            kinds(&case),
            ["CONTACT_LOGGED", "DEADLINE_BREACHED", "DEADLINE_BREACHED", "HOLDING_RESPONSE_DUE"]
        );
        assert_contiguous(&case);
        // The sweeper records facts about the clock; the case itself is unchanged.
        assert_eq!(case["version"], 1);
        assert_eq!(case["status"], "RECEIVED");
        assert_eq!(case["overdue"], true);
        let timeline = case["timeline"].as_array().unwrap();
        let respond = timeline
            .iter()
            .find(|e| e["data"]["kind"] == "respond")
            .expect("a respond breach");
        assert_eq!(respond["actorSubject"], "system:sweeper");
        assert_eq!(respond["actorRole"], "system");
        assert_eq!(respond["summary"], format!("respond deadline of {respond_by} missed"));
        assert_eq!(respond["data"]["due"], respond_by);
        assert!(respond["data"]["explanation"].as_str().unwrap().contains("(leeds v1)"));
        // Para 16: the first holding response is due when the 15 working day
        // standard is missed.
        let holding = case["deadlines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["kind"] == "HOLDING_RESPONSE")
            .expect("a holding response deadline");
        assert_eq!(holding["due"], respond_by);
        assert!(holding["explanation"].as_str().unwrap().contains("para 16"), "{holding}");
        assert_eq!(timeline[3]["summary"], format!("holding response due on {respond_by}"));

        let mut published = Vec::new();
        while let Ok(b) = breaches.try_recv() {
            published.push((b.change.event_kind, b.kind, b.change.reference));
        }
        assert_eq!(published.len(), 3, "{published:?}");
        assert!(published.iter().all(|(_, _, r)| r == logged["reference"].as_str().unwrap()));

        let second = sweeper::pass(&app.state).await.unwrap();
        assert!(second.is_empty(), "{second:?}");
        let again = read(&app, "leeds", id).await;
        assert_eq!(again["timeline"], case["timeline"]);
        assert!(breaches.try_recv().is_err(), "nothing more is published");
    }

    async fn closed_cases_and_met_deadlines_are_not_breaches(app: TestApp) {
        let withdrawn = app.log_complaint("leeds", "Withdrawn later").await;
        let withdrawn_id: uuid::Uuid = withdrawn["id"].as_str().unwrap().parse().unwrap();
        case::Entity::update_many()
            .col_expr(case::Column::Status, Expr::value(CaseStatus::Withdrawn))
            .filter(case::Column::Id.eq(withdrawn_id))
            .exec(&app.state.db)
            .await
            .unwrap();
        // Acknowledged on time: only the response is missed.
        let acked = app.log_complaint("leeds", "Acknowledged on time").await;
        let acked_id = acked["id"].as_str().unwrap();
        let token = app.token("leeds", &["frontline"], "fo");
        app.graphql(
            Some(&token),
            "mutation($id: ID!) { acknowledgeCase(caseId: $id, at: \"2026-11-23T10:00:00Z\") { version } }",
            json!({ "id": acked_id }),
        )
        .await
        .data();

        let sweep = sweeper::pass(&app.state).await.unwrap();
        assert_eq!(sweep.breaches, 1, "{sweep:?}");
        let case = read(&app, "leeds", acked_id).await;
        let breached: Vec<&Value> = case["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "DEADLINE_BREACHED")
            .collect();
        assert_eq!(breached.len(), 1);
        assert_eq!(breached[0]["data"]["kind"], "respond");
        assert_eq!(case["version"], 2);
        assert_contiguous(&case);
        let untouched = read(&app, "leeds", withdrawn["id"].as_str().unwrap()).await;
        assert_eq!(kinds(&untouched), ["CONTACT_LOGGED"]);
    }

    async fn a_reopened_complaint_is_swept_on_the_clock_of_its_reopening(app: TestApp) {
        // Answered and closed in December 2026; reopened on Tuesday 4 May
        // 2027, so Leeds' 15 working days (para 16) run to 25 May, which has
        // passed by "now", 1 June 2027.
        let dcro = app.token("leeds", &["dcro"], "dcro-1");
        let closed = app.answered_and_closed(&dcro, "Fence damaged").await;
        let id = closed["id"].as_str().unwrap();
        let reopened = app.acted(&dcro, "reopenCase", id, json!({
            "at": "2027-05-04T09:00:00Z", "reason": "CCTV shows the lorry hitting the fence",
        })).await;
        assert_eq!(reopened["respondBy"], "2027-05-25");
        assert!(reopened["stageStartedAt"].as_str().unwrap().starts_with("2027-05-04"));
        sweeper::pass(&app.state).await.unwrap();

        // The first holding response counts from the reopening too, not from
        // the update sent in the case's earlier round.
        let case = read(&app, "leeds", id).await;
        let swept: Vec<(&str, &str)> = case["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["actorSubject"] == sweeper::SWEEPER_SUBJECT)
            .map(|e| (e["kind"].as_str().unwrap(), e["summary"].as_str().unwrap()))
            .collect();
        assert_eq!(swept, [
            ("DEADLINE_BREACHED", "respond deadline of 2027-05-25 missed"),
            ("HOLDING_RESPONSE_DUE", "holding response due on 2027-05-25"),
        ]);
        let full = app.case("leeds", id).await;
        let holding = open_deadline(&full, "HOLDING_RESPONSE").expect("an open holding response");
        assert_eq!(holding["explanation"], "first holding response: the standard is 15 working days after reopening on 2027-05-04 (para 16) (leeds v1)");
        assert_contiguous(&case);
    }

    async fn two_sweepers_at_once_record_each_breach_once(app: TestApp) {
        let mut ids = Vec::new();
        for (council, n) in [("leeds", 6), ("leicester", 4), ("east-cambridgeshire", 3)] {
            for i in 0..n {
                let case = app.log_complaint(council, &format!("Complaint {i}")).await;
                ids.push((council, case["id"].as_str().unwrap().to_owned()));
            }
        }
        // A second server process on the same database.
        let other = TestApp::start(serve_args(app.database_url.clone()), app.backend, None).await;
        let (a, b, c) = tokio::join!(
            sweeper::pass(&app.state),
            sweeper::pass(&other.state),
            sweeper::pass(&app.state),
        );
        let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
        let late = sweeper::pass(&other.state).await.unwrap();
        let recorded = a.breaches + b.breaches + c.breaches + late.breaches;
        let holding_due = a.holding_due + b.holding_due + c.holding_due + late.holding_due;

        let mut expected = 0;
        let mut expected_holding = 0;
        for (council, id) in &ids {
            let case = read(&app, council, id).await;
            assert_contiguous(&case);
            let deadlines = case["deadlines"].as_array().unwrap();
            let missed: Vec<&Value> = deadlines
                .iter()
                .filter(|d| d["missed"] == true && d["kind"] != "HOLDING_RESPONSE")
                .collect();
            let breach_events = case["timeline"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["kind"] == "DEADLINE_BREACHED")
                .count();
            assert_eq!(breach_events, missed.len(), "{council}: {case}");
            let holdings = deadlines.iter().filter(|d| d["kind"] == "HOLDING_RESPONSE").count();
            assert!(holdings <= 1, "one holding response at most: {case}");
            let due_events = case["timeline"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["kind"] == "HOLDING_RESPONSE_DUE")
                .count();
            assert!(due_events <= holdings, "{case}");
            expected += missed.len() as u64;
            expected_holding += due_events as u64;
        }
        assert!(expected >= ids.len() as u64, "every complaint has missed something");
        assert_eq!(recorded, expected, "{a:?} {b:?} {c:?} {late:?}");
        assert_eq!(holding_due, expected_holding);
    }
}

/// Two policy threads, one per council at once, and a short wait for one:
/// a council whose thread is held is refused as busy at once.
fn one_policy_thread_per_council(args: &mut redress::config::ServeArgs) {
    args.policy_threads.policy_threads = Some(2);
    args.policy_threads.policy_council_threads = Some(1);
    args.policy_threads.policy_queue_ms = Some(100);
}

on_both_databases! {
    configured by one_policy_thread_per_council;

    async fn a_council_whose_sweep_fails_is_left_for_the_next_pass_and_the_others_are_swept(app: TestApp) {
        // The council swept first fails, so a pass that stopped there would
        // leave the other unswept.
        let order: Vec<String> = app
            .state
            .councils
            .slugs()
            .filter(|s| ["leeds", "leicester"].contains(s))
            .map(str::to_owned)
            .collect();
        let (failing, healthy) = (&order[0], &order[1]);
        let failing_case = app.log_complaint(failing, "Missed bin").await;
        let healthy_case = app.log_complaint(healthy, "Missed bin").await;
        let failing_id = failing_case["id"].as_str().unwrap();
        let healthy_id = healthy_case["id"].as_str().unwrap();

        // Its one policy thread is taken, so asking its holding_response
        // hook is refused as busy and its sweep fails.
        let council_id = app.state.councils.by_slug(failing).unwrap().id;
        let (release, held_until) = std::sync::mpsc::channel::<()>();
        let runner = app.state.policy_runner.clone();
        let holder = tokio::spawn(async move {
            runner
                .execute(council_id, move || {
                    let _ = held_until.recv();
                })
                .await
        });
        while !app.state.policy_runner.busy(council_id) {
            tokio::task::yield_now().await;
        }

        let first = sweeper::pass(&app.state).await.expect("the other council was swept");
        assert_eq!(first.failed_councils, 1, "{first:?}");
        assert_eq!(first.breaches, 2, "only the healthy council's two: {first:?}");
        let healthy_case = read(&app, healthy, healthy_id).await;
        assert!(kinds(&healthy_case).contains(&"DEADLINE_BREACHED".to_owned()), "{healthy}: {healthy_case}");
        assert!(
            !kinds(&read(&app, failing, failing_id).await).contains(&"DEADLINE_BREACHED".to_owned()),
            "the failed council's batch was rolled back"
        );

        release.send(()).unwrap();
        holder.await.unwrap().unwrap();
        let second = sweeper::pass(&app.state).await.unwrap();
        assert_eq!(second.failed_councils, 0, "{second:?}");
        assert_eq!(second.breaches, 2, "the failed council's, once: {second:?}");
        let failing_case = read(&app, failing, failing_id).await;
        let breaches = kinds(&failing_case).iter().filter(|k| *k == "DEADLINE_BREACHED").count();
        assert_eq!(breaches, 2, "{failing_case}");
        assert_contiguous(&failing_case);
        let healthy_case = read(&app, healthy, healthy_id).await;
        let breaches = kinds(&healthy_case).iter().filter(|k| *k == "DEADLINE_BREACHED").count();
        assert_eq!(breaches, 2, "recorded once: {healthy_case}");
    }
}
