//! What changes while a screen is open: the officer's queue, and live case
//! updates and deadline breaches over websocket subscriptions.

mod queue;
mod subscription;
mod watcher;

pub use queue::QueueQuery;
pub use subscription::LiveSubscription;
