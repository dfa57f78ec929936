//! The metrics count in the community's local calendar (ADR 0016): an event at 01:30 local
//! time on 1 June counts in June in Rizhao (UTC+8), and in May in a ledger that never set a
//! zone; a zone set later leaves earlier counts where they were; "within one month" is a
//! local calendar month.

mod support;

use govledger_core::domain::directory::events::{CommunityRegistered, CommunityTimeZoneSet};
use govledger_core::domain::event::{DirectoryEvent, MediationEvent, RequestEvent};
use govledger_core::domain::ids::{CommunityId, CompoundId, MediationId, PersonId, RequestId};
use govledger_core::domain::location::Location;
use govledger_core::domain::mediation::events::{MediationFailed, MediationRegistered};
use govledger_core::domain::mediation::vocabulary::{DisputeType, MediationSource};
use govledger_core::domain::request::events::RequestReceived;
use govledger_core::domain::request::vocabulary::{Channel, RequestCategory, RequestKind};
use govledger_core::domain::streams::StreamRef;
use govledger_core::event::Actor;
use govledger_core::time::Timestamp;
use govledger_projections::metrics::scope::{MetricsScope, Period};
use govledger_projections::read_api::ReadApi;
use govledger_projections::runner::RebuildScope;
use support::domain::{actor, id};
use support::{Ledger, WAIT};

fn utc(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).expect("a test instant")
}

fn clerk() -> Actor {
    actor(id(90), "service_station_clerk", Some(id(10)))
}

fn register_community(ledger: &Ledger) {
    ledger.record(
        StreamRef::Directory,
        DirectoryEvent::CommunityRegistered(CommunityRegistered {
            community_id: CommunityId(id(1)),
            name: "Wanghai Community".into(),
            subdistrict: "Shijiu Subdistrict".into(),
            city: "Rizhao, Shandong".into(),
            founded_year: 2006,
            registered_households: 4_144,
            resident_households: 2_771,
            residents: 6_723,
        }),
        utc("2021-01-01T00:00:00Z"),
        &clerk(),
        None,
    );
}

fn set_zone(ledger: &Ledger, zone: &str) {
    ledger.record(
        StreamRef::Directory,
        DirectoryEvent::CommunityTimeZoneSet(CommunityTimeZoneSet {
            community_id: CommunityId(id(1)),
            time_zone: zone.into(),
        }),
        utc("2021-01-01T00:00:00Z"),
        &clerk(),
        None,
    );
}

fn receive(ledger: &Ledger, n: u128, at: &str) {
    let request_id = RequestId(id(100 + n));
    ledger.record(
        StreamRef::Request(request_id),
        RequestEvent::RequestReceived(RequestReceived {
            request_id,
            kind: RequestKind::Complaint,
            category: RequestCategory::Repair,
            description: "the unit door does not close".into(),
            requester_id: None,
            location: Location {
                compound_id: Some(CompoundId(id(2))),
                ..Location::NOWHERE
            },
            received_by_organisation_id: None,
            channel: Channel::ServiceStation,
        }),
        utc(at),
        &clerk(),
        None,
    );
}

fn received_in(api: &ReadApi, year: i32, month: u8) -> u64 {
    api.metrics(&MetricsScope::All, Period::Month { year, month })
        .expect("metrics")
        .requests
        .received
}

async fn follow(ledger: &Ledger) -> ReadApi {
    let api = ledger.open_read_api(64);
    api.wait_until(ledger.head(), WAIT)
        .await
        .expect("caught up");
    support::domain::assert_none_stopped(&api);
    api
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_at_half_past_one_local_on_1_june_counts_in_june() {
    let ledger = Ledger::new();
    register_community(&ledger);
    set_zone(&ledger, "Asia/Shanghai");
    // 01:30 on 1 June 2021 in Rizhao = 17:30 on 31 May UTC.
    receive(&ledger, 1, "2021-05-31T17:30:00Z");
    // 23:59 on 31 May local = 15:59 UTC: still May.
    receive(&ledger, 2, "2021-05-31T15:59:00Z");
    // 00:30 on 1 January 2021 local = 16:30 on 31 December 2020 UTC: the new year.
    receive(&ledger, 3, "2020-12-31T16:30:00Z");
    let api = follow(&ledger).await;
    assert_eq!(received_in(&api, 2021, 6), 1);
    assert_eq!(received_in(&api, 2021, 5), 1);
    assert_eq!(received_in(&api, 2021, 1), 1);
    assert_eq!(received_in(&api, 2020, 12), 0);
    let year = api
        .metrics(&MetricsScope::All, Period::Year { year: 2021 })
        .expect("metrics");
    assert_eq!(year.requests.received, 3);
    api.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ledger_without_a_zone_counts_in_utc_and_a_later_zone_moves_nothing_earlier() {
    let ledger = Ledger::new();
    register_community(&ledger);
    receive(&ledger, 1, "2021-05-31T17:30:00Z");
    let api = follow(&ledger).await;
    assert_eq!(received_in(&api, 2021, 5), 1);
    assert_eq!(received_in(&api, 2021, 6), 0);
    // The zone is set (in a later batch): the request already counted stays in May, the
    // next one at the same instant counts in June.
    set_zone(&ledger, "Asia/Shanghai");
    receive(&ledger, 2, "2021-05-31T17:30:00Z");
    api.wait_until(ledger.head(), WAIT)
        .await
        .expect("caught up");
    assert_eq!(received_in(&api, 2021, 5), 1);
    assert_eq!(received_in(&api, 2021, 6), 1);
    // A rebuild from the ledger agrees with the live fold.
    api.rebuild(RebuildScope::Named("metrics".into()))
        .await
        .expect("rebuilt");
    assert_eq!(received_in(&api, 2021, 5), 1);
    assert_eq!(received_in(&api, 2021, 6), 1);
    api.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn within_one_month_is_a_local_calendar_month() {
    let ledger = Ledger::new();
    register_community(&ledger);
    set_zone(&ledger, "Asia/Shanghai");
    let mediator = actor(id(91), "mediator", Some(id(11)));
    let mediation = |n: u128, registered: &str, failed: &str| {
        let mediation_id = MediationId(id(200 + n));
        let stream = StreamRef::Mediation(mediation_id);
        ledger.record(
            stream,
            MediationEvent::MediationRegistered(MediationRegistered {
                mediation_id,
                source: MediationSource::PartyApplication,
                referred_by_organisation_id: None,
                mediation_committee_id: govledger_core::domain::ids::OrganisationId(id(11)),
                dispute_type: DisputeType::Neighbour,
                parties: vec![PersonId(id(300)), PersonId(id(301))],
                summary: "noise".into(),
                location: Location::NOWHERE,
            }),
            utc(registered),
            &mediator,
            None,
        );
        ledger.record(
            stream,
            MediationEvent::MediationFailed(MediationFailed {
                mediation_id,
                reason: "no agreement".into(),
            }),
            utc(failed),
            &mediator,
            None,
        );
    };
    // Registered 10:00 on 31 January local; a calendar month later is 10:00 on 28 February
    // local (28 days, not 30): concluded at 10:00 on 28 February is within it, ...
    mediation(1, "2021-01-31T02:00:00Z", "2021-02-28T02:00:00Z");
    // ... one second later is not (though within 30 × 24 hours).
    mediation(2, "2021-01-31T02:00:00Z", "2021-02-28T02:00:01Z");
    let api = follow(&ledger).await;
    let february = api
        .metrics(
            &MetricsScope::All,
            Period::Month {
                year: 2021,
                month: 2,
            },
        )
        .expect("metrics")
        .mediations;
    assert_eq!(february.concluded, 2);
    assert_eq!(february.within_month_rate.numerator, 1);
    api.shutdown().await.expect("shutdown");
}
