//! The pure functions scripts get: a `Date` type and calendar arithmetic on
//! the council's working-day calendar.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use rhai::{Engine, EvalAltResult};

use super::{calendar, sandbox};

/// Working-day offsets beyond this are mistakes, not policies (about 40 years).
const MAX_OFFSET: i64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&calendar::format_date(self.0))
    }
}

type Fallible<T> = Result<T, Box<EvalAltResult>>;

fn bounded(n: i64) -> Fallible<i64> {
    if n.abs() > MAX_OFFSET {
        Err(format!("an offset of {n} is out of range (at most {MAX_OFFSET})").into())
    } else {
        Ok(n)
    }
}

pub fn register(engine: &mut Engine) {
    engine
        .register_type_with_name::<Date>("Date")
        .register_fn("date", |s: &str| -> Fallible<Date> {
            calendar::parse_date(s).map(Date).map_err(Into::into)
        })
        .register_fn(
            "add_working_days",
            |d: &mut Date, n: i64| -> Fallible<Date> {
                Ok(Date(sandbox::calendar().add_working_days(d.0, bounded(n)?)))
            },
        )
        .register_fn("add_days", |d: &mut Date, n: i64| -> Fallible<Date> {
            Ok(Date(calendar::add_calendar_days(d.0, bounded(n)?)))
        })
        .register_fn("add_weeks", |d: &mut Date, n: i64| -> Fallible<Date> {
            Ok(Date(calendar::add_weeks(d.0, bounded(n)?)))
        })
        .register_fn("add_months", |d: &mut Date, n: i64| -> Fallible<Date> {
            Ok(Date(calendar::add_months(d.0, bounded(n)?)))
        })
        .register_fn("is_working_day", |d: &mut Date| {
            sandbox::calendar().is_working_day(d.0)
        })
        .register_fn("working_days_between", |a: Date, b: Date| {
            sandbox::calendar().working_days_between(a.0, b.0)
        })
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
}
