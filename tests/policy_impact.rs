//! `policyImpact`: which open deadlines a candidate script would move,
//! through the real server, tokens and database; nothing is written.

mod common;

use common::*;
use serde_json::{Value, json};

const LEEDS: &str = include_str!("../policies/leeds.rhai");

const IMPACT: &str = r#"query($source: String!, $first: Int) {
  policyImpact(source: $source, first: $first) {
    activeVersion ok complete casesExamined casesChanged deadlinesCompared deadlinesChanged
    problems { message hook test }
    byKind { kind compared changed notRecomputed }
    notRecomputed { kind reason count }
    candidateFailures
    changes { caseId reference kind hook storedDue oldDue newDue newExplanation }
  }
}"#;

/// Leeds with its stage I response standard at `days` working days; the
/// script's own tests, written for 15, are set aside.
fn leeds_with_response_days(days: u32) -> String {
    without_tests(&LEEDS.replace(
        "fn stage1_response_working_days() { 15 }",
        &format!("fn stage1_response_working_days() {{ {days} }}"),
    ))
}

fn without_tests(source: &str) -> String {
    let changed = source.replace("fn tests() {", "fn tests() { [] }\nfn tests_set_aside() {");
    assert_ne!(changed, source, "the script has tests to set aside");
    changed
}

/// Leeds closed on Thursday 27 May 2027 besides bank holidays.
fn leeds_closed_27_may() -> String {
    let changed = LEEDS.replace(
        "#{ closures: [] }",
        r#"#{ closures: [date("2027-05-27")] }"#,
    );
    assert_ne!(changed, LEEDS);
    without_tests(&changed)
}

struct Cases {
    /// Received Tue 4 May: acknowledge 7 May, respond 25 May, both open.
    early: Value,
    /// Received Mon 10 May: acknowledge 13 May, respond 1 June, both open.
    plain: Value,
    /// Received Thu 20 May, acknowledged: respond 11 June open.
    acknowledged: Value,
    /// Answered on 20 April: the escalation window (18 May) open.
    answered: Value,
    /// Closed last year, reopened Tue 25 May: respond 16 June open.
    reopened: Value,
    /// Leicester's, which Leeds' impact must never show.
    elsewhere: Value,
}

async fn open_cases(app: &TestApp) -> Cases {
    let staff = app.token("leeds", &["dcro"], "dcro-1");
    let early = app
        .logged("leeds", complaint_on("2027-05-04", "Early"))
        .await;
    let plain = app
        .logged("leeds", complaint_on("2027-05-10", "Plain"))
        .await;
    let acknowledged = app
        .logged("leeds", complaint_on("2027-05-20", "Acknowledged"))
        .await;
    let acknowledged = app
        .acted(
            &staff,
            "acknowledgeCase",
            acknowledged["id"].as_str().unwrap(),
            json!({ "at": "2027-05-21T10:00:00Z" }),
        )
        .await;
    let answered = app
        .logged("leeds", complaint_on("2027-04-01", "Answered"))
        .await;
    let id = answered["id"].as_str().unwrap();
    app.acted(
        &staff,
        "acknowledgeCase",
        id,
        json!({ "at": "2027-04-02T10:00:00Z" }),
    )
    .await;
    let answered = app
        .acted(
            &staff,
            "respondToCase",
            id,
            json!({
                "at": "2027-04-20T10:00:00Z",
                "input": { "outcome": "NOT_UPHELD", "summary": "Collected as scheduled" },
            }),
        )
        .await;
    let closed = app.answered_and_closed(&staff, "Reopened").await;
    let reopened = app
        .acted(
            &staff,
            "reopenCase",
            closed["id"].as_str().unwrap(),
            json!({ "reason": "The bin was missed again", "at": "2027-05-25T10:00:00Z" }),
        )
        .await;
    let elsewhere = app
        .logged("leicester", complaint_on("2027-05-10", "Elsewhere"))
        .await;
    Cases {
        early,
        plain,
        acknowledged,
        answered,
        reopened,
        elsewhere,
    }
}

async fn impact(app: &TestApp, source: &str) -> Value {
    let admin = app.token("leeds", &["policy_admin"], "policy-admin");
    app.graphql(Some(&admin), IMPACT, json!({ "source": source }))
        .await
        .data()["policyImpact"]
        .clone()
}

/// The listed changes as (reference, kind, stored, old, new), sorted.
fn changes(impact: &Value) -> Vec<(String, String, String, String, String)> {
    let mut rows: Vec<_> = impact["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["reference"].as_str().unwrap().to_owned(),
                c["kind"].as_str().unwrap().to_owned(),
                c["storedDue"].as_str().unwrap().to_owned(),
                c["oldDue"].as_str().unwrap().to_owned(),
                c["newDue"].as_str().unwrap_or("none").to_owned(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn row(case: &Value, kind: &str, old: &str, new: &str) -> (String, String, String, String, String) {
    (
        case["reference"].as_str().unwrap().to_owned(),
        kind.to_owned(),
        old.to_owned(),
        old.to_owned(),
        new.to_owned(),
    )
}

fn kind<'a>(impact: &'a Value, kind: &str) -> &'a Value {
    impact["byKind"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {}", impact["byKind"]))
}

/// Every Leeds and Leicester case as staff see it: versions, deadlines, timeline.
async fn snapshot(app: &TestApp, cases: &Cases) -> Vec<Value> {
    let mut all = Vec::new();
    for case in [
        &cases.early,
        &cases.plain,
        &cases.acknowledged,
        &cases.answered,
        &cases.reopened,
    ] {
        all.push(app.case("leeds", case["id"].as_str().unwrap()).await);
    }
    all.push(
        app.case("leicester", cases.elsewhere["id"].as_str().unwrap())
            .await,
    );
    all
}

on_both_databases! {
    async fn twenty_working_days_moves_exactly_the_respond_deadlines(app: TestApp) {
        let cases = open_cases(&app).await;
        let before = snapshot(&app, &cases).await;

        let found = impact(&app, &leeds_with_response_days(20)).await;
        assert_eq!(found["ok"], true, "{found}");
        assert_eq!(found["complete"], true);
        assert_eq!(found["activeVersion"], 1, "{found}");
        assert_eq!(found["casesExamined"], 5, "the five open Leeds cases, not Leicester's");
        assert_eq!(found["deadlinesCompared"], 8);
        assert_eq!(found["deadlinesChanged"], 4);
        assert_eq!(found["casesChanged"], 4);
        assert_eq!(
            changes(&found),
            {
                let mut want = vec![
                    row(&cases.early, "RESPOND", "2027-05-25", "2027-06-02"),
                    row(&cases.plain, "RESPOND", "2027-06-01", "2027-06-08"),
                    row(&cases.acknowledged, "RESPOND", "2027-06-11", "2027-06-18"),
                    row(&cases.reopened, "RESPOND", "2027-06-16", "2027-06-23"),
                ];
                want.sort();
                want
            }
        );
        let hooks: Vec<(&str, &str)> = found["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["reference"].as_str().unwrap(), c["hook"].as_str().unwrap()))
            .collect();
        assert!(hooks.contains(&(cases.reopened["reference"].as_str().unwrap(), "reopened")));
        assert!(hooks.contains(&(cases.plain["reference"].as_str().unwrap(), "intake")));
        let plain = found["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["reference"] == cases.plain["reference"])
            .unwrap();
        assert_eq!(
            plain["newExplanation"],
            "20 working days after receipt on 2027-05-10 (para 16)"
        );
        assert_eq!(kind(&found, "RESPOND")["compared"], 4);
        assert_eq!(kind(&found, "RESPOND")["changed"], 4);
        assert_eq!(kind(&found, "ACKNOWLEDGE")["compared"], 2);
        assert_eq!(kind(&found, "ACKNOWLEDGE")["changed"], 0);
        // The answered case's window, and the one the reopened case kept from
        // its first answer (closing keeps what the customer is owed).
        assert_eq!(kind(&found, "ESCALATE")["compared"], 2);
        assert_eq!(kind(&found, "ESCALATE")["changed"], 0);
        assert_eq!(found["notRecomputed"], json!([]));
        let leicester = cases.elsewhere["reference"].as_str().unwrap();
        assert!(!found.to_string().contains(leicester));
        assert!(!found.to_string().contains(cases.elsewhere["id"].as_str().unwrap()));

        assert_eq!(snapshot(&app, &cases).await, before, "an impact writes nothing");
    }

    async fn a_closure_day_moves_only_the_deadlines_after_it(app: TestApp) {
        let cases = open_cases(&app).await;
        let before = snapshot(&app, &cases).await;

        let found = impact(&app, &leeds_closed_27_may()).await;
        assert_eq!(found["ok"], true, "{found}");
        assert_eq!(found["deadlinesCompared"], 8);
        assert_eq!(found["deadlinesChanged"], 3);
        let mut want = vec![
            row(&cases.plain, "RESPOND", "2027-06-01", "2027-06-02"),
            row(&cases.acknowledged, "RESPOND", "2027-06-11", "2027-06-14"),
            row(&cases.reopened, "RESPOND", "2027-06-16", "2027-06-17"),
        ];
        want.sort();
        assert_eq!(changes(&found), want);
        // Acknowledgements due 7 and 13 May, the 25 May response and the
        // calendar-day escalation window do not move.
        assert_eq!(kind(&found, "ACKNOWLEDGE")["changed"], 0);
        assert_eq!(kind(&found, "ESCALATE")["changed"], 0);
        assert!(!found.to_string().contains(cases.early["reference"].as_str().unwrap()));

        assert_eq!(snapshot(&app, &cases).await, before, "an impact writes nothing");
    }

    async fn the_active_script_changes_nothing_and_first_limits_the_list(app: TestApp) {
        let cases = open_cases(&app).await;
        let same = impact(&app, LEEDS).await;
        assert_eq!(same["ok"], true);
        assert_eq!(same["deadlinesCompared"], 8);
        assert_eq!(same["deadlinesChanged"], 0);
        assert_eq!(same["casesChanged"], 0);
        assert_eq!(same["changes"], json!([]));

        let admin = app.token("leeds", &["policy_admin"], "policy-admin");
        let two = app
            .graphql(
                Some(&admin),
                IMPACT,
                json!({ "source": leeds_with_response_days(20), "first": 2 }),
            )
            .await;
        let two = &two.data()["policyImpact"];
        assert_eq!(two["deadlinesChanged"], 4, "counted in full");
        assert_eq!(two["changes"].as_array().unwrap().len(), 2, "listed up to `first`");
        let references = |impact: &Value| -> Vec<String> {
            impact["changes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["reference"].as_str().unwrap().to_owned())
                .collect()
        };
        let all = impact(&app, &leeds_with_response_days(20)).await;
        let mut first_two = references(&all);
        first_two.sort();
        first_two.truncate(2);
        assert_eq!(
            references(two),
            first_two,
            "the first changes by case reference, whatever order the rows came in"
        );

        let too_many = app
            .graphql(
                Some(&admin),
                IMPACT,
                json!({ "source": LEEDS, "first": 501 }),
            )
            .await;
        assert_eq!(too_many.code(), "BAD_USER_INPUT");
        assert_eq!(too_many.field(), Some("first"));
        drop(cases);
    }

    async fn a_script_that_fails_validation_gets_its_problems_not_a_comparison(app: TestApp) {
        open_cases(&app).await;
        // The standard changed but the script's tests still expect 15 days.
        let source = LEEDS.replace(
            "fn stage1_response_working_days() { 15 }",
            "fn stage1_response_working_days() { 20 }",
        );
        let found = impact(&app, &source).await;
        assert_eq!(found["ok"], false);
        assert!(
            found["problems"].as_array().unwrap().iter().any(|p| !p["test"].is_null()),
            "{found}"
        );
        assert_eq!(found["deadlinesCompared"], 0);
        assert_eq!(found["changes"], json!([]));

        let broken = impact(&app, "fn intake(contact) { #{ stage: ").await;
        assert_eq!(broken["ok"], false);
        assert_eq!(broken["deadlinesCompared"], 0);
    }

    async fn only_a_policy_admin_sees_the_impact_and_only_on_their_council(app: TestApp) {
        let cases = open_cases(&app).await;
        for roles in [&["dcro"][..], &["customer_feedback_manager"], &["frontline"]] {
            let token = app.token("leeds", roles, "staff");
            let refused = app
                .graphql(Some(&token), IMPACT, json!({ "source": LEEDS }))
                .await;
            assert_eq!(refused.code(), "FORBIDDEN", "{roles:?}");
            assert!(refused.body["data"].is_null() || refused.body["data"]["policyImpact"].is_null());
        }
        let anonymous = app.graphql(None, IMPACT, json!({ "source": LEEDS })).await;
        assert_ne!(anonymous.body["errors"], Value::Null);

        // Leicester's admin sees only Leicester's one open case.
        let admin = app.token("leicester", &["policy_admin"], "leicester-admin");
        let leicester = include_str!("../policies/leicester.rhai");
        let found = app
            .graphql(Some(&admin), IMPACT, json!({ "source": leicester }))
            .await;
        let found = &found.data()["policyImpact"];
        assert_eq!(found["casesExamined"], 1);
        for leeds in [&cases.early, &cases.plain, &cases.reopened] {
            assert!(!found.to_string().contains(leeds["id"].as_str().unwrap()));
        }
    }

    async fn the_command_line_reports_the_impact_from_the_database(app: TestApp) {
        let cases = open_cases(&app).await;
        let before = snapshot(&app, &cases).await;
        let dir = tempfile::tempdir().unwrap();
        let run = |source: String| {
            let file = dir.path().join("leeds.rhai");
            std::fs::write(&file, source).unwrap();
            std::process::Command::new(env!("CARGO_BIN_EXE_redress"))
                .args(["policy", "impact"])
                .arg(&file)
                .args(["--database-url", &app.database_url])
                .env_remove("DATABASE_URL")
                .output()
                .unwrap()
        };
        let out = run(leeds_with_response_days(20));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("compared with v1 over 5 open case(s)\n"), "{stdout}");
        assert!(stdout.contains("8 deadline(s) compared, 4 would change on 4 case(s)"), "{stdout}");
        let plain = format!(
            "{} respond (intake): 2027-06-01 -> 2027-06-08  20 working days after receipt on 2027-05-10 (para 16)",
            cases.plain["reference"].as_str().unwrap()
        );
        assert!(stdout.contains(&plain), "{stdout}");
        assert!(!stdout.contains(cases.elsewhere["reference"].as_str().unwrap()));

        // Its own tests still expect 15 days: problems, exit status 1, no comparison.
        let out = run(LEEDS.replace(
            "fn stage1_response_working_days() { 15 }",
            "fn stage1_response_working_days() { 20 }",
        ));
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("leeds.rhai:"));
        assert!(String::from_utf8_lossy(&out.stdout).contains("nothing was compared"));

        assert_eq!(snapshot(&app, &cases).await, before, "an impact writes nothing");
    }

    async fn deadlines_set_by_an_escalation_are_asked_of_the_escalation_hook(app: TestApp) {
        let staff = app.token("leeds", &["dcro"], "dcro-1");
        let case = app
            .logged("leeds", complaint_on("2027-04-01", "Escalated"))
            .await;
        let id = case["id"].as_str().unwrap();
        app.acted(&staff, "acknowledgeCase", id, json!({ "at": "2027-04-02T10:00:00Z" }))
            .await;
        app.acted(
            &staff,
            "respondToCase",
            id,
            json!({
                "at": "2027-04-20T10:00:00Z",
                "input": { "outcome": "NOT_UPHELD", "summary": "Collected as scheduled" },
            }),
        )
        .await;
        let escalated = app
            .acted(
                &staff,
                "requestEscalation",
                id,
                json!({
                    "at": "2027-05-10T10:00:00Z",
                    "input": { "reasons": "Still missed", "desiredOutcome": "A review" },
                }),
            )
            .await;
        assert_eq!(escalated["stage"], "STAGE_2");
        assert_eq!(due(&escalated, "RESPOND"), "2027-06-01");

        let same = impact(&app, LEEDS).await;
        assert_eq!(same["deadlinesCompared"], 2, "{same}");
        assert_eq!(same["deadlinesChanged"], 0);
        assert_eq!(same["notRecomputed"], json!([]));

        let stage2 = without_tests(&LEEDS.replace(
            "fn stage2_response_working_days() { 15 }",
            "fn stage2_response_working_days() { 20 }",
        ));
        let found = impact(&app, &stage2).await;
        assert_eq!(found["deadlinesCompared"], 2, "{found}");
        assert_eq!(found["deadlinesChanged"], 1);
        let change = &found["changes"][0];
        assert_eq!(change["kind"], "RESPOND");
        assert_eq!(change["hook"], "escalation");
        assert_eq!(change["oldDue"], "2027-06-01");
        assert_eq!(change["newDue"], "2027-06-08");
        assert_eq!(
            change["newExplanation"],
            "20 working days after receipt of the written statement of complaint on 2027-05-10 (para 22)"
        );
        assert_eq!(kind(&found, "ACKNOWLEDGE")["changed"], 0);
    }
}
