//! The HTTP surface: health, metrics, GraphiQL, and requests too big, too
//! deep, too complex or not JSON at all.

mod common;

use common::*;
use serde_json::json;

on_both_databases! {
    async fn health_readiness_and_metrics(app: TestApp) {
        assert_eq!(app.get("/healthz").await.status(), 200);
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), 200);
        assert_eq!(ready.json::<serde_json::Value>().await.unwrap()["status"], "ready");
        app.log_complaint("leeds", "Counted").await;
        let metrics = app.get("/metrics").await.text().await.unwrap();
        assert!(metrics.contains("redress_contacts_logged_total{council=\"leeds\"} 1"), "{metrics}");
        assert!(metrics.contains("redress_graphql_request_seconds_bucket"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_is_served_on_get() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let page = app.get("/graphql").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("graphiql"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_typed_errors() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.token("leeds", &["frontline"], "fo");
    let post = |body: String| {
        app.client
            .post(format!("{}/graphql", app.address))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    let not_json = post("{ this is not json".into()).await.unwrap();
    assert_eq!(not_json.status(), 400);
    let body: serde_json::Value = not_json.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    let too_big = post(
        json!({ "query": "{ me { subject } }", "variables": { "pad": "x".repeat(100_000) } })
            .to_string(),
    )
    .await
    .unwrap();
    assert_eq!(too_big.status(), 413);
    let body: serde_json::Value = too_big.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    let syntax = app
        .graphql_unvalidated(Some(&token), "{ me { subject ", json!({}))
        .await;
    assert_eq!(syntax.code(), "BAD_USER_INPUT");
    let unknown_field = app
        .graphql_unvalidated(Some(&token), "{ me { password } }", json!({}))
        .await;
    assert_eq!(unknown_field.code(), "BAD_USER_INPUT");

    // Introspection nests as deep as asked: far past the depth limit.
    let mut deep = String::from("name");
    for _ in 0..12 {
        deep = format!("ofType {{ {deep} }}");
    }
    let too_deep = app
        .graphql(
            Some(&token),
            &format!("{{ __schema {{ types {{ fields {{ type {{ {deep} }} }} }} }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(too_deep.code(), "BAD_USER_INPUT");
    assert!(
        too_deep.message().to_lowercase().contains("nested")
            || too_deep.message().to_lowercase().contains("depth"),
        "{}",
        too_deep.message()
    );

    let aliases: String = (0..100)
        .map(|i| {
            format!("a{i}: cases {{ totalCount edges {{ node {{ id reference subject }} }} }} ")
        })
        .collect();
    let too_complex = app
        .graphql(Some(&token), &format!("{{ {aliases} }}"), json!({}))
        .await;
    assert_eq!(too_complex.code(), "BAD_USER_INPUT");
    assert!(
        too_complex.message().to_lowercase().contains("complex"),
        "{}",
        too_complex.message()
    );
    assert_eq!(app.case_count("leeds").await, 0);
}

#[test]
fn committed_schema_matches_the_code() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert!(
        committed == redress::graphql::sdl(),
        "schema.graphql is stale: run `cargo run -- schema > schema.graphql`"
    );
}
