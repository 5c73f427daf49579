//! `myQueue`: the caller's assigned open cases that are overdue or due
//! soon, soonest first, read through one index range.

mod common;

use chrono::NaiveDate;
use common::*;
use entity::{case, enums::CaseStatus};
use redress::domain::cases::queue;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    Statement, TransactionTrait, sea_query::Expr,
};
use serde_json::{Value, json};
use uuid::Uuid;

const QUEUE: &str = "query($first: Int, $days: Int) { myQueue(first: $first, dueWithinDays: $days) { reference status } }";
const QUEUE_DEFAULT: &str = "{ myQueue { reference } }";

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Logs a case and puts it where the test needs it.
async fn case_for(
    app: &TestApp,
    officer: Option<Uuid>,
    next_due: Option<&str>,
    status: CaseStatus,
) -> String {
    let logged = app.log_complaint("leeds", "Queued").await;
    let id: Uuid = logged["id"].as_str().unwrap().parse().unwrap();
    case::Entity::update_many()
        .col_expr(case::Column::AssigneeId, Expr::value(officer))
        .col_expr(case::Column::NextDue, Expr::value(next_due.map(date)))
        .col_expr(case::Column::Status, Expr::value(status))
        .filter(case::Column::Id.eq(id))
        .exec(&app.state.db)
        .await
        .unwrap();
    logged["reference"].as_str().unwrap().to_owned()
}

fn references(body: &Value) -> Vec<String> {
    body["myQueue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reference"].as_str().unwrap().to_owned())
        .collect()
}

/// The plan the database makes for the queue's own query.
async fn plan(
    app: &TestApp,
    council_id: Uuid,
    officer_id: Uuid,
    holding: queue::Holding,
) -> String {
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let built = queue::select(council_id, officer_id, holding, date("2027-06-08"))
        .limit(100)
        .build(backend);
    let txn = db.begin().await.unwrap();
    let (prefix, column) = if backend == DbBackend::Postgres {
        // A test table is tiny; forbid the sequential scan a planner would
        // rightly prefer there, so the plan shows what a full table gets.
        txn.execute_unprepared("SET LOCAL enable_seqscan = off")
            .await
            .unwrap();
        ("EXPLAIN ", "QUERY PLAN")
    } else {
        ("EXPLAIN QUERY PLAN ", "detail")
    };
    let rows = txn
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!("{prefix}{}", built.sql),
            built.values.map(|v| v.0).unwrap_or_default(),
        ))
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    rows.iter()
        .map(|r| r.try_get::<String>("", column).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

on_both_databases! {
    async fn the_queue_holds_the_assigned_cases_overdue_or_due_soon_in_order(app: TestApp) {
        // "now" is Tuesday 1 June 2027.
        let ivy = app.record_officer("leeds", "ivy").await;
        let oscar = app.record_officer("leeds", "oscar").await;
        let due_soon = case_for(&app, Some(ivy), Some("2027-06-05"), CaseStatus::InProgress).await;
        let overdue = case_for(&app, Some(ivy), Some("2027-05-20"), CaseStatus::Acknowledged).await;
        let later = case_for(&app, Some(ivy), Some("2027-06-20"), CaseStatus::InProgress).await;
        let edge = case_for(&app, Some(ivy), Some("2027-06-08"), CaseStatus::Received).await;
        case_for(&app, Some(ivy), Some("2027-05-01"), CaseStatus::Closed).await;
        case_for(&app, Some(ivy), None, CaseStatus::InProgress).await;
        let oscars = case_for(&app, Some(oscar), Some("2027-05-25"), CaseStatus::InProgress).await;
        case_for(&app, None, Some("2027-05-21"), CaseStatus::Received).await;

        let token = app.token("leeds", &["investigating_officer"], "ivy");
        let mine = app.graphql(Some(&token), QUEUE_DEFAULT, json!({})).await;
        assert_eq!(references(mine.data()), [overdue.clone(), due_soon.clone(), edge.clone()]);
        let month = app.graphql(Some(&token), QUEUE, json!({ "days": 30 })).await;
        assert_eq!(references(month.data()), [overdue.clone(), due_soon.clone(), edge.clone(), later]);
        let first = app.graphql(Some(&token), QUEUE, json!({ "first": 1 })).await;
        assert_eq!(references(first.data()), [overdue.as_str()]);
        let only_overdue = app.graphql(Some(&token), QUEUE, json!({ "days": 0 })).await;
        assert_eq!(references(only_overdue.data()), [overdue.as_str()]);

        let oscar_token = app.token("leeds", &["dcro"], "oscar");
        let theirs = app.graphql(Some(&oscar_token), QUEUE_DEFAULT, json!({})).await;
        assert_eq!(references(theirs.data()), [oscars]);
        let stranger = app.token("leeds", &["frontline"], "never-assigned");
        let none = app.graphql(Some(&stranger), QUEUE_DEFAULT, json!({})).await;
        assert!(references(none.data()).is_empty());
        // Same subject in another council: that council's directory, not Leeds'.
        let elsewhere = app.token("leicester", &["investigating_officer"], "ivy");
        let other = app.graphql(Some(&elsewhere), QUEUE_DEFAULT, json!({})).await;
        assert!(references(other.data()).is_empty());

        let customer = app.token("leeds", &["customer"], "ivy");
        assert_eq!(app.graphql(Some(&customer), QUEUE_DEFAULT, json!({})).await.code(), "FORBIDDEN");
        let bad = app.graphql(Some(&token), QUEUE, json!({ "first": 0 })).await;
        assert_eq!((bad.code(), bad.field()), ("BAD_USER_INPUT", Some("first")));
        let bad = app.graphql(Some(&token), QUEUE, json!({ "days": -1 })).await;
        assert_eq!((bad.code(), bad.field()), ("BAD_USER_INPUT", Some("dueWithinDays")));
    }

    async fn a_case_leaves_the_stage_one_investigators_queue_when_its_reviewer_is_appointed(app: TestApp) {
        const WHOLE_YEAR: &str = "{ myQueue(dueWithinDays: 366) { reference stage } }";
        let cfm = app.token("leeds", &["customer_feedback_manager"], "cfm");
        app.record_officer("leeds", "ivy").await;
        app.record_officer("leeds", "rita").await;
        let queue_of = |subject: &'static str| {
            let token = app.token("leeds", &["investigating_officer"], subject);
            let app = &app;
            async move { references(app.graphql(Some(&token), WHOLE_YEAR, json!({})).await.data()) }
        };
        let mut cases = Vec::new();
        for subject in ["Escalated", "Still at stage 1"] {
            let case = app.logged("leeds", complaint_input(subject)).await;
            let id = case["id"].as_str().unwrap().to_owned();
            app.acted(&cfm, "assignInvestigator", &id, json!({ "officer": "ivy" })).await;
            app.acted(&cfm, "acknowledgeCase", &id, json!({})).await;
            cases.push((id, case["reference"].as_str().unwrap().to_owned()));
        }
        let [(escalated, escalated_ref), (_, stays_ref)] = &cases[..] else { unreachable!() };
        app.acted(&cfm, "respondToCase", escalated, json!({ "input": { "outcome": "NOT_UPHELD", "summary": "Collected as scheduled" } })).await;
        let at_stage_2 = app.acted(&cfm, "requestEscalation", escalated, json!({ "input": { "reasons": "Still missed", "desiredOutcome": "Collection", "discretion": true } })).await;
        assert_eq!(at_stage_2["stage"], "STAGE_2", "{at_stage_2}");

        // Escalated but with nobody yet to review it, it is still Ivy's.
        let mut both = queue_of("ivy").await;
        both.sort();
        let mut expected = vec![escalated_ref.clone(), stays_ref.clone()];
        expected.sort();
        assert_eq!(both, expected);

        app.acted(&cfm, "appointStage2Reviewer", escalated, json!({ "officer": "rita" })).await;
        assert_eq!(queue_of("ivy").await, [stays_ref.as_str()], "the review is not the investigator's work");
        assert_eq!(queue_of("rita").await, [escalated_ref.as_str()]);
        // Still assigned to Ivy, who may still read it.
        let case = app.case("leeds", escalated).await;
        assert_eq!(case["assignee"]["subject"], "ivy");
    }

    async fn the_queue_reads_one_range_of_its_index(app: TestApp) {
        let council = app.state.councils.by_slug("leeds").unwrap().id;
        let ivy = app.record_officer("leeds", "ivy").await;
        for due in ["2027-05-20", "2027-06-05", "2027-07-01"] {
            case_for(&app, Some(ivy), Some(due), CaseStatus::InProgress).await;
        }
        for (holding, index) in [
            (queue::Holding::Assigned, "ix_cases_council_assignee_due"),
            (queue::Holding::Reviewing, "ix_cases_council_reviewer_due"),
        ] {
            let plan = plan(&app, council, ivy, holding).await;
            assert!(plan.contains(index), "{plan}");
            if app.backend == Backend::Postgres {
                assert!(!plan.contains("Seq Scan") && !plan.contains("Sort"), "{plan}");
            } else {
                assert!(plan.contains("SEARCH"), "{plan}");
                assert!(!plan.contains("TEMP B-TREE"), "no sort step: {plan}");
            }
        }
    }
}
