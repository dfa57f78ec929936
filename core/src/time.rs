//! `Timestamp`: UTC microseconds since the Unix epoch, with RFC 3339 text and civil dates.
//!
//! The ledger stores UTC instants only. Calendar arithmetic (civil dates, month lengths) is
//! `jiff`'s (ADR 0016); local calendars of a community are in `calendar.rs`. The RFC 3339
//! grammar below is the ledger's own, kept narrow on purpose (no week dates, no leap seconds).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

pub const MICROS_PER_SECOND: i64 = 1_000_000;
pub const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SECOND;
pub const MICROS_PER_HOUR: i64 = 60 * MICROS_PER_MINUTE;
pub const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;

/// Earliest accepted instant (1900-01-01) and latest (2200-01-01): anything outside is a typo.
const EARLIEST_MICROS: i64 = -2_208_988_800 * MICROS_PER_SECOND;
const LATEST_MICROS: i64 = 7_258_118_400 * MICROS_PER_SECOND;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid timestamp {input:?}: {reason} (expected RFC 3339, e.g. 2020-05-01T08:30:00Z)")]
pub struct TimestampError {
    pub input: String,
    pub reason: &'static str,
}

/// A calendar date (in UTC, or in a community's time zone: `calendar.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CivilDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Timestamp {
    pub const fn from_unix_micros(micros: i64) -> Timestamp {
        Timestamp(micros)
    }

    pub const fn unix_micros(self) -> i64 {
        self.0
    }

    pub fn now() -> Timestamp {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(i64::try_from(since_epoch.as_micros()).unwrap_or(i64::MAX))
    }

    /// Midnight UTC of a calendar date; `None` for an impossible date.
    pub fn from_civil(year: i32, month: u8, day: u8) -> Option<Timestamp> {
        let date = jiff_date(year, month, day)?;
        let midnight = jiff::tz::TimeZone::UTC
            .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
            .ok()?;
        Some(Timestamp(midnight.as_microsecond()))
    }

    /// The calendar date in UTC (use `calendar::CommunityCalendar` for a community's date).
    pub fn civil_date(self) -> CivilDate {
        CivilDate::from_jiff(jiff::tz::TimeZone::UTC.to_datetime(self.to_jiff()).date())
    }

    /// The same instant as a `jiff` timestamp (clamped to jiff's range, years -9999..=9999,
    /// far outside the ledger's plausible 1900..2200).
    pub fn to_jiff(self) -> jiff::Timestamp {
        let micros = self.0.clamp(
            jiff::Timestamp::MIN.as_microsecond(),
            jiff::Timestamp::MAX.as_microsecond(),
        );
        jiff::Timestamp::from_microsecond(micros).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    pub fn from_jiff(at: jiff::Timestamp) -> Timestamp {
        Timestamp(at.as_microsecond())
    }

    pub const fn plus_micros(self, micros: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(micros))
    }

    pub const fn plus_hours(self, hours: i64) -> Timestamp {
        self.plus_micros(hours.saturating_mul(MICROS_PER_HOUR))
    }

    pub const fn plus_days(self, days: i64) -> Timestamp {
        self.plus_micros(days.saturating_mul(MICROS_PER_DAY))
    }

    /// `self - earlier`, in microseconds (negative when `earlier` is later).
    pub const fn micros_since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// Whether the instant lies in the range the ledger accepts (1900..2200).
    pub const fn is_plausible(self) -> bool {
        self.0 >= EARLIEST_MICROS && self.0 < LATEST_MICROS
    }

    /// RFC 3339 in UTC with microseconds only when non-zero: `2020-05-01T08:30:00Z`.
    pub fn to_rfc3339(self) -> String {
        let date = self.civil_date();
        let micros_of_day = self.0.rem_euclid(MICROS_PER_DAY);
        let seconds = micros_of_day / MICROS_PER_SECOND;
        let fraction = micros_of_day % MICROS_PER_SECOND;
        let (h, m, s) = (seconds / 3600, (seconds / 60) % 60, seconds % 60);
        let head = format!(
            "{:04}-{:02}-{:02}T{h:02}:{m:02}:{s:02}",
            date.year, date.month, date.day
        );
        if fraction == 0 {
            format!("{head}Z")
        } else {
            format!("{head}.{fraction:06}Z")
        }
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; fractions beyond microseconds are
    /// truncated. A bare date `YYYY-MM-DD` is read as midnight UTC.
    pub fn parse_rfc3339(input: &str) -> Result<Timestamp, TimestampError> {
        let fail = |reason| TimestampError {
            input: input.chars().take(64).collect(),
            reason,
        };
        let bytes = input.as_bytes();
        if bytes.len() > 40 {
            return Err(fail("too long"));
        }
        let year = digits(bytes, 0, 4).ok_or_else(|| fail("bad year"))?;
        let month = digits(bytes, 5, 2).ok_or_else(|| fail("bad month"))?;
        let day = digits(bytes, 8, 2).ok_or_else(|| fail("bad day"))?;
        if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
            return Err(fail("date must be YYYY-MM-DD"));
        }
        let date = Timestamp::from_civil(year as i32, month as u8, day as u8)
            .ok_or_else(|| fail("no such date"))?;
        if bytes.len() == 10 {
            return Ok(date);
        }
        if !matches!(bytes.get(10), Some(b'T' | b't' | b' ')) {
            return Err(fail("expected T between date and time"));
        }
        let hour = digits(bytes, 11, 2).ok_or_else(|| fail("bad hour"))?;
        let minute = digits(bytes, 14, 2).ok_or_else(|| fail("bad minute"))?;
        let second = digits(bytes, 17, 2).ok_or_else(|| fail("bad second"))?;
        if bytes.get(13) != Some(&b':') || bytes.get(16) != Some(&b':') {
            return Err(fail("time must be HH:MM:SS"));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(fail("time out of range"));
        }
        let mut index = 19;
        let mut micros: i64 = 0;
        if bytes.get(index) == Some(&b'.') {
            index += 1;
            let start = index;
            while let Some(digit) = bytes.get(index).filter(|b| b.is_ascii_digit()) {
                if index - start < 6 {
                    micros = micros * 10 + i64::from(digit - b'0');
                }
                index += 1;
            }
            if index == start {
                return Err(fail("empty fraction"));
            }
            for _ in (index - start)..6 {
                micros *= 10;
            }
        }
        let offset_micros = match bytes.get(index) {
            Some(b'Z' | b'z') if bytes.len() == index + 1 => 0,
            Some(sign @ (b'+' | b'-')) if bytes.len() == index + 6 => {
                let oh = digits(bytes, index + 1, 2).ok_or_else(|| fail("bad offset"))?;
                let om = digits(bytes, index + 4, 2).ok_or_else(|| fail("bad offset"))?;
                if bytes[index + 3] != b':' || oh > 23 || om > 59 {
                    return Err(fail("bad offset"));
                }
                let magnitude = (oh as i64) * MICROS_PER_HOUR + (om as i64) * MICROS_PER_MINUTE;
                if *sign == b'+' { magnitude } else { -magnitude }
            }
            _ => return Err(fail("expected Z or an offset like +08:00")),
        };
        let time_micros = (hour as i64) * MICROS_PER_HOUR
            + (minute as i64) * MICROS_PER_MINUTE
            + (second as i64) * MICROS_PER_SECOND
            + micros;
        Ok(date.plus_micros(time_micros - offset_micros))
    }
}

impl fmt::Display for CivilDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

fn digits(bytes: &[u8], start: usize, len: usize) -> Option<u32> {
    let slice = bytes.get(start..start + len)?;
    slice.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

pub fn days_in_month(year: i32, month: u8) -> u8 {
    jiff_date(year, month, 1).map_or(0, |date| date.days_in_month() as u8)
}

/// A `jiff` date, or `None` for an impossible one.
fn jiff_date(year: i32, month: u8, day: u8) -> Option<jiff::civil::Date> {
    let year = i16::try_from(year).ok()?;
    let month = i8::try_from(month).ok()?;
    let day = i8::try_from(day).ok()?;
    jiff::civil::Date::new(year, month, day).ok()
}

impl CivilDate {
    /// The date as `jiff`'s, or `None` for an impossible date.
    pub fn to_jiff(self) -> Option<jiff::civil::Date> {
        jiff_date(self.year, self.month, self.day)
    }

    pub fn from_jiff(date: jiff::civil::Date) -> CivilDate {
        CivilDate {
            year: i32::from(date.year()),
            // jiff's months are 1..=12 and days 1..=31.
            month: date.month() as u8,
            day: date.day() as u8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: Result<&str, &str>) {
        let got = Timestamp::parse_rfc3339(input)
            .map(|t| t.to_rfc3339())
            .map_err(|e| e.reason);
        assert_eq!(got.as_deref().map_err(|e| *e), expect, "input {input:?}");
    }

    #[test]
    fn parses_and_prints_rfc3339() {
        check("2020-05-01T08:30:00Z", Ok("2020-05-01T08:30:00Z"));
        check("2020-05-01T16:30:00+08:00", Ok("2020-05-01T08:30:00Z"));
        check("2020-05-01T00:30:00-01:30", Ok("2020-05-01T02:00:00Z"));
        check(
            "2020-02-29T23:59:59.123456789Z",
            Ok("2020-02-29T23:59:59.123456Z"),
        );
        check("2024-12-31", Ok("2024-12-31T00:00:00Z"));
        check("1969-12-31T23:59:59.5Z", Ok("1969-12-31T23:59:59.500000Z"));
        check("2021-02-29T00:00:00Z", Err("no such date"));
        check("2021-13-01T00:00:00Z", Err("no such date"));
        check("2021-01-01T24:00:00Z", Err("time out of range"));
        check(
            "2021-01-01T10:00:00",
            Err("expected Z or an offset like +08:00"),
        );
        check("yesterday", Err("bad year"));
        check("", Err("bad year"));
    }

    #[test]
    fn civil_dates_round_trip_across_eras() {
        for days in (-800_000..800_000).step_by(997) {
            let t = Timestamp(days * MICROS_PER_DAY);
            let d = t.civil_date();
            assert_eq!(Timestamp::from_civil(d.year, d.month, d.day), Some(t));
        }
    }
}
