//! Work-project commands and how a project decides them.

use serde::{Deserialize, Serialize};

use crate::domain::aggregate::{Aggregate, Context, not_found};
use crate::domain::correction::FactCorrected;
use crate::domain::error::DomainError;
use crate::domain::event::{DomainEvent, WorkProjectEvent};
use crate::domain::ids::{
    BuildingId, CompoundId, DecisionId, OrganisationId, RequestId, UnitId, WorkProjectId,
};
use crate::domain::quantity::{FundingSource, Quantity};
use crate::domain::work_project::state::{WorkProject, WorkProjectStatus};
use crate::domain::work_project::vocabulary::WorkCategory;
use crate::time::{MICROS_PER_DAY, Timestamp, days_in_month};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkProjectCommand {
    Propose {
        category: WorkCategory,
        title: String,
        description: String,
        compound_id: CompoundId,
        building_ids: Vec<BuildingId>,
        unit_ids: Vec<UnitId>,
        planned_quantities: Vec<Quantity>,
        linked_request_ids: Vec<RequestId>,
    },
    /// Cites an adopted decision that authorises this project, source and budget.
    Approve {
        decision_id: DecisionId,
        funding_source: FundingSource,
        budget_cents: i64,
    },
    Contract {
        contractor_organisation_id: OrganisationId,
        contract_reference: String,
        contract_amount_cents: i64,
        planned_completion_at: Timestamp,
    },
    Start,
    RecordProgress {
        milestone: String,
        percent_complete: u8,
        quantities_done: Vec<Quantity>,
    },
    Complete {
        actual_quantities: Vec<Quantity>,
        cost_cents: i64,
    },
    PassInspection {
        report: String,
        warranty_months: u16,
    },
    FailInspection {
        defects: String,
    },
    RaiseWarrantyClaim {
        description: String,
        linked_request_id: Option<RequestId>,
    },
    SettleWarrantyClaim {
        claim_number: u32,
        note: String,
    },
    Close,
    Cancel {
        reason: String,
    },
}

impl WorkProjectCommand {
    pub const fn name(&self) -> &'static str {
        match self {
            WorkProjectCommand::Propose { .. } => "propose_work_project",
            WorkProjectCommand::Approve { .. } => "approve_work_project",
            WorkProjectCommand::Contract { .. } => "contract_work_project",
            WorkProjectCommand::Start => "start_work_project",
            WorkProjectCommand::RecordProgress { .. } => "record_work_progress",
            WorkProjectCommand::Complete { .. } => "complete_work_project",
            WorkProjectCommand::PassInspection { .. } => "pass_work_inspection",
            WorkProjectCommand::FailInspection { .. } => "fail_work_inspection",
            WorkProjectCommand::RaiseWarrantyClaim { .. } => "raise_warranty_claim",
            WorkProjectCommand::SettleWarrantyClaim { .. } => "settle_warranty_claim",
            WorkProjectCommand::Close => "close_work_project",
            WorkProjectCommand::Cancel { .. } => "cancel_work_project",
        }
    }
}

/// `start` plus whole calendar months, keeping the time of day; the day is clamped to the
/// month's length (31 January + 1 month = 28/29 February).
pub fn plus_months(start: Timestamp, months: u16) -> Timestamp {
    let date = start.civil_date();
    let month_index = i64::from(date.month) - 1 + i64::from(months);
    let year = date.year + (month_index / 12) as i32;
    let month = (month_index % 12) as u8 + 1;
    let day = date.day.min(days_in_month(year, month));
    let time_of_day = start.unix_micros().rem_euclid(MICROS_PER_DAY);
    Timestamp::from_civil(year, month, day)
        .map_or(start, |midnight| midnight.plus_micros(time_of_day))
}

impl Aggregate for WorkProject {
    type Id = WorkProjectId;
    type Command = WorkProjectCommand;
    type Event = WorkProjectEvent;
    const NAME: &'static str = "work project";

    fn apply(&mut self, event: &WorkProjectEvent) {
        self.apply_event(event);
    }

    fn apply_correction(&mut self, correction: &FactCorrected, corrected: &WorkProjectEvent) {
        self.apply_correction_of(correction, corrected);
    }

    fn select(event: &DomainEvent) -> Option<&WorkProjectEvent> {
        match event {
            DomainEvent::WorkProject(event) => Some(event),
            _ => None,
        }
    }

    fn exists(&self) -> bool {
        self.status != WorkProjectStatus::Unknown
    }

    fn handle(
        &self,
        work_project_id: WorkProjectId,
        command: &WorkProjectCommand,
        context: &Context<'_>,
    ) -> Result<Vec<WorkProjectEvent>, DomainError> {
        use WorkProjectCommand as C;
        if !self.exists() && !matches!(command, C::Propose { .. }) {
            return Err(not_found("work project", work_project_id));
        }
        let id = work_project_id;
        let event = match command {
            C::Propose {
                category,
                title,
                description,
                compound_id,
                building_ids,
                unit_ids,
                planned_quantities,
                linked_request_ids,
            } => self.propose(
                id,
                *category,
                title,
                description,
                *compound_id,
                building_ids,
                unit_ids,
                planned_quantities,
                linked_request_ids,
                context,
            ),
            C::Approve {
                decision_id,
                funding_source,
                budget_cents,
            } => self.approve(id, *decision_id, *funding_source, *budget_cents, context),
            C::Contract {
                contractor_organisation_id,
                contract_reference,
                contract_amount_cents,
                planned_completion_at,
            } => self.contract(
                id,
                *contractor_organisation_id,
                contract_reference,
                *contract_amount_cents,
                *planned_completion_at,
                context,
            ),
            C::Start => self.start(id, context),
            C::RecordProgress {
                milestone,
                percent_complete,
                quantities_done,
            } => self.record_progress(id, milestone, *percent_complete, quantities_done, context),
            C::Complete {
                actual_quantities,
                cost_cents,
            } => self.complete(id, actual_quantities, *cost_cents, context),
            C::PassInspection {
                report,
                warranty_months,
            } => self.pass_inspection(id, report, *warranty_months, context),
            C::FailInspection { defects } => self.fail_inspection(id, defects, context),
            C::RaiseWarrantyClaim {
                description,
                linked_request_id,
            } => self.raise_warranty_claim(id, description, *linked_request_id, context),
            C::SettleWarrantyClaim { claim_number, note } => {
                self.settle_warranty_claim(id, *claim_number, note, context)
            }
            C::Close => self.close(id, context),
            C::Cancel { reason } => self.cancel(id, reason),
        }?;
        Ok(vec![event])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(start: &str, months: u16, expect: &str) {
        let start = Timestamp::parse_rfc3339(start).unwrap();
        assert_eq!(plus_months(start, months).to_rfc3339(), expect);
    }

    #[test]
    fn months_are_calendar_months() {
        check("2020-01-31T10:00:00Z", 1, "2020-02-29T10:00:00Z");
        check("2021-01-31T10:00:00Z", 1, "2021-02-28T10:00:00Z");
        check("2020-06-15T00:00:00Z", 24, "2022-06-15T00:00:00Z");
        check("2020-11-30T08:00:00Z", 3, "2021-02-28T08:00:00Z");
        check("2020-11-30T08:00:00Z", 0, "2020-11-30T08:00:00Z");
    }
}
