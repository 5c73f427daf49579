//! The OWASP GraphQL Cheat Sheet's checks, over HTTP with real tokens.
//!
//! Depth, complexity, alias fan-out (fields written in one document) and
//! batching are each tested at and one past their limit in
//! `tests/hostile_requests.rs` (`work_per_request_is_bounded_at_each_limit`,
//! and bracket nesting before parsing); a body over the size limit in
//! `tests/http_limits.rs`. This file adds what those do not cover:
//! introspection and field suggestions for callers without a token, errors
//! that leak nothing, and requests a browser could forge across sites.

mod common;

use common::*;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

const INTROSPECTION: &str = "{ __schema { queryType { name } types { name } } }";

fn leaks(body: &str) -> Vec<&'static str> {
    [
        "sqlx",
        "sea_orm",
        "SeaORM",
        "SELECT",
        "INSERT",
        "no such table",
        "relation",
        "cases_moved",
        "/src/",
        ".rs:",
        "panicked",
        "backtrace",
        "database",
    ]
    .into_iter()
    .filter(|needle| body.contains(needle))
    .collect()
}

on_both_databases! {
    // The schema is published (`schema.graphql`), so any signed-in caller,
    // a customer included, may introspect it; a caller without a valid
    // token is refused before the query is parsed.
    async fn introspection_needs_a_valid_token(app: TestApp) {
        for query in [INTROSPECTION, "{ __type(name: \"Case\") { name } }", "{ __typename }"] {
            let anonymous = app.graphql(None, query, json!({})).await;
            assert_eq!(anonymous.code(), "UNAUTHENTICATED", "{}", anonymous.body);
            assert!(anonymous.body["data"].is_null(), "{}", anonymous.body);
        }
        let forged = token_with(json!({
            "sub": "x", "council": "leeds", "roles": ["dcro"], "exp": now() - 3600,
        }));
        let expired = app.graphql(Some(&forged), INTROSPECTION, json!({})).await;
        assert_eq!(expired.status, 401);
        assert_eq!(expired.code(), "UNAUTHENTICATED");
        assert!(expired.body["data"].is_null(), "{}", expired.body);

        for roles in [&["customer"][..], &["frontline"], &["policy_admin"]] {
            let token = app.token("leeds", roles, "someone");
            let schema = app.graphql(Some(&token), INTROSPECTION, json!({})).await;
            let schema = &schema.data()["__schema"];
            assert_eq!(schema["queryType"]["name"], "QueryRoot", "{roles:?}");
            assert!(schema["types"].as_array().unwrap().iter().any(|t| t["name"] == "Case"), "{roles:?}");
        }
    }

    // "Did you mean ...?" names fields a caller misspelt: it is given to
    // signed-in callers only, since without a token nothing is parsed.
    async fn field_suggestions_are_not_given_without_a_token(app: TestApp) {
        // Invalid on purpose, so sent past the tests' schema check.
        let misspelt = "{ me { subjec } }";
        let anonymous = app.graphql_unvalidated(None, misspelt, json!({})).await;
        assert_eq!(anonymous.code(), "UNAUTHENTICATED");
        assert!(!anonymous.body.to_string().contains("Did you mean"), "{}", anonymous.body);
        assert!(!anonymous.body.to_string().contains("subject"), "{}", anonymous.body);
        let mutation = app.graphql_unvalidated(None, "mutation { logContac { id } }", json!({})).await;
        assert_eq!(mutation.code(), "UNAUTHENTICATED");
        assert!(!mutation.body.to_string().contains("logContact"), "{}", mutation.body);

        let token = app.token("leeds", &["frontline"], "fo");
        let signed_in = app.graphql_unvalidated(Some(&token), misspelt, json!({})).await;
        assert_eq!(signed_in.code(), "BAD_USER_INPUT");
        assert!(signed_in.message().contains("Did you mean \"subject\""), "{}", signed_in.body);
    }

    // Alias overloading of writes: each mutation field is a transaction
    // with a policy call, so aliases may not turn one request into
    // hundreds of contacts.
    async fn aliased_mutations_are_bounded(app: TestApp) {
        use redress::graphql::limits::MAX_MUTATIONS;
        let token = app.token("leeds", &["frontline"], "fo");
        let log = |alias: String| format!(
            "{alias}: logContact(input: {{kind: COMPLAINT, channel: EMAIL, receivedAt: \"2026-11-20T10:00:00Z\", subject: \"Aliased\", description: \"Aliased\"}}) {{ id }}"
        );
        let aliased = |n: usize| (0..n).map(|i| log(format!("a{i}"))).collect::<Vec<_>>().join(" ");

        let most = app.graphql(Some(&token), &format!("mutation {{ {} }}", aliased(MAX_MUTATIONS)), json!({})).await;
        assert_eq!(most.data().as_object().unwrap().len(), MAX_MUTATIONS);
        let over = app.graphql(Some(&token), &format!("mutation {{ {} }}", aliased(MAX_MUTATIONS + 1)), json!({})).await;
        assert_eq!(over.code(), "BAD_USER_INPUT", "{}", over.body);
        assert!(over.message().contains("changes"), "{}", over.body);
        assert!(over.body["data"].is_null(), "{}", over.body);

        // Through a fragment on the mutation type and an inline fragment.
        let half = MAX_MUTATIONS / 2 + 1;
        let spread = format!(
            "mutation {{ ...Writes ... on MutationRoot {{ {} }} }} fragment Writes on MutationRoot {{ {} }}",
            (0..half).map(|i| log(format!("b{i}"))).collect::<Vec<_>>().join(" "),
            (0..half).map(|i| log(format!("c{i}"))).collect::<Vec<_>>().join(" "),
        );
        let over = app.graphql(Some(&token), &spread, json!({})).await;
        assert_eq!(over.code(), "BAD_USER_INPUT", "{}", over.body);
        assert_eq!(app.case_count("leeds").await, MAX_MUTATIONS as u64);
    }

    // A database failure reaches the caller as INTERNAL with a bare
    // message: no SQL, no table, no driver, no source location.
    async fn a_database_error_surfaces_as_internal_with_no_detail(app: TestApp) {
        let case = app.log_complaint("leeds", "Before the fault").await;
        let db = Database::connect(&app.database_url).await.unwrap();
        db.execute_unprepared("ALTER TABLE cases RENAME TO cases_moved").await.unwrap();
        db.close().await.unwrap();

        let token = app.token("leeds", &["customer_feedback_manager"], "cfm");
        let reads = [
            ("{ cases { totalCount edges { node { id } } } }", json!({})),
            ("query($id: ID!) { case(id: $id) { id reference } }", json!({ "id": case["id"] })),
        ];
        for (query, variables) in reads {
            let failed = app.graphql(Some(&token), query, variables).await;
            assert_internal(&failed);
        }
        let write = app
            .graphql(Some(&token), LOG_CONTACT, json!({ "input": complaint_input("During the fault") }))
            .await;
        assert_internal(&write);
        assert_eq!(app.get("/healthz").await.status(), 200);
    }

    // Cross-site request forgery: tokens travel only in the Authorization
    // header, which a browser never adds to a request another site makes,
    // and GET never executes an operation. A form post or a GET with a
    // mutation writes nothing.
    async fn requests_a_browser_could_forge_write_nothing(app: TestApp) {
        let token = app.token("leeds", &["frontline"], "fo");
        let mutation = "mutation { logContact(input: {kind: COMPLAINT, channel: EMAIL, receivedAt: \"2026-11-20T10:00:00Z\", subject: \"Forged\", description: \"Forged\"}) { id } }";
        for with_token in [false, true] {
            let mut get = app
                .client
                .get(format!("{}/graphql", app.address))
                .query(&[("query", mutation)]);
            if with_token {
                get = get.bearer_auth(&token);
            }
            let response = get.send().await.unwrap();
            let body = response.text().await.unwrap();
            assert!(!body.contains("\"logContact\""), "GET executed the mutation: {body}");
        }
        let body = json!({ "query": mutation }).to_string();
        for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
            let response = app
                .client
                .post(format!("{}/graphql", app.address))
                .header("content-type", content_type)
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 415, "{content_type}");
            let answer: Value = response.json().await.unwrap();
            assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{content_type}: {answer}");
        }
        assert_eq!(app.case_count("leeds").await, 0);
    }

    // Only a JSON body is executed, with a token or without: a body of any
    // other type, or of none declared, is refused with HTTP 415 and an error
    // that says what to send, and nothing is written.
    async fn a_body_that_is_not_declared_json_is_refused(app: TestApp) {
        let token = app.token("leeds", &["frontline"], "fo");
        let body = json!({ "query": "mutation($i: LogContactInput!) { logContact(input: $i) { id } }", "variables": { "i": complaint_input("Not JSON") } }).to_string();
        let post = |content_type: Option<&str>, token: Option<&str>| {
            let mut request = app.client.post(format!("{}/graphql", app.address)).body(body.clone());
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type);
            }
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request.send()
        };
        for token in [None, Some(token.as_str())] {
            for content_type in [None, Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("multipart/form-data; boundary=x"), Some("application/graphql"), Some("application/jsonx"), Some("not a type")] {
                let response = post(content_type, token).await.unwrap();
                assert_eq!(response.status(), 415, "{content_type:?}");
                let answer: Value = response.json().await.unwrap();
                assert!(answer["data"].is_null(), "{answer}");
                assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{content_type:?}: {answer}");
                assert!(answer["errors"][0]["message"].as_str().unwrap().contains("application/json"), "{answer}");
            }
        }
        assert_eq!(app.case_count("leeds").await, 0);
        for content_type in ["application/json", "application/json; charset=utf-8", "Application/JSON"] {
            let response = post(Some(content_type), Some(&token)).await.unwrap();
            assert_eq!(response.status(), 200, "{content_type}");
            let answer: Value = response.json().await.unwrap();
            assert!(answer["data"]["logContact"]["id"].is_string(), "{content_type}: {answer}");
        }
        assert_eq!(app.case_count("leeds").await, 3);
    }
}

fn assert_internal(response: &Gql) {
    assert_eq!(response.code(), "INTERNAL", "{}", response.body);
    assert_eq!(response.message(), "internal error", "{}", response.body);
    let text = response.body.to_string();
    assert!(leaks(&text).is_empty(), "leaked {:?}: {text}", leaks(&text));
    let extensions = response.body["errors"][0]["extensions"]
        .as_object()
        .unwrap();
    assert_eq!(
        extensions.keys().collect::<Vec<_>>(),
        ["code"],
        "{}",
        response.body
    );
}
