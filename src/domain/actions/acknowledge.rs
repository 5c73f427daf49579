//! Acknowledging a contact, at its first stage or after an escalation.

use entity::{
    case,
    enums::{CaseStatus, Channel, DeadlineKind},
};
use serde_json::json;
use tracing::instrument;

use crate::{
    domain::{
        actions::pipeline::{CaseWork, Step, Target, deadline_data, require_status},
        cases::{deadlines, events::EventKind},
    },
    error::Result,
};

/// The action name policies use in a requirement's `before` list.
pub const ACTION: &str = "acknowledge";

pub struct Acknowledgement {
    /// How they were told; defaults to the channel the contact came in by.
    pub channel: Option<Channel>,
    /// What the acknowledgement told the customer.
    pub handler: Option<String>,
    pub contact_details: Option<String>,
    pub expected_by: Option<chrono::NaiveDate>,
}

#[instrument(skip_all, fields(council = %work.council.slug, case = %target.case_id))]
pub async fn acknowledge(
    work: &CaseWork<'_>,
    target: Target,
    ack: Acknowledgement,
) -> Result<case::Model> {
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    require_status(
        current,
        &[
            CaseStatus::Received,
            CaseStatus::EscalationRequested,
            CaseStatus::WithOmbudsman,
        ],
        "acknowledged",
    )?;
    work.ensure_unblocked(current, ACTION).await?;

    let mut after = current.clone();
    // An ombudsman's enquiry is acknowledged too (East Cambridgeshire 4.7);
    // the case stays with the ombudsman.
    if current.status != CaseStatus::WithOmbudsman {
        after.status = CaseStatus::Acknowledged;
    }
    after.acknowledged_at = Some(loaded.at);

    let (policy_version, new_deadlines) = match work.policy() {
        Some(policy) => {
            let facts = work.facts(&after).await?;
            let (case, on) = (facts.to_map(), loaded.on());
            let out = work
                .hook(&policy, move |p| p.acknowledged(case, on))
                .await?;
            let specs = work.specs(&policy, out.deadlines, current.stage);
            (Some(policy.version), specs)
        }
        None => (None, Vec::new()),
    };
    let channel = ack.channel.unwrap_or(current.channel);
    if let Some(expected) = ack.expected_by
        && expected < loaded.on()
    {
        return Err(crate::error::AppError::bad_input(
            "expectedBy",
            "the date the customer was given cannot be before the acknowledgement",
        ));
    }

    let txn = work.begin().await?;
    deadlines::meet(&txn, current.id, &[DeadlineKind::Acknowledge], loaded.at).await?;
    if let Some(version) = policy_version {
        deadlines::insert(
            &txn,
            work.council.id,
            current.id,
            version,
            &new_deadlines,
            work.now,
        )
        .await?;
    }
    let step = Step {
        kind: EventKind::Acknowledged,
        policy_version,
        summary: format!(
            "Acknowledged by {}",
            sea_orm::ActiveEnum::to_value(&channel)
        ),
        data: json!({
            "channel": channel,
            "handler": ack.handler,
            "contact": ack.contact_details,
            "expectedBy": ack.expected_by,
            "deadlines": deadline_data(&new_deadlines),
        }),
    };
    work.finish(txn, &loaded, after, step).await
}
