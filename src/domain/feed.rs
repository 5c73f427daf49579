//! Case changes as they are committed, for live updates. Every action
//! publishes here after its transaction commits; subscribers filter by
//! council and role.

use entity::enums::{CaseStatus, Stage};
use tokio::sync::broadcast;
use uuid::Uuid;

/// One committed step of a case: its timeline event and where the case now stands.
#[derive(Debug, Clone)]
pub struct CaseChanged {
    pub council_id: Uuid,
    pub case_id: Uuid,
    pub reference: String,
    pub seq: i32,
    pub event_kind: String,
    pub summary: String,
    pub status: CaseStatus,
    pub stage: Option<Stage>,
    pub version: i32,
    pub assignee_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub councillor_subject: Option<String>,
}

pub struct CaseFeed {
    sender: broadcast::Sender<CaseChanged>,
}

impl CaseFeed {
    /// A slow subscriber that falls this far behind skips ahead rather than
    /// holding memory for everyone.
    const BACKLOG: usize = 1024;

    pub fn new() -> Self {
        Self {
            sender: broadcast::channel(Self::BACKLOG).0,
        }
    }

    /// Nobody listening is normal, not an error.
    pub fn publish(&self, change: CaseChanged) {
        let _ = self.sender.send(change);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<CaseChanged> {
        self.sender.subscribe()
    }
}

impl Default for CaseFeed {
    fn default() -> Self {
        Self::new()
    }
}
