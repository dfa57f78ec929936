//! A community's calendar: the IANA time zone its people live in (ADR 0016). The ledger keeps
//! UTC instants; a calendar turns them into the local dates that periods ("the month of
//! June"), due dates and "within one month" rules are about. Zones come from the tz database
//! bundled into the binary by `jiff`, never from the machine's `/usr/share/zoneinfo`, so two
//! machines always agree on a local date.

use std::collections::{BTreeMap, BTreeSet};

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

    /// The instant as the community's clocks show it: RFC 3339 with the local offset,
    /// `2020-09-29T00:00:00+08:00` (fractions of a second dropped).
    pub fn local_rfc3339(&self, at: Timestamp) -> String {
        Zoned::new(at.to_jiff(), self.zone.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
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

/// Most working days a time limit may count (a year's worth).
pub const WORKING_DAYS_MAX: u32 = 250;

/// The public holidays and adjusted working weekend days (调休) published for each year, as
/// the directory records them (`HolidaysPublished`, one event per year, the latest wins).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayCalendar {
    years: BTreeMap<i32, PublishedYear>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct PublishedYear {
    public_holidays: BTreeSet<CivilDate>,
    working_weekend_days: BTreeSet<CivilDate>,
}

impl HolidayCalendar {
    /// Replaces what was published for `year`.
    pub fn publish(
        &mut self,
        year: i32,
        public_holidays: &[CivilDate],
        working_weekend_days: &[CivilDate],
    ) {
        self.years.insert(
            year,
            PublishedYear {
                public_holidays: public_holidays.iter().copied().collect(),
                working_weekend_days: working_weekend_days.iter().copied().collect(),
            },
        );
    }

    /// A working day: Monday to Friday unless a public holiday, or a weekend day published
    /// as an adjusted working day. A year nothing was published for has no holidays.
    pub fn is_working_day(&self, date: CivilDate) -> bool {
        let published = self.years.get(&date.year);
        if published.is_some_and(|year| year.working_weekend_days.contains(&date)) {
            return true;
        }
        if published.is_some_and(|year| year.public_holidays.contains(&date)) {
            return false;
        }
        date.to_jiff().is_some_and(|date| {
            !matches!(
                date.weekday(),
                jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
            )
        })
    }
}

/// Checks a year's publication: dates of that year, distinct, holidays never also working
/// days, and adjusted working days on a weekend.
pub fn check_publication(
    year: i32,
    public_holidays: &[CivilDate],
    working_weekend_days: &[CivilDate],
) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for date in public_holidays.iter().chain(working_weekend_days) {
        if date.year != year || date.to_jiff().is_none() {
            return Err(format!("{date} is not a date of {year}"));
        }
        if !seen.insert(*date) {
            return Err(format!("{date} is listed twice"));
        }
    }
    for date in working_weekend_days {
        let weekend = date.to_jiff().is_some_and(|date| {
            matches!(
                date.weekday(),
                jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
            )
        });
        if !weekend {
            return Err(format!(
                "{date} is an adjusted working day but not a Saturday or Sunday"
            ));
        }
    }
    Ok(())
}

impl CommunityCalendar {
    /// The end of the `days`-th working day after the local date of `from` (the local
    /// midnight that ends it): "within 3 working days" of a dispatch on Friday afternoon is
    /// the end of Wednesday, if no holiday intervenes. `None` past `WORKING_DAYS_MAX` or
    /// the calendar's range.
    pub fn after_working_days(
        &self,
        from: Timestamp,
        days: u32,
        holidays: &HolidayCalendar,
    ) -> Option<Timestamp> {
        if days > WORKING_DAYS_MAX {
            return None;
        }
        let mut date = self.local_date(from).to_jiff()?;
        let mut counted = 0;
        // A year holds at least 104 weekend days; 3 × the limit always finds enough.
        for _ in 0..(3 * WORKING_DAYS_MAX + 30) {
            if counted == days {
                break;
            }
            date = date.tomorrow().ok()?;
            if holidays.is_working_day(CivilDate::from_jiff(date)) {
                counted += 1;
            }
        }
        if counted < days {
            return None;
        }
        self.start_of(CivilDate::from_jiff(date.tomorrow().ok()?))
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
    fn instants_print_in_local_time() {
        let shanghai = CommunityCalendar::of_zone("Asia/Shanghai").expect("a bundled zone");
        assert_eq!(
            shanghai.local_rfc3339(at("2020-09-28T16:00:00Z")),
            "2020-09-29T00:00:00+08:00"
        );
        assert_eq!(
            CommunityCalendar::utc().local_rfc3339(at("2020-09-28T16:00:00.5Z")),
            "2020-09-28T16:00:00+00:00"
        );
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

    fn date(year: i32, month: u8, day: u8) -> CivilDate {
        CivilDate { year, month, day }
    }

    /// China's 2020 National Day and Mid-Autumn holiday: 1–8 October off, Sunday 27
    /// September and Saturday 10 October worked (State Council notice, 2019).
    fn china_2020_october() -> HolidayCalendar {
        let mut holidays = HolidayCalendar::default();
        let off: Vec<CivilDate> = (1..=8).map(|day| date(2020, 10, day)).collect();
        let worked = [date(2020, 9, 27), date(2020, 10, 10)];
        check_publication(2020, &off, &worked).expect("a valid publication");
        holidays.publish(2020, &off, &worked);
        holidays
    }

    fn check_working_days(from: &str, days: u32, expect: &str) {
        let shanghai = CommunityCalendar::of_zone("Asia/Shanghai").expect("a bundled zone");
        let due = shanghai.after_working_days(at(from), days, &china_2020_october());
        assert_eq!(due, Some(at(expect)), "{days} working days from {from}");
    }

    #[test]
    fn working_days_skip_public_holidays_and_count_adjusted_working_weekends() {
        // Friday 25 September 12:00 local, 2 working days: Saturday off, Sunday 27 worked
        // (adjusted), Monday 28: due at the end of Monday 28 (16:00 UTC).
        check_working_days("2020-09-25T04:00:00Z", 2, "2020-09-28T16:00:00Z");
        // Wednesday 30 September, 2 working days: 1–8 October are holidays; Friday 9 and
        // Saturday 10 (adjusted) count: due at the end of Saturday 10 October.
        check_working_days("2020-09-30T04:00:00Z", 2, "2020-10-10T16:00:00Z");
        // An ordinary week: Monday 14 September, 3 working days: end of Thursday 17.
        check_working_days("2020-09-14T04:00:00Z", 3, "2020-09-17T16:00:00Z");
        // 00:30 local on Tuesday 15 September is Monday in UTC: the local date counts.
        check_working_days("2020-09-14T16:30:00Z", 1, "2020-09-16T16:00:00Z");
    }

    #[test]
    fn publications_are_checked() {
        let check = |off: &[CivilDate], worked: &[CivilDate], expect: Result<(), &str>| {
            assert_eq!(
                check_publication(2020, off, worked),
                expect.map_err(str::to_string),
                "{off:?} {worked:?}"
            );
        };
        check(&[date(2020, 10, 1)], &[date(2020, 9, 27)], Ok(()));
        check(
            &[date(2021, 1, 1)],
            &[],
            Err("2021-01-01 is not a date of 2020"),
        );
        check(
            &[date(2020, 10, 1), date(2020, 10, 1)],
            &[],
            Err("2020-10-01 is listed twice"),
        );
        check(
            &[],
            &[date(2020, 9, 28)],
            Err("2020-09-28 is an adjusted working day but not a Saturday or Sunday"),
        );
        check(
            &[date(2020, 2, 30)],
            &[],
            Err("2020-02-30 is not a date of 2020"),
        );
    }
}
