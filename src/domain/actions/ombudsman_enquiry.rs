//! An ombudsman's enquiry into a complaint the council has answered; the
//! policy sets the council's reply deadline.

use chrono::NaiveDate;
use entity::enums::{CaseStatus, Ombudsman, Stage};
use serde_json::json;

use crate::{
    auth::Action,
    domain::{
        actions::pipeline::{
            Allowed, CaseAction, CaseWork, Clocks, Decision, Loaded, Step, deadline_data,
        },
        cases::events::EventKind,
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

impl CaseAction for Enquiry {
    const ACTION: Action = Action::LiaiseWithOmbudsman;
    const NAME: &'static str = "record_ombudsman_enquiry";
    type Rows = ();

    fn allowed() -> Allowed {
        Allowed::from(
            &[
                CaseStatus::Acknowledged,
                CaseStatus::InProgress,
                CaseStatus::Responded,
                CaseStatus::EscalationRequested,
                CaseStatus::Closed,
            ],
            "taken to the ombudsman",
        )
    }

    async fn decide(self, work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision> {
        let current = &loaded.case;
        let ombudsman = self
            .ombudsman
            .or(current.ombudsman)
            .unwrap_or(Ombudsman::Lgsco);
        let reference = self
            .reference
            .map(|r| contact::required_text("reference", r, text::REFERENCE_MAX_CHARS))
            .transpose()?;
        if let Some(reply_by) = self.reply_by
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
                    .opt_date("reply_by", self.reply_by)
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
        let event = Step {
            kind: EventKind::OmbudsmanEnquiry,
            policy_version,
            summary: format!("Enquiry from the {}", ombudsman_name(ombudsman)),
            data: json!({
                "ombudsman": ombudsman,
                "reference": reference,
                "replyBy": self.reply_by,
                "deadlines": deadline_data(&specs),
            }),
        };
        let clocks = Clocks::default()
            .retiring_open()
            .start(policy_version, &specs);
        Ok(Decision::new(after, event).clocks(clocks))
    }
}

pub fn ombudsman_name(o: Ombudsman) -> &'static str {
    match o {
        Ombudsman::Lgsco => "Local Government and Social Care Ombudsman",
        Ombudsman::Housing => "Housing Ombudsman",
        Ombudsman::Ico => "Information Commissioner",
    }
}
