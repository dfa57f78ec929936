//! Accountability metrics per organisation, compound or category and period. Every rate comes
//! with its sample (numerator and denominator).

use async_graphql::{ID, InputObject, SimpleObject};
use govledger_projections::metrics::query::{MetricsReport, Rate, TimeToClose};
use govledger_projections::metrics::scope::{MetricsScope, Period};
use govledger_projections::read_api::CitedMetrics;

use crate::error::{ErrorCode, api_error};
use crate::schema::ledger::CheckpointView;
use crate::schema::read::uuid_arg;
use crate::schema::scalars::Int64;

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
    pub numerator: Int64,
    pub denominator: Int64,
    pub value: Option<f64>,
}

impl From<Rate> for RateView {
    fn from(rate: Rate) -> RateView {
        RateView {
            numerator: rate.numerator.into(),
            denominator: rate.denominator.into(),
            value: rate.value(),
        }
    }
}

#[derive(SimpleObject)]
#[graphql(name = "TimeToClose")]
pub struct TimeToCloseView {
    pub sample_size: Int64,
    pub median_seconds: Option<Int64>,
    pub p90_seconds: Option<Int64>,
    pub is_exact: bool,
}

impl From<TimeToClose> for TimeToCloseView {
    fn from(t: TimeToClose) -> TimeToCloseView {
        TimeToCloseView {
            sample_size: t.sample_size.into(),
            median_seconds: t.median_seconds.map(Int64::from),
            p90_seconds: t.p90_seconds.map(Int64::from),
            is_exact: t.is_exact,
        }
    }
}

#[derive(SimpleObject)]
pub struct RequestMetricsView {
    pub received: Int64,
    pub rejected: Int64,
    pub dispatched: Int64,
    pub resolved: Int64,
    pub escalated: Int64,
    /// Closed, whatever the outcome ("closed" is never "fixed": see `closedFixed`).
    pub closed: Int64,
    pub closed_fixed: Int64,
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
    pub registered: Int64,
    pub declined: Int64,
    pub concluded: Int64,
    pub agreement_rate: RateView,
    pub within_month_rate: RateView,
    pub performance_rate: RateView,
}

#[derive(SimpleObject)]
pub struct QuantityTotalsView {
    pub unit: String,
    pub planned: Int64,
    pub delivered: Int64,
}

#[derive(SimpleObject)]
pub struct WorkMetricsView {
    pub completed: Int64,
    pub budget_cents: Int64,
    pub cost_cents: Int64,
    pub quantities: Vec<QuantityTotalsView>,
    pub decision_to_completion_days_total: Int64,
}

#[derive(SimpleObject)]
pub struct DecisionMetricsView {
    pub tallied: Int64,
    pub adopted: Int64,
    pub failed: Int64,
    pub published: Int64,
    pub participation_by_area: RateView,
    pub participation_by_head: RateView,
    pub decision_to_publication_days_total: Int64,
}

#[derive(SimpleObject)]
#[graphql(name = "MetricsReport")]
pub struct MetricsReportView {
    /// The ledger position the figures were computed at: they count events 1..=position
    /// (`asOf` when given). Quote it with the figures; `asOf: position` answers them again.
    pub position: Int64,
    /// False only when the read model kept moving while it was read: then the figures may
    /// also count a few events after `position`.
    pub position_is_exact: bool,
    /// The latest checkpoint the log signed at or before `position` (null before the first):
    /// `asOf: checkpoint.treeSize` answers the figures of a signed tree head.
    pub checkpoint: Option<CheckpointView>,
    pub requests: RequestMetricsView,
    pub mediations: MediationMetricsView,
    pub works: WorkMetricsView,
    pub decisions: DecisionMetricsView,
}

impl MetricsReportView {
    pub fn cited(cited: CitedMetrics, checkpoint: Option<CheckpointView>) -> MetricsReportView {
        MetricsReportView {
            position: cited.position.into(),
            position_is_exact: cited.position_is_exact,
            checkpoint,
            ..cited.report.into()
        }
    }
}

impl From<MetricsReport> for MetricsReportView {
    fn from(report: MetricsReport) -> MetricsReportView {
        let r = report.requests;
        let m = report.mediations;
        let w = report.works;
        let d = report.decisions;
        MetricsReportView {
            position: Int64(0),
            position_is_exact: false,
            checkpoint: None,
            requests: RequestMetricsView {
                received: r.received.into(),
                rejected: r.rejected.into(),
                dispatched: r.dispatched.into(),
                resolved: r.resolved.into(),
                escalated: r.escalated.into(),
                closed: r.closed.into(),
                closed_fixed: r.closed_fixed.into(),
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
                registered: m.registered.into(),
                declined: m.declined.into(),
                concluded: m.concluded.into(),
                agreement_rate: m.agreement_rate.into(),
                within_month_rate: m.within_month_rate.into(),
                performance_rate: m.performance_rate.into(),
            },
            works: WorkMetricsView {
                completed: w.completed.into(),
                budget_cents: w.budget_cents.into(),
                cost_cents: w.cost_cents.into(),
                quantities: w
                    .quantities
                    .into_iter()
                    .map(|q| QuantityTotalsView {
                        unit: q.unit,
                        planned: q.planned.into(),
                        delivered: q.delivered.into(),
                    })
                    .collect(),
                decision_to_completion_days_total: w.decision_to_completion_days_total.into(),
            },
            decisions: DecisionMetricsView {
                tallied: d.tallied.into(),
                adopted: d.adopted.into(),
                failed: d.failed.into(),
                published: d.published.into(),
                participation_by_area: d.participation_by_area.into(),
                participation_by_head: d.participation_by_head.into(),
                decision_to_publication_days_total: d.decision_to_publication_days_total.into(),
            },
        }
    }
}
