//! Synthetic ledgers of any size for benchmarks and load tests.
//!
//! Bypasses the command handler (and so the authority checks) for speed, but writes only
//! legal lifecycles with valid payloads, so every projection can apply them: each case is
//! one multi-event append (`NoStream`), submitted without waiting so that group commit
//! batches many of them into one flush.

use std::collections::VecDeque;

use uuid::Uuid;

use crate::domain::correction::{CorrectedField, FactCorrected};
use crate::domain::decision::events::*;
use crate::domain::decision::tally::Tally;
use crate::domain::decision::vocabulary::{
    Authorisation, BallotChoice, DecisionMatter, Electorate, Voter, VotingRule,
};
use crate::domain::directory::events::*;
use crate::domain::error::DomainError;
use crate::domain::event::DomainEvent;
use crate::domain::ids::*;
use crate::domain::location::Location;
use crate::domain::mediation::events::*;
use crate::domain::mediation::vocabulary::{
    AgreementForm, DisputeType, MediationSource, Performance,
};
use crate::domain::quantity::{FundingSource, Quantity, QuantityUnit};
use crate::domain::request::events::*;
use crate::domain::request::vocabulary::*;
use crate::domain::role::{OrganisationKind, Role};
use crate::domain::seeded_rng::SeededRng;
use crate::domain::streams::{
    decision_stream, directory_stream, mediation_stream, request_stream, work_project_stream,
};
use crate::domain::work_project::events::*;
use crate::domain::work_project::vocabulary::WorkCategory;
use crate::error::StoreError;
use crate::event::{Actor, EventType, NewEvent, StreamId};
use crate::limits::EVENTS_PER_APPEND_MAX;
use crate::store::{AppendRequest, EventStore, ExpectedVersion, PendingAppend};
use crate::time::{MICROS_PER_DAY, Timestamp};

/// Appends submitted and not yet acknowledged; enough to fill several group commits.
const IN_FLIGHT_APPENDS_MAX: usize = 2_048;
/// Members of each synthetic owners' committee (they vote on its resolutions).
const COMMITTEE_MEMBERS: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntheticSpec {
    /// Stop once at least this many events were appended.
    pub events_target: u64,
    pub compounds: u32,
    /// Cases spread over this many days from 2019-01-01 (`365 * 4` for four ordinary years;
    /// 30 compresses a ledger into one month, the skewed load of issue 13).
    pub span_days: u32,
    pub seed: u64,
    pub revisions: Revisions,
}

/// Whether cases also take the turns that revise their figures: requests merged into an
/// earlier one, sent back and dispatched again, and corrections of a receipt (time and
/// category), a due time, a closing time and a mediation's conclusion time. `Absent`
/// draws nothing extra from the seed, so a ledger without revisions is the one earlier
/// builds wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revisions {
    Absent,
    Included,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyntheticSummary {
    pub events_appended: u64,
    pub appends: u64,
    pub requests: u64,
    pub work_projects: u64,
    pub decisions: u64,
    pub mediations: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SyntheticError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The per-compound cast.
struct CompoundCast {
    compound_id: CompoundId,
    owners_committee: OrganisationId,
    property_company: OrganisationId,
    members: Vec<Actor>,
    technician: Actor,
}

struct Cast {
    revisions: Revisions,
    compounds: Vec<CompoundCast>,
    clerk: Actor,
    mediation_committee: OrganisationId,
    mediator: Actor,
    inspector: Actor,
    contractor: OrganisationId,
    contractor_manager: Actor,
}

/// Accumulates one append's events.
struct Batch<'a> {
    rng: &'a mut SeededRng,
    events: Vec<NewEvent>,
    correlation_id: Uuid,
    previous: Option<Uuid>,
}

impl Batch<'_> {
    fn push(
        &mut self,
        at: Timestamp,
        actor: &Actor,
        event: impl Into<DomainEvent>,
    ) -> Result<(), SyntheticError> {
        let event = event.into();
        let event_id = self.rng.uuid_v7(at);
        self.events.push(NewEvent {
            event_id,
            event_type: EventType::new(event.event_type())?,
            schema_version: event.schema_version(),
            occurred_at: at,
            actor: actor.clone(),
            correlation_id: self.correlation_id,
            causation_id: self.previous,
            payload: event.encode()?,
        });
        self.previous = Some(event_id);
        Ok(())
    }
}

struct Writer<'a> {
    store: &'a dyn EventStore,
    in_flight: VecDeque<PendingAppend>,
    summary: SyntheticSummary,
    /// The latest request written, for a later one to be merged into.
    last_request: Option<RequestId>,
}

impl Writer<'_> {
    fn submit(
        &mut self,
        stream: StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<(), SyntheticError> {
        self.summary.events_appended += events.len() as u64;
        self.summary.appends += 1;
        if self.in_flight.len() >= IN_FLIGHT_APPENDS_MAX
            && let Some(oldest) = self.in_flight.pop_front()
        {
            oldest.wait()?;
        }
        self.in_flight.push_back(self.store.submit(AppendRequest {
            stream,
            expected,
            events,
            idempotency: None,
        }));
        Ok(())
    }

    fn drain(&mut self) -> Result<(), SyntheticError> {
        while let Some(pending) = self.in_flight.pop_front() {
            pending.wait()?;
        }
        Ok(())
    }
}

fn actor(account: AccountId, role: Role, organisation: OrganisationId) -> Actor {
    Actor {
        account_id: account.0,
        role: role.as_str().to_string(),
        organisation_id: Some(organisation.0),
    }
}

/// Appends a synthetic ledger to `store` (normally empty; ids never clash with existing ones).
pub fn generate(
    store: &dyn EventStore,
    spec: SyntheticSpec,
) -> Result<SyntheticSummary, SyntheticError> {
    let mut rng = SeededRng::new(spec.seed);
    let mut writer = Writer {
        store,
        in_flight: VecDeque::new(),
        summary: SyntheticSummary::default(),
        last_request: None,
    };
    let start = Timestamp::from_civil(2019, 1, 1).unwrap_or(Timestamp::from_unix_micros(0));
    let cast = directory(&mut rng, &mut writer, spec, start)?;
    let span_days = i64::from(spec.span_days.max(1));
    while writer.summary.events_appended < spec.events_target {
        let at = start.plus_micros(rng.below((span_days * MICROS_PER_DAY) as u64) as i64);
        let compound = &cast.compounds[rng.below(cast.compounds.len() as u64) as usize];
        match rng.below(100) {
            0..75 => request(&mut rng, &mut writer, &cast, compound, at)?,
            75..85 => mediation(&mut rng, &mut writer, &cast, compound, at)?,
            _ => works(&mut rng, &mut writer, &cast, compound, at)?,
        }
    }
    writer.drain()?;
    Ok(writer.summary)
}

fn directory(
    rng: &mut SeededRng,
    writer: &mut Writer<'_>,
    spec: SyntheticSpec,
    at: Timestamp,
) -> Result<Cast, SyntheticError> {
    let community_id = CommunityId(rng.uuid_v7(at));
    let committee = OrganisationId(rng.uuid_v7(at));
    let admin = actor(
        AccountId(rng.uuid_v7(at)),
        Role::DirectoryAdministrator,
        committee,
    );
    let mut events: Vec<DomainEvent> = vec![
        CommunityRegistered {
            community_id,
            name: "Synthetic Community".into(),
            subdistrict: "Synthetic Subdistrict".into(),
            city: "Synthetic City".into(),
            founded_year: 2006,
            registered_households: spec.compounds * 500,
            resident_households: spec.compounds * 400,
            residents: spec.compounds * 1_100,
        }
        .into(),
        CommunityTimeZoneSet {
            community_id,
            time_zone: "Asia/Shanghai".into(),
        }
        .into(),
        OrganisationRegistered {
            organisation_id: committee,
            kind: OrganisationKind::CommunityCommittee,
            name: "Synthetic Community Committee".into(),
            community_id,
            compound_id: None,
            grid_id: None,
        }
        .into(),
    ];
    let account = |rng: &mut SeededRng,
                   events: &mut Vec<DomainEvent>,
                   role: Role,
                   organisation: OrganisationId| {
        let account_id = AccountId(rng.uuid_v7(at));
        events.push(
            AccountOpened {
                account_id,
                person_id: Some(PersonId(rng.uuid_v7(at))),
            }
            .into(),
        );
        events.push(
            RoleGranted {
                account_id,
                organisation_id: organisation,
                role,
                starts_at: at.plus_days(-365),
                ends_at: None,
            }
            .into(),
        );
        actor(account_id, role, organisation)
    };
    events.push(
        AccountOpened {
            account_id: AccountId(admin.account_id),
            person_id: None,
        }
        .into(),
    );
    events.push(
        RoleGranted {
            account_id: AccountId(admin.account_id),
            organisation_id: committee,
            role: Role::DirectoryAdministrator,
            starts_at: at.plus_days(-365),
            ends_at: None,
        }
        .into(),
    );
    let organisation = |rng: &mut SeededRng,
                        events: &mut Vec<DomainEvent>,
                        kind: OrganisationKind,
                        name: String,
                        compound_id: Option<CompoundId>| {
        let organisation_id = OrganisationId(rng.uuid_v7(at));
        events.push(
            OrganisationRegistered {
                organisation_id,
                kind,
                name,
                community_id,
                compound_id,
                grid_id: None,
            }
            .into(),
        );
        organisation_id
    };
    let station = organisation(
        rng,
        &mut events,
        OrganisationKind::ServiceStation,
        "Synthetic Station".into(),
        None,
    );
    let mediation_committee = organisation(
        rng,
        &mut events,
        OrganisationKind::MediationCommittee,
        "Synthetic Mediation Committee".into(),
        None,
    );
    let contractor = organisation(
        rng,
        &mut events,
        OrganisationKind::Contractor,
        "Synthetic Builders".into(),
        None,
    );
    let clerk = account(rng, &mut events, Role::StationClerk, station);
    let mediator = account(rng, &mut events, Role::Mediator, mediation_committee);
    let inspector = account(rng, &mut events, Role::Inspector, committee);
    let contractor_manager = account(rng, &mut events, Role::ContractorManager, contractor);
    let mut compounds = Vec::new();
    for number in 0..spec.compounds.max(1) {
        let compound_id = CompoundId(rng.uuid_v7(at));
        events.push(
            CompoundRegistered {
                compound_id,
                community_id,
                name: format!("Compound {number}"),
                registered_households: 500,
            }
            .into(),
        );
        let owners_committee = organisation(
            rng,
            &mut events,
            OrganisationKind::OwnersCommittee,
            format!("Compound {number} Owners' Committee"),
            Some(compound_id),
        );
        let property_company = organisation(
            rng,
            &mut events,
            OrganisationKind::PropertyCompany,
            format!("Compound {number} Property"),
            Some(compound_id),
        );
        let members = (0..COMMITTEE_MEMBERS)
            .map(|_| {
                account(
                    rng,
                    &mut events,
                    Role::OwnersCommitteeMember,
                    owners_committee,
                )
            })
            .collect();
        let technician = account(rng, &mut events, Role::PropertyTechnician, property_company);
        compounds.push(CompoundCast {
            compound_id,
            owners_committee,
            property_company,
            members,
            technician,
        });
    }
    let mut version = 0u64;
    for chunk in events.chunks(EVENTS_PER_APPEND_MAX) {
        let mut batch = Batch {
            rng: &mut *rng,
            events: Vec::new(),
            correlation_id: community_id.0,
            previous: None,
        };
        for event in chunk {
            batch.push(at, &admin, event.clone())?;
        }
        let expected = if version == 0 {
            ExpectedVersion::NoStream
        } else {
            ExpectedVersion::Exact(version)
        };
        version += chunk.len() as u64;
        writer.submit(directory_stream(), expected, batch.events)?;
        // Directory chunks must land in order: wait for each.
        writer.drain()?;
    }
    Ok(Cast {
        revisions: spec.revisions,
        compounds,
        clerk,
        mediation_committee,
        mediator,
        inspector,
        contractor,
        contractor_manager,
    })
}

fn request(
    rng: &mut SeededRng,
    writer: &mut Writer<'_>,
    cast: &Cast,
    compound: &CompoundCast,
    at: Timestamp,
) -> Result<(), SyntheticError> {
    let request_id = RequestId(rng.uuid_v7(at));
    let category = *rng.pick(&RequestCategory::ALL);
    let roll = rng.below(100);
    let revision = match cast.revisions {
        Revisions::Absent => RequestRevision::None,
        Revisions::Included => RequestRevision::draw(rng.below(100), writer.last_request),
    };
    let organisation_id = compound.property_company;
    let tech = &compound.technician;
    let clerk = &cast.clerk;
    let mut batch = Batch {
        rng: &mut *rng,
        events: Vec::new(),
        correlation_id: request_id.0,
        previous: None,
    };
    batch.push(
        at,
        clerk,
        RequestReceived {
            request_id,
            kind: RequestKind::Complaint,
            category,
            description: "Synthetic request".into(),
            requester_id: None,
            location: Location {
                compound_id: Some(compound.compound_id),
                ..Location::NOWHERE
            },
            received_by_organisation_id: None,
            channel: Channel::ServiceStation,
        },
    )?;
    let received_event = batch.previous;
    if let RequestRevision::MergedInto(into_request_id) = revision {
        batch.push(
            at.plus_hours(1),
            clerk,
            RequestMerged {
                request_id,
                into_request_id,
            },
        )?;
    } else if roll < 10 {
        batch.push(
            at.plus_hours(1),
            clerk,
            RequestRejected {
                request_id,
                reason: "Out of scope".into(),
            },
        )?;
    } else {
        batch.push(
            at.plus_hours(1),
            clerk,
            RequestAccepted {
                request_id,
                category,
            },
        )?;
        let mut dispatched = at.plus_hours(2);
        let rounds = if roll >= 95 { 2 } else { 1 };
        for round in 0..rounds {
            batch.push(
                dispatched,
                clerk,
                RequestDispatched {
                    request_id,
                    organisation_id,
                    category,
                    response_due_at: dispatched.plus_hours(category.response_limit_hours()),
                    due_at: dispatched.plus_days(category.resolution_limit_days()),
                },
            )?;
            let dispatch_event = batch.previous;
            if revision == RequestRevision::SentBack && round == 0 {
                batch.push(
                    dispatched.plus_hours(1),
                    tech,
                    RequestSentBack {
                        request_id,
                        organisation_id,
                        reason: "Not ours: the common parts".into(),
                    },
                )?;
                dispatched = dispatched.plus_hours(3);
                batch.push(
                    dispatched,
                    clerk,
                    RequestDispatched {
                        request_id,
                        organisation_id,
                        category,
                        response_due_at: dispatched.plus_hours(category.response_limit_hours()),
                        due_at: dispatched.plus_days(category.resolution_limit_days()),
                    },
                )?;
            }
            if revision == RequestRevision::DueAtCorrected && round == 0 {
                let due_at = dispatched.plus_days(category.resolution_limit_days() + 10);
                push_correction(
                    &mut batch,
                    dispatched.plus_hours(1),
                    clerk,
                    dispatch_event,
                    CorrectedField::DueAt(due_at),
                )?;
            }
            if roll < 15 {
                break; // still open
            }
            let started = dispatched.plus_hours(1 + (roll as i64 % 30));
            batch.push(
                started,
                tech,
                RequestWorkStarted {
                    request_id,
                    organisation_id,
                    assignee_account_id: None,
                },
            )?;
            let resolved = started.plus_hours(4 + (roll as i64 * 7) % 200);
            let outcome = if roll % 3 == 0 {
                Outcome::Explained
            } else {
                Outcome::Fixed
            };
            batch.push(
                resolved,
                tech,
                RequestResolved {
                    request_id,
                    organisation_id,
                    outcome,
                    note: "Synthetic".into(),
                    work_project_id: None,
                },
            )?;
            let satisfaction = if roll % 7 == 0 {
                Satisfaction::Dissatisfied
            } else {
                Satisfaction::Satisfied
            };
            batch.push(
                resolved.plus_days(2),
                clerk,
                RequestFollowedUp {
                    request_id,
                    resolution: FollowUpResolution::Resolved,
                    satisfaction,
                    note: String::new(),
                },
            )?;
            batch.push(
                resolved.plus_days(3),
                clerk,
                RequestClosed {
                    request_id,
                    outcome,
                },
            )?;
            if revision == RequestRevision::ClosingTimeCorrected && round == 0 {
                // Closed 20 days later than first typed: often late, often another month.
                let closed_event = batch.previous;
                push_correction(
                    &mut batch,
                    resolved.plus_days(4),
                    clerk,
                    closed_event,
                    CorrectedField::OccurredAt(resolved.plus_days(23)),
                )?;
            }
            if round + 1 < rounds {
                dispatched = resolved.plus_days(5);
                batch.push(
                    dispatched.plus_hours(-1),
                    clerk,
                    RequestReopened {
                        request_id,
                        reason: "Problem came back".into(),
                    },
                )?;
            }
        }
    }
    if revision == RequestRevision::ReceiptCorrected {
        // Received two days earlier than first typed (often another month), about rubbish.
        let corrected_at = batch
            .events
            .last()
            .map_or(at, |last| last.occurred_at)
            .plus_hours(1);
        for field in [
            CorrectedField::OccurredAt(at.plus_days(-2)),
            CorrectedField::RequestCategory(RequestCategory::Sanitation),
        ] {
            push_correction(&mut batch, corrected_at, clerk, received_event, field)?;
        }
    }
    let events = batch.events;
    writer.summary.requests += 1;
    writer.last_request = Some(request_id);
    writer.submit(
        request_stream(request_id),
        ExpectedVersion::NoStream,
        events,
    )
}

/// The turn a request takes besides its ordinary lifecycle (`Revisions::Included`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RequestRevision {
    None,
    MergedInto(RequestId),
    SentBack,
    ReceiptCorrected,
    DueAtCorrected,
    ClosingTimeCorrected,
}

impl RequestRevision {
    fn draw(roll: u64, last_request: Option<RequestId>) -> RequestRevision {
        match (roll, last_request) {
            (0..6, Some(into)) => RequestRevision::MergedInto(into),
            (6..16, _) => RequestRevision::SentBack,
            (16..24, _) => RequestRevision::ReceiptCorrected,
            (24..30, _) => RequestRevision::DueAtCorrected,
            (30..38, _) => RequestRevision::ClosingTimeCorrected,
            _ => RequestRevision::None,
        }
    }
}

/// Appends a correction of `corrects` (an event of the same batch) to the batch.
fn push_correction(
    batch: &mut Batch<'_>,
    at: Timestamp,
    actor: &Actor,
    corrects: Option<Uuid>,
    field: CorrectedField,
) -> Result<(), SyntheticError> {
    let Some(corrects_event_id) = corrects else {
        return Ok(()); // Nothing to correct.
    };
    batch.push(
        at,
        actor,
        DomainEvent::FactCorrected(FactCorrected {
            corrects_event_id,
            reason: "Synthetic correction".into(),
            corrected: vec![field],
        }),
    )
}

fn mediation(
    rng: &mut SeededRng,
    writer: &mut Writer<'_>,
    cast: &Cast,
    compound: &CompoundCast,
    at: Timestamp,
) -> Result<(), SyntheticError> {
    let mediation_id = MediationId(rng.uuid_v7(at));
    let parties = vec![PersonId(rng.uuid_v7(at)), PersonId(rng.uuid_v7(at))];
    let concluded_late = match cast.revisions {
        Revisions::Absent => false,
        Revisions::Included => rng.below(100) < 20,
    };
    let mediator = &cast.mediator;
    let mut batch = Batch {
        rng: &mut *rng,
        events: Vec::new(),
        correlation_id: mediation_id.0,
        previous: None,
    };
    batch.push(
        at,
        mediator,
        MediationRegistered {
            mediation_id,
            source: MediationSource::PartyApplication,
            referred_by_organisation_id: None,
            mediation_committee_id: cast.mediation_committee,
            dispute_type: DisputeType::Neighbour,
            parties: parties.clone(),
            summary: "Synthetic dispute".into(),
            location: Location {
                compound_id: Some(compound.compound_id),
                ..Location::NOWHERE
            },
        },
    )?;
    batch.push(
        at.plus_hours(2),
        mediator,
        MediationAccepted {
            mediation_id,
            mediator_account_id: AccountId(mediator.account_id),
            target_finish_at: at.plus_days(30),
        },
    )?;
    batch.push(
        at.plus_days(3),
        mediator,
        MediationSessionHeld {
            mediation_id,
            session_number: 1,
            mediator_account_id: AccountId(mediator.account_id),
            attending_parties: parties,
            record: "Synthetic session".into(),
        },
    )?;
    batch.push(
        at.plus_days(4),
        mediator,
        MediationAgreementReached {
            mediation_id,
            form: AgreementForm::Written,
            terms: "Synthetic terms".into(),
            court_confirmation_deadline_at: at.plus_days(34),
        },
    )?;
    if concluded_late {
        // The minutes show the agreement came after a calendar month.
        let agreement = batch.previous;
        push_correction(
            &mut batch,
            at.plus_days(5),
            mediator,
            agreement,
            CorrectedField::OccurredAt(at.plus_days(33)),
        )?;
    }
    batch.push(
        at.plus_days(20),
        mediator,
        MediationPerformanceFollowedUp {
            mediation_id,
            performance: Performance::Performed,
            note: String::new(),
        },
    )?;
    batch.push(
        at.plus_days(21),
        mediator,
        MediationArchived {
            mediation_id,
            archive_reference: "SYN".into(),
        },
    )?;
    let events = batch.events;
    writer.summary.mediations += 1;
    writer.submit(
        mediation_stream(mediation_id),
        ExpectedVersion::NoStream,
        events,
    )
}

/// A committee resolution (members' majority) funding a project from property fees, then
/// the project from proposal to closure.
fn works(
    rng: &mut SeededRng,
    writer: &mut Writer<'_>,
    cast: &Cast,
    compound: &CompoundCast,
    at: Timestamp,
) -> Result<(), SyntheticError> {
    let work_project_id = WorkProjectId(rng.uuid_v7(at));
    let decision_id = DecisionId(rng.uuid_v7(at));
    let budget_cents = 1_000_000 + rng.below(9_000_000) as i64;
    let amount = 1 + rng.below(500) as i64;
    let member = &compound.members[0];
    let quantities = vec![Quantity::new(amount, QuantityUnit::SquareMetre)];

    let mut project = Batch {
        rng: &mut *rng,
        events: Vec::new(),
        correlation_id: work_project_id.0,
        previous: None,
    };
    project.push(
        at,
        member,
        WorkProjectProposed {
            work_project_id,
            category: WorkCategory::RoadResurfacing,
            title: "Synthetic resurfacing".into(),
            description: "Synthetic works".into(),
            compound_id: compound.compound_id,
            building_ids: Vec::new(),
            unit_ids: Vec::new(),
            planned_quantities: quantities.clone(),
            linked_request_ids: Vec::new(),
            proposed_by_organisation_id: compound.owners_committee,
        },
    )?;
    let proposal_event = project.previous;

    let mut decision = Batch {
        rng: &mut *project.rng,
        events: Vec::new(),
        correlation_id: work_project_id.0,
        previous: proposal_event,
    };
    decision.push(
        at.plus_days(1),
        member,
        DecisionProposed {
            decision_id,
            body_organisation_id: compound.owners_committee,
            body_kind: OrganisationKind::OwnersCommittee,
            matter: DecisionMatter::BodyResolution,
            voting_rule: VotingRule::MembersMajority,
            title: "Synthetic resolution".into(),
            text: "Fund the synthetic works from property fees".into(),
            compound_id: Some(compound.compound_id),
            authorisations: vec![Authorisation {
                work_project_id,
                funding_source: FundingSource::PropertyFees,
                budget_cents_max: budget_cents,
            }],
            linked_request_ids: Vec::new(),
        },
    )?;
    let electorate = Electorate {
        area_dm2: 0,
        heads: COMMITTEE_MEMBERS as u64,
    };
    decision.push(
        at.plus_days(2),
        member,
        DecisionVotingOpened {
            decision_id,
            electorate,
            closes_at: at.plus_days(9),
        },
    )?;
    for (n, voter) in compound.members.iter().enumerate() {
        let choice = if n < 4 {
            BallotChoice::For
        } else {
            BallotChoice::Against
        };
        decision.push(
            at.plus_days(3),
            voter,
            DecisionBallotCast {
                decision_id,
                voter: Voter::Member {
                    account_id: AccountId(voter.account_id),
                },
                area_dm2: 0,
                choice,
            },
        )?;
    }
    let tally = Tally {
        electorate_area_dm2: 0,
        electorate_heads: COMMITTEE_MEMBERS as u64,
        participating_heads: COMMITTEE_MEMBERS as u64,
        for_heads: 4,
        against_heads: 1,
        ..Tally::default()
    };
    decision.push(
        at.plus_days(10),
        member,
        DecisionTallied { decision_id, tally },
    )?;
    decision.push(at.plus_days(10), member, DecisionAdopted { decision_id })?;
    let adopted = decision.previous;
    decision.push(
        at.plus_days(11),
        member,
        DecisionPublished {
            decision_id,
            notice: "Notice board".into(),
        },
    )?;
    let decision_events = decision.events;

    project.previous = adopted;
    project.push(
        at.plus_days(12),
        member,
        WorkProjectApproved {
            work_project_id,
            decision_id,
            funding_source: FundingSource::PropertyFees,
            budget_cents,
        },
    )?;
    project.push(
        at.plus_days(15),
        member,
        WorkProjectContracted {
            work_project_id,
            contractor_organisation_id: cast.contractor,
            contract_reference: "SYN".into(),
            contract_amount_cents: budget_cents,
            planned_completion_at: at.plus_days(60),
        },
    )?;
    let site = &cast.contractor_manager;
    project.push(
        at.plus_days(20),
        site,
        WorkProjectStarted { work_project_id },
    )?;
    project.push(
        at.plus_days(30),
        site,
        WorkProjectProgressRecorded {
            work_project_id,
            milestone: "Half done".into(),
            percent_complete: 50,
            quantities_done: vec![Quantity::new(
                (amount / 2).max(1),
                QuantityUnit::SquareMetre,
            )],
        },
    )?;
    project.push(
        at.plus_days(45),
        site,
        WorkProjectCompleted {
            work_project_id,
            actual_quantities: quantities,
            cost_cents: budget_cents - budget_cents / 20,
        },
    )?;
    project.push(
        at.plus_days(50),
        &cast.inspector,
        WorkProjectInspectionPassed {
            work_project_id,
            inspector_account_id: AccountId(cast.inspector.account_id),
            report: "Accepted".into(),
            warranty_months: 0,
            warranty_ends_at: at.plus_days(50),
        },
    )?;
    project.push(
        at.plus_days(51),
        member,
        WorkProjectClosed { work_project_id },
    )?;
    let project_events = project.events;
    let _ = &cast.clerk;

    // The proposal must exist before the decision names it, and the decision be adopted
    // before the approval: three appends, the first two awaited in order.
    let mut proposal = project_events;
    let rest = proposal.split_off(1);
    writer.summary.work_projects += 1;
    writer.summary.decisions += 1;
    writer.submit(
        work_project_stream(work_project_id),
        ExpectedVersion::NoStream,
        proposal,
    )?;
    writer.submit(
        decision_stream(decision_id),
        ExpectedVersion::NoStream,
        decision_events,
    )?;
    writer.submit(
        work_project_stream(work_project_id),
        ExpectedVersion::Exact(1),
        rest,
    )
}
