//! Scripts written to break the service. Each is refused when it is checked,
//! with a precise message, and never installed.

use super::{CompiledPolicy, Contact};

fn problems(source: &str) -> Vec<String> {
    let (_, report) = CompiledPolicy::validate("hostile", source);
    report.problems.iter().map(ToString::to_string).collect()
}

fn refused_with(source: &str, expected: &str) {
    let found = problems(source);
    assert!(
        found.iter().any(|p| p.contains(expected)),
        "expected a problem containing {expected:?}, got {found:?}"
    );
}

#[test]
fn an_endless_loop_is_stopped() {
    refused_with("fn intake(c) { loop { } }", "more than 200000 operations");
}

#[test]
fn unbounded_recursion_is_stopped() {
    refused_with(
        "fn down(n) { down(n + 1) }\nfn intake(c) { down(0) }",
        "nested deeper than",
    );
}

#[test]
fn a_string_bomb_is_stopped() {
    refused_with(
        r#"fn intake(c) { let s = "boom"; loop { s += s; } }"#,
        "grew past its limit",
    );
}

#[test]
fn an_array_bomb_is_stopped() {
    refused_with(
        "fn intake(c) { let a = [1]; loop { a += a; } }",
        "grew past its limit",
    );
}

#[test]
fn a_map_bomb_is_stopped() {
    // Rhai re-measures the map on every insert, so the clock may stop it
    // before the size limit does; either way it is contained.
    let found =
        problems("fn intake(c) { let m = #{}; let i = 0; loop { m[`k${i}`] = i; i += 1; } }");
    assert!(
        found
            .iter()
            .any(|p| p.contains("grew past its limit") || p.contains("took longer than 50 ms")),
        "{found:?}"
    );
}

#[test]
fn eval_is_refused_at_compile_time_with_its_position() {
    let found = problems("fn intake(c) {\n  eval(\"1 + 1\")\n}");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("2:3:") && found[0].contains("eval"),
        "{found:?}"
    );
}

#[test]
fn the_clock_is_out_of_reach() {
    refused_with(
        "fn intake(c) { let t = timestamp(); #{} }",
        "Function not found: timestamp",
    );
}

#[test]
fn import_is_refused() {
    refused_with("import \"fs\" as fs;\nfn intake(c) { #{} }", "1:1:");
}

#[test]
fn a_syntax_error_carries_line_and_column() {
    let found = problems(
        "fn intake(contact) {\n    let due = contact.received.add_working_days(3)\n    #{ stage: \"stage_1\" \n}",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    let (line, _) = found[0].split_once(':').unwrap();
    assert!(line.parse::<usize>().unwrap() >= 3, "{found:?}");
}

#[test]
fn a_hook_with_the_wrong_parameters_is_refused() {
    refused_with(
        "fn intake(a, b) { #{} }",
        "`intake` must take 1 parameter(s) (contact), not 2",
    );
}

#[test]
fn a_wrongly_shaped_answer_is_refused_with_its_path() {
    refused_with(
        r#"fn intake(c) { #{ stage: "stage_9" } }"#,
        "answered in the wrong shape (stage:",
    );
    refused_with(
        r#"fn intake(c) { #{ deadlines: [#{ kind: "respond", due: 15 }] } }"#,
        "deadlines[0].due",
    );
    refused_with(
        r#"fn intake(c) { "stage_1" }"#,
        "answered in the wrong shape",
    );
}

#[test]
fn an_impossible_date_is_refused() {
    refused_with(
        r#"fn intake(c) { #{ deadlines: [#{ kind: "respond", due: "2026-02-30", explanation: "x" }] } }"#,
        "deadlines[0].due",
    );
    refused_with(
        r#"fn intake(c) { #{ deadlines: [#{ kind: "respond", due: c.received.add_days(-3), explanation: "x" }] } }"#,
        "impossible for an event on",
    );
    refused_with(
        r#"fn intake(c) { let d = date("2026-13-01"); #{} }"#,
        "2026-13-01",
    );
}

#[test]
fn a_runtime_error_names_the_hook_and_position() {
    let found =
        problems("fn intake(c) {\n  let d = c.received.add_working_days(\"three\");\n  #{}\n}");
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("2:") && p.contains("hook `intake`")),
        "{found:?}"
    );
}

#[test]
fn a_failing_script_test_is_reported_by_name() {
    let source = r#"
fn intake(c) { #{ stage: "stage_1" } }
fn tests() { [#{ name: "para 13: enters stage 2", hook: "intake", input: [#{}], expect: #{ stage: "stage_2" } }] }
"#;
    refused_with(
        source,
        "test `para 13: enters stage 2`: stage: expected \"stage_2\", found \"stage_1\"",
    );
}

#[test]
fn a_good_script_passes_and_answers() {
    let source = r#"
fn intake(c) {
    #{ stage: "stage_1", deadlines: [#{ kind: "acknowledge", due: c.received.add_working_days(3),
       explanation: "3 working days after receipt on " + c.received }] }
}
fn tests() { [#{ name: "ack", hook: "intake", input: [#{ received: date("2026-12-23") }],
                 expect: #{ deadlines: [#{ kind: "acknowledge", due: date("2026-12-30") }] } }] }
"#;
    let (policy, report) = CompiledPolicy::validate("good", source);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!((report.tests_run, report.tests_passed), (1, 1));
    let contact = Contact {
        received: chrono::NaiveDate::from_ymd_opt(2026, 12, 23).unwrap(),
        ..Contact::default()
    };
    let out = policy.unwrap().intake(&contact).unwrap();
    assert_eq!(out.deadlines[0].due.to_string(), "2026-12-30");
}

#[test]
fn an_expected_empty_list_means_none() {
    let source = r#"
fn intake(c) { #{ deadlines: [#{ kind: "reply", due: c.received.add_working_days(10), explanation: "x" }] } }
fn tests() { [#{ name: "no clock for comments", hook: "intake", input: [#{ kind: "comment" }], expect: #{ deadlines: [] } }] }
"#;
    refused_with(source, "deadlines: expected none");
}
