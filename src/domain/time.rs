//! The councils' calendar. Deadlines, references and "today" are counted in
//! Europe/London days, so every UTC instant becomes a date here and nowhere else.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::London;

/// The Europe/London date of a UTC instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&London).date_naive()
}
