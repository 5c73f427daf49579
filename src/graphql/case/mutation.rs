use async_graphql::{Context, ID, Object, Result};

use chrono::{DateTime, Utc};

use super::{
    inputs::{AcknowledgementInput, LogContactInput},
    types::Case,
};
use crate::{
    auth::Action,
    domain::{
        actions::{acknowledge::Acknowledgement, pipeline::perform},
        intake,
        intake::{contact::NewContact, retry::IntakeKey},
    },
    graphql::{context::ContextExt, enums::Channel},
};

#[derive(Default)]
pub struct CaseMutation;

#[Object]
impl CaseMutation {
    /// Log a complaint, compliment, comment or suggestion. The council's
    /// policy decides its stage and deadlines.
    async fn log_contact(
        &self,
        ctx: &Context<'_>,
        input: LogContactInput,
        #[graphql(
            desc = "A key the client makes up for this contact (1 to 128 characters, e.g. a UUID) so it can safely send the request again when the answer is lost. Sent again by the same caller with the same input within 24 hours, it returns the case already created, with no second case or reference; with a different input it is refused (BAD_USER_INPUT on `idempotencyKey`). Each caller's keys are their own."
        )]
        idempotency_key: Option<String>,
    ) -> Result<Case> {
        let actor = ctx.actor()?.require(Action::LogContact)?;
        let council = ctx.council()?;
        let now = ctx.now();
        let draft = input.into();
        let key = IntakeKey::new(idempotency_key, &draft)?;
        let contact = NewContact::from_caller(draft, actor, now)?;
        let case = intake::log_contact(ctx.state(), council, actor, contact, key, now).await?;
        Ok(Case::new(case))
    }

    /// Record that the customer was told their contact was received, at its
    /// first stage or after an escalation. The council's policy may start
    /// clocks from this moment (East Cambridgeshire answers within 10 working
    /// days of acknowledgement) and may require checklist items first (Leeds:
    /// discrimination complaints).
    async fn acknowledge_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        #[graphql(
            desc = "When the customer was told (default now); not in the future, not before receipt."
        )]
        at: Option<DateTime<Utc>>,
        #[graphql(desc = "How they were told (default: the channel the contact came in by).")]
        channel: Option<Channel>,
        #[graphql(desc = "What the acknowledgement told the customer.")] input: Option<
            AcknowledgementInput,
        >,
        #[graphql(
            desc = "The case `version` the caller saw; a stale one gets CONFLICT and changes nothing."
        )]
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let input = input.unwrap_or_default();
        let ack = Acknowledgement {
            channel: channel.map(Into::into),
            handler: input.handler,
            contact_details: input.contact,
            expected_by: input.expected_by.map(|d| d.0),
        };
        let model = perform(&work, target(&case_id, at, expected_version)?, ack).await?;
        Ok(Case::new(model))
    }
}

pub use crate::graphql::args::target;
