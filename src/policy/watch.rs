//! Development hot reload: a policy file saved in the policy folder is
//! validated and published; a broken edit is logged and the running version
//! keeps serving.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use chrono::Utc;
use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::{domain::policies, state::AppState};

pub const WATCHER: &str = "policy file watcher";
/// Editors write a file in several steps; wait for them to settle.
const SETTLE: Duration = Duration::from_millis(150);

/// Starts watching `dir`; the returned watcher must be kept alive.
pub fn start(state: Arc<AppState>, dir: &Path) -> anyhow::Result<notify::RecommendedWatcher> {
    let (tx, mut rx) = mpsc::unbounded_channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && (event.kind.is_modify() || event.kind.is_create())
        {
            for path in event.paths {
                let _ = tx.send(path);
            }
        }
    })?;
    watcher.watch(dir, RecursiveMode::NonRecursive)?;
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            tokio::time::sleep(SETTLE).await;
            let mut changed = HashSet::from([first]);
            while let Ok(more) = rx.try_recv() {
                changed.insert(more);
            }
            for path in changed {
                // Its own task, so nothing one file does can end the watcher.
                let state = state.clone();
                let file = path.display().to_string();
                if let Err(err) =
                    tokio::spawn(async move { publish_file(&state, &path).await }).await
                {
                    tracing::error!(%file, error = %err, "handling a saved policy file failed; still watching");
                }
            }
        }
    });
    tracing::info!(dir = %dir.display(), "watching policy files");
    Ok(watcher)
}

async fn publish_file(state: &AppState, path: &Path) {
    if path.extension().and_then(|e| e.to_str()) != Some("rhai") {
        return;
    }
    let Some(slug) = path.file_stem().and_then(|s| s.to_str()) else {
        return;
    };
    let Some(council) = state.councils.by_slug(slug) else {
        return;
    };
    let Ok(source) = tokio::fs::read_to_string(path).await else {
        return;
    };
    if state
        .policies
        .get(council.id)
        .is_some_and(|p| p.sha256 == super::compiled::sha256(&source))
    {
        return;
    }
    let note = Some(format!("saved to {}", path.display()));
    match policies::publish(state, council, &source, WATCHER, note, Utc::now()).await {
        Ok(row) => {
            state
                .metrics
                .policy_files
                .with_label_values(&["published"])
                .inc();
            tracing::info!(
                council = slug,
                version = row.version,
                "policy file published"
            )
        }
        Err(err) => {
            state
                .metrics
                .policy_files
                .with_label_values(&["rejected"])
                .inc();
            tracing::error!(
                council = slug,
                error = %err,
                detail = ?policies::policy_detail(&err),
                "policy file rejected; the previous version keeps serving"
            )
        }
    }
}
