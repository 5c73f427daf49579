//! Moving a complaint to its next stage, as the council's policy allows:
//! the customer's request, or an informal matter that could not be put
//! right. The policy decides whether the next stage exists, its window and
//! its clocks.

use chrono::{DateTime, Utc};
use entity::enums::{CaseStatus, DeadlineKind};
use sea_orm::DatabaseTransaction;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    domain::{
        actions::pipeline::{CaseWork, Clocks, Decision, Loaded, Rows, Step, deadline_data},
        cases::{deadlines, events::EventKind, requirements},
    },
    error::{AppError, PolicyDetail, Result},
    policy::{RequirementOut, hooks},
};

/// The checklist the policy set for the new stage.
pub struct Checklist {
    council_id: Uuid,
    case_id: Uuid,
    policy_version: i32,
    items: Vec<RequirementOut>,
    now: DateTime<Utc>,
}

impl Checklist {
    pub fn new(
        work: &CaseWork<'_>,
        case_id: Uuid,
        policy_version: i32,
        items: Vec<RequirementOut>,
    ) -> Self {
        Self {
            council_id: work.council.id,
            case_id,
            policy_version,
            items,
            now: work.now,
        }
    }
}

impl Rows for Checklist {
    async fn write(self, txn: &DatabaseTransaction) -> Result<()> {
        requirements::insert(
            txn,
            self.council_id,
            self.case_id,
            self.policy_version,
            &self.items,
            self.now,
        )
        .await
    }
}

/// What moving on is, as the request or outcome put it.
pub struct Request {
    pub verbal: bool,
    pub discretion: bool,
    pub kind: EventKind,
    pub details: Value,
}

/// Asks the policy for the next stage and, when it allows it, starts it:
/// the window is met, the earlier stage's open clocks retire, the new
/// stage's clocks and checklist are set, and the case awaits acknowledgement.
pub async fn advance(
    work: &CaseWork<'_>,
    loaded: &Loaded,
    request: Request,
) -> Result<Decision<Checklist>> {
    let current = &loaded.case;
    let Some(policy) = work.policy() else {
        return Err(AppError::PolicyRejected {
            message: "this council has no active policy to say what the next stage is".into(),
            detail: None,
        });
    };
    let facts = work.facts(current).await?;
    let asked = hooks::escalation_request(loaded.on(), request.verbal, request.discretion);
    let (case, on) = (facts.to_map(), loaded.on());
    let out = work
        .hook(&policy, move |p| p.escalation(case, asked, on))
        .await?;
    let window = deadlines::open(&work.state.db, current.id, DeadlineKind::Escalate).await?;
    if !out.allowed {
        let reason = out
            .reason
            .unwrap_or_else(|| "the council's policy does not allow this escalation".into());
        return Err(AppError::policy_rejected(
            reason.clone(),
            PolicyDetail {
                reason: Some(reason),
                escalate_by: window.as_ref().map(|w| w.due),
                ..Default::default()
            },
        ));
    }
    let stage = out.stage.ok_or_else(|| {
        AppError::PolicyError(format!(
            "{} policy v{}: hook `escalation` allowed it without naming the stage",
            work.council.slug, policy.version
        ))
    })?;
    let specs = work.specs(&policy, out.deadlines, Some(stage));

    let mut after = current.clone();
    after.stage = Some(stage);
    after.status = CaseStatus::EscalationRequested;
    after.stage_started_at = Some(loaded.at);
    after.acknowledged_at = None;
    after.responded_at = None;
    after.last_update_at = None;
    after.outcome = None;
    after.closed_at = None;

    let from = current
        .stage
        .map(|s| sea_orm::ActiveEnum::to_value(&s).replace('_', " "));
    let to = sea_orm::ActiveEnum::to_value(&stage).replace('_', " ");
    let mut details = request.details;
    if let Value::Object(map) = &mut details {
        map.insert("from".into(), json!(current.stage));
        map.insert("to".into(), json!(stage));
        map.insert("policyNote".into(), json!(out.reason));
        map.insert("deadlines".into(), deadline_data(&specs));
        map.insert(
            "requirements".into(),
            json!(out.requirements.iter().map(|r| &r.key).collect::<Vec<_>>()),
        );
    }
    let event = Step {
        kind: request.kind,
        policy_version: Some(policy.version),
        summary: match from {
            Some(from) => format!("Moved from {from} to {to}"),
            None => format!("Moved to {to}"),
        },
        data: details,
    };
    let checklist = Checklist::new(work, current.id, policy.version, out.requirements);
    let clocks = Clocks::meeting(&[DeadlineKind::Escalate])
        .retiring_open()
        .start(Some(policy.version), &specs);
    Ok(Decision::with_rows(after, event, checklist).clocks(clocks))
}
