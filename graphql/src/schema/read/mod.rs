//! The read models in GraphQL: cases, their history, actor activity, the decision trace,
//! accountability metrics and the directory. Every query takes an optional `consistency`
//! token (a ledger position, as a mutation returns it) and first waits, bounded by
//! `CONSISTENCY_WAIT_MAX`, until the read models have applied it.

mod audit;
mod case;
pub mod details;
pub mod directory;
mod metrics;
mod status;

pub(crate) use audit::ACTIVITY_CURSOR_KIND;
pub use audit::{
    AuditEntryConnection, AuditEntryView, CaseLinkView, DecisionTraceView, TracedCaseView,
};
pub(crate) use case::CASE_TYPE;
pub use case::{CaseConnection, CaseFilterInput, CaseKindName, CaseView};
pub use metrics::{MetricsReportView, MetricsScopeInput, PeriodInput};
pub use status::{ReadModelState, ReadModelStatusView};

use async_graphql::Context;
use govledger_projections::error::ProjectionError;
use govledger_projections::read_api::ReadApi;

use crate::error::{ErrorCode, api_error, internal_error};
use crate::schema::context::service;
use crate::schema::scalars::Int64;

/// The read models, once they have applied `consistency` (when given).
pub(crate) async fn read_models<'a>(
    ctx: &Context<'a>,
    consistency: Option<Int64>,
) -> async_graphql::Result<&'a ReadApi> {
    let service = service(ctx)?;
    let read = service.read.as_ref().ok_or_else(|| {
        api_error(
            ErrorCode::Unavailable,
            "this server runs without read models",
        )
    })?;
    if let Some(consistency) = consistency {
        let position = consistency.non_negative("consistency")?;
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

pub(crate) fn uuid_arg(field: &str, id: &async_graphql::ID) -> async_graphql::Result<uuid::Uuid> {
    uuid::Uuid::parse_str(id)
        .map_err(|_| api_error(ErrorCode::BadUserInput, format!("`{field}` must be a UUID")))
}
