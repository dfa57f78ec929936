//! Cases (service requests, work projects, mediations, decisions) as GraphQL objects.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use govledger_core::calendar::CommunityCalendar;
use govledger_projections::cases::query::CaseFilter;
use govledger_projections::cases::view::{CaseKind, CaseView as Case};

use crate::access::ReadScope;
use crate::schema::connection::{read_connection, read_page};
use crate::schema::context::principal;
use crate::schema::node::GlobalId;
use crate::schema::read::audit::{AuditEntryConnection, AuditEntryView};
use crate::schema::read::details::CaseDetailsView;
use crate::schema::read::{blocking, read_models, uuid_arg};
use crate::schema::scalars::{DateTime, Int64};

pub(crate) const CASE_TYPE: &str = "Case";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "CaseKind")]
pub enum CaseKindName {
    Request,
    WorkProject,
    Mediation,
    Decision,
}

impl CaseKindName {
    pub fn kind(self) -> CaseKind {
        match self {
            CaseKindName::Request => CaseKind::Request,
            CaseKindName::WorkProject => CaseKind::WorkProject,
            CaseKindName::Mediation => CaseKind::Mediation,
            CaseKindName::Decision => CaseKind::Decision,
        }
    }

    pub fn of(kind: CaseKind) -> CaseKindName {
        match kind {
            CaseKind::Request => CaseKindName::Request,
            CaseKind::WorkProject => CaseKindName::WorkProject,
            CaseKind::Mediation => CaseKindName::Mediation,
            CaseKind::Decision => CaseKindName::Decision,
        }
    }
}

/// One case as its read model stands.
#[derive(Clone)]
pub struct CaseView(pub Case);

#[Object(name = "Case")]
impl CaseView {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(
            CASE_TYPE,
            &format!("{}:{}", self.0.kind.as_str(), self.0.case_id),
        )
    }

    async fn kind(&self) -> CaseKindName {
        CaseKindName::of(self.0.kind)
    }

    async fn case_id(&self) -> ID {
        ID(self.0.case_id.to_string())
    }

    /// `snake_case` lifecycle state, the domain's own (the one commands are decided
    /// against), e.g. `dispatched`, `closed`; a sent-back request is `accepted` again.
    async fn status(&self) -> &str {
        &self.0.status
    }

    async fn category(&self) -> &str {
        &self.0.category
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn compound_id(&self) -> Option<ID> {
        self.0.compound_id.map(|id| ID(id.to_string()))
    }

    async fn building_ids(&self) -> Vec<ID> {
        self.0
            .building_ids
            .iter()
            .map(|id| ID(id.to_string()))
            .collect()
    }

    /// Units the case concerns; `null` in the public view (unit numbers are personal data).
    async fn unit_ids(&self, ctx: &Context<'_>) -> Option<Vec<ID>> {
        match principal(ctx).read_scope() {
            ReadScope::Full => Some(
                self.0
                    .unit_ids
                    .iter()
                    .map(|id| ID(id.to_string()))
                    .collect(),
            ),
            ReadScope::Public => None,
        }
    }

    async fn responsible_organisation_id(&self) -> Option<ID> {
        self.0
            .responsible_organisation_id
            .map(|id| ID(id.to_string()))
    }

    async fn opened_at(&self) -> DateTime {
        DateTime(self.0.opened_at)
    }

    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }

    async fn closed_at(&self) -> Option<DateTime> {
        self.0.closed_at.map(DateTime)
    }

    async fn due_at(&self) -> Option<DateTime> {
        self.0.due_at.map(DateTime)
    }

    /// `dueAt` as the community's clocks show it (RFC 3339 with its zone's offset, e.g.
    /// `2020-09-29T00:00:00+08:00`): what to show the people who must meet it.
    async fn due_at_local(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let Some(due_at) = self.0.due_at else {
            return Ok(None);
        };
        let read = read_models(ctx, None).await?;
        let zone = blocking(read, |read| read.community())
            .await?
            .map(|community| community.time_zone);
        let calendar = zone
            .and_then(|zone| CommunityCalendar::of_zone(&zone).ok())
            .unwrap_or_else(CommunityCalendar::utc);
        Ok(Some(calendar.local_rfc3339(due_at)))
    }

    async fn awaiting_outcome(&self) -> bool {
        self.0.awaiting_outcome
    }

    async fn first_position(&self) -> Int64 {
        self.0.first_position.into()
    }

    async fn last_position(&self) -> Int64 {
        self.0.last_position.into()
    }

    async fn event_count(&self) -> u32 {
        self.0.event_count
    }

    async fn correction_count(&self) -> u32 {
        self.0.correction_count
    }

    /// The kind's own details (quantities, decision, inspections, tally…), typed by kind; in
    /// the public view without references to residents (requester, inspectors).
    async fn details(&self) -> CaseDetailsView {
        CaseDetailsView::from(self.0.details.clone())
    }

    /// Every event of the case, oldest first.
    #[graphql(
        complexity = "crate::schema::page::charged_page_size(first, last) * child_complexity"
    )]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<AuditEntryConnection> {
        let page = read_page(
            AuditEntryConnection::CURSOR_KIND,
            first,
            after,
            last,
            before,
        )?;
        let read = read_models(ctx, None).await?;
        let (kind, id) = (self.0.kind, self.0.case_id);
        let found = blocking(read, move |read| read.case_history(kind, id, &page)).await?;
        Ok(AuditEntryConnection::of(found, AuditEntryView::from))
    }
}

/// Which cases to list.
#[derive(Debug, Clone, InputObject)]
pub struct CaseFilterInput {
    pub kind: CaseKindName,
    pub status: Option<String>,
    pub category: Option<String>,
    pub compound_id: Option<ID>,
    pub building_id: Option<ID>,
    pub organisation_id: Option<ID>,
    /// Requests only: the follow-up's satisfaction answer.
    pub satisfaction: Option<String>,
    pub awaiting_outcome: Option<bool>,
    pub opened_from: Option<DateTime>,
    pub opened_before: Option<DateTime>,
    /// Only cases overdue at this instant, most overdue first.
    pub overdue_at: Option<DateTime>,
}

impl CaseFilterInput {
    pub fn into_filter(self) -> async_graphql::Result<CaseFilter> {
        let uuid =
            |field: &str, id: &Option<ID>| id.as_ref().map(|id| uuid_arg(field, id)).transpose();
        let mut filter = CaseFilter::kind(self.kind.kind());
        filter.status = self.status;
        filter.category = self.category;
        filter.compound_id = uuid("compoundId", &self.compound_id)?;
        filter.building_id = uuid("buildingId", &self.building_id)?;
        filter.organisation_id = uuid("organisationId", &self.organisation_id)?;
        filter.satisfaction = self.satisfaction;
        filter.awaiting_outcome = self.awaiting_outcome;
        filter.opened_from = self.opened_from.map(|t| t.0);
        filter.opened_before = self.opened_before.map(|t| t.0);
        filter.overdue_at = self.overdue_at.map(|t| t.0);
        Ok(filter)
    }
}

read_connection!(
    /// A page of cases, newest opened first (most overdue first for `overdueAt`).
    CaseConnection,
    CaseEdge,
    CaseView,
    "case"
);
