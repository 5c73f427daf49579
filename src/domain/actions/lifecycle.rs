//! A case's end and second life: out of scope, converted between complaint
//! and service request, withdrawn, closed (when the policy's closing
//! requirements are met) and reopened.

use entity::{
    case,
    enums::{CaseStatus, ContactKind},
};
use serde_json::json;

use crate::{
    domain::{
        actions::pipeline::{CaseWork, Step, Target, deadline_data, require_status, status_name},
        cases::{deadlines, events::EventKind},
        intake::{check_exclusion, contact},
        text,
    },
    error::{AppError, PolicyDetail, Result},
    policy::{IntakeDecision, hooks},
};

pub const CLOSE_ACTION: &str = "close";

/// How a case comes to be closed, as the policy's `can_close` is told.
#[derive(Debug, Clone, Copy)]
pub enum Ending {
    Closed,
    /// Leeds para 71: a claim for compensation concludes the complaint.
    CompensationClaim,
    /// An anonymous contact judged malicious is not investigated further
    /// (Leeds paras 45-46); a council that investigates every anonymous
    /// complaint refuses this ending.
    NotInvestigated,
    /// The ombudsman's decision ends the case.
    OmbudsmanDecision,
    /// The feedback manager declines a stage 2 request.
    Stage2Declined,
    /// Put right at the first point of contact.
    InformalResolution,
}

impl Ending {
    fn as_str(self) -> &'static str {
        match self {
            Ending::Closed => "closed",
            Ending::CompensationClaim => "compensation_claim",
            Ending::NotInvestigated => "not_investigated",
            Ending::OmbudsmanDecision => "ombudsman_decision",
            Ending::Stage2Declined => "stage2_declined",
            Ending::InformalResolution => "informal_resolution",
        }
    }
}

/// Every way of closing a case meets the checklist and the policy's closing
/// rule (East Cambridgeshire: not without its Learning From Complaints
/// record). Returns the policy version that allowed it.
pub async fn ensure_may_close(
    work: &CaseWork<'_>,
    current: &case::Model,
    ending: Ending,
) -> Result<Option<i32>> {
    work.ensure_unblocked(current, CLOSE_ACTION).await?;
    let Some(policy) = work.policy() else {
        return Ok(None);
    };
    let case = hooks::closing(work.facts(current).await?.to_map(), ending.as_str());
    let out = work.hook(&policy, move |p| p.can_close(case)).await?;
    if !out.allowed {
        return Err(AppError::PolicyRejected {
            message: out
                .reason
                .unwrap_or_else(|| "the council's policy does not allow closing it yet".into()),
            detail: None,
        });
    }
    Ok(Some(policy.version))
}

pub struct OutOfScope {
    /// One of the council's exclusion categories; its reason and signpost
    /// come from the policy.
    pub exclusion: Option<String>,
    /// Staff's own words, required without a category.
    pub reason: Option<String>,
    pub signpost: Option<String>,
}

pub async fn mark_out_of_scope(
    work: &CaseWork<'_>,
    target: Target,
    input: OutOfScope,
) -> Result<case::Model> {
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    require_status(current, &CaseStatus::open_values(), "marked out of scope")?;
    let reason = input
        .reason
        .map(|r| contact::required_text("reason", r, text::NOTE_MAX_CHARS))
        .transpose()?;
    let signpost = input
        .signpost
        .map(|s| contact::required_text("signpost", s, text::NOTE_MAX_CHARS))
        .transpose()?;
    let mut policy_version = None;
    let (policy_reason, policy_signpost) = match (&input.exclusion, work.policy()) {
        (Some(key), Some(policy)) => {
            check_exclusion(&policy, work.council, key)?;
            let mut facts = work.facts(current).await?.contact;
            facts.exclusion = Some(key.clone());
            let decision = work
                .hook(&policy, move |p| IntakeDecision::from_policy(p, &facts))
                .await?;
            if decision.in_scope {
                return Err(AppError::PolicyRejected {
                    message: format!(
                        "{}'s policy keeps this case in scope with exclusion `{key}`",
                        work.council.slug
                    ),
                    detail: None,
                });
            }
            policy_version = Some(policy.version);
            (decision.scope_reason, decision.signpost)
        }
        (Some(_), None) => {
            return Err(AppError::bad_input(
                "exclusion",
                "this council has no active policy listing exclusion categories; give a reason and signpost",
            ));
        }
        (None, _) => (None, None),
    };
    let reason = match (policy_reason, reason) {
        (Some(p), Some(r)) => format!("{p}: {r}"),
        (Some(p), None) => p,
        (None, Some(r)) => r,
        (None, None) => {
            return Err(AppError::bad_input(
                "reason",
                "say why it is out of scope: an exclusion category or a reason",
            ));
        }
    };
    let signpost = signpost.or(policy_signpost);
    let mut after = current.clone();
    after.status = CaseStatus::OutOfScope;
    after.scope_reason = Some(reason.clone());
    after.signpost = signpost.clone();
    after.closed_at = Some(loaded.at);
    let txn = work.begin().await?;
    let step = Step {
        kind: EventKind::OutOfScope,
        policy_version,
        summary: format!("Out of scope: {reason}"),
        data: json!({ "exclusion": input.exclusion, "reason": reason, "signpost": signpost }),
    };
    work.finish(txn, &loaded, after, step).await
}

pub struct Conversion {
    pub to: ContactKind,
    pub reason: String,
    /// The customer agreed (Leeds para 4b: a request the customer calls a
    /// complaint is recorded as one).
    pub customer_agreed: bool,
}

/// Converts a complaint to a service request (passed to the service and
/// closed here) or a service request to a complaint (the policy sets its
/// stage and clocks from the original receipt).
pub async fn convert(
    work: &CaseWork<'_>,
    target: Target,
    input: Conversion,
) -> Result<case::Model> {
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    let reason = contact::required_text("reason", input.reason, text::NOTE_MAX_CHARS)?;
    if !input.customer_agreed {
        return Err(AppError::bad_input(
            "customerAgreed",
            "a contact is converted only with the customer's agreement; record it",
        ));
    }
    let mut after = current.clone();
    let mut policy_version = None;
    let mut specs = Vec::new();
    let mut requirements = Vec::new();
    match (current.kind, input.to) {
        (from, ContactKind::ServiceRequest) if from.is_complaint() => {
            require_status(current, &CaseStatus::open_values(), "converted")?;
            after.kind = ContactKind::ServiceRequest;
            after.stage = None;
            after.status = CaseStatus::Closed;
            after.closed_at = Some(loaded.at);
            after.scope_reason = Some(format!("Converted to a service request: {reason}"));
        }
        (ContactKind::ServiceRequest, to) if to.is_complaint() => {
            let mut facts = work.facts(current).await?.contact;
            facts.kind = to;
            let decision = match work.policy() {
                Some(policy) => {
                    work.hook(&policy, move |p| IntakeDecision::from_policy(p, &facts))
                        .await?
                }
                None => IntakeDecision::without_policy(to),
            };
            policy_version = decision.policy_version;
            specs = decision.deadlines;
            requirements = decision.requirements;
            after.kind = to;
            after.stage = decision.stage;
            after.status = CaseStatus::Received;
            after.closed_at = None;
            after.scope_reason = None;
            after.signpost = None;
            after.stage_started_at = Some(current.received_at);
            after.acknowledged_at = None;
            after.responded_at = None;
            after.last_update_at = None;
        }
        (from, to) => {
            return Err(AppError::bad_input(
                "to",
                format!(
                    "a {} cannot be converted to a {}; conversion is between complaints and service requests",
                    sea_orm::ActiveEnum::to_value(&from).replace('_', " "),
                    sea_orm::ActiveEnum::to_value(&to).replace('_', " ")
                ),
            ));
        }
    }
    let txn = work.begin().await?;
    deadlines::supersede(&txn, current.id, &[], loaded.at).await?;
    if let Some(version) = policy_version {
        deadlines::insert(&txn, work.council.id, current.id, version, &specs, work.now).await?;
        crate::domain::actions::escalate::insert_requirements(
            &txn,
            work.council.id,
            current.id,
            version,
            &requirements,
            work.now,
        )
        .await?;
    }
    let step = Step {
        kind: EventKind::Converted,
        policy_version,
        summary: format!(
            "Converted to {} with the customer's agreement",
            sea_orm::ActiveEnum::to_value(&input.to).replace('_', " ")
        ),
        data: json!({
            "from": current.kind,
            "to": input.to,
            "reason": reason,
            "customerAgreed": true,
            "deadlines": deadline_data(&specs),
        }),
    };
    work.finish(txn, &loaded, after, step).await
}

pub async fn withdraw(
    work: &CaseWork<'_>,
    target: Target,
    reason: Option<String>,
) -> Result<case::Model> {
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    require_status(current, &CaseStatus::open_values(), "withdrawn")?;
    let reason = reason
        .map(|r| contact::required_text("reason", r, text::NOTE_MAX_CHARS))
        .transpose()?;
    let mut after = current.clone();
    after.status = CaseStatus::Withdrawn;
    after.closed_at = Some(loaded.at);
    let txn = work.begin().await?;
    let by = if work.as_customer() {
        "the customer"
    } else {
        "staff for the customer"
    };
    let step = Step {
        kind: EventKind::Withdrawn,
        policy_version: None,
        summary: format!("Withdrawn by {by}"),
        data: json!({ "reason": reason }),
    };
    work.finish(txn, &loaded, after, step).await
}

pub struct Closing {
    pub note: Option<String>,
    /// Why it closes while remedies are still to be carried out or a
    /// payment approved; required then.
    pub outstanding_reason: Option<String>,
}

/// Closes a case once the policy's checklist and closing rule allow it
/// (East Cambridgeshire: not without its Learning From Complaints record).
/// Work still owed to the customer does not vanish silently: closing with
/// any of it outstanding takes a reason, kept on the `closed` event.
pub async fn close(work: &CaseWork<'_>, target: Target, input: Closing) -> Result<case::Model> {
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    require_status(current, &CaseStatus::open_values(), "closed")?;
    let note = input
        .note
        .map(|n| contact::required_text("note", n, text::NOTE_MAX_CHARS))
        .transpose()?;
    let outstanding_reason = input
        .outstanding_reason
        .map(|r| contact::required_text("outstandingReason", r, text::NOTE_MAX_CHARS))
        .transpose()?;
    let policy_version = ensure_may_close(work, current, Ending::Closed).await?;
    let outstanding = crate::domain::actions::remedies::outstanding_of_case(
        &work.state.db,
        work.council.id,
        current.id,
    )
    .await?;
    if !outstanding.is_empty() && outstanding_reason.is_none() {
        return Err(AppError::policy_rejected(
            format!(
                "{} has {} remedies outstanding (not carried out, or a payment not approved); \
                 give outstandingReason to close it anyway",
                current.reference,
                outstanding.len()
            ),
            PolicyDetail {
                outstanding,
                ..Default::default()
            },
        ));
    }
    let mut after = current.clone();
    after.status = CaseStatus::Closed;
    after.closed_at = Some(loaded.at);
    let txn = work.begin().await?;
    let summary = match outstanding.len() {
        0 => format!("Closed (was {})", status_name(current.status)),
        n => format!(
            "Closed (was {}) with {n} remedies outstanding",
            status_name(current.status)
        ),
    };
    let step = Step {
        kind: EventKind::Closed,
        policy_version,
        summary,
        data: json!({
            "note": note,
            "from": current.status,
            "outstanding": outstanding,
            "outstandingReason": outstanding_reason,
        }),
    };
    work.finish(txn, &loaded, after, step).await
}

/// Reopens a finished case. The policy's `reopened` hook sets the clocks it
/// runs on from the reopening; without one it has none until a later action.
pub async fn reopen(work: &CaseWork<'_>, target: Target, reason: String) -> Result<case::Model> {
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    require_status(
        current,
        &[
            CaseStatus::Closed,
            CaseStatus::Withdrawn,
            CaseStatus::OutOfScope,
        ],
        "reopened",
    )?;
    let reason = contact::required_text("reason", reason, text::NOTE_MAX_CHARS)?;
    let mut after = current.clone();
    after.status = if current.acknowledged_at.is_some() {
        CaseStatus::InProgress
    } else {
        CaseStatus::Received
    };
    after.closed_at = None;
    // The stage runs again from the reopening: hooks count its clocks, and
    // which updates belong to it, from `stage_received`.
    after.stage_started_at = Some(loaded.at);
    let (policy_version, specs) = match work.policy() {
        Some(policy) => {
            let mut facts = work.facts(&after).await?;
            // A complaint logged out of scope never entered a stage: it
            // enters the one the policy gives a complaint.
            if after.stage.is_none() && after.kind.is_complaint() {
                let contact = facts.contact.clone();
                after.stage = work
                    .hook(&policy, move |p| IntakeDecision::from_policy(p, &contact))
                    .await?
                    .stage;
                facts.stage = after.stage;
            }
            let case = hooks::reopening(
                facts.to_map(),
                loaded.on(),
                &sea_orm::ActiveEnum::to_value(&current.status),
            );
            let on = loaded.on();
            let out = work.hook(&policy, move |p| p.reopened(case, on)).await?;
            (
                Some(policy.version),
                work.specs(&policy, out.deadlines, after.stage),
            )
        }
        None => (None, Vec::new()),
    };
    let txn = work.begin().await?;
    if let Some(version) = policy_version {
        deadlines::insert(&txn, work.council.id, current.id, version, &specs, work.now).await?;
    }
    let step = Step {
        kind: EventKind::Reopened,
        policy_version,
        summary: format!("Reopened: {reason}"),
        data: json!({
            "reason": reason,
            "was": current.status,
            "deadlines": deadline_data(&specs),
        }),
    };
    work.finish(txn, &loaded, after, step).await
}
