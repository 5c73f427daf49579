//! Case changes as they are committed, for live updates. Every action
//! publishes here after its transaction commits; subscribers filter by
//! council and role. Deadline breaches the sweeper records go to a second
//! channel as well.

use chrono::NaiveDate;
use entity::enums::{CaseStatus, DeadlineKind, Stage};
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

/// A deadline the sweeper found missed (or a holding response fallen due).
#[derive(Debug, Clone)]
pub struct DeadlineBreach {
    pub change: CaseChanged,
    pub kind: DeadlineKind,
    pub due: NaiveDate,
}

impl CaseChanged {
    /// The case as committed, and the timeline step that changed it.
    pub fn new(case: &entity::case::Model, event: &entity::case_event::Model) -> Self {
        Self {
            council_id: case.council_id,
            case_id: case.id,
            reference: case.reference.clone(),
            seq: event.seq,
            event_kind: event.kind.clone(),
            summary: event.summary.clone(),
            status: case.status,
            stage: case.stage,
            version: case.version,
            assignee_id: case.assignee_id,
            customer_id: case.customer_id,
            councillor_subject: case.councillor_subject.clone(),
        }
    }
}

pub struct CaseFeed {
    sender: broadcast::Sender<CaseChanged>,
    breaches: broadcast::Sender<DeadlineBreach>,
}

impl CaseFeed {
    /// A slow subscriber that falls this far behind skips ahead rather than
    /// holding memory for everyone.
    const BACKLOG: usize = 1024;

    pub fn new() -> Self {
        Self {
            sender: broadcast::channel(Self::BACKLOG).0,
            breaches: broadcast::channel(Self::BACKLOG).0,
        }
    }

    /// Nobody listening is normal, not an error.
    pub fn publish(&self, change: CaseChanged) {
        let _ = self.sender.send(change);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<CaseChanged> {
        self.sender.subscribe()
    }

    /// Whether anyone listens to either channel, so a bulk writer can skip
    /// reading back what nobody would receive.
    pub fn has_listeners(&self) -> bool {
        self.listeners() > 0
    }

    /// Live subscriptions on both channels.
    pub fn listeners(&self) -> usize {
        self.sender.receiver_count() + self.breaches.receiver_count()
    }

    pub fn publish_breach(&self, breach: DeadlineBreach) {
        let _ = self.breaches.send(breach);
    }

    pub fn subscribe_breaches(&self) -> broadcast::Receiver<DeadlineBreach> {
        self.breaches.subscribe()
    }
}

impl Default for CaseFeed {
    fn default() -> Self {
        Self::new()
    }
}
