//! A new contact, validated by construction: once a `NewContact` exists every
//! field is within the limits below.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::enums::{Channel, ContactKind};
use serde::Serialize;

pub use crate::domain::text::{optional_text, required_text};
use crate::{
    auth::Actor,
    domain::{
        cases::audience::Audience,
        text::{
            ADDRESS_MAX_CHARS, EMAIL_MAX_CHARS, LINE_MAX_CHARS, NARRATIVE_MAX_CHARS,
            NOTE_MAX_CHARS, PHONE_MAX_CHARS,
        },
    },
    error::{AppError, Result},
};

/// Clocks on customer devices and mail scanners drift; beyond this a receipt
/// time in the future is a mistake.
const FUTURE_SKEW: Duration = Duration::seconds(120);
const EARLIEST_RECEIPT: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();

#[derive(Debug, Clone, Default, Serialize)]
pub struct CustomerDetails {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub preferred_channel: Option<Channel>,
    pub reasonable_adjustments: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ContactFlags {
    pub discrimination: bool,
    pub about_staff: bool,
    pub multi_service: bool,
}

#[derive(Debug, Clone)]
pub struct NewContact {
    pub kind: ContactKind,
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub subject: String,
    pub description: String,
    pub service: Option<String>,
    pub desired_outcome: Option<String>,
    pub anonymous: bool,
    pub customer: Option<CustomerDetails>,
    pub via_councillor: Option<String>,
    pub respond_to_councillor: bool,
    pub flags: ContactFlags,
    pub scope: ScopeHints,
}

/// What staff tell the council's policy when logging: the policy decides
/// scope and stage from these.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScopeHints {
    /// When the customer first knew of the matter (for 12-month rules).
    pub issue_date: Option<NaiveDate>,
    /// Staff record that discretion applies to an old matter (12-month rules).
    pub exceptional: bool,
    /// A comment or suggestion whose customer expects a reply, or one staff
    /// feel appropriate.
    pub reply_expected: bool,
    /// Exceptional circumstances take the complaint to stage 2 in the first
    /// instance.
    pub stage2_first_instance: bool,
    /// Staff judge at the first point of contact that simple steps or an
    /// apology can put it right.
    pub simple_matter: bool,
    /// Made by someone acting on the customer's behalf.
    pub representative: bool,
    /// About the behaviour of a director or senior manager.
    pub about_senior_officer: bool,
    /// One of the council's exclusion categories (see its policy), if any applies.
    pub exclusion: Option<String>,
}

/// What the caller sent, before any check. Serialised, it is what an
/// idempotency key's input hash is taken over.
#[derive(Debug, Clone, Serialize)]
pub struct ContactDraft {
    pub kind: ContactKind,
    /// Staff say how it came in; customers and councillors leave it out.
    pub channel: Option<Channel>,
    /// Staff may backdate; customers and councillors leave it out.
    pub received_at: Option<DateTime<Utc>>,
    pub subject: String,
    pub description: String,
    pub service: Option<String>,
    pub desired_outcome: Option<String>,
    pub anonymous: bool,
    pub customer: Option<CustomerDetails>,
    pub via_councillor: Option<String>,
    pub respond_to_councillor: Option<bool>,
    pub flags: ContactFlags,
    pub scope: ScopeHints,
}

impl NewContact {
    /// Checks what `caller` sent. Staff record what the customer told them;
    /// a customer on the portal and a councillor speak for themselves, so
    /// the server's clock and their own channel are the facts, and what only
    /// staff may record is refused rather than used.
    pub fn from_caller(draft: ContactDraft, caller: &Actor, now: DateTime<Utc>) -> Result<Self> {
        let draft = match Audience::of(caller) {
            Audience::Staff => draft,
            Audience::Customer => self_reported(draft, Channel::Web, None, now)?,
            Audience::Councillor => {
                let member = caller
                    .name
                    .clone()
                    .unwrap_or_else(|| caller.subject.clone());
                self_reported(draft, Channel::Councillor, Some(member), now)?
            }
        };
        Self::parse(draft, now)
    }

    /// Checks a contact as staff record it.
    pub fn parse(draft: ContactDraft, now: DateTime<Utc>) -> Result<Self> {
        let channel = draft.channel.ok_or_else(|| {
            AppError::bad_input("channel", "say how the contact came in (channel)")
        })?;
        let received_at = received_at(draft.received_at.unwrap_or(now), now)?;
        let subject = required_text("subject", draft.subject, LINE_MAX_CHARS)?;
        let description = required_text("description", draft.description, NARRATIVE_MAX_CHARS)?;
        let desired_outcome =
            optional_text("desiredOutcome", draft.desired_outcome, NOTE_MAX_CHARS)?;
        let via_councillor = optional_text("viaCouncillor", draft.via_councillor, LINE_MAX_CHARS)?;
        let service = optional_text("service", draft.service, crate::domain::text::KEY_MAX_CHARS)?;
        let customer = match draft.customer {
            Some(details) => Some(customer_details(details)?),
            None => None,
        };
        if draft.anonymous && customer.as_ref().is_some_and(has_identity) {
            return Err(AppError::bad_input(
                "anonymous",
                "an anonymous contact cannot carry the customer's name, email, phone or address",
            ));
        }
        if channel == Channel::Councillor && via_councillor.is_none() {
            return Err(AppError::bad_input(
                "viaCouncillor",
                "a contact through a councillor or MP needs their name in viaCouncillor",
            ));
        }
        Ok(Self {
            kind: draft.kind,
            channel,
            received_at,
            subject,
            description,
            service,
            desired_outcome,
            anonymous: draft.anonymous,
            customer,
            // The seeds direct responses to the elected member unless they asked otherwise.
            respond_to_councillor: draft
                .respond_to_councillor
                .unwrap_or(via_councillor.is_some()),
            via_councillor,
            flags: draft.flags,
            scope: scope_hints(draft.scope, received_at)?,
        })
    }
}

/// A contact the customer or councillor logs themselves: received now, by
/// `channel`, through `member` when a councillor logs it.
fn self_reported(
    draft: ContactDraft,
    channel: Channel,
    member: Option<String>,
    now: DateTime<Utc>,
) -> Result<ContactDraft> {
    let staff_only = |field: &'static str| {
        AppError::bad_input(
            field,
            format!("{field} is recorded by council staff only; leave it out"),
        )
    };
    if draft.received_at.is_some() {
        return Err(staff_only("receivedAt"));
    }
    if draft.channel.is_some_and(|c| c != channel) {
        return Err(AppError::bad_input(
            "channel",
            format!("a contact you log yourself comes in by {channel:?}; leave channel out"),
        ));
    }
    if draft.via_councillor.is_some() {
        return Err(staff_only("viaCouncillor"));
    }
    if member.is_none() && draft.respond_to_councillor.is_some() {
        return Err(staff_only("respondToCouncillor"));
    }
    if draft.scope.issue_date.is_some() {
        return Err(staff_only("issueDate"));
    }
    if draft.scope.exceptional {
        return Err(staff_only("exceptional"));
    }
    if draft.scope.exclusion.is_some() {
        return Err(staff_only("exclusion"));
    }
    Ok(ContactDraft {
        channel: Some(channel),
        received_at: Some(now),
        via_councillor: member,
        ..draft
    })
}

fn scope_hints(hints: ScopeHints, received_at: DateTime<Utc>) -> Result<ScopeHints> {
    if hints
        .issue_date
        .is_some_and(|d| d > received_at.date_naive())
    {
        return Err(AppError::bad_input(
            "issueDate",
            "issueDate cannot be after the contact was received",
        ));
    }
    let exclusion = optional_text(
        "exclusion",
        hints.exclusion,
        crate::domain::text::KEY_MAX_CHARS,
    )?;
    if let Some(e) = &exclusion
        && !e.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    {
        return Err(AppError::bad_input(
            "exclusion",
            format!("`{e}` is not an exclusion category (snake_case)"),
        ));
    }
    Ok(ScopeHints { exclusion, ..hints })
}

fn has_identity(details: &CustomerDetails) -> bool {
    details.name.is_some()
        || details.email.is_some()
        || details.phone.is_some()
        || details.address.is_some()
}

pub fn received_at(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    if at > now + FUTURE_SKEW {
        return Err(AppError::bad_input(
            "receivedAt",
            format!("receivedAt {at} is in the future"),
        ));
    }
    if at.date_naive() < EARLIEST_RECEIPT {
        return Err(AppError::bad_input(
            "receivedAt",
            format!("receivedAt {at} is before {EARLIEST_RECEIPT}"),
        ));
    }
    Ok(at)
}

/// When something happened, as recorded by staff: never in the future,
/// never before the contact was received.
pub fn happened_at(
    field: &'static str,
    at: DateTime<Utc>,
    received_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>> {
    if at > now + FUTURE_SKEW {
        return Err(AppError::bad_input(
            field,
            format!("{field} {at} is in the future"),
        ));
    }
    if at < received_at {
        return Err(AppError::bad_input(
            field,
            format!("{field} {at} is before the contact was received ({received_at})"),
        ));
    }
    Ok(at)
}

fn customer_details(details: CustomerDetails) -> Result<CustomerDetails> {
    let email = optional_text("customer.email", details.email, EMAIL_MAX_CHARS)?;
    if let Some(email) = &email {
        let valid = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !email.chars().any(char::is_whitespace)
        });
        if !valid {
            return Err(AppError::bad_input(
                "customer.email",
                format!("`{email}` is not an email address"),
            ));
        }
    }
    Ok(CustomerDetails {
        name: optional_text("customer.name", details.name, LINE_MAX_CHARS)?,
        email: email.map(|e| e.to_lowercase()),
        phone: optional_text("customer.phone", details.phone, PHONE_MAX_CHARS)?,
        address: optional_text("customer.address", details.address, ADDRESS_MAX_CHARS)?,
        preferred_channel: details.preferred_channel,
        reasonable_adjustments: optional_text(
            "customer.reasonableAdjustments",
            details.reasonable_adjustments,
            NOTE_MAX_CHARS,
        )?,
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn draft() -> ContactDraft {
        ContactDraft {
            kind: ContactKind::Complaint,
            channel: Some(Channel::Email),
            received_at: Some(Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()),
            subject: "  Missed bin  ".into(),
            description: "Not collected three weeks running".into(),
            service: None,
            desired_outcome: None,
            anonymous: false,
            customer: None,
            via_councillor: None,
            respond_to_councillor: None,
            flags: ContactFlags::default(),
            scope: ScopeHints::default(),
        }
    }

    fn caller(roles: &[&str], sub: &str, name: Option<&str>) -> Actor {
        Actor {
            council_id: uuid::Uuid::nil(),
            council_slug: "leeds".into(),
            subject: sub.into(),
            name: name.map(str::to_owned),
            roles: roles.iter().map(|r| r.parse().unwrap()).collect(),
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
    }

    fn field_of(err: AppError) -> &'static str {
        match err {
            AppError::BadUserInput {
                field: Some(field), ..
            } => field,
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_contact_is_trimmed() {
        let contact = NewContact::parse(draft(), now()).unwrap();
        assert_eq!(contact.subject, "Missed bin");
        assert!(!contact.respond_to_councillor);
    }

    #[test]
    fn receipt_in_the_future_is_refused() {
        let mut d = draft();
        d.received_at = Some(now() + Duration::hours(1));
        assert_eq!(
            field_of(NewContact::parse(d, now()).unwrap_err()),
            "receivedAt"
        );
    }

    #[test]
    fn empty_and_oversized_text_is_refused() {
        let mut d = draft();
        d.subject = "   ".into();
        assert_eq!(
            field_of(NewContact::parse(d, now()).unwrap_err()),
            "subject"
        );
        let mut d = draft();
        d.description = "x".repeat(NARRATIVE_MAX_CHARS + 1);
        assert_eq!(
            field_of(NewContact::parse(d, now()).unwrap_err()),
            "description"
        );
    }

    #[test]
    fn anonymous_contacts_carry_no_identity() {
        let mut d = draft();
        d.anonymous = true;
        d.customer = Some(CustomerDetails {
            name: Some("A Person".into()),
            ..Default::default()
        });
        assert_eq!(
            field_of(NewContact::parse(d, now()).unwrap_err()),
            "anonymous"
        );
    }

    #[test]
    fn councillor_channel_needs_the_member_and_replies_go_to_them() {
        let mut d = draft();
        d.channel = Some(Channel::Councillor);
        assert_eq!(
            field_of(NewContact::parse(d.clone(), now()).unwrap_err()),
            "viaCouncillor"
        );
        d.via_councillor = Some("Cllr Jane Smith".into());
        assert!(NewContact::parse(d, now()).unwrap().respond_to_councillor);
    }

    #[test]
    fn malformed_email_is_refused() {
        let mut d = draft();
        d.customer = Some(CustomerDetails {
            email: Some("not-an-email".into()),
            ..Default::default()
        });
        assert_eq!(
            field_of(NewContact::parse(d, now()).unwrap_err()),
            "customer.email"
        );
    }

    #[test]
    fn a_customer_logs_now_by_web_and_may_not_set_staff_facts() {
        let ann = caller(&["customer"], "ann", None);
        let mut d = draft();
        d.channel = None;
        d.received_at = None;
        let contact = NewContact::from_caller(d.clone(), &ann, now()).unwrap();
        assert_eq!(contact.channel, Channel::Web);
        assert_eq!(contact.received_at, now());
        assert!(contact.via_councillor.is_none());
        let refused = |change: fn(&mut ContactDraft)| {
            let mut d = d.clone();
            change(&mut d);
            field_of(NewContact::from_caller(d, &ann, now()).unwrap_err())
        };
        assert_eq!(
            refused(|d| d.received_at = Some(now() - Duration::days(365))),
            "receivedAt"
        );
        assert_eq!(
            refused(|d| d.channel = Some(Channel::Councillor)),
            "channel"
        );
        assert_eq!(
            refused(|d| d.via_councillor = Some("Cllr X".into())),
            "viaCouncillor"
        );
        assert_eq!(
            refused(|d| d.respond_to_councillor = Some(true)),
            "respondToCouncillor"
        );
        assert_eq!(refused(|d| d.scope.exceptional = true), "exceptional");
        assert_eq!(
            refused(|d| d.scope.exclusion = Some("legal".into())),
            "exclusion"
        );
        assert_eq!(
            refused(|d| d.scope.issue_date = NaiveDate::from_ymd_opt(2025, 1, 1)),
            "issueDate"
        );
        d.channel = Some(Channel::Web);
        assert!(
            NewContact::from_caller(d, &ann, now()).is_ok(),
            "their own channel may be named"
        );
    }

    #[test]
    fn a_councillors_contact_comes_through_them_now() {
        let member = caller(&["councillor"], "cllr-9", Some("Cllr Patel"));
        let mut d = draft();
        d.channel = None;
        d.received_at = None;
        let contact = NewContact::from_caller(d.clone(), &member, now()).unwrap();
        assert_eq!(contact.channel, Channel::Councillor);
        assert_eq!(contact.received_at, now());
        assert_eq!(contact.via_councillor.as_deref(), Some("Cllr Patel"));
        assert!(contact.respond_to_councillor);
        d.received_at = Some(now() - Duration::days(365));
        assert_eq!(
            field_of(NewContact::from_caller(d, &member, now()).unwrap_err()),
            "receivedAt"
        );
    }

    #[test]
    fn staff_say_how_it_came_in() {
        let mut d = draft();
        d.channel = None;
        assert_eq!(
            field_of(NewContact::parse(d, now()).unwrap_err()),
            "channel"
        );
    }
}
