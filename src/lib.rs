//! Redress: complaints case management for many councils behind one GraphQL
//! API, with each council's rules in a policy script.

pub mod app;
pub mod auth;
pub mod config;
pub mod councils;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod jobs;
pub mod live;
pub mod metrics;
pub mod policy;
pub mod state;
pub mod telemetry;
