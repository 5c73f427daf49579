//! The council's reply to the ombudsman's enquiry: it meets the enquiry's
//! deadlines.

use entity::enums::{CaseStatus, DeadlineKind};
use serde_json::json;

use crate::{
    auth::Action,
    domain::{
        actions::pipeline::{Allowed, CaseAction, CaseWork, Clocks, Decision, Loaded, Step},
        cases::{deadlines, events::EventKind},
        intake::contact,
        text,
    },
    error::Result,
};

const REPLIED: &[DeadlineKind] = &[DeadlineKind::Acknowledge, DeadlineKind::OmbudsmanResponse];

pub struct OmbudsmanReply {
    pub summary: String,
}

impl CaseAction for OmbudsmanReply {
    const ACTION: Action = Action::LiaiseWithOmbudsman;
    const NAME: &'static str = "reply_to_ombudsman";
    type Rows = ();

    fn allowed() -> Allowed {
        Allowed::from(&[CaseStatus::WithOmbudsman], "replied to the ombudsman on")
    }

    async fn decide(self, work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision> {
        let current = &loaded.case;
        let summary = contact::required_text("summary", self.summary, text::NARRATIVE_MAX_CHARS)?;
        let mut after = current.clone();
        after.responded_at = Some(loaded.at);
        after.last_update_at = Some(loaded.at);
        // What the reply meets; the case's version keeps this true until it
        // is written.
        let met = deadlines::count_open(&work.state.db, current.id, REPLIED).await?;
        let event = Step {
            kind: EventKind::OmbudsmanReply,
            policy_version: None,
            summary: "Council's reply sent to the ombudsman".into(),
            data: json!({ "summary": summary, "deadlinesMet": met }),
        };
        Ok(Decision::new(after, event).clocks(Clocks::meeting(REPLIED)))
    }
}
