//! The compiled policy each council runs now. Swapped atomically: a request
//! holds the `Arc` it started with, so a publish mid-request cannot change
//! the rules under it.

use std::{collections::HashMap, sync::Arc};

use arc_swap::ArcSwap;
use uuid::Uuid;

use super::CompiledPolicy;

#[derive(Default)]
pub struct PolicyRegistry {
    active: ArcSwap<HashMap<Uuid, Arc<CompiledPolicy>>>,
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

    pub fn version(&self, council_id: Uuid) -> Option<i32> {
        self.active.load().get(&council_id).map(|p| p.version)
    }
}
