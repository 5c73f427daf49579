//! Logging a contact: the first step of every case.

pub mod awaiting_policy;
pub mod contact;
pub mod portal;
pub mod reference;
pub mod retry;
pub mod writer;

use chrono::{DateTime, Datelike, Utc};
use entity::{case, customer, enums::CaseStatus};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use tracing::instrument;
use uuid::Uuid;

use crate::{
    auth::{Actor, Role},
    councils::Council,
    domain::{
        cases::{
            deadlines,
            events::{self, EventKind, NewEvent},
        },
        intake::{
            contact::{CustomerDetails, NewContact},
            retry::IntakeKey,
            writer::{NewCase, Stored},
        },
        people::persistent,
        time::local_date,
    },
    error::{AppError, Result},
    live::feed::CaseChanged,
    policy::{self, IntakeDecision},
    state::AppState,
};

/// Stores the contact as a case decided by the council's policy, or, for a
/// request sent again with its idempotency key, answers the case it created.
#[instrument(skip_all, fields(council = %council.slug))]
pub async fn log_contact(
    state: &AppState,
    council: &Council,
    actor: &Actor,
    contact: NewContact,
    key: Option<IntakeKey>,
    now: DateTime<Utc>,
) -> Result<case::Model> {
    let db = &state.db;
    // A retry is answered before the policy runs: the case it gets is the
    // one first decided, whatever version is active now.
    if let Some(key) = &key
        && let Some(case) = retry::replay(db, council.id, &actor.subject, key, now).await?
    {
        return Ok(case);
    }
    let service_id = match &contact.service {
        Some(slug) => Some(council.service_id(slug).ok_or_else(|| {
            AppError::bad_input("service", format!("this council has no service `{slug}`"))
        })?),
        None => None,
    };
    let acting_as_customer = actor.has(Role::Customer) && !actor.is_case_staff();
    if acting_as_customer && contact.anonymous {
        return Err(AppError::bad_input(
            "anonymous",
            "a signed-in customer cannot log an anonymous contact",
        ));
    }
    let councillor_subject = actor.has(Role::Councillor).then(|| actor.subject.clone());
    // A councillor's own contact already names them (`NewContact::from_caller`).
    let via_councillor = contact.via_councillor.clone();

    // The policy runs before the transaction opens: no lock waits on a script.
    // A script that fails on this contact does not lose it: it is stored
    // with the documented default, no deadlines, and waits for a version
    // that decides it.
    let (decision, failure) = match decide(state, council, &contact, via_councillor.is_some(), now)
        .await?
    {
        Decided::Ok(decision) => (decision, None),
        Decided::Failed(failure) => {
            tracing::warn!(version = failure.version, problem = %failure.problem, "policy failed on a contact; stored awaiting policy");
            (IntakeDecision::without_policy(contact.kind), Some(failure))
        }
    };

    // Who the contact is from is read before anything is written: a new
    // customer is stored together with the case, below.
    let customer = if contact.anonymous {
        None
    } else if acting_as_customer {
        Some(
            portal_customer(
                db,
                council.id,
                actor,
                contact.customer.clone().unwrap_or_default(),
                now,
            )
            .await?,
        )
    } else {
        match contact.customer.clone() {
            Some(details) => Some(staff_entered_customer(db, council.id, details, now).await?),
            None => None,
        }
    };
    let customer_id = customer.as_ref().map(FiledUnder::id);
    // Only a customer already on record can carry a persistent-complainant
    // designation.
    let restriction = match &customer {
        Some(FiledUnder::Known(id)) => persistent::restriction(db, council.id, *id).await?,
        _ => None,
    };

    let year = local_date(now).year();
    let id = Uuid::now_v7();
    let next_due = decision.deadlines.iter().map(|d| d.due).min();
    let status = if decision.in_scope {
        CaseStatus::Received
    } else {
        CaseStatus::OutOfScope
    };
    let mut model = case::Model {
        id,
        council_id: council.id,
        // Numbered as it is stored, below.
        reference: String::new(),
        reference_year: None,
        reference_seq: None,
        kind: contact.kind,
        channel: contact.channel,
        stage: decision.stage,
        status,
        received_at: contact.received_at,
        service_id,
        anonymous: contact.anonymous,
        customer_id,
        subject: contact.subject,
        description: contact.description,
        desired_outcome: contact.desired_outcome,
        via_councillor,
        councillor_subject,
        respond_to_councillor: contact.respond_to_councillor,
        discrimination: contact.flags.discrimination,
        about_staff: contact.flags.about_staff,
        multi_service: contact.flags.multi_service,
        assignee_id: None,
        stage2_reviewer_id: None,
        outcome: None,
        ombudsman: None,
        scope_reason: decision.scope_reason.clone(),
        signpost: decision.signpost.clone(),
        next_due,
        logged_by: actor.subject.clone(),
        created_at: now,
        updated_at: now,
        closed_at: (!decision.in_scope).then_some(now),
        stage_started_at: Some(contact.received_at),
        acknowledged_at: None,
        responded_at: None,
        last_update_at: None,
        ombudsman_reference: None,
        restricted_customer: false,
        awaiting_policy: failure.is_some(),
        version: 1,
    };
    if let Some(restriction) = &restriction {
        restriction.apply(&mut model);
    }
    let summary = match (&decision.in_scope, &model.scope_reason) {
        (false, Some(reason)) => format!("{:?} logged, out of scope: {reason}", model.kind),
        _ => format!("{:?} logged via {:?}", model.kind, model.channel),
    };
    let logged = events::row(
        NewEvent {
            case_id: model.id,
            kind: EventKind::ContactLogged,
            actor,
            occurred_at: model.received_at,
            policy_version: decision.policy_version,
            summary,
            data: json!({
                "kind": model.kind,
                "channel": model.channel,
                "stage": model.stage,
                "inScope": decision.in_scope,
                "scopeReason": decision.scope_reason,
                "signpost": decision.signpost,
                "requirements": decision.requirements.iter().map(|r| &r.key).collect::<Vec<_>>(),
                "deadlines": decision.deadlines.iter().map(|d| json!({
                    "kind": d.kind, "due": d.due, "explanation": d.explanation
                })).collect::<Vec<_>>(),
            }),
        },
        1,
        now,
    );
    let later_events = failure
        .map(|failure| failure.event(&council.slug, model.id, actor, now))
        .into_iter()
        .collect();
    let deadlines = decision
        .policy_version
        .map(|version| deadlines::rows(council.id, model.id, version, &decision.deadlines, now))
        .unwrap_or_default();
    let checklist = decision
        .policy_version
        .map(|version| {
            decision.requirements.iter().map(move |r| {
                crate::domain::cases::requirements::row(council.id, model.id, version, r, now)
            })
        })
        .into_iter()
        .flatten()
        .chain(restriction.as_ref().and_then(|r| r.check_row(&model, now)))
        .collect();
    let claim = key
        .as_ref()
        .map(|k| k.row(council.id, &actor.subject, model.id, now));
    let stored = state
        .intake
        .store(
            &council.reference_prefix,
            year,
            NewCase {
                customer: match customer {
                    Some(FiledUnder::New(row)) => Some(row),
                    _ => None,
                },
                case: model,
                deadlines,
                event: logged.clone(),
                later_events,
                checklist,
                key: claim,
            },
        )
        .await?;
    match (stored, &key) {
        (Stored::Case(model), _) => {
            state.feed.publish(CaseChanged::new(&model, &logged));
            // Counted once: a retry answered with this case is not a new contact.
            state
                .metrics
                .contacts_logged
                .with_label_values(&[&council.slug])
                .inc();
            Ok(*model)
        }
        // The same request arrived twice at once, and the other one stored it.
        (Stored::KeyTaken, Some(key)) => retry::replay(db, council.id, &actor.subject, key, now)
            .await?
            .ok_or_else(|| {
                AppError::Conflict(
                    "another request with this idempotencyKey is being logged; try again".into(),
                )
            }),
        (Stored::KeyTaken, None) => Err(AppError::Internal(anyhow::anyhow!(
            "a contact without a key was refused for its key"
        ))),
    }
}

/// What the council's policy made of a contact.
enum Decided {
    Ok(IntakeDecision),
    Failed(PolicyFailure),
}

/// The active version's script failed on a contact: what it said, and the
/// facts it was given, kept (for staff) so a later version can decide it.
pub struct PolicyFailure {
    pub version: i32,
    pub problem: String,
    pub facts: policy::Contact,
}

impl PolicyFailure {
    /// The timeline step after the logging one.
    fn event(
        &self,
        slug: &str,
        case_id: Uuid,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> entity::case_event::Model {
        events::row(
            NewEvent {
                case_id,
                kind: EventKind::PolicyFailed,
                actor,
                occurred_at: now,
                policy_version: Some(self.version),
                summary: format!(
                    "{slug} policy v{} failed on this contact: {}; it waits for a version that decides it",
                    self.version, self.problem
                ),
                data: json!({
                    "policyVersion": self.version,
                    "problem": self.problem,
                    "facts": self.facts,
                }),
            },
            2,
            now,
        )
    }
}

/// Asks the council's active policy (or the documented default) what this
/// contact means: stage, scope, deadlines, requirements.
async fn decide(
    state: &AppState,
    council: &Council,
    contact: &NewContact,
    via_councillor: bool,
    now: DateTime<Utc>,
) -> Result<Decided> {
    let Some(policy) = state.policies.get(council.id) else {
        return Ok(Decided::Ok(IntakeDecision::without_policy(contact.kind)));
    };
    if let Some(exclusion) = &contact.scope.exclusion {
        check_exclusion(&policy, council, exclusion)?;
    }
    let facts = policy_facts(contact, via_councillor, now);
    let version = policy.version;
    let kept = facts.clone();
    let decided = state
        .policy_runner
        .run(council.id, policy, move |p| {
            IntakeDecision::from_policy(p, &facts)
        })
        .await?;
    Ok(match decided {
        Ok(decision) => Decided::Ok(decision),
        Err(problem) => Decided::Failed(PolicyFailure {
            version,
            problem: problem.to_string(),
            facts: kept,
        }),
    })
}

/// Refuses an exclusion category the council's policy does not list.
pub fn check_exclusion(
    policy: &policy::CompiledPolicy,
    council: &Council,
    exclusion: &str,
) -> Result<()> {
    let known = policy.exclusions();
    if policy.defines(policy::hooks::EXCLUSIONS) && !known.iter().any(|e| e.key == exclusion) {
        let keys: Vec<&str> = known.iter().map(|e| e.key.as_str()).collect();
        return Err(AppError::bad_input(
            "exclusion",
            format!(
                "`{exclusion}` is not one of {}'s exclusion categories: {}",
                council.slug,
                keys.join(", ")
            ),
        ));
    }
    Ok(())
}

/// What a policy hook is told about a contact being logged.
pub fn policy_facts(
    contact: &NewContact,
    via_councillor: bool,
    now: DateTime<Utc>,
) -> policy::Contact {
    policy::Contact {
        kind: contact.kind,
        channel: contact.channel,
        received: local_date(contact.received_at),
        today: local_date(now),
        service: contact.service.clone(),
        anonymous: contact.anonymous,
        discrimination: contact.flags.discrimination,
        about_staff: contact.flags.about_staff,
        multi_service: contact.flags.multi_service,
        via_councillor,
        issue_date: contact.scope.issue_date,
        exceptional: contact.scope.exceptional,
        reply_expected: contact.scope.reply_expected,
        stage2_first_instance: contact.scope.stage2_first_instance,
        simple_matter: contact.scope.simple_matter,
        representative: contact.scope.representative,
        about_senior_officer: contact.scope.about_senior_officer,
        exclusion: contact.scope.exclusion.clone(),
    }
}

/// The customer a contact is filed under: one already on record, or a new
/// one to store with the case.
#[derive(Debug, Clone)]
enum FiledUnder {
    Known(Uuid),
    New(customer::Model),
}

impl FiledUnder {
    fn id(&self) -> Uuid {
        match self {
            Self::Known(id) => *id,
            Self::New(row) => row.id,
        }
    }
}

/// A signed-in customer always files under their own record.
async fn portal_customer(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    actor: &Actor,
    details: CustomerDetails,
    now: DateTime<Utc>,
) -> Result<FiledUnder> {
    let existing = customer::Entity::find()
        .filter(customer::Column::CouncilId.eq(council_id))
        .filter(customer::Column::PortalSubject.eq(actor.subject.clone()))
        // Staff may have linked more than one record to the account.
        .order_by_asc(customer::Column::CreatedAt)
        .one(db)
        .await?;
    if let Some(found) = existing {
        return Ok(FiledUnder::Known(found.id));
    }
    let details = CustomerDetails {
        name: details.name.or_else(|| actor.name.clone()),
        ..details
    };
    Ok(FiledUnder::New(new_customer(
        council_id,
        Some(actor.subject.clone()),
        details,
        now,
    )))
}

/// Staff entering a contact for a known email reuse that customer's record,
/// so their history stays in one place. Portal records are never matched by
/// email: a portal user can type any address, and matching would show them
/// someone else's cases.
async fn staff_entered_customer(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    details: CustomerDetails,
    now: DateTime<Utc>,
) -> Result<FiledUnder> {
    if let Some(email) = &details.email {
        let existing = customer::Entity::find()
            .filter(customer::Column::CouncilId.eq(council_id))
            .filter(customer::Column::Email.eq(email.clone()))
            .filter(customer::Column::PortalSubject.is_null())
            .one(db)
            .await?;
        if let Some(found) = existing {
            return Ok(FiledUnder::Known(found.id));
        }
    }
    Ok(FiledUnder::New(new_customer(
        council_id, None, details, now,
    )))
}

fn new_customer(
    council_id: Uuid,
    portal_subject: Option<String>,
    details: CustomerDetails,
    now: DateTime<Utc>,
) -> customer::Model {
    customer::Model {
        id: Uuid::now_v7(),
        council_id,
        portal_subject,
        name: details.name,
        email: details.email,
        phone: details.phone,
        address: details.address,
        preferred_channel: details.preferred_channel,
        reasonable_adjustments: details.reasonable_adjustments,
        created_at: now,
    }
}
