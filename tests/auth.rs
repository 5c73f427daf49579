//! Tokens: every way a token can be wrong gets the right typed error, and
//! nothing is written.

mod common;

use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const ME: &str = "{ me { subject roles council { slug name } } }";

on_both_databases! {
    async fn valid_token_identifies_the_caller(app: TestApp) {
        let token = app.token("leeds", &["frontline", "dcro"], "alice");
        let me = app.graphql(Some(&token), ME, json!({})).await;
        let me = &me.data()["me"];
        assert_eq!(me["subject"], "alice");
        assert_eq!(me["roles"], json!(["FRONTLINE", "DCRO"]));
        assert_eq!(me["council"]["slug"], "leeds");
        assert_eq!(me["council"]["name"], "Leeds City Council");
    }

    async fn bad_tokens_are_refused_and_write_nothing(app: TestApp) {
        let input = json!({ "input": complaint_input("Should never be stored") });
        let base = json!({ "sub": "mallory", "council": "leeds", "roles": ["frontline"] });
        let with = |extra: serde_json::Value| {
            let mut claims = base.clone();
            claims.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            claims
        };
        let cases: Vec<(&str, String, u16, &str)> = vec![
            ("expired", token_with(with(json!({ "exp": now() - 3600 }))), 401, "UNAUTHENTICATED"),
            ("not yet valid", token_with(with(json!({ "exp": now() + 7200, "nbf": now() + 3600 }))), 401, "UNAUTHENTICATED"),
            ("no exp", token_with(base.clone()), 401, "UNAUTHENTICATED"),
            ("no council", token_with(json!({ "sub": "m", "roles": ["frontline"], "exp": now() + 60 })), 401, "UNAUTHENTICATED"),
            ("wrong signature", jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &with(json!({ "exp": now() + 3600 })),
                &EncodingKey::from_secret(b"some-other-secret-entirely"),
            ).unwrap(), 401, "UNAUTHENTICATED"),
            ("alg none", unsigned_token(&with(json!({ "exp": now() + 3600 }))), 401, "UNAUTHENTICATED"),
            ("HS512 not allowed", jsonwebtoken::encode(
                &Header::new(Algorithm::HS512),
                &with(json!({ "exp": now() + 3600 })),
                &EncodingKey::from_secret(SECRET.as_bytes()),
            ).unwrap(), 401, "UNAUTHENTICATED"),
            ("garbage", "not-a-jwt".into(), 401, "UNAUTHENTICATED"),
            ("unknown council", token_with(json!({ "sub": "m", "council": "atlantis", "roles": ["frontline"], "exp": now() + 60 })), 403, "FORBIDDEN"),
            ("unknown role", token_with(json!({ "sub": "m", "council": "leeds", "roles": ["superuser"], "exp": now() + 60 })), 403, "FORBIDDEN"),
            ("no roles", token_with(json!({ "sub": "m", "council": "leeds", "roles": [], "exp": now() + 60 })), 403, "FORBIDDEN"),
        ];
        for (what, token, status, code) in cases {
            let response = app.graphql(Some(&token), LOG_CONTACT, input.clone()).await;
            assert_eq!(response.status, status, "{what}: {}", response.body);
            assert_eq!(response.code(), code, "{what}");
            assert!(response.body["data"].is_null(), "{what}");
        }
        let bare = app
            .client
            .post(format!("{}/graphql", app.address))
            .header("Authorization", "Basic dXNlcjpwYXNz")
            .json(&json!({ "query": ME }))
            .send()
            .await
            .unwrap();
        assert_eq!(bare.status().as_u16(), 401);
        assert_eq!(app.case_count("leeds").await, 0);
    }

    async fn missing_token_is_unauthenticated(app: TestApp) {
        let response = app.graphql(None, LOG_CONTACT, json!({ "input": complaint_input("No token") })).await;
        assert_eq!(response.code(), "UNAUTHENTICATED");
        let response = app.graphql(None, ME, json!({})).await;
        assert_eq!(response.code(), "UNAUTHENTICATED");
        assert_eq!(app.case_count("leeds").await, 0);
    }

    async fn policy_admins_cannot_log_contacts(app: TestApp) {
        let token = app.token("leeds", &["policy_admin"], "pat");
        let response = app.graphql(Some(&token), LOG_CONTACT, json!({ "input": complaint_input("Nope") })).await;
        assert_eq!(response.code(), "FORBIDDEN");
        let list = app.graphql(Some(&token), "{ cases { totalCount } }", json!({})).await;
        assert_eq!(list.code(), "FORBIDDEN");
        assert_eq!(app.case_count("leeds").await, 0);
    }
}

fn unsigned_token(claims: &serde_json::Value) -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{body}.")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issuer_and_audience_are_checked_when_configured() {
    let app = TestApp::spawn_sqlite_with(|args| {
        args.jwt.jwt_issuer = Some("https://idp.example.gov.uk".into());
        args.jwt.jwt_audience = Some("redress".into());
    })
    .await;
    let claims = |iss: &str, aud: &str| {
        token_with(json!({
            "sub": "alice", "council": "leeds", "roles": ["frontline"], "exp": now() + 600,
            "iss": iss, "aud": aud,
        }))
    };
    let good = app
        .graphql(
            Some(&claims("https://idp.example.gov.uk", "redress")),
            ME,
            json!({}),
        )
        .await;
    assert_eq!(good.data()["me"]["subject"], "alice");
    for (iss, aud) in [
        ("https://evil.example", "redress"),
        ("https://idp.example.gov.uk", "other-app"),
    ] {
        let bad = app.graphql(Some(&claims(iss, aud)), ME, json!({})).await;
        assert_eq!(bad.status, 401);
        assert_eq!(bad.code(), "UNAUTHENTICATED");
    }
    // RFC 7519 allows a list of audiences: accepted when ours is in it.
    let listed = |aud: Value| {
        token_with(json!({
            "sub": "alice", "council": "leeds", "roles": ["frontline"], "exp": now() + 600,
            "iss": "https://idp.example.gov.uk", "aud": aud,
        }))
    };
    let among = app
        .graphql(Some(&listed(json!(["portal", "redress"]))), ME, json!({}))
        .await;
    assert_eq!(among.data()["me"]["subject"], "alice");
    for aud in [json!(["portal", "other-app"]), json!([])] {
        let bad = app.graphql(Some(&listed(aud.clone())), ME, json!({})).await;
        assert_eq!(bad.code(), "UNAUTHENTICATED", "{aud}");
    }
    let missing = token_with(
        json!({ "sub": "a", "council": "leeds", "roles": ["frontline"], "exp": now() + 600 }),
    );
    assert_eq!(
        app.graphql(Some(&missing), ME, json!({})).await.code(),
        "UNAUTHENTICATED"
    );
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// An identity provider signing with its private key; the server holds only
/// the public key. Keys in tests/fixtures exist for these tests alone.
async fn public_key_app(public: &str) -> TestApp {
    let key = fixture(public);
    TestApp::spawn_sqlite_with(move |args| {
        args.jwt.jwt_secret = None;
        args.jwt.jwt_public_key = Some(key);
    })
    .await
}

fn claims() -> serde_json::Value {
    json!({ "sub": "alice", "council": "leeds", "roles": ["frontline"], "exp": now() + 600 })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rs256_tokens_verify_with_the_configured_public_key() {
    let app = public_key_app("rs256-test-public.pem").await;
    let private = std::fs::read(fixture("rs256-test-private.pem")).unwrap();
    let signed = jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &claims(),
        &EncodingKey::from_rsa_pem(&private).unwrap(),
    )
    .unwrap();
    assert_eq!(
        app.graphql(Some(&signed), ME, json!({})).await.data()["me"]["subject"],
        "alice"
    );

    // HS256 is off without a secret, and the public key is no HMAC secret
    // (the algorithm-confusion attack).
    let public = std::fs::read(fixture("rs256-test-public.pem")).unwrap();
    for token in [
        token_with(claims()),
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims(),
            &EncodingKey::from_secret(&public),
        )
        .unwrap(),
    ] {
        let refused = app.graphql(Some(&token), ME, json!({})).await;
        assert_eq!(refused.status, 401);
        assert_eq!(refused.code(), "UNAUTHENTICATED");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn es256_tokens_verify_with_the_configured_public_key() {
    let app = public_key_app("es256-test-public.pem").await;
    let private = std::fs::read(fixture("es256-test-private.pem")).unwrap();
    let signed = jsonwebtoken::encode(
        &Header::new(Algorithm::ES256),
        &claims(),
        &EncodingKey::from_ec_pem(&private).unwrap(),
    )
    .unwrap();
    assert_eq!(
        app.graphql(Some(&signed), ME, json!({})).await.data()["me"]["subject"],
        "alice"
    );
    let other = std::fs::read(fixture("rs256-test-private.pem")).unwrap();
    let wrong = jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &claims(),
        &EncodingKey::from_rsa_pem(&other).unwrap(),
    )
    .unwrap();
    assert_eq!(
        app.graphql(Some(&wrong), ME, json!({})).await.code(),
        "UNAUTHENTICATED"
    );
}
