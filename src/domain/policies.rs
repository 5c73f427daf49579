//! Publishing council policies: every version is stored, the newest is
//! active, and every server process converges on it.

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

use super::councils::{Council, CouncilDirectory};
use crate::{
    auth::Role,
    db,
    error::{AppError, PolicyDetail, Result},
    policy::{CompiledPolicy, Report, compiled, registry::PolicyRegistry},
};

/// Who may read, check, publish and roll back a council's policy.
pub const MAY_ADMINISTER: &[Role] = &[Role::PolicyAdmin];
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

pub fn validate(council: &Council, source: &str) -> Result<Report> {
    check_size(source)?;
    Ok(CompiledPolicy::validate(&council.slug, source).1)
}

/// Validates and stores `source` as the council's next version and makes it
/// active here at once (other processes pick it up on their next sync).
/// Publishing the text that is already active changes nothing.
#[instrument(skip_all, fields(council = %council.slug))]
pub async fn publish(
    db: &DatabaseConnection,
    registry: &PolicyRegistry,
    council: &Council,
    source: &str,
    published_by: &str,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<policy_version::Model> {
    check_size(source)?;
    let (compiled, report) = CompiledPolicy::validate(&council.slug, source);
    let compiled = match compiled {
        Some(compiled) if report.problems.is_empty() => compiled,
        _ => return Err(rejected(&report)),
    };
    let txn = db::begin_write(db).await?;
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
    registry.install(council.id, Arc::new(compiled.published_as(row.version)));
    tracing::info!(version = row.version, sha256 = %row.sha256, by = published_by, "policy published");
    Ok(row)
}

/// Publishes an earlier version's text again, as a new version, so the
/// history stays a straight line.
pub async fn rollback(
    db: &DatabaseConnection,
    registry: &PolicyRegistry,
    council: &Council,
    version: i32,
    by: &str,
    now: DateTime<Utc>,
) -> Result<policy_version::Model> {
    let target = policy_version::Entity::find()
        .filter(policy_version::Column::CouncilId.eq(council.id))
        .filter(policy_version::Column::Version.eq(version))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("policy version"))?;
    publish(
        db,
        registry,
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
/// active. Cheap when nothing changed: one small query.
pub async fn sync(db: &DatabaseConnection, registry: &PolicyRegistry) -> Result<usize> {
    let active: Vec<(Uuid, Option<i32>)> = council::Entity::find()
        .select_only()
        .column(council::Column::Id)
        .column(council::Column::ActivePolicyVersion)
        .into_tuple()
        .all(db)
        .await?;
    let mut installed = 0;
    for (council_id, version) in active {
        let Some(version) = version else { continue };
        if registry.version(council_id).is_some_and(|v| v >= version) {
            continue;
        }
        let Some(row) = policy_version::Entity::find()
            .filter(policy_version::Column::CouncilId.eq(council_id))
            .filter(policy_version::Column::Version.eq(version))
            .one(db)
            .await?
        else {
            continue;
        };
        let slug = council::Entity::find_by_id(council_id)
            .one(db)
            .await?
            .map(|c| c.slug)
            .unwrap_or_default();
        match CompiledPolicy::compile(&slug, row.version, &row.source) {
            Ok(policy) => {
                registry.install(council_id, Arc::new(policy));
                installed += 1;
            }
            // Published versions passed validation; failing now means this
            // process runs different code. Keep serving what it has.
            Err(problems) => {
                tracing::error!(council = %slug, version, ?problems, "stored policy no longer compiles")
            }
        }
    }
    Ok(installed)
}

/// At start-up: councils with no published policy get the shipped script as
/// version 1; with `publish_changed` (development), a shipped script that
/// differs from the active version is published too.
pub async fn bootstrap(
    db: &DatabaseConnection,
    registry: &PolicyRegistry,
    councils: &CouncilDirectory,
    dir: &Path,
    publish_changed: bool,
) -> Result<()> {
    sync(db, registry).await?;
    for slug in councils.slugs().map(str::to_owned).collect::<Vec<_>>() {
        let council = councils.by_slug(&slug).expect("listed council exists");
        let path = dir.join(format!("{slug}.rhai"));
        let Ok(source) = std::fs::read_to_string(&path) else {
            if registry.get(council.id).is_none() {
                tracing::warn!(council = %slug, path = %path.display(), "no policy published or shipped: defaults apply");
            }
            continue;
        };
        let active = registry.get(council.id);
        let changed = active
            .as_ref()
            .is_some_and(|p| p.sha256 != compiled::sha256(&source));
        if active.is_none() || (publish_changed && changed) {
            match publish(
                db,
                registry,
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
    }
    Ok(())
}

pub fn policy_detail(err: &AppError) -> Option<&PolicyDetail> {
    match err {
        AppError::PolicyRejected { detail, .. } => detail.as_deref(),
        _ => None,
    }
}
