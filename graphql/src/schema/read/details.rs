//! A case's own details as typed objects, one per case kind. In the public view the fields
//! that point at residents (a request's requester, an inspection's inspector) are `null`.

use async_graphql::{Context, ID, Object, SimpleObject, Union};
use govledger_core::domain::decision::tally::Tally;
use govledger_core::domain::quantity::Quantity;
use govledger_projections::cases::view::{
    AuthorisationView, CaseDetails, DecisionDetails, InspectionView, MediationDetails,
    RequestDetails, WorkProjectDetails,
};
use uuid::Uuid;

use crate::access::ReadScope;
use crate::schema::context::principal;
use crate::schema::mutations::vocabulary::QuantityUnit;
use crate::schema::scalars::{DateTime, Int64};

fn id(id: Uuid) -> ID {
    ID(id.to_string())
}

fn ids(ids: &[Uuid]) -> Vec<ID> {
    ids.iter().copied().map(id).collect()
}

/// `value` unless the caller reads the public view (it names a resident).
fn personal<T>(ctx: &Context<'_>, value: T) -> Option<T> {
    match principal(ctx).read_scope() {
        ReadScope::Full => Some(value),
        ReadScope::Public => None,
    }
}

/// The details of one case, by its kind.
#[derive(Clone, Union)]
#[graphql(name = "CaseDetails")]
pub enum CaseDetailsView {
    Request(RequestDetailsView),
    WorkProject(WorkProjectDetailsView),
    Mediation(MediationDetailsView),
    Decision(DecisionDetailsView),
}

impl From<CaseDetails> for CaseDetailsView {
    fn from(details: CaseDetails) -> CaseDetailsView {
        match details {
            CaseDetails::Request(d) => CaseDetailsView::Request(RequestDetailsView(d)),
            CaseDetails::WorkProject(d) => CaseDetailsView::WorkProject(WorkProjectDetailsView(d)),
            CaseDetails::Mediation(d) => CaseDetailsView::Mediation(MediationDetailsView(d)),
            CaseDetails::Decision(d) => CaseDetailsView::Decision(DecisionDetailsView(d)),
        }
    }
}

#[derive(Clone)]
pub struct RequestDetailsView(RequestDetails);

/// What a service request went through.
#[Object(name = "RequestDetails")]
impl RequestDetailsView {
    /// `enquiry`, `help`, `complaint`, `suggestion`.
    async fn request_kind(&self) -> &str {
        &self.0.request_kind
    }

    async fn channel(&self) -> &str {
        &self.0.channel
    }

    /// The resident who asked (a person id); `null` in the public view.
    async fn requester_id(&self, ctx: &Context<'_>) -> Option<ID> {
        personal(ctx, self.0.requester_id.map(id)).flatten()
    }

    async fn received_by_organisation_id(&self) -> Option<ID> {
        self.0.received_by_organisation_id.map(id)
    }

    async fn dispatched_at(&self) -> Option<DateTime> {
        self.0.dispatched_at.map(DateTime)
    }

    async fn response_due_at(&self) -> Option<DateTime> {
        self.0.response_due_at.map(DateTime)
    }

    /// First action of the responsible organisation (start, resolve or send back).
    async fn first_response_at(&self) -> Option<DateTime> {
        self.0.first_response_at.map(DateTime)
    }

    async fn resolved_at(&self) -> Option<DateTime> {
        self.0.resolved_at.map(DateTime)
    }

    /// `fixed`, `explained`, `no_further_action`, `not_responsible`.
    async fn outcome(&self) -> Option<&str> {
        self.0.outcome.as_deref()
    }

    /// `resolved`, `not_resolved`, `requester_unreachable`.
    async fn follow_up_resolution(&self) -> Option<&str> {
        self.0.follow_up_resolution.as_deref()
    }

    /// `satisfied`, `basically_satisfied`, `dissatisfied`, `no_answer`.
    async fn satisfaction(&self) -> Option<&str> {
        self.0.satisfaction.as_deref()
    }

    async fn merged_into_request_id(&self) -> Option<ID> {
        self.0.merged_into_request_id.map(id)
    }

    async fn work_project_id(&self) -> Option<ID> {
        self.0.work_project_id.map(id)
    }

    async fn send_back_count(&self) -> u32 {
        self.0.send_back_count
    }

    async fn reopen_count(&self) -> u32 {
        self.0.reopen_count
    }

    async fn escalation_level(&self) -> u32 {
        self.0.escalation_level
    }

    async fn escalated_to_organisation_id(&self) -> Option<ID> {
        self.0.escalated_to_organisation_id.map(id)
    }
}

/// An amount of work in a unit.
#[derive(Clone, SimpleObject)]
#[graphql(name = "Quantity")]
pub struct QuantityView {
    pub amount: Int64,
    pub unit: QuantityUnit,
}

fn quantities(list: &[Quantity]) -> Vec<QuantityView> {
    list.iter()
        .map(|q| QuantityView {
            amount: q.amount.into(),
            unit: q.unit.into(),
        })
        .collect()
}

#[derive(Clone)]
pub struct InspectionDetailsView(InspectionView);

/// One inspection of completed work.
#[Object(name = "Inspection")]
impl InspectionDetailsView {
    async fn passed(&self) -> bool {
        self.0.passed
    }

    /// Who inspected (an account); `null` in the public view.
    async fn inspector_account_id(&self, ctx: &Context<'_>) -> Option<ID> {
        personal(ctx, id(self.0.inspector_account_id))
    }

    async fn at(&self) -> DateTime {
        DateTime(self.0.at)
    }

    /// Ledger position of the inspection event.
    async fn position(&self) -> Int64 {
        self.0.position.into()
    }

    /// The report (passed) or the defects (failed).
    async fn note(&self) -> &str {
        &self.0.note
    }
}

#[derive(Clone)]
pub struct WorkProjectDetailsView(WorkProjectDetails);

/// What a work project planned, was granted, delivered and how it was inspected.
#[Object(name = "WorkProjectDetails")]
impl WorkProjectDetailsView {
    async fn proposed_by_organisation_id(&self) -> ID {
        id(self.0.proposed_by_organisation_id)
    }

    async fn linked_request_ids(&self) -> Vec<ID> {
        ids(&self.0.linked_request_ids)
    }

    async fn planned_quantities(&self) -> Vec<QuantityView> {
        quantities(&self.0.planned_quantities)
    }

    /// Cumulative quantities from progress reports, then the actual ones at completion.
    async fn delivered_quantities(&self) -> Vec<QuantityView> {
        quantities(&self.0.delivered_quantities)
    }

    async fn decision_id(&self) -> Option<ID> {
        self.0.decision_id.map(id)
    }

    /// `maintenance_fund`, `property_fees`, …
    async fn funding_source(&self) -> Option<&str> {
        self.0.funding_source.as_deref()
    }

    async fn budget_cents(&self) -> Option<Int64> {
        self.0.budget_cents.map(Int64::from)
    }

    async fn contractor_organisation_id(&self) -> Option<ID> {
        self.0.contractor_organisation_id.map(id)
    }

    async fn contract_reference(&self) -> Option<&str> {
        self.0.contract_reference.as_deref()
    }

    async fn contract_amount_cents(&self) -> Option<Int64> {
        self.0.contract_amount_cents.map(Int64::from)
    }

    async fn cost_cents(&self) -> Option<Int64> {
        self.0.cost_cents.map(Int64::from)
    }

    async fn percent_complete(&self) -> u8 {
        self.0.percent_complete
    }

    async fn approved_at(&self) -> Option<DateTime> {
        self.0.approved_at.map(DateTime)
    }

    async fn started_at(&self) -> Option<DateTime> {
        self.0.started_at.map(DateTime)
    }

    async fn completed_at(&self) -> Option<DateTime> {
        self.0.completed_at.map(DateTime)
    }

    /// The latest 8 inspections, oldest first (`inspectionCount` counts them all; the case's
    /// events hold every one).
    async fn inspections(&self) -> Vec<InspectionDetailsView> {
        self.0
            .inspections
            .iter()
            .cloned()
            .map(InspectionDetailsView)
            .collect()
    }

    /// Every inspection recorded, passed or failed.
    async fn inspection_count(&self) -> u32 {
        self.0.inspection_count
    }

    async fn warranty_ends_at(&self) -> Option<DateTime> {
        self.0.warranty_ends_at.map(DateTime)
    }

    async fn warranty_claims_open(&self) -> u32 {
        self.0.warranty_claims_open
    }
}

#[derive(Clone)]
pub struct MediationDetailsView(MediationDetails);

/// How a mediation went.
#[Object(name = "MediationDetails")]
impl MediationDetailsView {
    async fn source(&self) -> &str {
        &self.0.source
    }

    async fn referred_by_organisation_id(&self) -> Option<ID> {
        self.0.referred_by_organisation_id.map(id)
    }

    async fn party_count(&self) -> u32 {
        self.0.party_count
    }

    async fn mediator_account_id(&self) -> Option<ID> {
        self.0.mediator_account_id.map(id)
    }

    async fn session_count(&self) -> u32 {
        self.0.session_count
    }

    /// `written` or `oral` once agreed.
    async fn agreement_form(&self) -> Option<&str> {
        self.0.agreement_form.as_deref()
    }

    async fn agreement_terms(&self) -> Option<&str> {
        self.0.agreement_terms.as_deref()
    }

    /// When it ended in agreement, failure or a decline.
    async fn concluded_at(&self) -> Option<DateTime> {
        self.0.concluded_at.map(DateTime)
    }

    /// `performed`, `partly_performed`, `not_performed`.
    async fn performance(&self) -> Option<&str> {
        self.0.performance.as_deref()
    }

    async fn archive_reference(&self) -> Option<&str> {
        self.0.archive_reference.as_deref()
    }
}

/// A decision's authority over one work project's spending.
#[derive(Clone, SimpleObject)]
#[graphql(name = "Authorisation")]
pub struct AuthorisationDetailsView {
    pub work_project_id: ID,
    pub funding_source: String,
    pub budget_cents_max: Int64,
}

impl From<&AuthorisationView> for AuthorisationDetailsView {
    fn from(view: &AuthorisationView) -> AuthorisationDetailsView {
        AuthorisationDetailsView {
            work_project_id: id(view.work_project_id),
            funding_source: view.funding_source.clone(),
            budget_cents_max: view.budget_cents_max.into(),
        }
    }
}

/// The count of a vote: by floor area (dm²) and by heads.
#[derive(Clone, SimpleObject)]
#[graphql(name = "Tally")]
pub struct TallyView {
    pub electorate_area_dm2: Int64,
    pub electorate_heads: Int64,
    pub participating_area_dm2: Int64,
    pub participating_heads: Int64,
    pub for_area_dm2: Int64,
    pub for_heads: Int64,
    pub against_area_dm2: Int64,
    pub against_heads: Int64,
    pub abstain_area_dm2: Int64,
    pub abstain_heads: Int64,
}

impl From<&Tally> for TallyView {
    fn from(t: &Tally) -> TallyView {
        TallyView {
            electorate_area_dm2: t.electorate_area_dm2.into(),
            electorate_heads: t.electorate_heads.into(),
            participating_area_dm2: t.participating_area_dm2.into(),
            participating_heads: t.participating_heads.into(),
            for_area_dm2: t.for_area_dm2.into(),
            for_heads: t.for_heads.into(),
            against_area_dm2: t.against_area_dm2.into(),
            against_heads: t.against_heads.into(),
            abstain_area_dm2: t.abstain_area_dm2.into(),
            abstain_heads: t.abstain_heads.into(),
        }
    }
}

#[derive(Clone)]
pub struct DecisionDetailsView(DecisionDetails);

/// What a decision says, what it authorises and how the vote went.
#[Object(name = "DecisionDetails")]
impl DecisionDetailsView {
    async fn body_kind(&self) -> &str {
        &self.0.body_kind
    }

    async fn voting_rule(&self) -> &str {
        &self.0.voting_rule
    }

    async fn text(&self) -> &str {
        &self.0.text
    }

    async fn authorisations(&self) -> Vec<AuthorisationDetailsView> {
        self.0.authorisations.iter().map(Into::into).collect()
    }

    async fn linked_request_ids(&self) -> Vec<ID> {
        ids(&self.0.linked_request_ids)
    }

    async fn voting_closes_at(&self) -> Option<DateTime> {
        self.0.voting_closes_at.map(DateTime)
    }

    async fn ballot_count(&self) -> u32 {
        self.0.ballot_count
    }

    async fn tally(&self) -> Option<TallyView> {
        self.0.tally.as_ref().map(Into::into)
    }

    /// `participation_too_low` or `majority_not_reached`.
    async fn failure(&self) -> Option<&str> {
        self.0.failure.as_deref()
    }

    async fn decided_at(&self) -> Option<DateTime> {
        self.0.decided_at.map(DateTime)
    }

    async fn published_at(&self) -> Option<DateTime> {
        self.0.published_at.map(DateTime)
    }
}
