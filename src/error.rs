//! One application error, with the codes front-ends switch on
//! (`extensions.code`). Internal causes are logged, never sent.

use chrono::NaiveDate;
use sea_orm::{DbErr, RuntimeErr, SqlErr};
use serde::Serialize;

use crate::policy::Problem;

/// The code of [`AppError::Unavailable`], which HTTP answers with 503.
pub const UNAVAILABLE: &str = "UNAVAILABLE";

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    BadUserInput {
        field: Option<&'static str>,
        message: String,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("{message}")]
    PolicyRejected {
        message: String,
        detail: Option<Box<PolicyDetail>>,
    },
    #[error("{0}")]
    PolicyError(String),
    /// The database could not be reached (connection refused, dropped or
    /// not available from the pool in time). Nothing was written unless a
    /// commit was under way when the connection dropped; the request may be
    /// retried.
    #[error("the database is unavailable; try again in a moment")]
    Unavailable(DbErr),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

/// `extensions.detail` of a POLICY_REJECTED error: one shape for every
/// refusal, carrying only the facts that apply to it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyDetail {
    /// The council's own words, when its policy gave a reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Requirements that must be met first (their keys).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmet_requirements: Vec<String>,
    /// A goodwill payment over the approver's limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_pence: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_pence: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seniority: Option<String>,
    /// The policy version that decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_version: Option<i32>,
    /// The latest date an extension may reach.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_due: Option<NaiveDate>,
    /// An extension that needs the customer's agreement first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs_customer_agreement: Option<bool>,
    /// The end of the escalation window, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalate_by: Option<NaiveDate>,
    /// What is wrong with a policy script that was not published.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tests_run: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tests_passed: Option<usize>,
    /// Remedies not yet carried out (or payments not approved) on a case
    /// being closed: `remedyId`, `kind`, `description`, `amountPence`, `why`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outstanding: Vec<serde_json::Value>,
}

impl AppError {
    pub fn policy_rejected(message: impl Into<String>, detail: PolicyDetail) -> Self {
        Self::PolicyRejected {
            message: message.into(),
            detail: Some(Box::new(detail)),
        }
    }

    pub fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            field: Some(field),
            message: message.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadUserInput { .. } => "BAD_USER_INPUT",
            Self::Conflict(_) => "CONFLICT",
            Self::PolicyRejected { .. } => "POLICY_REJECTED",
            Self::PolicyError(_) => "POLICY_ERROR",
            Self::Unavailable(_) => UNAVAILABLE,
            Self::Internal(_) => "INTERNAL",
        }
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::Conflict(
                "the record was changed by someone else; reload and try again".into(),
            ),
            _ if is_unstorable_text(&err) => Self::BadUserInput {
                field: None,
                message: "text may not contain NUL characters".into(),
            },
            _ if is_unreachable(&err) => Self::Unavailable(err),
            _ => Self::Internal(anyhow::Error::new(err).context("database")),
        }
    }
}

/// PostgreSQL refuses NUL in text (SQLSTATE 22021). Free text is checked
/// before it gets this far; this catches any other string argument.
fn is_unstorable_text(err: &DbErr) -> bool {
    match err {
        DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e)) => e
            .as_database_error()
            .and_then(|db| db.code())
            .is_some_and(|code| code == "22021"),
        _ => false,
    }
}

/// The database, not the request, is at fault: the pool could not hand out
/// a connection, a connection could not be opened, or one broke under a
/// statement (the server restarting or shutting down, the network gone).
fn is_unreachable(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e)) => {
            is_connection_failure(e)
        }
        _ => false,
    }
}

fn is_connection_failure(err: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    match err {
        Error::Io(_)
        | Error::Tls(_)
        | Error::PoolTimedOut
        | Error::PoolClosed
        | Error::WorkerCrashed => true,
        // SQLSTATE class 08 (connection exception), and the server ending
        // sessions as it shuts down, crashes or is not yet accepting them
        // (57P01..57P03, 57P05 idle session timeout), or refusing more (53300).
        Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08")
                || matches!(&*code, "57P01" | "57P02" | "57P03" | "57P05" | "53300")
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_out_of_reach_is_unavailable_and_other_faults_are_not() {
        use sea_orm::{ConnAcquireErr, sqlx};
        use std::sync::Arc;
        let io = || sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        for err in [
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
            DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
            DbErr::Conn(RuntimeErr::SqlxError(Arc::new(io()))),
            DbErr::Query(RuntimeErr::SqlxError(Arc::new(io()))),
            DbErr::Exec(RuntimeErr::SqlxError(Arc::new(sqlx::Error::PoolClosed))),
        ] {
            assert_eq!(AppError::from(err.clone()).code(), "UNAVAILABLE", "{err}");
        }
        for err in [
            DbErr::Query(RuntimeErr::SqlxError(Arc::new(sqlx::Error::RowNotFound))),
            DbErr::Custom("bug".into()),
            DbErr::RecordNotFound("case".into()),
        ] {
            assert_eq!(AppError::from(err.clone()).code(), "INTERNAL", "{err}");
        }
    }

    #[test]
    fn policy_detail_sends_only_the_facts_that_apply_in_camel_case() {
        let detail = PolicyDetail {
            limit_pence: Some(5000),
            amount_pence: Some(7500),
            policy_version: Some(2),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&detail).unwrap(),
            serde_json::json!({ "limitPence": 5000, "amountPence": 7500, "policyVersion": 2 })
        );
        assert_eq!(
            serde_json::to_value(PolicyDetail::default()).unwrap(),
            serde_json::json!({})
        );
    }
}
