//! Accountability metrics per organisation, compound or category and period. Every rate comes
//! with its sample (numerator and denominator).

use async_graphql::{ID, InputObject, SimpleObject};
use govledger_projections::metrics::query::{MetricsReport, Rate, TimeToClose};
use govledger_projections::metrics::scope::{MetricsScope, Period};

use crate::error::{ErrorCode, api_error};
use crate::schema::read::uuid_arg;

/// What the metrics are about: at most one of the fields; none means the whole community.
#[derive(Debug, Clone, Default, InputObject)]
pub struct MetricsScopeInput {
    pub organisation_id: Option<ID>,
    pub compound_id: Option<ID>,
    /// A request category, work category, dispute type or decision matter (`snake_case`).
    pub category: Option<String>,
}

impl MetricsScopeInput {
    pub fn scope(self) -> async_graphql::Result<MetricsScope> {
        match (self.organisation_id, self.compound_id, self.category) {
            (None, None, None) => Ok(MetricsScope::All),
            (Some(id), None, None) => {
                Ok(MetricsScope::Organisation(uuid_arg("organisationId", &id)?))
            }
            (None, Some(id), None) => Ok(MetricsScope::Compound(uuid_arg("compoundId", &id)?)),
            (None, None, Some(category)) => Ok(MetricsScope::Category(category)),
            _ => Err(api_error(
                ErrorCode::BadUserInput,
                "give at most one of organisationId, compoundId, category",
            )),
        }
    }
}

/// A year, a quarter of it (`quarter`) or a month of it (`month`).
#[derive(Debug, Clone, InputObject)]
pub struct PeriodInput {
    pub year: i32,
    pub quarter: Option<u8>,
    pub month: Option<u8>,
}

impl PeriodInput {
    pub fn period(self) -> async_graphql::Result<Period> {
        match (self.quarter, self.month) {
            (None, None) => Ok(Period::Year { year: self.year }),
            (Some(quarter), None) => Ok(Period::Quarter {
                year: self.year,
                quarter,
            }),
            (None, Some(month)) => Ok(Period::Month {
                year: self.year,
                month,
            }),
            _ => Err(api_error(
                ErrorCode::BadUserInput,
                "give quarter or month, not both",
            )),
        }
    }
}

/// `numerator / denominator`; `value` is null without a sample.
#[derive(SimpleObject)]
#[graphql(name = "Rate")]
pub struct RateView {
    pub numerator: u64,
    pub denominator: u64,
    pub value: Option<f64>,
}

impl From<Rate> for RateView {
    fn from(rate: Rate) -> RateView {
        RateView {
            numerator: rate.numerator,
            denominator: rate.denominator,
            value: rate.value(),
        }
    }
}

#[derive(SimpleObject)]
#[graphql(name = "TimeToClose")]
pub struct TimeToCloseView {
    pub sample_size: u64,
    pub median_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
    pub is_exact: bool,
}

impl From<TimeToClose> for TimeToCloseView {
    fn from(t: TimeToClose) -> TimeToCloseView {
        TimeToCloseView {
            sample_size: t.sample_size,
            median_seconds: t.median_seconds,
            p90_seconds: t.p90_seconds,
            is_exact: t.is_exact,
        }
    }
}

#[derive(SimpleObject)]
pub struct RequestMetricsView {
    pub received: u64,
    pub rejected: u64,
    pub dispatched: u64,
    pub resolved: u64,
    pub escalated: u64,
    /// Closed, whatever the outcome ("closed" is never "fixed": see `closedFixed`).
    pub closed: u64,
    pub closed_fixed: u64,
    pub response_rate: RateView,
    pub send_back_rate: RateView,
    pub on_time_closure_rate: RateView,
    pub resolution_rate: RateView,
    pub satisfaction_rate: RateView,
    pub reopen_rate: RateView,
    pub duplicate_share: RateView,
    pub time_to_close: TimeToCloseView,
}

#[derive(SimpleObject)]
pub struct MediationMetricsView {
    pub registered: u64,
    pub declined: u64,
    pub concluded: u64,
    pub agreement_rate: RateView,
    pub within_month_rate: RateView,
    pub performance_rate: RateView,
}

#[derive(SimpleObject)]
pub struct QuantityTotalsView {
    pub unit: String,
    pub planned: i64,
    pub delivered: i64,
}

#[derive(SimpleObject)]
pub struct WorkMetricsView {
    pub completed: u64,
    pub budget_cents: i64,
    pub cost_cents: i64,
    pub quantities: Vec<QuantityTotalsView>,
    pub decision_to_completion_days_total: i64,
}

#[derive(SimpleObject)]
pub struct DecisionMetricsView {
    pub tallied: u64,
    pub adopted: u64,
    pub failed: u64,
    pub published: u64,
    pub participation_by_area: RateView,
    pub participation_by_head: RateView,
    pub decision_to_publication_days_total: i64,
}

#[derive(SimpleObject)]
#[graphql(name = "MetricsReport")]
pub struct MetricsReportView {
    pub requests: RequestMetricsView,
    pub mediations: MediationMetricsView,
    pub works: WorkMetricsView,
    pub decisions: DecisionMetricsView,
}

impl From<MetricsReport> for MetricsReportView {
    fn from(report: MetricsReport) -> MetricsReportView {
        let r = report.requests;
        let m = report.mediations;
        let w = report.works;
        let d = report.decisions;
        MetricsReportView {
            requests: RequestMetricsView {
                received: r.received,
                rejected: r.rejected,
                dispatched: r.dispatched,
                resolved: r.resolved,
                escalated: r.escalated,
                closed: r.closed,
                closed_fixed: r.closed_fixed,
                response_rate: r.response_rate.into(),
                send_back_rate: r.send_back_rate.into(),
                on_time_closure_rate: r.on_time_closure_rate.into(),
                resolution_rate: r.resolution_rate.into(),
                satisfaction_rate: r.satisfaction_rate.into(),
                reopen_rate: r.reopen_rate.into(),
                duplicate_share: r.duplicate_share.into(),
                time_to_close: r.time_to_close.into(),
            },
            mediations: MediationMetricsView {
                registered: m.registered,
                declined: m.declined,
                concluded: m.concluded,
                agreement_rate: m.agreement_rate.into(),
                within_month_rate: m.within_month_rate.into(),
                performance_rate: m.performance_rate.into(),
            },
            works: WorkMetricsView {
                completed: w.completed,
                budget_cents: w.budget_cents,
                cost_cents: w.cost_cents,
                quantities: w
                    .quantities
                    .into_iter()
                    .map(|q| QuantityTotalsView {
                        unit: q.unit,
                        planned: q.planned,
                        delivered: q.delivered,
                    })
                    .collect(),
                decision_to_completion_days_total: w.decision_to_completion_days_total,
            },
            decisions: DecisionMetricsView {
                tallied: d.tallied,
                adopted: d.adopted,
                failed: d.failed,
                published: d.published,
                participation_by_area: d.participation_by_area.into(),
                participation_by_head: d.participation_by_head.into(),
                decision_to_publication_days_total: d.decision_to_publication_days_total,
            },
        }
    }
}
