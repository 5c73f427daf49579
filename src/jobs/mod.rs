//! Background work the server does on its own: the deadline sweep.

mod holding;
pub mod sweeper;

use std::{sync::Arc, time::Duration};

use crate::state::AppState;

/// Runs a sweep every `every`, the first one interval after start. Passes
/// that fail are logged and tried again at the next tick.
pub async fn run_sweeper(state: Arc<AppState>, every: Duration) {
    let start = tokio::time::Instant::now() + every;
    let mut tick = tokio::time::interval_at(start, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match sweeper::pass(&state).await {
            Ok(sweep) if sweep.is_empty() && sweep.failed_councils == 0 => {}
            Ok(sweep) => tracing::info!(
                breaches = sweep.breaches,
                holding_due = sweep.holding_due,
                holding_scheduled = sweep.holding_scheduled,
                failed_councils = sweep.failed_councils,
                "deadline sweep"
            ),
            Err(err) => tracing::warn!(error = %err, "deadline sweep failed; retrying next pass"),
        }
    }
}
