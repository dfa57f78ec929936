//! The subscription root: live ledger events.

use async_graphql::futures_util::Stream;
use async_graphql::{Context, ID, Subscription};
use govledger_core::domain::ids::{DecisionId, MediationId, RequestId, WorkProjectId};
use govledger_core::domain::streams::{
    decision_stream, mediation_stream, request_stream, work_project_stream,
};

use crate::schema::context::service;
use crate::schema::ledger::{EventFilter, EventWindow, LedgerEvent, live_events};
use crate::schema::read::{CaseKindName, uuid_arg};
use crate::schema::scalars::Int64;

pub struct SubscriptionRoot;

#[Subscription]
impl SubscriptionRoot {
    /// Every ledger event matching `filter`, from `fromPosition` (default: the next event to
    /// be appended) on, live.
    async fn ledger_events(
        &self,
        ctx: &Context<'_>,
        from_position: Option<Int64>,
        filter: Option<EventFilter>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<LedgerEvent>> + use<>> {
        let service = service(ctx)?;
        let window = EventWindow::from_filter(filter.unwrap_or_default())?;
        let from = match from_position {
            Some(position) => position.non_negative("fromPosition")?,
            None => service.store.head().position + 1,
        };
        Ok(live_events(service, from, window))
    }

    /// The events of one case as they are appended (from `fromPosition`, default the next
    /// event).
    async fn case_updates(
        &self,
        ctx: &Context<'_>,
        kind: CaseKindName,
        id: ID,
        from_position: Option<Int64>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<LedgerEvent>> + use<>> {
        let service = service(ctx)?;
        let id = uuid_arg("id", &id)?;
        let stream = match kind {
            CaseKindName::Request => request_stream(RequestId(id)),
            CaseKindName::WorkProject => work_project_stream(WorkProjectId(id)),
            CaseKindName::Mediation => mediation_stream(MediationId(id)),
            CaseKindName::Decision => decision_stream(DecisionId(id)),
        };
        let window = EventWindow::from_filter(EventFilter {
            stream_id: Some(stream.as_str().to_string()),
            ..EventFilter::default()
        })?;
        let from = match from_position {
            Some(position) => position.non_negative("fromPosition")?,
            None => service.store.head().position + 1,
        };
        Ok(live_events(service, from, window))
    }
}
