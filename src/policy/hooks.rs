//! The hook contract (documented for policy admins in `policies/README.md`):
//! names, the inputs the host builds and the typed answers it expects.

use chrono::NaiveDate;
use entity::enums::{CaseStatus, Channel, ContactKind, DeadlineKind, Ombudsman, Stage};
use rhai::{Dynamic, Map};
use serde::{Deserialize, Serialize};

use super::convert::MapBuilder;

pub const INTAKE: &str = "intake";
pub const ACKNOWLEDGED: &str = "acknowledged";
pub const RESPONDED: &str = "responded";
pub const ESCALATION: &str = "escalation";
pub const EXTENSION: &str = "extension";
pub const HOLDING_RESPONSE: &str = "holding_response";
pub const OMBUDSMAN: &str = "ombudsman";
pub const PERSISTENT_REVIEW: &str = "persistent_review";
pub const GOODWILL_LIMIT: &str = "goodwill_limit";
pub const SENIORITIES: &str = "seniorities";
pub const CAN_CLOSE: &str = "can_close";
pub const REOPENED: &str = "reopened";
pub const REQUIREMENT_MET: &str = "requirement_met";
pub const CALENDAR: &str = "calendar";
pub const EXCLUSIONS: &str = "exclusions";
pub const TESTS: &str = "tests";

/// Every hook with the parameters it takes.
pub const HOOKS: &[(&str, &[&str])] = &[
    (INTAKE, &["contact"]),
    (ACKNOWLEDGED, &["case"]),
    (RESPONDED, &["case"]),
    (ESCALATION, &["case", "request"]),
    (EXTENSION, &["case", "ext"]),
    (HOLDING_RESPONSE, &["case"]),
    (OMBUDSMAN, &["case", "enquiry"]),
    (PERSISTENT_REVIEW, &["designation"]),
    (GOODWILL_LIMIT, &["officer"]),
    (SENIORITIES, &[]),
    (CAN_CLOSE, &["case"]),
    (REOPENED, &["case"]),
    (REQUIREMENT_MET, &["case", "requirement"]),
    (CALENDAR, &[]),
    (EXCLUSIONS, &[]),
    (TESTS, &[]),
];

/// What the host tells a script about a contact being logged.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct Contact {
    pub kind: ContactKind,
    pub channel: Channel,
    pub received: NaiveDate,
    pub today: NaiveDate,
    pub service: Option<String>,
    pub anonymous: bool,
    pub discrimination: bool,
    pub about_staff: bool,
    pub multi_service: bool,
    pub via_councillor: bool,
    pub issue_date: Option<NaiveDate>,
    pub exceptional: bool,
    pub reply_expected: bool,
    pub stage2_first_instance: bool,
    pub simple_matter: bool,
    pub representative: bool,
    pub about_senior_officer: bool,
    pub exclusion: Option<String>,
}

impl Default for Contact {
    fn default() -> Self {
        let today = chrono::Utc::now().date_naive();
        Self {
            kind: ContactKind::Complaint,
            channel: Channel::Email,
            received: today,
            today,
            service: None,
            anonymous: false,
            discrimination: false,
            about_staff: false,
            multi_service: false,
            via_councillor: false,
            issue_date: None,
            exceptional: false,
            reply_expected: false,
            stage2_first_instance: false,
            simple_matter: false,
            representative: false,
            about_senior_officer: false,
            exclusion: None,
        }
    }
}

/// The stored (and scripted) name of an enumeration value, e.g. `foi_complaint`.
fn stored_name<T: sea_orm::ActiveEnum<Value = String>>(value: &T) -> String {
    value.to_value()
}

impl Contact {
    pub fn written(&self) -> bool {
        written(self.channel)
    }

    pub fn to_map(&self) -> Map {
        MapBuilder::default()
            .str("kind", stored_name(&self.kind))
            .str("channel", stored_name(&self.channel))
            .date("received", self.received)
            .date("today", self.today)
            .opt_str("service", self.service.clone())
            .bool("anonymous", self.anonymous)
            .bool("discrimination", self.discrimination)
            .bool("about_staff", self.about_staff)
            .bool("multi_service", self.multi_service)
            .bool("via_councillor", self.via_councillor)
            .opt_date("issue_date", self.issue_date)
            .bool("exceptional", self.exceptional)
            .bool("reply_expected", self.reply_expected)
            .bool("stage2_first_instance", self.stage2_first_instance)
            .bool("simple_matter", self.simple_matter)
            .bool("representative", self.representative)
            .bool("about_senior_officer", self.about_senior_officer)
            .bool("written", self.written())
            .bool("complaint", self.kind.is_complaint())
            .opt_str("exclusion", self.exclusion.clone())
            .into_map()
    }

    pub fn to_dynamic(&self) -> Dynamic {
        Dynamic::from_map(self.to_map())
    }
}

fn written(channel: Channel) -> bool {
    matches!(channel, Channel::Email | Channel::Web | Channel::Letter)
}

/// Sets the facts the host derives from a contact's kind and channel
/// (`complaint`, `written`) from the `kind` and `channel` in `map`, where
/// `given` (what a script's test wrote) does not state them itself: a test
/// of a compliment must not see the plain contact's `complaint: true`.
pub fn derive_facts(map: &mut Map, given: &Map) {
    use sea_orm::ActiveEnum;
    let read = |key: &str| {
        map.get(key).and_then(|v| {
            v.read_lock::<rhai::ImmutableString>()
                .map(|s| s.to_string())
        })
    };
    let complaint = read("kind")
        .and_then(|k| ContactKind::try_from_value(&k).ok())
        .map(ContactKind::is_complaint);
    let is_written = read("channel")
        .and_then(|c| Channel::try_from_value(&c).ok())
        .map(written);
    for (key, value) in [("complaint", complaint), ("written", is_written)] {
        if let Some(value) = value
            && map.contains_key(key)
            && !given.contains_key(key)
        {
            map.insert(key.into(), value.into());
        }
    }
}

/// The case as later hooks see it: the contact plus where the case stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CaseFacts {
    pub contact: Contact,
    pub stage: Option<Stage>,
    pub status: CaseStatus,
    /// When the current stage began: receipt, or the escalation request.
    pub stage_received: Option<NaiveDate>,
    pub acknowledged: Option<NaiveDate>,
    pub responded: Option<NaiveDate>,
    pub last_update: Option<NaiveDate>,
    pub learning_points: i64,
}

impl CaseFacts {
    pub fn to_map(&self) -> Map {
        let mut map = self.contact.to_map();
        let extra = MapBuilder::default()
            .opt_str("stage", self.stage.map(|s| stored_name(&s)))
            .str("status", stored_name(&self.status))
            .opt_date("stage_received", self.stage_received)
            .opt_date("acknowledged", self.acknowledged)
            .opt_date("responded", self.responded)
            .opt_date("last_update", self.last_update)
            .int("learning_points", self.learning_points)
            .into_map();
        map.extend(extra);
        map
    }
}

/// A case just logged, for dry runs and test defaults.
pub fn plain_case(contact: &Contact) -> Map {
    CaseFacts {
        contact: contact.clone(),
        stage: None,
        status: CaseStatus::Received,
        stage_received: Some(contact.received),
        acknowledged: None,
        responded: None,
        last_update: None,
        learning_points: 0,
    }
    .to_map()
}

/// The case as `can_close` is told of it: how it is about to end,
/// `"closed"` or `"compensation_claim"`.
pub fn closing(mut case: Map, ending: &str) -> Map {
    case.extend(MapBuilder::default().str("ending", ending).into_map());
    case
}

/// The case as `reopened` is told of it: the local date of the reopening and
/// the status it had.
pub fn reopening(mut case: Map, on: NaiveDate, was: &str) -> Map {
    case.extend(
        MapBuilder::default()
            .date("reopened", on)
            .str("was", was)
            .into_map(),
    );
    case
}

/// What `escalation` is told of the customer's request for the next stage.
pub fn escalation_request(received: NaiveDate, verbal: bool, discretion: bool) -> Map {
    MapBuilder::default()
        .date("received", received)
        .bool("verbal", verbal)
        .bool("discretion", discretion)
        .into_map()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineOut {
    pub kind: DeadlineKind,
    pub due: NaiveDate,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementOut {
    pub key: String,
    pub label: String,
    #[serde(default)]
    pub before: Vec<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeOut {
    #[serde(default)]
    pub stage: Option<Stage>,
    #[serde(default = "yes")]
    pub in_scope: bool,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub signpost: Option<String>,
    #[serde(default)]
    pub deadlines: Vec<DeadlineOut>,
    #[serde(default)]
    pub requirements: Vec<RequirementOut>,
}

impl IntakeOut {
    /// The documented default when a script has no `intake` hook.
    pub fn default_for(kind: ContactKind) -> Self {
        Self {
            stage: kind.is_complaint().then_some(Stage::Stage1),
            in_scope: true,
            reason: None,
            signpost: None,
            deadlines: Vec::new(),
            requirements: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlinesOut {
    #[serde(default)]
    pub deadlines: Vec<DeadlineOut>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RespondedOut {
    #[serde(default)]
    pub next_stage: Option<Stage>,
    #[serde(default)]
    pub deadlines: Vec<DeadlineOut>,
    #[serde(default)]
    pub ombudsman: Option<Ombudsman>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationOut {
    pub allowed: bool,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub stage: Option<Stage>,
    #[serde(default)]
    pub deadlines: Vec<DeadlineOut>,
    #[serde(default)]
    pub requirements: Vec<RequirementOut>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionOut {
    pub allowed: bool,
    #[serde(default)]
    pub max_due: Option<NaiveDate>,
    #[serde(default)]
    pub needs_customer_agreement: bool,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueOut {
    pub due: NaiveDate,
    #[serde(default)]
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewOut {
    pub review_by: NaiveDate,
    #[serde(default)]
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseOut {
    pub allowed: bool,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarOut {
    #[serde(default)]
    pub closures: Vec<NaiveDate>,
}

/// A category of contact the council's document does not handle under its
/// complaints policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExclusionOut {
    pub key: String,
    pub label: String,
}
