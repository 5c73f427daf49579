//! Publishing council policies: every version is stored, the newest is
//! active, and every server process converges on it.

pub mod impact;

use std::path::Path;

use chrono::{DateTime, Utc};
use entity::{council, policy_version};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use std::sync::Arc;
use tracing::instrument;
use uuid::Uuid;

use crate::{
    councils::Council,
    db,
    error::{AppError, PolicyDetail, Result},
    policy::{
        self, CompiledPolicy, IntakeDecision, Report,
        compiled::{self, VALIDATION_BUDGET},
        sandbox,
    },
    state::AppState,
};

/// Scripts are short; this bounds what a publish stores and compiles.
pub const MAX_SOURCE_BYTES: usize = 200 * 1024;
pub const SHIPPED_BY: &str = "redress (shipped policy)";

pub fn check_size(source: &str) -> Result<()> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(AppError::bad_input(
            "source",
            format!(
                "the script is {} bytes; the limit is {MAX_SOURCE_BYTES}",
                source.len()
            ),
        ));
    }
    Ok(())
}

pub async fn validate(state: &AppState, council: &Council, source: &str) -> Result<Report> {
    check_size(source)?;
    let (slug, source) = (council.slug.clone(), source.to_owned());
    state
        .policy_runner
        .execute(council.id, move || {
            CompiledPolicy::validate(&slug, &source).1
        })
        .await
}

/// What a script, not yet published, would decide for a contact, and what
/// it printed while deciding (returned to the admin, not logged).
pub async fn preview(
    state: &AppState,
    council: &Council,
    source: &str,
    facts: policy::Contact,
) -> Result<(IntakeDecision, Vec<String>)> {
    check_size(source)?;
    let (slug, source) = (council.slug.clone(), source.to_owned());
    let (compiled, output) = state
        .policy_runner
        .execute(council.id, move || {
            sandbox::session(VALIDATION_BUDGET, || {
                CompiledPolicy::compile(&slug, 0, &source)
                    .map(|policy| IntakeDecision::from_policy(&policy, &facts))
            })
        })
        .await?;
    let decided = compiled.map_err(|problems| {
        AppError::policy_rejected(
            format!(
                "the script does not compile: {}",
                problems.first().map(|p| p.to_string()).unwrap_or_default()
            ),
            PolicyDetail {
                problems,
                ..Default::default()
            },
        )
    })?;
    let decision = decided.map_err(|p| AppError::PolicyError(p.to_string()))?;
    Ok((decision, output.lines))
}

/// Validates and stores `source` as the council's next version and makes it
/// active here at once (other processes pick it up on their next sync).
/// Publishing the text that is already active changes nothing.
#[instrument(skip_all, fields(council = %council.slug))]
pub async fn publish(
    state: &AppState,
    council: &Council,
    source: &str,
    published_by: &str,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<policy_version::Model> {
    check_size(source)?;
    let (slug, text) = (council.slug.clone(), source.to_owned());
    let (compiled, report) = state
        .policy_runner
        .execute(council.id, move || CompiledPolicy::validate(&slug, &text))
        .await?;
    let compiled = match compiled {
        Some(compiled) if report.problems.is_empty() => compiled,
        _ => return Err(rejected(&report)),
    };
    let txn = db::begin_write(&state.db).await?;
    let latest = latest_version(&txn, council.id).await?;
    if let Some(same) = latest.as_ref().filter(|l| l.sha256 == compiled.sha256) {
        txn.commit().await?;
        return Ok(same.clone());
    }
    let row = policy_version::Model {
        id: Uuid::now_v7(),
        council_id: council.id,
        version: latest.as_ref().map_or(1, |l| l.version + 1),
        source: source.to_owned(),
        sha256: compiled.sha256.clone(),
        published_by: published_by.to_owned(),
        published_at: now,
        note,
    };
    policy_version::Entity::insert(row.clone().into_active_model().reset_all())
        .exec_without_returning(&txn)
        .await?;
    council::ActiveModel {
        id: Set(council.id),
        active_policy_version: Set(Some(row.version)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    txn.commit().await?;
    state
        .policies
        .install(council.id, Arc::new(compiled.published_as(row.version)));
    tracing::info!(version = row.version, sha256 = %row.sha256, by = published_by, "policy published");
    // The version is live either way; cases left waiting are tried again
    // at the next publish.
    match crate::domain::intake::awaiting_policy::decide_all(state, council, published_by, now)
        .await
    {
        Ok(0) => {}
        Ok(decided) => {
            tracing::info!(
                version = row.version,
                decided,
                "cases awaiting policy decided"
            )
        }
        Err(err) => tracing::warn!(error = %err, "cases awaiting policy were not all decided"),
    }
    Ok(row)
}

/// Publishes an earlier version's text again, as a new version, so the
/// history stays a straight line.
pub async fn rollback(
    state: &AppState,
    council: &Council,
    version: i32,
    by: &str,
    now: DateTime<Utc>,
) -> Result<policy_version::Model> {
    let target = policy_version::Entity::find()
        .filter(policy_version::Column::CouncilId.eq(council.id))
        .filter(policy_version::Column::Version.eq(version))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound("policy version"))?;
    publish(
        state,
        council,
        &target.source,
        by,
        Some(format!("rollback to v{version}")),
        now,
    )
    .await
}

fn rejected(report: &Report) -> AppError {
    let count = report.problems.len();
    let first = report
        .problems
        .first()
        .map(|p| p.to_string())
        .unwrap_or_default();
    AppError::PolicyRejected {
        message: format!("the policy was not published: {count} problem(s), first: {first}"),
        detail: Some(Box::new(PolicyDetail {
            problems: report.problems.clone(),
            tests_run: Some(report.tests_run),
            tests_passed: Some(report.tests_passed),
            ..Default::default()
        })),
    }
}

async fn latest_version(
    db: &impl ConnectionTrait,
    council_id: Uuid,
) -> Result<Option<policy_version::Model>> {
    Ok(policy_version::Entity::find()
        .filter(policy_version::Column::CouncilId.eq(council_id))
        .order_by_desc(policy_version::Column::Version)
        .one(db)
        .await?)
}

pub async fn history(
    db: &impl ConnectionTrait,
    council_id: Uuid,
) -> Result<Vec<policy_version::Model>> {
    Ok(policy_version::Entity::find()
        .filter(policy_version::Column::CouncilId.eq(council_id))
        .order_by_desc(policy_version::Column::Version)
        .all(db)
        .await?)
}

/// Brings this process's registry up to the versions the database says are
/// active. Cheap when nothing changed: one small query. A council whose
/// policy cannot be installed now is logged and skipped; the others still
/// converge, and it is tried again on the next sync.
pub async fn sync(state: &AppState) -> Result<usize> {
    let active: Vec<(Uuid, Option<i32>)> = council::Entity::find()
        .select_only()
        .column(council::Column::Id)
        .column(council::Column::ActivePolicyVersion)
        .order_by_asc(council::Column::Slug)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut installed = 0;
    for (council_id, version) in active {
        let Some(version) = version else { continue };
        if state
            .policies
            .version(council_id)
            .is_some_and(|v| v >= version)
            || state.policies.is_uninstallable(council_id, version)
        {
            continue;
        }
        match install_stored(state, council_id, version).await {
            Ok(true) => installed += 1,
            Ok(false) => {}
            Err(err) => tracing::error!(
                %council_id, version, error = %err,
                "could not install the active policy; the previous one keeps serving"
            ),
        }
    }
    Ok(installed)
}

/// Compiles a stored version (on the policy threads) and installs it.
/// The council's active version as stored, compiled here: for offline
/// tools that read the database without running a server.
pub async fn active_stored(
    db: &DatabaseConnection,
    council: &Council,
) -> Result<Option<Arc<CompiledPolicy>>> {
    let Some(version) = council::Entity::find_by_id(council.id)
        .one(db)
        .await?
        .and_then(|c| c.active_policy_version)
    else {
        return Ok(None);
    };
    let Some(row) = policy_version::Entity::find()
        .filter(policy_version::Column::CouncilId.eq(council.id))
        .filter(policy_version::Column::Version.eq(version))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    CompiledPolicy::compile(&council.slug, row.version, &row.source)
        .map(|policy| Some(Arc::new(policy)))
        .map_err(|problems| {
            AppError::PolicyError(format!(
                "{} policy v{}: the stored version no longer compiles: {}",
                council.slug,
                row.version,
                problems.first().map(|p| p.to_string()).unwrap_or_default()
            ))
        })
}

async fn install_stored(state: &AppState, council_id: Uuid, version: i32) -> Result<bool> {
    let Some(row) = policy_version::Entity::find()
        .filter(policy_version::Column::CouncilId.eq(council_id))
        .filter(policy_version::Column::Version.eq(version))
        .one(&state.db)
        .await?
    else {
        return Ok(false);
    };
    let slug = state
        .councils
        .by_id(council_id)
        .map(|c| c.slug.clone())
        .unwrap_or_default();
    let name = slug.clone();
    let compiled = state
        .policy_runner
        .execute(council_id, move || {
            CompiledPolicy::compile(&name, row.version, &row.source)
        })
        .await?;
    match compiled {
        Ok(policy) => {
            let found = state.policies.install_loaded(council_id, Arc::new(policy));
            state
                .metrics
                .stored_policy_problems
                .with_label_values(&[&slug])
                .inc_by(found as u64);
            Ok(true)
        }
        // Published versions passed validation; failing now means this
        // process runs different code. Keep serving what it has.
        Err(problems) => {
            tracing::error!(council = %slug, version, ?problems, "stored policy no longer compiles");
            state.policies.mark_uninstallable(council_id, version);
            Ok(false)
        }
    }
}

/// At start-up: installs the active versions, and a council with no
/// version at all gets its shipped script as version 1. A restart never
/// publishes over a stored version: a shipped file that differs from the
/// active version is only reported.
pub async fn bootstrap(state: &AppState, dir: &Path) -> Result<()> {
    sync(state).await?;
    for council in state
        .councils
        .slugs()
        .filter_map(|s| state.councils.by_slug(s))
    {
        let path = dir.join(format!("{}.rhai", council.slug));
        let slug = council.slug.as_str();
        let Ok(source) = tokio::fs::read_to_string(&path).await else {
            if state.policies.get(council.id).is_none() {
                tracing::warn!(council = %slug, path = %path.display(), "no policy published or shipped: defaults apply");
            }
            continue;
        };
        let file_sha256 = compiled::sha256(&source);
        if let Some(active) = state.policies.get(council.id) {
            if active.sha256 != file_sha256 {
                tracing::warn!(
                    council = %slug,
                    path = %path.display(),
                    active_version = active.version,
                    active_sha256 = %active.sha256,
                    file_sha256 = %file_sha256,
                    "the policy file differs from the active version, which keeps serving; publish the file to use it"
                );
            }
            continue;
        }
        if latest_version(&state.db, council.id).await?.is_some() {
            // Stored but not installable here: sync has logged why.
            continue;
        }
        match publish(
            state,
            council,
            &source,
            SHIPPED_BY,
            Some(path.display().to_string()),
            Utc::now(),
        )
        .await
        {
            Ok(row) => {
                tracing::info!(council = %slug, version = row.version, "shipped policy published")
            }
            Err(err) => {
                tracing::error!(council = %slug, error = %err, detail = ?policy_detail(&err), "shipped policy rejected")
            }
        }
    }
    Ok(())
}

pub fn policy_detail(err: &AppError) -> Option<&PolicyDetail> {
    match err {
        AppError::PolicyRejected { detail, .. } => detail.as_deref(),
        _ => None,
    }
}
