//! Council policies end to end: shipped scripts, publishing through GraphQL,
//! hot reload, and several processes converging on one database.

mod common;

use std::time::{Duration, Instant};

use common::*;
use redress::policy::CompiledPolicy;
use serde_json::{Value, json};

const POLICY: &str = "{ policy { council hooks active { version publishedBy sha256 active } history { version note publishedBy } } }";
const PUBLISH: &str = "mutation($s: String!, $n: String) { publishPolicy(source: $s, note: $n) { version publishedBy active } }";
const LOG: &str = "mutation($input: LogContactInput!) { logContact(input: $input) { id reference stage status acknowledgeBy respondBy scopeReason signpost deadlines { kind due policyVersion explanation } requirements { key label blocks } } }";
const CASE: &str =
    "query($id: ID!) { case(id: $id) { respondBy deadlines { kind due policyVersion } } }";

fn shipped(slug: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/policies/{slug}.rhai",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Leeds with a 10-day stage 1 response. The script's own tests quote the
/// document's 15 days, so with `keep_tests` the edit must be refused.
fn leeds_ten_days(keep_tests: bool) -> String {
    let source = shipped("leeds");
    let edited = source.replace(
        "fn stage1_response_working_days() { 15 }",
        "fn stage1_response_working_days() { 10 }",
    );
    assert_ne!(
        edited, source,
        "the Leeds script keeps its stage 1 response time in one function"
    );
    if keep_tests {
        edited
    } else {
        edited.replace("fn tests()", "fn tests_of_the_document()")
    }
}

fn complaint_received(date: &str) -> Value {
    let mut input = complaint_input("Missed bin");
    input["receivedAt"] = json!(format!("{date}T10:00:00Z"));
    json!({ "input": input })
}

#[test]
fn every_shipped_policy_is_valid_and_passes_its_own_tests() {
    for slug in [
        "leeds",
        "feedback-team",
        "leicester",
        "north-norfolk",
        "east-cambridgeshire",
    ] {
        let (policy, report) = CompiledPolicy::validate(slug, &shipped(slug));
        assert!(report.problems.is_empty(), "{slug}: {:#?}", report.problems);
        assert!(
            report.tests_run >= 10,
            "{slug} quotes its document in at least ten tests"
        );
        assert_eq!(report.tests_passed, report.tests_run);
        assert!(policy.unwrap().defines("intake"), "{slug} decides intake");
    }
}

#[test]
fn an_exclusion_the_table_does_not_list_is_refused_by_the_host() {
    let policy = CompiledPolicy::compile("leeds", 1, &shipped("leeds")).unwrap();
    let contact = redress::policy::Contact {
        exclusion: Some("not_a_category".into()),
        ..Default::default()
    };
    let problem = policy.intake(&contact).unwrap_err();
    assert!(
        problem.message.starts_with("unknown exclusion `not_a_category`: not one of this policy's categories (legal_proceedings, "),
        "{problem}"
    );
    // None chosen, or an empty one: in scope, `intake` decides.
    for exclusion in [None, Some(String::new())] {
        let contact = redress::policy::Contact {
            exclusion,
            ..Default::default()
        };
        assert!(policy.intake(&contact).unwrap().in_scope);
    }
}

/// A version published before tables carried reasons lists only keys and
/// labels and decides the category in `intake`: it still runs as stored,
/// but publishing it again is refused until each row has its reason.
#[test]
fn a_table_of_labels_only_leaves_the_category_to_intake_and_is_refused_at_publish() {
    let source = r#"
fn exclusions() { [#{ key: "legal", label: "Legal proceedings" }] }
fn intake(contact) {
    if contact.exclusion == "legal" {
        return #{ in_scope: false, reason: "decided by the script", signpost: "the court" };
    }
    #{ stage: "stage_1" }
}
"#;
    let policy = CompiledPolicy::compile("old", 3, source).unwrap();
    let contact = redress::policy::Contact {
        exclusion: Some("legal".into()),
        ..Default::default()
    };
    let out = policy.intake(&contact).unwrap();
    assert_eq!(
        (out.in_scope, out.reason.as_deref()),
        (false, Some("decided by the script"))
    );
    assert_eq!(policy.exclusions()[0].label, "Legal proceedings");
    let (_, report) = CompiledPolicy::validate("old", source);
    let messages: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert!(
        messages.iter().any(|m| m == "2:28: hook `exclusions`: exclusion `legal`: has no `reason`; every category needs a label for staff, the reason recorded on the case and a signpost for the customer"),
        "{messages:#?}"
    );
}

const VALIDATE: &str = "mutation($s: String!) { validatePolicy(source: $s) { ok testsRun problems { message line column hook test } output } }";

/// Scripts written to hurt the shared server, each with what the refusal must say.
const HOSTILE: &[(&str, &str)] = &[
    (
        "fn intake(c) { sleep(0.4); #{} }",
        "no function `sleep` exists",
    ),
    (
        "fn intake(c) { sleep(1e300); #{} }",
        "no function `sleep` exists",
    ),
    (
        "fn intake(c) { let n = -9223372036854775807 - 1; #{ deadlines: [#{ kind: \"respond\", due: c.received.add_working_days(n), explanation: \"x\" }] } }",
        "is out of range (at most 5300 either way)",
    ),
    (
        "fn intake(c) {\n  if c.service == \"never\" { misspelt(c) }\n  #{}\n}",
        "no function `misspelt` exists",
    ),
    (
        "fn persistent_review(d) { #{ review_by: \"9999-12-31\", explanation: \"never\" } }",
        "review_by 9999-12-31 is outside the window the host accepts",
    ),
    (
        "fn intake(c) { #{} }\nfn tests() { let t = []; for i in 0..301 { t.push(#{ name: `t${i}`, hook: \"intake\", input: [#{}], expect: #{} }); } t }",
        "a check runs at most 300",
    ),
    ("", "defines no `intake(contact)` hook"),
    (
        "// every rule to follow\nfn calendar() { #{ closures: [] } }",
        "defines no `intake(contact)` hook",
    ),
    (
        "fn intake(c) { let d = c.received.add_working_days(\"10\"); #{} }",
        "`add_working_days` cannot take (Date, string); it is defined as: add_working_days(_: Date, _: i64) -> Date (prelude)",
    ),
];

on_both_databases! {
    async fn hostile_scripts_are_refused_with_what_is_wrong_and_the_active_version_keeps_serving(app: TestApp) {
        let admin = app.token("leeds", &["policy_admin"], "pat");
        let staff = app.token("leeds", &["frontline"], "fo");
        for (source, expected) in HOSTILE {
            let checked = app.graphql(Some(&admin), VALIDATE, json!({ "s": source })).await;
            let checked = &checked.data()["validatePolicy"];
            assert_eq!(checked["ok"], false, "{source}");
            let messages: Vec<&str> = checked["problems"].as_array().unwrap().iter().map(|p| p["message"].as_str().unwrap()).collect();
            assert!(messages.iter().any(|m| m.contains(expected)), "{source}: {messages:?}");

            let refused = app.graphql(Some(&admin), PUBLISH, json!({ "s": source })).await;
            assert_eq!(refused.code(), "POLICY_REJECTED", "{source}");
            let problems = refused.body["errors"][0]["extensions"]["detail"]["problems"].to_string();
            assert!(problems.contains(expected), "{source}: {problems}");
        }
        // The undefined call is placed at its line.
        let checked = app.graphql(Some(&admin), VALIDATE, json!({ "s": HOSTILE[3].0 })).await;
        assert_eq!(checked.data()["validatePolicy"]["problems"][0]["line"], 2);

        // Nothing was published: v1 still serves the next contact.
        let policy = app.graphql(Some(&admin), POLICY, json!({})).await;
        assert_eq!(policy.data()["policy"]["active"]["version"], 1);
        assert_eq!(policy.data()["policy"]["history"].as_array().unwrap().len(), 1);
        let logged = app.graphql(Some(&staff), LOG, complaint_received("2026-12-21")).await;
        assert_eq!(logged.data()["logContact"]["respondBy"], "2027-01-14");
        assert_eq!(logged.data()["logContact"]["deadlines"][0]["policyVersion"], 1);
    }

    async fn what_a_script_prints_while_checked_comes_back_bounded(app: TestApp) {
        let admin = app.token("leeds", &["policy_admin"], "pat");
        let chatty = "fn intake(c) { for i in 0..30 { print(`seen ${c.kind} ${i}`); } #{ stage: \"stage_1\" } }";
        let checked = app.graphql(Some(&admin), VALIDATE, json!({ "s": chatty })).await;
        let checked = &checked.data()["validatePolicy"];
        assert_eq!(checked["ok"], true, "{checked}");
        let output: Vec<&str> = checked["output"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
        assert_eq!(output[0], "seen complaint 0");
        assert!(output.contains(&"seen complaint 19"));
        assert!(!output.contains(&"seen complaint 20"), "at most 20 lines a call");
        assert!(output.len() <= 201, "{}", output.len());

        let preview = app.graphql(Some(&admin), "mutation($s: String!, $c: LogContactInput!) { previewPolicy(source: $s, contact: $c) { stage output } }", json!({ "s": chatty, "c": complaint_received("2026-12-21")["input"] })).await;
        let preview = &preview.data()["previewPolicy"];
        assert_eq!(preview["stage"], "STAGE_1");
        assert_eq!(preview["output"].as_array().unwrap().len(), 21, "{preview}");
        assert_eq!(app.case_count("leeds").await, 0, "a preview writes nothing");
    }

    async fn a_policy_admin_changes_leeds_stage_1_and_the_next_contact_uses_it(app: TestApp) {
        let admin = app.token("leeds", &["policy_admin"], "pat");
        let staff = app.token("leeds", &["frontline"], "fo");

        let policy = app.graphql(Some(&admin), POLICY, json!({})).await;
        let policy = &policy.data()["policy"];
        assert_eq!(policy["council"], "leeds");
        assert_eq!(policy["active"]["version"], 1);
        assert_eq!(policy["active"]["publishedBy"], "redress (shipped policy)");
        assert!(policy["hooks"].as_array().unwrap().contains(&json!("intake")));
        assert_eq!(app.graphql(Some(&staff), POLICY, json!({})).await.code(), "FORBIDDEN");

        // para 13 and 16: acknowledged within 3, answered within 15 working
        // days of receipt; 2026-12-21 runs over Christmas and Boxing Day's
        // substitute (28 December) and New Year's Day.
        let before = app.graphql(Some(&staff), LOG, complaint_received("2026-12-21")).await;
        let before = before.data()["logContact"].clone();
        assert_eq!(before["stage"], "STAGE_1");
        assert_eq!(before["acknowledgeBy"], "2026-12-24");
        assert_eq!(before["respondBy"], "2027-01-14");
        assert_eq!(before["deadlines"][0]["policyVersion"], 1);
        assert!(before["deadlines"].as_array().unwrap().iter().all(|d| d["explanation"].as_str().unwrap().ends_with("(leeds v1)")));

        // The number alone changed: the script's own tests quote 15 days and refuse it.
        let refused = app.graphql(Some(&admin), PUBLISH, json!({ "s": leeds_ten_days(true) })).await;
        assert_eq!(refused.code(), "POLICY_REJECTED");
        let problems = refused.body["errors"][0]["extensions"]["detail"]["problems"].as_array().unwrap().clone();
        assert!(problems.iter().any(|p| p["test"].is_string()), "{problems:?}");

        let broken = app.graphql(Some(&admin), "mutation($s: String!) { validatePolicy(source: $s) { ok problems { message line column } } }", json!({ "s": "fn intake(c) {\n  #{ stage: }\n}" })).await;
        let broken = &broken.data()["validatePolicy"];
        assert_eq!(broken["ok"], false);
        assert_eq!(broken["problems"][0]["line"], 2);
        assert!(broken["problems"][0]["column"].as_i64().unwrap() > 0);

        let preview = app.graphql(Some(&admin), "mutation($s: String!, $c: LogContactInput!) { previewPolicy(source: $s, contact: $c) { stage deadlines { kind due } } }", json!({ "s": leeds_ten_days(false), "c": complaint_received("2026-12-21")["input"] })).await;
        let preview = &preview.data()["previewPolicy"];
        assert!(preview["deadlines"].as_array().unwrap().contains(&json!({ "kind": "RESPOND", "due": "2027-01-07" })), "{preview}");
        assert_eq!(app.case_count("leeds").await, 1, "a preview writes nothing");

        let published = app.graphql(Some(&admin), PUBLISH, json!({ "s": leeds_ten_days(false), "n": "stage 1 in 10 working days" })).await;
        assert_eq!(published.data()["publishPolicy"], json!({ "version": 2, "publishedBy": "pat", "active": true }));

        let after = app.graphql(Some(&staff), LOG, complaint_received("2026-12-21")).await;
        let after = &after.data()["logContact"];
        assert_eq!(after["respondBy"], "2027-01-07", "10 working days, no restart");
        assert_eq!(after["deadlines"][0]["policyVersion"], 2);

        // Deadlines already on cases are never rewritten by a new version.
        let old = app.graphql(Some(&staff), CASE, json!({ "id": before["id"] })).await;
        assert_eq!(old.data()["case"]["respondBy"], "2027-01-14");
        assert!(old.data()["case"]["deadlines"].as_array().unwrap().iter().all(|d| d["policyVersion"] == 1));

        let rollback = app.graphql(Some(&admin), "mutation { rollbackPolicy(version: 1) { version active note } }", json!({})).await;
        assert_eq!(rollback.data()["rollbackPolicy"], json!({ "version": 3, "active": true, "note": "rollback to v1" }));
        let again = app.graphql(Some(&staff), LOG, complaint_received("2026-12-21")).await;
        assert_eq!(again.data()["logContact"]["respondBy"], "2027-01-14");
        let history = app.graphql(Some(&admin), POLICY, json!({})).await;
        let versions: Vec<i64> = history.data()["policy"]["history"].as_array().unwrap().iter().map(|v| v["version"].as_i64().unwrap()).collect();
        assert_eq!(versions, vec![3, 2, 1]);

        // Another council's policy is untouched.
        let leicester = app.token("leicester", &["policy_admin"], "lpa");
        let theirs = app.graphql(Some(&leicester), POLICY, json!({})).await;
        assert_eq!(theirs.data()["policy"]["active"]["version"], 1);
        let missing = app.graphql(Some(&leicester), "mutation { rollbackPolicy(version: 2) { version } }", json!({})).await;
        assert_eq!(missing.code(), "NOT_FOUND");
    }

    async fn leeds_rules_for_foi_discrimination_and_exclusions_apply_at_intake(app: TestApp) {
        let staff = app.token("leeds", &["frontline"], "fo");
        // para 61 and 63: FOI complaints start at stage II, answered within 20 working days.
        let mut foi = complaint_received("2027-03-22");
        foi["input"]["kind"] = json!("FOI_COMPLAINT");
        let foi = app.graphql(Some(&staff), LOG, foi).await;
        let foi = &foi.data()["logContact"];
        assert_eq!(foi["stage"], "STAGE_2");
        // 20 working days after 22 March 2027, skipping Good Friday and Easter Monday.
        assert_eq!(foi["respondBy"], "2027-04-21");

        // para 28: discrimination complaints need Legal and the Head of Equality told first.
        let mut discrimination = complaint_received("2026-11-20");
        discrimination["input"]["discrimination"] = json!(true);
        let case = app.graphql(Some(&staff), LOG, discrimination).await;
        let requirements = case.data()["logContact"]["requirements"].as_array().unwrap().clone();
        assert!(!requirements.is_empty());
        assert!(requirements.iter().any(|r| r["blocks"].as_array().unwrap().contains(&json!("acknowledge"))), "{requirements:?}");

        // para 4a: legal proceedings are dealt with elsewhere.
        let mut legal = complaint_received("2026-11-20");
        legal["input"]["exclusion"] = json!("legal_proceedings");
        let case = app.graphql(Some(&staff), LOG, legal).await;
        let case = &case.data()["logContact"];
        assert_eq!(case["status"], "OUT_OF_SCOPE");
        assert!(case["scopeReason"].as_str().unwrap().len() > 10);
        assert!(case["signpost"].as_str().unwrap().len() > 5);
        assert_eq!(case["deadlines"], json!([]));

        // Front-ends offer the council's categories; anything else is refused.
        let me = app.graphql(Some(&staff), "{ me { council { exclusions { key label } } } }", json!({})).await;
        let keys: Vec<String> = me.data()["me"]["council"]["exclusions"].as_array().unwrap().iter().map(|e| e["key"].as_str().unwrap().to_owned()).collect();
        assert!(keys.contains(&"legal_proceedings".to_owned()) && keys.contains(&"wrongly_addressed".to_owned()), "{keys:?}");
        let mut unknown = complaint_received("2026-11-20");
        unknown["input"]["exclusion"] = json!("not_a_category");
        let refused = app.graphql(Some(&staff), LOG, unknown).await;
        assert_eq!(refused.code(), "BAD_USER_INPUT");
        assert_eq!(refused.field(), Some("exclusion"));
    }

    async fn the_host_applies_the_councils_exclusion_table_and_stores_nothing_in_scope(app: TestApp) {
        let leeds = app.token("leeds", &["frontline"], "fo");
        // para 43: the table's row gives the reason, the days to return it in and the signpost;
        // the discrimination flag that would add checklist items in scope adds none.
        let mut wrong = complaint_received("2026-12-23");
        wrong["input"]["exclusion"] = json!("wrongly_addressed");
        wrong["input"]["discrimination"] = json!(true);
        let case = app.graphql(Some(&leeds), LOG, wrong).await;
        let case = &case.data()["logContact"];
        assert_eq!(case["status"], "OUT_OF_SCOPE");
        assert_eq!(case["stage"], Value::Null);
        assert_eq!(
            case["scopeReason"],
            "The Council is not responsible for this service: return the complaint to the customer with an explanation within 3 days of receipt on 2026-12-23, by 2026-12-26 (para 43)"
        );
        assert_eq!(case["signpost"], "the body responsible for the service");
        assert_eq!((case["acknowledgeBy"].clone(), case["respondBy"].clone()), (Value::Null, Value::Null));
        assert_eq!(case["deadlines"], json!([]));
        assert_eq!(case["requirements"], json!([]));
        // The label staff choose from carries the paragraph the row cites.
        let me = app.graphql(Some(&leeds), "{ me { council { exclusions { key label } } } }", json!({})).await;
        assert!(
            me.data()["me"]["council"]["exclusions"].as_array().unwrap().contains(&json!({
                "key": "wrongly_addressed", "label": "Service the Council is not responsible for (para 43)"
            })),
            "{}", me.body
        );

        // feedback-team: a complaint about an FOI request falls in the row that lists its kind,
        // with no category chosen; `exceptional` waives the row and `intake` decides.
        let feedback = app.token("feedback-team", &["frontline"], "fo");
        let mut foi = complaint_received("2026-12-21");
        foi["input"]["kind"] = json!("FOI_COMPLAINT");
        let case = app.graphql(Some(&feedback), LOG, foi.clone()).await;
        let case = &case.data()["logContact"];
        assert_eq!(case["status"], "OUT_OF_SCOPE");
        assert_eq!(case["signpost"], "the Information Governance team, then the Information Commissioner's Office (ICO)");
        assert!(case["scopeReason"].as_str().unwrap().ends_with("the Information Governance team is alerted (Appendix B)"), "{case}");
        foi["input"]["exceptional"] = json!(true);
        let case = app.graphql(Some(&feedback), LOG, foi).await;
        let case = &case.data()["logContact"];
        assert_eq!((case["status"].as_str(), case["stage"].as_str()), (Some("RECEIVED"), Some("STAGE_1")));
        // section 7: acknowledged within two working days of 21 December 2026.
        assert_eq!(case["acknowledgeBy"], "2026-12-23");
    }

    async fn a_broken_exclusion_table_is_refused_at_publish_saying_what_is_wrong(app: TestApp) {
        let admin = app.token("leeds", &["policy_admin"], "pat");
        let source = shipped("leeds");
        let rows = "fn exclusions() {\n    [\n";
        assert!(source.contains(rows), "the Leeds table opens as expected");
        let broken = source.replacen(rows, &format!(
            "{rows}        #{{ key: \"legal_proceedings\", label: \"Twice\", reason: \"\", signpost: \"x\", waived_by: \"tuesday\" }},\n        #{{ key: \"Odd Key\", label: \"Odd\" }},\n"
        ), 1);
        let line = source[..source.find(rows).unwrap()].matches('\n').count() + 3;
        let checked = app.graphql(Some(&admin), VALIDATE, json!({ "s": broken })).await;
        let checked = &checked.data()["validatePolicy"];
        assert_eq!(checked["ok"], false);
        let problems = checked["problems"].as_array().unwrap();
        let said = |text: &str, at: usize| {
            assert!(
                problems.iter().any(|p| p["message"].as_str().unwrap().contains(text) && p["line"] == at && p["hook"] == "exclusions"),
                "{text} at line {at}: {problems:#?}"
            );
        };
        said("exclusion `legal_proceedings`: `reason` is empty", line);
        said("`waived_by` names `tuesday`, which is not a yes/no fact about the contact", line);
        said("exclusion `legal_proceedings`: listed more than once", line + 2);
        said("exclusion `Odd Key`: the key must be lowercase letters and underscores", line + 1);
        said("exclusion `Odd Key`: has no `reason`", line + 1);
        said("exclusion `Odd Key`: has no `signpost`", line + 1);

        let refused = app.graphql(Some(&admin), PUBLISH, json!({ "s": broken })).await;
        assert_eq!(refused.code(), "POLICY_REJECTED");
        let problems = refused.body["errors"][0]["extensions"]["detail"]["problems"].to_string();
        assert!(problems.contains("listed more than once"), "{problems}");

        // A misspelt field is refused as the wrong shape, naming it.
        let misspelt = source.replacen("signpost: \"the Council's Monitoring Officer\"", "signpst: \"the Council's Monitoring Officer\"", 1);
        assert_ne!(misspelt, source);
        let refused = app.graphql(Some(&admin), PUBLISH, json!({ "s": misspelt })).await;
        assert_eq!(refused.code(), "POLICY_REJECTED");
        let problems = refused.body["errors"][0]["extensions"]["detail"]["problems"].to_string();
        assert!(problems.contains("unknown field `signpst`"), "{problems}");

        let active = app.graphql(Some(&admin), POLICY, json!({})).await;
        assert_eq!(active.data()["policy"]["active"]["version"], 1, "the shipped version keeps serving");
    }

    async fn east_cambridgeshire_refuses_matters_over_twelve_months_old_unless_exceptional(app: TestApp) {
        let staff = app.token("east-cambridgeshire", &["frontline"], "fo");
        let mut old = complaint_received("2026-11-20");
        old["input"]["issueDate"] = json!("2025-06-01");
        let case = app.graphql(Some(&staff), LOG, old.clone()).await;
        assert_eq!(case.data()["logContact"]["status"], "OUT_OF_SCOPE");
        old["input"]["exceptional"] = json!(true);
        let case = app.graphql(Some(&staff), LOG, old).await;
        let case = &case.data()["logContact"];
        assert_eq!(case["status"], "RECEIVED");
        // section 4.5: registered and acknowledged within one working day.
        assert_eq!(case["acknowledgeBy"], "2026-11-23");
    }

    async fn a_second_server_process_on_the_same_database_converges_on_a_published_version(app: TestApp) {
        let other = OtherProcess::serve(&app.database_url).await;
        let other_address = other.address.clone();

        let admin = app.token("leeds", &["policy_admin"], "pat");
        let published = app.graphql(Some(&admin), PUBLISH, json!({ "s": leeds_ten_days(false) })).await;
        assert_eq!(published.data()["publishPolicy"]["version"], 2);
        let started = Instant::now();

        let staff = app.token("leeds", &["frontline"], "fo");
        let client = reqwest::Client::new();
        let respond_by = loop {
            let body: Value = client
                .post(format!("{other_address}/graphql"))
                .bearer_auth(&staff)
                .json(&json!({ "query": "mutation($input: LogContactInput!) { logContact(input: $input) { respondBy deadlines { policyVersion } } }", "variables": complaint_received("2026-12-21") }))
                .send().await.unwrap().json().await.unwrap();
            let case = &body["data"]["logContact"];
            if case["deadlines"][0]["policyVersion"] == 2 {
                break case["respondBy"].clone();
            }
            assert!(started.elapsed() < Duration::from_secs(2), "the other process did not converge within 2 s: {body}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(respond_by, "2027-01-07");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_policy_file_is_published_and_a_broken_one_is_not() {
    let policies = tempfile::TempDir::new().unwrap();
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/policies")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, policies.path().join(path.file_name().unwrap())).unwrap();
    }
    let dir = policies.path().to_owned();
    let app = TestApp::spawn_sqlite_with(|args| {
        args.policy_dir = dir.clone();
        args.watch_policies = Some(true);
    })
    .await;
    let admin = app.token("leeds", &["policy_admin"], "pat");
    assert_eq!(active_policy(&app, &admin).await["version"], 1);

    let saved = Instant::now();
    std::fs::write(dir.join("leeds.rhai"), leeds_ten_days(false)).unwrap();
    loop {
        let now = active_policy(&app, &admin).await;
        if now["version"] == 2 {
            assert_eq!(now["publishedBy"], "policy file watcher");
            break;
        }
        assert!(
            saved.elapsed() < Duration::from_secs(1),
            "not published within a second: {now}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let staff = app.token("leeds", &["frontline"], "fo");
    let case = app
        .graphql(Some(&staff), LOG, complaint_received("2026-12-21"))
        .await;
    assert_eq!(case.data()["logContact"]["respondBy"], "2027-01-07");

    std::fs::write(dir.join("leeds.rhai"), "fn intake(c) { loop {} }").unwrap();
    wait_for_metric(&app, "redress_policy_files_total{outcome=\"rejected\"} 1").await;
    assert_eq!(
        active_policy(&app, &admin).await["version"],
        2,
        "a broken edit is not published"
    );
    let case = app
        .graphql(Some(&staff), LOG, complaint_received("2026-12-21"))
        .await;
    assert_eq!(
        case.data()["logContact"]["respondBy"],
        "2027-01-07",
        "the previous version keeps serving"
    );

    // The watcher carries on: the next good save is published.
    std::fs::write(dir.join("leeds.rhai"), shipped("leeds")).unwrap();
    let saved = Instant::now();
    loop {
        let now = active_policy(&app, &admin).await;
        if now["version"] == 3 {
            assert_eq!(now["publishedBy"], "policy file watcher");
            break;
        }
        assert!(
            saved.elapsed() < Duration::from_secs(5),
            "a good file saved after a broken one was not published: {now}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let case = app
        .graphql(Some(&staff), LOG, complaint_received("2026-12-21"))
        .await;
    assert_ne!(case.data()["logContact"]["respondBy"], "2027-01-07");
}

/// Polls `/metrics` until it shows `line`.
async fn wait_for_metric(app: &TestApp, line: &str) {
    let started = Instant::now();
    loop {
        let metrics = app.get("/metrics").await.text().await.unwrap();
        if metrics.lines().any(|l| l == line) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "`{line}` not in /metrics within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn active_policy(app: &TestApp, admin: &str) -> Value {
    app.graphql(Some(admin), POLICY, json!({})).await.data()["policy"]["active"].clone()
}

/// `redress serve` as a separate operating-system process on the same
/// database; killed when dropped.
struct OtherProcess {
    child: std::process::Child,
    address: String,
}

impl OtherProcess {
    async fn serve(database_url: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_redress"))
            .arg("serve")
            .env("REDRESS_BIND", format!("127.0.0.1:{port}"))
            .env("DATABASE_URL", database_url)
            .env("REDRESS_JWT_SECRET", SECRET)
            .env(
                "REDRESS_POLICY_DIR",
                concat!(env!("CARGO_MANIFEST_DIR"), "/policies"),
            )
            .env("REDRESS_WATCH_POLICIES", "false")
            .env("REDRESS_FIXED_NOW", NOW)
            .env("REDRESS_WORKERS", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start redress serve");
        let address = format!("http://127.0.0.1:{port}");
        wait_until_ready(&address, Duration::from_secs(20), "the second process").await;
        Self { child, address }
    }
}

impl Drop for OtherProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
