//! A lesson learned from the case, and the service improvement it led to.

use entity::learning_point;
use sea_orm::{ActiveModelTrait, DatabaseTransaction, EntityTrait, IntoActiveModel};
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::Action,
    domain::{
        actions::pipeline::{Allowed, CaseAction, CaseWork, Decision, Loaded, Rows, Step},
        cases::events::EventKind,
        intake::contact::{optional_text, required_text},
        text,
    },
    error::Result,
};

pub struct NewLearning {
    pub lesson: String,
    pub service_improvement: Option<String>,
}

/// The learning point, as stored.
pub struct Learned(learning_point::Model);

impl Rows for Learned {
    async fn write(self, txn: &DatabaseTransaction) -> Result<()> {
        learning_point::Entity::insert(self.0.into_active_model().reset_all())
            .exec_without_returning(txn)
            .await?;
        Ok(())
    }
}

impl CaseAction for NewLearning {
    const ACTION: Action = Action::RecordRemedy;
    const NAME: &'static str = "record_learning_point";
    type Rows = Learned;

    fn allowed() -> Allowed {
        Allowed::any()
    }

    async fn decide(self, work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision<Learned>> {
        let lesson = required_text("lesson", self.lesson, text::NOTE_MAX_CHARS)?;
        let improvement = optional_text(
            "serviceImprovement",
            self.service_improvement,
            text::NOTE_MAX_CHARS,
        )?;
        let current = &loaded.case;
        let row = learning_point::Model {
            id: Uuid::now_v7(),
            council_id: current.council_id,
            case_id: current.id,
            service_id: current.service_id,
            lesson,
            service_improvement: improvement,
            recorded_by: work.actor.subject.clone(),
            recorded_at: loaded.at,
        };
        let event = Step {
            kind: EventKind::LearningRecorded,
            policy_version: None,
            summary: format!("Learning recorded: {}", first_line(&row.lesson)),
            data: json!({
                "learningPointId": row.id,
                "lesson": row.lesson,
                "serviceImprovement": row.service_improvement,
            }),
        };
        Ok(Decision::with_rows(current.clone(), event, Learned(row)))
    }
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_owned(),
    }
}
