//! The case-work mutations. Each turns its arguments into the domain's
//! action, has the action pipeline perform it for the caller (which checks
//! the caller's role first) on the case, the moment and the version they
//! saw, and returns the case as it now stands.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::{
    inputs::{
        ConversionInput, EscalationInput, ExtensionInput, HoldingResponseInput,
        InformalResolutionInput, OmbudsmanEnquiryInput, OmbudsmanOutcomeInput, OutOfScopeInput,
        Stage2AssessmentInput, Stage2Decision, StageResponseInput,
    },
    mutation::target,
    types::Case,
};
use crate::{
    domain::actions::{
        appoint_reviewer::AppointReviewer,
        assess_stage2::Assessment,
        assign_investigator::AssignInvestigator,
        close::Closing,
        convert::Conversion,
        extend_deadline::Extension,
        holding_response::HoldingResponse,
        informal_resolution::InformalOutcome,
        mark_out_of_scope::OutOfScope,
        ombudsman_enquiry::Enquiry,
        ombudsman_outcome::OmbudsmanDecision,
        ombudsman_reply::OmbudsmanReply,
        pipeline::perform,
        reopen::Reopening,
        request_escalation::EscalationRequest,
        respond::{LearningDraft, RemedyDraft, StageResponse},
        withdraw::Withdrawal,
    },
    error::AppError,
    graphql::context::ContextExt,
};

#[derive(Default)]
pub struct CaseActions;

#[Object]
impl CaseActions {
    /// Give the case to an investigating officer (by their token `sub`), or
    /// hand it to another.
    async fn assign_investigator(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        officer: String,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let model = perform(
            &work,
            target(&case_id, at, expected_version)?,
            AssignInvestigator { officer },
        )
        .await?;
        Ok(Case::new(model))
    }

    /// Appoint the impartial officer who reviews the complaint at stage 2
    /// (or 3): never the one who investigated or answered an earlier stage.
    async fn appoint_stage2_reviewer(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        officer: String,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let model = perform(
            &work,
            target(&case_id, at, expected_version)?,
            AppointReviewer { officer },
        )
        .await?;
        Ok(Case::new(model))
    }

    /// Tell the customer why the answer is delayed and when to expect it;
    /// the policy sets when the next one is due.
    async fn record_holding_response(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: HoldingResponseInput,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let holding = HoldingResponse {
            reason: input.reason,
            expected_by: input.expected_by.0,
        };
        let model = perform(&work, target(&case_id, at, expected_version)?, holding).await?;
        Ok(Case::new(model))
    }

    /// Move an open deadline later, within the policy's cap (Leeds FOI: never
    /// beyond 40 working days) and with the customer's agreement where needed.
    async fn extend_deadline(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: ExtensionInput,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let extension = Extension {
            kind: input.kind.into(),
            new_due: input.new_due.0,
            reason: input.reason,
            customer_agreed: input.customer_agreed,
        };
        let model = perform(&work, target(&case_id, at, expected_version)?, extension).await?;
        Ok(Case::new(model))
    }

    /// Record the outcome at the informal stage: put right, or registered at
    /// the policy's next stage.
    async fn record_informal_resolution(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: InformalResolutionInput,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let outcome = InformalOutcome {
            resolved: input.resolved,
            summary: input.summary,
        };
        let model = perform(&work, target(&case_id, at, expected_version)?, outcome).await?;
        Ok(Case::new(model))
    }

    /// Send the response at the current stage. The policy opens the
    /// escalation window and names the ombudsman.
    async fn respond_to_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: StageResponseInput,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let response = StageResponse {
            outcome: input.outcome.into(),
            summary: input.summary,
            remedies: input
                .remedies
                .into_iter()
                .map(|r| RemedyDraft {
                    kind: r.kind.into(),
                    description: r.description,
                    amount_pence: r.amount_pence,
                    due: r.due.map(|d| d.0),
                })
                .collect(),
            learning_points: input
                .learning_points
                .into_iter()
                .map(|l| LearningDraft {
                    lesson: l.lesson,
                    service_improvement: l.service_improvement,
                })
                .collect(),
        };
        let model = perform(&work, target(&case_id, at, expected_version)?, response).await?;
        Ok(Case::new(model))
    }

    /// The customer asks for the next stage. Refused with POLICY_REJECTED
    /// (and `extensions.detail.escalateBy`) outside the policy's window.
    async fn request_escalation(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: EscalationInput,
        #[graphql(desc = "When the request was received (default now).")] at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let request = EscalationRequest {
            reasons: input.reasons,
            desired_outcome: input.desired_outcome,
            verbal: input.verbal,
            discretion: input.discretion,
        };
        let model = perform(&work, target(&case_id, at, expected_version)?, request).await?;
        Ok(Case::new(model))
    }

    /// The customer feedback manager's decision on a stage 2 request.
    async fn assess_stage2(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: Stage2AssessmentInput,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let missing = |field: &'static str| {
            AppError::bad_input(field, format!("{field} is required for this decision"))
        };
        let decision = match input.decision {
            Stage2Decision::ReferBack => Assessment::ReferBack {
                recommendations: input
                    .recommendations
                    .ok_or_else(|| missing("recommendations"))?,
            },
            Stage2Decision::Decline => Assessment::Decline {
                reason: input.reason.ok_or_else(|| missing("reason"))?,
                signpost: input.signpost.ok_or_else(|| missing("signpost"))?,
            },
            Stage2Decision::Investigate => Assessment::Investigate {
                department_notified_at: input.department_notified_at,
            },
        };
        let model = perform(&work, target(&case_id, at, expected_version)?, decision).await?;
        Ok(Case::new(model))
    }

    /// An ombudsman (LGSCO, Housing Ombudsman, Information Commissioner) has
    /// opened an enquiry; the policy sets the council's reply deadline.
    async fn record_ombudsman_enquiry(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: OmbudsmanEnquiryInput,
        #[graphql(desc = "When the enquiry was received (default now).")] at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let enquiry = Enquiry {
            ombudsman: input.ombudsman.map(Into::into),
            reference: input.reference,
            reply_by: input.reply_by.map(|d| d.0),
        };
        let model = perform(&work, target(&case_id, at, expected_version)?, enquiry).await?;
        Ok(Case::new(model))
    }

    /// The council's reply to the ombudsman's enquiry.
    async fn reply_to_ombudsman(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        summary: String,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let model = perform(
            &work,
            target(&case_id, at, expected_version)?,
            OmbudsmanReply { summary },
        )
        .await?;
        Ok(Case::new(model))
    }

    /// The ombudsman's decision; it closes the case.
    async fn record_ombudsman_outcome(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: OmbudsmanOutcomeInput,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let decision = OmbudsmanDecision {
            outcome: input.outcome.into(),
            summary: input.summary,
        };
        let model = perform(&work, target(&case_id, at, expected_version)?, decision).await?;
        Ok(Case::new(model))
    }

    /// Not for this procedure: an exclusion category from the policy (its
    /// reason and signpost), or staff's own reason and signpost.
    async fn mark_out_of_scope(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: OutOfScopeInput,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let decision = OutOfScope {
            exclusion: input.exclusion,
            reason: input.reason,
            signpost: input.signpost,
        };
        let model = perform(&work, target(&case_id, at, expected_version)?, decision).await?;
        Ok(Case::new(model))
    }

    /// Convert between complaint and service request, with the customer's
    /// agreement recorded.
    async fn convert_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: ConversionInput,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let conversion = Conversion {
            to: input.to.into(),
            reason: input.reason,
            customer_agreed: input.customer_agreed,
        };
        let model = perform(&work, target(&case_id, at, expected_version)?, conversion).await?;
        Ok(Case::new(model))
    }

    /// The customer withdraws (themselves, or through staff).
    async fn withdraw_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        reason: Option<String>,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let model = perform(
            &work,
            target(&case_id, at, expected_version)?,
            Withdrawal { reason },
        )
        .await?;
        Ok(Case::new(model))
    }

    /// Close the case once the policy's checklist and closing rule allow it.
    /// With remedies outstanding (not carried out, or a goodwill payment not
    /// approved) it is POLICY_REJECTED, listing them in
    /// `extensions.detail.outstanding`, unless `outstandingReason` says why.
    async fn close_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        note: Option<String>,
        outstanding_reason: Option<String>,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let input = Closing {
            note,
            outstanding_reason,
        };
        let model = perform(&work, target(&case_id, at, expected_version)?, input).await?;
        Ok(Case::new(model))
    }

    /// Reopen a closed, withdrawn or out-of-scope case, with the reason. The
    /// council's policy (`reopened`) sets the clocks it runs on again,
    /// counted from the reopening.
    async fn reopen_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        reason: String,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let model = perform(
            &work,
            target(&case_id, at, expected_version)?,
            Reopening { reason },
        )
        .await?;
        Ok(Case::new(model))
    }
}
