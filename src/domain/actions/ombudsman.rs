//! An ombudsman's enquiry into a complaint the council has answered: the
//! enquiry, the council's reply to it (the policy sets its deadline) and the
//! ombudsman's decision.

use chrono::NaiveDate;
use entity::{
    case,
    enums::{CaseStatus, DeadlineKind, Ombudsman, Outcome, Stage},
};
use serde_json::json;

use crate::{
    domain::{
        actions::{
            lifecycle::{Ending, ensure_may_close},
            pipeline::{CaseWork, Step, Target, deadline_data, require_status},
        },
        cases::{deadlines, events::EventKind},
        intake::contact,
        text,
    },
    error::{AppError, Result},
    policy::convert::MapBuilder,
};

pub struct Enquiry {
    /// Defaults to the ombudsman the last response named.
    pub ombudsman: Option<Ombudsman>,
    pub reference: Option<String>,
    /// The date the ombudsman set for the council's reply.
    pub reply_by: Option<NaiveDate>,
}

pub async fn record_enquiry(
    work: &CaseWork<'_>,
    target: Target,
    input: Enquiry,
) -> Result<case::Model> {
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    require_status(
        current,
        &[
            CaseStatus::Acknowledged,
            CaseStatus::InProgress,
            CaseStatus::Responded,
            CaseStatus::EscalationRequested,
            CaseStatus::Closed,
        ],
        "taken to the ombudsman",
    )?;
    let ombudsman = input
        .ombudsman
        .or(current.ombudsman)
        .unwrap_or(Ombudsman::Lgsco);
    let reference = input
        .reference
        .map(|r| contact::required_text("reference", r, text::REFERENCE_MAX_CHARS))
        .transpose()?;
    if let Some(reply_by) = input.reply_by
        && reply_by < loaded.on()
    {
        return Err(AppError::bad_input(
            "replyBy",
            format!(
                "the reply date {reply_by} is before the enquiry was received on {}",
                loaded.on()
            ),
        ));
    }
    let mut after = current.clone();
    after.stage = Some(Stage::Ombudsman);
    after.status = CaseStatus::WithOmbudsman;
    after.ombudsman = Some(ombudsman);
    after.ombudsman_reference = reference.clone();
    after.closed_at = None;
    after.stage_started_at = Some(loaded.at);
    after.acknowledged_at = None;
    after.responded_at = None;
    after.last_update_at = None;

    let (policy_version, specs) = match work.policy() {
        Some(policy) => {
            let facts = work.facts(current).await?;
            let enquiry = MapBuilder::default()
                .str("ombudsman", sea_orm::ActiveEnum::to_value(&ombudsman))
                .date("received", loaded.on())
                .opt_date("reply_by", input.reply_by)
                .into_map();
            let (case, on) = (facts.to_map(), loaded.on());
            let out = work
                .hook(&policy, move |p| p.ombudsman(case, enquiry, on))
                .await?;
            (
                Some(policy.version),
                work.specs(&policy, out.deadlines, Some(Stage::Ombudsman)),
            )
        }
        None => (None, Vec::new()),
    };
    let txn = work.begin().await?;
    deadlines::supersede(&txn, current.id, &[], loaded.at).await?;
    if let Some(version) = policy_version {
        deadlines::insert(&txn, work.council.id, current.id, version, &specs, work.now).await?;
    }
    let name = ombudsman_name(ombudsman);
    let step = Step {
        kind: EventKind::OmbudsmanEnquiry,
        policy_version,
        summary: format!("Enquiry from the {name}"),
        data: json!({
            "ombudsman": ombudsman,
            "reference": reference,
            "replyBy": input.reply_by,
            "deadlines": deadline_data(&specs),
        }),
    };
    work.finish(txn, &loaded, after, step).await
}

/// The council's reply to the ombudsman: meets the enquiry's deadlines.
pub async fn reply(work: &CaseWork<'_>, target: Target, summary: String) -> Result<case::Model> {
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    require_status(
        current,
        &[CaseStatus::WithOmbudsman],
        "replied to the ombudsman on",
    )?;
    let summary = contact::required_text("summary", summary, text::NARRATIVE_MAX_CHARS)?;
    let mut after = current.clone();
    after.responded_at = Some(loaded.at);
    after.last_update_at = Some(loaded.at);
    let txn = work.begin().await?;
    let met = deadlines::meet(
        &txn,
        current.id,
        &[DeadlineKind::Acknowledge, DeadlineKind::OmbudsmanResponse],
        loaded.at,
    )
    .await?;
    let step = Step {
        kind: EventKind::OmbudsmanReply,
        policy_version: None,
        summary: "Council's reply sent to the ombudsman".into(),
        data: json!({ "summary": summary, "deadlinesMet": met }),
    };
    work.finish(txn, &loaded, after, step).await
}

pub struct Decision {
    pub outcome: Outcome,
    pub summary: String,
}

/// The ombudsman's decision ends the case.
pub async fn record_outcome(
    work: &CaseWork<'_>,
    target: Target,
    input: Decision,
) -> Result<case::Model> {
    let loaded = work.load(target).await?;
    let current = &loaded.case;
    require_status(
        current,
        &[CaseStatus::WithOmbudsman],
        "given an ombudsman decision",
    )?;
    let summary = contact::required_text("summary", input.summary, text::NARRATIVE_MAX_CHARS)?;
    let Some(ombudsman) = current.ombudsman else {
        return Err(AppError::bad_input(
            "caseId",
            "no ombudsman enquiry is recorded",
        ));
    };
    let policy_version = ensure_may_close(work, current, Ending::OmbudsmanDecision).await?;
    let mut after = current.clone();
    after.status = CaseStatus::Closed;
    after.closed_at = Some(loaded.at);
    after.outcome = Some(input.outcome);
    let txn = work.begin().await?;
    let outcome = sea_orm::ActiveEnum::to_value(&input.outcome).replace('_', " ");
    let step = Step {
        kind: EventKind::OmbudsmanOutcome,
        policy_version,
        summary: format!("{} decision: {outcome}", ombudsman_name(ombudsman)),
        data: json!({ "ombudsman": ombudsman, "outcome": input.outcome, "summary": summary }),
    };
    work.finish(txn, &loaded, after, step).await
}

fn ombudsman_name(o: Ombudsman) -> &'static str {
    match o {
        Ombudsman::Lgsco => "Local Government and Social Care Ombudsman",
        Ombudsman::Housing => "Housing Ombudsman",
        Ombudsman::Ico => "Information Commissioner",
    }
}
