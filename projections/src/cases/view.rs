//! The case views: what a front-end lists, filters and opens. One `CaseView` per service
//! request, work project, mediation or decision, with the fields common to all (for lists and
//! filters) and the kind's own details.

use govledger_core::domain::decision::tally::Tally;
use govledger_core::domain::quantity::Quantity;
use govledger_core::time::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CaseKind {
    Request,
    WorkProject,
    Mediation,
    Decision,
}

impl CaseKind {
    pub const ALL: [CaseKind; 4] = [
        CaseKind::Request,
        CaseKind::WorkProject,
        CaseKind::Mediation,
        CaseKind::Decision,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            CaseKind::Request => "request",
            CaseKind::WorkProject => "work_project",
            CaseKind::Mediation => "mediation",
            CaseKind::Decision => "decision",
        }
    }

    pub(crate) const fn tag(self) -> u8 {
        match self {
            CaseKind::Request => b'r',
            CaseKind::WorkProject => b'w',
            CaseKind::Mediation => b'm',
            CaseKind::Decision => b'd',
        }
    }
}

/// One case as it stands after every event applied so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseView {
    pub kind: CaseKind,
    pub case_id: Uuid,
    /// `snake_case` lifecycle state, e.g. `dispatched`, `closed` (see the crate docs).
    pub status: String,
    /// Request category, work category, dispute type or decision matter (`snake_case`).
    pub category: String,
    /// Description, title or summary.
    pub title: String,
    pub compound_id: Option<Uuid>,
    pub building_ids: Vec<Uuid>,
    pub unit_ids: Vec<Uuid>,
    /// Request: the organisation it is dispatched to. Work project: the contractor once
    /// contracted, the proposer before. Mediation: the committee. Decision: the body.
    pub responsible_organisation_id: Option<Uuid>,
    /// When the first event happened (occurred-at).
    pub opened_at: Timestamp,
    /// When the latest event happened.
    pub updated_at: Timestamp,
    /// When it was closed, rejected, merged, cancelled, archived or decided.
    pub closed_at: Option<Timestamp>,
    /// Resolution due (request), planned completion (work), target finish (mediation).
    pub due_at: Option<Timestamp>,
    /// Whether it still awaits its outcome (and so can be overdue).
    pub awaiting_outcome: bool,
    pub first_position: u64,
    pub last_position: u64,
    pub event_count: u32,
    /// `FactCorrected` events applied to this case.
    pub correction_count: u32,
    pub details: CaseDetails,
}

impl CaseView {
    /// Whether it is overdue at `at`: still awaiting its outcome past its due time.
    pub fn is_overdue_at(&self, at: Timestamp) -> bool {
        self.awaiting_outcome && self.due_at.is_some_and(|due| due < at)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CaseDetails {
    Request(RequestDetails),
    WorkProject(WorkProjectDetails),
    Mediation(MediationDetails),
    Decision(DecisionDetails),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDetails {
    pub request_kind: String,
    pub channel: String,
    pub requester_id: Option<Uuid>,
    pub received_by_organisation_id: Option<Uuid>,
    pub dispatched_at: Option<Timestamp>,
    pub response_due_at: Option<Timestamp>,
    /// First action of the responsible organisation (start, resolve or send back).
    pub first_response_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    /// `fixed`, `explained`, `no_further_action`, `not_responsible`. A closed request is
    /// fixed only when this says so.
    pub outcome: Option<String>,
    /// `resolved`, `not_resolved`, `requester_unreachable`.
    pub follow_up_resolution: Option<String>,
    /// `satisfied`, `basically_satisfied`, `dissatisfied`, `no_answer`.
    pub satisfaction: Option<String>,
    pub merged_into_request_id: Option<Uuid>,
    pub work_project_id: Option<Uuid>,
    pub send_back_count: u32,
    pub reopen_count: u32,
    pub escalation_level: u32,
    pub escalated_to_organisation_id: Option<Uuid>,
}

impl RequestDetails {
    /// A request as received: how and by whom, nothing else known yet.
    pub(crate) fn received(
        request_kind: String,
        channel: String,
        requester_id: Option<Uuid>,
        received_by_organisation_id: Option<Uuid>,
    ) -> RequestDetails {
        RequestDetails {
            request_kind,
            channel,
            requester_id,
            received_by_organisation_id,
            dispatched_at: None,
            response_due_at: None,
            first_response_at: None,
            resolved_at: None,
            outcome: None,
            follow_up_resolution: None,
            satisfaction: None,
            merged_into_request_id: None,
            work_project_id: None,
            send_back_count: 0,
            reopen_count: 0,
            escalation_level: 0,
            escalated_to_organisation_id: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkProjectDetails {
    pub proposed_by_organisation_id: Uuid,
    pub linked_request_ids: Vec<Uuid>,
    pub planned_quantities: Vec<Quantity>,
    /// Cumulative quantities from progress reports, then the actual ones at completion.
    pub delivered_quantities: Vec<Quantity>,
    pub decision_id: Option<Uuid>,
    /// `maintenance_fund`, `property_fees`, ...
    pub funding_source: Option<String>,
    pub budget_cents: Option<i64>,
    pub contractor_organisation_id: Option<Uuid>,
    pub contract_reference: Option<String>,
    pub contract_amount_cents: Option<i64>,
    pub cost_cents: Option<i64>,
    pub percent_complete: u8,
    pub approved_at: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    /// The latest `INSPECTIONS_KEPT` inspections, oldest first: a project failing inspection
    /// after inspection must not grow its record without bound. The case's events hold all.
    pub inspections: Vec<InspectionView>,
    /// Every inspection recorded, passed or failed.
    pub inspection_count: u32,
    pub warranty_ends_at: Option<Timestamp>,
    pub warranty_claims_open: u32,
}

/// Inspections a work project's view keeps (each note may hold up to 4 KiB).
pub const INSPECTIONS_KEPT: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionView {
    pub passed: bool,
    pub inspector_account_id: Uuid,
    pub at: Timestamp,
    pub position: u64,
    /// The report (passed) or the defects (failed).
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediationDetails {
    pub source: String,
    pub referred_by_organisation_id: Option<Uuid>,
    pub party_count: u32,
    pub mediator_account_id: Option<Uuid>,
    pub session_count: u32,
    /// `written` or `oral` once agreed.
    pub agreement_form: Option<String>,
    pub agreement_terms: Option<String>,
    /// When it ended in agreement, failure or a decline.
    pub concluded_at: Option<Timestamp>,
    /// `performed`, `partly_performed`, `not_performed`.
    pub performance: Option<String>,
    pub archive_reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionDetails {
    pub body_kind: String,
    pub voting_rule: String,
    pub text: String,
    pub authorisations: Vec<AuthorisationView>,
    pub linked_request_ids: Vec<Uuid>,
    pub voting_closes_at: Option<Timestamp>,
    pub ballot_count: u32,
    pub tally: Option<Tally>,
    /// `participation_too_low` or `majority_not_reached`.
    pub failure: Option<String>,
    pub decided_at: Option<Timestamp>,
    pub published_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorisationView {
    pub work_project_id: Uuid,
    pub funding_source: String,
    pub budget_cents_max: i64,
}

/// Cases for tests.
#[cfg(test)]
pub(crate) mod samples {
    use super::*;

    const DAY_MICROS: i64 = 86_400_000_000;

    /// The `n`th of a spread of requests: statuses, categories, compounds, due times and
    /// satisfaction vary with `n`.
    pub(crate) fn request(n: u32) -> CaseView {
        let opened_at =
            Timestamp::from_unix_micros(1_600_000_000_000_000 + i64::from(n) * DAY_MICROS);
        let awaiting_outcome = n % 3 != 0;
        CaseView {
            kind: CaseKind::Request,
            case_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + u128::from(n)),
            status: ["received", "dispatched", "closed"][(n % 3) as usize].into(),
            category: ["repair", "sanitation", "security", "parking"][(n % 4) as usize].into(),
            title: format!("request {n}"),
            compound_id: (n % 5 != 0).then(|| Uuid::from_u128(u128::from(n % 7))),
            building_ids: Vec::new(),
            unit_ids: Vec::new(),
            responsible_organisation_id: Some(Uuid::from_u128(100 + u128::from(n % 2))),
            opened_at,
            updated_at: opened_at,
            closed_at: None,
            due_at: Some(opened_at.plus_micros(7 * DAY_MICROS)),
            awaiting_outcome,
            first_position: u64::from(n) * 7 + 1,
            last_position: u64::from(n) * 7 + 3,
            event_count: 3,
            correction_count: 0,
            details: CaseDetails::Request(RequestDetails {
                satisfaction: (n % 4 == 0).then(|| "satisfied".into()),
                ..RequestDetails::received("complaint".into(), "service_station".into(), None, None)
            }),
        }
    }
}
