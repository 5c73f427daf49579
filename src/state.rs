use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::{
    auth::TokenVerifier,
    councils::CouncilDirectory,
    domain::intake::writer::IntakeWriter,
    live::feed::CaseFeed,
    metrics::Metrics,
    policy::{PolicyRegistry, PolicyRunner},
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

/// What every request and background job works with. Each HTTP worker
/// holds its own copy (`for_worker`) that differs only in its database pool;
/// everything else is shared.
pub struct AppState {
    pub db: DatabaseConnection,
    pub councils: CouncilDirectory,
    pub verifier: TokenVerifier,
    pub metrics: Arc<Metrics>,
    pub policies: Arc<PolicyRegistry>,
    /// Where every policy script runs; see `policy::runner`.
    pub policy_runner: Arc<PolicyRunner>,
    pub clock: Clock,
    /// Committed case changes, for subscriptions.
    pub feed: Arc<CaseFeed>,
    /// Where logged contacts are stored, in groups.
    pub intake: IntakeWriter,
}

impl AppState {
    /// The same state over another pool of the same database.
    pub fn for_worker(&self, db: DatabaseConnection) -> Self {
        Self {
            db,
            councils: self.councils.clone(),
            verifier: self.verifier.clone(),
            metrics: self.metrics.clone(),
            policies: self.policies.clone(),
            policy_runner: self.policy_runner.clone(),
            clock: self.clock,
            feed: self.feed.clone(),
            intake: self.intake.clone(),
        }
    }
}
