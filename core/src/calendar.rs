//! A community's calendar: the IANA time zone its people live in (ADR 0016). The ledger keeps
//! UTC instants; a calendar turns them into the local dates that periods ("the month of
//! June"), due dates and "within one month" rules are about. Zones come from the tz database
//! bundled into the binary by `jiff`, never from the machine's `/usr/share/zoneinfo`, so two
//! machines always agree on a local date.

use jiff::tz::TimeZone;
use jiff::{ToSpan, Zoned};

use crate::time::{CivilDate, Timestamp};

/// The longest IANA zone name accepted (the longest in the database is 32 bytes).
pub const TIME_ZONE_NAME_BYTES_MAX: usize = 64;

/// The zone of a ledger whose community never set one: UTC, as every figure was counted
/// before communities had calendars.
pub const UNSET_TIME_ZONE: &str = "UTC";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("unknown time zone {name:?}: expected an IANA name such as Asia/Shanghai")]
    UnknownTimeZone { name: String },
}

/// A community's calendar: its time zone, by IANA name.
#[derive(Debug, Clone)]
pub struct CommunityCalendar {
    name: String,
    zone: TimeZone,
}

impl PartialEq for CommunityCalendar {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for CommunityCalendar {}

impl CommunityCalendar {
    /// The calendar of an IANA zone name (`Asia/Shanghai`), from the bundled tz database.
    pub fn of_zone(name: &str) -> Result<CommunityCalendar, CalendarError> {
        let unknown = || CalendarError::UnknownTimeZone {
            name: name.chars().take(TIME_ZONE_NAME_BYTES_MAX).collect(),
        };
        if name.is_empty() || name.len() > TIME_ZONE_NAME_BYTES_MAX {
            return Err(unknown());
        }
        let zone = jiff::tz::db().get(name).map_err(|_| unknown())?;
        Ok(CommunityCalendar {
            name: name.into(),
            zone,
        })
    }

    pub fn utc() -> CommunityCalendar {
        CommunityCalendar {
            name: UNSET_TIME_ZONE.into(),
            zone: TimeZone::UTC,
        }
    }

    pub fn zone_name(&self) -> &str {
        &self.name
    }

    /// The local date of an instant.
    pub fn local_date(&self, at: Timestamp) -> CivilDate {
        CivilDate::from_jiff(self.zone.to_datetime(at.to_jiff()).date())
    }

    /// The same local wall-clock time one calendar month later (the 31st of a month before a
    /// shorter one maps to that month's last day), as jiff's `Zoned` arithmetic does.
    pub fn one_month_after(&self, at: Timestamp) -> Timestamp {
        let local = Zoned::new(at.to_jiff(), self.zone.clone());
        local
            .checked_add(1.month())
            .map_or(Timestamp::from_unix_micros(i64::MAX), |later| {
                Timestamp::from_jiff(later.timestamp())
            })
    }

    /// Local midnight starting `date`, as an instant (the earlier one if a transition
    /// repeats it, the later one if a transition skips it).
    pub fn start_of(&self, date: CivilDate) -> Option<Timestamp> {
        let date = jiff::civil::Date::new(
            i16::try_from(date.year).ok()?,
            i8::try_from(date.month).ok()?,
            i8::try_from(date.day).ok()?,
        )
        .ok()?;
        let zoned = date.to_zoned(self.zone.clone()).ok()?;
        Some(Timestamp::from_jiff(zoned.timestamp()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).expect("a test instant")
    }

    fn check_local_date(zone: &str, instant: &str, expect: (i32, u8, u8)) {
        let calendar = CommunityCalendar::of_zone(zone).expect("a bundled zone");
        let date = calendar.local_date(at(instant));
        assert_eq!(
            (date.year, date.month, date.day),
            expect,
            "{instant} in {zone}"
        );
    }

    #[test]
    fn local_dates_follow_the_zone() {
        // 01:30 on 1 June in Rizhao is 17:30 on 31 May in UTC.
        check_local_date("Asia/Shanghai", "2021-05-31T17:30:00Z", (2021, 6, 1));
        check_local_date("UTC", "2021-05-31T17:30:00Z", (2021, 5, 31));
        check_local_date("Asia/Shanghai", "2020-12-31T16:00:00Z", (2021, 1, 1));
        check_local_date("Asia/Shanghai", "2020-12-31T15:59:59Z", (2020, 12, 31));
        // Daylight saving time: New York is UTC-4 in July, UTC-5 in January.
        check_local_date("America/New_York", "2021-07-01T03:30:00Z", (2021, 6, 30));
        check_local_date("America/New_York", "2021-01-01T04:30:00Z", (2020, 12, 31));
    }

    #[test]
    fn unknown_zones_are_refused() {
        for name in ["", "Asia/Rizhao", "UTC+8", &"x".repeat(200)] {
            assert!(
                CommunityCalendar::of_zone(name).is_err(),
                "{name:?} accepted"
            );
        }
    }

    #[test]
    fn one_month_after_keeps_the_local_time_and_clamps_the_day() {
        let shanghai = CommunityCalendar::of_zone("Asia/Shanghai").expect("a bundled zone");
        let check = |from: &str, expect: &str| {
            assert_eq!(shanghai.one_month_after(at(from)), at(expect), "{from}");
        };
        check("2021-01-15T02:00:00Z", "2021-02-15T02:00:00Z");
        // 31 January 10:00 local + 1 month = 28 February 10:00 local.
        check("2021-01-31T02:00:00Z", "2021-02-28T02:00:00Z");
        // 31 January 01:00 local is 30 January 17:00 UTC: the local day is what counts.
        check("2021-01-30T17:00:00Z", "2021-02-27T17:00:00Z");
    }
}
