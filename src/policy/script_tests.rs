//! How a script's own tests are read: what a test leaves out of its input is
//! a plain contact's, with the facts the host derives from the kind and
//! channel following what the test gave; the answer is compared as the host
//! reads it.

use entity::enums::{Channel, ContactKind};

use super::{CompiledPolicy, Contact};

/// The number of tests run and the failures' messages.
fn run(source: &str) -> (usize, Vec<String>) {
    let (_, report) = CompiledPolicy::validate("test", source);
    (
        report.tests_run,
        report.problems.iter().map(ToString::to_string).collect(),
    )
}

const READS_DERIVED_FACTS: &str = r#"
fn intake(c) {
    if !c.complaint { return #{ stage: () }; }
    #{ stage: if c.written { "stage_1" } else { "informal" } }
}
"#;

#[test]
fn a_test_sees_the_facts_of_the_kind_and_channel_it_gives() {
    let source = format!(
        r#"{READS_DERIVED_FACTS}
fn tests() {{ [
    #{{ name: "a compliment", hook: "intake", input: #{{ kind: "compliment" }},
        expect: #{{ stage: () }} }},
    #{{ name: "an FOI complaint", hook: "intake", input: #{{ kind: "foi_complaint" }},
        expect: #{{ stage: "stage_1" }} }},
    #{{ name: "by phone", hook: "intake", input: #{{ channel: "phone" }},
        expect: #{{ stage: "informal" }} }},
    #{{ name: "stated outright", hook: "intake",
        input: #{{ kind: "compliment", complaint: true, channel: "phone", written: true }},
        expect: #{{ stage: "stage_1" }} }},
] }}"#
    );
    assert_eq!(run(&source), (4, vec![]));
}

#[test]
fn a_test_expecting_the_plain_contacts_facts_for_another_kind_fails() {
    let source = format!(
        r#"{READS_DERIVED_FACTS}
fn tests() {{ [
    #{{ name: "a compliment", hook: "intake", input: #{{ kind: "compliment" }},
        expect: #{{ stage: "stage_1" }} }},
] }}"#
    );
    let (run, failures) = run(&source);
    assert_eq!(run, 1);
    assert!(failures[0].contains("stage"), "{failures:?}");
}

#[test]
fn an_answer_that_leaves_keys_to_their_defaults_is_tested_with_them() {
    let source = r#"
fn intake(c) { #{ stage: "stage_1" } }
fn tests() { [
    #{ name: "defaults", hook: "intake", input: #{},
       expect: #{ stage: "stage_1", in_scope: true, reason: (), deadlines: [] } },
    #{ name: "wrong", hook: "intake", input: #{}, expect: #{ in_scope: false } },
] }"#;
    let (run, failures) = run(source);
    assert_eq!(run, 2);
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].contains("in_scope"), "{failures:?}");
}

#[test]
fn a_live_contact_carries_the_host_reading_of_its_kind_and_channel() {
    for (kind, complaint) in [
        (ContactKind::Complaint, true),
        (ContactKind::FoiComplaint, true),
        (ContactKind::EirComplaint, true),
        (ContactKind::Compliment, false),
        (ContactKind::Comment, false),
        (ContactKind::Suggestion, false),
    ] {
        let map = Contact {
            kind,
            channel: Channel::Phone,
            ..Contact::default()
        }
        .to_map();
        assert_eq!(map["complaint"].as_bool(), Ok(complaint), "{kind:?}");
        assert_eq!(map["written"].as_bool(), Ok(false), "{kind:?}");
    }
}
