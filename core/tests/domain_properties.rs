//! Property: random command sequences, from random actors at random times, never drive a
//! request into an illegal state; refused commands change nothing.

mod domain_support;

use domain_support::*;
use govledger_core::domain::aggregate::ActingAs;
use govledger_core::domain::command::Command;
use govledger_core::domain::event::{DomainEvent, RequestEvent};
use govledger_core::domain::ids::RequestId;
use govledger_core::domain::location::Location;
use govledger_core::domain::request::commands::RequestCommand;
use govledger_core::domain::request::events::RequestReceived;
use govledger_core::domain::request::vocabulary::*;
use govledger_core::domain::request::{RequestStatus, ServiceRequest};
use govledger_core::time::Timestamp;
use proptest::prelude::*;
use uuid::Uuid;

const REQUEST: RequestId = RequestId(Uuid::from_u128(0x7101));
const OTHER: RequestId = RequestId(Uuid::from_u128(0x7102));

fn command_strategy() -> impl Strategy<Value = RequestCommand> {
    let organisation = prop_oneof![Just(PROPERTY), Just(OWNERS_COMMITTEE), Just(AUDIT)];
    let outcome = prop_oneof![
        Just(Outcome::Fixed),
        Just(Outcome::Explained),
        Just(Outcome::NoFurtherAction),
        Just(Outcome::NotResponsible)
    ];
    let text = prop_oneof![
        Just(String::new()),
        Just("  ".to_string()),
        Just("reason".to_string())
    ];
    prop_oneof![
        text.clone()
            .prop_map(|description| RequestCommand::Receive {
                kind: RequestKind::Help,
                category: RequestCategory::Repair,
                description,
                requester_id: None,
                location: Location::NOWHERE,
                channel: Channel::Phone,
            }),
        Just(RequestCommand::Accept { category: None }),
        text.clone()
            .prop_map(|reason| RequestCommand::Reject { reason }),
        Just(RequestCommand::MergeInto {
            into_request_id: OTHER
        }),
        (organisation.clone(), -48i64..400).prop_map(|(organisation_id, hours)| {
            RequestCommand::Dispatch {
                organisation_id,
                response_due_at: None,
                due_at: (hours < 200).then(|| base().plus_hours(hours)),
            }
        }),
        text.clone()
            .prop_map(|reason| RequestCommand::SendBack { reason }),
        Just(RequestCommand::StartWork {
            assignee_account_id: None
        }),
        (outcome, text.clone()).prop_map(|(outcome, note)| RequestCommand::Resolve {
            outcome,
            note,
            work_project_id: None,
        }),
        Just(RequestCommand::FollowUp {
            resolution: FollowUpResolution::NotResolved,
            satisfaction: Satisfaction::Dissatisfied,
            note: String::new(),
        }),
        Just(RequestCommand::Close),
        text.prop_map(|reason| RequestCommand::Reopen { reason }),
        (-24i64..400).prop_map(|hours| RequestCommand::Escalate {
            escalated_to_organisation_id: PARTY,
            new_due_at: base().plus_hours(hours),
        }),
    ]
}

fn base() -> Timestamp {
    day(2020, 6, 1)
}

fn actor_strategy() -> impl Strategy<Value = ActingAs> {
    prop_oneof![
        Just(CLERK),
        Just(TECHNICIAN),
        Just(MEMBER),
        Just(PARTY_MEMBER),
        Just(AUDITOR)
    ]
}

fn legal_transition(from: RequestStatus, to: RequestStatus) -> bool {
    use RequestStatus as S;
    from == to
        || matches!(
            (from, to),
            (S::Unknown, S::Received)
                | (S::Received, S::Accepted | S::Rejected | S::Merged)
                | (S::Accepted, S::Dispatched | S::Merged)
                | (S::Dispatched, S::InProgress | S::Resolved | S::Accepted)
                | (S::InProgress, S::Resolved | S::Accepted)
                | (S::Resolved, S::FollowedUp | S::Accepted)
                | (S::FollowedUp, S::Closed | S::Accepted)
                | (S::Closed, S::Accepted)
        )
}

fn check_state(state: &ServiceRequest) {
    use RequestStatus as S;
    match state.status {
        S::Dispatched | S::InProgress => {
            assert!(state.responsible_organisation_id.is_some());
            assert!(state.due_at.is_some());
        }
        S::Accepted => assert!(state.responsible_organisation_id.is_none()),
        S::Closed => assert!(state.last_outcome.is_some()),
        _ => {}
    }
    if let Some(org) = state.responsible_organisation_id {
        assert!(
            org == PROPERTY || org == OWNERS_COMMITTEE,
            "dispatched to {org}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_commands_never_reach_an_illegal_state(
        steps in prop::collection::vec((actor_strategy(), command_strategy(), 0i64..72), 1..40)
    ) {
        let target: DomainEvent = RequestReceived {
            request_id: OTHER,
            kind: RequestKind::Help,
            category: RequestCategory::Repair,
            description: "other".into(),
            requester_id: None,
            location: Location::NOWHERE,
            received_by_organisation_id: None,
            channel: Channel::Phone,
        }
        .into();
        let mut history: Vec<DomainEvent> = Vec::new();
        let mut now = base();
        for (actor, command, hours) in steps {
            now = now.plus_hours(hours);
            let before = fold::<ServiceRequest>(&history).state;
            let outcome = given(history.clone())
                .with_request(vec![target.clone()])
                .by(actor)
                .at(now)
                .when(Command::Request { request_id: REQUEST, command: command.clone() })
                .0;
            let Ok(events) = outcome else { continue };
            prop_assert_eq!(events.len(), 1);
            if let DomainEvent::Request(RequestEvent::RequestResolved(resolved)) = &events[0] {
                // Only the responsible organisation resolves.
                prop_assert_eq!(Some(resolved.organisation_id), before.responsible_organisation_id);
                prop_assert_eq!(actor.organisation_id, resolved.organisation_id);
            }
            history.extend(events);
            let after = fold::<ServiceRequest>(&history).state;
            prop_assert!(
                legal_transition(before.status, after.status),
                "{:?} -> {:?} by {:?}", before.status, after.status, command
            );
            check_state(&after);
        }
    }
}
