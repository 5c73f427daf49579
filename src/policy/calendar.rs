//! England and Wales working-day arithmetic for complaint deadlines.
//!
//! Statutory complaint deadlines are expressed in working days, so every
//! deadline depends on the bank holiday calendar and on days a council
//! declares itself closed. Bank holidays are computed from the rules that
//! have applied since 1978, plus a short table of proclaimed one-off changes;
//! years before 1978 get the same rules projected backwards.
//!
//! Dates that would fall outside chrono's representable range saturate at
//! `NaiveDate::MIN` / `NaiveDate::MAX` rather than panicking, because a
//! deadline calculation must never take the service down.

use std::{borrow::Cow, collections::BTreeSet, sync::OnceLock};

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// A change to the regular pattern made by royal proclamation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Proclaimed {
    /// Replaces the first Monday of May in that year.
    MovesEarlyMay,
    /// Replaces the last Monday of May in that year.
    MovesSpring,
    /// An additional bank holiday.
    Extra,
}

/// Proclaimed one-off bank holiday changes. These cannot be derived from any
/// rule, so they are the only listed dates; add new proclamations here.
const PROCLAIMED: &[(i32, u32, u32, Proclaimed)] = &[
    // 50th anniversary of VE Day.
    (1995, 5, 8, Proclaimed::MovesEarlyMay),
    // Millennium.
    (1999, 12, 31, Proclaimed::Extra),
    // Golden Jubilee of Queen Elizabeth II.
    (2002, 6, 3, Proclaimed::Extra),
    (2002, 6, 4, Proclaimed::MovesSpring),
    // Wedding of Prince William and Catherine Middleton.
    (2011, 4, 29, Proclaimed::Extra),
    // Diamond Jubilee of Queen Elizabeth II.
    (2012, 6, 4, Proclaimed::MovesSpring),
    (2012, 6, 5, Proclaimed::Extra),
    // 75th anniversary of VE Day.
    (2020, 5, 8, Proclaimed::MovesEarlyMay),
    // Platinum Jubilee of Queen Elizabeth II.
    (2022, 6, 2, Proclaimed::MovesSpring),
    (2022, 6, 3, Proclaimed::Extra),
    // State Funeral of Queen Elizabeth II.
    (2022, 9, 19, Proclaimed::Extra),
    // Coronation of King Charles III.
    (2023, 5, 8, Proclaimed::Extra),
];

/// England and Wales bank holidays for `year`, sorted ascending.
///
/// Years that chrono cannot fully represent yield an empty list.
#[must_use]
pub fn bank_holidays(year: i32) -> Vec<NaiveDate> {
    compute_bank_holidays(year).unwrap_or_default()
}

fn compute_bank_holidays(year: i32) -> Option<Vec<NaiveDate>> {
    // Refuse partially representable years up front so that every date built
    // below (all within 1 Jan..=31 Dec of `year`) is known to exist.
    NaiveDate::from_ymd_opt(year, 1, 1)?;
    NaiveDate::from_ymd_opt(year, 12, 31)?;

    let proclaimed = |kind: Proclaimed| {
        PROCLAIMED
            .iter()
            .filter(move |&&(y, _, _, k)| y == year && k == kind)
            .filter_map(|&(y, m, d, _)| NaiveDate::from_ymd_opt(y, m, d))
    };
    let regular_or_moved = |kind: Proclaimed, regular: NaiveDate| {
        let moved: Vec<NaiveDate> = proclaimed(kind).collect();
        if moved.is_empty() {
            vec![regular]
        } else {
            moved
        }
    };

    let mut days = Vec::with_capacity(10);

    let new_year = NaiveDate::from_ymd_opt(year, 1, 1)?;
    days.push(roll_weekend_to_monday(new_year)?);

    let easter = easter_sunday(year)?;
    days.push(easter.checked_sub_days(Days::new(2))?);
    days.push(easter.checked_add_days(Days::new(1))?);

    let early_may = first_weekday_on_or_after(NaiveDate::from_ymd_opt(year, 5, 1)?, Weekday::Mon)?;
    days.extend(regular_or_moved(Proclaimed::MovesEarlyMay, early_may));

    let spring = last_weekday_on_or_before(NaiveDate::from_ymd_opt(year, 5, 31)?, Weekday::Mon)?;
    days.extend(regular_or_moved(Proclaimed::MovesSpring, spring));

    days.push(last_weekday_on_or_before(
        NaiveDate::from_ymd_opt(year, 8, 31)?,
        Weekday::Mon,
    )?);

    let (christmas, boxing_day) = match NaiveDate::from_ymd_opt(year, 12, 25)?.weekday() {
        // Both days fall on the weekend: each moves to the next free weekday.
        Weekday::Sat => ((12, 27), (12, 28)),
        // Boxing Day already falls on Monday, so Christmas takes Tuesday.
        Weekday::Sun => ((12, 27), (12, 26)),
        // Boxing Day falls on Saturday.
        Weekday::Fri => ((12, 25), (12, 28)),
        _ => ((12, 25), (12, 26)),
    };
    days.push(NaiveDate::from_ymd_opt(year, christmas.0, christmas.1)?);
    days.push(NaiveDate::from_ymd_opt(year, boxing_day.0, boxing_day.1)?);

    days.extend(proclaimed(Proclaimed::Extra));

    days.sort_unstable();
    days.dedup();
    Some(days)
}

/// Easter Sunday by the anonymous Gregorian computus (Meeus/Jones/Butcher).
fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let y = i64::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let month = (h + l - 7 * m + 114).div_euclid(31);
    let day = (h + l - 7 * m + 114).rem_euclid(31) + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

fn roll_weekend_to_monday(d: NaiveDate) -> Option<NaiveDate> {
    match d.weekday() {
        Weekday::Sat => d.checked_add_days(Days::new(2)),
        Weekday::Sun => d.checked_add_days(Days::new(1)),
        _ => Some(d),
    }
}

fn first_weekday_on_or_after(d: NaiveDate, wd: Weekday) -> Option<NaiveDate> {
    let ahead = (7 + wd.num_days_from_monday() - d.weekday().num_days_from_monday()) % 7;
    d.checked_add_days(Days::new(u64::from(ahead)))
}

fn last_weekday_on_or_before(d: NaiveDate, wd: Weekday) -> Option<NaiveDate> {
    let back = (7 + d.weekday().num_days_from_monday() - wd.num_days_from_monday()) % 7;
    d.checked_sub_days(Days::new(u64::from(back)))
}

const CACHE_FIRST_YEAR: i32 = 1970;
const CACHE_YEARS: usize = 256;

/// Bank holidays never change for a given year, so the years a case system
/// actually touches are computed once per process and shared lock-free.
static HOLIDAY_CACHE: [OnceLock<Vec<NaiveDate>>; CACHE_YEARS] =
    [const { OnceLock::new() }; CACHE_YEARS];

fn holidays_for(year: i32) -> Cow<'static, [NaiveDate]> {
    let slot = usize::try_from(i64::from(year) - i64::from(CACHE_FIRST_YEAR))
        .ok()
        .and_then(|i| HOLIDAY_CACHE.get(i));
    match slot {
        Some(cell) => Cow::Borrowed(cell.get_or_init(|| bank_holidays(year))),
        None => Cow::Owned(bank_holidays(year)),
    }
}

/// Whether `d` is an England and Wales bank holiday.
#[must_use]
pub fn is_bank_holiday(d: NaiveDate) -> bool {
    holidays_for(d.year()).binary_search(&d).is_ok()
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Number of Mon-Fri days from the (Monday) day index 0 up to and including
/// day index `k`; only differences are meaningful, which keeps the count
/// O(1) for arbitrarily long spans.
fn weekdays_through(k: i64) -> i64 {
    let j = k + 1;
    5 * j.div_euclid(7) + j.rem_euclid(7).min(5)
}

fn day_index(d: NaiveDate) -> i64 {
    // 0001-01-01 (num_days_from_ce == 1) is a Monday.
    i64::from(d.num_days_from_ce()) - 1
}

/// A council's working calendar: England and Wales bank holidays plus any
/// closure days the council has declared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    closures: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// Bank holidays only, with no council closures.
    #[must_use]
    pub fn england_and_wales() -> Self {
        Self::default()
    }

    /// Bank holidays plus the given council closure days. Closures falling on
    /// weekends or bank holidays are harmless.
    #[must_use]
    pub fn with_closures(closures: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self {
            closures: closures.into_iter().collect(),
        }
    }

    /// The declared closure days.
    #[must_use]
    pub fn closures(&self) -> &BTreeSet<NaiveDate> {
        &self.closures
    }

    /// Monday to Friday, not a bank holiday and not a declared closure.
    #[must_use]
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        !is_weekend(d) && !self.closures.contains(&d) && !is_bank_holiday(d)
    }

    /// `d` itself if it is a working day, otherwise the first working day
    /// after it (saturating at `NaiveDate::MAX`).
    #[must_use]
    pub fn next_working_day_on_or_after(&self, d: NaiveDate) -> NaiveDate {
        if self.is_working_day(d) {
            d
        } else {
            self.add_working_days(d, 1)
        }
    }

    /// The `n`-th working day strictly after `from` ("within `n` working
    /// days of `from`"), or for negative `n` the `|n|`-th working day
    /// strictly before `from`. `n == 0` returns `from` unchanged, even when
    /// `from` is not a working day.
    ///
    /// Saturates at `NaiveDate::MAX` / `NaiveDate::MIN` if the answer lies
    /// outside chrono's range.
    ///
    /// Cost: each pass jumps `remaining` calendar days in the direction of
    /// travel, which can never overshoot because a span holds no more working
    /// days than days, and counts the working days jumped over in
    /// O(years + closures in span).
    /// Roughly 5 in 7 days are working days, so `remaining` shrinks
    /// geometrically and `n = 10_000` needs about a dozen passes. Every pass
    /// moves at least one day in one direction and chrono's range is finite,
    /// so the loop ends even if a long run of days were all closed.
    #[must_use]
    pub fn add_working_days(&self, from: NaiveDate, n: i64) -> NaiveDate {
        let forward = n > 0;
        let mut remaining = n.unsigned_abs();
        let mut cursor = from;
        while remaining > 0 {
            let step = Days::new(remaining);
            let (candidate, counted) = if forward {
                let Some(candidate) = cursor.checked_add_days(step) else {
                    return NaiveDate::MAX;
                };
                // cursor < candidate <= MAX, so the successor exists.
                let first = cursor.succ_opt().unwrap_or(candidate);
                (candidate, self.count_working_days(first, candidate))
            } else {
                let Some(candidate) = cursor.checked_sub_days(step) else {
                    return NaiveDate::MIN;
                };
                let last = cursor.pred_opt().unwrap_or(candidate);
                (candidate, self.count_working_days(candidate, last))
            };
            remaining -= counted;
            cursor = candidate;
        }
        cursor
    }

    /// The number of working days `d` with `from < d <= to`; if `to < from`
    /// it is minus the count for `to < d <= from`, so
    /// `working_days_between(a, b) == -working_days_between(b, a)`.
    ///
    /// For every `x` and `n >= 0`,
    /// `working_days_between(x, add_working_days(x, n)) == n`.
    #[must_use]
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let signed = |lo: NaiveDate, hi: NaiveDate| match lo.succ_opt() {
            Some(first) if first <= hi => {
                i64::try_from(self.count_working_days(first, hi)).unwrap_or(i64::MAX)
            }
            _ => 0,
        };
        if from <= to {
            signed(from, to)
        } else {
            -signed(to, from)
        }
    }

    /// Working days in the inclusive span `lo..=hi` (`lo <= hi`).
    fn count_working_days(&self, lo: NaiveDate, hi: NaiveDate) -> u64 {
        let weekdays = weekdays_through(day_index(hi)) - weekdays_through(day_index(lo) - 1);
        let holidays = (lo.year()..=hi.year())
            .map(|year| {
                holidays_for(year)
                    .iter()
                    .filter(|&&h| lo <= h && h <= hi && !is_weekend(h))
                    .count()
            })
            .sum::<usize>();
        // Closures that coincide with a bank holiday were already excluded.
        let closures = self
            .closures
            .range(lo..=hi)
            .filter(|&&c| !is_weekend(c) && !is_bank_holiday(c))
            .count();
        let non_working = u64::try_from(holidays + closures).unwrap_or(u64::MAX);
        u64::try_from(weekdays)
            .unwrap_or(0)
            .saturating_sub(non_working)
    }
}

/// `d` plus `n` calendar days, saturating at chrono's range.
#[must_use]
pub fn add_calendar_days(d: NaiveDate, n: i64) -> NaiveDate {
    let step = Days::new(n.unsigned_abs());
    let shifted = if n >= 0 {
        d.checked_add_days(step)
    } else {
        d.checked_sub_days(step)
    };
    shifted.unwrap_or(if n >= 0 {
        NaiveDate::MAX
    } else {
        NaiveDate::MIN
    })
}

/// `d` plus `n` weeks, saturating at chrono's range.
#[must_use]
pub fn add_weeks(d: NaiveDate, n: i64) -> NaiveDate {
    add_calendar_days(d, n.saturating_mul(7))
}

/// `d` plus `n` calendar months. A day that does not exist in the target
/// month clamps to that month's last day (31 Jan + 1 month = 28/29 Feb), the
/// usual reading of "within one month". Saturates at chrono's range.
#[must_use]
pub fn add_months(d: NaiveDate, n: i64) -> NaiveDate {
    let saturated = if n >= 0 {
        NaiveDate::MAX
    } else {
        NaiveDate::MIN
    };
    let total = (i64::from(d.year()) * 12 + i64::from(d.month0())).saturating_add(n);
    let Ok(year) = i32::try_from(total.div_euclid(12)) else {
        return saturated;
    };
    let Ok(month0) = u32::try_from(total.rem_euclid(12)) else {
        return saturated;
    };
    let month = month0 + 1;
    let day = d.day().min(days_in_month(year, month));
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(saturated)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn is_leap_year(year: i32) -> bool {
    year.rem_euclid(4) == 0 && (year.rem_euclid(100) != 0 || year.rem_euclid(400) == 0)
}

/// Parse an ISO 8601 calendar date, `YYYY-MM-DD` exactly. Other layouts are
/// rejected rather than guessed at, since `01/02/2026` is ambiguous and a
/// misread date silently moves a statutory deadline.
///
/// # Errors
///
/// A message quoting `s` if it is not laid out as `YYYY-MM-DD` or names a day
/// that does not exist (such as `2026-02-30`).
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let bytes = s.as_bytes();
    let well_formed = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, &b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !well_formed {
        return Err(format!("invalid date {s:?}: expected YYYY-MM-DD"));
    }
    let field = |range: std::ops::Range<usize>| s[range].parse::<u32>().ok();
    let (Some(year), Some(month), Some(day)) = (field(0..4), field(5..7), field(8..10)) else {
        return Err(format!("invalid date {s:?}: expected YYYY-MM-DD"));
    };
    i32::try_from(year)
        .ok()
        .and_then(|year| NaiveDate::from_ymd_opt(year, month, day))
        .ok_or_else(|| format!("invalid date {s:?}: no such day in the calendar"))
}

/// Format as ISO 8601 `YYYY-MM-DD`.
#[must_use]
pub fn format_date(d: NaiveDate) -> String {
    // chrono's Display is ISO 8601 and, unlike a format string, is not
    // re-parsed on every call.
    d.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    fn dates(list: &[&str]) -> Vec<NaiveDate> {
        list.iter().map(|s| date(s)).collect()
    }

    /// Published GOV.UK England and Wales lists (2027-2030 as announced /
    /// by the standing rules).
    const PUBLISHED: &[(i32, &[&str])] = &[
        (
            2018,
            &[
                "2018-01-01",
                "2018-03-30",
                "2018-04-02",
                "2018-05-07",
                "2018-05-28",
                "2018-08-27",
                "2018-12-25",
                "2018-12-26",
            ],
        ),
        (
            2019,
            &[
                "2019-01-01",
                "2019-04-19",
                "2019-04-22",
                "2019-05-06",
                "2019-05-27",
                "2019-08-26",
                "2019-12-25",
                "2019-12-26",
            ],
        ),
        (
            2020,
            &[
                "2020-01-01",
                "2020-04-10",
                "2020-04-13",
                "2020-05-08",
                "2020-05-25",
                "2020-08-31",
                "2020-12-25",
                "2020-12-28",
            ],
        ),
        (
            2021,
            &[
                "2021-01-01",
                "2021-04-02",
                "2021-04-05",
                "2021-05-03",
                "2021-05-31",
                "2021-08-30",
                "2021-12-27",
                "2021-12-28",
            ],
        ),
        (
            2022,
            &[
                "2022-01-03",
                "2022-04-15",
                "2022-04-18",
                "2022-05-02",
                "2022-06-02",
                "2022-06-03",
                "2022-08-29",
                "2022-09-19",
                "2022-12-26",
                "2022-12-27",
            ],
        ),
        (
            2023,
            &[
                "2023-01-02",
                "2023-04-07",
                "2023-04-10",
                "2023-05-01",
                "2023-05-08",
                "2023-05-29",
                "2023-08-28",
                "2023-12-25",
                "2023-12-26",
            ],
        ),
        (
            2024,
            &[
                "2024-01-01",
                "2024-03-29",
                "2024-04-01",
                "2024-05-06",
                "2024-05-27",
                "2024-08-26",
                "2024-12-25",
                "2024-12-26",
            ],
        ),
        (
            2025,
            &[
                "2025-01-01",
                "2025-04-18",
                "2025-04-21",
                "2025-05-05",
                "2025-05-26",
                "2025-08-25",
                "2025-12-25",
                "2025-12-26",
            ],
        ),
        (
            2026,
            &[
                "2026-01-01",
                "2026-04-03",
                "2026-04-06",
                "2026-05-04",
                "2026-05-25",
                "2026-08-31",
                "2026-12-25",
                "2026-12-28",
            ],
        ),
        (
            2027,
            &[
                "2027-01-01",
                "2027-03-26",
                "2027-03-29",
                "2027-05-03",
                "2027-05-31",
                "2027-08-30",
                "2027-12-27",
                "2027-12-28",
            ],
        ),
        (
            2028,
            &[
                "2028-01-03",
                "2028-04-14",
                "2028-04-17",
                "2028-05-01",
                "2028-05-29",
                "2028-08-28",
                "2028-12-25",
                "2028-12-26",
            ],
        ),
        (
            2029,
            &[
                "2029-01-01",
                "2029-03-30",
                "2029-04-02",
                "2029-05-07",
                "2029-05-28",
                "2029-08-27",
                "2029-12-25",
                "2029-12-26",
            ],
        ),
        (
            2030,
            &[
                "2030-01-01",
                "2030-04-19",
                "2030-04-22",
                "2030-05-06",
                "2030-05-27",
                "2030-08-26",
                "2030-12-25",
                "2030-12-26",
            ],
        ),
    ];

    #[test]
    fn bank_holidays_match_published_lists_2018_to_2030() {
        let years: Vec<i32> = PUBLISHED.iter().map(|&(y, _)| y).collect();
        assert_eq!(years, (2018..=2030).collect::<Vec<_>>());
        for &(year, expected) in PUBLISHED {
            assert_eq!(bank_holidays(year), dates(expected), "year {year}");
        }
    }

    #[test]
    fn easter_sundays() {
        let expected = [
            "2018-04-01",
            "2019-04-21",
            "2020-04-12",
            "2021-04-04",
            "2022-04-17",
            "2023-04-09",
            "2024-03-31",
            "2025-04-20",
            "2026-04-05",
            "2027-03-28",
            "2028-04-16",
            "2029-04-01",
            "2030-04-21",
        ];
        for (year, want) in (2018..=2030).zip(expected) {
            assert_eq!(easter_sunday(year), Some(date(want)), "year {year}");
        }
        // Extremes of the computus' 22 March - 25 April window.
        assert_eq!(easter_sunday(1818), Some(date("1818-03-22")));
        assert_eq!(easter_sunday(2285), Some(date("2285-03-22")));
        assert_eq!(easter_sunday(1943), Some(date("1943-04-25")));
        assert_eq!(easter_sunday(2038), Some(date("2038-04-25")));
    }

    #[test]
    fn proclaimed_changes_in_earlier_years() {
        let h1995 = bank_holidays(1995);
        assert!(h1995.contains(&date("1995-05-08")));
        assert!(!h1995.contains(&date("1995-05-01")));

        let h1999 = bank_holidays(1999);
        for d in ["1999-12-27", "1999-12-28", "1999-12-31"] {
            assert!(h1999.contains(&date(d)), "{d}");
        }
        assert_eq!(bank_holidays(2000)[0], date("2000-01-03"));

        let h2002 = bank_holidays(2002);
        assert!(h2002.contains(&date("2002-06-03")));
        assert!(h2002.contains(&date("2002-06-04")));
        assert!(!h2002.contains(&date("2002-05-27")));

        let h2011 = bank_holidays(2011);
        assert!(h2011.contains(&date("2011-04-29")));
        assert_eq!(h2011.len(), 9);

        let h2012 = bank_holidays(2012);
        assert!(h2012.contains(&date("2012-06-04")));
        assert!(h2012.contains(&date("2012-06-05")));
        assert!(!h2012.contains(&date("2012-05-28")));
    }

    #[test]
    fn every_bank_holiday_is_a_sorted_weekday_in_its_year() {
        for year in (1900..=2200).chain([-4000, 1, 9999, 100_000]) {
            let days = bank_holidays(year);
            assert!(days.len() >= 8, "year {year}");
            assert!(days.windows(2).all(|w| w[0] < w[1]), "year {year}");
            for d in &days {
                assert_eq!(d.year(), year);
                assert!(!is_weekend(*d), "{d}");
            }
        }
    }

    #[test]
    fn unrepresentable_years_are_empty_not_panics() {
        assert!(bank_holidays(i32::MAX).is_empty());
        assert!(bank_holidays(i32::MIN).is_empty());
        assert!(!bank_holidays(NaiveDate::MAX.year()).is_empty());
        assert!(!bank_holidays(NaiveDate::MIN.year()).is_empty());
    }

    #[test]
    fn working_day_classification() {
        let cal = Calendar::with_closures([date("2026-11-24")]);
        assert!(cal.is_working_day(date("2026-11-23")));
        assert!(!cal.is_working_day(date("2026-11-24")));
        assert!(!cal.is_working_day(date("2026-11-21")));
        assert!(!cal.is_working_day(date("2026-11-22")));
        assert!(!cal.is_working_day(date("2026-12-28")));
        assert!(Calendar::england_and_wales().is_working_day(date("2026-11-24")));
        assert!(is_bank_holiday(date("2026-12-28")));
        assert!(!is_bank_holiday(date("2026-12-26")));
        // Years outside the shared cache go through the uncached path.
        assert!(is_bank_holiday(date("2300-12-25")));
        assert!(is_bank_holiday(date("1900-12-25")));
    }

    #[test]
    fn within_one_working_day_of_friday_is_monday() {
        let cal = Calendar::england_and_wales();
        assert_eq!(
            cal.add_working_days(date("2026-11-20"), 1),
            date("2026-11-23")
        );
    }

    #[test]
    fn starting_on_a_weekend_counts_from_monday() {
        let cal = Calendar::england_and_wales();
        assert_eq!(
            cal.add_working_days(date("2026-11-21"), 1),
            date("2026-11-23")
        );
        assert_eq!(
            cal.add_working_days(date("2026-11-21"), 3),
            date("2026-11-25")
        );
        assert_eq!(
            cal.add_working_days(date("2026-11-22"), 1),
            date("2026-11-23")
        );
    }

    #[test]
    fn zero_days_is_the_start_date() {
        let cal = Calendar::england_and_wales();
        for d in ["2026-11-20", "2026-11-21", "2026-12-25"] {
            assert_eq!(cal.add_working_days(date(d), 0), date(d));
        }
    }

    #[test]
    fn across_christmas_and_new_year() {
        let cal = Calendar::england_and_wales();
        // 25 and 28 Dec 2026 and 1 Jan 2027 are bank holidays.
        assert_eq!(
            cal.add_working_days(date("2026-12-21"), 15),
            date("2027-01-14")
        );
        assert_eq!(
            cal.add_working_days(date("2026-12-24"), 1),
            date("2026-12-29")
        );
        assert_eq!(
            cal.add_working_days(date("2026-12-31"), 1),
            date("2027-01-04")
        );
        assert_eq!(
            cal.working_days_between(date("2026-12-21"), date("2027-01-14")),
            15
        );
    }

    #[test]
    fn across_easter_2027() {
        let cal = Calendar::england_and_wales();
        // Good Friday 26 Mar, Easter Monday 29 Mar.
        assert_eq!(
            cal.add_working_days(date("2027-03-24"), 5),
            date("2027-04-02")
        );
        assert_eq!(
            cal.add_working_days(date("2027-03-25"), 1),
            date("2027-03-30")
        );
    }

    #[test]
    fn starting_on_a_bank_holiday() {
        let cal = Calendar::england_and_wales();
        assert_eq!(
            cal.add_working_days(date("2026-05-25"), 1),
            date("2026-05-26")
        );
        // Good Friday: Easter Monday is skipped as well.
        assert_eq!(
            cal.add_working_days(date("2026-04-03"), 1),
            date("2026-04-07")
        );
        assert_eq!(
            cal.add_working_days(date("2026-12-25"), 2),
            date("2026-12-30")
        );
    }

    #[test]
    fn declared_closure_days_are_skipped() {
        let cal = Calendar::with_closures([
            date("2026-11-24"),
            // A weekend or bank holiday closure changes nothing.
            date("2026-11-28"),
            date("2026-12-25"),
            // Common council practice: closed between Christmas and New Year.
            date("2026-12-29"),
            date("2026-12-30"),
            date("2026-12-31"),
        ]);
        assert_eq!(
            cal.add_working_days(date("2026-11-20"), 3),
            date("2026-11-26")
        );
        assert_eq!(
            cal.add_working_days(date("2026-12-24"), 1),
            date("2027-01-04")
        );
        assert_eq!(
            cal.working_days_between(date("2026-12-21"), date("2027-01-04")),
            4
        );
        assert_eq!(
            cal.add_working_days(date("2027-01-04"), -1),
            date("2026-12-24")
        );
        assert_eq!(
            cal.next_working_day_on_or_after(date("2026-12-25")),
            date("2027-01-04")
        );
    }

    #[test]
    fn negative_counts_go_backwards() {
        let cal = Calendar::england_and_wales();
        assert_eq!(
            cal.add_working_days(date("2026-11-23"), -1),
            date("2026-11-20")
        );
        assert_eq!(
            cal.add_working_days(date("2026-11-22"), -1),
            date("2026-11-20")
        );
        assert_eq!(
            cal.add_working_days(date("2026-04-07"), -1),
            date("2026-04-02")
        );
        assert_eq!(
            cal.add_working_days(date("2027-01-04"), -3),
            date("2026-12-29")
        );
        assert_eq!(
            cal.add_working_days(date("2027-01-14"), -15),
            date("2026-12-21")
        );
    }

    #[test]
    fn working_days_between_is_antisymmetric() {
        let cal = Calendar::england_and_wales();
        let fri = date("2026-11-20");
        let mon = date("2026-11-23");
        assert_eq!(cal.working_days_between(fri, mon), 1);
        assert_eq!(cal.working_days_between(mon, fri), -1);
        assert_eq!(cal.working_days_between(fri, fri), 0);
        // Saturday to Sunday contains no working day.
        assert_eq!(
            cal.working_days_between(date("2026-11-21"), date("2026-11-22")),
            0
        );
        assert_eq!(cal.working_days_between(NaiveDate::MAX, NaiveDate::MAX), 0);
    }

    #[test]
    fn next_working_day_on_or_after() {
        let cal = Calendar::england_and_wales();
        assert_eq!(
            cal.next_working_day_on_or_after(date("2026-11-20")),
            date("2026-11-20")
        );
        assert_eq!(
            cal.next_working_day_on_or_after(date("2026-11-21")),
            date("2026-11-23")
        );
        assert_eq!(
            cal.next_working_day_on_or_after(date("2026-12-25")),
            date("2026-12-29")
        );
    }

    /// Day-by-day reference the jumping implementation must agree with.
    fn step_by_day(cal: &Calendar, from: NaiveDate, n: i64) -> NaiveDate {
        let mut d = from;
        let mut left = n.abs();
        while left > 0 {
            d = if n > 0 {
                d.succ_opt().unwrap()
            } else {
                d.pred_opt().unwrap()
            };
            if cal.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    #[test]
    fn round_trip_and_reference_agreement() {
        let calendars = [
            Calendar::england_and_wales(),
            Calendar::with_closures(
                [
                    "2026-11-24",
                    "2026-12-29",
                    "2026-12-30",
                    "2027-04-01",
                    "2022-06-01",
                ]
                .map(date),
            ),
        ];
        let starts = (0..250)
            .map(|i| add_calendar_days(date("2026-11-01"), i))
            .chain((0..120).map(|i| add_calendar_days(date("2022-05-15"), i)))
            .chain((0..40).map(|i| add_calendar_days(date("2020-04-30"), i)));
        for x in starts {
            for cal in &calendars {
                for n in 0..60 {
                    let y = cal.add_working_days(x, n);
                    assert_eq!(cal.working_days_between(x, y), n, "{x} + {n}");
                    assert_eq!(y, step_by_day(cal, x, n), "{x} + {n}");
                    let back = cal.add_working_days(x, -n);
                    assert_eq!(back, step_by_day(cal, x, -n), "{x} - {n}");
                    if n > 0 {
                        assert!(cal.is_working_day(y));
                        assert!(cal.is_working_day(back));
                        // The earliest such day: one day sooner is one short.
                        assert_eq!(cal.working_days_between(x, y.pred_opt().unwrap()), n - 1);
                        assert_eq!(
                            cal.working_days_between(back, x),
                            -cal.working_days_between(x, back)
                        );
                    }
                }
            }
        }
    }

    /// Day-by-day count the arithmetic `working_days_between` must agree with.
    fn count_by_day(cal: &Calendar, from: NaiveDate, to: NaiveDate) -> i64 {
        let (lo, hi, sign) = if from <= to {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let mut d = lo;
        let mut n = 0;
        while d < hi {
            d = d.succ_opt().unwrap();
            if cal.is_working_day(d) {
                n += 1;
            }
        }
        sign * n
    }

    #[test]
    fn random_date_pairs_agree_with_walking_day_by_day() {
        // A fixed-seed xorshift: reproducible, and no dependency for a test.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below
        };
        let first = date("1900-01-01");
        let span = u64::try_from((date("2200-12-31") - first).num_days()).unwrap();
        for round in 0..400 {
            let from = add_calendar_days(first, i64::try_from(next(span)).unwrap());
            // Closures near `from` so they fall inside the ranges counted,
            // some on weekends and bank holidays.
            let closures: Vec<NaiveDate> = (0..next(12))
                .map(|_| add_calendar_days(from, i64::try_from(next(900)).unwrap() - 300))
                .collect();
            let cal = Calendar::with_closures(closures);
            let reach = i64::try_from(next(1500)).unwrap() - 500;
            let to = add_calendar_days(from, reach);
            assert_eq!(
                cal.working_days_between(from, to),
                count_by_day(&cal, from, to),
                "round {round}: {from} to {to}"
            );
            let n = i64::try_from(next(700)).unwrap() - 200;
            assert_eq!(
                cal.add_working_days(from, n),
                step_by_day(&cal, from, n),
                "round {round}: {from} + {n}"
            );
        }
    }

    #[test]
    fn large_counts_are_fast_and_consistent() {
        let cal =
            Calendar::with_closures((0..400).map(|i| add_calendar_days(date("2030-01-01"), i)));
        let start = date("2026-11-20");
        let far = cal.add_working_days(start, 10_000);
        assert_eq!(cal.working_days_between(start, far), 10_000);
        assert_eq!(far, step_by_day(&cal, start, 10_000));
        // `start` is itself a working day, so counting back lands on it.
        assert_eq!(cal.add_working_days(far, -10_000), start);
        assert_eq!(step_by_day(&cal, far, -10_000), start);
        let very_far = cal.add_working_days(start, 1_000_000);
        assert_eq!(cal.working_days_between(start, very_far), 1_000_000);
    }

    #[test]
    fn out_of_range_results_saturate() {
        let cal = Calendar::england_and_wales();
        let start = date("2026-11-20");
        assert_eq!(cal.add_working_days(start, i64::MAX), NaiveDate::MAX);
        assert_eq!(cal.add_working_days(start, i64::MIN), NaiveDate::MIN);
        assert_eq!(add_calendar_days(start, i64::MAX), NaiveDate::MAX);
        assert_eq!(add_calendar_days(start, i64::MIN), NaiveDate::MIN);
        assert_eq!(add_weeks(start, i64::MAX), NaiveDate::MAX);
        assert_eq!(add_months(start, i64::MAX), NaiveDate::MAX);
        assert_eq!(add_months(start, i64::MIN), NaiveDate::MIN);
    }

    #[test]
    fn month_arithmetic_clamps_to_month_end() {
        assert_eq!(add_months(date("2026-01-31"), 1), date("2026-02-28"));
        assert_eq!(add_months(date("2028-01-31"), 1), date("2028-02-29"));
        assert_eq!(add_months(date("2026-03-31"), 1), date("2026-04-30"));
        assert_eq!(add_months(date("2026-03-31"), -1), date("2026-02-28"));
        assert_eq!(add_months(date("2026-11-15"), 3), date("2027-02-15"));
        assert_eq!(add_months(date("2027-02-15"), -3), date("2026-11-15"));
        assert_eq!(add_months(date("2024-02-29"), 12), date("2025-02-28"));
        assert_eq!(add_months(date("2026-05-31"), 0), date("2026-05-31"));
        assert_eq!(add_months(date("2026-12-31"), 1), date("2027-01-31"));
        assert_eq!(add_months(date("1900-01-31"), 1), date("1900-02-28"));
        assert_eq!(add_months(date("2000-01-31"), 1), date("2000-02-29"));
    }

    #[test]
    fn week_and_day_arithmetic() {
        assert_eq!(add_weeks(date("2026-12-21"), 2), date("2027-01-04"));
        assert_eq!(add_weeks(date("2026-03-02"), -1), date("2026-02-23"));
        assert_eq!(add_weeks(date("2026-11-20"), 0), date("2026-11-20"));
        assert_eq!(add_calendar_days(date("2028-02-28"), 1), date("2028-02-29"));
        assert_eq!(
            add_calendar_days(date("2027-01-01"), -1),
            date("2026-12-31")
        );
        assert_eq!(
            add_calendar_days(date("2026-01-01"), 365),
            date("2027-01-01")
        );
    }

    #[test]
    fn weekday_count_matches_direct_count() {
        let base = date("2026-11-16");
        for a in 0..30 {
            for len in 0..30 {
                let lo = add_calendar_days(base, a);
                let hi = add_calendar_days(lo, len);
                let direct = (0..=len)
                    .filter(|&i| !is_weekend(add_calendar_days(lo, i)))
                    .count() as i64;
                let formula = weekdays_through(day_index(hi)) - weekdays_through(day_index(lo) - 1);
                assert_eq!(formula, direct, "{lo}..={hi}");
            }
        }
    }

    #[test]
    fn parse_accepts_iso_only() {
        assert_eq!(
            parse_date("2026-11-20"),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap())
        );
        assert_eq!(
            parse_date("2028-02-29").map(format_date),
            Ok("2028-02-29".to_string())
        );
        for bad in [
            "",
            "20/11/2026",
            "2026-1-20",
            "2026/11/20",
            " 2026-11-20",
            "2026-11-20 ",
            "2026-11-20T00:00:00",
            "+026-11-20",
            "２０２６-11-20",
        ] {
            let err = parse_date(bad).unwrap_err();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
            assert!(err.contains("YYYY-MM-DD"), "{err}");
        }
        for impossible in ["2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31"] {
            let err = parse_date(impossible).unwrap_err();
            assert!(err.contains(impossible), "{err}");
        }
    }

    #[test]
    fn format_is_iso() {
        assert_eq!(format_date(date("2027-01-04")), "2027-01-04");
        assert_eq!(
            format_date(NaiveDate::from_ymd_opt(987, 6, 5).unwrap()),
            "0987-06-05"
        );
    }
}
