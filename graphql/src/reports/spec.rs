//! What a report asks: its kind (the GraphQL query behind it and its columns), its format and
//! the query's arguments, read from `/reports/<kind>?…` parameters.

use std::collections::HashMap;

use serde_json::{Map, Value};

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// `cases(filter:)`, one row per case.
    Cases,
    /// `accountActivity(accountId:)`, one row per ledger entry.
    AccountActivity,
    /// `organisationActivity(organisationId:)`, one row per ledger entry.
    OrganisationActivity,
    /// `metrics(scope:, period:)`, one row per figure (`requests.responseRate.value`, …).
    Metrics,
}

/// How rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// RFC 4180, a header row, CRLF line ends.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl ReportFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            ReportFormat::Csv => "text/csv; charset=utf-8; header=present",
            ReportFormat::Jsonl => "application/jsonl; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Csv => "csv",
            ReportFormat::Jsonl => "jsonl",
        }
    }
}

const CASE_COLUMNS: &[&str] = &[
    "kind",
    "caseId",
    "status",
    "category",
    "title",
    "compoundId",
    "buildingIds",
    "unitIds",
    "responsibleOrganisationId",
    "openedAt",
    "updatedAt",
    "closedAt",
    "dueAt",
    "awaitingOutcome",
    "firstPosition",
    "lastPosition",
    "eventCount",
    "correctionCount",
];

const ACTIVITY_COLUMNS: &[&str] = &[
    "position",
    "eventId",
    "eventType",
    "streamId",
    "streamVersion",
    "occurredAt",
    "recordedAt",
    "actorAccountId",
    "actorRole",
    "actorOrganisationId",
    "correlationId",
    "causationId",
    "hash",
];

const METRICS_COLUMNS: &[&str] = &["metric", "value"];

const CASES_QUERY: &str = "query($filter: CaseFilterInput!, $first: Int!, $after: String) {
  cases(filter: $filter, first: $first, after: $after) {
    nodes { kind caseId status category title compoundId buildingIds unitIds
            responsibleOrganisationId openedAt updatedAt closedAt dueAt awaitingOutcome
            firstPosition lastPosition eventCount correctionCount }
    pageInfo { hasNextPage endCursor }
  }
}";

const ENTRY_FIELDS: &str = "nodes { position eventId eventType streamId streamVersion occurredAt
            recordedAt actorAccountId actorRole actorOrganisationId correlationId
            causationId hash }
    pageInfo { hasNextPage endCursor }";

const METRICS_QUERY: &str = "query($scope: MetricsScopeInput!, $period: PeriodInput!) {
  metrics(scope: $scope, period: $period) {
    position positionIsExact checkpoint { treeSize rootHash }
    requests { received rejected dispatched resolved escalated closed closedFixed
      responseRate { ...R } sendBackRate { ...R } onTimeClosureRate { ...R }
      resolutionRate { ...R } satisfactionRate { ...R } reopenRate { ...R }
      duplicateShare { ...R }
      timeToClose { sampleSize medianSeconds p90Seconds isExact } }
    mediations { registered declined concluded
      agreementRate { ...R } withinMonthRate { ...R } performanceRate { ...R } }
    works { completed budgetCents costCents decisionToCompletionDaysTotal
      quantities { unit planned delivered } }
    decisions { tallied adopted failed published decisionToPublicationDaysTotal
      participationByArea { ...R } participationByHead { ...R } }
  }
}
fragment R on Rate { numerator denominator value }";

impl ReportKind {
    pub(super) fn columns(self) -> &'static [&'static str] {
        match self {
            ReportKind::Cases => CASE_COLUMNS,
            ReportKind::AccountActivity | ReportKind::OrganisationActivity => ACTIVITY_COLUMNS,
            ReportKind::Metrics => METRICS_COLUMNS,
        }
    }

    pub(super) fn query(self) -> &'static str {
        static ACCOUNT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        static ORGANISATION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        match self {
            ReportKind::Cases => CASES_QUERY,
            ReportKind::AccountActivity => ACCOUNT.get_or_init(|| {
                format!(
                    "query($accountId: ID!, $first: Int!, $after: String) {{\n  \
                     accountActivity(accountId: $accountId, first: $first, after: $after) \
                     {{\n    {ENTRY_FIELDS}\n  }}\n}}"
                )
            }),
            ReportKind::OrganisationActivity => ORGANISATION.get_or_init(|| {
                format!(
                    "query($organisationId: ID!, $first: Int!, $after: String) {{\n  \
                     organisationActivity(organisationId: $organisationId, first: $first, \
                     after: $after) {{\n    {ENTRY_FIELDS}\n  }}\n}}"
                )
            }),
            ReportKind::Metrics => METRICS_QUERY,
        }
    }

    /// The field holding the connection.
    pub(super) fn connection(self) -> &'static str {
        match self {
            ReportKind::Cases => "cases",
            ReportKind::AccountActivity => "accountActivity",
            ReportKind::OrganisationActivity => "organisationActivity",
            ReportKind::Metrics => "metrics",
        }
    }

    /// A name for the downloaded file.
    pub fn file_stem(self) -> &'static str {
        match self {
            ReportKind::Cases => "cases",
            ReportKind::AccountActivity | ReportKind::OrganisationActivity => "activity",
            ReportKind::Metrics => "metrics",
        }
    }
}

/// A report to run.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRequest {
    pub kind: ReportKind,
    pub format: ReportFormat,
    /// The query's arguments (`filter`, `accountId`, `scope`, `period`…).
    pub variables: Map<String, Value>,
}

impl ReportRequest {
    /// From `/reports/<name>?format=csv&filter={…}` (`cases`: `filter`; `activity`:
    /// `accountId` or `organisationId`; `metrics`: `period`, optional `scope`; JSON values as
    /// in the GraphQL query's variables).
    pub fn from_params(
        name: &str,
        params: &HashMap<String, String>,
    ) -> Result<ReportRequest, String> {
        let format = match params.get("format").map(String::as_str) {
            None | Some("csv") => ReportFormat::Csv,
            Some("jsonl") => ReportFormat::Jsonl,
            Some(other) => return Err(format!("`format` is csv or jsonl, not {other:?}")),
        };
        let json = |name: &str| -> Result<Option<Value>, String> {
            params
                .get(name)
                .map(|text| {
                    serde_json::from_str(text)
                        .map_err(|e| format!("`{name}` must be JSON, as in the GraphQL query: {e}"))
                })
                .transpose()
        };
        let mut variables = Map::new();
        let allowed: &[&str] = match name {
            "cases" => {
                let filter = json("filter")?.ok_or(
                    "a cases report needs `filter`, e.g. \
                                                    filter={\"kind\":\"REQUEST\"}",
                )?;
                variables.insert("filter".into(), filter);
                &["filter"]
            }
            "activity" => match (params.get("accountId"), params.get("organisationId")) {
                (Some(id), None) => {
                    variables.insert("accountId".into(), Value::String(id.clone()));
                    &["accountId"]
                }
                (None, Some(id)) => {
                    variables.insert("organisationId".into(), Value::String(id.clone()));
                    &["organisationId"]
                }
                _ => {
                    return Err("an activity report needs `accountId` or `organisationId` \
                                 (one of them)"
                        .into());
                }
            },
            "metrics" => {
                let period = json("period")?.ok_or(
                    "a metrics report needs `period`, e.g. \
                                                    period={\"year\":2019}",
                )?;
                variables.insert("period".into(), period);
                // No scope: the whole community.
                let scope = json("scope")?.unwrap_or_else(|| Value::Object(Map::new()));
                variables.insert("scope".into(), scope);
                &["period", "scope"]
            }
            other => {
                return Err(format!(
                    "no report {other:?}; there are cases, activity and metrics"
                ));
            }
        };
        if let Some(unknown) = params
            .keys()
            .find(|k| k.as_str() != "format" && !allowed.contains(&k.as_str()))
        {
            return Err(format!("the {name} report takes no `{unknown}`"));
        }
        let kind = match (name, variables.contains_key("accountId")) {
            ("cases", _) => ReportKind::Cases,
            ("activity", true) => ReportKind::AccountActivity,
            ("activity", false) => ReportKind::OrganisationActivity,
            _ => ReportKind::Metrics,
        };
        Ok(ReportRequest {
            kind,
            format,
            variables,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        name: &str,
        params: &[(&str, &str)],
        expect: Result<(ReportKind, ReportFormat), &str>,
    ) {
        let params: HashMap<String, String> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let got = ReportRequest::from_params(name, &params).map(|r| (r.kind, r.format));
        match expect {
            Ok(expect) => assert_eq!(got, Ok(expect), "{name} {params:?}"),
            Err(piece) => {
                let error = got.expect_err("refused");
                assert!(error.contains(piece), "{name} {params:?}: {error}");
            }
        }
    }

    #[test]
    fn report_parameters_are_checked() {
        use ReportFormat::{Csv, Jsonl};
        use ReportKind::*;
        check(
            "cases",
            &[("filter", "{\"kind\":\"REQUEST\"}")],
            Ok((Cases, Csv)),
        );
        check(
            "cases",
            &[("filter", "{\"kind\":\"REQUEST\"}"), ("format", "jsonl")],
            Ok((Cases, Jsonl)),
        );
        check("cases", &[], Err("needs `filter`"));
        check("cases", &[("filter", "{kind")], Err("must be JSON"));
        check(
            "cases",
            &[("filter", "{}"), ("format", "xlsx")],
            Err("csv or jsonl"),
        );
        check(
            "cases",
            &[("filter", "{}"), ("limit", "3")],
            Err("takes no `limit`"),
        );
        check(
            "activity",
            &[("accountId", "a")],
            Ok((AccountActivity, Csv)),
        );
        check(
            "activity",
            &[("organisationId", "o")],
            Ok((OrganisationActivity, Csv)),
        );
        check(
            "activity",
            &[("accountId", "a"), ("organisationId", "o")],
            Err("one of them"),
        );
        check(
            "metrics",
            &[("period", "{\"year\":2019}")],
            Ok((Metrics, Csv)),
        );
        check("metrics", &[], Err("needs `period`"));
        check("people", &[], Err("no report"));
    }
}
