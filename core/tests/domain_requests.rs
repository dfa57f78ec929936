//! Service requests: every lifecycle path and every rejection, given/when/then.

mod domain_support;

use domain_support::*;
use govledger_core::domain::command::Command;
use govledger_core::domain::error::DomainError;
use govledger_core::domain::event::DomainEvent;
use govledger_core::domain::ids::{OrganisationId, RequestId};
use govledger_core::domain::location::Location;
use govledger_core::domain::request::commands::RequestCommand;
use govledger_core::domain::request::events::*;
use govledger_core::domain::request::vocabulary::*;
use uuid::Uuid;

const REQUEST: RequestId = RequestId(Uuid::from_u128(0x7001));
const OTHER: RequestId = RequestId(Uuid::from_u128(0x7002));

fn cmd(command: RequestCommand) -> Command {
    Command::Request {
        request_id: REQUEST,
        command,
    }
}

fn received() -> DomainEvent {
    RequestReceived {
        request_id: REQUEST,
        kind: RequestKind::Complaint,
        category: RequestCategory::Repair,
        description: "Stairwell lights out".into(),
        requester_id: Some(OWNER_2),
        location: Location {
            compound_id: Some(COMPOUND),
            building_id: Some(BUILDING_1),
            unit_id: None,
            grid_id: None,
        },
        received_by_organisation_id: Some(STATION),
        channel: Channel::ServiceStation,
    }
    .into()
}

fn accepted() -> DomainEvent {
    RequestAccepted {
        request_id: REQUEST,
        category: RequestCategory::Repair,
    }
    .into()
}

fn dispatched(organisation_id: OrganisationId) -> DomainEvent {
    RequestDispatched {
        request_id: REQUEST,
        organisation_id,
        category: RequestCategory::Repair,
        response_due_at: day(2020, 6, 2),
        due_at: day(2020, 6, 8),
    }
    .into()
}

fn resolved(outcome: Outcome) -> DomainEvent {
    RequestResolved {
        request_id: REQUEST,
        organisation_id: PROPERTY,
        outcome,
        note: "Explained".into(),
        work_project_id: None,
    }
    .into()
}

fn followed_up() -> DomainEvent {
    RequestFollowedUp {
        request_id: REQUEST,
        resolution: FollowUpResolution::Resolved,
        satisfaction: Satisfaction::Satisfied,
        note: String::new(),
    }
    .into()
}

fn receive(description: &str) -> Command {
    cmd(RequestCommand::Receive {
        kind: RequestKind::Complaint,
        category: RequestCategory::Repair,
        description: description.into(),
        requester_id: Some(OWNER_2),
        location: Location {
            compound_id: Some(COMPOUND),
            building_id: Some(BUILDING_1),
            unit_id: None,
            grid_id: None,
        },
        channel: Channel::ServiceStation,
    })
}

#[test]
fn received_accepted_dispatched_started_resolved_followed_up_closed() {
    given(vec![])
        .when(receive("  Stairwell lights out  "))
        .then_expect(vec![received()]);
    given(vec![received()])
        .when(cmd(RequestCommand::Accept { category: None }))
        .then_expect(vec![accepted()]);
    // Due times default to the category's limits (repair: 24 hours, 7 days).
    given(vec![received(), accepted()])
        .at(day(2020, 6, 1))
        .when(cmd(RequestCommand::Dispatch {
            organisation_id: PROPERTY,
            response_due_at: None,
            due_at: None,
        }))
        .then_expect(vec![dispatched(PROPERTY)]);
    given(vec![received(), accepted(), dispatched(PROPERTY)])
        .by(TECHNICIAN)
        .when(cmd(RequestCommand::StartWork {
            assignee_account_id: Some(TECHNICIAN.account_id),
        }))
        .then_expect(vec![
            RequestWorkStarted {
                request_id: REQUEST,
                organisation_id: PROPERTY,
                assignee_account_id: Some(TECHNICIAN.account_id),
            }
            .into(),
        ]);
    given(vec![received(), accepted(), dispatched(PROPERTY)])
        .by(TECHNICIAN)
        .when(cmd(RequestCommand::Resolve {
            outcome: Outcome::Explained,
            note: "Explained".into(),
            work_project_id: None,
        }))
        .then_expect(vec![resolved(Outcome::Explained)]);
    let history = vec![
        received(),
        accepted(),
        dispatched(PROPERTY),
        resolved(Outcome::Explained),
    ];
    given(history.clone())
        .when(cmd(RequestCommand::FollowUp {
            resolution: FollowUpResolution::Resolved,
            satisfaction: Satisfaction::Satisfied,
            note: " ".into(),
        }))
        .then_expect(vec![followed_up()]);
    // Closing repeats the outcome: a closed case is never reported as fixed unless it was.
    given([history, vec![followed_up()]].concat())
        .when(cmd(RequestCommand::Close))
        .then_expect(vec![
            RequestClosed {
                request_id: REQUEST,
                outcome: Outcome::Explained,
            }
            .into(),
        ]);
}

#[test]
fn rejected_merged_sent_back_reopened() {
    given(vec![received()])
        .when(cmd(RequestCommand::Reject {
            reason: "Not a community matter".into(),
        }))
        .then_expect(vec![
            RequestRejected {
                request_id: REQUEST,
                reason: "Not a community matter".into(),
            }
            .into(),
        ]);
    let target = vec![
        RequestReceived {
            request_id: OTHER,
            ..match received() {
                DomainEvent::Request(
                    govledger_core::domain::event::RequestEvent::RequestReceived(r),
                ) => r,
                _ => unreachable!(),
            }
        }
        .into(),
    ];
    given(vec![received()])
        .with_request(target.clone())
        .when(cmd(RequestCommand::MergeInto {
            into_request_id: OTHER,
        }))
        .then_expect(vec![
            RequestMerged {
                request_id: REQUEST,
                into_request_id: OTHER,
            }
            .into(),
        ]);
    given(vec![received(), accepted(), dispatched(PROPERTY)])
        .by(TECHNICIAN)
        .when(cmd(RequestCommand::SendBack {
            reason: "Owners' committee matter".into(),
        }))
        .then_expect(vec![
            RequestSentBack {
                request_id: REQUEST,
                organisation_id: PROPERTY,
                reason: "Owners' committee matter".into(),
            }
            .into(),
        ]);
    // After a send-back it can be dispatched again, to someone else.
    let sent_back: DomainEvent = RequestSentBack {
        request_id: REQUEST,
        organisation_id: PROPERTY,
        reason: "Not ours".into(),
    }
    .into();
    given(vec![
        received(),
        accepted(),
        dispatched(PROPERTY),
        sent_back,
    ])
    .when(cmd(RequestCommand::Dispatch {
        organisation_id: OWNERS_COMMITTEE,
        response_due_at: None,
        due_at: None,
    }))
    .then_expect(vec![dispatched(OWNERS_COMMITTEE)]);
    let closed: DomainEvent = RequestClosed {
        request_id: REQUEST,
        outcome: Outcome::Fixed,
    }
    .into();
    let history = vec![
        received(),
        accepted(),
        dispatched(PROPERTY),
        resolved(Outcome::Fixed),
        followed_up(),
        closed,
    ];
    given(history.clone())
        .when(cmd(RequestCommand::Reopen {
            reason: "Lights out again".into(),
        }))
        .then_expect(vec![
            RequestReopened {
                request_id: REQUEST,
                reason: "Lights out again".into(),
            }
            .into(),
        ]);
    let reopened: DomainEvent = RequestReopened {
        request_id: REQUEST,
        reason: "Again".into(),
    }
    .into();
    given([history, vec![reopened]].concat())
        .at(day(2020, 6, 1))
        .when(cmd(RequestCommand::Dispatch {
            organisation_id: PROPERTY,
            response_due_at: None,
            due_at: None,
        }))
        .then_expect(vec![dispatched(PROPERTY)]);
}

#[test]
fn overdue_requests_are_escalated_and_only_overdue_ones() {
    let history = vec![received(), accepted(), dispatched(PROPERTY)];
    given(history.clone())
        .by(PARTY_MEMBER)
        .at(day(2020, 6, 9))
        .when(cmd(RequestCommand::Escalate {
            escalated_to_organisation_id: PARTY,
            new_due_at: day(2020, 6, 12),
        }))
        .then_expect(vec![
            RequestEscalated {
                request_id: REQUEST,
                organisation_id: PROPERTY,
                missed_due_at: day(2020, 6, 8),
                escalated_to_organisation_id: PARTY,
                new_due_at: day(2020, 6, 12),
                escalation_level: 1,
            }
            .into(),
        ]);
    given(history)
        .by(PARTY_MEMBER)
        .at(day(2020, 6, 8))
        .when(cmd(RequestCommand::Escalate {
            escalated_to_organisation_id: PARTY,
            new_due_at: day(2020, 6, 12),
        }))
        .then_reject(DomainError::WrongState {
            aggregate: "request",
            state: "not overdue",
            action: "be escalated",
        });
}

#[test]
fn rejections_append_nothing() {
    let dispatched_history = vec![received(), accepted(), dispatched(PROPERTY)];
    let cases: Vec<(Scenario, Command, DomainError)> = vec![
        (
            given(vec![]),
            receive(" \t "),
            DomainError::EmptyText {
                field: "description",
            },
        ),
        (
            given(vec![]),
            receive(&"x".repeat(4097)),
            DomainError::TextTooLong {
                field: "description",
                len_bytes: 4097,
                max_bytes: 4096,
            },
        ),
        (
            given(vec![received()]),
            receive("again"),
            DomainError::AlreadyExists {
                what: "request",
                id: REQUEST.to_string(),
            },
        ),
        (
            given(vec![]),
            cmd(RequestCommand::Accept { category: None }),
            DomainError::NotFound {
                what: "request",
                id: REQUEST.to_string(),
            },
        ),
        (
            given(vec![received(), accepted()]).at(day(2020, 6, 1)),
            cmd(RequestCommand::Dispatch {
                organisation_id: PROPERTY,
                response_due_at: None,
                due_at: Some(day(2020, 5, 31)),
            }),
            DomainError::DueBeforeDispatch {
                due_at: day(2020, 5, 31),
                dispatched_at: day(2020, 6, 1),
            },
        ),
        (
            given(vec![received()]),
            cmd(RequestCommand::Dispatch {
                organisation_id: PROPERTY,
                response_due_at: None,
                due_at: None,
            }),
            DomainError::WrongState {
                aggregate: "request",
                state: "received",
                action: "be dispatched",
            },
        ),
        (
            given(vec![received(), accepted()]),
            cmd(RequestCommand::Dispatch {
                organisation_id: AUDIT,
                response_due_at: None,
                due_at: None,
            }),
            DomainError::InvalidInput {
                field: "organisation_id",
                reason: "an organisation of kind audit_office does not handle requests".into(),
            },
        ),
        // Only the responsible organisation resolves a dispatched request.
        (
            given(dispatched_history.clone()).by(MEMBER),
            cmd(RequestCommand::Resolve {
                outcome: Outcome::Fixed,
                note: String::new(),
                work_project_id: None,
            }),
            DomainError::NotResponsibleOrganisation {
                responsible: PROPERTY,
                action: "resolve the request",
            },
        ),
        (
            given(dispatched_history.clone()).by(TECHNICIAN),
            cmd(RequestCommand::Resolve {
                outcome: Outcome::NotResponsible,
                note: "  ".into(),
                work_project_id: None,
            }),
            DomainError::EmptyText { field: "note" },
        ),
        (
            given(vec![received()]),
            cmd(RequestCommand::MergeInto {
                into_request_id: REQUEST,
            }),
            DomainError::InvalidInput {
                field: "into_request_id",
                reason: "a request cannot be merged into itself".into(),
            },
        ),
        (
            given(vec![received()]),
            cmd(RequestCommand::MergeInto {
                into_request_id: OTHER,
            }),
            DomainError::NotFound {
                what: "request",
                id: OTHER.to_string(),
            },
        ),
        (
            given(dispatched_history.clone()),
            cmd(RequestCommand::Close),
            DomainError::WrongState {
                aggregate: "request",
                state: "dispatched",
                action: "be closed",
            },
        ),
        (
            given(dispatched_history.clone()),
            cmd(RequestCommand::Reopen { reason: "x".into() }),
            DomainError::WrongState {
                aggregate: "request",
                state: "dispatched",
                action: "be reopened",
            },
        ),
        // Auditors change nothing.
        (
            given(dispatched_history.clone()).by(AUDITOR),
            cmd(RequestCommand::Close),
            DomainError::RoleNotPermitted {
                role: "auditor",
                action: "close_request",
            },
        ),
        // A role held only from 2030 does not count in 2020.
        (
            given(vec![received()]).by(FUTURE_CLERK),
            cmd(RequestCommand::Accept { category: None }),
            DomainError::RoleNotHeld {
                account_id: FUTURE_CLERK.account_id,
                role: "station_clerk",
                organisation_id: STATION,
            },
        ),
        // A resident raises requests in their own name only.
        (
            given(vec![]).by(RESIDENT),
            cmd(RequestCommand::Receive {
                kind: RequestKind::Help,
                category: RequestCategory::Other,
                description: "Help".into(),
                requester_id: Some(OWNER_3),
                location: Location::NOWHERE,
                channel: Channel::Online,
            }),
            DomainError::InvalidInput {
                field: "requester_id",
                reason: "a resident raises requests in their own name".into(),
            },
        ),
    ];
    for (scenario, command, error) in cases {
        scenario.when(command).then_reject(error);
    }
}

/// China's 2020 National Day holiday: 1–8 October off, Sunday 27 September and Saturday
/// 10 October worked; repairs due within 2 working days, first acted on within 4 hours.
fn rizhao_working_days() -> Vec<DomainEvent> {
    use govledger_core::domain::directory::events::{
        CategoryTimeLimitsSet, CommunityTimeZoneSet, HolidaysPublished,
    };
    use govledger_core::time::CivilDate;
    let date = |month, day| CivilDate {
        year: 2020,
        month,
        day,
    };
    vec![
        CommunityTimeZoneSet {
            community_id: COMMUNITY,
            time_zone: "Asia/Shanghai".into(),
        }
        .into(),
        HolidaysPublished {
            year: 2020,
            public_holidays: (1..=8).map(|day| date(10, day)).collect(),
            working_weekend_days: vec![date(9, 27), date(10, 10)],
        }
        .into(),
        CategoryTimeLimitsSet {
            category: RequestCategory::Repair,
            response_limit: TimeLimit::Hours(4),
            resolution_limit: TimeLimit::WorkingDays(2),
        }
        .into(),
    ]
}

fn check_working_day_due(dispatched_at: &str, due_at: &str) {
    let at = |text: &str| govledger_core::time::Timestamp::parse_rfc3339(text).unwrap();
    given(vec![received(), accepted()])
        .with_directory(rizhao_working_days())
        .at(at(dispatched_at))
        .when(cmd(RequestCommand::Dispatch {
            organisation_id: PROPERTY,
            response_due_at: None,
            due_at: None,
        }))
        .then_expect(vec![
            RequestDispatched {
                request_id: REQUEST,
                organisation_id: PROPERTY,
                category: RequestCategory::Repair,
                response_due_at: at(dispatched_at).plus_hours(4),
                due_at: at(due_at),
            }
            .into(),
        ]);
}

#[test]
fn a_working_day_limit_skips_public_holidays_and_counts_adjusted_working_sundays() {
    // Friday 25 September, noon in Rizhao: Saturday off, Sunday 27 worked, Monday 28: due
    // at the end of Monday (midnight local = 16:00 UTC).
    check_working_day_due("2020-09-25T04:00:00Z", "2020-09-28T16:00:00Z");
    // Wednesday 30 September: 1–8 October are public holidays; Friday 9 and the adjusted
    // working Saturday 10 count: due at the end of 10 October.
    check_working_day_due("2020-09-30T04:00:00Z", "2020-10-10T16:00:00Z");
}
