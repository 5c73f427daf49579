//! `redress policy check|test|preview`: the offline tools a policy admin
//! runs before publishing.

use std::path::Path;

use anyhow::Context;

use super::{CompiledPolicy, Contact, Problem, Report, compiled::VALIDATION_BUDGET, sandbox};
use crate::config::PolicyCommand;

/// Returns whether the script passed; problems are printed as `file:line:col: message`.
pub async fn run(command: PolicyCommand) -> anyhow::Result<bool> {
    match command {
        PolicyCommand::Impact(args) => super::impact_cli::run(args).await,
        PolicyCommand::Check { file } => {
            let (source, council) = read(&file)?;
            let (_, mut report) = CompiledPolicy::validate(&council, &source);
            report.problems.retain(|p| p.test.is_none());
            Ok(print_report(&file, &report, false))
        }
        PolicyCommand::Test { file } => {
            let (source, council) = read(&file)?;
            let (_, report) = CompiledPolicy::validate(&council, &source);
            Ok(print_report(&file, &report, true))
        }
        PolicyCommand::Preview { file, case } => {
            let (source, council) = read(&file)?;
            let policy = match CompiledPolicy::compile(&council, 0, &source) {
                Ok(policy) => policy,
                Err(problems) => {
                    print_problems(&file, &problems);
                    return Ok(false);
                }
            };
            let contact = contact_from_json(&case)?;
            let (result, output) = sandbox::session(VALIDATION_BUDGET, || policy.intake(&contact));
            print_output(&output.lines);
            match result {
                Ok(out) => {
                    println!("{}", serde_json::to_string_pretty(&out)?);
                    Ok(true)
                }
                Err(problem) => {
                    print_problems(&file, &[problem]);
                    Ok(false)
                }
            }
        }
    }
}

pub(super) fn read(file: &Path) -> anyhow::Result<(String, String)> {
    let source =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let council = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("policy")
        .to_owned();
    Ok((source, council))
}

/// A contact from JSON; unnamed fields take a plain contact's values and
/// `today` defaults to the day of receipt.
pub fn contact_from_json(json: &str) -> anyhow::Result<Contact> {
    let mut value: serde_json::Value =
        serde_json::from_str(json).context("--case must be a JSON object")?;
    if let Some(obj) = value.as_object_mut()
        && !obj.contains_key("today")
        && let Some(received) = obj.get("received").cloned()
    {
        obj.insert("today".into(), received);
    }
    serde_json::from_value(value)
        .context("--case does not describe a contact (see policies/README.md)")
}

fn print_problems(file: &Path, problems: &[Problem]) {
    for problem in problems {
        eprintln!("{}:{problem}", file.display());
    }
}

/// What the script printed, marked so it cannot be mistaken for a result.
fn print_output(lines: &[String]) {
    for line in lines {
        eprintln!("output: {line}");
    }
}

fn print_report(file: &Path, report: &Report, with_tests: bool) -> bool {
    print_output(&report.output);
    print_problems(file, &report.problems);
    let ok = report.problems.is_empty();
    let hooks = if report.hooks.is_empty() {
        "none".to_owned()
    } else {
        report.hooks.join(", ")
    };
    println!(
        "{}: {} (hooks: {hooks})",
        file.display(),
        if ok { "ok" } else { "rejected" }
    );
    if with_tests {
        println!(
            "{} passed, {} failed",
            report.tests_passed,
            report.tests_run - report.tests_passed
        );
    }
    ok
}
