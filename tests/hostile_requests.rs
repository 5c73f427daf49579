//! Requests a hostile client would send: nesting that would exhaust the
//! parser's stack, sockets that never sign in or outlive their token, and
//! batches, aliases and bodies at and just past each limit. The server
//! refuses each with a typed error and keeps answering.

mod common;

use std::time::Duration;

use common::*;
use futures::{SinkExt, StreamExt};
use redress::config::ServeArgs;
use serde_json::{Value, json};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{Message, client::IntoClientRequest},
};

type Ws = Socket;

/// Room for a 100,000-deep query, and a short sign-in window.
fn roomy(args: &mut ServeArgs) {
    args.max_body_bytes = 1024 * 1024;
    args.ws_init_timeout_ms = 700;
}

const DEEP: usize = 100_000;

/// One query per position a value can nest in, each `depth` brackets deep.
fn nested_queries(depth: usize) -> Vec<(&'static str, String)> {
    let list = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let object = format!("{}1{}", "{a: ".repeat(depth), "}".repeat(depth));
    vec![
        ("list literal", format!("{{ case(id: {list}) {{ id }} }}")),
        (
            "object literal",
            format!("{{ cases(filter: {object}) {{ totalCount }} }}"),
        ),
        (
            "directive argument",
            format!("{{ me @include(if: {list}) {{ subject }} }}"),
        ),
        (
            "variable default",
            format!("query($v: [Int] = {list}) {{ me {{ subject }} }}"),
        ),
        // Unclosed brackets recurse just as deep.
        ("unclosed", format!("{{ case(id: {}", "[".repeat(depth))),
    ]
}

async fn still_answers(app: &TestApp) {
    let token = app.token("leeds", &["frontline"], "after");
    let me = app
        .graphql(Some(&token), "{ me { subject } }", json!({}))
        .await;
    assert_eq!(me.data()["me"]["subject"], "after");
    assert_eq!(app.get("/healthz").await.status(), 200);
}

fn assert_too_deep(response: &Gql, what: &str) {
    assert_eq!(
        response.code(),
        "BAD_USER_INPUT",
        "{what}: {}",
        response.body
    );
    assert!(
        response.message().contains("nested too deeply"),
        "{what}: {}",
        response.message()
    );
    assert!(response.body["data"].is_null(), "{what}: {}", response.body);
}

async fn open_socket(app: &TestApp) -> Ws {
    let url = format!("{}/graphql", app.address.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    connect_async(request)
        .await
        .expect("the upgrade is accepted")
        .0
}

async fn send(ws: &mut Ws, message: Value) {
    ws.send(Message::text(message.to_string())).await.unwrap();
}

enum Frame {
    Json(Value),
    Closed(Option<u16>),
}

async fn frame(ws: &mut Ws) -> Frame {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a message within 20 s");
        match message {
            Some(Ok(Message::Text(text))) => {
                return Frame::Json(serde_json::from_str(&text).unwrap());
            }
            Some(Ok(Message::Close(close))) => return Frame::Closed(close.map(|c| c.code.into())),
            None | Some(Err(_)) => return Frame::Closed(None),
            Some(Ok(_)) => continue,
        }
    }
}

async fn json_frame(ws: &mut Ws) -> Value {
    match frame(ws).await {
        Frame::Json(value) => value,
        Frame::Closed(code) => panic!("closed ({code:?}) where a message was expected"),
    }
}

async fn signed_in(app: &TestApp, token: &str) -> Ws {
    let mut ws = open_socket(app).await;
    send(
        &mut ws,
        json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }),
    )
    .await;
    assert_eq!(json_frame(&mut ws).await["type"], "connection_ack");
    ws
}

on_both_databases! {
    configured by roomy;

    async fn values_nested_a_hundred_thousand_deep_are_refused_and_the_server_lives(app: TestApp) {
        let token = app.token("leeds", &["frontline"], "fo");
        for (what, query) in nested_queries(DEEP) {
            assert!(query.len() < 1024 * 1024);
            for token in [None, Some(token.as_str())] {
                let response = app.graphql_unvalidated(token, &query, json!({})).await;
                assert_too_deep(&response, what);
            }
        }

        // JSON variables stop at serde_json's recursion limit, before any
        // GraphQL code sees them.
        let deep_json = format!("{}1{}", "[".repeat(DEEP), "]".repeat(DEEP));
        let body = format!(
            r#"{{"query":"query($v: [Int]) {{ me {{ subject }} }}","variables":{{"v":{deep_json}}}}}"#
        );
        for token in [None, Some(token.as_str())] {
            let mut request = app
                .client
                .post(format!("{}/graphql", app.address))
                .header("content-type", "application/json")
                .body(body.clone());
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 400);
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        }

        // Over the websocket: a subscribe payload, and a connection_init
        // payload before signing in.
        for (what, query) in nested_queries(DEEP) {
            let mut ws = signed_in(&app, &token).await;
            send(&mut ws, json!({ "id": "1", "type": "subscribe", "payload": { "query": query } })).await;
            let reply = json_frame(&mut ws).await;
            assert_eq!(reply["type"], "next", "{what}: {reply}");
            let error = &reply["payload"]["errors"][0];
            assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{what}: {reply}");
            assert!(error["message"].as_str().unwrap().contains("nested too deeply"), "{what}: {reply}");
        }
        let mut ws = open_socket(&app).await;
        let init = format!(r#"{{"type":"connection_init","payload":{deep_json}}}"#);
        ws.send(Message::text(init)).await.unwrap();
        assert!(matches!(frame(&mut ws).await, Frame::Closed(_)), "no ack for an unreadable init");

        still_answers(&app).await;
        assert_eq!(app.case_count("leeds").await, 0);
    }

    async fn nesting_is_allowed_up_to_the_limit(app: TestApp) {
        let token = app.token("leeds", &["frontline"], "fo");
        // `{` and `(` open two brackets around the value.
        let at = |brackets: usize| {
            let inner = brackets - 2;
            format!("{{ case(id: {}\"x\"{}) {{ id }} }}", "[".repeat(inner), "]".repeat(inner))
        };
        let limit = redress::graphql::limits::MAX_NESTING;
        let at_limit = app.graphql_unvalidated(Some(&token), &at(limit), json!({})).await;
        assert_eq!(at_limit.code(), "BAD_USER_INPUT");
        assert!(!at_limit.message().contains("nested too deeply"), "{}", at_limit.body);
        let over = app.graphql_unvalidated(Some(&token), &at(limit + 1), json!({})).await;
        assert_too_deep(&over, "one past the limit");
    }

    async fn a_socket_that_never_signs_in_is_closed(app: TestApp) {
        let mut ws = open_socket(&app).await;
        match frame(&mut ws).await {
            Frame::Closed(code) => assert_eq!(code, Some(4408)),
            Frame::Json(message) => panic!("expected a close, got {message}"),
        }
        // One that signs in in time stays open past the window.
        let token = app.token("leeds", &["frontline"], "fo");
        let mut ws = signed_in(&app, &token).await;
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        send(&mut ws, json!({ "type": "ping" })).await;
        assert_eq!(json_frame(&mut ws).await["type"], "pong");
    }

    async fn a_subscription_ends_when_its_token_expires(app: TestApp) {
        let short = token_with(json!({
            "sub": "fo-short", "council": "leeds", "roles": ["frontline"], "exp": now() + 3,
        }));
        let long = app.token("leeds", &["frontline"], "fo-long");
        let query = "subscription { caseUpdates { reference eventKind } }";
        let mut sockets = Vec::new();
        for token in [&short, &long] {
            let mut ws = signed_in(&app, token).await;
            send(&mut ws, json!({ "id": "1", "type": "subscribe", "payload": { "query": query } })).await;
            sockets.push(ws);
        }
        for _ in 0..400 {
            if app.state.feed.listeners() >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let first = app.log_complaint("leeds", "Before expiry").await;
        for ws in &mut sockets {
            let item = json_frame(ws).await;
            assert_eq!(item["payload"]["data"]["caseUpdates"]["reference"], first["reference"], "{item}");
        }

        let (short_ws, long_ws) = sockets.split_at_mut(1);
        let short_ws = &mut short_ws[0];
        let long_ws = &mut long_ws[0];
        match frame(short_ws).await {
            Frame::Closed(code) => assert_eq!(code, Some(4401)),
            Frame::Json(message) => panic!("expected a close at expiry, got {message}"),
        }
        let second = app.log_complaint("leeds", "After expiry").await;
        let item = json_frame(long_ws).await;
        assert_eq!(item["payload"]["data"]["caseUpdates"]["reference"], second["reference"], "{item}");
    }
}

/// An operation of exactly `target` complexity (at least 2): counts of
/// pages (`cases(first: k) { totalCount }` costs 50k + 1), then
/// `me { subject }` (2) and `me { subject name }` (3).
fn costing(target: usize) -> String {
    let mut parts = Vec::new();
    let mut left = target;
    while left >= 53 {
        let k = ((left - 3) / 50).min(100);
        parts.push(format!(
            "c{}: cases(first: {k}) {{ totalCount }}",
            parts.len()
        ));
        left -= 50 * k + 1;
    }
    while left > 0 {
        if left == 3 {
            parts.push(format!("m{}: me {{ subject name }}", parts.len()));
            left = 0;
        } else {
            parts.push(format!("m{}: me {{ subject }}", parts.len()));
            left -= 2;
        }
    }
    format!("{{ {} }}", parts.join(" "))
}

/// A body of exactly `len` bytes asking `{ me { subject } }`.
fn body_of(len: usize) -> String {
    let empty = json!({ "query": "{ me { subject } }", "variables": { "pad": "" } }).to_string();
    json!({ "query": "{ me { subject } }", "variables": { "pad": "x".repeat(len - empty.len()) } })
        .to_string()
}

async fn post_raw(app: &TestApp, token: &str, body: String) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

on_both_databases! {
    async fn work_per_request_is_bounded_at_each_limit(app: TestApp) {
        use redress::graphql::limits::{MAX_BATCH, MAX_COMPLEXITY, MAX_DEPTH, TOTAL_COUNT_COMPLEXITY};
        let token = app.token("leeds", &["customer_feedback_manager"], "cfm");
        app.log_complaint("leeds", "Counted").await;

        // Depth: introspection nests as deep as asked.
        let nested = |depth: usize| {
            let mut selection = String::from("name");
            for _ in 0..depth - 4 {
                selection = format!("ofType {{ {selection} }}");
            }
            format!("{{ __type(name: \"Case\") {{ fields {{ type {{ {selection} }} }} }} }}")
        };
        app.graphql(Some(&token), &nested(MAX_DEPTH), json!({})).await.data();
        let too_deep = app.graphql(Some(&token), &nested(MAX_DEPTH + 1), json!({})).await;
        assert_eq!(too_deep.code(), "BAD_USER_INPUT");
        assert!(too_deep.message().contains("nested too deep"), "{}", too_deep.body);

        // Complexity.
        app.graphql(Some(&token), &costing(MAX_COMPLEXITY), json!({})).await.data();
        let over = app.graphql(Some(&token), &costing(MAX_COMPLEXITY + 1), json!({})).await;
        assert_eq!(over.code(), "BAD_USER_INPUT");
        assert!(over.message().contains("too complex"), "{}", over.body);

        // A count costs as much as it works: a page of 1 with its count.
        let counts = |n: usize| -> String {
            let fields: String = (0..n).map(|i| format!("c{i}: cases(first: 1) {{ totalCount }} ")).collect();
            format!("{{ {fields} }}")
        };
        let per_count = TOTAL_COUNT_COMPLEXITY + 1;
        let most = MAX_COMPLEXITY / per_count;
        let allowed = app.graphql(Some(&token), &counts(most), json!({})).await;
        assert_eq!(allowed.data()["c0"]["totalCount"], 1);
        let refused = app.graphql(Some(&token), &counts(most + 1), json!({})).await;
        assert_eq!(refused.code(), "BAD_USER_INPUT");
        assert!(refused.body["data"].is_null(), "{}", refused.body);

        // Fields written in one document, aliases included.
        use redress::graphql::limits::MAX_FIELDS;
        let fields = |n: usize| {
            let aliases: String = (0..n - 1).map(|i| format!("s{i}: subject ")).collect();
            format!("{{ me {{ {aliases} }} }}")
        };
        let most = app.graphql(Some(&token), &fields(MAX_FIELDS), json!({})).await;
        assert_eq!(most.data()["me"]["s0"], "cfm");
        let too_many = app.graphql(Some(&token), &fields(MAX_FIELDS + 1), json!({})).await;
        assert_eq!(too_many.code(), "BAD_USER_INPUT");
        assert!(too_many.message().contains("fields"), "{}", too_many.body);

        // Pages of 100 and 101.
        let page = |n: i32| format!("{{ cases(first: {n}) {{ edges {{ node {{ id }} }} }} }}");
        app.graphql(Some(&token), &page(100), json!({})).await.data();
        let too_long = app.graphql(Some(&token), &page(101), json!({})).await;
        assert_eq!(too_long.code(), "BAD_USER_INPUT");
        assert_eq!(too_long.field(), Some("first"));

        // Batches: the operation count, and one complexity budget for all.
        let op = json!({ "query": "{ me { subject } }" });
        let (status, body) = post_raw(&app, &token, Value::Array(vec![op.clone(); MAX_BATCH]).to_string()).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body.as_array().unwrap().len(), MAX_BATCH);
        assert!(body.as_array().unwrap().iter().all(|r| r["data"]["me"]["subject"] == "cfm"), "{body}");
        let (status, body) = post_raw(&app, &token, Value::Array(vec![op; MAX_BATCH + 1]).to_string()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        let half = json!({ "query": costing(MAX_COMPLEXITY / 2) });
        let (status, body) = post_raw(&app, &token, json!([half, half]).to_string()).await;
        assert_eq!(status, 200);
        assert!(body.as_array().unwrap().iter().all(|r| r.get("errors").is_none()), "{body}");
        let (_, body) = post_raw(&app, &token, json!([half, half, { "query": "{ me { subject } }" }]).to_string()).await;
        let results = body.as_array().unwrap();
        assert!(results[0].get("errors").is_none() && results[1].get("errors").is_none(), "{body}");
        assert_eq!(results[2]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert!(results[2]["data"].is_null(), "{body}");

        // Bodies: the test server takes 64 KiB.
        let limit = 64 * 1024;
        let (status, body) = post_raw(&app, &token, body_of(limit)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["me"]["subject"], "cfm");
        let (status, body) = post_raw(&app, &token, body_of(limit + 1)).await;
        assert_eq!(status, 413);
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

        assert_eq!(app.case_count("leeds").await, 1);
    }

    async fn refusals_of_the_whole_request_name_no_place_in_it(app: TestApp) {
        let token = app.token("leeds", &["frontline"], "fo");
        let too_many_fields = format!("{{ me {{ {} }} }}", "subject ".repeat(1_001));
        let refusals = [
            ("not signed in", None, "{ me { subject } }".to_owned()),
            ("nested too deeply", Some(token.as_str()), nested_queries(65)[0].1.clone()),
            ("too many fields", Some(token.as_str()), too_many_fields),
        ];
        for (what, token, query) in refusals {
            let single = app.graphql_unvalidated(token, &query, json!({})).await;
            let error = &single.body["errors"][0];
            assert!(error["extensions"]["code"].is_string(), "{what}: {}", single.body);
            assert!(error.get("locations").is_none(), "{what}: {}", single.body);
            if let Some(token) = token {
                let (_, batch) = post_raw(&app, token, json!([{ "query": query }]).to_string()).await;
                let error = &batch[0]["errors"][0];
                assert!(error["extensions"]["code"].is_string(), "{what}, batched: {batch}");
                assert!(error.get("locations").is_none(), "{what}, batched: {batch}");
            }
        }
        // A date refused where it is written still points at it.
        let dated = "{ cases(filter: { receivedFrom: \"yesterday\" }) { totalCount } }";
        let refused = app.graphql_unvalidated(Some(&token), dated, json!({})).await;
        assert_eq!(refused.code(), "BAD_USER_INPUT", "{}", refused.body);
        assert!(refused.body["errors"][0]["locations"][0]["line"].as_u64() >= Some(1), "{}", refused.body);
    }

    async fn a_query_asked_again_is_checked_again(app: TestApp) {
        let token = app.token("leeds", &["customer_feedback_manager"], "cfm");
        // Refused the same way every time, whatever an earlier request left behind.
        let wrong = "{ cases(first: \"ten\") { totalCount } }";
        for _ in 0..2 {
            let refused = app.graphql_unvalidated(Some(&token), wrong, json!({})).await;
            assert_eq!(refused.code(), "BAD_USER_INPUT");
        }
        let named = "query Page { cases(first: \"ten\") { totalCount } }";
        let (_, other) = post_raw(&app, &token, json!({ "query": named, "operationName": "Other" }).to_string()).await;
        assert!(other["errors"].is_array(), "{other}");
        let (_, page) = post_raw(&app, &token, json!({ "query": named, "operationName": "Page" }).to_string()).await;
        assert_eq!(page["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{page}");
        assert!(page["data"].is_null(), "{page}");

        // A valid query answers for each caller, from the same document.
        let count = "{ cases { totalCount } }";
        app.log_complaint("leeds", "Counted").await;
        for (council, expected) in [("leeds", 1), ("north-norfolk", 0), ("leeds", 1)] {
            let reader = app.token(council, &["customer_feedback_manager"], "cfm");
            let answer = app.graphql(Some(&reader), count, json!({})).await;
            assert_eq!(answer.data()["cases"]["totalCount"], expected, "{council}");
        }
        // The same text with variables is validated with them.
        let sized = "query($n: Int) { cases(first: $n) { totalCount } }";
        app.graphql(Some(&token), sized, json!({ "n": 5 })).await.data();
        assert_eq!(app.graphql(Some(&token), sized, json!({ "n": "five" })).await.code(), "BAD_USER_INPUT");
    }
}
