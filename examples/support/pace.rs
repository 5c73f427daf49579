//! Open-loop pacing for the load generators. Without `--rate` a client sends
//! its next request as soon as the last is answered (closed loop), which
//! measures the most the server can take but reports latency that is mostly
//! time spent queueing behind the other clients. With a rate, each client
//! sends on a fixed schedule and every latency is counted from when the
//! request was due, not when it was sent, so a slow answer that delays the
//! next requests is charged to them too (no coordinated omission).

use std::time::{Duration, Instant as StdInstant};

use tokio::time::Instant;

pub struct Pacer {
    interval: Option<Duration>,
    next: Instant,
}

impl Pacer {
    /// `rate` is requests per second across all `clients`; client `index`
    /// starts a fraction of an interval after `start`, so the clients' sends
    /// are spread evenly rather than arriving together.
    pub fn new(rate: Option<f64>, clients: usize, index: usize, start: Instant) -> Self {
        let interval = rate.map(|r| Duration::from_secs_f64(clients as f64 / r));
        let offset = interval.map_or(Duration::ZERO, |i| {
            i.mul_f64(index as f64 / clients.max(1) as f64)
        });
        Self {
            interval,
            next: start + offset,
        }
    }

    /// Waits until the next request is due and returns when it was due: now,
    /// in a closed loop.
    pub async fn due(&mut self) -> Instant {
        let Some(interval) = self.interval else {
            return Instant::now();
        };
        let due = self.next;
        self.next += interval;
        tokio::time::sleep_until(due).await;
        due
    }
}

/// The measured part of a run: requests due from `from` (after the warm-up)
/// until `until` count.
#[derive(Clone, Copy)]
pub struct Window {
    pub from: StdInstant,
    pub until: StdInstant,
}
