//! What the metrics projection stores: monthly counters per scope, and the few facts of each
//! case it must remember between events (when a request was received and dispatched, its due
//! times, who was responsible).

use govledger_core::time::Timestamp;

use crate::metrics::calendar::When;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Counts of one scope in one calendar month (the community's local calendar, by
/// occurred-at; `calendar.rs`). Quarters and years are
/// sums of months. Each count's attribution is documented where it is incremented
/// (`apply.rs`); a rate's numerator and denominator are always attributed alike.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyCounters {
    pub requests_received: u64,
    pub requests_rejected: u64,
    pub requests_merged: u64,
    pub requests_dispatched: u64,
    /// Of the requests dispatched this month: first acted on by their response due time.
    pub requests_responded_on_time: u64,
    /// Of the requests dispatched this month: sent back by the responsible organisation.
    pub requests_sent_back: u64,
    pub requests_resolved: u64,
    pub requests_escalated: u64,
    pub follow_ups: u64,
    pub follow_ups_resolved: u64,
    pub follow_ups_satisfied: u64,
    pub requests_closed: u64,
    /// Closed requests that had a due time (were dispatched).
    pub requests_closed_with_due_at: u64,
    pub requests_closed_on_time: u64,
    pub closed_fixed: u64,
    pub closed_explained: u64,
    pub closed_no_further_action: u64,
    pub closed_not_responsible: u64,
    pub requests_reopened: u64,

    pub mediations_registered: u64,
    pub mediations_declined: u64,
    /// Ended in agreement or failure.
    pub mediations_concluded: u64,
    pub mediations_agreed: u64,
    pub mediations_concluded_within_month: u64,
    pub performance_follow_ups: u64,
    pub performance_performed: u64,

    pub works_completed: u64,
    pub works_budget_cents: i64,
    pub works_cost_cents: i64,
    pub works_decision_to_completion_days: i64,
    /// Per unit (`QuantityUnit::as_str`): planned and delivered, for the works completed.
    pub works_quantities: Vec<QuantityTotals>,

    pub decisions_tallied: u64,
    pub decisions_adopted: u64,
    pub decisions_failed: u64,
    pub decisions_published: u64,
    pub decision_to_publication_days: i64,
    pub participating_area_dm2: u64,
    pub electorate_area_dm2: u64,
    pub participating_heads: u64,
    pub electorate_heads: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuantityTotals {
    pub unit: String,
    pub planned: i64,
    pub delivered: i64,
}

/// Whether counts are added or taken back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recount {
    Add,
    TakeBack,
}

impl MonthlyCounters {
    /// Adds `other`'s request and mediation counts (the only counts request and mediation
    /// events move) or takes them back; `None` if a count would go below zero (then nothing
    /// is changed).
    pub(crate) fn recount_cases(&mut self, other: &MonthlyCounters, how: Recount) -> Option<()> {
        let mut next = self.clone();
        let pairs: [(&mut u64, u64); 26] = [
            (&mut next.requests_received, other.requests_received),
            (&mut next.requests_rejected, other.requests_rejected),
            (&mut next.requests_merged, other.requests_merged),
            (&mut next.requests_dispatched, other.requests_dispatched),
            (
                &mut next.requests_responded_on_time,
                other.requests_responded_on_time,
            ),
            (&mut next.requests_sent_back, other.requests_sent_back),
            (&mut next.requests_resolved, other.requests_resolved),
            (&mut next.requests_escalated, other.requests_escalated),
            (&mut next.follow_ups, other.follow_ups),
            (&mut next.follow_ups_resolved, other.follow_ups_resolved),
            (&mut next.follow_ups_satisfied, other.follow_ups_satisfied),
            (&mut next.requests_closed, other.requests_closed),
            (
                &mut next.requests_closed_with_due_at,
                other.requests_closed_with_due_at,
            ),
            (
                &mut next.requests_closed_on_time,
                other.requests_closed_on_time,
            ),
            (&mut next.closed_fixed, other.closed_fixed),
            (&mut next.closed_explained, other.closed_explained),
            (
                &mut next.closed_no_further_action,
                other.closed_no_further_action,
            ),
            (
                &mut next.closed_not_responsible,
                other.closed_not_responsible,
            ),
            (&mut next.requests_reopened, other.requests_reopened),
            (&mut next.mediations_registered, other.mediations_registered),
            (&mut next.mediations_declined, other.mediations_declined),
            (&mut next.mediations_concluded, other.mediations_concluded),
            (&mut next.mediations_agreed, other.mediations_agreed),
            (
                &mut next.mediations_concluded_within_month,
                other.mediations_concluded_within_month,
            ),
            (
                &mut next.performance_follow_ups,
                other.performance_follow_ups,
            ),
            (&mut next.performance_performed, other.performance_performed),
        ];
        for (count, by) in pairs {
            *count = match how {
                Recount::Add => count.checked_add(by)?,
                Recount::TakeBack => count.checked_sub(by)?,
            };
        }
        *self = next;
        Some(())
    }

    /// Adds to the totals of `unit` (negative amounts take a recounted work back out; a unit
    /// left at zero both ways is dropped, as if never counted).
    pub(crate) fn add_quantity(&mut self, unit: &str, planned: i64, delivered: i64) {
        match self.works_quantities.iter().position(|q| q.unit == unit) {
            Some(index) => {
                let totals = &mut self.works_quantities[index];
                totals.planned += planned;
                totals.delivered += delivered;
                if totals.planned == 0 && totals.delivered == 0 {
                    self.works_quantities.remove(index);
                }
            }
            None => {
                self.works_quantities.push(QuantityTotals {
                    unit: unit.into(),
                    planned,
                    delivered,
                });
                self.works_quantities.sort_by(|a, b| a.unit.cmp(&b.unit));
            }
        }
    }

    /// Adds another month's counts into this one.
    pub(crate) fn merge(&mut self, other: &MonthlyCounters) {
        macro_rules! sum {
            ($($field:ident),*) => { $(self.$field += other.$field;)* };
        }
        sum!(
            requests_received,
            requests_rejected,
            requests_merged,
            requests_dispatched,
            requests_responded_on_time,
            requests_sent_back,
            requests_resolved,
            requests_escalated,
            follow_ups,
            follow_ups_resolved,
            follow_ups_satisfied,
            requests_closed,
            requests_closed_with_due_at,
            requests_closed_on_time,
            closed_fixed,
            closed_explained,
            closed_no_further_action,
            closed_not_responsible,
            requests_reopened,
            mediations_registered,
            mediations_declined,
            mediations_concluded,
            mediations_agreed,
            mediations_concluded_within_month,
            performance_follow_ups,
            performance_performed,
            works_completed,
            works_budget_cents,
            works_cost_cents,
            works_decision_to_completion_days,
            decisions_tallied,
            decisions_adopted,
            decisions_failed,
            decisions_published,
            decision_to_publication_days,
            participating_area_dm2,
            electorate_area_dm2,
            participating_heads,
            electorate_heads
        );
        for q in &other.works_quantities {
            self.add_quantity(&q.unit, q.planned, q.delivered);
        }
    }
}

/// What the projection remembers of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RequestFacts {
    pub received_at: Timestamp,
    pub category: String,
    pub compound_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
    /// The latest dispatch: when (and at which position, for its month), and the
    /// organisation it went to.
    pub dispatched: Option<When>,
    pub dispatched_to: Option<Uuid>,
    pub response_due_at: Option<Timestamp>,
    pub due_at: Option<Timestamp>,
    /// Whether the latest dispatch has been acted on.
    pub responded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MediationFacts {
    pub registered_at: Timestamp,
    pub dispute_type: String,
    pub compound_id: Option<Uuid>,
    pub committee_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WorkFacts {
    pub category: String,
    pub compound_id: Uuid,
    pub planned: Vec<(String, i64)>,
    pub budget_cents: i64,
    pub approved_at: Option<Timestamp>,
    /// The approval, so a correction of it can be recognised.
    pub approved_event_id: Option<Uuid>,
    pub contractor_id: Option<Uuid>,
    /// The latest completion: what the counters hold for this work, in its month.
    pub completion: Option<WorkCompletion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WorkCompletion {
    pub event_id: Uuid,
    /// Its position is the completion event's (a corrected time keeps it).
    pub completed: When,
    pub delivered: Vec<(String, i64)>,
    pub cost_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DecisionFacts {
    pub body_id: Uuid,
    pub compound_id: Option<Uuid>,
    pub category: String,
    pub decided_at: Option<Timestamp>,
}
