//! The command-line options every load generator takes for driving a running
//! server.

use clap::Args;

#[derive(Args)]
pub struct DriveArgs {
    /// Base URL of the server; only loopback addresses are accepted.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    #[arg(long, default_value = "leeds")]
    pub council: String,
    /// Concurrent clients, each sending its next request as soon as the last is answered
    /// (or, with --rate, when it is due).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub clients: u16,
    /// Measured duration, after the warm-up.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub seconds: u64,
    /// Seconds of load before measuring starts, so connection pools and caches are warm.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(0..=300))]
    pub warmup: u64,
    /// Requests per second across all clients, sent on a fixed schedule (open loop), with
    /// latency counted from when each request was due. Without it, each client sends as
    /// fast as it is answered (closed loop: the most the server can take).
    #[arg(long)]
    pub rate: Option<f64>,
    /// The server's HS256 secret (REDRESS_JWT_SECRET), used to mint tokens.
    #[arg(long, env = "REDRESS_JWT_SECRET", hide_env_values = true)]
    pub secret: String,
}
