use sea_orm::DatabaseConnection;

use crate::{
    auth::TokenVerifier, domain::councils::CouncilDirectory, metrics::Metrics,
    policy::PolicyRegistry,
};

/// Shared by every request and background job.
pub struct AppState {
    pub db: DatabaseConnection,
    pub councils: CouncilDirectory,
    pub verifier: TokenVerifier,
    pub metrics: Metrics,
    pub policies: PolicyRegistry,
}
