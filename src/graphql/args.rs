//! Arguments every operation shares, checked once: ids reported under the
//! argument's own name, instants within sensible years, and the case an
//! action is for.

use async_graphql::ID;
use chrono::{DateTime, Datelike, Utc};
use uuid::Uuid;

use crate::{domain::actions::pipeline::Target, error::AppError};

/// Dates and times outside these years are typing mistakes, and SQLite
/// compares far-off years wrongly.
pub const EARLIEST_YEAR: i32 = 1900;
pub const LATEST_YEAR: i32 = 2200;

/// Whether a date or instant falls in a year the service accepts.
pub fn year_accepted(year: i32) -> bool {
    (EARLIEST_YEAR..=LATEST_YEAR).contains(&year)
}

/// Why `field`, at `at`, is refused for its year.
pub fn outside_years(field: &str, at: impl std::fmt::Display) -> String {
    format!("{field} {at} is outside the years {EARLIEST_YEAR} to {LATEST_YEAR}")
}

/// An id argument, reported under the argument's own name when it is not one.
pub fn parse_id(id: &ID, field: &'static str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id)
        .map_err(|_| AppError::bad_input(field, format!("`{}` is not an id", id.as_str())))
}

/// An instant argument within `EARLIEST_YEAR..=LATEST_YEAR`.
pub fn instant(
    field: &'static str,
    at: Option<DateTime<Utc>>,
) -> Result<Option<DateTime<Utc>>, AppError> {
    match at {
        Some(at) if !year_accepted(at.year()) => {
            Err(AppError::bad_input(field, outside_years(field, at)))
        }
        at => Ok(at),
    }
}

/// The case an action is for, when it happened and the version the caller saw.
pub fn target(
    case_id: &ID,
    at: Option<DateTime<Utc>>,
    expected_version: Option<i32>,
) -> Result<Target, AppError> {
    Ok(Target {
        case_id: parse_id(case_id, "caseId")?,
        at: instant("at", at)?,
        expected_version,
    })
}
