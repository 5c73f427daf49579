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
        "no function `timestamp` exists",
    );
}

#[test]
fn sleep_is_not_callable_even_with_an_absurd_argument() {
    for call in ["sleep(0.4)", "sleep(1e300)", "sleep(1)"] {
        let source = format!("fn intake(c) {{\n  {call};\n  #{{}}\n}}");
        let found = problems(&source);
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("2:3:") && p.contains("no function `sleep` exists")),
            "{call}: {found:?}"
        );
    }
}

#[test]
fn ways_to_run_code_named_at_run_time_are_refused() {
    for source in [
        "fn intake(c) { let f = Fn(\"intake\"); #{} }",
        "fn intake(c) { exit(); }",
        "fn intake(c) { if is_def_fn(\"x\", 1) { } #{} }",
    ] {
        let found = problems(source);
        assert!(!found.is_empty(), "{source} was accepted");
    }
}

#[test]
fn an_undefined_function_on_a_branch_the_dry_run_never_reaches_is_refused() {
    let found = problems(
        "fn intake(c) {\n  if c.service == \"never\" {\n    misspelt_helper(c)\n  }\n  #{}\n}",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("3:5:") && found[0].contains("no function `misspelt_helper` exists"),
        "{found:?}"
    );
}

#[test]
fn a_script_function_called_with_the_wrong_arity_is_refused_with_its_definition() {
    refused_with(
        "fn helper(a) { a }\nfn intake(c) { if c.service == \"never\" { helper(1, 2); } #{} }",
        "`helper` is called with 2 argument(s), but it is defined as: helper(a) (script line 1)",
    );
    refused_with(
        "fn intake(c) { if c.service == \"never\" { c.received.add_working_days(); } #{} }",
        "`add_working_days` is called with 1 argument(s), but it is defined as: add_working_days(",
    );
}

#[test]
fn wrong_argument_types_say_what_was_given_and_what_exists() {
    let found =
        problems("fn intake(c) {\n  let d = c.received.add_working_days(\"10\");\n  #{}\n}");
    assert!(
        found.iter().any(|p| p.starts_with("2:")
            && p.contains("`add_working_days` cannot take (Date, string)")
            && p.contains("add_working_days(_: Date, _: i64) -> Date (prelude)")
            && p.contains("(prelude)")),
        "{found:?}"
    );
}

#[test]
fn an_offset_of_i64_min_is_out_of_range_not_wrapped() {
    for f in ["add_working_days", "add_days", "add_weeks", "add_months"] {
        let source = format!(
            "fn intake(c) {{ let n = -9223372036854775807 - 1; let d = c.received.{f}(n); #{{}} }}"
        );
        refused_with(&source, "is out of range (at most");
    }
}

#[test]
fn dates_outside_the_window_cannot_be_made() {
    refused_with(
        r#"fn intake(c) { let d = date("9999-12-31"); #{} }"#,
        "outside the range policies may use (1900-01-01 to 2200-12-31)",
    );
    refused_with(
        r#"fn intake(c) { let d = date("2200-12-01").add_months(1).add_days(40); #{} }"#,
        "outside the range policies may use",
    );
    // Working days across the whole window is one bounded call.
    let source = r#"fn intake(c) { let n = working_days_between(date("1900-01-01"), date("2200-12-31")); if n < 70000 { throw "wrong count " + n; } #{} }"#;
    assert_eq!(problems(source), Vec::<String>::new());
}

#[test]
fn a_review_date_far_beyond_the_letter_is_refused() {
    refused_with(
        r#"fn persistent_review(d) { #{ review_by: "9999-12-31", explanation: "never" } }"#,
        "hook `persistent_review`: review_by 9999-12-31 is outside the window the host accepts",
    );
}

#[test]
fn an_extension_limit_far_beyond_the_case_is_refused() {
    refused_with(
        r#"fn extension(k, ext) { #{ allowed: true, max_due: "2199-01-01" } }"#,
        "hook `extension`: max_due 2199-01-01 is outside the window the host accepts",
    );
}

#[test]
fn the_dry_run_reaches_every_kind_and_channel() {
    refused_with(
        r#"fn intake(c) { if c.kind == "suggestion" && c.channel == "social_media" { #{ stage: "stage_9" } } else { #{} } }"#,
        "(dry run: kind suggestion, channel social_media)",
    );
}

#[test]
fn the_dry_run_reaches_every_stage_of_a_case() {
    refused_with(
        r#"fn holding_response(k) { if k.stage == "stage_3" { #{ due: "1950-01-01", explanation: "x" } } }"#,
        "stage stage_3)",
    );
}

/// The problem the check reports for `source`, which must carry `line` and
/// name the inputs that reached it.
fn refused_at(source: &str, line: usize, inputs: &str) {
    let found = problems(source);
    assert!(
        found
            .iter()
            .any(|p| p.starts_with(&format!("{line}:"))
                && p.ends_with(&format!("(dry run: {inputs})"))),
        "expected a problem at line {line} from {inputs:?}, got {found:?}"
    );
}

#[test]
fn a_throw_reached_only_by_a_phone_contact_at_stage_2_is_refused() {
    refused_at(
        r#"fn intake(c) { #{} }
fn acknowledged(k) {
    if k.channel == "phone" && k.stage == "stage_2" {
        throw "no acknowledgement clock for a phoned stage 2 request";
    }
    #{ deadlines: [] }
}"#,
        4,
        "kind complaint, channel phone, stage stage_2",
    );
}

#[test]
fn a_missing_function_reached_only_by_one_kind_channel_and_stage_is_refused() {
    // The function exists, but not for a string: only running the branch shows it.
    refused_at(
        r#"fn intake(c) { #{} }
fn escalation(k, request) {
    if k.kind == "eir_complaint" && k.channel == "councillor" && k.stage == "stage_3" {
        let due = k.received.add_working_days("twenty");
    }
    #{ allowed: false, reason: "no further stage" }
}"#,
        4,
        "kind eir_complaint, channel councillor, stage stage_3",
    );
}

#[test]
fn a_fault_reached_only_by_a_case_without_a_stage_is_refused() {
    refused_at(
        r#"fn intake(c) { #{} }
fn reopened(k) {
    if k.kind == "compliment" && k.stage == () {
        throw "a compliment has no clock to restart";
    }
    #{ deadlines: [] }
}"#,
        4,
        "kind compliment, channel phone, no stage",
    );
}

#[test]
fn a_stage_is_not_answered_at_the_ombudsman() {
    // An ombudsman's enquiry is replied to, never answered as a stage, so
    // `responded` is not asked about a case there.
    let found = problems(
        r#"fn intake(c) { #{} }
fn responded(k) {
    if k.stage == "ombudsman" { throw "not a stage to answer"; }
    #{ deadlines: [] }
}"#,
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn too_many_tests_are_refused_before_any_runs() {
    let source = r#"
fn intake(c) { #{} }
fn tests() { let t = []; for i in 0..301 { t.push(#{ name: `t${i}`, hook: "intake", input: [#{}], expect: #{} }); } t }
"#;
    let (_, report) = CompiledPolicy::validate("hostile", source);
    assert_eq!(report.tests_run, 0);
    let found: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert!(
        found
            .iter()
            .any(|p| p.contains("returns 301 tests; a check runs at most 300")),
        "{found:?}"
    );
}

#[test]
fn a_check_stops_at_its_total_budget() {
    // Each call stops at its own 50 ms, but many of them add up.
    let source = r#"
fn slow() { let d = date("2026-01-05"); loop { d = d.add_working_days(3000); d = d.add_working_days(-3000); } }
fn intake(c) { if c.today == date("1900-01-01") { slow() } #{} }
fn tests() { let t = []; for i in 0..150 { t.push(#{ name: `hang ${i}`, hook: "intake", input: [#{ today: date("1900-01-01") }], expect: #{} }); } t }
"#;
    let (_, report) = CompiledPolicy::validate("hostile", source);
    let found: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert!(
        found
            .iter()
            .any(|p| p.contains("longer than 2 s in total") && p.contains("of 150 tests")),
        "{found:?}"
    );
    assert!(report.tests_run < 150, "{}", report.tests_run);
}

#[test]
fn a_host_fault_during_a_hook_is_a_problem_naming_the_hook() {
    let source = "fn intake(c) { #{ deadlines: [#{ kind: \"respond\", due: c.received.add_working_days(3), explanation: \"x\" }] } }";
    let policy = CompiledPolicy::compile("hostile", 7, source).unwrap();
    let problem =
        super::sandbox::with_host_fault(|| policy.intake(&Contact::default())).unwrap_err();
    assert_eq!(problem.hook.as_deref(), Some("intake"));
    assert!(
        problem
            .message
            .contains("the policy engine failed while running hostile v7: injected host fault"),
        "{problem}"
    );
    // The same policy still answers once the fault is gone.
    assert!(policy.intake(&Contact::default()).is_ok());
    let (_, report) =
        super::sandbox::with_host_fault(|| CompiledPolicy::validate("hostile", source));
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.message.contains("injected host fault")),
        "{:?}",
        report.problems
    );
}

#[test]
fn print_output_comes_back_bounded_and_not_to_the_log() {
    let source = r#"
fn intake(c) { for i in 0..30 { print(`intake ${i}`); } #{} }
fn tests() { [#{ name: "quiet", hook: "intake", input: [#{}], expect: #{} }] }
"#;
    let (_, report) = CompiledPolicy::validate("hostile", source);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.output[0], "intake 0");
    assert!(report.output.len() <= super::sandbox::MAX_CAPTURED_LINES + 1);
    assert!(
        report.output.iter().all(|l| !l.contains("intake 20")),
        "20 lines per call"
    );
    assert!(
        report
            .output
            .last()
            .unwrap()
            .contains("more line(s) not shown")
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
        "3: test `para 13: enters stage 2`: stage: expected \"stage_2\", found \"stage_1\"",
    );
}

#[test]
fn a_test_that_fails_inside_the_hook_names_the_test_line_and_the_script_line() {
    let source = r#"
fn intake(c) {
    throw "no";
}
fn tests() { [
    #{ name: "first", hook: "intake", input: [#{}], expect: #{} },
] }
"#;
    let found = problems(source);
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("6: test `first`:") && p.contains("(raised at 3:")),
        "{found:?}"
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

#[test]
fn a_count_of_weeks_written_as_text_says_what_the_building_block_takes() {
    let found = problems(
        "fn intake(c) {\n  #{ stage: \"stage_1\",\n     deadlines: [weeks_after(\"respond\", c.received, \"10\", \"receipt\", \"5.3\")] }\n}",
    );
    assert!(
        found.iter().any(|p| p.starts_with("3:")
            && p.contains("`weeks_after` cannot take (string, Date, string, string, string)")
            && p.contains("weeks_after(_: string, _: Date, _: i64, _: string, _: string)")),
        "{found:?}"
    );
}
