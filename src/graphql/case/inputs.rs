use async_graphql::{Enum, InputObject};
use chrono::{DateTime, Utc};

use crate::{
    councils::Council,
    domain::{
        cases::CaseFilter as DomainFilter,
        intake::contact::{ContactDraft, ContactFlags, CustomerDetails, ScopeHints},
    },
    error::AppError,
    graphql::{
        enums::{
            CaseStatus, Channel, ContactKind, DeadlineKind, Ombudsman, Outcome, RemedyKind, Stage,
        },
        scalars::Date,
    },
};

#[derive(InputObject)]
pub struct LogContactInput {
    pub kind: ContactKind,
    /// How it came in. Required from staff; a customer's contact comes in by
    /// WEB and a councillor's by COUNCILLOR, so they leave it out (or name
    /// exactly that).
    pub channel: Option<Channel>,
    /// When the council received it (default now); may be in the past, never
    /// in the future. Staff only: a customer's or councillor's contact is
    /// received when they send it.
    pub received_at: Option<DateTime<Utc>>,
    /// At most 200 characters.
    pub subject: String,
    /// At most 20,000 characters.
    pub description: String,
    /// Service slug, e.g. `waste` (see `me { council { services } }`).
    pub service: Option<String>,
    pub desired_outcome: Option<String>,
    /// No identity given: the contact is recorded and investigated as far as possible.
    #[graphql(default = false)]
    pub anonymous: bool,
    pub customer: Option<CustomerInput>,
    /// Name of the councillor or MP it came through.
    pub via_councillor: Option<String>,
    /// Reply to the councillor/MP (default when `viaCouncillor` is set) or to the customer.
    pub respond_to_councillor: Option<bool>,
    /// A complaint of discrimination or harassment.
    #[graphql(default = false)]
    pub discrimination: bool,
    /// A complaint about a named member of staff.
    #[graphql(default = false)]
    pub about_staff: bool,
    /// Issues for more than one service.
    #[graphql(default = false)]
    pub multi_service: bool,
    /// When the customer first knew of the matter; councils with a 12-month rule use it.
    pub issue_date: Option<Date>,
    /// Discretion applies to a matter older than the council's time limit
    /// (e.g. East Cambridgeshire's Chief Executive determines exceptional
    /// circumstances, section 5).
    #[graphql(default = false)]
    pub exceptional: bool,
    /// A comment or suggestion whose customer expects a reply, or one staff
    /// feel is appropriate (East Cambridgeshire 4.1).
    #[graphql(default = false)]
    pub reply_expected: bool,
    /// Exceptional circumstances take the complaint to stage 2 in the first
    /// instance (East Cambridgeshire 4.6).
    #[graphql(default = false)]
    pub stage2_first_instance: bool,
    /// The officer at the first point of contact judges that simple steps or
    /// an apology can put it right: informal resolution where the council has
    /// it (East Cambridgeshire 4.4, feedback-team section 6).
    #[graphql(default = false)]
    pub simple_matter: bool,
    /// Made by someone acting on the customer's behalf (Leicester 4.1: with
    /// the customer's written authorisation).
    #[graphql(default = false)]
    pub representative: bool,
    /// About the behaviour of a director or senior manager (North Norfolk:
    /// the Chief Executive or Leader advises who investigates).
    #[graphql(default = false)]
    pub about_senior_officer: bool,
    /// An exclusion category from the council's policy (e.g. `legal_proceedings`):
    /// the contact is recorded as out of scope with the reason and where to go instead.
    pub exclusion: Option<String>,
}

#[derive(InputObject, Default)]
pub struct CustomerInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub preferred_channel: Option<Channel>,
    pub reasonable_adjustments: Option<String>,
}

impl From<LogContactInput> for ContactDraft {
    fn from(i: LogContactInput) -> Self {
        ContactDraft {
            kind: i.kind.into(),
            channel: i.channel.map(Into::into),
            received_at: i.received_at,
            subject: i.subject,
            description: i.description,
            service: i.service,
            desired_outcome: i.desired_outcome,
            anonymous: i.anonymous,
            customer: i.customer.map(|c| CustomerDetails {
                name: c.name,
                email: c.email,
                phone: c.phone,
                address: c.address,
                preferred_channel: c.preferred_channel.map(Into::into),
                reasonable_adjustments: c.reasonable_adjustments,
            }),
            via_councillor: i.via_councillor,
            respond_to_councillor: i.respond_to_councillor,
            flags: ContactFlags {
                discrimination: i.discrimination,
                about_staff: i.about_staff,
                multi_service: i.multi_service,
            },
            scope: ScopeHints {
                issue_date: i.issue_date.map(|d| d.0),
                exceptional: i.exceptional,
                reply_expected: i.reply_expected,
                stage2_first_instance: i.stage2_first_instance,
                simple_matter: i.simple_matter,
                representative: i.representative,
                about_senior_officer: i.about_senior_officer,
                exclusion: i.exclusion,
            },
        }
    }
}

#[derive(InputObject, Default)]
pub struct CaseFilter {
    pub kinds: Option<Vec<ContactKind>>,
    pub stages: Option<Vec<Stage>>,
    pub statuses: Option<Vec<CaseStatus>>,
    /// Service slug.
    pub service: Option<String>,
    /// Only cases assigned to the caller.
    #[graphql(default = false)]
    pub assigned_to_me: bool,
    /// Received at or after this instant.
    pub received_from: Option<DateTime<Utc>>,
    /// Received before this instant.
    pub received_to: Option<DateTime<Utc>>,
    /// true: open cases with a deadline already past; false: the others.
    pub overdue: Option<bool>,
    /// true: contacts the policy failed on, not yet decided; false: the others.
    pub awaiting_policy: Option<bool>,
}

impl CaseFilter {
    /// The domain's filter, for the caller `subject` in `council`; an unknown
    /// service slug is refused.
    pub fn into_domain(self, subject: &str, council: &Council) -> Result<DomainFilter, AppError> {
        let service_id = match &self.service {
            Some(slug) => Some(council.service_id(slug).ok_or_else(|| {
                AppError::bad_input(
                    "filter.service",
                    format!("this council has no service `{slug}`"),
                )
            })?),
            None => None,
        };
        Ok(DomainFilter {
            kinds: self
                .kinds
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            stages: self
                .stages
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            statuses: self
                .statuses
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            service_id,
            assigned_to_subject: self.assigned_to_me.then(|| subject.to_owned()),
            received_from: self.received_from,
            received_to: self.received_to,
            overdue: self.overdue,
            awaiting_policy: self.awaiting_policy,
        })
    }
}

/// What an acknowledgement told the customer.
#[derive(InputObject, Default)]
pub struct AcknowledgementInput {
    /// Who handles the case, as the customer was told.
    pub handler: Option<String>,
    /// How to contact them.
    pub contact: Option<String>,
    /// When the customer can expect an answer.
    pub expected_by: Option<Date>,
}

/// A remedy offered in a stage response. Money is integer pence.
#[derive(InputObject)]
pub struct RemedyInput {
    pub kind: RemedyKind,
    pub description: String,
    /// Goodwill payments only; approved separately within the approver's limit.
    pub amount_pence: Option<i64>,
    /// When a promised action is due.
    pub due: Option<Date>,
}

#[derive(InputObject)]
pub struct LearningPointInput {
    pub lesson: String,
    pub service_improvement: Option<String>,
}

#[derive(InputObject)]
pub struct StageResponseInput {
    pub outcome: Outcome,
    /// What the response told the customer.
    pub summary: String,
    #[graphql(default)]
    pub remedies: Vec<RemedyInput>,
    #[graphql(default)]
    pub learning_points: Vec<LearningPointInput>,
}

#[derive(InputObject)]
pub struct EscalationInput {
    /// Why the customer is still dissatisfied.
    pub reasons: String,
    pub desired_outcome: String,
    /// Asked by phone or in person rather than in writing.
    #[graphql(default)]
    pub verbal: bool,
    /// A DCRO or feedback manager accepts it outside the policy's window.
    #[graphql(default)]
    pub discretion: bool,
}

#[derive(InputObject)]
pub struct HoldingResponseInput {
    pub reason: String,
    /// The new date the customer was given.
    pub expected_by: Date,
}

#[derive(InputObject)]
pub struct ExtensionInput {
    #[graphql(default_with = "DeadlineKind::Respond")]
    pub kind: DeadlineKind,
    pub new_due: Date,
    pub reason: String,
    /// The customer agreed to the new date (required where the policy says so).
    #[graphql(default)]
    pub customer_agreed: bool,
}

#[derive(InputObject)]
pub struct InformalResolutionInput {
    /// Put right at the first point of contact; false registers it at the
    /// policy's next stage.
    pub resolved: bool,
    pub summary: String,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum Stage2Decision {
    /// Back to the service at stage 1 with recommendations.
    ReferBack,
    /// Not taken to stage 2, with signposting.
    Decline,
    Investigate,
}

#[derive(InputObject)]
pub struct Stage2AssessmentInput {
    pub decision: Stage2Decision,
    /// For REFER_BACK.
    pub recommendations: Option<String>,
    /// For DECLINE.
    pub reason: Option<String>,
    /// For DECLINE: where the customer can go instead.
    pub signpost: Option<String>,
    /// For INVESTIGATE: when the department was notified.
    pub department_notified_at: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct OutOfScopeInput {
    /// One of `me { council { exclusions } }`; the policy gives its reason and signpost.
    pub exclusion: Option<String>,
    pub reason: Option<String>,
    pub signpost: Option<String>,
}

#[derive(InputObject)]
pub struct ConversionInput {
    /// COMPLAINT (or FOI/EIR complaint) or SERVICE_REQUEST.
    pub to: ContactKind,
    pub reason: String,
    pub customer_agreed: bool,
}

#[derive(InputObject)]
pub struct OmbudsmanEnquiryInput {
    /// Defaults to the ombudsman the last response named.
    pub ombudsman: Option<Ombudsman>,
    /// The ombudsman's own reference.
    pub reference: Option<String>,
    /// The date the ombudsman set for the council's reply; the council's
    /// policy sets the reply deadline from it.
    pub reply_by: Option<Date>,
}

#[derive(InputObject)]
pub struct OmbudsmanOutcomeInput {
    pub outcome: Outcome,
    pub summary: String,
}
