//! The compiled policy each council runs now. Swapped atomically: a request
//! holds the `Arc` it started with, so a publish mid-request cannot change
//! the rules under it.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use arc_swap::ArcSwap;
use uuid::Uuid;

use super::CompiledPolicy;

#[derive(Default)]
pub struct PolicyRegistry {
    active: ArcSwap<HashMap<Uuid, Arc<CompiledPolicy>>>,
    /// Stored versions this process could not compile: not tried again on
    /// every sync, where each attempt may spend a script's whole budget.
    uninstallable: Mutex<HashSet<(Uuid, i32)>>,
}

impl PolicyRegistry {
    pub fn get(&self, council_id: Uuid) -> Option<Arc<CompiledPolicy>> {
        self.active.load().get(&council_id).cloned()
    }

    /// Installs `policy` unless a newer version is already in place (a slow
    /// publish must not undo a later one that another path installed).
    pub fn install(&self, council_id: Uuid, policy: Arc<CompiledPolicy>) {
        self.active.rcu(|current| {
            let mut next = HashMap::clone(current);
            match next.get(&council_id) {
                Some(existing) if existing.version > policy.version => {}
                _ => {
                    next.insert(council_id, policy.clone());
                }
            }
            next
        });
    }

    /// Installs a version read back from the database (at start or on a
    /// sync) after the static check a publish runs. It was published, so it
    /// serves whatever the check finds; each finding is logged at WARN, as a
    /// call that will fail when the script reaches it. Returns how many.
    pub fn install_loaded(&self, council_id: Uuid, policy: Arc<CompiledPolicy>) -> usize {
        let problems = policy.undefined_calls();
        for problem in &problems {
            tracing::warn!(
                council = %policy.council,
                version = policy.version,
                %problem,
                "the stored policy fails the static check; it keeps serving, and this call fails if reached"
            );
        }
        self.install(council_id, policy);
        problems.len()
    }

    pub fn version(&self, council_id: Uuid) -> Option<i32> {
        self.active.load().get(&council_id).map(|p| p.version)
    }

    pub fn mark_uninstallable(&self, council_id: Uuid, version: i32) {
        self.uninstallable
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((council_id, version));
    }

    pub fn is_uninstallable(&self, council_id: Uuid, version: i32) -> bool {
        self.uninstallable
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&(council_id, version))
    }
}
