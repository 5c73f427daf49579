//! Command line and environment. Every flag can also be set by an env var;
//! secrets are never printed.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::policy::runner::RunnerLimits;

#[derive(Debug, Parser)]
#[command(
    name = "redress",
    version,
    about = "Complaints case management for councils: one GraphQL API, council rules as policy scripts"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API server (migrates and seeds the database first).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(DatabaseArgs),
    /// Print a signed development token.
    Token(TokenArgs),
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Check, test or try out a council policy script, offline.
    #[command(subcommand)]
    Policy(PolicyCommand),
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Compile the script and dry-run every hook it defines.
    Check { file: PathBuf },
    /// Run the script's own tests (and everything `check` does).
    Test { file: PathBuf },
    /// Show what `intake` decides for a contact, e.g.
    /// --case '{"kind":"complaint","channel":"email","received":"2026-12-21"}'
    Preview {
        file: PathBuf,
        #[arg(long)]
        case: String,
    },
    /// Which open deadlines in the database the script would move compared
    /// with the council's active version (nothing is written).
    Impact(ImpactArgs),
}

#[derive(Debug, Args)]
pub struct ImpactArgs {
    pub file: PathBuf,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The council whose cases to compare; defaults to the file's name.
    #[arg(long)]
    pub council: Option<String>,
    /// How many changed deadlines to list in full (at most 500).
    #[arg(long, default_value_t = 50)]
    pub first: usize,
    /// Stop and report what was compared after this many seconds.
    #[arg(long, default_value_t = 60)]
    pub budget_secs: u64,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// sqlite://FILE?mode=rwc or postgres://USER@HOST/DB
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://redress.db?mode=rwc"
    )]
    pub database_url: String,
    /// Largest number of pooled database connections.
    #[arg(long, env = "REDRESS_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,
}

#[derive(Debug, Clone, Args)]
pub struct JwtArgs {
    /// Shared secret for HS256 tokens, at least 32 bytes. A loud development
    /// default is used when unset.
    #[arg(long, env = "REDRESS_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// PEM file with an RSA or EC public key; RS256/ES256 tokens are then accepted.
    #[arg(long, env = "REDRESS_JWT_PUBLIC_KEY")]
    pub jwt_public_key: Option<PathBuf>,
    /// Required `iss` claim, when set.
    #[arg(long, env = "REDRESS_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,
    /// Required `aud` claim, when set.
    #[arg(long, env = "REDRESS_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
    /// Clock skew tolerated on `exp` and `nbf`, in seconds (at most 300).
    #[arg(long, env = "REDRESS_JWT_LEEWAY_SECS", default_value_t = 30)]
    pub jwt_leeway_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[arg(long, env = "REDRESS_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub jwt: JwtArgs,
    /// Folder holding the shipped council policy scripts (`<slug>.rhai`).
    #[arg(long, env = "REDRESS_POLICY_DIR", default_value = "policies")]
    pub policy_dir: PathBuf,
    #[arg(long, env = "REDRESS_LOG_FORMAT", value_enum, default_value = "pretty")]
    pub log_format: LogFormat,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "REDRESS_MAX_BODY_BYTES", default_value_t = 256 * 1024)]
    pub max_body_bytes: usize,
    /// How long a subscription websocket may stay open before it sends
    /// `connection_init`, in milliseconds.
    #[arg(long, env = "REDRESS_WS_INIT_TIMEOUT_MS", default_value_t = 10_000)]
    pub ws_init_timeout_ms: u64,
    /// HTTP worker threads (defaults to the number of cores).
    #[arg(long, env = "REDRESS_WORKERS")]
    pub workers: Option<usize>,
    /// Publish a policy file as soon as it is saved in the policy folder
    /// (on by default with SQLite, the development set-up).
    #[arg(long, env = "REDRESS_WATCH_POLICIES")]
    pub watch_policies: Option<bool>,
    /// How often this process checks the database for a policy another
    /// process published, in milliseconds.
    #[arg(long, env = "REDRESS_POLICY_SYNC_MS", default_value_t = 1000)]
    pub policy_sync_ms: u64,
    #[command(flatten)]
    pub policy_threads: PolicyThreadArgs,
    /// How often the deadline sweeper records missed deadlines and holding
    /// responses falling due, in milliseconds (one sweeper per cluster).
    #[arg(long, env = "REDRESS_SWEEP_MS", default_value_t = 60_000)]
    pub sweep_ms: u64,
    /// Run as if it were always this instant (RFC 3339), for training and
    /// demonstration copies and for tests that quote the councils' dates.
    #[arg(long, env = "REDRESS_FIXED_NOW", hide = true)]
    pub fixed_now: Option<chrono::DateTime<chrono::Utc>>,
}

/// The threads policy scripts run on, apart from the request threads.
#[derive(Debug, Clone, Default, Args)]
pub struct PolicyThreadArgs {
    /// Threads that run policy scripts (defaults to the number of cores, at
    /// least 2).
    #[arg(long, env = "REDRESS_POLICY_THREADS")]
    pub policy_threads: Option<usize>,
    /// How many of those threads one council's policy may use at once
    /// (defaults to half of them, at least 1).
    #[arg(long, env = "REDRESS_POLICY_COUNCIL_THREADS")]
    pub policy_council_threads: Option<usize>,
    /// How long a policy call may wait for a thread before it fails with
    /// POLICY_ERROR ("busy"), in milliseconds (defaults to 2000).
    #[arg(long, env = "REDRESS_POLICY_QUEUE_MS")]
    pub policy_queue_ms: Option<u64>,
}

impl PolicyThreadArgs {
    pub fn limits(&self) -> RunnerLimits {
        let threads = self
            .policy_threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get().max(2)));
        RunnerLimits::new(
            threads,
            self.policy_council_threads,
            Duration::from_millis(self.policy_queue_ms.unwrap_or(2_000)),
        )
    }
}

impl ServeArgs {
    pub fn watching_policies(&self) -> bool {
        self.watch_policies
            .unwrap_or_else(|| self.database.database_url.starts_with("sqlite:"))
    }
}

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    #[arg(long, env = "REDRESS_TOKEN_COUNCIL")]
    pub council: String,
    /// Repeat for several roles.
    #[arg(long = "role", required = true)]
    pub roles: Vec<String>,
    #[arg(long)]
    pub sub: String,
    /// Lifetime, e.g. `8h`, `30m`, `7d`.
    #[arg(long, default_value = "8h", value_parser = humantime::parse_duration)]
    pub ttl: Duration,
    /// Display name carried in the token.
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub jwt: JwtArgs,
}
