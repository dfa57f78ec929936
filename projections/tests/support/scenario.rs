//! A small hand-built scenario at Sun Coast, March to May 2021, whose metrics are worked out
//! by hand in `domain_read_models.rs`.

use govledger_core::domain::decision::events::*;
use govledger_core::domain::decision::tally::Tally;
use govledger_core::domain::decision::vocabulary::{
    Authorisation, DecisionMatter, Electorate, VotingRule,
};
use govledger_core::domain::directory::events::*;
use govledger_core::domain::event::{
    DecisionEvent, DirectoryEvent, MediationEvent, RequestEvent, WorkProjectEvent,
};
use govledger_core::domain::ids::*;
use govledger_core::domain::location::Location;
use govledger_core::domain::mediation::events::*;
use govledger_core::domain::mediation::vocabulary::{
    AgreementForm, DisputeType, MediationSource, Performance,
};
use govledger_core::domain::quantity::{FundingSource, Quantity, QuantityUnit};
use govledger_core::domain::request::events::*;
use govledger_core::domain::request::vocabulary::*;
use govledger_core::domain::role::{OrganisationKind, Role};
use govledger_core::domain::streams::StreamRef;
use govledger_core::domain::work_project::events::*;
use govledger_core::domain::work_project::vocabulary::WorkCategory;
use uuid::Uuid;

use super::Ledger;
use super::domain::{Recorded, actor, at, id};

pub struct Scenario {
    pub community: Uuid,
    pub sun_coast: Uuid,
    pub building: Uuid,
    pub unit: Uuid,
    pub property_company: Uuid,
    pub owners_committee: Uuid,
    pub contractor: Uuid,
    pub mediation_committee: Uuid,
    pub clerk: Uuid,
    pub inspector: Uuid,
    pub requests: [Uuid; 4],
    pub work_project: Uuid,
    pub decision: Uuid,
    pub mediations: [Uuid; 2],
    pub decision_adopted: Recorded,
    pub inspection_passed: Recorded,
    pub r1_received: Recorded,
    /// The unit doors' completion (05-20: 16 doors, 76,000.00).
    pub work_completed: Recorded,
    /// M2's failure (04-15, 45 days after its registration).
    pub m2_failed: Recorded,
}

pub fn build(ledger: &Ledger) -> Scenario {
    let community = id(1);
    let sun_coast = id(2);
    let building = id(3);
    let unit = id(4);
    let property_company = id(10);
    let owners_committee = id(11);
    let contractor = id(12);
    let mediation_committee = id(13);
    let clerk = id(20);
    let inspector = id(21);
    let requests = [id(30), id(31), id(32), id(33)];
    let work_project = id(40);
    let decision = id(50);
    let mediations = [id(60), id(61)];

    let admin = actor(id(99), "directory_administrator", None);
    let dir = |ledger: &Ledger, event: DirectoryEvent| {
        ledger.record(StreamRef::Directory, event, at(2021, 1, 1, 0), &admin, None)
    };
    dir(
        ledger,
        DirectoryEvent::CommunityRegistered(CommunityRegistered {
            community_id: CommunityId(community),
            name: "Wanghai".into(),
            subdistrict: "Shijiu".into(),
            city: "Rizhao".into(),
            founded_year: 2006,
            registered_households: 4144,
            resident_households: 2771,
            residents: 6723,
        }),
    );
    dir(
        ledger,
        DirectoryEvent::CompoundRegistered(CompoundRegistered {
            compound_id: CompoundId(sun_coast),
            community_id: CommunityId(community),
            name: "Sun Coast".into(),
            registered_households: 600,
        }),
    );
    dir(
        ledger,
        DirectoryEvent::BuildingRegistered(BuildingRegistered {
            building_id: BuildingId(building),
            compound_id: CompoundId(sun_coast),
            name: "Building 1".into(),
            floors: 18,
        }),
    );
    dir(
        ledger,
        DirectoryEvent::UnitRegistered(UnitRegistered {
            unit_id: UnitId(unit),
            building_id: BuildingId(building),
            compound_id: CompoundId(sun_coast),
            label: "1-1-1502".into(),
            floor_area_dm2: 9_850,
        }),
    );
    for (organisation, kind, name) in [
        (
            property_company,
            OrganisationKind::PropertyCompany,
            "Haitian Property",
        ),
        (
            owners_committee,
            OrganisationKind::OwnersCommittee,
            "Sun Coast Owners' Committee",
        ),
        (contractor, OrganisationKind::Contractor, "Rizhao Doors Ltd"),
        (
            mediation_committee,
            OrganisationKind::MediationCommittee,
            "Wanghai Mediation Committee",
        ),
    ] {
        dir(
            ledger,
            DirectoryEvent::OrganisationRegistered(OrganisationRegistered {
                organisation_id: OrganisationId(organisation),
                kind,
                name: name.into(),
                community_id: CommunityId(community),
                compound_id: Some(CompoundId(sun_coast)),
                grid_id: None,
            }),
        );
    }
    for account in [clerk, inspector] {
        dir(
            ledger,
            DirectoryEvent::AccountOpened(AccountOpened {
                account_id: AccountId(account),
                person_id: None,
            }),
        );
    }
    dir(
        ledger,
        DirectoryEvent::RoleGranted(RoleGranted {
            account_id: AccountId(inspector),
            organisation_id: OrganisationId(owners_committee),
            role: Role::Inspector,
            starts_at: at(2021, 1, 1, 0),
            ends_at: None,
        }),
    );

    let clerk_actor = actor(clerk, "station_clerk", None);
    let company = actor(id(22), "property_technician", Some(property_company));
    let location = Location {
        compound_id: Some(CompoundId(sun_coast)),
        building_id: Some(BuildingId(building)),
        unit_id: None,
        grid_id: None,
    };
    let request = |ledger: &Ledger, n: usize, event: RequestEvent, when, who: &_| {
        ledger.record(
            StreamRef::Request(RequestId(requests[n])),
            event,
            when,
            who,
            None,
        )
    };
    let received = |n: usize| {
        RequestEvent::RequestReceived(RequestReceived {
            request_id: RequestId(requests[n]),
            kind: RequestKind::Complaint,
            category: RequestCategory::Repair,
            description: format!("unit door broken, report {n}"),
            requester_id: None,
            location,
            received_by_organisation_id: None,
            channel: Channel::ServiceStation,
        })
    };
    let dispatched = |n: usize, response_day: u8, due_day: u8| {
        RequestEvent::RequestDispatched(RequestDispatched {
            request_id: RequestId(requests[n]),
            organisation_id: OrganisationId(property_company),
            category: RequestCategory::Repair,
            response_due_at: at(2021, 3, response_day, 0),
            due_at: at(2021, 3, due_day, 0),
        })
    };
    let rid = |n: usize| RequestId(requests[n]);
    let org = OrganisationId(property_company);

    // R1: dispatched 03-01, started 03-01 12:00 (on time), fixed, followed up resolved and
    // satisfied, closed 03-05 (received 03-01: 4 days).
    let r1_received = request(ledger, 0, received(0), at(2021, 3, 1, 0), &clerk_actor);
    request(
        ledger,
        0,
        dispatched(0, 2, 8),
        at(2021, 3, 1, 0),
        &clerk_actor,
    );
    request(
        ledger,
        0,
        RequestEvent::RequestWorkStarted(RequestWorkStarted {
            request_id: rid(0),
            organisation_id: org,
            assignee_account_id: None,
        }),
        at(2021, 3, 1, 12),
        &company,
    );
    request(
        ledger,
        0,
        RequestEvent::RequestResolved(RequestResolved {
            request_id: rid(0),
            organisation_id: org,
            outcome: Outcome::Fixed,
            note: "door fixed".into(),
            work_project_id: None,
        }),
        at(2021, 3, 3, 0),
        &company,
    );
    request(
        ledger,
        0,
        RequestEvent::RequestFollowedUp(RequestFollowedUp {
            request_id: rid(0),
            resolution: FollowUpResolution::Resolved,
            satisfaction: Satisfaction::Satisfied,
            note: String::new(),
        }),
        at(2021, 3, 4, 0),
        &clerk_actor,
    );
    request(
        ledger,
        0,
        RequestEvent::RequestClosed(RequestClosed {
            request_id: rid(0),
            outcome: Outcome::Fixed,
        }),
        at(2021, 3, 5, 0),
        &clerk_actor,
    );

    // R2: dispatched 03-02 (response due 03-03), sent back 03-04 (late), dispatched again
    // 03-05 (response due 03-06, due 03-12), resolved "explained" 03-05 12:00 (on time),
    // followed up not resolved and dissatisfied, closed 03-20 (late; 18 days), reopened 03-21.
    request(ledger, 1, received(1), at(2021, 3, 2, 0), &clerk_actor);
    request(
        ledger,
        1,
        dispatched(1, 3, 9),
        at(2021, 3, 2, 0),
        &clerk_actor,
    );
    request(
        ledger,
        1,
        RequestEvent::RequestSentBack(RequestSentBack {
            request_id: rid(1),
            organisation_id: org,
            reason: "not ours".into(),
        }),
        at(2021, 3, 4, 0),
        &company,
    );
    request(
        ledger,
        1,
        dispatched(1, 6, 12),
        at(2021, 3, 5, 0),
        &clerk_actor,
    );
    request(
        ledger,
        1,
        RequestEvent::RequestResolved(RequestResolved {
            request_id: rid(1),
            organisation_id: org,
            outcome: Outcome::Explained,
            note: "explained the schedule".into(),
            work_project_id: None,
        }),
        at(2021, 3, 5, 12),
        &company,
    );
    request(
        ledger,
        1,
        RequestEvent::RequestFollowedUp(RequestFollowedUp {
            request_id: rid(1),
            resolution: FollowUpResolution::NotResolved,
            satisfaction: Satisfaction::Dissatisfied,
            note: String::new(),
        }),
        at(2021, 3, 7, 0),
        &clerk_actor,
    );
    request(
        ledger,
        1,
        RequestEvent::RequestClosed(RequestClosed {
            request_id: rid(1),
            outcome: Outcome::Explained,
        }),
        at(2021, 3, 20, 0),
        &clerk_actor,
    );
    request(
        ledger,
        1,
        RequestEvent::RequestReopened(RequestReopened {
            request_id: rid(1),
            reason: "still broken".into(),
        }),
        at(2021, 3, 21, 0),
        &clerk_actor,
    );

    // R3: dispatched 03-10 (due 03-17) and never acted on: overdue from 03-17.
    request(ledger, 2, received(2), at(2021, 3, 10, 0), &clerk_actor);
    request(
        ledger,
        2,
        dispatched(2, 11, 17),
        at(2021, 3, 10, 0),
        &clerk_actor,
    );

    // R4: a duplicate of R1.
    request(ledger, 3, received(3), at(2021, 3, 15, 0), &clerk_actor);
    request(
        ledger,
        3,
        RequestEvent::RequestMerged(RequestMerged {
            request_id: rid(3),
            into_request_id: rid(0),
        }),
        at(2021, 3, 15, 0),
        &clerk_actor,
    );

    // The decision and the work project that replaced the unit doors.
    let committee = actor(id(23), "owners_committee_member", Some(owners_committee));
    let did = DecisionId(decision);
    let wid = WorkProjectId(work_project);
    let decision_stream = StreamRef::Decision(did);
    let work_stream = StreamRef::WorkProject(wid);
    ledger.record(
        work_stream,
        WorkProjectEvent::WorkProjectProposed(WorkProjectProposed {
            work_project_id: wid,
            category: WorkCategory::UnitDoorReplacement,
            title: "Replace all 16 unit doors".into(),
            description: "Sun Coast unit doors".into(),
            compound_id: CompoundId(sun_coast),
            building_ids: vec![BuildingId(building)],
            unit_ids: vec![],
            planned_quantities: vec![Quantity::new(16, QuantityUnit::UnitDoor)],
            linked_request_ids: vec![rid(0)],
            proposed_by_organisation_id: OrganisationId(owners_committee),
        }),
        at(2021, 4, 1, 0),
        &committee,
        None,
    );
    ledger.record(
        decision_stream,
        DecisionEvent::DecisionProposed(DecisionProposed {
            decision_id: did,
            body_organisation_id: OrganisationId(owners_committee),
            body_kind: OrganisationKind::OwnersCommittee,
            matter: DecisionMatter::MaintenanceFundUse,
            voting_rule: VotingRule::OwnersMajority,
            title: "Use the maintenance fund for unit doors".into(),
            text: "Replace 16 unit doors".into(),
            compound_id: Some(CompoundId(sun_coast)),
            authorisations: vec![Authorisation {
                work_project_id: wid,
                funding_source: FundingSource::MaintenanceFund,
                budget_cents_max: 8_000_000,
            }],
            linked_request_ids: vec![rid(0)],
        }),
        at(2021, 4, 1, 0),
        &committee,
        None,
    );
    ledger.record(
        decision_stream,
        DecisionEvent::DecisionVotingOpened(DecisionVotingOpened {
            decision_id: did,
            electorate: Electorate {
                area_dm2: 300_000,
                heads: 30,
            },
            closes_at: at(2021, 4, 4, 0),
        }),
        at(2021, 4, 2, 0),
        &committee,
        None,
    );
    ledger.record(
        decision_stream,
        DecisionEvent::DecisionTallied(DecisionTallied {
            decision_id: did,
            tally: Tally {
                electorate_area_dm2: 300_000,
                electorate_heads: 30,
                participating_area_dm2: 240_000,
                participating_heads: 24,
                for_area_dm2: 200_000,
                for_heads: 20,
                against_area_dm2: 40_000,
                against_heads: 4,
                abstain_area_dm2: 0,
                abstain_heads: 0,
            },
        }),
        at(2021, 4, 4, 0),
        &committee,
        None,
    );
    let decision_adopted = ledger.record(
        decision_stream,
        DecisionEvent::DecisionAdopted(DecisionAdopted { decision_id: did }),
        at(2021, 4, 5, 0),
        &committee,
        None,
    );
    ledger.record(
        decision_stream,
        DecisionEvent::DecisionPublished(DecisionPublished {
            decision_id: did,
            notice: "posted at each entrance".into(),
        }),
        at(2021, 4, 6, 0),
        &committee,
        Some(decision_adopted.event_id),
    );
    ledger.record(
        work_stream,
        WorkProjectEvent::WorkProjectApproved(WorkProjectApproved {
            work_project_id: wid,
            decision_id: did,
            funding_source: FundingSource::MaintenanceFund,
            budget_cents: 8_000_000,
        }),
        at(2021, 4, 10, 0),
        &committee,
        Some(decision_adopted.event_id),
    );
    ledger.record(
        work_stream,
        WorkProjectEvent::WorkProjectContracted(WorkProjectContracted {
            work_project_id: wid,
            contractor_organisation_id: OrganisationId(contractor),
            contract_reference: "SC-2021-07".into(),
            contract_amount_cents: 7_800_000,
            planned_completion_at: at(2021, 5, 31, 0),
        }),
        at(2021, 4, 12, 0),
        &committee,
        None,
    );
    let builder = actor(id(24), "contractor_manager", Some(contractor));
    ledger.record(
        work_stream,
        WorkProjectEvent::WorkProjectStarted(WorkProjectStarted {
            work_project_id: wid,
        }),
        at(2021, 4, 20, 0),
        &builder,
        None,
    );
    let work_completed = ledger.record(
        work_stream,
        WorkProjectEvent::WorkProjectCompleted(WorkProjectCompleted {
            work_project_id: wid,
            actual_quantities: vec![Quantity::new(16, QuantityUnit::UnitDoor)],
            cost_cents: 7_600_000,
        }),
        at(2021, 5, 20, 0),
        &builder,
        None,
    );
    let inspection_passed = ledger.record(
        work_stream,
        WorkProjectEvent::WorkProjectInspectionPassed(WorkProjectInspectionPassed {
            work_project_id: wid,
            inspector_account_id: AccountId(inspector),
            report: "16 doors fitted and locking".into(),
            warranty_months: 24,
            warranty_ends_at: at(2023, 5, 25, 0),
        }),
        at(2021, 5, 25, 0),
        &actor(inspector, "inspector", Some(owners_committee)),
        None,
    );

    // Mediations: M1 agreed after 19 days and performed; M2 failed after 45 days.
    let mediator = actor(id(25), "mediator", Some(mediation_committee));
    for (n, mediation) in mediations.iter().enumerate() {
        ledger.record(
            StreamRef::Mediation(MediationId(*mediation)),
            MediationEvent::MediationRegistered(MediationRegistered {
                mediation_id: MediationId(*mediation),
                source: MediationSource::PartyApplication,
                referred_by_organisation_id: None,
                mediation_committee_id: OrganisationId(mediation_committee),
                dispute_type: DisputeType::Noise,
                parties: vec![PersonId(id(70 + n as u128)), PersonId(id(80 + n as u128))],
                summary: "noise at night".into(),
                location,
            }),
            at(2021, 3, 1, 0),
            &mediator,
            None,
        );
    }
    let m1 = StreamRef::Mediation(MediationId(mediations[0]));
    let m2 = StreamRef::Mediation(MediationId(mediations[1]));
    ledger.record(
        m1,
        MediationEvent::MediationAgreementReached(MediationAgreementReached {
            mediation_id: MediationId(mediations[0]),
            form: AgreementForm::Written,
            terms: "quiet after 22:00".into(),
            court_confirmation_deadline_at: at(2021, 4, 19, 0),
        }),
        at(2021, 3, 20, 0),
        &mediator,
        None,
    );
    ledger.record(
        m1,
        MediationEvent::MediationPerformanceFollowedUp(MediationPerformanceFollowedUp {
            mediation_id: MediationId(mediations[0]),
            performance: Performance::Performed,
            note: String::new(),
        }),
        at(2021, 4, 20, 0),
        &mediator,
        None,
    );
    let m2_failed = ledger.record(
        m2,
        MediationEvent::MediationFailed(MediationFailed {
            mediation_id: MediationId(mediations[1]),
            reason: "no agreement".into(),
        }),
        at(2021, 4, 15, 0),
        &mediator,
        None,
    );

    Scenario {
        community,
        sun_coast,
        building,
        unit,
        property_company,
        owners_committee,
        contractor,
        mediation_committee,
        clerk,
        inspector,
        requests,
        work_project,
        decision,
        mediations,
        decision_adopted,
        inspection_passed,
        r1_received,
        work_completed,
        m2_failed,
    }
}
