//! The JSON Web Token Best Current Practices (RFC 8725), checked over HTTP
//! against a running server. Each test names the section it proves.
//!
//! Also covered elsewhere and not repeated here (`tests/auth.rs`): an
//! expired token, a missing `exp`, `nbf` in the future, a wrong secret,
//! `alg: none` and HS512 with the shared secret, wrong `iss`/`aud` when
//! configured, and RS256 with the public key used as an HMAC secret when
//! only a public key is configured. Another council's cases being not
//! found for a valid token: `tests/tenancy_and_queries.rs`; its live
//! updates: `tests/subscriptions.rs`.

mod common;

use std::{path::PathBuf, time::Duration};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use redress::{
    auth::{JwtConfig, MAX_LEEWAY_SECS, MAX_TOKEN_BYTES, MIN_SECRET_BYTES},
    config::{JwtArgs, ServeArgs},
};
use serde_json::{Value, json};

const ME: &str = "{ me { subject council { slug } } }";

fn leeds(extra: Value) -> Value {
    let mut claims = json!({
        "sub": "mallory", "council": "leeds", "roles": ["frontline"], "exp": now() + 600,
    });
    claims
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    claims
}

/// A token written byte for byte, signed with `key` under `alg`: headers
/// and claims the usual encoder would never produce.
fn raw_token(header: &str, claims: &str, key: &EncodingKey, alg: Algorithm) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).unwrap();
    format!("{message}.{signature}")
}

fn secret() -> EncodingKey {
    EncodingKey::from_secret(SECRET.as_bytes())
}

fn signed(header: Header, claims: &Value) -> String {
    jsonwebtoken::encode(&header, claims, &secret()).unwrap()
}

/// Answers 401 UNAUTHENTICATED (or, for a readable token naming a council
/// or role this server does not know, 403 FORBIDDEN) with no data.
async fn refused(app: &TestApp, what: &str, token: &str) -> Gql {
    let response = app.graphql(Some(token), ME, json!({})).await;
    let code = response.body["errors"][0]["extensions"]["code"].as_str();
    assert!(
        matches!(
            (response.status, code),
            (401, Some("UNAUTHENTICATED")) | (403, Some("FORBIDDEN"))
        ),
        "{what}: HTTP {} {}",
        response.status,
        response.body
    );
    assert!(response.body["data"].is_null(), "{what}: {}", response.body);
    response
}

async fn accepted(app: &TestApp, what: &str, token: &str) {
    let response = app.graphql(Some(token), ME, json!({})).await;
    assert_eq!(response.status, 200, "{what}: {}", response.body);
    assert_eq!(
        response.data()["me"]["subject"],
        "mallory",
        "{what}: {}",
        response.body
    );
}

on_both_databases! {
    // RFC 8725 3.1 and 3.2: only the configured algorithm, with the
    // configured key, over the exact bytes that were signed.
    async fn only_the_configured_algorithm_and_key_verify(app: TestApp) {
        let claims = leeds(json!({}));
        let good = signed(Header::new(Algorithm::HS256), &claims);
        accepted(&app, "HS256 with the secret", &good).await;

        let body = claims.to_string();
        for alg in ["none", "None", "NONE", "nOnE"] {
            let header = json!({ "alg": alg, "typ": "JWT" }).to_string();
            let unsigned = format!("{}.{}.", URL_SAFE_NO_PAD.encode(&header), URL_SAFE_NO_PAD.encode(&body));
            refused(&app, alg, &unsigned).await;
            // The HS256 signature of the same bytes does not make it valid.
            let with_signature = raw_token(&header, &body, &secret(), Algorithm::HS256);
            refused(&app, &format!("{alg} with a signature"), &with_signature).await;
        }
        for alg in [Algorithm::HS384, Algorithm::HS512] {
            refused(&app, &format!("{alg:?} with the secret"), &signed(Header::new(alg), &claims)).await;
        }
        // The header says HS256 but names an algorithm list or object.
        for alg in [json!(["HS256"]), json!({ "name": "HS256" }), json!(null)] {
            let header = json!({ "alg": alg }).to_string();
            refused(&app, &format!("alg {alg}"), &raw_token(&header, &body, &secret(), Algorithm::HS256)).await;
        }

        // Tampering: another council in the payload under the original
        // signature, a flipped signature, none at all, extra segments.
        let [head, payload, signature]: [&str; 3] = good.split('.').collect::<Vec<_>>().try_into().unwrap();
        let other = URL_SAFE_NO_PAD.encode(leeds(json!({ "council": "leicester" })).to_string());
        refused(&app, "payload swapped", &format!("{head}.{other}.{signature}")).await;
        let mut flipped = signature.as_bytes().to_vec();
        flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        refused(&app, "signature flipped", &format!("{head}.{payload}.{flipped}")).await;
        refused(&app, "signature removed", &format!("{head}.{payload}.")).await;
        refused(&app, "signature truncated", &format!("{head}.{payload}.{}", &signature[..10])).await;
        refused(&app, "extra segment", &format!("{good}.{signature}")).await;
        refused(&app, "padded base64", &format!("{head}.{payload}=.{signature}")).await;

        // RFC 7515 4.1.11: a critical extension nobody here understands.
        let mut critical = Header::new(Algorithm::HS256);
        critical.crit = Some(vec!["exp".into()]);
        let response = refused(&app, "crit", &signed(critical, &claims)).await;
        assert!(response.message().contains("critical"), "{}", response.body);
        accepted(&app, "still accepted afterwards", &good).await;
    }

    // RFC 8725 3.10: key hints in the header are never trusted or fetched;
    // only the configured secret verifies.
    async fn key_hints_in_the_header_are_never_followed(app: TestApp) {
        // Key URLs point here; a fetch would connect while the token is
        // verified, before the answer, and wait in the backlog to be seen.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/keys.json", listener.local_addr().unwrap());

        let claims = leeds(json!({})).to_string();
        let attacker = EncodingKey::from_secret(b"the attacker's own secret, 32 bytes+");
        let attacker_jwk = json!({ "kty": "oct", "k": URL_SAFE_NO_PAD.encode("the attacker's own secret, 32 bytes+") });
        let hints = [
            json!({ "alg": "HS256", "jku": url }),
            json!({ "alg": "HS256", "x5u": url }),
            json!({ "alg": "HS256", "jwk": attacker_jwk }),
            json!({ "alg": "HS256", "kid": "../../../../../../dev/null" }),
            json!({ "alg": "HS256", "kid": "' UNION SELECT 'key' --" }),
            json!({ "alg": "HS256", "kid": url, "x5c": ["MIIB"] }),
        ];
        for header in &hints {
            let header = header.to_string();
            // Signed by the attacker with the key the header points at: refused.
            refused(&app, &header, &raw_token(&header, &claims, &attacker, Algorithm::HS256)).await;
            // With an empty key, as a `kid` naming /dev/null would give.
            let empty = EncodingKey::from_secret(b"");
            refused(&app, &header, &raw_token(&header, &claims, &empty, Algorithm::HS256)).await;
            // Signed with the configured secret the hints change nothing.
            accepted(&app, &header, &raw_token(&header, &claims, &secret(), Algorithm::HS256)).await;
        }
        let fetched = tokio::time::timeout(Duration::from_millis(500), listener.accept()).await;
        assert!(fetched.is_err(), "the server connected to a key URL from a token header");
    }

    // RFC 8725 2.8 and 3.9: claims mean one thing; a claim of the wrong
    // type or written twice is refused, not read one of two ways.
    async fn claims_are_read_one_way_only(app: TestApp) {
        let mallory = |rest: &str| format!(r#"{{"sub":"mallory","roles":["frontline"],"exp":{},{rest}}}"#, now() + 600);
        let header = r#"{"alg":"HS256","typ":"JWT"}"#;
        let cases = [
            ("council twice", mallory(r#""council":"leicester","council":"leeds""#)),
            ("council as a list", mallory(r#""council":["leeds"]"#)),
            ("council in capitals", mallory(r#""council":"LEEDS""#)),
            ("council padded", mallory(r#""council":" leeds""#)),
            ("council empty", mallory(r#""council":"""#)),
            ("exp twice", format!(r#"{{"sub":"mallory","council":"leeds","roles":["frontline"],"exp":{},"exp":{}}}"#, now() - 3600, now() + 600)),
            ("exp as text", format!(r#"{{"sub":"mallory","council":"leeds","roles":["frontline"],"exp":"{}"}}"#, now() + 600)),
            ("exp as a fraction", format!(r#"{{"sub":"mallory","council":"leeds","roles":["frontline"],"exp":{}.5}}"#, now() + 600)),
            ("exp negative", r#"{"sub":"mallory","council":"leeds","roles":["frontline"],"exp":-1}"#.to_string()),
            ("roles as text", format!(r#"{{"sub":"mallory","council":"leeds","roles":"dcro","exp":{}}}"#, now() + 600)),
            ("sub empty", format!(r#"{{"sub":" ","council":"leeds","roles":["frontline"],"exp":{}}}"#, now() + 600)),
            ("not an object", "[]".to_string()),
        ];
        for (what, claims) in cases {
            refused(&app, what, &raw_token(header, &claims, &secret(), Algorithm::HS256)).await;
        }
    }

    // RFC 8725 3.10 and 3.12: the council a token names is the only one it
    // reaches; acting on another council's case finds nothing and writes
    // nothing.
    async fn a_token_for_another_council_never_reaches_its_cases(app: TestApp) {
        let case = app.log_complaint("leeds", "Leeds only").await;
        let id = case["id"].as_str().unwrap();
        let before = app.case("leeds", id).await;
        let roles = ["frontline", "investigating_officer", "dcro", "customer_feedback_manager"];
        let leicester = app.token("leicester", &roles, "leicester-staff");
        let acted = app.act(&leicester, "acknowledgeCase", id, json!({})).await;
        assert_eq!(acted.code(), "NOT_FOUND", "{}", acted.body);
        assert!(!acted.body.to_string().contains(case["reference"].as_str().unwrap()), "{}", acted.body);
        let withdrawn = app.act(&leicester, "withdrawCase", id, json!({ "reason": "not theirs" })).await;
        assert_eq!(withdrawn.code(), "NOT_FOUND", "{}", withdrawn.body);
        assert_eq!(app.case("leeds", id).await, before, "another council's token changed the case");
    }
}

fn with_leeway(leeway: u64) -> impl FnOnce(&mut ServeArgs) {
    move |args| args.jwt.jwt_leeway_secs = leeway
}

/// RFC 8725 3.8 and RFC 7519 4.1.4/4.1.5: `exp` and `nbf` hold within the
/// configured leeway (5 s on the test server) and not a second beyond it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_claims_hold_within_the_leeway_only() {
    let app = TestApp::spawn_sqlite_with(with_leeway(60)).await;
    let at = |exp: i64, nbf: Option<i64>| {
        let now = now() as i64;
        let mut claims = leeds(json!({ "exp": now + exp }));
        if let Some(nbf) = nbf {
            claims["nbf"] = json!(now + nbf);
        }
        signed(Header::new(Algorithm::HS256), &claims)
    };
    // Margins of 20 s either side keep a slow run on the same side.
    accepted(&app, "expired within the leeway", &at(-40, None)).await;
    refused(&app, "expired past the leeway", &at(-80, None)).await;
    accepted(&app, "nbf within the leeway", &at(600, Some(40))).await;
    refused(&app, "nbf past the leeway", &at(600, Some(80))).await;
}

fn jwt_args(secret: &str, leeway: u64) -> JwtArgs {
    JwtArgs {
        jwt_secret: Some(secret.into()),
        jwt_public_key: None,
        jwt_issuer: None,
        jwt_audience: None,
        jwt_leeway_secs: leeway,
    }
}

/// RFC 8725 3.5 and RFC 7518 3.2: an HS256 secret shorter than the hash is
/// refused at start-up, and so is a leeway that would keep expired tokens
/// alive.
#[test]
fn weak_settings_stop_start_up() {
    let long_enough = "x".repeat(MIN_SECRET_BYTES);
    assert!(JwtConfig::from_args(&jwt_args(&long_enough, MAX_LEEWAY_SECS)).is_ok());
    let short = JwtConfig::from_args(&jwt_args(&long_enough[1..], 30))
        .err()
        .unwrap();
    assert!(short.to_string().contains("at least"), "{short}");
    let lax = JwtConfig::from_args(&jwt_args(&long_enough, MAX_LEEWAY_SECS + 1))
        .err()
        .unwrap();
    assert!(lax.to_string().contains("LEEWAY"), "{lax}");
}

/// RFC 8725 3.1 with a public key configured beside the secret: a token
/// signed with HS256 using the public key as the HMAC secret does not verify,
/// and HS256 stays bound to the shared secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_key_is_never_an_hmac_secret() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let key = dir.join("rs256-test-public.pem");
    let app = TestApp::spawn_sqlite_with(move |args| args.jwt.jwt_public_key = Some(key)).await;
    let claims = leeds(json!({}));
    let public = std::fs::read(dir.join("rs256-test-public.pem")).unwrap();
    let confused = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&public),
    )
    .unwrap();
    refused(&app, "HS256 keyed with the public key", &confused).await;
    let private = std::fs::read(dir.join("rs256-test-private.pem")).unwrap();
    let rs256 = jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &claims,
        &EncodingKey::from_rsa_pem(&private).unwrap(),
    )
    .unwrap();
    accepted(&app, "RS256 with the identity provider's key", &rs256).await;
    accepted(
        &app,
        "HS256 with the secret",
        &signed(Header::new(Algorithm::HS256), &claims),
    )
    .await;
    for alg in [Algorithm::RS384, Algorithm::RS512, Algorithm::PS256] {
        let other = jsonwebtoken::encode(
            &Header::new(alg),
            &claims,
            &EncodingKey::from_rsa_pem(&private).unwrap(),
        )
        .unwrap();
        refused(&app, &format!("{alg:?} with the right key"), &other).await;
    }
}

/// An oversized token is refused by its length, before any decoding, and a
/// header too large for HTTP is refused by the server without harm.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_tokens_are_refused_before_decoding() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let padded = |len: usize| {
        let bare = signed(Header::new(Algorithm::HS256), &leeds(json!({ "pad": "" }))).len();
        // Base64 writes 4 characters for every 3 bytes of claims.
        let pad = "x".repeat((len - bare) * 3 / 4);
        signed(Header::new(Algorithm::HS256), &leeds(json!({ "pad": pad })))
    };
    let under = padded(MAX_TOKEN_BYTES - 8);
    assert!(under.len() <= MAX_TOKEN_BYTES);
    accepted(&app, "just under the limit", &under).await;
    let over = padded(MAX_TOKEN_BYTES + 8);
    assert!(over.len() > MAX_TOKEN_BYTES);
    let response = refused(&app, "just over the limit", &over).await;
    assert!(
        response.message().contains("longer than"),
        "{}",
        response.body
    );
    // Garbage of the same size is refused the same way, by length alone.
    let response = refused(&app, "garbage", &"a.b.".repeat(MAX_TOKEN_BYTES / 4 + 1)).await;
    assert!(
        response.message().contains("longer than"),
        "{}",
        response.body
    );

    let huge = "a".repeat(256 * 1024);
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("Authorization", format!("Bearer {huge}"))
        .json(&json!({ "query": ME }))
        .send()
        .await;
    if let Ok(response) = response {
        assert!(response.status().is_client_error(), "{}", response.status());
    }
    accepted(&app, "the server still answers", &under).await;
}
