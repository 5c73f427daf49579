//! The policy's view of a case. Case actions build it from the case they
//! loaded; the sweeper reads only these columns for a whole batch. Either way
//! the hooks are told the same facts.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    case,
    enums::{CaseStatus, Channel, ContactKind, Stage},
};
use sea_orm::FromQueryResult;
use uuid::Uuid;

use crate::{
    councils::Council,
    domain::time::local_date,
    policy::hooks::{CaseFacts, Contact},
};

/// The case columns the policy's view is built from.
#[derive(Debug, Clone, FromQueryResult)]
pub struct CaseView {
    pub id: Uuid,
    pub kind: ContactKind,
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub service_id: Option<Uuid>,
    pub anonymous: bool,
    pub discrimination: bool,
    pub about_staff: bool,
    pub multi_service: bool,
    pub via_councillor: Option<String>,
    pub stage: Option<Stage>,
    pub status: CaseStatus,
    pub stage_started_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub responded_at: Option<DateTime<Utc>>,
    pub last_update_at: Option<DateTime<Utc>>,
}

impl From<&case::Model> for CaseView {
    fn from(case: &case::Model) -> Self {
        Self {
            id: case.id,
            kind: case.kind,
            channel: case.channel,
            received_at: case.received_at,
            service_id: case.service_id,
            anonymous: case.anonymous,
            discrimination: case.discrimination,
            about_staff: case.about_staff,
            multi_service: case.multi_service,
            via_councillor: case.via_councillor.clone(),
            stage: case.stage,
            status: case.status,
            stage_started_at: case.stage_started_at,
            acknowledged_at: case.acknowledged_at,
            responded_at: case.responded_at,
            last_update_at: case.last_update_at,
        }
    }
}

impl CaseView {
    /// What policy hooks are told about the case on `today`.
    pub fn facts(&self, council: &Council, learning_points: i64, today: NaiveDate) -> CaseFacts {
        CaseFacts {
            contact: Contact {
                kind: self.kind,
                channel: self.channel,
                received: local_date(self.received_at),
                today,
                service: self
                    .service_id
                    .and_then(|id| council.service_slug(id))
                    .map(str::to_owned),
                anonymous: self.anonymous,
                discrimination: self.discrimination,
                about_staff: self.about_staff,
                multi_service: self.multi_service,
                via_councillor: self.via_councillor.is_some(),
                issue_date: None,
                exclusion: None,
                ..Contact::default()
            },
            stage: self.stage,
            status: self.status,
            stage_received: self.stage_started_at.map(local_date),
            acknowledged: self.acknowledged_at.map(local_date),
            responded: self.responded_at.map(local_date),
            last_update: self.last_update_at.map(local_date),
            learning_points,
        }
    }
}
