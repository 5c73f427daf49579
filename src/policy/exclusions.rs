//! A council's exclusion categories: one table the script declares in
//! `exclusions()`, each row the category's key, its label for staff, the
//! reason recorded on the case, the signpost and the paragraph cited. The
//! host applies the table when a contact is logged, before the script's
//! `intake` hook, so a category is written once and decided in one place.
//!
//! A row written before the table carried reasons (only `key` and `label`)
//! leaves the contact to `intake`, as published versions of that age expect;
//! validation refuses such a row in a script being published.

use std::collections::{HashMap, HashSet};

use entity::enums::ContactKind;
use rhai::Dynamic;
use sea_orm::ActiveEnum;
use serde::Deserialize;

use super::{
    calendar,
    compiled::Problem,
    convert,
    hooks::{Contact, EXCLUSIONS, ExclusionOut, INTAKE, IntakeOut},
};

/// The longest `within_days` a row may give: a year.
pub const MAX_WITHIN_DAYS: i64 = 365;
/// What staff may pass as `exclusion` when logging a contact.
const MAX_KEY_CHARS: usize = 64;

/// One row of the table as the script writes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub key: String,
    pub label: String,
    /// The paragraph of the council's document, added in brackets after the
    /// label and the reason.
    #[serde(default)]
    pub cite: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub signpost: Option<String>,
    /// Calendar days from receipt within which the customer is told; the
    /// reason then says by which date.
    #[serde(default)]
    pub within_days: Option<i64>,
    /// Kinds of contact that fall in this category whatever staff chose.
    #[serde(default)]
    pub kinds: Vec<ContactKind>,
    /// A yes/no fact about the contact (e.g. `exceptional`) that, when staff
    /// record it, sets the category aside: `intake` decides the contact.
    #[serde(default)]
    pub waived_by: Option<String>,
}

/// The table of one compiled script.
#[derive(Debug, Clone, Default)]
pub struct ExclusionTable {
    /// False when the script has no `exclusions` hook: any category staff
    /// give is then passed to `intake`.
    declared: bool,
    entries: Vec<Entry>,
    categories: Vec<ExclusionOut>,
}

impl ExclusionTable {
    pub fn new(entries: Vec<Entry>) -> Self {
        let categories = entries
            .iter()
            .map(|e| ExclusionOut {
                key: e.key.clone(),
                label: cited(&e.label, e.cite.as_deref()),
            })
            .collect();
        Self {
            declared: true,
            entries,
            categories,
        }
    }

    /// The categories staff may choose, labels with their paragraph.
    pub fn categories(&self) -> &[ExclusionOut] {
        &self.categories
    }

    /// The out-of-scope answer for `contact` when a category applies to it,
    /// `None` when `intake` decides. An unknown category is an error.
    pub fn decide(&self, contact: &Contact) -> Result<Option<IntakeOut>, Problem> {
        if !self.declared {
            return Ok(None);
        }
        let entry = match self
            .entries
            .iter()
            .find(|e| e.kinds.contains(&contact.kind))
        {
            Some(entry) => entry,
            None => match contact.exclusion.as_deref().filter(|k| !k.is_empty()) {
                None => return Ok(None),
                Some(key) => self
                    .entries
                    .iter()
                    .find(|e| e.key == key)
                    .ok_or_else(|| self.unknown(key))?,
            },
        };
        let waived = entry
            .waived_by
            .as_deref()
            .is_some_and(|name| flag(contact, name) == Some(true));
        let Some(reason) = entry.reason.as_deref().filter(|_| !waived) else {
            return Ok(None);
        };
        let reason = match entry.within_days {
            Some(days) => {
                let by = calendar::add_calendar_days(contact.received, days);
                let unit = if days == 1 { "day" } else { "days" };
                format!(
                    "{reason} within {days} {unit} of receipt on {}, by {}",
                    calendar::format_date(contact.received),
                    calendar::format_date(by)
                )
            }
            None => reason.to_owned(),
        };
        Ok(Some(IntakeOut {
            stage: None,
            in_scope: false,
            reason: Some(cited(&reason, entry.cite.as_deref())),
            signpost: entry.signpost.clone(),
            deadlines: Vec::new(),
            requirements: Vec::new(),
        }))
    }

    /// [`Self::decide`] for a script test's input, a contact map with the
    /// plain defaults filled in.
    pub fn decide_for_test(&self, input: &Dynamic) -> Result<Option<IntakeOut>, Problem> {
        if !self.declared {
            return Ok(None);
        }
        let json = convert::to_json(input, "input").map_err(Problem::new)?;
        let contact: Contact = serde_json::from_value(json)
            .map_err(|e| Problem::new(format!("the test's contact cannot be logged: {e}")))?;
        self.decide(&contact)
    }

    fn unknown(&self, key: &str) -> Problem {
        let keys: Vec<&str> = self.entries.iter().map(|e| e.key.as_str()).collect();
        let mut problem = Problem::new(format!(
            "unknown exclusion `{key}`: not one of this policy's categories ({})",
            keys.join(", ")
        ));
        problem.hook = Some(INTAKE.to_owned());
        problem
    }

    /// What is wrong with the table, each problem at the row's `key`.
    pub fn problems(&self, source: &str) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut keys = HashSet::new();
        let mut kinds: HashMap<ContactKind, &str> = HashMap::new();
        for (i, e) in self.entries.iter().enumerate() {
            // A key written twice is reported at the row that repeats it.
            let nth = self.entries[..i].iter().filter(|o| o.key == e.key).count();
            let at = position_of_key(source, &e.key, nth);
            let mut say = |message: String| {
                let mut problem = Problem::new(format!("exclusion `{}`: {message}", e.key));
                problem.hook = Some(EXCLUSIONS.to_owned());
                (problem.line, problem.column) = at;
                problems.push(problem);
            };
            if !is_key(&e.key) {
                say(format!(
                    "the key must be lowercase letters and underscores, at most {MAX_KEY_CHARS}, \
                     as staff pass it when logging a contact"
                ));
            }
            if !keys.insert(e.key.as_str()) {
                say("listed more than once; write each category once".to_owned());
            }
            for (field, value) in [
                ("label", Some(&e.label)),
                ("reason", e.reason.as_ref()),
                ("signpost", e.signpost.as_ref()),
            ] {
                match value {
                    None => say(format!(
                        "has no `{field}`; every category needs a label for staff, the reason \
                         recorded on the case and a signpost for the customer"
                    )),
                    Some(text) if text.trim().is_empty() => say(format!("`{field}` is empty")),
                    Some(_) => {}
                }
            }
            if e.cite.as_deref().is_some_and(|c| c.trim().is_empty()) {
                say("`cite` is empty; leave it out or name the paragraph".to_owned());
            }
            if let Some(days) = e.within_days
                && !(1..=MAX_WITHIN_DAYS).contains(&days)
            {
                say(format!(
                    "`within_days` is {days}; it must be 1 to {MAX_WITHIN_DAYS} calendar days"
                ));
            }
            if let Some(name) = &e.waived_by
                && flag(&Contact::default(), name).is_none()
            {
                say(format!(
                    "`waived_by` names `{name}`, which is not a yes/no fact about the contact; \
                     one of: {}",
                    FLAGS.join(", ")
                ));
            }
            for kind in &e.kinds {
                if let Some(other) = kinds.insert(*kind, &e.key) {
                    say(format!(
                        "contacts of kind `{}` are already in category `{other}`",
                        kind.to_value()
                    ));
                }
            }
        }
        problems
    }
}

fn cited(text: &str, cite: Option<&str>) -> String {
    match cite {
        Some(cite) => format!("{text} ({cite})"),
        None => text.to_owned(),
    }
}

fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key.chars().count() <= MAX_KEY_CHARS
        && key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
}

/// Where the `nth` row with this key writes `key: "..."`, when it is a plain
/// string there.
fn position_of_key(source: &str, key: &str, nth: usize) -> (Option<usize>, Option<usize>) {
    let quoted = format!("\"{key}\"");
    source
        .match_indices(&quoted)
        .map(|(at, _)| at)
        .filter(|&at| source[..at].trim_end().ends_with("key:"))
        .nth(nth)
        .map(|at| {
            let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
            (
                Some(source[..at].matches('\n').count() + 1),
                Some(source[line_start..at].chars().count() + 1),
            )
        })
        .unwrap_or((None, None))
}

/// The yes/no facts about a contact a row may be `waived_by`.
const FLAGS: &[&str] = &[
    "anonymous",
    "discrimination",
    "about_staff",
    "multi_service",
    "via_councillor",
    "exceptional",
    "reply_expected",
    "stage2_first_instance",
    "simple_matter",
    "representative",
    "about_senior_officer",
    "written",
    "complaint",
];

fn flag(contact: &Contact, name: &str) -> Option<bool> {
    Some(match name {
        "anonymous" => contact.anonymous,
        "discrimination" => contact.discrimination,
        "about_staff" => contact.about_staff,
        "multi_service" => contact.multi_service,
        "via_councillor" => contact.via_councillor,
        "exceptional" => contact.exceptional,
        "reply_expected" => contact.reply_expected,
        "stage2_first_instance" => contact.stage2_first_instance,
        "simple_matter" => contact.simple_matter,
        "representative" => contact.representative,
        "about_senior_officer" => contact.about_senior_officer,
        "written" => contact.written(),
        "complaint" => contact.kind.is_complaint(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_yes_no_fact_a_script_sees_can_waive_a_category() {
        let map = Contact::default().to_map();
        let bools: HashSet<&str> = map
            .iter()
            .filter(|(_, v)| v.is_bool())
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(bools, FLAGS.iter().copied().collect());
        assert!(FLAGS.iter().all(|f| flag(&Contact::default(), f).is_some()));
    }

    #[test]
    fn a_key_is_found_where_the_row_writes_it() {
        let source = "fn exclusions() {\n    [\n        #{ key: \"school\", label: \"x\" },\n        #{ key: \"school\", label: \"y\" },\n    ]\n}\n// exclusion: \"school\"\n";
        assert_eq!(position_of_key(source, "school", 0), (Some(3), Some(17)));
        assert_eq!(position_of_key(source, "school", 1), (Some(4), Some(17)));
        assert_eq!(position_of_key(source, "school", 2), (None, None));
        assert_eq!(position_of_key(source, "other", 0), (None, None));
    }
}
