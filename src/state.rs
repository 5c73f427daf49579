use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::{
    auth::TokenVerifier,
    domain::{councils::CouncilDirectory, feed::CaseFeed},
    metrics::Metrics,
    policy::PolicyRegistry,
};

/// Where "now" comes from: the system clock, or a fixed instant.
#[derive(Debug, Clone, Copy, Default)]
pub enum Clock {
    #[default]
    System,
    Fixed(DateTime<Utc>),
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(at) => *at,
        }
    }
}

/// Shared by every request and background job.
pub struct AppState {
    pub db: DatabaseConnection,
    pub councils: CouncilDirectory,
    pub verifier: TokenVerifier,
    pub metrics: Metrics,
    pub policies: PolicyRegistry,
    pub clock: Clock,
    /// Committed case changes, for subscriptions.
    pub feed: CaseFeed,
}
