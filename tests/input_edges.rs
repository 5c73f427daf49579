//! Input at its edges: control characters in free text, every text limit at
//! N and N + 1, dates and amounts out of range, id arguments reported under
//! their own names, and variables declared with a type other than the
//! argument's. Each refusal is BAD_USER_INPUT naming the field and writes
//! nothing.

mod common;

use common::*;
use redress::domain::text::{
    ADDRESS_MAX_CHARS, EMAIL_MAX_CHARS, LINE_MAX_CHARS, NARRATIVE_MAX_CHARS, NOTE_MAX_CHARS,
    PHONE_MAX_CHARS, REFERENCE_MAX_CHARS, STATEMENT_MAX_CHARS,
};
use serde_json::{Value, json};

/// Sets `path` (dot-separated) in a JSON object.
fn set(value: &mut Value, path: &str, to: Value) {
    let mut at = value;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            at[part] = to;
            return;
        }
        at = &mut at[part];
    }
}

/// Logs a complaint with one field changed.
async fn log_with(app: &TestApp, field: &str, value: Value) -> Gql {
    let token = app.token("leeds", &["frontline"], "fo");
    let mut input = complaint_input("Edges");
    set(&mut input, field, value);
    app.graphql(Some(&token), LOG_CONTACT, json!({ "input": input }))
        .await
}

fn refused(response: &Gql, field: &str) {
    assert_eq!(
        response.code(),
        "BAD_USER_INPUT",
        "{field}: {}",
        response.body
    );
    assert_eq!(response.field(), Some(field), "{}", response.body);
}

/// Text of exactly `n` characters, several bytes each.
fn chars(n: usize) -> String {
    "é".repeat(n)
}

on_both_databases! {
    async fn control_characters_are_refused_in_free_text(app: TestApp) {
        for field in ["subject", "description", "desiredOutcome", "customer.name", "customer.reasonableAdjustments"] {
            for bad in ["NUL \u{0} here", "escape \u{1b}[2J", "bell \u{7}"] {
                refused(&log_with(&app, field, json!(bad)).await, field);
            }
        }
        assert_eq!(app.case_count("leeds").await, 0, "a refusal writes nothing");

        let kept = log_with(&app, "description", json!("First line\r\nSecond\tline")).await;
        assert_eq!(kept.data()["logContact"]["description"], "First line\r\nSecond\tline");

        // And in a case action's text.
        let id = kept.data()["logContact"]["id"].as_str().unwrap().to_owned();
        let dcro = app.token("leeds", &["dcro"], "dee");
        let reason = app.act(&dcro, "markOutOfScope", &id, json!({ "input": { "reason": "Not \u{0} ours", "signpost": "The court" } })).await;
        refused(&reason, "reason");
        assert_eq!(app.case("leeds", &id).await["version"], 1);

        // And in a string that is not free text.
        let lookup = app.graphql(Some(&dcro), "query($r: String!) { caseByReference(reference: $r) { id } }", json!({ "r": "LEE\u{0}" })).await;
        refused(&lookup, "reference");
    }

    async fn contact_text_limits_hold_at_n_and_refuse_n_plus_one(app: TestApp) {
        let table = [
            ("subject", LINE_MAX_CHARS),
            ("description", NARRATIVE_MAX_CHARS),
            ("desiredOutcome", NOTE_MAX_CHARS),
            ("viaCouncillor", LINE_MAX_CHARS),
            ("customer.name", LINE_MAX_CHARS),
            ("customer.phone", PHONE_MAX_CHARS),
            ("customer.address", ADDRESS_MAX_CHARS),
            ("customer.reasonableAdjustments", NOTE_MAX_CHARS),
        ];
        let mut logged = 0;
        for (field, limit) in table {
            let at = log_with(&app, field, json!(chars(limit))).await;
            assert!(at.body.get("errors").is_none(), "{field} at {limit}: {}", at.body);
            logged += 1;
            refused(&log_with(&app, field, json!(chars(limit + 1))).await, field);
        }
        assert_eq!(app.case_count("leeds").await, logged);
    }

    async fn action_text_limits_hold_at_n_and_refuse_n_plus_one(app: TestApp) {
        let dcro = app.token("leeds", &["dcro"], "dee");
        // (action, arguments with TEXT where the text goes, field, limit)
        let table: [(&str, Value, &str, usize); 15] = [
            ("withdrawCase", json!({ "reason": "TEXT" }), "reason", NOTE_MAX_CHARS),
            ("closeCase", json!({ "note": "TEXT" }), "note", NOTE_MAX_CHARS),
            ("closeCase", json!({ "outstandingReason": "TEXT" }), "outstandingReason", NOTE_MAX_CHARS),
            ("convertCase", json!({ "input": { "to": "SERVICE_REQUEST", "reason": "TEXT", "customerAgreed": true } }), "reason", NOTE_MAX_CHARS),
            ("requestEscalation", json!({ "input": { "reasons": "r", "desiredOutcome": "TEXT", "discretion": true } }), "desiredOutcome", STATEMENT_MAX_CHARS),
            ("completeRequirement", json!({ "key": "k", "note": "TEXT" }), "note", NOTE_MAX_CHARS),
            ("decideNotToInvestigate", json!({ "reason": "TEXT" }), "reason", NOTE_MAX_CHARS),
            ("markOutOfScope", json!({ "input": { "reason": "TEXT", "signpost": "s" } }), "reason", NOTE_MAX_CHARS),
            ("markOutOfScope", json!({ "input": { "reason": "r", "signpost": "TEXT" } }), "signpost", NOTE_MAX_CHARS),
            ("recordHoldingResponse", json!({ "input": { "reason": "TEXT", "expectedBy": "2027-06-30" } }), "reason", NOTE_MAX_CHARS),
            ("extendDeadline", json!({ "input": { "newDue": "2027-06-30", "reason": "TEXT" } }), "reason", NOTE_MAX_CHARS),
            ("respondToCase", json!({ "input": { "outcome": "UPHELD", "summary": "TEXT" } }), "summary", NARRATIVE_MAX_CHARS),
            ("requestEscalation", json!({ "input": { "reasons": "TEXT", "desiredOutcome": "d", "discretion": true } }), "reasons", STATEMENT_MAX_CHARS),
            ("recordRemedy", json!({ "input": { "kind": "APOLOGY", "description": "TEXT" } }), "description", NOTE_MAX_CHARS),
            ("recordLearningPoint", json!({ "input": { "lesson": "TEXT" } }), "lesson", NOTE_MAX_CHARS),
        ];
        for (action, args, field, limit) in table {
            // A fresh, acknowledged case each time: an accepted action
            // changes its state.
            // Only an anonymous contact may be left uninvestigated, and its
            // state is checked before its text.
            let id = if action == "decideNotToInvestigate" {
                let mut input = complaint_input("Limits");
                input["anonymous"] = json!(true);
                input.as_object_mut().unwrap().remove("customer");
                let logged = app.graphql(Some(&dcro), LOG_CONTACT, json!({ "input": input })).await;
                logged.data()["logContact"]["id"].as_str().unwrap().to_owned()
            } else {
                app.log_complaint("leeds", "Limits").await["id"].as_str().unwrap().to_owned()
            };
            app.acted(&dcro, "acknowledgeCase", &id, json!({})).await;
            let with = |n: usize| serde_json::from_str::<Value>(&args.to_string().replace("TEXT", &chars(n))).unwrap();
            let over = app.act(&dcro, action, &id, with(limit + 1)).await;
            refused(&over, field);
            // At the limit the text is accepted; the action may still be
            // refused for the case's state, never for this field.
            let at = app.act(&dcro, action, &id, with(limit)).await;
            if at.body.get("errors").is_some() {
                assert_ne!(at.field(), Some(field), "{action} {field} at {limit}: {}", at.body);
            }
        }
    }

    async fn customer_officer_and_ombudsman_text_limits_hold_at_n_and_refuse_n_plus_one(app: TestApp) {
        let manager = app.token("leeds", &["dcro", "customer_feedback_manager"], "mo");
        let closed = app.answered_and_closed(&manager, "Closed").await["id"].as_str().unwrap().to_owned();
        let customer_of = |case: &Value| case["customer"]["id"].as_str().unwrap().to_owned();
        const CUSTOMER: &str = "query($id: ID!) { case(id: $id) { customer { id } } }";
        let customer = customer_of(&app.graphql(Some(&manager), CUSTOMER, json!({ "id": closed })).await.data()["case"]);
        const DESIGNATE: &str = "mutation($c: ID!, $i: DesignationInput!) { designatePersistentComplainant(customerId: $c, input: $i) { id } }";
        // Restrictions make it the second level; without, a warning.
        let designation = |behaviour: &str, restrictions: Value, change: Value| json!({ "c": "CUSTOMER", "i": {
            "level": if restrictions.is_null() { "WARNING" } else { "RESTRICTED" },
            "behaviour": behaviour, "requiredChange": change,
            "changeBy": "2027-07-01", "letterDate": "2027-05-20", "restrictions": restrictions,
        } });
        let designated = app.graphql(Some(&manager), DESIGNATE, designation("Daily calls", json!(null), json!("Write once a week"))
            .to_string().replace("CUSTOMER", &customer).parse::<Value>().unwrap()).await;
        let designation_id = designated.data()["designatePersistentComplainant"]["id"].as_str().unwrap().to_owned();

        // (document, variables with TEXT where the text goes, field, limit)
        let table: [(&str, Value, &str, usize); 8] = [
            (DESIGNATE, designation("TEXT", json!(null), json!("c")), "behaviour", NOTE_MAX_CHARS),
            (DESIGNATE, designation("b", json!(null), json!("TEXT")), "requiredChange", NOTE_MAX_CHARS),
            (DESIGNATE, designation("b", json!({ "singlePointOfContact": "TEXT", "writtenContactOnly": true }), json!("c")), "singlePointOfContact", LINE_MAX_CHARS),
            ("mutation($d: ID!, $i: DesignationReviewInput!) { reviewPersistentDesignation(designationId: $d, input: $i) { id } }",
                json!({ "d": "DESIGNATION", "i": { "outcome": "CONTINUE", "notes": "TEXT" } }), "notes", NOTE_MAX_CHARS),
            ("mutation($c: ID!, $s: String!) { linkPortalAccount(customerId: $c, portalSubject: $s) { id } }",
                json!({ "c": "CUSTOMER", "s": "TEXT" }), "portalSubject", LINE_MAX_CHARS),
            ("mutation($i: OfficerInput!) { recordOfficer(input: $i) { id } }",
                json!({ "i": { "subject": "TEXT" } }), "subject", LINE_MAX_CHARS),
            ("mutation($i: OfficerInput!) { recordOfficer(input: $i) { id } }",
                json!({ "i": { "subject": "someone", "displayName": "TEXT" } }), "displayName", LINE_MAX_CHARS),
            ("mutation($id: ID!, $i: OmbudsmanEnquiryInput!) { recordOmbudsmanEnquiry(caseId: $id, input: $i) { version } }",
                json!({ "id": "CASE", "i": { "reference": "TEXT" } }), "reference", REFERENCE_MAX_CHARS),
        ];
        for (document, vars, field, limit) in table {
            let with = |n: usize| {
                let text = vars.to_string()
                    .replace("TEXT", &chars(n))
                    .replace("CUSTOMER", &customer)
                    .replace("DESIGNATION", &designation_id)
                    .replace("CASE", &closed);
                serde_json::from_str::<Value>(&text).unwrap()
            };
            let before = app.case("leeds", &closed).await["version"].clone();
            refused(&app.graphql(Some(&manager), document, with(limit + 1)).await, field);
            assert_eq!(app.case("leeds", &closed).await["version"], before, "{field} over its limit wrote nothing");
            // At the limit the text is accepted; the call may still be
            // refused for another reason, never for this field.
            let at = app.graphql(Some(&manager), document, with(limit)).await;
            if at.body.get("errors").is_some() {
                assert_ne!(at.field(), Some(field), "{field} at {limit}: {}", at.body);
            }
        }

        // An email address of exactly the limit, and one character more.
        let domain = "@example.org";
        let email = |n: usize| format!("{}{domain}", "a".repeat(n - domain.len()));
        let at = log_with(&app, "customer.email", json!(email(EMAIL_MAX_CHARS))).await;
        assert!(at.body.get("errors").is_none(), "{}", at.body);
        refused(&log_with(&app, "customer.email", json!(email(EMAIL_MAX_CHARS + 1))).await, "customer.email");
    }

    async fn dates_and_amounts_out_of_range_are_refused(app: TestApp) {
        let dcro = app.token("leeds", &["dcro"], "dee");
        let id = app.log_complaint("leeds", "Dates").await["id"].as_str().unwrap().to_owned();
        for far in ["2201-01-01", "1899-12-31", "+262142-01-01"] {
            let extended = app.act(&dcro, "extendDeadline", &id, json!({ "input": { "newDue": far, "reason": "r" } })).await;
            refused(&extended, "newDue");
            assert!(extended.message().contains("Date"), "{far}: {}", extended.body);
        }
        let late = app.act(&dcro, "recordRemedy", &id, json!({ "input": { "kind": "APOLOGY", "description": "d" }, "at": "2201-01-01T00:00:00Z" })).await;
        refused(&late, "at");
        assert_eq!(app.case("leeds", &id).await["version"], 1, "nothing was written");

        let goodwill = |pence: Value| json!({ "input": { "kind": "GOODWILL_PAYMENT", "description": "For the trouble", "amountPence": pence } });
        for pence in [json!(0), json!(-1), json!(100_000_001), json!(i64::MAX)] {
            refused(&app.act(&dcro, "recordRemedy", &id, goodwill(pence)).await, "amountPence");
        }
        assert_eq!(app.case("leeds", &id).await["version"], 1);
        let most = app.acted(&dcro, "recordRemedy", &id, goodwill(json!(100_000_000))).await;
        assert_eq!(most["version"], 2);
    }

    async fn every_date_and_instant_is_refused_under_its_own_name(app: TestApp) {
        let dcro = app.token("leeds", &["dcro"], "dee");
        let id = app.log_complaint("leeds", "Dated").await["id"].as_str().unwrap().to_owned();
        // A date in an action's input, in a variable and written in the document.
        let far = app.act(&dcro, "extendDeadline", &id, json!({ "input": { "newDue": "2201-01-01", "reason": "r" } })).await;
        refused(&far, "newDue");
        let written = "mutation($id: ID!) { extendDeadline(caseId: $id, input: { newDue: \"1899-12-31\", reason: \"r\" }) { version } }";
        refused(&app.graphql(Some(&dcro), written, json!({ "id": id })).await, "newDue");
        let malformed = app.act(&dcro, "recordHoldingResponse", &id, json!({ "input": { "reason": "r", "expectedBy": "30/06/2027" } })).await;
        refused(&malformed, "expectedBy");
        // An instant argument, and the dates of a contact.
        refused(&app.act(&dcro, "acknowledgeCase", &id, json!({ "at": "1899-12-31T23:59:59Z" })).await, "at");
        refused(&log_with(&app, "receivedAt", json!("1800-01-01T00:00:00Z")).await, "receivedAt");
        refused(&log_with(&app, "receivedAt", json!("yesterday")).await, "receivedAt");
        refused(&log_with(&app, "issueDate", json!("2201-01-01")).await, "issueDate");
        assert_eq!(app.case("leeds", &id).await["version"], 1, "nothing was written");
        assert_eq!(app.case_count("leeds").await, 1);

        // The list's filter, bounded to the same years.
        const FILTERED: &str = "query($f: CaseFilter) { cases(filter: $f) { totalCount } }";
        for (field, value) in [
            ("receivedFrom", "2201-01-01T00:00:00Z"),
            ("receivedTo", "1899-12-31T23:59:59Z"),
            ("receivedFrom", "+100000-01-01T00:00:00Z"),
            ("receivedTo", "not a time"),
        ] {
            let answer = app.graphql(Some(&dcro), FILTERED, json!({ "f": { (field): value } })).await;
            refused(&answer, &format!("filter.{field}"));
            assert!(answer.body["data"].is_null(), "{}", answer.body);
        }
        let written = "{ cases(filter: { receivedTo: \"2201-01-01T00:00:00Z\" }) { totalCount } }";
        refused(&app.graphql(Some(&dcro), written, json!({})).await, "filter.receivedTo");
        // And a query's own date argument.
        let due = "query($on: Date) { designationsDueForReview(on: $on) { id } }";
        refused(&app.graphql(Some(&dcro), due, json!({ "on": "2201-01-01" })).await, "on");
        let widest = json!({ "f": { "receivedFrom": "1900-01-01T00:00:00Z", "receivedTo": "2200-12-31T23:59:59Z" } });
        let all = app.graphql(Some(&dcro), FILTERED, widest).await;
        assert_eq!(all.data()["cases"]["totalCount"], 1);
    }

    async fn id_arguments_are_reported_under_their_own_name(app: TestApp) {
        let dcro = app.token("leeds", &["dcro"], "dee");
        let action = app.act(&dcro, "acknowledgeCase", "not-an-id", json!({})).await;
        refused(&action, "caseId");
        let read = app.graphql(Some(&dcro), "{ case(id: \"not-an-id\") { id } }", json!({})).await;
        refused(&read, "id");
        let remedy = app.graphql(Some(&dcro), "mutation { completeRemedy(remedyId: \"x\") { id } }", json!({})).await;
        refused(&remedy, "remedyId");
    }

    async fn variables_must_be_declared_with_the_arguments_type(app: TestApp) {
        let dcro = app.token("leeds", &["dcro"], "dee");
        let id = app.log_complaint("leeds", "Typed").await["id"].as_str().unwrap().to_owned();
        let input = json!({ "kind": "APOLOGY", "description": "Sorry" });
        // Another input type, an unknown one, a nullable one for a non-null
        // argument, and the wrong scalar.
        for declared in ["RemedyInput!", "NoSuchInput!", "RecordRemedyInput", "String!"] {
            let query = format!("mutation($id: ID!, $i: {declared}) {{ recordRemedy(caseId: $id, input: $i) {{ version }} }}");
            let wrong = app.graphql_unvalidated(Some(&dcro), &query, json!({ "id": id, "i": input })).await;
            assert_eq!(wrong.code(), "BAD_USER_INPUT", "{declared}: {}", wrong.body);
        }
        // Inside an input object literal too.
        let nested = "mutation($id: ID!, $d: Int) { recordRemedy(caseId: $id, input: { kind: APOLOGY, description: $d }) { version } }";
        let wrong = app.graphql_unvalidated(Some(&dcro), nested, json!({ "id": id, "d": 5 })).await;
        assert_eq!(wrong.code(), "BAD_USER_INPUT", "{}", wrong.body);
        assert_eq!(app.case("leeds", &id).await["version"], 1);
        let query = "mutation($id: ID!, $i: RecordRemedyInput!) { recordRemedy(caseId: $id, input: $i) { version } }";
        let right = app.graphql(Some(&dcro), query, json!({ "id": id, "i": input })).await;
        assert_eq!(right.data()["recordRemedy"]["version"], 2);
    }
}

#[test]
fn the_tests_send_only_documents_the_committed_schema_allows() {
    assert_valid_document("query($id: ID!) { case(id: $id) { reference } }");
    for invalid in [
        "{ me { password } }",
        "query($i: NoSuchInput!) { case(id: $i) { id } }",
        "mutation($id: ID!, $d: Int) { recordRemedy(caseId: $id, input: { kind: APOLOGY, description: $d }) { version } }",
    ] {
        let checked = std::panic::catch_unwind(|| assert_valid_document(invalid));
        assert!(checked.is_err(), "the validator let through {invalid}");
    }
}
