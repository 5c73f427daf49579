//! `load impact`: how long `policyImpact` takes over a council's open cases.
//! Seeds `--cases` open complaints as `load sweep --daily` does (received
//! evenly over the last 60 days, half acknowledged), then times the impact
//! of three candidates of the council's shipped script: unchanged, the stage
//! I response standard at 20 working days, and a closure day next week.

use std::{path::PathBuf, time::Instant};

use anyhow::Context;
use chrono::{Datelike, Duration};
use clap::Args;
use redress::domain::policies::impact;

#[derive(Args)]
pub struct ImpactArgs {
    /// sqlite://FILE?mode=rwc or postgres://USER@HOST/DB (a fresh database)
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Leeds: the candidates edit its response standard and calendar.
    #[arg(long, default_value = "leeds")]
    council: String,
    #[arg(long, default_value_t = 100_000)]
    cases: usize,
    /// Each comparison's time budget; the server's is 10 s.
    #[arg(long, default_value_t = 60)]
    budget_secs: u64,
}

pub async fn impact(args: ImpactArgs) -> anyhow::Result<()> {
    let app = super::sweep::app(&args.database_url).await?;
    let state = app.state();
    let now = super::sweep::seed(&state, &args.council, args.cases, true).await?;
    let council = state
        .councils
        .by_slug(&args.council)
        .context("the council was seeded")?;
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("policies")
        .join(format!("{}.rhai", args.council));
    let shipped =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    // The script's own tests are written for the shipped numbers.
    let without_tests =
        |s: String| s.replace("fn tests() {", "fn tests() { [] }\nfn set_aside() {");
    // A weekday a week or so ahead, which the open response clocks cross.
    let mut closure = (now + Duration::days(7)).date_naive();
    while closure.weekday().number_from_monday() > 5 {
        closure = closure.succ_opt().context("a date after the closure")?;
    }
    let candidates = [
        ("unchanged", shipped.clone()),
        (
            "response standard 15 -> 20 working days",
            without_tests(shipped.replace(
                "fn stage1_response_working_days() { 15 }",
                "fn stage1_response_working_days() { 20 }",
            )),
        ),
        (
            "a closure day about a week ahead",
            without_tests(shipped.replace(
                "#{ closures: [] }",
                &format!("#{{ closures: [date(\"{closure}\")] }}"),
            )),
        ),
    ];
    for (name, source) in candidates {
        let started = Instant::now();
        let found = impact::impact(
            &state.db,
            &state.policy_runner,
            council,
            state.policies.get(council.id),
            &source,
            impact::DEFAULT_LISTED,
            std::time::Duration::from_secs(args.budget_secs),
        )
        .await?;
        println!(
            "{name}: {} cases, {} deadlines compared, {} changed on {} cases, {} not recomputed, complete: {}, problems: {}, in {:.3} s",
            found.cases_examined,
            found.deadlines_compared,
            found.deadlines_changed,
            found.cases_changed,
            found.not_recomputed.values().sum::<u64>(),
            found.complete,
            found.problems.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
