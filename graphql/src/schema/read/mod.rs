//! The read models in GraphQL: cases, their history, actor activity, the decision trace,
//! accountability metrics and the directory. Every query takes an optional `consistency`
//! token (a ledger position, as a mutation returns it) and first waits, bounded by
//! `CONSISTENCY_WAIT_MAX`, until the read models have applied it.

mod audit;
mod case;
mod metrics;

pub use audit::{AuditEntryView, AuditPage, CaseLinkView, DecisionTraceView, TracedCaseView};
pub(crate) use case::CASE_TYPE;
pub use case::{CaseFilterInput, CaseKindName, CasePage, CaseView};
pub use metrics::{MetricsReportView, MetricsScopeInput, PeriodInput};

use async_graphql::Context;
use govledger_projections::error::ProjectionError;
use govledger_projections::read_api::ReadApi;

use crate::error::{ErrorCode, api_error, internal_error};
use crate::schema::context::service;

/// The read models, once they have applied `consistency` (when given).
pub(crate) async fn read_models<'a>(
    ctx: &Context<'a>,
    consistency: Option<u64>,
) -> async_graphql::Result<&'a ReadApi> {
    let service = service(ctx)?;
    let read = service.read.as_ref().ok_or_else(|| {
        api_error(
            ErrorCode::Unavailable,
            "this server runs without read models",
        )
    })?;
    if let Some(position) = consistency {
        service
            .wait_for_consistency(position)
            .await
            .map_err(|refusal| api_error(refusal.code(), refusal.to_string()))?;
    }
    Ok(read)
}

/// Maps a read-model error by what the caller can do about it.
pub(crate) fn projection_error(error: ProjectionError) -> async_graphql::Error {
    match error {
        ProjectionError::InvalidQuery(message) => api_error(ErrorCode::BadUserInput, message),
        ProjectionError::NotFound { .. } => api_error(ErrorCode::NotFound, error.to_string()),
        ProjectionError::UnknownProjection(_) => {
            api_error(ErrorCode::BadUserInput, error.to_string())
        }
        ProjectionError::Rebuilding { .. }
        | ProjectionError::AlreadyRebuilding { .. }
        | ProjectionError::WaitTimedOut { .. } => {
            api_error(ErrorCode::Unavailable, error.to_string())
        }
        other => internal_error("reading the read models", other),
    }
}

/// Runs a blocking read-model query off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    read: &ReadApi,
    query: impl FnOnce(&ReadApi) -> Result<T, ProjectionError> + Send + 'static,
) -> async_graphql::Result<T> {
    let read = read.clone();
    tokio::task::spawn_blocking(move || query(&read))
        .await
        .map_err(|e| internal_error("read-model query task", e))?
        .map_err(projection_error)
}

/// Checks a first/after pair for a read-model list (forward paging only).
pub(crate) fn page_request(
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<govledger_projections::page::PageRequest> {
    let first = first
        .map(|n| {
            usize::try_from(n)
                .ok()
                .filter(|n| (1..=crate::limits::PAGE_SIZE_MAX).contains(n))
                .ok_or_else(|| {
                    api_error(
                        ErrorCode::BadUserInput,
                        format!(
                            "`first` must be between 1 and {}, not {n}",
                            crate::limits::PAGE_SIZE_MAX
                        ),
                    )
                })
        })
        .transpose()?;
    Ok(govledger_projections::page::PageRequest { first, after })
}

pub(crate) fn uuid_arg(field: &str, id: &async_graphql::ID) -> async_graphql::Result<uuid::Uuid> {
    uuid::Uuid::parse_str(id)
        .map_err(|_| api_error(ErrorCode::BadUserInput, format!("`{field}` must be a UUID")))
}
