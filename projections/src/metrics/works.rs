//! Works metrics: each work project counts once, in the month of its latest completion, for
//! the community, its category, its compound and its contractor.
//!
//! A work is completed again after a failed inspection, and a `FactCorrected` may restate a
//! counted fact (planned or actual quantities, budget, cost, when it was completed or
//! approved). Either way the work's contribution is taken back from the month it was counted
//! in and counted again from its current facts, so the totals always hold each completed
//! work exactly once, with its right figures.

use govledger_core::domain::correction::{CorrectedField, FactCorrected};
use govledger_core::domain::event::WorkProjectEvent;
use govledger_core::domain::quantity::Quantity;
use govledger_core::event::RecordedEvent;
use govledger_core::time::MICROS_PER_DAY;
use uuid::Uuid;

use crate::error::ApplyError;
use crate::metrics::apply::{bump, scopes};
use crate::metrics::calendar::When;
use crate::metrics::counters::{WorkCompletion, WorkFacts};
use crate::metrics::facts::WORK_FACTS;
use crate::runner::ReadModelWrites;

/// Whether a work's contribution is added to its month or taken back from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Count {
    Add,
    TakeBack,
}

fn amounts(quantities: &[Quantity]) -> Vec<(String, i64)> {
    quantities
        .iter()
        .map(|q| (q.unit.as_str().to_string(), q.amount))
        .collect()
}

/// The work's facts, taken out of the batch; `recount` puts them back.
fn take(writes: &mut ReadModelWrites<'_>, id: Uuid) -> Result<WorkFacts, ApplyError> {
    WORK_FACTS
        .take(writes, &id)?
        .ok_or_else(|| ApplyError::Inconsistent(format!("work project {id} has no proposal")))
}

/// Adds (or takes back) what a completed work counts in the month of its completion.
fn count(
    writes: &mut ReadModelWrites<'_>,
    facts: &WorkFacts,
    how: Count,
) -> Result<(), ApplyError> {
    let Some(done) = &facts.completion else {
        return Ok(()); // Not completed: it counts nowhere yet.
    };
    let sign: i64 = match how {
        Count::Add => 1,
        Count::TakeBack => -1,
    };
    let days = facts.approved_at.map_or(0, |approved| {
        done.completed.at.micros_since(approved) / MICROS_PER_DAY
    });
    let scopes = scopes(
        &facts.category,
        Some(facts.compound_id),
        facts.contractor_id,
    );
    bump(writes, &scopes, done.completed, |c| {
        // A take-back always follows the add it undoes, so nothing goes below zero.
        c.works_completed = c.works_completed.saturating_add_signed(sign);
        c.works_budget_cents += sign * facts.budget_cents;
        c.works_cost_cents += sign * done.cost_cents;
        c.works_decision_to_completion_days += sign * days;
        for (unit, amount) in &facts.planned {
            c.add_quantity(unit, sign * amount, 0);
        }
        for (unit, amount) in &done.delivered {
            c.add_quantity(unit, 0, sign * amount);
        }
    })
}

/// Changes a work's facts with `change`, recounting it if it was counted.
fn recount(
    writes: &mut ReadModelWrites<'_>,
    id: Uuid,
    mut facts: WorkFacts,
    change: impl FnOnce(&mut WorkFacts),
) -> Result<(), ApplyError> {
    count(writes, &facts, Count::TakeBack)?;
    change(&mut facts);
    count(writes, &facts, Count::Add)?;
    WORK_FACTS.keep(writes, &id, facts);
    Ok(())
}

pub(crate) fn work_project(
    writes: &mut ReadModelWrites<'_>,
    event: &WorkProjectEvent,
    recorded: &RecordedEvent,
) -> Result<(), ApplyError> {
    let at = recorded.occurred_at;
    if let WorkProjectEvent::WorkProjectProposed(e) = event {
        let facts = WorkFacts {
            category: e.category.as_str().into(),
            compound_id: e.compound_id.0,
            planned: amounts(&e.planned_quantities),
            budget_cents: 0,
            approved_at: None,
            approved_event_id: None,
            contractor_id: None,
            completion: None,
        };
        WORK_FACTS.keep(writes, &e.work_project_id.0, facts);
        return Ok(());
    }
    let id = crate::cases::work_project_id_of(event);
    match event {
        WorkProjectEvent::WorkProjectApproved(e) => {
            let facts = take(writes, id)?;
            recount(writes, id, facts, |facts| {
                facts.budget_cents = e.budget_cents;
                facts.approved_at = Some(at);
                facts.approved_event_id = Some(recorded.event_id);
            })
        }
        WorkProjectEvent::WorkProjectContracted(e) => {
            let facts = take(writes, id)?;
            recount(writes, id, facts, |facts| {
                facts.contractor_id = Some(e.contractor_organisation_id.0);
            })
        }
        // A second completion (after a failed inspection) replaces the first.
        WorkProjectEvent::WorkProjectCompleted(e) => {
            let facts = take(writes, id)?;
            recount(writes, id, facts, |facts| {
                facts.completion = Some(WorkCompletion {
                    event_id: recorded.event_id,
                    completed: When {
                        at,
                        position: recorded.position,
                    },
                    delivered: amounts(&e.actual_quantities),
                    cost_cents: e.cost_cents,
                });
            })
        }
        _ => Ok(()),
    }
}

/// Applies a correction of one of the work's events to the facts it counts.
pub(crate) fn correct(
    writes: &mut ReadModelWrites<'_>,
    id: Uuid,
    correction: &FactCorrected,
) -> Result<(), ApplyError> {
    let facts = take(writes, id)?;
    let corrects = correction.corrects_event_id;
    recount(writes, id, facts, |facts| {
        let approval = facts.approved_event_id == Some(corrects);
        for field in &correction.corrected {
            // Fields of the completion only count if they correct the completion that is
            // counted, not one a later completion replaced.
            let completion = facts
                .completion
                .as_mut()
                .filter(|done| done.event_id == corrects);
            match (field, completion) {
                (CorrectedField::PlannedQuantities(planned), _) => facts.planned = amounts(planned),
                (CorrectedField::BudgetCents(cents), _) if approval => facts.budget_cents = *cents,
                (CorrectedField::OccurredAt(at), _) if approval => facts.approved_at = Some(*at),
                (CorrectedField::ActualQuantities(actual), Some(done)) => {
                    done.delivered = amounts(actual);
                }
                (CorrectedField::CostCents(cents), Some(done)) => done.cost_cents = *cents,
                (CorrectedField::OccurredAt(at), Some(done)) => done.completed.at = *at,
                _ => {}
            }
        }
    })
}
