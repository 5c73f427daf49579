//! The answer at a stage: outcome, summary, remedies offered and lessons
//! learned. The policy says what may follow (the escalation window, the
//! ombudsman); a reply to a complaint raised through a councillor or MP goes
//! to them unless they asked otherwise.

use entity::{
    case,
    enums::{CaseStatus, Outcome, RemedyKind, Stage},
    learning_point, remedy,
};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, IntoActiveModel,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::Action,
    domain::{
        actions::{
            impartial::ensure_impartial_answer,
            pipeline::{
                ANSWERED, Allowed, CaseAction, CaseWork, Clocks, Decision, Loaded, Rows, Step,
                deadline_data,
            },
        },
        cases::{events::EventKind, remedies::check_amount},
        intake::contact,
        text,
    },
    error::{AppError, Result},
};

pub struct RemedyDraft {
    pub kind: RemedyKind,
    pub description: String,
    pub amount_pence: Option<i64>,
    pub due: Option<chrono::NaiveDate>,
}

pub struct LearningDraft {
    pub lesson: String,
    pub service_improvement: Option<String>,
}

pub struct StageResponse {
    pub outcome: Outcome,
    pub summary: String,
    pub remedies: Vec<RemedyDraft>,
    pub learning_points: Vec<LearningDraft>,
}

/// The remedies offered and lessons learned, stored with the response.
pub struct Offered {
    remedies: Vec<remedy::Model>,
    lessons: Vec<learning_point::Model>,
}

impl Rows for Offered {
    async fn write(self, txn: &DatabaseTransaction) -> Result<()> {
        insert_all(
            txn,
            self.remedies
                .into_iter()
                .map(|r| r.into_active_model().reset_all()),
        )
        .await?;
        insert_all(
            txn,
            self.lessons
                .into_iter()
                .map(|l| l.into_active_model().reset_all()),
        )
        .await
    }
}

impl CaseAction for StageResponse {
    const ACTION: Action = Action::Respond;
    const NAME: &'static str = "respond";
    const CHECKLIST: bool = true;
    type Rows = Offered;

    fn allowed() -> Allowed {
        Allowed::from(
            &[CaseStatus::Acknowledged, CaseStatus::InProgress],
            "answered (acknowledge it at this stage first)",
        )
    }

    async fn admit(&self, work: &CaseWork<'_>, case: &case::Model) -> Result<()> {
        stage_of(case)?;
        ensure_impartial_answer(work, case).await
    }

    async fn decide(self, work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision<Offered>> {
        let current = &loaded.case;
        let stage = stage_of(current)?;
        let summary = contact::required_text("summary", self.summary, text::NARRATIVE_MAX_CHARS)?;
        let remedies = self
            .remedies
            .into_iter()
            .map(|r| check_remedy(r, current.id, work, loaded.at))
            .collect::<Result<Vec<_>>>()?;
        if remedies.iter().any(|r| r.kind == RemedyKind::Compensation) {
            return Err(AppError::bad_input(
                "remedies",
                "a compensation claim is not offered in a response; record it with recordRemedy, which ends the complaint with the claim route",
            ));
        }
        let lessons = self
            .learning_points
            .into_iter()
            .map(|l| {
                Ok(learning_point::Model {
                    id: Uuid::now_v7(),
                    council_id: work.council.id,
                    case_id: current.id,
                    service_id: current.service_id,
                    lesson: contact::required_text(
                        "learningPoints.lesson",
                        l.lesson,
                        text::NOTE_MAX_CHARS,
                    )?,
                    service_improvement: l
                        .service_improvement
                        .map(|s| {
                            contact::required_text(
                                "learningPoints.serviceImprovement",
                                s,
                                text::NOTE_MAX_CHARS,
                            )
                        })
                        .transpose()?,
                    recorded_by: work.actor.subject.clone(),
                    recorded_at: work.now,
                })
            })
            .collect::<Result<Vec<_>>>()?;

        let mut after = current.clone();
        after.status = CaseStatus::Responded;
        after.outcome = Some(self.outcome);
        after.responded_at = Some(loaded.at);
        after.last_update_at = Some(loaded.at);

        let (policy_version, next_stage, window) = match work.policy() {
            Some(policy) => {
                let facts = work.facts(&after).await?;
                let (case, on) = (facts.to_map(), loaded.on());
                let out = work.hook(&policy, move |p| p.responded(case, on)).await?;
                after.ombudsman = out.ombudsman;
                let specs = work.specs(&policy, out.deadlines, Some(stage));
                (Some(policy.version), out.next_stage, specs)
            }
            None => (None, None, Vec::new()),
        };
        let sent_to = recipient(current);
        let stage_name = match stage {
            Stage::Informal => "Informal".to_owned(),
            other => format!(
                "Stage {}",
                sea_orm::ActiveEnum::to_value(&other).trim_start_matches("stage_")
            ),
        };
        let outcome_name = sea_orm::ActiveEnum::to_value(&self.outcome).replace('_', " ");
        let event = Step {
            kind: EventKind::Responded,
            policy_version,
            summary: format!("{stage_name} response: {outcome_name}, sent to {sent_to}"),
            data: json!({
                "stage": stage,
                "outcome": self.outcome,
                "summary": summary,
                "sentTo": sent_to,
                "nextStage": next_stage,
                "ombudsman": after.ombudsman,
                "remedies": remedies.iter().map(|r| json!({
                    "kind": r.kind, "amountPence": r.amount_pence, "description": r.description
                })).collect::<Vec<_>>(),
                "learningPoints": lessons.len(),
                "deadlines": deadline_data(&window),
            }),
        };
        Ok(
            Decision::with_rows(after, event, Offered { remedies, lessons })
                .clocks(Clocks::meeting(ANSWERED).start(policy_version, &window)),
        )
    }
}

/// The complaints stage being answered; an ombudsman's enquiry is replied
/// to, not answered here.
fn stage_of(case: &case::Model) -> Result<Stage> {
    match case.stage {
        Some(stage) if stage != Stage::Ombudsman => Ok(stage),
        _ => Err(AppError::bad_input(
            "caseId",
            format!("{} has no complaints stage to answer", case.reference),
        )),
    }
}

/// Who a response goes to: the councillor or MP who raised the complaint
/// unless the customer asked otherwise, the customer, or no one for an
/// anonymous contact (the response is kept on file).
pub fn recipient(case: &case::Model) -> String {
    match (
        &case.via_councillor,
        case.respond_to_councillor,
        case.anonymous,
    ) {
        (Some(name), true, _) => name.clone(),
        (_, _, true) => "file (anonymous contact)".to_owned(),
        _ => "the customer".to_owned(),
    }
}

fn check_remedy(
    r: RemedyDraft,
    case_id: Uuid,
    work: &CaseWork<'_>,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<remedy::Model> {
    let description =
        contact::required_text("remedies.description", r.description, text::NOTE_MAX_CHARS)?;
    check_amount(r.kind, r.amount_pence)?;
    Ok(remedy::Model {
        id: Uuid::now_v7(),
        council_id: work.council.id,
        case_id,
        kind: r.kind,
        description,
        amount_pence: r.amount_pence,
        approved_by: None,
        approved_at: None,
        due: r.due,
        completed_at: None,
        recorded_by: work.actor.subject.clone(),
        recorded_at: at,
    })
}

async fn insert_all<A>(txn: &impl ConnectionTrait, rows: impl Iterator<Item = A>) -> Result<()>
where
    A: ActiveModelTrait + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    let rows: Vec<A> = rows.collect();
    if rows.is_empty() {
        return Ok(());
    }
    <A::Entity as EntityTrait>::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}
