//! The metrics report of one scope over one period.

use crate::error::ProjectionError;
use crate::metrics::COUNTERS;
use crate::metrics::counters::{MonthlyCounters, QuantityTotals};
use crate::metrics::samples;
use crate::metrics::scope::Month;
use crate::metrics::scope::{MetricsScope, Period};
use crate::metrics::stats::nearest_rank_of;
use crate::runner::ReadModel;

/// Most time-to-close samples one report reads (a year of a district centre's closings).
pub const TIME_TO_CLOSE_SAMPLES_MAX: u64 = 2_000_000;

/// A rate with its sample: `numerator / denominator`. Small samples mislead: show both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub numerator: u64,
    pub denominator: u64,
}

impl Rate {
    pub fn new(numerator: u64, denominator: u64) -> Rate {
        Rate {
            numerator,
            denominator,
        }
    }

    /// The ratio, `None` when the denominator is 0.
    pub fn value(self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator as f64 / self.denominator as f64)
    }
}

/// Durations of the requests closed in the period, from receipt to closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeToClose {
    pub sample_size: u64,
    /// Nearest-rank median and 90th percentile, in seconds; `None` without samples.
    pub median_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
    /// False when the period holds more than `TIME_TO_CLOSE_SAMPLES_MAX` samples: then the
    /// percentiles are not computed (`None`) and `sample_size` is that limit.
    pub is_exact: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestMetrics {
    pub received: u64,
    pub rejected: u64,
    pub dispatched: u64,
    pub resolved: u64,
    pub escalated: u64,
    /// Closed, whatever the outcome. "Closed" is never "fixed": see `closed_fixed`.
    pub closed: u64,
    pub closed_fixed: u64,
    pub closed_explained: u64,
    pub closed_no_further_action: u64,
    pub closed_not_responsible: u64,
    /// First acted on within the response time / dispatched (by dispatch month).
    pub response_rate: Rate,
    /// Sent back / dispatched (by dispatch month).
    pub send_back_rate: Rate,
    /// Closed by the due time / closed with a due time.
    pub on_time_closure_rate: Rate,
    /// Follow-ups answering "resolved" / follow-ups made.
    pub resolution_rate: Rate,
    /// "Satisfied" or "basically satisfied" / follow-ups made.
    pub satisfaction_rate: Rate,
    /// Reopened / closed.
    pub reopen_rate: Rate,
    /// Merged into another request / received.
    pub duplicate_share: Rate,
    pub time_to_close: TimeToClose,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediationMetrics {
    pub registered: u64,
    pub declined: u64,
    pub concluded: u64,
    /// Agreements / concluded (agreement or failure).
    pub agreement_rate: Rate,
    /// Concluded by the same local time one calendar month after registration / concluded.
    pub within_month_rate: Rate,
    /// Performed / performance follow-ups.
    pub performance_rate: Rate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkMetrics {
    pub completed: u64,
    pub budget_cents: i64,
    pub cost_cents: i64,
    /// Planned and delivered per unit, for the works completed in the period.
    pub quantities: Vec<QuantityTotals>,
    /// Sum over the completed works of whole days from approval to completion.
    pub decision_to_completion_days_total: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionMetrics {
    pub tallied: u64,
    pub adopted: u64,
    pub failed: u64,
    pub published: u64,
    /// Participating area / electorate area, in dm², summed over the tallies.
    pub participation_by_area: Rate,
    pub participation_by_head: Rate,
    pub decision_to_publication_days_total: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsReport {
    pub scope: MetricsScope,
    pub period: Period,
    pub requests: RequestMetrics,
    pub mediations: MediationMetrics,
    pub works: WorkMetrics,
    pub decisions: DecisionMetrics,
}

/// The metrics of `scope` over `period`.
pub fn report(
    model: &ReadModel,
    scope: &MetricsScope,
    period: Period,
) -> Result<MetricsReport, ProjectionError> {
    let months = period.months().ok_or_else(|| {
        ProjectionError::InvalidQuery(format!("{period:?} is not a calendar period"))
    })?;
    let mut total = MonthlyCounters::default();
    for month in &months {
        if let Some(counters) = COUNTERS.read(model, &(scope.clone(), *month))? {
            total.merge(&counters);
        }
    }
    let time_to_close = time_to_close(model, scope, &months)?;
    let c = &total;
    Ok(MetricsReport {
        scope: scope.clone(),
        period,
        requests: RequestMetrics {
            received: c.requests_received,
            rejected: c.requests_rejected,
            dispatched: c.requests_dispatched,
            resolved: c.requests_resolved,
            escalated: c.requests_escalated,
            closed: c.requests_closed,
            closed_fixed: c.closed_fixed,
            closed_explained: c.closed_explained,
            closed_no_further_action: c.closed_no_further_action,
            closed_not_responsible: c.closed_not_responsible,
            response_rate: Rate::new(c.requests_responded_on_time, c.requests_dispatched),
            send_back_rate: Rate::new(c.requests_sent_back, c.requests_dispatched),
            on_time_closure_rate: Rate::new(
                c.requests_closed_on_time,
                c.requests_closed_with_due_at,
            ),
            resolution_rate: Rate::new(c.follow_ups_resolved, c.follow_ups),
            satisfaction_rate: Rate::new(c.follow_ups_satisfied, c.follow_ups),
            reopen_rate: Rate::new(c.requests_reopened, c.requests_closed),
            duplicate_share: Rate::new(c.requests_merged, c.requests_received),
            time_to_close,
        },
        mediations: MediationMetrics {
            registered: c.mediations_registered,
            declined: c.mediations_declined,
            concluded: c.mediations_concluded,
            agreement_rate: Rate::new(c.mediations_agreed, c.mediations_concluded),
            within_month_rate: Rate::new(
                c.mediations_concluded_within_month,
                c.mediations_concluded,
            ),
            performance_rate: Rate::new(c.performance_performed, c.performance_follow_ups),
        },
        works: WorkMetrics {
            completed: c.works_completed,
            budget_cents: c.works_budget_cents,
            cost_cents: c.works_cost_cents,
            quantities: c.works_quantities.clone(),
            decision_to_completion_days_total: c.works_decision_to_completion_days,
        },
        decisions: DecisionMetrics {
            tallied: c.decisions_tallied,
            adopted: c.decisions_adopted,
            failed: c.decisions_failed,
            published: c.decisions_published,
            participation_by_area: Rate::new(c.participating_area_dm2, c.electorate_area_dm2),
            participation_by_head: Rate::new(c.participating_heads, c.electorate_heads),
            decision_to_publication_days_total: c.decision_to_publication_days,
        },
    })
}

/// The period's time to close: the months' samples are counted, then merged in duration order
/// up to the 90th percentile's rank. Each month's set is read in order, so a report holds one
/// chunk per month, however many requests closed.
fn time_to_close(
    model: &ReadModel,
    scope: &MetricsScope,
    months: &[Month],
) -> Result<TimeToClose, ProjectionError> {
    let mut sample_size = 0u64;
    for month in months {
        for duration in samples::durations(model, scope, *month) {
            duration?;
            if sample_size == TIME_TO_CLOSE_SAMPLES_MAX {
                return Ok(TimeToClose {
                    sample_size,
                    median_seconds: None,
                    p90_seconds: None,
                    is_exact: false,
                });
            }
            sample_size += 1;
        }
    }
    let mut heads = Vec::with_capacity(months.len());
    for month in months {
        let mut durations = samples::durations(model, scope, *month);
        let head = durations.next().transpose()?;
        heads.push((head, durations));
    }
    let merged = std::iter::from_fn(|| {
        let (_, (head, durations)) = heads
            .iter_mut()
            .enumerate()
            .filter(|(_, (head, _))| head.is_some())
            .min_by_key(|(_, (head, _))| *head)?;
        let value = head.take()?;
        *head = match durations.next().transpose() {
            Ok(next) => next,
            Err(error) => return Some(Err(error)),
        };
        Some(Ok(value))
    });
    let [median_seconds, p90_seconds] = nearest_rank_of(merged, sample_size, [50, 90])?;
    Ok(TimeToClose {
        sample_size,
        median_seconds,
        p90_seconds,
        is_exact: true,
    })
}
