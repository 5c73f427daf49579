//! Who reads a case, and what each reader is told of it.
//!
//! Council staff see everything. The complainant (a customer on the portal)
//! sees their own contact, what the council told them and what they asked
//! for, never staff names, internal notes, checks or designations. A
//! councillor sees where a case they raised stands (status, stage, outcome,
//! dates), never the complainant's words, remedies or anything internal.
//! The timeline and live updates both ask `event_view`, so a reader is told
//! the same of a step wherever they read it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{
    auth::{Actor, Role},
    domain::cases::events::EventKind,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Audience {
    Staff,
    Customer,
    Councillor,
}

impl Audience {
    /// The narrowest reading wins for a caller holding several roles, except
    /// that any case-staff role makes them staff.
    pub fn of(actor: &Actor) -> Self {
        if actor.is_case_staff() {
            Audience::Staff
        } else if actor.has(Role::Councillor) {
            Audience::Councillor
        } else {
            Audience::Customer
        }
    }

    pub fn is_staff(self) -> bool {
        self == Audience::Staff
    }

    /// The complainant's own words and details: staff and the complainant.
    pub fn sees_complainant(self) -> bool {
        self != Audience::Councillor
    }
}

/// What one reader is told of a timeline step.
#[derive(Debug, Clone, PartialEq)]
pub struct EventView {
    pub summary: String,
    pub data: Value,
}

/// What `audience` is told of a step of `kind` (stored name) whose staff
/// summary and data are given; `None` when the step is internal to them.
pub fn event_view(
    audience: Audience,
    kind: &str,
    summary: &str,
    data: &Value,
) -> Option<EventView> {
    if audience.is_staff() {
        return Some(EventView {
            summary: summary.to_owned(),
            data: data.clone(),
        });
    }
    let kind = EventKind::parse(kind)?;
    let shown = match audience {
        Audience::Customer => disclosure(kind).customer?,
        _ => disclosure(kind).councillor?,
    };
    Some(EventView {
        summary: outside_summary(kind, data),
        data: only(data, shown),
    })
}

/// Which `data` keys each outside reader gets of a step; `None`: the step is
/// not shown to them at all.
struct Disclosure {
    customer: Option<&'static [&'static str]>,
    councillor: Option<&'static [&'static str]>,
}

const INTERNAL: Disclosure = Disclosure {
    customer: None,
    councillor: None,
};

/// The one table of who outside the council hears of each kind of step.
fn disclosure(kind: EventKind) -> Disclosure {
    use EventKind::*;
    let both = |customer, councillor| Disclosure {
        customer: Some(customer),
        councillor: Some(councillor),
    };
    match kind {
        ContactLogged => both(
            &[
                "kind",
                "channel",
                "stage",
                "inScope",
                "scopeReason",
                "signpost",
                "deadlines",
            ],
            &["kind", "channel", "stage", "inScope"],
        ),
        // What the acknowledgement told the customer, including whom to contact.
        Acknowledged => both(
            &["channel", "handler", "contact", "expectedBy"],
            &["expectedBy"],
        ),
        HoldingResponse => both(&["reason", "expectedBy"], &["expectedBy"]),
        DeadlineExtended => both(&["kind", "from", "to"], &["kind", "from", "to"]),
        InformalResolution => both(&["resolved"], &["resolved"]),
        // The response itself goes to the customer: its text and remedies.
        Responded => both(
            &[
                "stage",
                "outcome",
                "summary",
                "sentTo",
                "nextStage",
                "ombudsman",
                "remedies",
                "deadlines",
            ],
            &["stage", "outcome", "nextStage", "ombudsman"],
        ),
        // The customer's own request; the councillor learns only that it moved.
        EscalationRequested => both(
            &["reasons", "desiredOutcome", "from", "to", "deadlines"],
            &["from", "to"],
        ),
        Stage2Assessed => both(&["decision", "reason", "signpost"], &["decision"]),
        OmbudsmanEnquiry => both(&["ombudsman", "reference"], &["ombudsman"]),
        OmbudsmanReply => both(&[], &[]),
        OmbudsmanOutcome => both(&["ombudsman", "outcome"], &["ombudsman", "outcome"]),
        OutOfScope => both(&["reason", "signpost"], &["reason", "signpost"]),
        Converted => both(&["from", "to"], &["from", "to"]),
        Withdrawn | Closed | Reopened => both(&[], &[]),
        // What the policy decided once it could; never why it failed first.
        PolicyDecided => both(&["stage", "deadlines"], &["stage"]),
        PortalLinked => Disclosure {
            customer: Some(&[]),
            councillor: None,
        },
        // Remedies are the complainant's business, not the councillor's.
        RemedyCompleted => Disclosure {
            customer: Some(&["kind"]),
            councillor: None,
        },
        InvestigatorAssigned
        | ReviewerAppointed
        | RequirementMet
        | NotInvestigated
        | RemedyRecorded
        | RemedyApproved
        | LearningRecorded
        | DeadlineBreached
        | HoldingResponseDue
        | RestrictedContactChecked
        | PersistentDesignated
        | PersistentReviewed
        | PolicyFailed => INTERNAL,
    }
}

/// The summary outside readers get: built from the step's facts, never
/// from staff's free text, names or amounts.
fn outside_summary(kind: EventKind, data: &Value) -> String {
    use EventKind::*;
    let word = |key: &str| data.get(key).and_then(Value::as_str).map(humane);
    let stage = || word("stage").unwrap_or_else(|| "this stage".into());
    match kind {
        ContactLogged => {
            let what = word("kind").unwrap_or_else(|| "contact".into());
            if data.get("inScope") == Some(&Value::Bool(false)) {
                format!("{} received: out of scope", capitalised(&what))
            } else {
                format!("{} received", capitalised(&what))
            }
        }
        Acknowledged => "Acknowledged".into(),
        HoldingResponse => match word("expectedBy") {
            Some(by) => format!("Update sent: answer expected by {by}"),
            None => "Update sent".into(),
        },
        DeadlineExtended => match (word("kind"), word("to")) {
            (Some(what), Some(to)) => format!("{} deadline extended to {to}", capitalised(&what)),
            _ => "Deadline extended".into(),
        },
        InformalResolution => {
            if data.get("resolved") == Some(&Value::Bool(true)) {
                "Resolved at the first point of contact".into()
            } else {
                "Not resolved informally: taken on as a formal complaint".into()
            }
        }
        Responded => match word("outcome") {
            Some(outcome) => format!("Responded at {} ({outcome})", stage()),
            None => format!("Responded at {}", stage()),
        },
        EscalationRequested => match word("to") {
            Some(to) => format!("Escalation to {to} requested"),
            None => "Escalation requested".into(),
        },
        Stage2Assessed => match data.get("decision").and_then(Value::as_str) {
            Some("refer_back") => "Referred back to the service at stage 1".into(),
            Some("decline") => "Stage 2 declined".into(),
            _ => "Stage 2 investigation accepted".into(),
        },
        OmbudsmanEnquiry => "The ombudsman opened an enquiry".into(),
        OmbudsmanReply => "The council replied to the ombudsman".into(),
        OmbudsmanOutcome => match word("outcome") {
            Some(outcome) => format!("Ombudsman decision: {outcome}"),
            None => "Ombudsman decision".into(),
        },
        OutOfScope => "Found out of scope".into(),
        Converted => match word("to") {
            Some(to) => format!("Treated as a {to}"),
            None => "Contact type changed".into(),
        },
        Withdrawn => "Withdrawn".into(),
        Closed => "Closed".into(),
        Reopened => "Reopened".into(),
        PortalLinked => "Linked to your portal account".into(),
        PolicyDecided => format!("Taken on at {}", stage()),
        RemedyCompleted => match word("kind") {
            Some(what) => format!("Remedy carried out: {what}"),
            None => "Remedy carried out".into(),
        },
        _ => "Updated".into(),
    }
}

fn only(data: &Value, keys: &[&str]) -> Value {
    let mut kept = Map::new();
    for key in keys {
        if let Some(value) = data.get(*key).filter(|v| !v.is_null()) {
            kept.insert((*key).to_owned(), value.clone());
        }
    }
    Value::Object(kept)
}

/// `partly_upheld` → `partly upheld`, `stage_1` → `stage 1`.
fn humane(stored: &str) -> String {
    stored.replace('_', " ")
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_kind_has_an_entry_and_internal_steps_stay_internal() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
            let data = json!({});
            for audience in [Audience::Customer, Audience::Councillor] {
                let view = event_view(audience, kind.as_str(), "staff text", &data);
                if let Some(view) = view {
                    assert_ne!(view.summary, "staff text", "{kind:?} to {audience:?}");
                }
            }
        }
        let designated = event_view(
            Audience::Customer,
            "persistent_designated",
            "Customer designated persistent",
            &json!({}),
        );
        assert_eq!(designated, None);
    }

    #[test]
    fn a_response_is_told_to_each_reader_differently() {
        let data = json!({
            "stage": "stage_1", "outcome": "partly_upheld", "summary": "We are sorry",
            "remedies": [{ "kind": "goodwill_payment", "amountPence": 777 }], "learningPoints": 2,
        });
        let staff = event_view(Audience::Staff, "responded", "staff", &data).unwrap();
        assert_eq!(staff.data, data);
        let councillor = event_view(Audience::Councillor, "responded", "staff", &data).unwrap();
        assert_eq!(councillor.summary, "Responded at stage 1 (partly upheld)");
        assert_eq!(
            councillor.data,
            json!({ "stage": "stage_1", "outcome": "partly_upheld" })
        );
        let customer = event_view(Audience::Customer, "responded", "staff", &data).unwrap();
        assert_eq!(customer.data["summary"], "We are sorry");
        assert!(customer.data.get("learningPoints").is_none());
    }

    #[test]
    fn an_unknown_kind_is_shown_to_staff_only() {
        assert!(event_view(Audience::Customer, "something_new", "x", &json!({})).is_none());
        assert!(event_view(Audience::Staff, "something_new", "x", &json!({})).is_some());
    }
}
