//! The typed mutations against the generic `executeCommand`: for commands of every aggregate,
//! the typed mutation and the domain JSON of the same command append the same events; bad
//! input comes back in `userErrors` with the field at fault and appends nothing.

mod support;

use govledger_core::domain::command::Command;
use govledger_core::domain::ids::RequestId;
use govledger_core::domain::location::Location;
use govledger_core::domain::request::commands::RequestCommand;
use govledger_core::domain::request::vocabulary::{Channel, RequestCategory, RequestKind};
use serde_json::{Value, json};
use support::steps::*;
use support::{Backend, Ledger, Member, on_both_backends};

async fn facts(ledger: &Ledger) -> Facts {
    let stream = format!("request-{}", uuid(REQUEST));
    Facts {
        received_event_id: ledger.first_event_id(ADMIN, &stream).await,
    }
}

/// Both ledgers after every step: one through the typed mutations, one through
/// `executeCommand`.
async fn run_steps(backend: Backend) -> (Ledger, Ledger) {
    let typed = Ledger::open(backend);
    let generic = Ledger::open(backend);
    for (index, step) in steps().iter().enumerate() {
        let (input, _) = (step.build)(&facts(&typed).await);
        let mut input = input;
        for (key, value) in options(index).as_object().expect("an object") {
            input[key] = value.clone();
        }
        let by_type = typed
            .typed(step.member, step.mutation, step.input_type, input)
            .await;
        let (_, command) = (step.build)(&facts(&generic).await);
        let command = serde_json::to_value(&command).expect("a command serialises");
        let by_json = generic.generic(step.member, command, options(index)).await;
        assert_eq!(
            by_type["userErrors"],
            json!([]),
            "{}: {by_type}",
            step.mutation
        );
        assert_eq!(by_type, by_json, "{}", step.mutation);
    }
    (typed, generic)
}

async fn typed_mutations_append_what_execute_command_appends(backend: Backend) {
    let (typed, generic) = run_steps(backend).await;
    let by_type = typed.events(ADMIN).await;
    let by_json = generic.events(ADMIN).await;
    assert!(by_type.len() >= steps().len(), "every step appended");
    for (typed_event, generic_event) in by_type.iter().zip(&by_json) {
        assert_eq!(typed_event, generic_event);
    }
    assert_eq!(by_type.len(), by_json.len());
}

/// A bad input: what is sent, and where the fault is reported.
struct Bad {
    member: Member,
    mutation: &'static str,
    input_type: &'static str,
    input: Value,
    /// The path below `input`; empty when the fault is no one field's.
    field: &'static [&'static str],
    code: &'static str,
}

/// Sends the bad input; it must come back in `userErrors` naming `field`, with nothing appended.
async fn check(ledger: &Ledger, bad: Bad) {
    let head = ledger.head(ADMIN).await;
    let mut input = bad.input;
    input["idempotencyKey"] = input
        .get("idempotencyKey")
        .cloned()
        .unwrap_or_else(|| json!(format!("bad-{}", bad.mutation)));
    let payload = ledger
        .typed(bad.member, bad.mutation, bad.input_type, input)
        .await;
    let errors = payload["userErrors"].as_array().expect("a list");
    assert_eq!(errors.len(), 1, "{}: {payload}", bad.mutation);
    let field = match bad.field {
        [] => Value::Null,
        path => json!(std::iter::once(&"input").chain(path).collect::<Vec<_>>()),
    };
    assert_eq!(errors[0]["field"], field, "{}: {payload}", bad.mutation);
    assert_eq!(errors[0]["code"], bad.code, "{}: {payload}", bad.mutation);
    assert_eq!(payload["positions"], json!([]), "{}", bad.mutation);
    assert_eq!(ledger.head(ADMIN).await, head, "{} appended", bad.mutation);
}

async fn bad_input_comes_back_in_user_errors_and_appends_nothing(backend: Backend) {
    let (ledger, _) = run_steps(backend).await;
    let receive = |description: &str, unit_id: &str| {
        json!({
            "requestId": id(REQUEST + 1), "kind": "HELP", "category": "REPAIR",
            "description": description, "location": { "unitId": unit_id },
            "channel": "PHONE",
        })
    };
    let propose = |amount: i64| {
        json!({
            "workProjectId": id(WORK_PROJECT + 1), "category": "PLANTING", "title": "Trees",
            "description": "Plant trees.", "compoundId": id(COMPOUND), "buildingIds": [],
            "unitIds": [], "plannedQuantities": [{ "amount": amount, "unit": "PIECE" }],
            "linkedRequestIds": [],
        })
    };
    let table = [
        Bad {
            member: CLERK,
            mutation: "acceptRequest",
            input_type: "AcceptRequestInput",
            input: json!({ "requestId": "not-a-uuid" }),
            field: &["requestId"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: CLERK,
            mutation: "receiveRequest",
            input_type: "ReceiveRequestInput",
            input: receive("Leaking pipe.", "unit 101"),
            field: &["location", "unitId"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: CLERK,
            mutation: "receiveRequest",
            input_type: "ReceiveRequestInput",
            input: receive("", &id(UNIT)),
            field: &["description"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: CLERK,
            mutation: "receiveRequest",
            input_type: "ReceiveRequestInput",
            input: {
                let mut input = receive("Leaking pipe.", &id(UNIT));
                input["idempotencyKey"] = json!("");
                input
            },
            field: &["idempotencyKey"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: PARTY,
            mutation: "proposeWorkProject",
            input_type: "ProposeWorkProjectInput",
            input: propose(-3),
            field: &["plannedQuantities"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: PARTY,
            mutation: "proposeWorkProject",
            input_type: "ProposeWorkProjectInput",
            input: {
                let mut input = propose(3);
                input["buildingIds"] = json!([id(BUILDING), "b2"]);
                input
            },
            field: &["buildingIds", "1"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: PARTY,
            mutation: "castBallot",
            input_type: "CastBallotInput",
            input: json!({ "decisionId": id(DECISION), "ballotFor": { "ownerPersonId": "owner" }, "choice": "AGAINST" }),
            field: &["ballotFor", "ownerPersonId"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: CLERK,
            mutation: "correctFact",
            input_type: "CorrectFactInput",
            input: json!({ "target": { "directory": false }, "correctsEventId": id(1), "reason": "typo", "corrected": [] }),
            field: &["target", "directory"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: ADMIN,
            mutation: "setCommunityTimeZone",
            input_type: "SetCommunityTimeZoneInput",
            input: json!({ "timeZone": "Asia/Rizhao" }),
            field: &["timeZone"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: ADMIN,
            mutation: "publishHolidays",
            input_type: "PublishHolidaysInput",
            input: json!({ "year": 2020, "publicHolidays": ["2020-10-01", "1 October"], "workingWeekendDays": [] }),
            field: &["publicHolidays"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: ADMIN,
            mutation: "publishHolidays",
            input_type: "PublishHolidaysInput",
            input: json!({ "year": 2020, "publicHolidays": ["2020-10-01"], "workingWeekendDays": ["2020-09-28"] }),
            field: &["publicHolidays"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: ADMIN,
            mutation: "setCategoryTimeLimits",
            input_type: "SetCategoryTimeLimitsInput",
            input: json!({ "category": "REPAIR", "responseLimit": { "hours": 4, "workingDays": 1 }, "resolutionLimit": { "workingDays": 3 } }),
            field: &["responseLimit"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: ADMIN,
            mutation: "setCategoryTimeLimits",
            input_type: "SetCategoryTimeLimitsInput",
            input: json!({ "category": "REPAIR", "responseLimit": { "hours": 4 }, "resolutionLimit": { "workingDays": 0 } }),
            field: &["resolutionLimit"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: CLERK,
            mutation: "closeRequest",
            input_type: "CloseRequestInput",
            input: json!({ "requestId": id(REQUEST + 99) }),
            field: &[],
            code: "NOT_FOUND",
        },
    ];
    for bad in table {
        check(&ledger, bad).await;
    }
    // The generic form points a domain rejection at its `command`.
    let head = ledger.head(ADMIN).await;
    let empty = Command::Request {
        request_id: RequestId(uuid(REQUEST + 2)),
        command: RequestCommand::Receive {
            kind: RequestKind::Help,
            category: RequestCategory::Repair,
            description: String::new(),
            requester_id: None,
            location: Location::NOWHERE,
            channel: Channel::Phone,
        },
    };
    let command = serde_json::to_value(&empty).expect("a command serialises");
    let payload = ledger
        .generic(CLERK, command, json!({ "idempotencyKey": "generic-empty" }))
        .await;
    assert_eq!(
        payload["userErrors"][0]["field"],
        json!(["input", "command"])
    );
    assert_eq!(payload["userErrors"][0]["code"], "BAD_USER_INPUT");
    assert_eq!(ledger.head(ADMIN).await, head);
}

async fn a_repeated_typed_mutation_is_replayed_and_appends_nothing(backend: Backend) {
    let (ledger, _) = run_steps(backend).await;
    let agreement = |terms: &str| {
        json!({
            "mediationId": id(MEDIATION), "form": "WRITTEN", "terms": terms,
            "idempotencyKey": "agreement-1",
        })
    };
    let input_type = "RecordMediationAgreementInput";
    let mutation = "recordMediationAgreement";
    let write = ledger
        .typed(
            MEDIATOR,
            mutation,
            input_type,
            agreement("Quiet after 22:00."),
        )
        .await;
    assert_eq!(write["userErrors"], json!([]), "{write}");
    assert_eq!(write["replayed"], false);
    let head = ledger.head(ADMIN).await;
    let again = ledger
        .typed(
            MEDIATOR,
            mutation,
            input_type,
            agreement("Quiet after 22:00."),
        )
        .await;
    assert_eq!(again["replayed"], true, "{again}");
    assert_eq!(again["positions"], write["positions"]);
    let other = ledger
        .typed(
            MEDIATOR,
            mutation,
            input_type,
            agreement("Quiet after 23:00."),
        )
        .await;
    assert_eq!(other["userErrors"][0]["code"], "CONFLICT", "{other}");
    let send_back =
        json!({ "requestId": id(REQUEST), "reason": "not ours", "idempotencyKey": "send-back-1" });
    let refused = ledger
        .typed(CLERK, "sendBackRequest", "RequestReasonInput", send_back)
        .await;
    // The station is not the organisation the request was dispatched to.
    assert_eq!(refused["userErrors"][0]["code"], "FORBIDDEN", "{refused}");
    assert_eq!(
        ledger.head(ADMIN).await,
        head,
        "a repeat or a refusal appended"
    );
}

on_both_backends!(
    typed_mutations_append_what_execute_command_appends,
    bad_input_comes_back_in_user_errors_and_appends_nothing,
    a_repeated_typed_mutation_is_replayed_and_appends_nothing,
);
