use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::{
    inputs::{
        DesignationInput, DesignationReviewInput, LearningPointInput, OfficerInput, RemedyInput,
    },
    parse_id,
    types::PersistentDesignation,
};
use crate::{
    auth::Action,
    domain::{
        actions::{
            approve_goodwill, complete_remedy, complete_requirement::CompleteRequirement,
            not_investigated::NotInvestigated, pipeline::perform, record_learning::NewLearning,
            record_remedy::NewRemedy, remedy_target::RemedyTarget,
        },
        intake::portal,
        people::{officers, persistent},
    },
    graphql::{
        case::types_public::{Case, Customer, Officer},
        context::ContextExt,
    },
};

#[derive(Default)]
pub struct PeopleMutation;

use crate::graphql::args::target;

fn remedy_target(
    remedy_id: &ID,
    at: Option<DateTime<Utc>>,
    expected_version: Option<i32>,
) -> Result<RemedyTarget> {
    Ok(RemedyTarget {
        remedy_id: parse_id(remedy_id, "remedyId")?,
        at: crate::graphql::args::instant("at", at)?,
        expected_version,
    })
}

#[Object]
impl PeopleMutation {
    /// Link a customer record to the customer's portal account (the `sub` of
    /// their token) once staff have checked the account is theirs: the cases
    /// logged for the record, by phone or letter, then reach their portal.
    /// Linking again to the same account changes nothing; a record already
    /// linked to another account is a CONFLICT.
    async fn link_portal_account(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        portal_subject: String,
    ) -> Result<Customer> {
        let by = ctx.deciding(Action::LinkPortalAccount)?;
        let id = parse_id(&customer_id, "customerId")?;
        Ok(Customer(portal::link(&by, id, portal_subject).await?))
    }

    /// Decide that a customer is a persistent complainant: a warning (the
    /// behaviour, the change required and by when) or restricted contact.
    /// The council's policy sets the review date; only a DCRO or the customer
    /// feedback manager decides. A customer has one designation in force at
    /// a time: review or end it instead.
    async fn designate_persistent_complainant(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        input: DesignationInput,
    ) -> Result<PersistentDesignation> {
        let by = ctx.deciding(Action::DecidePersistent)?;
        let id = parse_id(&customer_id, "customerId")?;
        let row = persistent::designate(&by, id, input.into()).await?;
        Ok(PersistentDesignation(row))
    }

    /// Review a designation: continue it, vary its restrictions, or end it.
    /// Continuing or varying sets the next review date from the council's policy.
    async fn review_persistent_designation(
        &self,
        ctx: &Context<'_>,
        designation_id: ID,
        input: DesignationReviewInput,
    ) -> Result<PersistentDesignation> {
        let by = ctx.deciding(Action::DecidePersistent)?;
        let id = parse_id(&designation_id, "designationId")?;
        let row = persistent::review(&by, id, input.into()).await?;
        Ok(PersistentDesignation(row))
    }

    /// Record that a checklist item on the case is done, e.g.
    /// `new_issues_checked` on a contact from a restricted customer.
    async fn complete_requirement(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        key: String,
        at: Option<DateTime<Utc>>,
        note: Option<String>,
        #[graphql(
            desc = "The case `version` the caller saw; a stale one gets CONFLICT and changes nothing."
        )]
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let target = target(&case_id, at, expected_version)?;
        let model = perform(&work, target, CompleteRequirement { key, note }).await?;
        Ok(Case::new(model))
    }

    /// Record a remedy on the case. A goodwill payment is recorded awaiting
    /// approval; a compensation claim closes the complaint with its claim
    /// route, once the checklist and the policy's closing rule allow it.
    async fn record_remedy(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: RemedyInput,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let target = target(&case_id, at, expected_version)?;
        let model = perform(&work, target, NewRemedy::from(input)).await?;
        Ok(Case::new(model))
    }

    /// Approve a goodwill payment. The council's policy gives the approver's
    /// limit from their roles and recorded seniority; a larger amount is
    /// POLICY_REJECTED with the limit in `extensions.detail`.
    async fn approve_goodwill_payment(
        &self,
        ctx: &Context<'_>,
        remedy_id: ID,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let target = remedy_target(&remedy_id, at, expected_version)?;
        let model = approve_goodwill::approve(&work, target).await?;
        Ok(Case::new(model))
    }

    /// Record that a remedy was carried out.
    async fn complete_remedy(
        &self,
        ctx: &Context<'_>,
        remedy_id: ID,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let target = remedy_target(&remedy_id, at, expected_version)?;
        let model = complete_remedy::complete(&work, target).await?;
        Ok(Case::new(model))
    }

    /// Record a lesson learned from the case and the service improvement.
    async fn record_learning_point(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: LearningPointInput,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let target = target(&case_id, at, expected_version)?;
        let model = perform(&work, target, NewLearning::from(input)).await?;
        Ok(Case::new(model))
    }

    /// Decide not to investigate an anonymous contact judged malicious,
    /// recording the reasons; the case is closed.
    async fn decide_not_to_investigate(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        reason: String,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<Case> {
        let work = ctx.case_work()?;
        let target = target(&case_id, at, expected_version)?;
        let model = perform(&work, target, NotInvestigated { reason }).await?;
        Ok(Case::new(model))
    }

    /// Record a member of staff, who may then be assigned work: name, email
    /// and the seniority (a grade the council's policy names, mapped to a
    /// goodwill limit). Only the customer feedback manager sets a seniority,
    /// never their own; every change is kept (`officerChanges`).
    async fn record_officer(&self, ctx: &Context<'_>, input: OfficerInput) -> Result<Officer> {
        let actor = ctx.actor()?.require(Action::RecordOfficer)?;
        let details = officers::OfficerDetails {
            subject: input.subject,
            display_name: input.display_name,
            email: input.email,
            seniority: input.seniority,
        };
        let row = officers::record(ctx.state(), ctx.council()?, actor, details, ctx.now()).await?;
        Ok(Officer(row))
    }
}
