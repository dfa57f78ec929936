//! `ReadApi`: the one handle the GraphQL layer holds. It owns the runner over the domain's
//! projections and answers every query with plain structs; see the crate docs for the list.

use std::sync::Arc;
use std::time::Duration;

use govledger_core::domain::event::DomainEvent;
use govledger_core::event::RecordedEvent;
use govledger_core::store::EventStore;
use govledger_core::time::Timestamp;
use uuid::Uuid;

use crate::audit::query::{self as audit, AuditEntry, DecisionTrace};
use crate::audit::{AUDIT_PROJECTION, AuditProjection};
use crate::cases::query::{self as cases, CaseFilter, OverdueBacklog};
use crate::cases::view::{CaseKind, CaseView};
use crate::cases::{CASES_PROJECTION, CasesProjection};
use crate::directory::query as directory;
use crate::directory::view::*;
use crate::directory::{DIRECTORY_PROJECTION, DirectoryProjection};
use crate::error::{ApplyError, ProjectionError};
use crate::metrics::query::{self as metrics, MetricsReport};
use crate::metrics::scope::{MetricsScope, Period};
use crate::metrics::{METRICS_PROJECTION, MetricsProjection};
use crate::page::{Page, PageRequest};
use crate::projection::Projection;
use crate::runner::replay::replay;
use crate::runner::{ProjectionRunner, ProjectionStatus, ReadModel, RebuildScope, RunnerOptions};

/// Decodes a stored event with the domain's codec (older schema versions are upcast).
pub fn decode_domain_event(recorded: &RecordedEvent) -> Result<DomainEvent, ApplyError> {
    DomainEvent::decode_recorded(recorded).map_err(|e| ApplyError::Undecodable(e.to_string()))
}

/// Every projection of the domain: cases, directory, audit, metrics.
pub fn domain_projections() -> Vec<Arc<dyn Projection<DomainEvent>>> {
    vec![
        Arc::new(CasesProjection),
        Arc::new(DirectoryProjection),
        Arc::new(AuditProjection),
        Arc::new(MetricsProjection),
    ]
}

#[derive(Clone)]
pub struct ReadApi {
    runner: ProjectionRunner<DomainEvent>,
}

impl ReadApi {
    /// Opens the read models at `options.path` over `store`. Call `start` inside a tokio
    /// runtime to keep them following the ledger.
    pub fn open(
        options: RunnerOptions,
        store: Arc<dyn EventStore>,
    ) -> Result<ReadApi, ProjectionError> {
        let runner =
            ProjectionRunner::open(options, store, decode_domain_event, domain_projections())?;
        Ok(ReadApi { runner })
    }

    pub fn start(&self) -> Result<(), ProjectionError> {
        self.runner.start()
    }

    pub fn runner(&self) -> &ProjectionRunner<DomainEvent> {
        &self.runner
    }

    pub fn status(&self) -> Vec<ProjectionStatus> {
        self.runner.status()
    }

    /// Waits until every read model has applied `position` (read-your-writes).
    pub async fn wait_until(
        &self,
        position: u64,
        timeout: Duration,
    ) -> Result<(), ProjectionError> {
        self.runner.wait_until(position, timeout).await
    }

    pub async fn rebuild(&self, scope: RebuildScope) -> Result<(), ProjectionError> {
        self.runner.rebuild(scope).await
    }

    pub async fn shutdown(&self) -> Result<(), ProjectionError> {
        self.runner.shutdown().await
    }

    fn model(&self, name: &str) -> Result<ReadModel, ProjectionError> {
        self.runner.read_model(name)
    }

    fn store(&self) -> &dyn EventStore {
        self.runner.store().as_ref()
    }

    // Cases.

    pub fn case(&self, kind: CaseKind, id: Uuid) -> Result<Option<CaseView>, ProjectionError> {
        cases::get_case(&self.model(CASES_PROJECTION)?, kind, id)
    }

    pub fn cases(
        &self,
        filter: &CaseFilter,
        page: &PageRequest,
    ) -> Result<Page<CaseView>, ProjectionError> {
        cases::list_cases(&self.model(CASES_PROJECTION)?, filter, page)
    }

    pub fn overdue_backlog(
        &self,
        filter: &CaseFilter,
        at: Timestamp,
    ) -> Result<OverdueBacklog, ProjectionError> {
        cases::overdue_backlog(&self.model(CASES_PROJECTION)?, filter, at)
    }

    // Directory.

    pub fn community(&self) -> Result<Option<CommunityView>, ProjectionError> {
        directory::community(&self.model(DIRECTORY_PROJECTION)?)
    }

    pub fn compound(&self, id: Uuid) -> Result<Option<CompoundView>, ProjectionError> {
        directory::compound(&self.model(DIRECTORY_PROJECTION)?, id)
    }

    pub fn compounds(&self, page: &PageRequest) -> Result<Page<CompoundView>, ProjectionError> {
        directory::compounds(&self.model(DIRECTORY_PROJECTION)?, page)
    }

    pub fn building(&self, id: Uuid) -> Result<Option<BuildingView>, ProjectionError> {
        directory::building(&self.model(DIRECTORY_PROJECTION)?, id)
    }

    pub fn buildings_of(
        &self,
        compound_id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<BuildingView>, ProjectionError> {
        directory::buildings_of(&self.model(DIRECTORY_PROJECTION)?, compound_id, page)
    }

    pub fn unit(&self, id: Uuid) -> Result<Option<UnitView>, ProjectionError> {
        directory::unit(&self.model(DIRECTORY_PROJECTION)?, id)
    }

    pub fn units_of(
        &self,
        building_id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<UnitView>, ProjectionError> {
        directory::units_of(&self.model(DIRECTORY_PROJECTION)?, building_id, page)
    }

    pub fn grid(&self, id: Uuid) -> Result<Option<GridView>, ProjectionError> {
        directory::grid(&self.model(DIRECTORY_PROJECTION)?, id)
    }

    pub fn organisation(&self, id: Uuid) -> Result<Option<OrganisationView>, ProjectionError> {
        directory::organisation(&self.model(DIRECTORY_PROJECTION)?, id)
    }

    pub fn organisations(
        &self,
        page: &PageRequest,
    ) -> Result<Page<OrganisationView>, ProjectionError> {
        directory::organisations(&self.model(DIRECTORY_PROJECTION)?, page)
    }

    pub fn account(&self, id: Uuid) -> Result<Option<AccountView>, ProjectionError> {
        directory::account(&self.model(DIRECTORY_PROJECTION)?, id)
    }

    pub fn roles_of_account(
        &self,
        account_id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<RoleView>, ProjectionError> {
        directory::roles_of_account(&self.model(DIRECTORY_PROJECTION)?, account_id, page)
    }

    pub fn members_of(
        &self,
        organisation_id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<RoleView>, ProjectionError> {
        directory::members_of(&self.model(DIRECTORY_PROJECTION)?, organisation_id, page)
    }

    // Audit.

    pub fn case_history(
        &self,
        kind: CaseKind,
        id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>, ProjectionError> {
        audit::case_history(self.store(), kind, id, page)
    }

    pub fn activity_of_account(
        &self,
        account_id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>, ProjectionError> {
        audit::activity_of_account(
            &self.model(AUDIT_PROJECTION)?,
            self.store(),
            account_id,
            page,
        )
    }

    pub fn activity_of_organisation(
        &self,
        organisation_id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>, ProjectionError> {
        audit::activity_of_organisation(
            &self.model(AUDIT_PROJECTION)?,
            self.store(),
            organisation_id,
            page,
        )
    }

    pub fn trace(&self, event_id: Uuid) -> Result<Option<DecisionTrace>, ProjectionError> {
        audit::trace(&self.model(AUDIT_PROJECTION)?, self.store(), event_id)
    }

    // Metrics.

    pub fn metrics(
        &self,
        scope: &MetricsScope,
        period: Period,
    ) -> Result<MetricsReport, ProjectionError> {
        metrics::report(&self.model(METRICS_PROJECTION)?, scope, period)
    }

    /// The metrics with the ledger position they were computed at: the metrics read model's
    /// applied position, the same before and after the report was read (a commit landing
    /// in between makes it read again).
    pub fn cited_metrics(
        &self,
        scope: &MetricsScope,
        period: Period,
    ) -> Result<CitedMetrics, ProjectionError> {
        let applied = || {
            self.status()
                .into_iter()
                .find(|status| status.name == METRICS_PROJECTION)
                .map_or(0, |status| status.applied_position)
        };
        let mut tries = 0;
        loop {
            let before = applied();
            let report = self.metrics(scope, period)?;
            let after = applied();
            tries += 1;
            if before == after || tries == CITED_READ_TRIES_MAX {
                return Ok(CitedMetrics {
                    report,
                    position: before.min(after),
                    position_is_exact: before == after,
                });
            }
        }
    }

    /// The metrics as they stood when the ledger ended at `position`: the metrics
    /// projection folded over events 1..=`position` into a temporary read model (at most
    /// `AS_OF_EVENTS_MAX` events; `position` must not pass the head).
    pub fn metrics_as_of(
        &self,
        scope: &MetricsScope,
        period: Period,
        position: u64,
    ) -> Result<CitedMetrics, ProjectionError> {
        let head = self.store().head().position;
        if position == 0 || position > head {
            return Err(ProjectionError::InvalidQuery(format!(
                "asOf {position} is not a ledger position (1..={head})"
            )));
        }
        if position > AS_OF_EVENTS_MAX {
            return Err(ProjectionError::InvalidQuery(format!(
                "asOf folds at most {AS_OF_EVENTS_MAX} events; {position} is beyond"
            )));
        }
        // One fold at a time in the process: a query of many `asOf` aliases (or many
        // callers) queues instead of taking every core.
        let _one_fold = AS_OF_FOLD
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let model = replay(
            &MetricsProjection,
            decode_domain_event,
            self.store(),
            position,
        )?;
        Ok(CitedMetrics {
            report: metrics::report(&model, scope, period)?,
            position,
            position_is_exact: true,
        })
    }
}

/// Most ledger events `metrics_as_of` folds (a few seconds in a release build).
pub const AS_OF_EVENTS_MAX: u64 = 2_000_000;
static AS_OF_FOLD: std::sync::Mutex<()> = std::sync::Mutex::new(());
/// Reads of a live report whose position moved while it was read, before giving up on an
/// exact position.
const CITED_READ_TRIES_MAX: u32 = 3;

/// A metrics report and the ledger position it was computed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitedMetrics {
    pub report: MetricsReport,
    pub position: u64,
    /// False when the read model kept moving while it was read: then the report holds the
    /// events through `position` and perhaps a few after it.
    pub position_is_exact: bool,
}
