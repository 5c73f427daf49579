//! `redress policy impact FILE --database-url ...`: what publishing the
//! script would move on the council's open cases, read from the database.

use std::time::Duration;

use anyhow::Context;

use super::{PolicyRunner, runner::RunnerLimits};
use crate::{
    config::{ImpactArgs, PolicyThreadArgs},
    councils::CouncilDirectory,
    db,
    domain::{
        policies,
        policies::impact::{self, Impact},
    },
};

/// Returns false when the script has problems.
pub async fn run(args: ImpactArgs) -> anyhow::Result<bool> {
    let (source, stem) = super::cli::read(&args.file)?;
    let slug = args.council.clone().unwrap_or(stem);
    let db = db::connect(&args.database).await?;
    let councils = CouncilDirectory::load(&db).await?;
    let council = councils.by_slug(&slug).with_context(|| {
        format!(
            "no council `{slug}` in {}; name it with --council (one of: {})",
            db::redact(&args.database.database_url),
            councils.slugs().collect::<Vec<_>>().join(", ")
        )
    })?;
    let active = policies::active_stored(&db, council).await?;
    // Offline, the one council compared may use every policy thread.
    let threads = PolicyThreadArgs::default().limits().threads;
    let runner = PolicyRunner::start(RunnerLimits::new(
        threads,
        Some(threads),
        Duration::from_secs(args.budget_secs),
    ))?;
    let found = impact::impact(
        &db,
        &runner,
        council,
        active,
        &source,
        args.first,
        Duration::from_secs(args.budget_secs),
    )
    .await?;
    for problem in &found.problems {
        eprintln!("{}:{problem}", args.file.display());
    }
    print!("{}", report(&slug, &found));
    Ok(found.problems.is_empty())
}

/// The impact as plain text: totals, per kind, what was not compared, and
/// the listed changes.
pub fn report(council: &str, found: &Impact) -> String {
    if !found.problems.is_empty() {
        return format!(
            "{council}: the script has {} problem(s); nothing was compared\n",
            found.problems.len()
        );
    }
    let against = found
        .active_version
        .map_or("the stored dates (no active version)".to_owned(), |v| {
            format!("v{v}")
        });
    let mut out = format!(
        "{council}: compared with {against} over {} open case(s){}\n\
         {} deadline(s) compared, {} would change on {} case(s)\n",
        found.cases_examined,
        if found.complete {
            ""
        } else {
            " (stopped early: time budget spent)"
        },
        found.deadlines_compared,
        found.deadlines_changed,
        found.cases_changed,
    );
    for (kind, k) in &found.by_kind {
        out += &format!(
            "  {}: {} compared, {} changed, {} not recomputed\n",
            kind.name(),
            k.compared,
            k.changed,
            k.not_recomputed
        );
    }
    for ((kind, reason), n) in &found.not_recomputed {
        out += &format!("  not recomputed: {n} {} ({reason})\n", kind.name());
    }
    if let Some(problem) = &found.first_failure {
        out += &format!(
            "  the candidate failed on {} deadline(s), first: {problem}\n",
            found.candidate_failures
        );
    }
    for c in &found.changes {
        out += &format!(
            "{} {} ({}): {} -> {}{}\n",
            c.reference,
            impact::DeadlineKindKey(c.kind).name(),
            c.hook,
            c.old_due,
            c.new_due
                .map_or("no longer set".to_owned(), |d| d.to_string()),
            c.new_explanation
                .as_deref()
                .map(|e| format!("  {e}"))
                .unwrap_or_default(),
        );
    }
    out
}
