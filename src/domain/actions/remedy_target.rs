//! Actions on one remedy reach its case through the remedy.

use chrono::{DateTime, Utc};
use entity::remedy;
use uuid::Uuid;

use crate::{
    domain::{
        actions::pipeline::{CaseWork, Target},
        cases::remedies,
    },
    error::Result,
};

/// The remedy, and how the caller saw its case.
pub struct RemedyTarget {
    pub remedy_id: Uuid,
    pub at: Option<DateTime<Utc>>,
    pub expected_version: Option<i32>,
}

impl RemedyTarget {
    /// The remedy (NOT_FOUND outside the caller's council) and its case.
    pub async fn locate(&self, work: &CaseWork<'_>) -> Result<(remedy::Model, Target)> {
        let found = remedies::get(&work.state.db, work.council.id, self.remedy_id).await?;
        let target = Target {
            case_id: found.case_id,
            at: self.at,
            expected_version: self.expected_version,
        };
        Ok((found, target))
    }
}
