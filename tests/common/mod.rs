//! Starts the real application on a random port with a fresh database and
//! talks to it over HTTP with real tokens.
#![allow(dead_code)]

mod actions;
#[allow(unused_imports)]
pub use actions::*;

use std::{
    path::PathBuf,
    sync::{Arc, LazyLock},
    time::Duration,
};

use apollo_compiler::{ExecutableDocument, Schema, validation::Valid};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use redress::{
    app::Application,
    config::{DatabaseArgs, JwtArgs, LogFormat, ServeArgs},
    state::AppState,
};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest},
};

/// The committed schema that front-end teams build against.
static SCHEMA: LazyLock<Valid<Schema>> = LazyLock::new(|| {
    Schema::parse_and_validate(include_str!("../../schema.graphql"), "schema.graphql")
        .unwrap_or_else(|errors| panic!("schema.graphql is not a valid schema:\n{errors}"))
});

/// Panics unless a standard GraphQL validator accepts `query` against
/// `schema.graphql`: what a test sends, a real client could send.
pub fn assert_valid_document(query: &str) {
    if let Err(errors) = ExecutableDocument::parse_and_validate(&SCHEMA, query, "query.graphql") {
        panic!("schema.graphql does not allow this document:\n{query}\n{errors}");
    }
}

/// A `graphql-transport-ws` `subscribe` message for a valid document.
pub fn subscribe_message(id: &str, query: &str, variables: Value) -> Message {
    assert_valid_document(query);
    Message::text(
        json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } })
            .to_string(),
    )
}

/// A websocket on `/graphql`.
pub type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

pub const SECRET: &str = "test-secret-for-integration-tests-only";
/// The server's "now" in tests, so the councils' worked dates (Christmas
/// 2026, Easter 2027) are in the past and results never depend on the day
/// the suite runs.
pub const NOW: &str = "2027-06-01T09:00:00Z";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub backend: Backend,
    pub database_url: String,
    pub state: Arc<AppState>,
    _dir: Option<TempDir>,
}

/// Runs each scenario once on SQLite and once on PostgreSQL (when
/// `REDRESS_TEST_POSTGRES_URL` is set; CI always sets it). Written
/// `on_both_databases! { configured by f; ... }`, each server's settings are
/// first changed by `f(&mut ServeArgs)`.
#[macro_export]
macro_rules! on_both_databases {
    (configured by $configure:path; $(async fn $name:ident($app:ident: TestApp) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn scenario($app: TestApp) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = TestApp::spawn_configured(Backend::Sqlite, $configure).await;
                    scenario(app.expect("SQLite always starts")).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(app) = TestApp::spawn_configured(Backend::Postgres, $configure).await {
                        scenario(app).await
                    }
                }
            }
        )*
    };
    ($(async fn $name:ident($app:ident: TestApp) $body:block)*) => {
        $crate::on_both_databases! {
            configured by $crate::common::as_shipped;
            $(async fn $name($app: TestApp) $body)*
        }
    };
}

/// The settings every test server starts with, unchanged.
pub fn as_shipped(_: &mut ServeArgs) {}

pub fn serve_args(database_url: String) -> ServeArgs {
    ServeArgs {
        bind: "127.0.0.1:0".parse().unwrap(),
        database: DatabaseArgs {
            database_url,
            db_max_connections: 8,
        },
        jwt: JwtArgs {
            jwt_secret: Some(SECRET.into()),
            jwt_public_key: None,
            jwt_issuer: None,
            jwt_audience: None,
            jwt_leeway_secs: 5,
        },
        policy_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies"),
        log_format: LogFormat::Pretty,
        max_body_bytes: 64 * 1024,
        ws_init_timeout_ms: 10_000,
        workers: Some(2),
        watch_policies: Some(false),
        policy_sync_ms: 200,
        policy_threads: Default::default(),
        sweep_ms: 3_600_000,
        fixed_now: Some(NOW.parse().unwrap()),
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        match backend {
            Backend::Sqlite => Self::spawn_sqlite_with(|_| {}).await,
            Backend::Postgres => Self::spawn_postgres()
                .await
                .expect("REDRESS_TEST_POSTGRES_URL is set"),
        }
    }

    pub async fn spawn_sqlite_with(configure: impl FnOnce(&mut ServeArgs)) -> TestApp {
        let dir = TempDir::new().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("redress.db").display()
        );
        let mut args = serve_args(url);
        configure(&mut args);
        Self::start(args, Backend::Sqlite, Some(dir)).await
    }

    /// As `spawn` with changed settings; `None` for PostgreSQL when
    /// `REDRESS_TEST_POSTGRES_URL` is not set.
    pub async fn spawn_configured(
        backend: Backend,
        configure: impl FnOnce(&mut ServeArgs),
    ) -> Option<TestApp> {
        match backend {
            Backend::Sqlite => Some(Self::spawn_sqlite_with(configure).await),
            Backend::Postgres => {
                let Ok(admin_url) = std::env::var("REDRESS_TEST_POSTGRES_URL") else {
                    assert!(
                        std::env::var_os("CI").is_none(),
                        "CI must run the PostgreSQL half: set REDRESS_TEST_POSTGRES_URL"
                    );
                    return None;
                };
                let mut args = serve_args(fresh_postgres_database(&admin_url).await);
                configure(&mut args);
                Some(Self::start(args, Backend::Postgres, None).await)
            }
        }
    }

    /// A new, empty PostgreSQL database for this test alone.
    pub async fn spawn_postgres() -> Option<TestApp> {
        Self::spawn_configured(Backend::Postgres, as_shipped).await
    }

    pub async fn start(args: ServeArgs, backend: Backend, dir: Option<TempDir>) -> TestApp {
        if std::env::var_os("TEST_LOG").is_some() {
            redress::telemetry::init(LogFormat::Pretty);
        }
        let database_url = args.database.database_url.clone();
        let app = Application::build(args)
            .await
            .expect("the application starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            backend,
            database_url,
            state,
            _dir: dir,
        }
    }

    /// Opens a websocket on /graphql speaking `graphql-transport-ws` and
    /// sends `connection_init` carrying `payload`.
    pub async fn open_socket(&self, payload: Value) -> Socket {
        use futures::SinkExt;
        let url = format!("{}/graphql", self.address.replace("http://", "ws://"));
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (mut ws, _) = connect_async(request)
            .await
            .expect("the upgrade is accepted");
        ws.send(Message::text(
            json!({ "type": "connection_init", "payload": payload }).to_string(),
        ))
        .await
        .unwrap();
        ws
    }

    /// A signed token as an identity provider would issue it.
    pub fn token(&self, council: &str, roles: &[&str], sub: &str) -> String {
        token_with(json!({
            "sub": sub,
            "council": council,
            "roles": roles,
            "exp": now() + 3600,
        }))
    }

    /// Sends a document that must be valid against `schema.graphql`.
    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Gql {
        assert_valid_document(query);
        self.graphql_unvalidated(token, query, variables).await
    }

    /// Sends a document as it is, for the tests of what the server does
    /// with one a validator would refuse.
    pub async fn graphql_unvalidated(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Gql {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("a JSON body");
        Gql { status, body }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.address, path))
            .send()
            .await
            .unwrap()
    }

    /// Logs a complaint for `council` as frontline staff and returns the case.
    pub async fn log_complaint(&self, council: &str, subject: &str) -> Value {
        let token = self.token(council, &["frontline"], "frontline-officer");
        self.graphql(
            Some(&token),
            LOG_CONTACT,
            json!({ "input": complaint_input(subject) }),
        )
        .await
        .data()["logContact"]
            .clone()
    }

    /// Records a member of staff in the council's directory, as its customer
    /// feedback manager does before work is given to them; returns their id.
    pub async fn record_officer(&self, council: &str, subject: &str) -> uuid::Uuid {
        let token = self.token(council, &["customer_feedback_manager"], "directory-keeper");
        let answer = self
            .graphql(
                Some(&token),
                "mutation($i: OfficerInput!) { recordOfficer(input: $i) { id } }",
                json!({ "i": { "subject": subject } }),
            )
            .await;
        answer.data()["recordOfficer"]["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Every case of a council, counted by a staff member.
    pub async fn case_count(&self, council: &str) -> u64 {
        let token = self.token(council, &["customer_feedback_manager"], "counter");
        self.graphql(Some(&token), "{ cases { totalCount } }", json!({}))
            .await
            .data()["cases"]["totalCount"]
            .as_u64()
            .unwrap()
    }
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn token_with(claims: Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

async fn fresh_postgres_database(admin_url: &str) -> String {
    use sea_orm::{ConnectionTrait, Database};
    let name = format!("redress_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(admin_url)
        .await
        .expect("PostgreSQL is reachable");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create the test database");
    admin.close().await.ok();
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let prefix = &base[..base.rfind('/').expect("a database name in the URL")];
    format!("{prefix}/{name}{query}")
}

pub const LOG_CONTACT: &str = r#"
mutation Log($input: LogContactInput!) {
  logContact(input: $input) {
    id reference kind channel stage status receivedAt subject description desiredOutcome
    anonymous viaCouncillor respondToCouncillor discrimination aboutStaff multiService
    version overdue acknowledgeBy respondBy escalateBy
    service { slug name }
    customer { name email phone preferredChannel reasonableAdjustments }
    deadlines { kind due policyVersion explanation }
    timeline { seq kind actorSubject actorRole policyVersion summary data }
  }
}"#;

pub fn complaint_input(subject: &str) -> Value {
    json!({
        "kind": "COMPLAINT",
        "channel": "EMAIL",
        "receivedAt": "2026-11-20T10:00:00Z",
        "subject": subject,
        "description": "The bin was not collected three weeks running.",
        "service": "waste",
        "desiredOutcome": "Collect the bin and stop missing it",
        "customer": { "name": "Ann Example", "email": "ann@example.org", "preferredChannel": "EMAIL" }
    })
}

/// A complaint as a customer or councillor sends it: the server's clock and
/// their own channel are the facts, so they send neither.
pub fn sent_by_themselves(subject: &str) -> Value {
    let mut input = complaint_input(subject);
    let fields = input.as_object_mut().unwrap();
    fields.remove("channel");
    fields.remove("receivedAt");
    input
}

pub struct Gql {
    pub status: u16,
    pub body: Value,
}

impl Gql {
    /// The data of a response that must have succeeded.
    pub fn data(&self) -> &Value {
        assert!(
            self.body.get("errors").is_none(),
            "expected success, got HTTP {} {}",
            self.status,
            self.body
        );
        &self.body["data"]
    }

    /// The `extensions.code` of the first error; panics when there is none.
    pub fn code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| {
                panic!(
                    "expected an error with a code, got HTTP {} {}",
                    self.status, self.body
                )
            })
    }

    pub fn field(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["field"].as_str()
    }

    pub fn message(&self) -> &str {
        self.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
    }
}

/// Waits for a server process started by a test to answer `/readyz`.
pub async fn wait_until_ready(address: &str, within: std::time::Duration, what: &str) {
    let started = std::time::Instant::now();
    while reqwest::get(format!("{address}/readyz"))
        .await
        .map(|r| r.status() != 200)
        .unwrap_or(true)
    {
        assert!(started.elapsed() < within, "{what} did not start");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
