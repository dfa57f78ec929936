//! GET `requests`' filters as GeoReport v2 defines them (ADR 0008): `service_code` and
//! `status` (`open`, `closed`; each may be a comma list), `start_date`/`end_date` (when the
//! request was opened, at most 90 days apart; the last 90 days by default), and at most
//! 1,000 results.

use std::collections::HashMap;

use govledger_core::domain::request::vocabulary::RequestCategory;
use govledger_core::time::Timestamp;

/// The spec's default and widest window.
pub(super) const WINDOW_DAYS_MAX: i64 = 90;
/// The spec's default and largest number of results.
pub(super) const REQUESTS_LISTED_MAX: usize = 1_000;

/// The parameters `requests` understands besides `service_request_id` (which overrides them
/// all), `api_key` and `jurisdiction_id`.
const FILTER_PARAMS: [&str; 5] = ["service_code", "start_date", "end_date", "status", "limit"];

/// Which requests a list selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RequestFilters {
    /// Category codes; every category when empty.
    pub(super) service_codes: Vec<String>,
    /// Opened at or after (RFC 3339).
    pub(super) start: String,
    /// Opened before (RFC 3339, exclusive: one microsecond past the spec's inclusive end).
    pub(super) end: String,
    /// `Some(true)` for open, `Some(false)` for closed, `None` for both (also `open,closed`).
    pub(super) open: Option<bool>,
    pub(super) limit: usize,
}

impl RequestFilters {
    /// The filters of `params`, with the spec's defaults, at `now`; a clear reason when one is
    /// not understood.
    pub(super) fn parse(
        params: &HashMap<String, String>,
        now: Timestamp,
    ) -> Result<RequestFilters, String> {
        if let Some(unknown) = params.keys().find(|name| {
            !FILTER_PARAMS.contains(&name.as_str())
                && !["api_key", "jurisdiction_id", "service_request_id"].contains(&name.as_str())
        }) {
            return Err(format!(
                "unknown parameter {unknown:?}; requests takes service_request_id, {}",
                FILTER_PARAMS.join(", ")
            ));
        }
        let mut service_codes = Vec::new();
        for code in list_param(params, "service_code") {
            if !RequestCategory::ALL.iter().any(|c| c.as_str() == code) {
                return Err(format!("no service {code:?}; services.json lists them"));
            }
            if !service_codes.iter().any(|c| c == code) {
                service_codes.push(code.to_string());
            }
        }
        let date = |name: &str| {
            params
                .get(name)
                .filter(|value| !value.trim().is_empty())
                .map(|value| {
                    Timestamp::parse_rfc3339(value.trim()).map_err(|e| {
                        format!("{name}: {e} (a W3C date-time, e.g. 2010-01-01T00:00:00Z)")
                    })
                })
                .transpose()
        };
        let window = WINDOW_DAYS_MAX;
        let (start, end) = match (date("start_date")?, date("end_date")?) {
            (None, None) => (now.plus_days(-window), now),
            (Some(start), None) => (start, start.plus_days(window)),
            (None, Some(end)) => (end.plus_days(-window), end),
            (Some(start), Some(end)) => (start, end),
        };
        if end < start {
            return Err("end_date is before start_date".into());
        }
        if end.micros_since(start) > window * 86_400_000_000 {
            return Err(format!(
                "start_date and end_date may be at most {window} days apart"
            ));
        }
        let (mut open, mut closed) = (false, false);
        for status in list_param(params, "status") {
            match status {
                "open" => open = true,
                "closed" => closed = true,
                other => return Err(format!("status is open or closed, not {other:?}")),
            }
        }
        let open = (open != closed).then_some(open);
        let limit = match params.get("limit") {
            None => REQUESTS_LISTED_MAX,
            Some(text) => match text.trim().parse::<usize>() {
                Ok(n) if (1..=REQUESTS_LISTED_MAX).contains(&n) => n,
                _ => {
                    return Err(format!(
                        "limit is a number from 1 to {REQUESTS_LISTED_MAX}, not {text:?}"
                    ));
                }
            },
        };
        Ok(RequestFilters {
            service_codes,
            start: start.to_rfc3339(),
            end: end.plus_micros(1).to_rfc3339(),
            open,
            limit,
        })
    }
}

/// A parameter the spec lets name several values, comma delimited: its values, trimmed.
fn list_param<'p>(params: &'p HashMap<String, String>, name: &str) -> Vec<&'p str> {
    params
        .get(name)
        .map(|value| {
            value
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-12-03T10:00:00Z";

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).expect("a test instant")
    }

    /// `query` (`a=b&c=d`) parsed at `NOW`: the filters, or the start of the refusal.
    fn check(query: &str, expect: Result<RequestFilters, &str>) {
        let params: HashMap<String, String> =
            serde_urlencoded::from_str(query).expect("a test query");
        let got = RequestFilters::parse(&params, at(NOW));
        match (got, expect) {
            (Ok(got), Ok(expect)) => assert_eq!(got, expect, "{query}"),
            (Err(got), Err(expect)) => assert!(got.starts_with(expect), "{query}: {got}"),
            (got, expect) => panic!("{query}: got {got:?}, expected {expect:?}"),
        }
    }

    fn filters(start: &str, end: &str) -> RequestFilters {
        RequestFilters {
            service_codes: Vec::new(),
            start: at(start).to_rfc3339(),
            end: at(end).plus_micros(1).to_rfc3339(),
            open: None,
            limit: REQUESTS_LISTED_MAX,
        }
    }

    #[test]
    fn the_spec_defaults_and_windows() {
        check("", Ok(filters("2026-09-04T10:00:00Z", NOW)));
        check(
            "start_date=2026-01-01T00:00:00Z",
            Ok(filters("2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z")),
        );
        check(
            "end_date=2026-04-01T00:00:00Z",
            Ok(filters("2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z")),
        );
        check(
            "start_date=2026-01-01T08:00:00%2B08:00&end_date=2026-01-31T00:00:00Z&status=closed\
             &service_code=lift&limit=10",
            Ok(RequestFilters {
                service_codes: vec!["lift".into()],
                open: Some(false),
                limit: 10,
                ..filters("2026-01-01T00:00:00Z", "2026-01-31T00:00:00Z")
            }),
        );
        let default = || filters("2026-09-04T10:00:00Z", NOW);
        check(
            "status=open",
            Ok(RequestFilters {
                open: Some(true),
                ..default()
            }),
        );
        check("status=open,closed", Ok(default()));
        check(
            "status=closed,%20closed&service_code=lift,parking,lift",
            Ok(RequestFilters {
                open: Some(false),
                service_codes: vec!["lift".into(), "parking".into()],
                ..default()
            }),
        );
    }

    #[test]
    fn what_the_spec_does_not_allow_is_refused() {
        check(
            "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
            Err("start_date and end_date may be at most 90 days"),
        );
        check(
            "start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",
            Err("end_date is before start_date"),
        );
        check("start_date=yesterday", Err("start_date: "));
        check("status=pending", Err("status is open or closed"));
        check("service_code=teleport", Err("no service \"teleport\""));
        check("service_code=lift,teleport", Err("no service \"teleport\""));
        check("status=open,pending", Err("status is open or closed"));
        check("limit=0", Err("limit is a number from 1 to 1000"));
        check("limit=1001", Err("limit is a number from 1 to 1000"));
        check("lat=31.2", Err("unknown parameter \"lat\""));
    }
}
