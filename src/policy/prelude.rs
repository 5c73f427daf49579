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
        match self.iso() {
            Some(iso) => f.write_str(iso.as_str()),
            None => f.write_str(&calendar::format_date(self.0)),
        }
    }
}

/// A date as `YYYY-MM-DD` on the stack.
pub struct Iso([u8; 10]);

impl Iso {
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and dashes are ever written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl Date {
    /// The date as `YYYY-MM-DD`, written digit by digit: every explanation
    /// and answer of every decision shows dates, and the formatting
    /// machinery costs more than the arithmetic. `None` for a year outside
    /// 0 to 9999, which chrono writes differently.
    pub fn iso(&self) -> Option<Iso> {
        let year = u32::try_from(self.0.year()).ok().filter(|y| *y <= 9999)?;
        let mut out = *b"0000-00-00";
        let mut put = |at: usize, width: usize, mut n: u32| {
            for i in (at..at + width).rev() {
                out[i] = b'0' + (n % 10) as u8;
                n /= 10;
            }
        };
        put(0, 4, year);
        put(5, 2, self.0.month());
        put(8, 2, self.0.day());
        Some(Iso(out))
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

/// The date `n` calendar weeks after `d`.
pub fn add_weeks(d: Date, n: i64) -> Fallible<Date> {
    let n = bounded(n, MAX_WEEKS, "weeks")?;
    in_window(calendar::add_weeks(in_window(d.0)?.0, n))
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
            add_weeks(*d, n)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_written_as_chrono_writes_it() {
        let mut d = NaiveDate::from_ymd_opt(1899, 12, 25).unwrap();
        while d < NaiveDate::from_ymd_opt(2201, 1, 10).unwrap() {
            assert_eq!(Date(d).to_string(), d.to_string());
            d += chrono::TimeDelta::days(13);
        }
        for (y, m, day) in [
            (7, 1, 2),
            (999, 10, 31),
            (9999, 12, 31),
            (10_000, 1, 1),
            (-5, 3, 4),
        ] {
            let d = NaiveDate::from_ymd_opt(y, m, day).unwrap();
            assert_eq!(Date(d).to_string(), d.to_string(), "{y}");
        }
    }
}
