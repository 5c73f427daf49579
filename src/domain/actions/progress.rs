//! Keeping the customer informed while a stage takes longer: holding
//! responses, and extensions of a deadline within what the policy allows.

use chrono::NaiveDate;
use entity::{
    case,
    enums::{CaseStatus, DeadlineKind},
};
use serde_json::json;

use crate::{
    domain::{
        actions::pipeline::{CaseWork, Step, Target, deadline_data, require_status},
        cases::{deadlines, events::EventKind},
        intake::contact,
        text,
        time::local_date,
    },
    error::{AppError, PolicyDetail, Result},
    policy::{DeadlineSpec, convert::MapBuilder},
};

pub struct HoldingResponse {
    pub reason: String,
    /// The new date the customer was given for the answer.
    pub expected_by: NaiveDate,
}

/// Records a holding response; the policy says when the next is due
/// (Leeds: at least every two weeks once the standard is missed).
pub async fn record_holding_response(
    work: &CaseWork<'_>,
    target: Target,
    input: HoldingResponse,
) -> Result<case::Model> {
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    require_status(
        current,
        &[CaseStatus::Acknowledged, CaseStatus::InProgress],
        "sent a holding response",
    )?;
    let reason = contact::required_text("reason", input.reason, text::NOTE_MAX_CHARS)?;
    if input.expected_by < loaded.on() {
        return Err(AppError::bad_input(
            "expectedBy",
            "the new expected date cannot be before the holding response",
        ));
    }
    let mut after = current.clone();
    after.status = CaseStatus::InProgress;
    after.last_update_at = Some(loaded.at);

    let mut next = Vec::new();
    let mut policy_version = None;
    if let Some(policy) = work.policy() {
        let facts = work.facts(&after).await?;
        let (case, received) = (facts.to_map(), local_date(current.received_at));
        let due = work
            .hook(&policy, move |p| p.holding_response(case, received))
            .await?;
        if let Some(due) = due.filter(|d| d.due >= loaded.on()) {
            next.push(DeadlineSpec::from_hook(
                crate::policy::hooks::DeadlineOut {
                    kind: DeadlineKind::HoldingResponse,
                    due: due.due,
                    explanation: due.explanation,
                },
                current.stage,
                &work.council.slug,
                policy.version,
            ));
        }
        policy_version = Some(policy.version);
    }

    let txn = work.begin().await?;
    deadlines::meet(
        &txn,
        current.id,
        &[DeadlineKind::HoldingResponse],
        loaded.at,
    )
    .await?;
    if let Some(version) = policy_version {
        deadlines::insert(&txn, work.council.id, current.id, version, &next, work.now).await?;
    }
    let step = Step {
        kind: EventKind::HoldingResponse,
        policy_version,
        summary: format!("Holding response: answer expected by {}", input.expected_by),
        data: json!({
            "reason": reason,
            "expectedBy": input.expected_by,
            "deadlines": deadline_data(&next),
        }),
    };
    work.finish(txn, &loaded, after, step).await
}

pub struct Extension {
    pub kind: DeadlineKind,
    pub new_due: NaiveDate,
    pub reason: String,
    /// The customer agreed to the new date (some policies require it).
    pub customer_agreed: bool,
}

/// Moves an open deadline later, within the policy's cap. The old row is
/// kept, superseded, so the history shows both dates.
pub async fn extend_deadline(
    work: &CaseWork<'_>,
    target: Target,
    input: Extension,
) -> Result<case::Model> {
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    require_status(current, &CaseStatus::open_values(), "given more time")?;
    let reason = contact::required_text("reason", input.reason, text::NOTE_MAX_CHARS)?;
    let kind_name = sea_orm::ActiveEnum::to_value(&input.kind);
    let existing = deadlines::open(&work.state.db, current.id, input.kind)
        .await?
        .ok_or_else(|| {
            AppError::bad_input(
                "kind",
                format!("{} has no open {kind_name} deadline", current.reference),
            )
        })?;
    if input.new_due <= existing.due {
        return Err(AppError::bad_input(
            "newDue",
            format!("an extension moves the date later than {}", existing.due),
        ));
    }

    let (policy_version, note) = match work.policy() {
        Some(policy) => {
            let facts = work.facts(current).await?;
            let ext = MapBuilder::default()
                .str("kind", kind_name.clone())
                .date("current_due", existing.due)
                .date("requested_due", input.new_due)
                .into_map();
            let case = facts.to_map();
            let out = work.hook(&policy, move |p| p.extension(case, ext)).await?;
            let over_cap = out.max_due.is_some_and(|max| input.new_due > max);
            if !out.allowed || over_cap {
                let message = out
                    .reason
                    .clone()
                    .unwrap_or_else(|| "the policy does not allow this extension".into());
                return Err(AppError::policy_rejected(
                    match out.max_due {
                        Some(max) => format!("{message} (latest allowed: {max})"),
                        None => message,
                    },
                    PolicyDetail {
                        max_due: out.max_due,
                        ..Default::default()
                    },
                ));
            }
            if out.needs_customer_agreement && !input.customer_agreed {
                return Err(AppError::policy_rejected(
                    "this extension needs the customer's agreement; record it with customerAgreed",
                    PolicyDetail {
                        needs_customer_agreement: Some(true),
                        ..Default::default()
                    },
                ));
            }
            (policy.version, out.reason)
        }
        None => (existing.policy_version, None),
    };

    let spec = DeadlineSpec {
        stage: existing.stage,
        kind: input.kind,
        due: input.new_due,
        explanation: format!(
            "extended from {} by {}: {reason}{}",
            existing.due,
            work.actor.subject,
            note.as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        ),
    };
    let txn = work.begin().await?;
    deadlines::extend(&txn, current.id, input.kind, input.new_due, loaded.at).await?;
    deadlines::insert(
        &txn,
        work.council.id,
        current.id,
        policy_version,
        std::slice::from_ref(&spec),
        work.now,
    )
    .await?;
    let step = Step {
        kind: EventKind::DeadlineExtended,
        policy_version: Some(policy_version),
        summary: format!(
            "{kind_name} deadline extended from {} to {}",
            existing.due, input.new_due
        ),
        data: json!({
            "kind": input.kind,
            "from": existing.due,
            "to": input.new_due,
            "reason": reason,
            "customerAgreed": input.customer_agreed,
        }),
    };
    work.finish(txn, &loaded, current.clone(), step).await
}
