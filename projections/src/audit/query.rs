//! Audit queries: the history of a case, the activity of an account or organisation, and the
//! decision trace of an event. Events come from the ledger itself, so each entry carries the
//! hash an auditor can check with `verify`.

use std::collections::{BTreeSet, VecDeque};

use govledger_core::domain::ids::{DecisionId, MediationId, RequestId, WorkProjectId};
use govledger_core::domain::streams::{
    decision_stream, mediation_stream, request_stream, work_project_stream,
};
use govledger_core::event::{RecordedEvent, StreamId};
use govledger_core::limits::READ_PAGE_EVENTS_MAX;
use govledger_core::store::EventStore;
use govledger_core::time::Timestamp;
use uuid::Uuid;

use crate::audit::{
    ACTIVITY_OF_ACCOUNT, ACTIVITY_OF_ORGANISATION, BACKWARD, CaseRelation, EFFECTS_OF_CAUSE,
    FORWARD, LINKS_OF_CASE, links_under,
};
use crate::cases::case_of_stream;
use crate::cases::view::CaseKind;
use crate::error::ProjectionError;
use crate::page::{Page, PageFrom, PageRequest, Walked};
use crate::runner::ReadModel;
use crate::storage::NumberCursors;

/// Most causes followed back from one event.
pub const TRACE_CAUSES_MAX: usize = 64;
/// Most direct effects (events naming it as their cause) listed for one event.
pub const TRACE_EFFECTS_MAX: usize = 100;
/// Most cases one trace gathers.
pub const TRACE_CASES_MAX: usize = 64;
/// Most events listed per case in a trace.
pub const TRACE_EVENTS_PER_CASE_MAX: usize = 200;

/// One stored event as an auditor reads it. No payload: personal data never reaches here,
/// and the case views hold the facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub position: u64,
    pub event_id: Uuid,
    pub event_type: String,
    pub stream_id: String,
    pub stream_version: u64,
    pub occurred_at: Timestamp,
    pub recorded_at: Timestamp,
    pub actor_account_id: Uuid,
    pub actor_role: String,
    pub actor_organisation_id: Option<Uuid>,
    pub correlation_id: Uuid,
    pub causation_id: Option<Uuid>,
    /// Hex SHA-256 chain hash of the stored record.
    pub hash: String,
}

impl From<&RecordedEvent> for AuditEntry {
    fn from(event: &RecordedEvent) -> AuditEntry {
        AuditEntry {
            position: event.position,
            event_id: event.event_id,
            event_type: event.event_type.as_str().into(),
            stream_id: event.stream_id.as_str().into(),
            stream_version: event.stream_version,
            occurred_at: event.occurred_at,
            recorded_at: event.recorded_at,
            actor_account_id: event.actor.account_id,
            actor_role: event.actor.role.clone(),
            actor_organisation_id: event.actor.organisation_id,
            correlation_id: event.correlation_id,
            causation_id: event.causation_id,
            hash: event.hash.to_hex(),
        }
    }
}

pub(crate) fn stream_of_case(kind: CaseKind, id: Uuid) -> StreamId {
    match kind {
        CaseKind::Request => request_stream(RequestId(id)),
        CaseKind::WorkProject => work_project_stream(WorkProjectId(id)),
        CaseKind::Mediation => mediation_stream(MediationId(id)),
        CaseKind::Decision => decision_stream(DecisionId(id)),
    }
}

/// The cursors of a case history: stream versions.
const HISTORY_CURSORS: NumberCursors = NumberCursors::new(b'v');

/// Every event of a case, oldest first. A cursor is an entry's stream version; versions run
/// 1..=the stream's version without gaps, so a page is a version range.
pub fn case_history(
    store: &dyn EventStore,
    kind: CaseKind,
    id: Uuid,
    page: &PageRequest,
) -> Result<Page<AuditEntry>, ProjectionError> {
    let (size, from) = page.size_and_from()?;
    let stream = stream_of_case(kind, id);
    let after = HISTORY_CURSORS.after(page)?;
    let before = HISTORY_CURSORS.before(page)?;
    let total_count = store.stream_version(&stream)?;
    // The window the cursors leave, as an inclusive version range (empty when low > high).
    let low = after.map_or(1, |v| v.saturating_add(1));
    let high = before.map_or(total_count, |v| v.saturating_sub(1).min(total_count));
    let size = size as u64;
    let (first, last) = match from {
        PageFrom::Start => (low, high.min(low.saturating_add(size - 1))),
        PageFrom::End => (low.max(high.saturating_sub(size - 1)), high),
    };
    let events = if first <= last {
        store.read_stream(&stream, first, (last - first + 1) as usize)?
    } else {
        Vec::new()
    };
    let (has_next_page, has_previous_page) = match from {
        PageFrom::Start => (last < high, first > 1 && total_count > 0),
        PageFrom::End => (last < total_count, first > low),
    };
    let walked = Walked {
        cursors: events
            .iter()
            .map(|e| HISTORY_CURSORS.cursor(e.stream_version))
            .collect(),
        items: events.iter().map(AuditEntry::from).collect(),
        has_next_page,
        has_previous_page,
        resume_start: None,
        resume_end: None,
    };
    Ok(Page::new(walked, total_count, true))
}

/// What an account recorded, newest first.
pub fn activity_of_account(
    model: &ReadModel,
    store: &dyn EventStore,
    account_id: Uuid,
    page: &PageRequest,
) -> Result<Page<AuditEntry>, ProjectionError> {
    entries_at(store, ACTIVITY_OF_ACCOUNT.page(model, &account_id, page)?)
}

/// What accounts acting for an organisation recorded, newest first.
pub fn activity_of_organisation(
    model: &ReadModel,
    store: &dyn EventStore,
    organisation_id: Uuid,
    page: &PageRequest,
) -> Result<Page<AuditEntry>, ProjectionError> {
    entries_at(
        store,
        ACTIVITY_OF_ORGANISATION.page(model, &organisation_id, page)?,
    )
}

/// The events at a page's positions, read from the ledger, with the page's cursors.
fn entries_at(
    store: &dyn EventStore,
    positions: Page<u64>,
) -> Result<Page<AuditEntry>, ProjectionError> {
    let mut items = Vec::with_capacity(positions.items.len());
    for position in &positions.items {
        let event = store.read_event(*position)?.ok_or_else(|| {
            ProjectionError::Corrupt(format!(
                "activity names position {position} beyond the ledger"
            ))
        })?;
        items.push(AuditEntry::from(&event));
    }
    let Page {
        items: _,
        cursors,
        has_next_page,
        has_previous_page,
        start_cursor,
        end_cursor,
        next_cursor,
        total_count,
        total_is_exact,
    } = positions;
    Ok(Page {
        items,
        cursors,
        has_next_page,
        has_previous_page,
        start_cursor,
        end_cursor,
        next_cursor,
        total_count,
        total_is_exact,
    })
}

/// Two linked cases.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CaseLink {
    pub from_kind: CaseKindName,
    pub from_id: Uuid,
    /// `raised`, `led_to`, `authorised`, `approved`, `resolved`, `merged_into`,
    /// `claimed_under`.
    pub relation: String,
    pub to_kind: CaseKindName,
    pub to_id: Uuid,
}

/// A case kind's `snake_case` name (`CaseKind::as_str`).
pub type CaseKindName = &'static str;

/// Where a case stands relative to the traced event's case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceRole {
    /// The traced event's own case.
    Subject,
    /// Reached by following links back (what led to it).
    Upstream,
    /// Reached by following links forward (what came of it).
    Downstream,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracedCase {
    pub kind: CaseKind,
    pub case_id: Uuid,
    pub role: TraceRole,
    /// An originating request: a request nothing but its merged duplicates links into.
    pub is_origin: bool,
    pub history: Vec<AuditEntry>,
    pub history_is_complete: bool,
}

/// From one event: the chain of causes back, the events it caused, and the linked cases
/// upstream (requests, decisions) and downstream (work projects, their completion and
/// inspection, the requests' follow-ups).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionTrace {
    pub event: AuditEntry,
    /// Causation chain, nearest first.
    pub causes: Vec<AuditEntry>,
    /// Events naming this one as their cause.
    pub effects: Vec<AuditEntry>,
    pub cases: Vec<TracedCase>,
    pub links: Vec<CaseLink>,
}

/// The decision trace of an event, `None` if the ledger has no such event.
pub fn trace(
    model: &ReadModel,
    store: &dyn EventStore,
    event_id: Uuid,
) -> Result<Option<DecisionTrace>, ProjectionError> {
    let Some(position) = store.position_of_event(event_id)? else {
        return Ok(None);
    };
    let Some(event) = store.read_event(position)? else {
        return Ok(None);
    };
    let mut causes = Vec::new();
    let mut cause = event.causation_id;
    while let Some(cause_id) = cause {
        if causes.len() == TRACE_CAUSES_MAX {
            break;
        }
        let Some(cause_position) = store.position_of_event(cause_id)? else {
            break; // Caused by a command, not an event.
        };
        let Some(cause_event) = store.read_event(cause_position)? else {
            break;
        };
        cause = cause_event.causation_id;
        causes.push(AuditEntry::from(&cause_event));
    }
    // The next event of the same stream, if this one caused it: the index leaves those out.
    let mut effects: Vec<AuditEntry> = store
        .read_stream(&event.stream_id, event.stream_version + 1, 1)?
        .iter()
        .filter(|next| next.causation_id == Some(event_id))
        .map(AuditEntry::from)
        .collect();
    let caused = EFFECTS_OF_CAUSE.members(model, &event_id)?;
    for position in caused.iter().take(TRACE_EFFECTS_MAX - effects.len()) {
        if let Some(effect) = store.read_event(*position)? {
            effects.push(AuditEntry::from(&effect));
        }
    }
    effects.sort_by_key(|effect| effect.position);
    let (cases, links) = match case_of_stream(&event) {
        Some(subject) => linked_cases(model, store, subject)?,
        None => (Vec::new(), Vec::new()),
    };
    Ok(Some(DecisionTrace {
        event: AuditEntry::from(&event),
        causes,
        effects,
        cases,
        links,
    }))
}

type CaseRef = (CaseKind, Uuid);

fn kind_of_tag(tag: u8) -> Option<CaseKind> {
    CaseKind::ALL.into_iter().find(|kind| kind.tag() == tag)
}

/// The links of a case in one direction: (other case, relation).
fn links_of(
    model: &ReadModel,
    case: CaseRef,
    direction: u8,
) -> Result<Vec<(CaseRef, CaseRelation)>, ProjectionError> {
    let mut links = Vec::new();
    for (kind_tag, id, code) in LINKS_OF_CASE.members(model, &links_under(case, direction))? {
        let corrupt = || ProjectionError::Corrupt("case link entry".into());
        let kind = kind_of_tag(kind_tag).ok_or_else(corrupt)?;
        let relation = CaseRelation::from_code(code).ok_or_else(corrupt)?;
        links.push(((kind, id), relation));
    }
    Ok(links)
}

fn linked_cases(
    model: &ReadModel,
    store: &dyn EventStore,
    subject: CaseRef,
) -> Result<(Vec<TracedCase>, Vec<CaseLink>), ProjectionError> {
    let mut found: Vec<(CaseRef, TraceRole)> = vec![(subject, TraceRole::Subject)];
    let mut links = BTreeSet::new();
    for (direction, role) in [
        (BACKWARD, TraceRole::Upstream),
        (FORWARD, TraceRole::Downstream),
    ] {
        let mut queue = VecDeque::from([subject]);
        while let Some(case) = queue.pop_front() {
            for (other, relation) in links_of(model, case, direction)? {
                let (from, to) = if direction == FORWARD {
                    (case, other)
                } else {
                    (other, case)
                };
                links.insert(CaseLink {
                    from_kind: from.0.as_str(),
                    from_id: from.1,
                    relation: relation.as_str().into(),
                    to_kind: to.0.as_str(),
                    to_id: to.1,
                });
                // Upstream follows causes only: the work that resolved a request is not what
                // led to it (it would put a request's own work project upstream of it).
                let leads_here = direction == FORWARD || relation.cause_comes_first();
                if leads_here
                    && found.len() < TRACE_CASES_MAX
                    && !found.iter().any(|(c, _)| *c == other)
                {
                    found.push((other, role));
                    queue.push_back(other);
                }
            }
        }
    }
    let mut cases = Vec::with_capacity(found.len());
    for ((kind, id), role) in found {
        // A duplicate merged into a request does not make it any less an origin, nor does
        // the work project that resolved it.
        let is_origin = kind == CaseKind::Request
            && links_of(model, (kind, id), BACKWARD)?
                .iter()
                .all(|(_, relation)| {
                    *relation == CaseRelation::MergedInto || !relation.cause_comes_first()
                });
        let events = store.read_stream(
            &stream_of_case(kind, id),
            1,
            TRACE_EVENTS_PER_CASE_MAX.min(READ_PAGE_EVENTS_MAX),
        )?;
        let complete = events.len() < TRACE_EVENTS_PER_CASE_MAX;
        cases.push(TracedCase {
            kind,
            case_id: id,
            role,
            is_origin,
            history: events.iter().map(AuditEntry::from).collect(),
            history_is_complete: complete,
        });
    }
    Ok((cases, links.into_iter().collect()))
}
