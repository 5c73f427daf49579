//! Logging a contact: the first step of every case.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Europe::London;
use entity::{case, case_event, customer, enums::CaseStatus};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait, IntoActiveModel, QueryFilter, QueryTrait,
    sea_query::{Alias, CommonTableExpression, InsertStatement, WithClause},
};
use serde_json::json;
use tracing::instrument;
use uuid::Uuid;

use super::{
    contact::{CustomerDetails, NewContact},
    councils::Council,
    deadlines,
    events::{self, EventKind, NewEvent},
    feed::{CaseChanged, CaseFeed},
    persistent, reference,
};
use crate::{
    auth::{Actor, Role},
    db,
    error::{AppError, Result},
    policy::{self, IntakeDecision, PolicyRegistry},
};

/// Who may log a contact: staff who receive them, councillors for their
/// constituents, and customers for themselves. Policy admins may not.
pub const MAY_LOG: &[Role] = &[
    Role::Customer,
    Role::Frontline,
    Role::InvestigatingOfficer,
    Role::Dcro,
    Role::CustomerFeedbackManager,
    Role::Councillor,
];

#[instrument(skip_all, fields(council = %council.slug))]
pub async fn log_contact(
    db: &DatabaseConnection,
    feed: &CaseFeed,
    council: &Council,
    actor: &Actor,
    policies: &PolicyRegistry,
    contact: NewContact,
    now: DateTime<Utc>,
) -> Result<case::Model> {
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
    let via_councillor = contact.via_councillor.clone().or_else(|| {
        councillor_subject
            .as_ref()
            .map(|sub| actor.name.clone().unwrap_or_else(|| sub.clone()))
    });

    // The policy runs before the transaction opens: no lock waits on a script.
    let decision = decide(policies, council, &contact, via_councillor.is_some(), now)?;

    let txn = db::begin_write(db).await?;
    // Whether the customer was already on record: only a known customer can
    // carry a persistent-complainant designation.
    let customer = if contact.anonymous {
        None
    } else if acting_as_customer {
        Some(
            portal_customer(
                &txn,
                council.id,
                actor,
                contact.customer.clone().unwrap_or_default(),
                now,
            )
            .await?,
        )
    } else {
        match contact.customer.clone() {
            Some(details) => Some(staff_entered_customer(&txn, council.id, details, now).await?),
            None => None,
        }
    };
    let customer_id = customer.map(|c| c.id);
    let restriction = match customer {
        Some(c) if c.known => persistent::restriction(&txn, council.id, c.id).await?,
        _ => None,
    };

    let year = now.with_timezone(&London).year();
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
        reference: reference::placeholder(id),
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
    let mut inserts =
        vec![case::Entity::insert(model.clone().into_active_model().reset_all()).into_query()];
    if let Some(version) = decision.policy_version {
        inserts.extend(deadlines::insert_statement(
            council.id,
            model.id,
            version,
            &decision.deadlines,
            now,
        ));
    }
    inserts.push(
        case_event::Entity::insert(logged.clone().into_active_model().reset_all()).into_query(),
    );
    insert_together(&txn, inserts).await?;
    if let Some(version) = decision.policy_version {
        super::escalate::insert_requirements(
            &txn,
            council.id,
            model.id,
            version,
            &decision.requirements,
            now,
        )
        .await?;
    }
    if let Some(restriction) = &restriction {
        restriction.require_check(&txn, &model, now).await?;
    }

    let numbered = if txn.get_database_backend() == DbBackend::Postgres {
        None
    } else {
        Some(
            reference::assign_within(&txn, council.id, &council.reference_prefix, year, model.id)
                .await?,
        )
    };
    txn.commit().await?;

    // On PostgreSQL, numbered once committed; see `reference::assign` for
    // why. Should it fail, the case is logged all the same and the sweeper
    // numbers it.
    let numbered = match numbered {
        Some(number) => Ok(number),
        None => reference::assign(db, council.id, &council.reference_prefix, year, model.id).await,
    };
    match numbered {
        Ok(Some(number)) => {
            model.reference = reference::format(&council.reference_prefix, year, number);
            model.reference_year = Some(year);
            model.reference_seq = Some(number);
        }
        // Numbered meanwhile by the sweeper: read what it wrote.
        Ok(None) => {
            if let Some(numbered) = case::Entity::find_by_id(model.id).one(db).await? {
                model.reference = numbered.reference;
                model.reference_year = numbered.reference_year;
                model.reference_seq = numbered.reference_seq;
            }
        }
        Err(err) => tracing::warn!(
            case = %model.id,
            error = %err,
            "case logged but not yet numbered; the sweeper will number it"
        ),
    }
    feed.publish(CaseChanged::new(&model, &logged));
    Ok(model)
}

/// Writes a new case's rows, in order. PostgreSQL takes them as one statement
/// (each round trip is a large share of an intake's cost there; foreign keys
/// are checked at the end of the statement, so the case's own rows may come
/// with it); SQLite, in process, takes them one by one.
async fn insert_together(
    txn: &DatabaseTransaction,
    mut inserts: Vec<InsertStatement>,
) -> Result<()> {
    if txn.get_database_backend() != DbBackend::Postgres || inserts.len() < 2 {
        for insert in &inserts {
            txn.execute(insert).await?;
        }
        return Ok(());
    }
    let last = inserts.pop().expect("two or more statements");
    let mut with = WithClause::new();
    for (i, insert) in inserts.into_iter().enumerate() {
        with.cte(
            CommonTableExpression::new()
                .query(insert)
                .table_name(Alias::new(format!("step{i}")))
                .to_owned(),
        );
    }
    txn.execute(&with.query(last)).await?;
    Ok(())
}

/// Asks the council's active policy (or the documented default) what this
/// contact means: stage, scope, deadlines, requirements.
fn decide(
    policies: &PolicyRegistry,
    council: &Council,
    contact: &NewContact,
    via_councillor: bool,
    now: DateTime<Utc>,
) -> Result<IntakeDecision> {
    let Some(policy) = policies.get(council.id) else {
        return Ok(IntakeDecision::without_policy(contact.kind));
    };
    if let Some(exclusion) = &contact.scope.exclusion {
        check_exclusion(&policy, council, exclusion)?;
    }
    let facts = policy_facts(contact, via_councillor, now);
    IntakeDecision::from_policy(&policy, &facts).map_err(|problem| {
        AppError::PolicyError(format!(
            "{} policy v{}: {problem}",
            council.slug, policy.version
        ))
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
        exclusion: contact.scope.exclusion.clone(),
    }
}

pub fn local_date(at: DateTime<Utc>) -> chrono::NaiveDate {
    at.with_timezone(&London).date_naive()
}

/// The customer a contact is filed under, and whether they were on record
/// before it.
#[derive(Debug, Clone, Copy)]
struct FiledUnder {
    id: Uuid,
    known: bool,
}

impl FiledUnder {
    fn known(id: Uuid) -> Self {
        Self { id, known: true }
    }

    fn new(id: Uuid) -> Self {
        Self { id, known: false }
    }
}

/// A signed-in customer always files under their own record.
async fn portal_customer(
    txn: &impl ConnectionTrait,
    council_id: Uuid,
    actor: &Actor,
    details: CustomerDetails,
    now: DateTime<Utc>,
) -> Result<FiledUnder> {
    let existing = customer::Entity::find()
        .filter(customer::Column::CouncilId.eq(council_id))
        .filter(customer::Column::PortalSubject.eq(actor.subject.clone()))
        .one(txn)
        .await?;
    if let Some(found) = existing {
        return Ok(FiledUnder::known(found.id));
    }
    let details = CustomerDetails {
        name: details.name.or_else(|| actor.name.clone()),
        ..details
    };
    insert_customer(txn, council_id, Some(actor.subject.clone()), details, now)
        .await
        .map(FiledUnder::new)
}

/// Staff entering a contact for a known email reuse that customer's record,
/// so their history stays in one place. Portal records are never matched by
/// email: a portal user can type any address, and matching would show them
/// someone else's cases.
async fn staff_entered_customer(
    txn: &impl ConnectionTrait,
    council_id: Uuid,
    details: CustomerDetails,
    now: DateTime<Utc>,
) -> Result<FiledUnder> {
    if let Some(email) = &details.email {
        let existing = customer::Entity::find()
            .filter(customer::Column::CouncilId.eq(council_id))
            .filter(customer::Column::Email.eq(email.clone()))
            .filter(customer::Column::PortalSubject.is_null())
            .one(txn)
            .await?;
        if let Some(found) = existing {
            return Ok(FiledUnder::known(found.id));
        }
    }
    insert_customer(txn, council_id, None, details, now)
        .await
        .map(FiledUnder::new)
}

async fn insert_customer(
    txn: &impl ConnectionTrait,
    council_id: Uuid,
    portal_subject: Option<String>,
    details: CustomerDetails,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    let row = customer::Model {
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
    };
    let id = row.id;
    customer::Entity::insert(row.into_active_model().reset_all())
        .exec_without_returning(txn)
        .await?;
    Ok(id)
}
