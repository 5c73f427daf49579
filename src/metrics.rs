//! Prometheus metrics, served on `/metrics`.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

pub struct Metrics {
    registry: Registry,
    pub graphql_requests: IntCounterVec,
    pub graphql_seconds: HistogramVec,
    pub contacts_logged: IntCounterVec,
    pub policy_files: IntCounterVec,
    pub stored_policy_problems: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Self {
        let registry =
            Registry::new_custom(Some("redress".into()), None).expect("valid metric prefix");
        let graphql_requests = IntCounterVec::new(
            Opts::new("graphql_requests_total", "GraphQL requests by outcome"),
            &["outcome"],
        )
        .expect("valid metric");
        let graphql_seconds = HistogramVec::new(
            HistogramOpts::new("graphql_request_seconds", "GraphQL request latency").buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
            &["outcome"],
        )
        .expect("valid metric");
        let contacts_logged = IntCounterVec::new(
            Opts::new("contacts_logged_total", "Contacts logged, by council"),
            &["council"],
        )
        .expect("valid metric");
        let policy_files = IntCounterVec::new(
            Opts::new(
                "policy_files_total",
                "Saved policy files the watcher handled, by outcome",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        let stored_policy_problems = IntCounterVec::new(
            Opts::new(
                "stored_policy_problems_total",
                "Static-check findings in stored policy versions loaded at start or sync, by council",
            ),
            &["council"],
        )
        .expect("valid metric");
        for collector in [
            Box::new(graphql_requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(graphql_seconds.clone()),
            Box::new(contacts_logged.clone()),
            Box::new(policy_files.clone()),
            Box::new(stored_policy_problems.clone()),
        ] {
            registry
                .register(collector)
                .expect("metric registered once");
        }
        Self {
            registry,
            graphql_requests,
            graphql_seconds,
            contacts_logged,
            policy_files,
            stored_policy_problems,
        }
    }

    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buf)
            .expect("text encoding of gathered metrics");
        String::from_utf8(buf).expect("prometheus text is UTF-8")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
