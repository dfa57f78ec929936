//! The query root.

use async_graphql::{Context, ID, Interface, Object};
use govledger_projections::cases::view::CaseKind;

use crate::error::{ErrorCode, api_error, internal_error, store_error};
use crate::schema::connection::read_page;
use crate::schema::context::service;
use crate::schema::ledger::LEDGER_EVENT_TYPE;
use crate::schema::ledger::{
    CheckpointConnection, ConsistencyProof, checkpoint_at_or_before, checkpoint_view, checkpoints,
    consistency_proof,
};
use crate::schema::ledger::{
    EventConnection, EventFilter, EventOrder, EventWindow, LedgerEvent, LedgerHead, find_events,
};
use crate::schema::node::GlobalId;
use crate::schema::page::{PageRequest, charged_page_size};
use crate::schema::read::directory::{
    Account, Building, Community, Compound, CompoundConnection, DirectoryNode, Grid, Organisation,
    OrganisationConnection, RoleAssignmentConnection, Unit, directory_node, members,
};
use crate::schema::read::{
    ACTIVITY_CURSOR_KIND, AuditEntryConnection, AuditEntryView, CASE_TYPE, CaseConnection,
    CaseFilterInput, CaseKindName, CaseView, DecisionTraceView, MetricsReportView,
    MetricsScopeInput, PeriodInput, ReadModelStatusView, blocking, read_models, uuid_arg,
};
use crate::schema::scalars::Int64;

/// Anything with a global id; fetch it again with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global id."))]
#[allow(clippy::large_enum_variant)] // built once per `node(id:)` answer, never stored
pub(crate) enum Node {
    LedgerEvent(LedgerEvent),
    Case(CaseView),
    Community(Community),
    Compound(Compound),
    Building(Building),
    Unit(Unit),
    Grid(Grid),
    Organisation(Organisation),
    Account(Account),
}

impl From<DirectoryNode> for Node {
    fn from(node: DirectoryNode) -> Node {
        match node {
            DirectoryNode::Community(n) => Node::Community(n),
            DirectoryNode::Compound(n) => Node::Compound(n),
            DirectoryNode::Building(n) => Node::Building(n),
            DirectoryNode::Unit(n) => Node::Unit(n),
            DirectoryNode::Grid(n) => Node::Grid(n),
            DirectoryNode::Organisation(n) => Node::Organisation(n),
            DirectoryNode::Account(n) => Node::Account(n),
        }
    }
}

pub struct QueryRoot;

#[Object]
impl QueryRoot {
    /// Any node by its global id; `null` when nothing has that id.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let global = GlobalId::decode(&id)?;
        match global.type_name.as_str() {
            LEDGER_EVENT_TYPE => {
                let position = global.key.parse::<u64>().map_err(|_| {
                    api_error(ErrorCode::BadUserInput, "not a valid ledger event id")
                })?;
                Ok(self
                    .event(ctx, Int64::from(position))
                    .await?
                    .map(Node::LedgerEvent))
            }
            CASE_TYPE => {
                let (kind, id) = global
                    .key
                    .split_once(':')
                    .ok_or_else(|| api_error(ErrorCode::BadUserInput, "not a valid case id"))?;
                let kind = CaseKind::ALL
                    .into_iter()
                    .find(|k| k.as_str() == kind)
                    .ok_or_else(|| api_error(ErrorCode::BadUserInput, "not a valid case id"))?;
                let id = uuid::Uuid::parse_str(id)
                    .map_err(|_| api_error(ErrorCode::BadUserInput, "not a valid case id"))?;
                let read = read_models(ctx, None).await?;
                Ok(blocking(read, move |read| read.case(kind, id))
                    .await?
                    .map(|case| Node::Case(CaseView(case))))
            }
            _ => match directory_node(ctx, &global).await? {
                Some(found) => Ok(found.map(Node::from)),
                None => Err(api_error(
                    ErrorCode::BadUserInput,
                    "the id does not name a kind of node this server has",
                )),
            },
        }
    }

    /// Each read model's state: caught up, catching up, rebuilding, or stopped (where and
    /// why). Empty on a server that runs without read models.
    async fn read_models(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ReadModelStatusView>> {
        let service = service(ctx)?;
        Ok(service
            .read
            .as_ref()
            .map(|read| read.status().into_iter().map(Into::into).collect())
            .unwrap_or_default())
    }

    /// The newest durable event and the outcome of the last full verification.
    async fn ledger_head(&self, ctx: &Context<'_>) -> async_graphql::Result<LedgerHead> {
        let service = service(ctx)?;
        let head = service.store.head();
        // The PostgreSQL ledger signs no checkpoints yet (ADR 0018): none to show.
        let latest = match service.sled("signed checkpoints") {
            Ok(store) => tokio::task::spawn_blocking(move || store.latest_checkpoint())
                .await
                .map_err(|e| internal_error("reading the latest checkpoint", e))?
                .map_err(store_error)?,
            Err(_) => None,
        };
        Ok(LedgerHead {
            position: head.position.into(),
            hash: head.hash.to_hex(),
            verification: service.verification().into(),
            checkpoint: latest.map(checkpoint_view),
        })
    }

    /// Proof that the log's Merkle tree of `toSize` events extends the one of `fromSize`
    /// (1 ≤ fromSize ≤ toSize ≤ the head): nothing before `fromSize` was rewritten.
    async fn consistency_proof(
        &self,
        ctx: &Context<'_>,
        from_size: Int64,
        to_size: Int64,
    ) -> async_graphql::Result<ConsistencyProof> {
        let from_size = from_size.non_negative("fromSize")?;
        let to_size = to_size.non_negative("toSize")?;
        consistency_proof(
            service(ctx)?.sled("consistency proofs")?,
            from_size,
            to_size,
        )
        .await
    }

    /// The checkpoints the log signed, newest first.
    async fn checkpoints(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CheckpointConnection> {
        checkpoints(service(ctx)?.sled("signed checkpoints")?, first, after).await
    }

    /// One event by position; `null` beyond the head.
    async fn event(
        &self,
        ctx: &Context<'_>,
        position: Int64,
    ) -> async_graphql::Result<Option<LedgerEvent>> {
        let position = position.non_negative("position")?;
        let store = service(ctx)?.event_store();
        tokio::task::spawn_blocking(move || store.read_event(position))
            .await
            .map_err(|e| internal_error("reading an event", e))?
            .map(|event| event.map(LedgerEvent))
            .map_err(store_error)
    }

    /// The raw ledger, filtered and paged (positions are the order).
    #[graphql(complexity = "charged_page_size(first, last) * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<EventFilter>,
        #[graphql(default)] order: EventOrder,
    ) -> async_graphql::Result<EventConnection> {
        let page = PageRequest::new(
            crate::schema::ledger::EVENT_CURSOR_KIND,
            first,
            after,
            last,
            before,
        )?;
        let window = EventWindow::from_filter(filter.unwrap_or_default())?;
        let store = service(ctx)?.event_store();
        tokio::task::spawn_blocking(move || find_events(store, window, order, page))
            .await
            .map_err(|e| internal_error("listing events", e))?
    }

    /// One case by kind and id; `null` when the read models have no such case.
    async fn case(
        &self,
        ctx: &Context<'_>,
        kind: CaseKindName,
        id: ID,
        consistency: Option<Int64>,
    ) -> async_graphql::Result<Option<CaseView>> {
        let id = uuid_arg("id", &id)?;
        let read = read_models(ctx, consistency).await?;
        let kind = kind.kind();
        Ok(blocking(read, move |read| read.case(kind, id))
            .await?
            .map(CaseView))
    }

    /// Cases of one kind, filtered through the read model's indexes.
    #[graphql(complexity = "charged_page_size(first, last) * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        filter: CaseFilterInput,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        consistency: Option<Int64>,
    ) -> async_graphql::Result<CaseConnection> {
        let filter = filter.into_filter()?;
        let page = read_page(CaseConnection::CURSOR_KIND, first, after, last, before)?;
        let read = read_models(ctx, consistency).await?;
        let found = blocking(read, move |read| read.cases(&filter, &page)).await?;
        Ok(CaseConnection::of(found, CaseView))
    }

    /// Every event of one case, oldest first.
    #[graphql(complexity = "charged_page_size(first, last) * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn case_history(
        &self,
        ctx: &Context<'_>,
        kind: CaseKindName,
        id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        consistency: Option<Int64>,
    ) -> async_graphql::Result<AuditEntryConnection> {
        let id = uuid_arg("id", &id)?;
        let page = read_page(
            AuditEntryConnection::CURSOR_KIND,
            first,
            after,
            last,
            before,
        )?;
        let read = read_models(ctx, consistency).await?;
        let kind = kind.kind();
        let found = blocking(read, move |read| read.case_history(kind, id, &page)).await?;
        Ok(AuditEntryConnection::of(found, AuditEntryView::from))
    }

    /// What one account recorded, newest first.
    #[graphql(complexity = "charged_page_size(first, last) * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn account_activity(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        consistency: Option<Int64>,
    ) -> async_graphql::Result<AuditEntryConnection> {
        let id = uuid_arg("accountId", &account_id)?;
        let page = read_page(ACTIVITY_CURSOR_KIND, first, after, last, before)?;
        let read = read_models(ctx, consistency).await?;
        let found = blocking(read, move |read| read.activity_of_account(id, &page)).await?;
        Ok(AuditEntryConnection::of_kind(
            ACTIVITY_CURSOR_KIND,
            found,
            AuditEntryView::from,
        ))
    }

    /// What was recorded on behalf of one organisation, newest first.
    #[graphql(complexity = "charged_page_size(first, last) * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn organisation_activity(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        consistency: Option<Int64>,
    ) -> async_graphql::Result<AuditEntryConnection> {
        let id = uuid_arg("organisationId", &organisation_id)?;
        let page = read_page(ACTIVITY_CURSOR_KIND, first, after, last, before)?;
        let read = read_models(ctx, consistency).await?;
        let found = blocking(read, move |read| read.activity_of_organisation(id, &page)).await?;
        Ok(AuditEntryConnection::of_kind(
            ACTIVITY_CURSOR_KIND,
            found,
            AuditEntryView::from,
        ))
    }

    /// From one event (by event id): the causes back to the originating requests and the
    /// outcomes forward; `null` when the ledger has no such event.
    #[graphql(complexity = 200)]
    async fn decision_trace(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        consistency: Option<Int64>,
    ) -> async_graphql::Result<Option<DecisionTraceView>> {
        let id = uuid_arg("eventId", &event_id)?;
        let read = read_models(ctx, consistency).await?;
        Ok(blocking(read, move |read| read.trace(id))
            .await?
            .map(Into::into))
    }

    /// Accountability metrics of one scope over a year, quarter or month, with the ledger
    /// position they were computed at. `asOf: position` answers them as they stood when the
    /// ledger ended at that position (the metrics folded again over events 1..=asOf).
    async fn metrics(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] scope: MetricsScopeInput,
        period: PeriodInput,
        consistency: Option<Int64>,
        as_of: Option<Int64>,
    ) -> async_graphql::Result<MetricsReportView> {
        let scope = scope.scope()?;
        let period = period.period()?;
        let as_of = as_of.map(|at| at.non_negative("asOf")).transpose()?;
        let read = read_models(ctx, consistency).await?;
        let cited = blocking(read, move |read| match as_of {
            None => read.cited_metrics(&scope, period),
            Some(position) => read.metrics_as_of(&scope, period, position),
        })
        .await?;
        // The PostgreSQL ledger signs no checkpoints yet (ADR 0018): the figures cite none,
        // as they cite none on a sled ledger before its first checkpoint.
        let checkpoint = match service(ctx)?.sled("signed checkpoints") {
            Ok(store) => checkpoint_at_or_before(store, cited.position).await?,
            Err(_) => None,
        };
        Ok(MetricsReportView::cited(cited, checkpoint))
    }

    /// The community the ledger serves; `null` before the directory is set up.
    async fn community(
        &self,
        ctx: &Context<'_>,
        consistency: Option<Int64>,
    ) -> async_graphql::Result<Option<Community>> {
        let read = read_models(ctx, consistency).await?;
        Ok(blocking(read, |read| read.community())
            .await?
            .map(Community))
    }

    /// The compounds (with their buildings and units), in id order.
    #[graphql(complexity = "charged_page_size(first, last) * child_complexity")]
    async fn compounds(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        consistency: Option<Int64>,
    ) -> async_graphql::Result<CompoundConnection> {
        let page = read_page(CompoundConnection::CURSOR_KIND, first, after, last, before)?;
        let read = read_models(ctx, consistency).await?;
        let found = blocking(read, move |read| read.compounds(&page)).await?;
        Ok(CompoundConnection::of(found, Compound))
    }

    /// The directory's organisations (kind, name, compound, grid), in id order.
    #[graphql(complexity = "charged_page_size(first, last) * child_complexity")]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        consistency: Option<Int64>,
    ) -> async_graphql::Result<OrganisationConnection> {
        let page = read_page(
            OrganisationConnection::CURSOR_KIND,
            first,
            after,
            last,
            before,
        )?;
        let read = read_models(ctx, consistency).await?;
        let found = blocking(read, move |read| read.organisations(&page)).await?;
        Ok(OrganisationConnection::of(found, Organisation))
    }

    /// Who holds (or held) which role in one organisation (accounts by id; names live in the
    /// personal-data store).
    #[graphql(complexity = "charged_page_size(first, last) * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn organisation_members(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        consistency: Option<Int64>,
    ) -> async_graphql::Result<RoleAssignmentConnection> {
        let id = uuid_arg("organisationId", &organisation_id)?;
        members(ctx, id, first, after, last, before, consistency).await
    }
}
