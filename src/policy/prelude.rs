//! The pure functions scripts get: a `Date` type and calendar arithmetic on
//! the council's working-day calendar, and the shared building blocks of
//! hook answers (`mechanics`).
//!
//! Every date a script holds stays inside `FIRST_DAY..=LAST_DAY` and every
//! offset is bounded, so no single call can range over millennia.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use rhai::{Engine, EvalAltResult};

use super::{calendar, mechanics, sandbox};

/// The dates a policy may reach.
pub const FIRST_DAY: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
pub const LAST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2200, 12, 31).unwrap();
/// About twenty years in each unit; anything larger is a mistake, not a policy.
pub const MAX_WORKING_DAYS: u64 = 5_300;
pub const MAX_DAYS: u64 = 7_400;
pub const MAX_WEEKS: u64 = 1_060;
pub const MAX_MONTHS: u64 = 240;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&calendar::format_date(self.0))
    }
}

type Fallible<T> = Result<T, Box<EvalAltResult>>;

/// `n` if it is at most `limit` either way; `unsigned_abs` cannot overflow,
/// unlike `abs` on `i64::MIN`.
fn bounded(n: i64, limit: u64, unit: &str) -> Fallible<i64> {
    if n.unsigned_abs() > limit {
        Err(format!("an offset of {n} {unit} is out of range (at most {limit} either way)").into())
    } else {
        Ok(n)
    }
}

/// `d` if it lies in the window policies may reach.
pub fn in_window(d: NaiveDate) -> Fallible<Date> {
    if (FIRST_DAY..=LAST_DAY).contains(&d) {
        Ok(Date(d))
    } else {
        Err(format!(
            "the date {d} is outside the range policies may use ({FIRST_DAY} to {LAST_DAY})"
        )
        .into())
    }
}

/// The n-th working day after `d` on the calendar of the call in progress.
pub fn add_working_days(d: Date, n: i64) -> Fallible<Date> {
    let n = bounded(n, MAX_WORKING_DAYS, "working days")?;
    in_window(sandbox::calendar().add_working_days(in_window(d.0)?.0, n))
}

pub fn register(engine: &mut Engine) {
    engine
        .register_type_with_name::<Date>("Date")
        .register_fn("date", |s: &str| -> Fallible<Date> {
            in_window(calendar::parse_date(s)?)
        })
        .register_fn(
            "add_working_days",
            |d: &mut Date, n: i64| -> Fallible<Date> { add_working_days(*d, n) },
        )
        .register_fn("add_days", |d: &mut Date, n: i64| -> Fallible<Date> {
            let n = bounded(n, MAX_DAYS, "days")?;
            in_window(calendar::add_calendar_days(in_window(d.0)?.0, n))
        })
        .register_fn("add_weeks", |d: &mut Date, n: i64| -> Fallible<Date> {
            let n = bounded(n, MAX_WEEKS, "weeks")?;
            in_window(calendar::add_weeks(in_window(d.0)?.0, n))
        })
        .register_fn("add_months", |d: &mut Date, n: i64| -> Fallible<Date> {
            let n = bounded(n, MAX_MONTHS, "months")?;
            in_window(calendar::add_months(in_window(d.0)?.0, n))
        })
        .register_fn("is_working_day", |d: &mut Date| {
            sandbox::calendar().is_working_day(d.0)
        })
        .register_fn(
            "working_days_between",
            |a: Date, b: Date| -> Fallible<i64> {
                let (a, b) = (in_window(a.0)?, in_window(b.0)?);
                Ok(sandbox::calendar().working_days_between(a.0, b.0))
            },
        )
        .register_fn("days_between", |a: Date, b: Date| (b.0 - a.0).num_days())
        .register_get("year", |d: &mut Date| i64::from(d.0.year()))
        .register_get("month", |d: &mut Date| i64::from(d.0.month()))
        .register_get("day", |d: &mut Date| i64::from(d.0.day()))
        .register_get("weekday", |d: &mut Date| {
            i64::from(d.0.weekday().number_from_monday())
        })
        .register_fn("to_string", |d: &mut Date| d.to_string())
        .register_fn("to_debug", |d: &mut Date| format!("date(\"{d}\")"))
        .register_fn("+", |s: &str, d: Date| format!("{s}{d}"))
        .register_fn("+", |d: Date, s: &str| format!("{d}{s}"))
        .register_fn("==", |a: Date, b: Date| a == b)
        .register_fn("!=", |a: Date, b: Date| a != b)
        .register_fn("<", |a: Date, b: Date| a < b)
        .register_fn("<=", |a: Date, b: Date| a <= b)
        .register_fn(">", |a: Date, b: Date| a > b)
        .register_fn(">=", |a: Date, b: Date| a >= b);
    mechanics::register(engine);
}
