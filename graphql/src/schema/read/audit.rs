//! Audit entries, case history, actor activity and the decision trace.

use async_graphql::{Enum, ID, SimpleObject};
use govledger_projections::audit::query::{
    AuditEntry, CaseLink, DecisionTrace, TraceRole, TracedCase,
};

use crate::schema::connection::read_connection;
use crate::schema::read::case::CaseKindName;
use crate::schema::scalars::{DateTime, Int64};

/// One ledger event as an auditor reads it (no payload).
#[derive(Clone, SimpleObject)]
#[graphql(name = "AuditEntry")]
pub struct AuditEntryView {
    pub position: Int64,
    pub event_id: ID,
    pub event_type: String,
    pub stream_id: String,
    pub stream_version: Int64,
    pub occurred_at: DateTime,
    pub recorded_at: DateTime,
    pub actor_account_id: ID,
    pub actor_role: String,
    pub actor_organisation_id: Option<ID>,
    pub correlation_id: ID,
    pub causation_id: Option<ID>,
    /// Chain hash (hex).
    pub hash: String,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(entry: AuditEntry) -> AuditEntryView {
        AuditEntryView {
            position: entry.position.into(),
            event_id: ID(entry.event_id.to_string()),
            event_type: entry.event_type,
            stream_id: entry.stream_id,
            stream_version: entry.stream_version.into(),
            occurred_at: DateTime(entry.occurred_at),
            recorded_at: DateTime(entry.recorded_at),
            actor_account_id: ID(entry.actor_account_id.to_string()),
            actor_role: entry.actor_role,
            actor_organisation_id: entry.actor_organisation_id.map(|id| ID(id.to_string())),
            correlation_id: ID(entry.correlation_id.to_string()),
            causation_id: entry.causation_id.map(|id| ID(id.to_string())),
            hash: entry.hash,
        }
    }
}

read_connection!(
    /// A page of audit entries (a case's history, an account's or organisation's activity).
    AuditEntryConnection,
    AuditEntryEdge,
    AuditEntryView,
    "history"
);

/// Cursor namespace of an account's or organisation's activity.
pub(crate) const ACTIVITY_CURSOR_KIND: &str = "activity";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum TraceRoleName {
    /// The traced event's own case.
    Subject,
    /// What led to it.
    Upstream,
    /// What came of it.
    Downstream,
}

#[derive(SimpleObject)]
#[graphql(name = "TracedCase")]
pub struct TracedCaseView {
    pub kind: CaseKindName,
    pub case_id: ID,
    pub role: TraceRoleName,
    /// An originating request.
    pub is_origin: bool,
    pub history: Vec<AuditEntryView>,
    pub history_is_complete: bool,
}

#[derive(SimpleObject)]
#[graphql(name = "CaseLink")]
pub struct CaseLinkView {
    pub from_kind: String,
    pub from_id: ID,
    /// `raised`, `led_to`, `authorised`, `approved`, `resolved`, `merged_into`, `claimed_under`.
    pub relation: String,
    pub to_kind: String,
    pub to_id: ID,
}

/// From one event: its causes back to the originating requests, its effects, and the linked
/// cases upstream and downstream.
#[derive(SimpleObject)]
#[graphql(name = "DecisionTrace")]
pub struct DecisionTraceView {
    pub event: AuditEntryView,
    /// Causation chain, nearest first.
    pub causes: Vec<AuditEntryView>,
    pub effects: Vec<AuditEntryView>,
    pub cases: Vec<TracedCaseView>,
    pub links: Vec<CaseLinkView>,
}

impl From<DecisionTrace> for DecisionTraceView {
    fn from(trace: DecisionTrace) -> DecisionTraceView {
        let entries = |list: Vec<AuditEntry>| list.into_iter().map(AuditEntryView::from).collect();
        DecisionTraceView {
            event: trace.event.into(),
            causes: entries(trace.causes),
            effects: entries(trace.effects),
            cases: trace
                .cases
                .into_iter()
                .map(|case: TracedCase| TracedCaseView {
                    kind: CaseKindName::of(case.kind),
                    case_id: ID(case.case_id.to_string()),
                    role: match case.role {
                        TraceRole::Subject => TraceRoleName::Subject,
                        TraceRole::Upstream => TraceRoleName::Upstream,
                        TraceRole::Downstream => TraceRoleName::Downstream,
                    },
                    is_origin: case.is_origin,
                    history: entries(case.history),
                    history_is_complete: case.history_is_complete,
                })
                .collect(),
            links: trace
                .links
                .into_iter()
                .map(|link: CaseLink| CaseLinkView {
                    from_kind: link.from_kind.to_string(),
                    from_id: ID(link.from_id.to_string()),
                    relation: link.relation,
                    to_kind: link.to_kind.to_string(),
                    to_id: ID(link.to_id.to_string()),
                })
                .collect(),
        }
    }
}
