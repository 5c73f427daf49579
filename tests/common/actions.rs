//! Case actions by name, so scenario tests read like the council's
//! procedure: `app.act(&token, "respondToCase", &id, json!({ "input": ... }))`.

use serde_json::{Value, json};

use super::{Gql, TestApp};

/// What every action returns, enough to assert a whole step.
pub const CASE_FIELDS: &str =
    "id reference kind stage status version outcome ombudsman ombudsmanReference
    acknowledgeBy respondBy escalateBy overdue scopeReason signpost closedAt
    stageStartedAt acknowledgedAt respondedAt lastUpdateAt
    assignee { subject } stage2Reviewer { subject }
    deadlines { kind stage due metAt missed superseded policyVersion explanation }
    requirements { key label blocks metAt }
    timeline { seq kind actorSubject actorRole summary data }";

/// The GraphQL type of each variable an action may take.
fn variable_type(action: &str, name: &str) -> &'static str {
    match (action, name) {
        (_, "caseId") => "ID!",
        (_, "at") => "DateTime",
        (_, "expectedVersion") => "Int",
        ("acknowledgeCase", "channel") => "Channel",
        ("acknowledgeCase", "input") => "AcknowledgementInput",
        ("assignInvestigator" | "appointStage2Reviewer", "officer") => "String!",
        ("recordHoldingResponse", "input") => "HoldingResponseInput!",
        ("extendDeadline", "input") => "ExtensionInput!",
        ("recordInformalResolution", "input") => "InformalResolutionInput!",
        ("respondToCase", "input") => "StageResponseInput!",
        ("requestEscalation", "input") => "EscalationInput!",
        ("assessStage2", "input") => "Stage2AssessmentInput!",
        ("recordOmbudsmanEnquiry", "input") => "OmbudsmanEnquiryInput!",
        ("replyToOmbudsman", "summary") => "String!",
        ("recordOmbudsmanOutcome", "input") => "OmbudsmanOutcomeInput!",
        ("markOutOfScope", "input") => "OutOfScopeInput!",
        ("convertCase", "input") => "ConversionInput!",
        ("withdrawCase", "reason") => "String",
        ("closeCase", "note") => "String",
        ("closeCase", "outstandingReason") => "String",
        ("reopenCase", "reason") => "String!",
        ("completeRequirement", "key") => "String!",
        ("completeRequirement", "note") => "String",
        ("recordRemedy", "input") => "RecordRemedyInput!",
        ("recordLearningPoint", "input") => "RecordLearningPointInput!",
        ("decideNotToInvestigate", "reason") => "String!",
        (action, name) => panic!("unknown variable `{name}` of `{action}`"),
    }
}

/// Every case action with the smallest arguments it accepts, for role checks.
pub const ACTIONS: &[(&str, &str)] = &[
    ("acknowledgeCase", "{}"),
    ("assignInvestigator", r#"{"officer": "io-1"}"#),
    ("appointStage2Reviewer", r#"{"officer": "io-2"}"#),
    (
        "recordHoldingResponse",
        r#"{"input": {"reason": "r", "expectedBy": "2027-06-30"}}"#,
    ),
    (
        "extendDeadline",
        r#"{"input": {"newDue": "2027-06-30", "reason": "r"}}"#,
    ),
    (
        "recordInformalResolution",
        r#"{"input": {"resolved": true, "summary": "s"}}"#,
    ),
    (
        "respondToCase",
        r#"{"input": {"outcome": "UPHELD", "summary": "s"}}"#,
    ),
    (
        "requestEscalation",
        r#"{"input": {"reasons": "r", "desiredOutcome": "d", "discretion": true}}"#,
    ),
    ("assessStage2", r#"{"input": {"decision": "INVESTIGATE"}}"#),
    ("recordOmbudsmanEnquiry", r#"{"input": {}}"#),
    ("replyToOmbudsman", r#"{"summary": "s"}"#),
    (
        "recordOmbudsmanOutcome",
        r#"{"input": {"outcome": "UPHELD", "summary": "s"}}"#,
    ),
    (
        "markOutOfScope",
        r#"{"input": {"reason": "r", "signpost": "s"}}"#,
    ),
    (
        "convertCase",
        r#"{"input": {"to": "SERVICE_REQUEST", "reason": "r", "customerAgreed": true}}"#,
    ),
    ("withdrawCase", "{}"),
    ("closeCase", "{}"),
    ("reopenCase", r#"{"reason": "r"}"#),
    ("completeRequirement", r#"{"key": "k"}"#),
    (
        "recordRemedy",
        r#"{"input": {"kind": "APOLOGY", "description": "d"}}"#,
    ),
    ("recordLearningPoint", r#"{"input": {"lesson": "l"}}"#),
    ("decideNotToInvestigate", r#"{"reason": "r"}"#),
];

impl TestApp {
    /// Performs a case action; `vars` holds its arguments except `caseId`.
    pub async fn act(&self, token: &str, action: &str, case_id: &str, vars: Value) -> Gql {
        let mut vars = match vars {
            Value::Object(map) => map,
            other => panic!("action arguments are an object, not {other}"),
        };
        vars.insert("caseId".into(), json!(case_id));
        let decls: Vec<String> = vars
            .keys()
            .map(|k| format!("${k}: {}", variable_type(action, k)))
            .collect();
        let args: Vec<String> = vars.keys().map(|k| format!("{k}: ${k}")).collect();
        let query = format!(
            "mutation({}) {{ {action}({}) {{ {CASE_FIELDS} }} }}",
            decls.join(", "),
            args.join(", ")
        );
        self.graphql(Some(token), &query, Value::Object(vars)).await
    }

    /// Performs an action that must succeed and returns the case.
    pub async fn acted(&self, token: &str, action: &str, case_id: &str, vars: Value) -> Value {
        self.act(token, action, case_id, vars).await.data()[action].clone()
    }

    /// The case as staff see it.
    pub async fn case(&self, council: &str, case_id: &str) -> Value {
        let token = self.token(council, &["customer_feedback_manager"], "reader");
        let query = format!("query($id: ID!) {{ case(id: $id) {{ {CASE_FIELDS} }} }}");
        self.graphql(Some(&token), &query, json!({ "id": case_id }))
            .await
            .data()["case"]
            .clone()
    }

    /// A Leeds complaint received on 20 November 2026, acknowledged on the
    /// 23rd, answered (not upheld) on 1 December and closed on the 2nd, all
    /// by the token's holder; returns the closed case.
    pub async fn answered_and_closed(&self, token: &str, subject: &str) -> Value {
        let case = self.logged("leeds", super::complaint_input(subject)).await;
        let id = case["id"].as_str().unwrap();
        self.acted(
            token,
            "acknowledgeCase",
            id,
            json!({ "at": "2026-11-23T10:00:00Z" }),
        )
        .await;
        self.acted(
            token,
            "respondToCase",
            id,
            json!({
                "at": "2026-12-01T10:00:00Z",
                "input": { "outcome": "NOT_UPHELD", "summary": "The crew did not touch the fence" },
            }),
        )
        .await;
        self.acted(
            token,
            "closeCase",
            id,
            json!({ "at": "2026-12-02T10:00:00Z" }),
        )
        .await
    }

    /// Logs a contact as frontline staff and returns the case.
    pub async fn logged(&self, council: &str, input: Value) -> Value {
        let token = self.token(council, &["frontline"], "frontline-officer");
        let query = format!(
            "mutation($input: LogContactInput!) {{ logContact(input: $input) {{ {CASE_FIELDS} }} }}"
        );
        self.graphql(Some(&token), &query, json!({ "input": input }))
            .await
            .data()["logContact"]
            .clone()
    }
}

/// The case's deadline of this kind that is still open (not met, not superseded).
pub fn open_deadline<'a>(case: &'a Value, kind: &str) -> Option<&'a Value> {
    case["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == kind && d["metAt"].is_null() && d["superseded"] == false)
}

/// The due date of the open deadline of this kind.
pub fn due(case: &Value, kind: &str) -> String {
    open_deadline(case, kind)
        .unwrap_or_else(|| panic!("no open {kind} deadline on {}", case["deadlines"]))["due"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The kinds of the case's timeline events, in order.
pub fn timeline_kinds(case: &Value) -> Vec<String> {
    case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// A plain complaint by email, received at 10:00 UTC on `on` (YYYY-MM-DD).
pub fn complaint_on(on: &str, subject: &str) -> Value {
    let mut input = super::complaint_input(subject);
    input["receivedAt"] = json!(format!("{on}T10:00:00Z"));
    input
}
