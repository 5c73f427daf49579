//! Case changes as they are committed, for live updates. Every action
//! publishes here after its transaction commits; subscribers filter by
//! council and role. Deadline breaches the sweeper records go to a second
//! channel as well. With several processes on one PostgreSQL database, what
//! one publishes reaches the others' subscribers through `relay`.

use std::sync::{
    OnceLock,
    atomic::{AtomicU64, Ordering},
};

use chrono::NaiveDate;
use entity::enums::{CaseStatus, DeadlineKind, Stage};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};
use uuid::Uuid;

use crate::domain::cases::audience::{Audience, event_view};

/// One committed step of a case: its timeline event and where the case now stands.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// The step as the complainant and a councillor are told of it.
    pub told: Told,
}

/// The summaries outside readers get of a step; `None` for a step they are
/// not told of. Worked out once, as it is published, by the same rule the
/// timeline reads.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Told {
    pub customer: Option<String>,
    pub councillor: Option<String>,
}

impl Told {
    pub fn of(kind: &str, summary: &str, data: &Value) -> Self {
        let summary_for =
            |audience| event_view(audience, kind, summary, data).map(|view| view.summary);
        Self {
            customer: summary_for(Audience::Customer),
            councillor: summary_for(Audience::Councillor),
        }
    }
}

/// A deadline the sweeper found missed (or a holding response fallen due).
#[derive(Debug, Clone, Serialize, Deserialize)]
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
            told: Told::of(&event.kind, &event.summary, &event.data),
        }
    }

    /// The change as `audience` is told of it; `None` when it is not.
    pub fn for_audience(mut self, audience: Audience) -> Option<Self> {
        let summary = match audience {
            Audience::Staff => return Some(self),
            Audience::Customer => self.told.customer.take(),
            Audience::Councillor => self.told.councillor.take(),
        }?;
        self.summary = summary;
        self.told = Told::default();
        Some(self)
    }

    /// Cuts every summary to `max` characters, for transports with a size limit.
    pub fn shorten(&mut self, max: usize) {
        for summary in [
            Some(&mut self.summary),
            self.told.customer.as_mut(),
            self.told.councillor.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            if let Some((cut, _)) = summary.char_indices().nth(max) {
                summary.truncate(cut);
                summary.push('…');
            }
        }
    }
}

/// What travels between processes: either channel's item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Relayed {
    Change(CaseChanged),
    Breach(DeadlineBreach),
}

pub struct CaseFeed {
    sender: broadcast::Sender<CaseChanged>,
    breaches: broadcast::Sender<DeadlineBreach>,
    /// Where this process's own items go for the other processes, once a
    /// relay runs.
    relay: OnceLock<mpsc::Sender<Relayed>>,
    /// Items dropped for the relay since it last reported them.
    unrelayed: AtomicU64,
}

impl CaseFeed {
    /// A slow subscriber that falls this far behind skips ahead rather than
    /// holding memory for everyone.
    const BACKLOG: usize = 1024;

    pub fn new() -> Self {
        Self {
            sender: broadcast::channel(Self::BACKLOG).0,
            breaches: broadcast::channel(Self::BACKLOG).0,
            relay: OnceLock::new(),
            unrelayed: AtomicU64::new(0),
        }
    }

    /// Sends this process's items on to `relay` as well as to its own
    /// subscribers. Set once; a second relay is refused.
    pub fn relay_to(&self, relay: mpsc::Sender<Relayed>) -> bool {
        self.relay.set(relay).is_ok()
    }

    /// Nobody listening is normal, not an error.
    pub fn publish(&self, change: CaseChanged) {
        self.send_on(|| Relayed::Change(change.clone()));
        let _ = self.sender.send(change);
    }

    /// An item another process published: for this process's subscribers
    /// only.
    pub fn deliver(&self, item: Relayed) {
        match item {
            Relayed::Change(change) => {
                let _ = self.sender.send(change);
            }
            Relayed::Breach(breach) => {
                let _ = self.breaches.send(breach);
            }
        }
    }

    /// Live updates are best effort: when the relay is this far behind (a
    /// sweep recording thousands of breaches at once), an item is dropped
    /// for the other processes rather than held. The relay reports how many.
    fn send_on(&self, item: impl FnOnce() -> Relayed) {
        if let Some(relay) = self.relay.get()
            && relay.try_send(item()).is_err()
        {
            self.unrelayed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// How many items were dropped for the relay since the last call.
    pub fn take_unrelayed(&self) -> u64 {
        self.unrelayed.swap(0, Ordering::Relaxed)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<CaseChanged> {
        self.sender.subscribe()
    }

    /// Whether anyone may listen to either channel, so a bulk writer can skip
    /// reading back what nobody would receive. With a relay running, other
    /// processes' subscribers cannot be counted from here, so the answer is
    /// yes.
    pub fn has_listeners(&self) -> bool {
        self.listeners() > 0 || self.relay.get().is_some()
    }

    /// Live subscriptions on both channels.
    pub fn listeners(&self) -> usize {
        self.sender.receiver_count() + self.breaches.receiver_count()
    }

    pub fn publish_breach(&self, breach: DeadlineBreach) {
        self.send_on(|| Relayed::Breach(breach.clone()));
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
